"""Time cells -> exact instants, and instants -> the text the API takes.

A parser returns the instants plus a per-row problem code ("" = fine), so validation can
report problems as data instead of raising. Every form is read in a few vectorised passes:
ISO 8601 and numeric d/m/Y forms by pandas with explicit formats, month names and the other
word forms by time_forms.py, Unix epochs where the header says so. No cell is read by a
guesser one by one: a form that none of the passes knows is a bad time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

import numpy as np
import pandas as pd

from backfill.codes import Code
from backfill.model import UTC_OFFSET
from backfill.plan.cells import as_text
from backfill.plan.time_convention import Convention, read_numeric
from backfill.plan.time_forms import read_epochs, read_word_forms, with_am_pm

_ISO_START = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}")
# Excel serial day numbers 10000-99999 (years 1927-2173): a bare year or a compact
# yyyymmdd never falls in this range.
_SERIAL = r"^\d{5}(?:\.\d+)?$"
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")

_NAT = np.datetime64("NaT", "us")


@dataclass
class ParsedTimes:
    """Result of parse_times, one value per input row."""

    utc: pd.Series  # datetime64[us, UTC], whole seconds; NaT when missing or invalid
    code: pd.Series  # "" | missing-time | bad-time | nonexistent-local-time | ambiguous-local-time
    output_zone: str  # the zone of `text` (api.timezone)
    # how the column was read: its day/month order and why (time_convention.Convention)
    convention: Convention = field(default_factory=lambda: Convention(None, None, ""))
    offset: np.ndarray | None = None  # bool per row: the cell carried its own offset (or epoch)

    def unreadable(self) -> np.ndarray:
        """Rows with a time that could not be read (a code other than "" and missing-time)."""
        return (self.code.ne("") & self.code.ne(Code.MISSING_TIME)).to_numpy(dtype=bool)

    @cached_property
    def text(self) -> pd.Series:
        """ "YYYY-mm-dd HH:MM:SS" in the output zone; "" when NaT."""
        return format_times(self.utc, self.output_zone)


_EARLIEST = np.datetime64("1900-01-01T00:00:00", "us")  # Excel's first day


def parse_times(
    values: pd.Series,
    *,
    zone: str = "UTC",
    output_zone: str = "UTC",
    date_format: str | None = None,
    dayfirst: bool | None = None,
    column: str = "time",
) -> ParsedTimes:
    """Parse time cells into exact instants.

    Accepts ISO 8601 with an offset (an exact instant), naive ISO 8601 and
    "YYYY-mm-dd HH:MM[:SS]", `date_format` (strptime) when given, d/m/Y or m/d/Y forms,
    Excel serial day numbers in text cells and real Excel date cells. The day/month order is
    `dayfirst`, or when None decided from all the cells of `column` (time_convention.py:
    raises TwoReadings, an InputError, when they need two orders or none decides). Naive
    times are wall-clock times in `zone`; a time that does not exist there (spring-forward
    gap) or exists twice (fall-back overlap) is reported, never shifted. Fractions of a
    second are dropped: the API takes whole seconds, and ordering must match what is sent.
    """
    size = len(values)
    convention = Convention(dayfirst, date_format, "")
    cells = values.reset_index(drop=True)
    naive = np.full(size, _NAT)  # wall-clock times in `zone`
    aware = np.full(size, _NAT)  # instants given with an offset, as UTC

    # real Excel date cells arrive as datetime objects among text cells (never from a CSV)
    is_date = np.zeros(size, dtype=bool)
    if pd.api.types.infer_dtype(cells, skipna=True) not in ("string", "empty"):
        is_date = cells.map(lambda v: isinstance(v, datetime | date)).to_numpy(dtype=bool)
    if is_date.any():
        stamps = pd.to_datetime(cells[is_date].map(pd.Timestamp), errors="coerce")
        naive[is_date] = stamps.to_numpy(dtype="datetime64[us]")
        cells = cells.where(~is_date, "")
    # (pandas' string dtype runs the string methods below in pyarrow's kernels)
    text = with_am_pm(as_text(cells).astype("str").str.strip())
    empty = text.eq("").to_numpy(dtype=bool) & ~is_date
    pending = ~empty & ~is_date

    serial = pending & text.str.match(_SERIAL).to_numpy(dtype=bool)
    if serial.any():
        days = pd.to_numeric(text[serial], errors="coerce")
        stamps = _EXCEL_EPOCH + pd.to_timedelta((days * 86400).round(), unit="s")
        naive[serial] = stamps.to_numpy(dtype="datetime64[us]")
        pending &= ~serial

    if date_format and pending.any():
        aware_format = "%z" in date_format or "%Z" in date_format
        parsed = pd.to_datetime(
            text[pending], format=date_format, errors="coerce", utc=aware_format
        )
        if aware_format:
            aware[pending] = parsed.dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
        else:
            naive[pending] = parsed.to_numpy(dtype="datetime64[us]")
    elif pending.any():
        epochs = read_epochs(text[pending], column)
        if not np.isnat(epochs).all():
            aware[pending] = epochs
            pending &= np.isnat(aware)
        _parse_iso(text, pending, naive, aware)
        if pending.any():
            convention = _parse_day_month_forms(text, pending, naive, column, dayfirst)
        if pending.any():
            words_naive, words_aware = read_word_forms(text[pending])
            naive[pending] = np.where(np.isnat(words_naive), naive[pending], words_naive)
            aware[pending] = words_aware

    utc, code = _to_utc(naive, aware, zone)
    code[empty] = Code.MISSING_TIME
    code[(code == "") & np.isnat(utc) & ~empty] = Code.BAD_TIME
    # year 0001 and the like parse, but no case action is that old (and date arithmetic on
    # them overflows): an impossible time is as unreadable as a malformed one
    too_old = (code == "") & ~np.isnat(utc) & (utc < _EARLIEST)
    code[too_old] = Code.BAD_TIME
    utc[too_old] = _NAT
    instants = pd.Series(utc, index=values.index).dt.floor("s").dt.tz_localize("UTC")
    return ParsedTimes(
        utc=instants,
        code=pd.Series(code, index=values.index, dtype="str"),
        output_zone=output_zone,
        convention=convention,
        offset=~np.isnat(aware),
    )


def _to_utc(naive: np.ndarray, aware: np.ndarray, zone: str) -> tuple[np.ndarray, np.ndarray]:
    """Wall-clock times in `zone` as UTC instants, merged with those given with an offset;
    the codes of the wall-clock times that do not exist there or exist twice."""
    utc = aware.copy()
    code = np.full(len(naive), "", dtype=object)
    local = ~np.isnat(naive)
    if not local.any():
        return utc, code
    stamps = pd.DatetimeIndex(naive[local])
    localized = stamps.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
    utc[local] = localized.tz_convert("UTC").tz_localize(None).to_numpy()
    unsure = local & np.isnat(utc)
    if unsure.any():
        as_dst = pd.DatetimeIndex(naive[unsure]).tz_localize(
            zone, ambiguous=np.ones(int(unsure.sum()), dtype=bool), nonexistent="NaT"
        )
        code[unsure] = np.where(
            as_dst.isna(), Code.NONEXISTENT_LOCAL_TIME, Code.AMBIGUOUS_LOCAL_TIME
        )
    return utc, code


def _parse_iso(text: pd.Series, pending: np.ndarray, naive: np.ndarray, aware: np.ndarray) -> None:
    """Fill `naive` (no offset) or `aware` (with offset, as UTC) for ISO 8601 texts; clear
    `pending`. `text` is indexed by position. A text under 10 characters ("2023",
    "20230731") is no time, though ISO 8601 reads it as a midnight."""
    subset = text[pending]
    long_enough = subset.str.len().ge(10)
    try:
        parsed = pd.to_datetime(subset, format="ISO8601", errors="coerce")
    except ValueError:
        parsed = None  # offsets mixed with naive times (or several offsets): split below
    if parsed is not None and getattr(parsed.dt, "tz", None) is None:
        hit = parsed.notna() & long_enough
        naive[hit.index[hit.to_numpy()]] = parsed[hit].to_numpy(dtype="datetime64[us]")
    else:
        has_offset = subset.str.contains(UTC_OFFSET) & subset.str.match(_ISO_START)
        instants = pd.to_datetime(subset[has_offset], format="ISO8601", utc=True, errors="coerce")
        aware[instants.index] = instants.dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
        plain = subset[~has_offset]
        try:
            local = pd.to_datetime(plain, format="ISO8601", errors="coerce")
            local = local.where(long_enough[~has_offset])
            naive[local.index] = local.to_numpy(dtype="datetime64[us]")
        except ValueError:
            pass  # nothing ISO 8601 reads as one wall-clock time: left to the other forms
    pending &= np.isnat(naive) & np.isnat(aware)


def _parse_day_month_forms(
    text: pd.Series, pending: np.ndarray, naive: np.ndarray, column: str, dayfirst: bool | None
) -> Convention:
    """Fill `naive` for the numeric d/m/Y-like forms with the strptime pattern of their own
    form in the column's one order; clear `pending` for them. Returns that order (and why)."""
    convention, patterns = read_numeric(text[pending], column=column, dayfirst=dayfirst)
    for pattern, cells in text[pending].groupby(patterns, sort=False):
        parsed = pd.to_datetime(cells, format=str(pattern), errors="coerce")
        naive[cells.index] = parsed.to_numpy(dtype="datetime64[us]")
    pending &= patterns.reindex(text.index).isna().to_numpy(dtype=bool)
    return convention


def format_times(utc: pd.Series, zone: str) -> pd.Series:
    """UTC instants -> "YYYY-mm-dd HH:MM:SS" wall-clock text in `zone` ("" for NaT)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    wall = pa.array(utc.dt.tz_convert(zone).dt.tz_localize(None), type=pa.timestamp("us"))
    # pyarrow writes whole-second timestamps as model.TIME_FORMAT when casting them to text
    seconds = pc.floor_temporal(wall, unit="second").cast(pa.timestamp("s"))
    text = pc.fill_null(seconds.cast(pa.string()), "")
    return pd.Series(text.to_pandas().array, index=utc.index, dtype="str")


def time_message(code: Code, value: object, zone: str, date_format: str | None) -> str:
    """Human message for a parse_times problem code."""
    shown = repr(str(value).strip()) if value is not None else "''"
    if code == Code.MISSING_TIME:
        return (
            "happened_at is empty; give the time of the action "
            "(or set validation.require_happened_at: false)"
        )
    if code == Code.NONEXISTENT_LOCAL_TIME:
        return (
            f"{shown} does not exist in {zone} (the clocks skipped that hour); "
            "check the time or give it with an offset such as +01:00"
        )
    if code == Code.AMBIGUOUS_LOCAL_TIME:
        return (
            f"{shown} happened twice in {zone} (the clocks went back); "
            "give it with an offset such as +01:00 or +02:00 to say which"
        )
    expected = (
        f"the format {date_format!r} of input.date_format"
        if date_format
        else "ISO 8601 such as 2023-07-31 08:50:15, or set input.date_format"
    )
    return f"cannot read the time {shown} as a time since 1900; expected {expected}"
