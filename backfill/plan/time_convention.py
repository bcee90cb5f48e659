"""One column, one reading: the day/month order and form of a time column, from all its cells.

A cell such as 13/03/2024 can only be day first and 03/13/2024 only month first; 03/04/2024
can be either. SPEC.md ("Reading times") wants every cell of a column read one way, so the
order is decided from the whole column before any cell is parsed: a column with cells of
both kinds, or with only undecidable ones and no `input.dayfirst`/`input.date_format`, is
refused with the setting that fixes it. ISO 8601 cells (2024-03-13) and Excel dates read the
same under either order and never decide it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

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


class TwoReadings(ValueError):
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
    day_proof: list[str] = []
    month_proof: list[str] = []
    undecided: list[str] = []
    forms: set[str] = set()
    for raw in cells:
        if not isinstance(raw, str):
            continue  # real Excel dates and numbers: no order to decide
        cell = raw.strip()
        match = _NUMERIC.match(cell)
        if match is None:
            continue
        as_day_first, as_month_first = _valid(match, True), _valid(match, False)
        if not (as_day_first or as_month_first):
            continue  # no date either way ("31/02/2024"): that row's error, not evidence
        forms.add(_form(match))
        if as_day_first and as_month_first:
            undecided.append(cell)
        elif as_day_first:
            day_proof.append(cell)
        else:
            month_proof.append(cell)
    total = len(day_proof) + len(month_proof) + len(undecided)
    if total == 0:
        return Convention(dayfirst, None, "")
    if dayfirst is not None:
        order = "day first" if dayfirst else "month first"
        return Convention(dayfirst, _pattern(forms, dayfirst), f"input.dayfirst: {order}")
    if day_proof and month_proof:
        raise TwoReadings(
            f"column '{column}' holds dates that need two readings: {_shown(day_proof)} "
            f"can only be day first, {_shown(month_proof)} only month first; correct the "
            "cells that are wrong, or set input.date_format to the right pattern (cells that "
            "do not fit it are then reported row by row)"
        )
    if not day_proof and not month_proof:
        raise TwoReadings(
            f"column '{column}': no cell decides whether {_shown(undecided)} is day first "
            "or month first (every day and month is 12 or less); set input.dayfirst: true "
            "(03/04/2024 = 3 April) or false (03/04/2024 = 4 March) in the config"
        )
    decided = bool(day_proof)
    proof = day_proof if decided else month_proof
    place = "first" if decided else "second"
    evidence = (
        f"{len(proof)} of {total} dates such as {_shown(proof)} have a number over 12 in "
        f"{place} place: {'day' if decided else 'month'} first"
    )
    return Convention(decided, _pattern(forms, decided), evidence)


def _valid(match: re.Match[str], dayfirst: bool) -> bool:
    """Whether the cell is a real date and time when read in this order."""
    a, b = int(match["a"]), int(match["b"])
    day, month = (a, b) if dayfirst else (b, a)
    year = int(match["year"]) + (2000 if len(match["year"]) == 2 else 0)
    try:
        date(year, month, day)
    except ValueError:
        return False
    if match["hour"] is None:
        return True
    hour, minute = int(match["hour"]), int(match["minute"])
    second = int(match["second"] or 0)
    top = 12 if match["ampm"] else 23
    return hour <= top and minute <= 59 and second <= 59


def _form(match: re.Match[str]) -> str:
    """A strptime pattern with "{d1}"/"{d2}" for the two ambiguous places."""
    date = f"{{d1}}{match['sep']}{{d2}}{match['sep']}{'%Y' if len(match['year']) == 4 else '%y'}"
    if match["hour"] is None:
        return date
    clock = "%H:%M" if match["ampm"] is None else "%I:%M"
    if match["second"] is not None:
        clock += ":%S"
    if match["ampm"] is not None:
        clock += " %p" if match["ampm"][0].isspace() else "%p"
    return f"{date}{match['t']}{clock}"


def _pattern(forms: set[str], dayfirst: bool) -> str | None:
    if len(forms) != 1:
        return None
    first, second = ("%d", "%m") if dayfirst else ("%m", "%d")
    return next(iter(forms)).replace("{d1}", first).replace("{d2}", second)


def _shown(cells: list[str]) -> str:
    unique = list(dict.fromkeys(cells))[:_EXAMPLES]
    return ", ".join(repr(c) for c in unique)
