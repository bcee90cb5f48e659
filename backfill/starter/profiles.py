"""The values of one column summed up, and the header words that point at a field."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

from backfill.plan.vocabulary import fold

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
ISO = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*(?:Z|UTC|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)
OFFSET_CELL = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE)
SAMPLE = 5000

# a column of numbers is read as times only when its header says it holds some
_TIME_HEADER = re.compile(r"date|time|epoch|unix|datum|zeit|fecha|hora|data|tijd|heure")


@dataclass(frozen=True)
class Guess:
    """A column chosen for a role, and why."""

    column: str
    evidence: str


@dataclass
class Profile:
    """The values of one column, summed up."""

    name: str
    filled: int
    emails: int
    times: int
    offsets: int
    digits: int
    distinct: int
    repeats: bool  # some value occurs on several rows
    mean_length: float
    spaced: int  # values with a space (free text)
    values: list[object]
    sampled: bool = False  # the values are the column's first SAMPLE only
    lines: int = 0  # values of several lines (work notes, comments)
    median: pd.Timestamp | None = None  # the typical time of a time column
    instants: pd.Series | None = None  # each row's time (NaT: none), to compare columns
    reading: str = ""  # why its cells cannot be read one way (a TwoReadings message)

    def share(self, count: int) -> str:
        return (
            f"{count} of the first {self.filled} values"
            if self.sampled
            else (f"{count} of {self.filled} values")
        )


def profile_of(name: str, values: list[object]) -> Profile:
    cells = [v for v in values if not blank(v)]
    texts = [v.strip() if isinstance(v, str) else v for v in cells]
    strings = [t for t in texts if isinstance(t, str)]
    counts = pd.Series([str(t) for t in texts], dtype=object).value_counts()
    instants, reading = column_times(name, values)
    readable = instants.dropna()
    median = readable.sort_values().iloc[len(readable) // 2] if len(readable) else None
    return Profile(
        name=name,
        filled=len(cells),
        emails=sum(1 for t in strings if EMAIL.match(t)),
        times=len(readable),
        offsets=sum(1 for t in strings if ISO.match(t) and OFFSET_CELL.search(t)),
        digits=sum(1 for t in strings if t.isdigit()),
        distinct=len(counts),
        repeats=bool(len(counts) and counts.iloc[0] > 1),
        mean_length=float(np.mean([len(str(t)) for t in texts])) if texts else 0.0,
        spaced=sum(1 for t in strings if " " in t),
        values=texts,
        lines=sum(1 for t in strings if "\n" in t),
        median=median,
        reading=reading,
        instants=instants,
    )


def column_times(name: str, values: list[object]) -> tuple[pd.Series, str]:
    """Each row's instant (NaT where a cell is empty or no time), and why the column cannot
    be read one way ("" when it can): read by plan's own reader, so that init and plan
    never disagree about what a time is."""
    from backfill.plan.time_convention import TwoReadings
    from backfill.plan.times import parse_times

    cells = pd.Series(values, dtype=object)
    filled = [v for v in values if not blank(v)]
    if not filled or not _may_hold_times(name, filled):
        return pd.Series(pd.NaT, index=cells.index, dtype="datetime64[us, UTC]"), ""
    reading = ""
    try:
        parsed = parse_times(cells, column=name)
    except TwoReadings as exc:
        reading = str(exc)  # counted in one order; the config must say which
        parsed = parse_times(cells, column=name, dayfirst=True)
    return parsed.utc, reading


def _may_hold_times(name: str, cells: list[object]) -> bool:
    """Whether a column is worth reading as times: short cells with digits, and numbers only
    where the header says they are times (an id of five digits reads as an Excel date)."""
    if any(isinstance(c, (datetime, date)) for c in cells):
        return True
    texts = [str(c) for c in cells]
    short = sum(1 for t in texts if len(t) <= 40 and any(ch.isdigit() for ch in t))
    if short < 0.5 * len(texts):
        return False
    numbers = sum(1 for t in texts if t.replace(".", "", 1).isdigit())
    return numbers < 0.5 * len(texts) or bool(_TIME_HEADER.search(name.lower()))


def blank(value: object) -> bool:
    """An empty cell: missing, or text of spaces only."""
    if isinstance(value, str):
        return not value.strip()
    return value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def header_words(header: str) -> str:
    """The header folded to lower-case words: "Survey answered (local)" -> " survey answered
    local " (padded, so that ' cg ' matches a whole word)."""
    return " " + " ".join(re.findall(r"[a-z0-9]+", fold(header.upper()).lower())) + " "


def header_says(header: str, words: Sequence[str]) -> str | None:
    folded = header_words(header)
    return next((w for w in words if f" {w} " in folded), None)
