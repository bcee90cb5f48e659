"""One column, one reading: the day/month order and form of a time column, from all its cells.

A cell such as 13/03/2024 can only be day first and 03/13/2024 only month first; 03/04/2024
can be either. SPEC.md ("Reading times") wants every cell of a column read one way, so the
order is decided from the whole column before any cell is parsed: a column with cells of
both kinds, or with only undecidable ones and no `input.dayfirst`/`input.date_format`, is
refused with the setting that fixes it. ISO 8601 cells (2024-03-13) and Excel dates read the
same under either order and never decide it. Each numeric cell is then read with the
strptime pattern of its own form in that order (`cell_patterns`), never by a guesser that
could swap day and month where the order makes no date.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from backfill.errors import InputError

# d/m/Y or m/d/Y with "/", "." or "-", a 2- or 4-digit year, and an optional clock
_NUMERIC = re.compile(
    r"^(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2})"
    r"(?:(?P<t>,?[ T]+)(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"(?P<ampm>\s*[AaPp][Mm])?)?$"
)
_EXAMPLES = 3


@dataclass(frozen=True)
class Convention:
    """How a column's numeric day/month cells are read (None: the column has none)."""

    dayfirst: bool | None
    pattern: str | None  # strptime pattern of those cells when they share one form
    evidence: str  # why, in words, with example cells ("" when nothing needed deciding)


class TwoReadings(InputError):
    """A column that cannot be read one way; the message names the fix and example cells."""


def numeric_parts(cell: str) -> tuple[int, int] | None:
    """The first two numbers of a d/m/Y-or-m/d/Y cell, else None."""
    match = _NUMERIC.match(cell.strip())
    return (int(match["a"]), int(match["b"])) if match else None


def decide(
    cells: Iterable[object],
    *,
    column: str,
    dayfirst: bool | None = None,
    date_format: str | None = None,
) -> Convention:
    """The one convention for every cell of `column`; raises TwoReadings when there is none.

    `dayfirst` and `date_format` are the user's settings: they decide (a cell that does not
    fit them is then that row's error); None leaves it to the cells.
    """
    if date_format is not None:
        return Convention(dayfirst, date_format, f"input.date_format {date_format!r}")
    parts = _parts(cells)
    as_day_first, as_month_first = _valid(parts, True), _valid(parts, False)
    # a cell that is no date either way ("31/02/2024") is that row's error, not evidence
    readable = as_day_first | as_month_first
    forms = set(_forms(parts[readable]))
    if not readable.any():
        return Convention(dayfirst, None, "")
    if dayfirst is not None:
        order = "day first" if dayfirst else "month first"
        return Convention(dayfirst, _pattern(forms, dayfirst), f"input.dayfirst: {order}")
    cell_text = parts["cell"]
    day_proof = cell_text[as_day_first & ~as_month_first].tolist()
    month_proof = cell_text[as_month_first & ~as_day_first].tolist()
    if day_proof and month_proof:
        raise TwoReadings(
            f"column '{column}' holds dates that need two readings: {_shown(day_proof)} "
            f"can only be day first, {_shown(month_proof)} only month first; correct the "
            "cells that are wrong, or set input.date_format to the right pattern (cells that "
            "do not fit it are then reported row by row)"
        )
    if not day_proof and not month_proof:
        undecided = cell_text[as_day_first & as_month_first].tolist()
        raise TwoReadings(
            f"column '{column}': no cell decides whether {_shown(undecided)} is day first "
            "or month first (every day and month is 12 or less); set input.dayfirst: true "
            "(03/04/2024 = 3 April) or false (03/04/2024 = 4 March) in the config"
        )
    decided = bool(day_proof)
    proof = day_proof if decided else month_proof
    place = "first" if decided else "second"
    evidence = (
        f"{len(proof)} of {int(readable.sum())} dates such as {_shown(proof)} have a number "
        f"over 12 in {place} place: {'day' if decided else 'month'} first"
    )
    return Convention(decided, _pattern(forms, decided), evidence)


def cell_patterns(cells: pd.Series, dayfirst: bool) -> pd.Series:
    """The strptime pattern of each numeric day/month cell read in this order (its separator,
    year digits and clock); NaN for other cells. Indexed like `cells`."""
    parts = _parts(cells)
    out = pd.Series(None, index=cells.index, dtype=object)
    if len(parts):
        first, second = ("%d", "%m") if dayfirst else ("%m", "%d")
        forms = _forms(parts)
        out[parts.index] = forms.str.replace("{d1}", first).str.replace("{d2}", second)
    return out


def _parts(cells: Iterable[object]) -> pd.DataFrame:
    """The numeric day/month cells' parts (regex groups), indexed by their position or label."""
    series = cells if isinstance(cells, pd.Series) else pd.Series(list(cells), dtype=object)
    is_text = series.map(lambda v: isinstance(v, str)).astype(bool)
    text = series[is_text].astype(str).str.strip()
    parts = text.str.extract(_NUMERIC).dropna(subset=["a"])
    parts["cell"] = text[parts.index]
    return parts


def _valid(parts: pd.DataFrame, dayfirst: bool) -> pd.Series:
    """Whether each cell is a real date and time when read in this order."""
    if parts.empty:
        return pd.Series(False, index=parts.index, dtype=bool)
    a, b = parts["a"].astype(int), parts["b"].astype(int)
    year = parts["year"].astype(int)
    year = year.where(parts["year"].str.len() == 4, year + 2000)
    day, month = (a, b) if dayfirst else (b, a)
    dates = pd.to_datetime(
        pd.DataFrame({"year": year, "month": month, "day": day}), errors="coerce"
    )
    hour = pd.to_numeric(parts["hour"]).fillna(0)
    minute = pd.to_numeric(parts["minute"]).fillna(0)
    second = pd.to_numeric(parts["second"]).fillna(0)
    top = np.where(parts["ampm"].notna(), 12, 23)
    clock = (hour <= top) & (minute <= 59) & (second <= 59)
    return (dates.notna() & clock).astype(bool)


def _forms(parts: pd.DataFrame) -> pd.Series:
    """Each cell's strptime pattern with "{d1}"/"{d2}" for the two ambiguous places."""
    if parts.empty:
        return pd.Series([], dtype=object)
    sep = parts["sep"]
    year = np.where(parts["year"].str.len() == 4, "%Y", "%y")
    date = "{d1}" + sep + "{d2}" + sep + year
    ampm = parts["ampm"].fillna("")
    clock = np.where(ampm == "", "%H:%M", "%I:%M")
    clock = clock + np.where(parts["second"].notna(), ":%S", "")
    clock = clock + np.where(ampm == "", "", np.where(ampm.str[:1].str.isspace(), " %p", "%p"))
    timed = parts["hour"].notna()
    return date.where(~timed, date + parts["t"].fillna("") + clock).astype(object)


def _pattern(forms: set[str], dayfirst: bool) -> str | None:
    if len(forms) != 1:
        return None
    first, second = ("%d", "%m") if dayfirst else ("%m", "%d")
    return next(iter(forms)).replace("{d1}", first).replace("{d2}", second)


def _shown(cells: list[str]) -> str:
    unique = list(dict.fromkeys(cells))[:_EXAMPLES]
    return ", ".join(repr(c) for c in unique)
