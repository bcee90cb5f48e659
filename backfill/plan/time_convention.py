"""One column, one reading: the day/month order and form of a time column, from all its cells.

A cell such as 13/03/2024 can only be day first and 03/13/2024 only month first; 03/04/2024
can be either. SPEC.md ("Reading times") wants every cell of a column read one way, so the
order is decided from the whole column before any cell is parsed: a column with cells of
both kinds, or with only undecidable ones and no `input.dayfirst`/`input.date_format`, is
refused with the setting that fixes it. ISO 8601 cells (2024-03-13) and Excel dates read the
same under either order and never decide it. Each numeric cell is then read with the
strptime pattern of its own form in that order (`read_numeric`), never by a guesser that
could swap day and month where the order makes no date.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from backfill.errors import InputError

# d/m/Y or m/d/Y with "/", "." or "-", a 2- or 4-digit year, and an optional clock (RE2
# syntax for pyarrow: no back-reference, so the two separators are compared afterwards)
_NUMERIC = (
    r"^(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P<sep2>[/.-])(?P<year>\d{4}|\d{2})"
    r"(?:(?P<t>,?[ T]+)(?P<hour>\d{1,2}):(?P<minute>\d{1,2})(?::(?P<second>\d{1,2}))?"
    r"(?P<ampm>\s*[AaPp][Mm])?)?$"
)
_ONE = re.compile(_NUMERIC.replace("(?P<sep2>[/.-])", "(?P=sep)"))
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
_EXAMPLES = 3


@dataclass(frozen=True)
class Convention:
    """How a column's numeric day/month cells are read (None: the column has none), and
    (from time_columns.read_convention) how many of its cells read as times that way."""

    dayfirst: bool | None
    pattern: str | None  # strptime pattern of those cells when they share one form
    evidence: str  # why, in words, with example cells ("" when nothing needed deciding)
    date_format: str | None = None  # the user's input.date_format, when set
    filled: int = 0  # non-empty cells
    readable: int = 0  # cells read as times (that count as evidence: see read_convention)
    offsets: int = 0  # cells that carry their own offset (or are Unix epochs)
    example: str = ""  # a cell read as a time
    question: str = ""  # the day/month order is unclear: what to ask (TwoReadings' message)


class TwoReadings(InputError):
    """A column that cannot be read one way; the message names the fix and example cells."""


def numeric_parts(cell: str) -> tuple[int, int] | None:
    """The first two numbers of a d/m/Y-or-m/d/Y cell, else None."""
    match = _ONE.match(cell.strip())
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
    return _decide(_Parts.of(cells), column, dayfirst)


def read_numeric(
    cells: pd.Series, *, column: str, dayfirst: bool | None
) -> tuple[Convention, pd.Series]:
    """The column's one day/month order (decide) and each numeric cell's strptime pattern
    in it (None for other cells; indexed like `cells`), from one pass over the cells."""
    parts = _Parts.of(cells)
    convention = _decide(parts, column, dayfirst)
    patterns = pd.Series(None, index=cells.index, dtype=object)
    if len(parts.rows):
        patterns.iloc[parts.rows] = parts.patterns(bool(convention.dayfirst))
    return convention, patterns


def _decide(parts: _Parts, column: str, dayfirst: bool | None) -> Convention:
    as_day_first, as_month_first = parts.valid(True), parts.valid(False)
    # a cell that is no date either way ("31/02/2024") is that row's error, not evidence
    readable = as_day_first | as_month_first
    if not readable.any():
        return Convention(dayfirst, None, "")
    if dayfirst is not None:
        order = "day first" if dayfirst else "month first"
        return Convention(dayfirst, parts.pattern(readable, dayfirst), f"input.dayfirst: {order}")
    day_proof = parts.cells[as_day_first & ~as_month_first]
    month_proof = parts.cells[as_month_first & ~as_day_first]
    if len(day_proof) and len(month_proof):
        raise TwoReadings(
            f"column '{column}' holds dates that need two readings: {_shown(day_proof)} "
            f"can only be day first, {_shown(month_proof)} only month first; correct the "
            "cells that are wrong, or set the right reading, input.dayfirst: true or false "
            "(or input.date_format): the cells that do not fit it are then reported row by row"
        )
    if not len(day_proof) and not len(month_proof):
        undecided = parts.cells[as_day_first & as_month_first]
        raise TwoReadings(
            f"column '{column}': no cell decides whether {_shown(undecided)} is day first "
            "or month first (every day and month is 12 or less); set input.dayfirst: true "
            "(03/04/2024 = 3 April) or false (03/04/2024 = 4 March) in the config"
        )
    decided = bool(len(day_proof))
    proof = day_proof if decided else month_proof
    place = "first" if decided else "second"
    evidence = (
        f"{len(proof)} of {int(readable.sum())} dates such as {_shown(proof)} have a number "
        f"over 12 in {place} place: {'day' if decided else 'month'} first"
    )
    return Convention(decided, parts.pattern(readable, decided), evidence)


@dataclass
class _Parts:
    """The numeric day/month cells of a column, taken apart (pyarrow's RE2, then numpy)."""

    rows: np.ndarray  # their positions in the column
    cells: np.ndarray  # their text, stripped
    a: np.ndarray
    b: np.ndarray
    year: np.ndarray  # four digits
    hour: np.ndarray  # -1: no clock
    minute: np.ndarray
    second: np.ndarray
    twelve_hour: np.ndarray  # bool: AM/PM
    form: np.ndarray  # index into `forms`
    forms: list[str]  # strptime patterns with "{d1}"/"{d2}" for the ambiguous places

    @classmethod
    def of(cls, cells: Iterable[object]) -> _Parts:
        values = np.asarray(list(cells) if not isinstance(cells, pd.Series) else cells, object)
        is_text = np.fromiter((isinstance(v, str) for v in values), bool, count=len(values))
        text = pa.array(np.where(is_text, values, ""), type=pa.string())
        text = pc.utf8_trim_whitespace(text)
        found = pc.extract_regex(text, _NUMERIC)
        names = ("a", "sep", "sep2", "b", "year", "t", "hour", "minute", "second", "ampm")
        fields = {name: found.field(name) for name in names}
        hit = pc.and_(pc.and_(found.is_valid(), is_text), pc.equal(fields["sep"], fields["sep2"]))
        hit = pc.fill_null(hit, False).to_numpy(zero_copy_only=False)
        rows = np.flatnonzero(hit)
        taken = {name: column.take(pa.array(rows)) for name, column in fields.items()}

        def number(name: str) -> np.ndarray:
            column = taken[name]
            filled = pc.if_else(pc.equal(column, ""), "-1", column)
            numbers: np.ndarray = pc.cast(filled, pa.int64()).to_numpy(zero_copy_only=False)
            return numbers

        year = number("year")
        short_year = pc.utf8_length(taken["year"]).to_numpy(zero_copy_only=False) == 2
        ampm = taken["ampm"]
        key = np.zeros(len(rows), dtype=np.int64)
        for part in (taken["sep"], taken["t"]):
            encoded = pc.dictionary_encode(part)
            indices = encoded.indices.to_numpy(zero_copy_only=False)
            key = key * (len(encoded.dictionary) + 1) + indices
        # AM/PM: "7:05 PM" and "7:05PM" are two forms, "AM" and "PM" one
        twelve_hour = pc.not_equal(ampm, "").to_numpy(zero_copy_only=False)
        spaced = pc.match_substring_regex(ampm, r"^\s").to_numpy(zero_copy_only=False)
        key = (key * 2 + twelve_hour) * 2 + spaced
        hour, second = number("hour"), number("second")
        key = ((key * 2 + short_year) * 2 + (hour >= 0)) * 2 + (second >= 0)
        _, first, form = np.unique(key, return_index=True, return_inverse=True)
        forms = [
            _form(
                str(taken["sep"][i]), bool(short_year[i]), str(taken["t"][i]), hour[i] >= 0,
                second[i] >= 0, str(ampm[i]),
            )
            for i in first
        ]  # fmt: skip
        return cls(
            rows=rows,
            cells=text.take(pa.array(rows)).to_numpy(zero_copy_only=False).astype(object),
            a=number("a"),
            b=number("b"),
            year=np.where(short_year, year + 2000, year),
            hour=hour,
            minute=number("minute"),
            second=second,
            twelve_hour=twelve_hour,
            form=form.reshape(-1),
            forms=forms,
        )

    def valid(self, dayfirst: bool) -> np.ndarray:
        """Whether each cell is a real date and time when read in this order."""
        day, month = (self.a, self.b) if dayfirst else (self.b, self.a)
        leap = (self.year % 4 == 0) & ((self.year % 100 != 0) | (self.year % 400 == 0))
        days = _DAYS_IN_MONTH[np.clip(month, 0, 12)] + (leap & (month == 2))
        date_ok = (month >= 1) & (month <= 12) & (day >= 1) & (day <= days)
        top = np.where(self.twelve_hour, 12, 23)
        clock_ok = (self.hour <= top) & (self.minute <= 59) & (self.second <= 59)
        return np.asarray(date_ok & clock_ok, dtype=bool)

    def patterns(self, dayfirst: bool) -> np.ndarray:
        """Each cell's strptime pattern in this order."""
        chosen = np.array([_in_order(f, dayfirst) for f in self.forms], dtype=object)
        patterns: np.ndarray = chosen[self.form]
        return patterns

    def pattern(self, among: np.ndarray, dayfirst: bool) -> str | None:
        """The one pattern of the cells `among` (a mask), when they share one form."""
        used = np.unique(self.form[among])
        return _in_order(self.forms[int(used[0])], dayfirst) if len(used) == 1 else None


def _form(sep: str, short_year: bool, t: str, timed: bool, seconds: bool, ampm: str) -> str:
    date = f"{{d1}}{sep}{{d2}}{sep}{'%y' if short_year else '%Y'}"
    if not timed:
        return date
    clock = ("%I:%M" if ampm else "%H:%M") + (":%S" if seconds else "")
    if ampm:
        clock += " %p" if ampm[0].isspace() else "%p"
    return f"{date}{t}{clock}"


def _in_order(form: str, dayfirst: bool) -> str:
    first, second = ("%d", "%m") if dayfirst else ("%m", "%d")
    return form.replace("{d1}", first).replace("{d2}", second)


def _shown(cells: np.ndarray) -> str:
    unique = list(dict.fromkeys(str(c) for c in cells[:50]))[:_EXAMPLES]
    return ", ".join(repr(c) for c in unique)
