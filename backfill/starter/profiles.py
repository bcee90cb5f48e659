"""The values of one column summed up, and the header words that point at a field."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from backfill.plan.time_columns import read_convention
from backfill.plan.time_convention import Convention
from backfill.plan.vocabulary import fold

# the East Asian wide and full-width blocks (Unicode's East_Asian_Width W and F): Hangul
# Jamo, CJK radicals to Yi, Hangul syllables, compatibility ideographs, vertical and
# full-width forms, and the supplementary ideographic planes
_WIDE = re.compile(
    "[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
    "\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
    "\U00020000-\U0003fffd]"
)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
SAMPLE = 5000


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
    # free text: values with a space or a line break, or in an East Asian script (which
    # writes sentences without spaces)
    spaced: int
    values: list[object]
    sampled: bool = False  # the values are the column's first SAMPLE only
    lines: int = 0  # values of several lines (work notes, comments)
    cells: list[object] | None = None  # every cell, empty ones too (for `instants`)
    # how its cells read as times: plan's own reading (plan/time_columns.py)
    convention: Convention | None = None
    # the mean display width: a Chinese, Japanese or Korean sign takes two columns (and says
    # as much as a few Latin letters), so that such text is not judged short
    mean_width: float = 0.0

    @cached_property
    def instants(self) -> pd.Series:
        """Each row's instant (NaT: empty or no time), to compare time columns row by row;
        read day first where the day/month order is the open question."""
        from backfill.plan.times import parse_times

        cells = pd.Series(self.cells or [], dtype=object)
        if self.convention is None or not self.convention.readable:
            return pd.Series(pd.NaT, index=cells.index, dtype="datetime64[us, UTC]")
        order = True if self.convention.question else self.convention.dayfirst
        parsed = parse_times(
            cells, dayfirst=order, column=self.name, date_format=self.convention.date_format
        )
        return parsed.utc

    @cached_property
    def moments(self) -> np.ndarray:
        """`instants` as a datetime64 array in UTC (NaT: none), to compare row by row fast."""
        moments: np.ndarray = self.instants.dt.tz_convert(None).to_numpy()
        return moments

    @property
    def median(self) -> pd.Timestamp | None:
        """The column's typical time."""
        readable = self.instants.dropna()
        return readable.sort_values().iloc[len(readable) // 2] if len(readable) else None

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
    # (times as plan reads them, so that init and plan never disagree on a time column)
    convention = read_convention(values, header=name)
    return Profile(
        name=name,
        filled=len(cells),
        emails=sum(1 for t in strings if EMAIL.match(t)),
        times=convention.readable,
        offsets=convention.offsets,
        digits=sum(1 for t in strings if t.isdigit()),
        distinct=len(counts),
        repeats=bool(len(counts) and counts.iloc[0] > 1),
        mean_length=float(np.mean([len(str(t)) for t in texts])) if texts else 0.0,
        spaced=sum(1 for t in strings if free_text(t)),
        values=texts,
        lines=sum(1 for t in strings if "\n" in t),
        convention=convention,
        cells=values,
        mean_width=float(np.mean([width(str(t)) for t in texts])) if texts else 0.0,
    )


def width(text: str) -> int:
    """Display width: East Asian wide and full-width signs take two columns."""
    return len(text) if text.isascii() else len(text) + len(_WIDE.findall(text))


def free_text(text: str) -> bool:
    """Words rather than a code: a space or a line break, or three or more East Asian signs."""
    if " " in text or "\n" in text:
        return True
    return not text.isascii() and width(text) - len(text) >= 3


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
