"""Turn the cells of an export into API values: statuses, times, assignees, notes.

Every function here is pure and works on whole pandas Series: a million-row file is parsed
with a handful of vectorised passes, and the few values that need Python (an unusual date
format, e-mail syntax) are handled once per distinct value, not once per row.

A parser returns the parsed values plus a per-row problem code ("" = fine) and a message, so
validation can report problems as data instead of raising.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

# --- statuses ------------------------------------------------------------------------------

# CustomerGauge's own words only (v7 and v4.1 documents), so that a typo is reported rather
# than guessed; anything else goes through input.status_map.
BUILTIN_STATUSES: dict[str, str] = {
    "OPEN": "open",
    "OPENED": "open",
    "RE-OPEN": "open",
    "REOPEN": "open",
    "REOPENED": "open",
    "RE-OPENED": "open",
    "PROGRESS": "progress",
    "IN-PROGRESS": "progress",
    "INPROGRESS": "progress",
    "CLOSE": "closed",
    "CLOSED": "closed",
}

_EXTENDED = re.compile(r"^\d{1,2}(?:\.0+)?$")


def status_key(value: str) -> str:
    """The comparison form of a status: trimmed, upper case, '_' and runs of spaces as '-'."""
    return re.sub(r"[\s_]+", "-", str(value).strip()).upper()


def normalise_statuses(
    values: pd.Series, status_map: Mapping[str, str] | None = None, *, extended: bool = False
) -> tuple[pd.Series, pd.Series]:
    """Map raw status cells to open | progress | closed (or "0".."99" with `extended`).

    Returns (status, bad): status is "" where the value is unknown or empty; bad marks the
    rows to report as `unknown-status`. The lookup runs once per distinct value.
    """
    lookup = dict(BUILTIN_STATUSES)
    lookup.update({status_key(k): v for k, v in (status_map or {}).items()})
    text = _as_text(values)
    uniques = pd.unique(text)
    mapping: dict[str, str] = {}
    for raw in uniques:
        key = status_key(raw)
        if key in lookup:
            mapping[raw] = lookup[key]
        elif extended and _EXTENDED.match(key):
            mapping[raw] = str(int(float(key)))
        else:
            mapping[raw] = ""
    status = text.map(mapping).astype(str)
    return status, status.eq("")


def status_hint(value: str, status_map: Mapping[str, str] | None = None) -> str:
    """Message for an unknown status value: what was found and how to map it."""
    if not str(value).strip():
        return "status is empty; every row needs open, progress or closed"
    return (
        f"unknown status {str(value).strip()!r}; use open, progress or closed, "
        f"or map it in the config: input.status_map: {{{str(value).strip()!r}: closed}}"
    )


# --- times ---------------------------------------------------------------------------------

_OFFSET = re.compile(r"(?:Z|[+-]\d{2}(?::?\d{2})?)$", re.IGNORECASE)
_ISO_START = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}")
# Excel serial day numbers 10000-99999 (years 1927-2173): a bare year or a compact
# yyyymmdd never falls in this range.
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")

_DAYFIRST_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")
_MONTHFIRST_FORMATS = ("%m/%d/%Y", "%m-%d-%Y", "%m.%d.%Y")
_CLOCKS = (" %H:%M:%S", " %H:%M", "")

# problem codes of parse_times
MISSING = "missing-time"
BAD = "bad-time"
NONEXISTENT = "nonexistent-local-time"
AMBIGUOUS = "ambiguous-local-time"


@dataclass
class ParsedTimes:
    """Result of parse_times, one value per input row."""

    utc: pd.Series  # datetime64[us, UTC], whole seconds; NaT when missing or invalid
    text: pd.Series  # "YYYY-mm-dd HH:MM:SS" in the output zone; "" when NaT
    code: pd.Series  # "" | missing-time | bad-time | nonexistent-local-time | ambiguous-local-time


def parse_times(
    values: pd.Series,
    *,
    zone: str = "UTC",
    output_zone: str = "UTC",
    date_format: str | None = None,
    dayfirst: bool = False,
) -> ParsedTimes:
    """Parse time cells into exact instants.

    Accepts ISO 8601 with an offset (an exact instant), naive ISO 8601 and
    "YYYY-mm-dd HH:MM[:SS]", `date_format` (strptime) when given, d/m/Y or m/d/Y forms
    (`dayfirst`), Excel serial day numbers in text cells and real Excel date cells. Naive
    times are wall-clock times in `zone`; a time that does not exist there (spring-forward
    gap) or exists twice (fall-back overlap) is reported, never shifted. Fractions of a
    second are dropped: the API takes whole seconds, and ordering must match what is sent.
    """
    index = values.index
    utc = pd.Series(pd.NaT, index=index, dtype="datetime64[us, UTC]")
    naive = pd.Series(pd.NaT, index=index, dtype="datetime64[us]")
    code = pd.Series("", index=index, dtype=object)  # object: filled by masks below

    cells = values
    if cells.dtype == object:
        # real Excel date cells arrive as datetime objects among text cells
        is_date = cells.map(lambda v: isinstance(v, (datetime, date))).astype(bool)
        if is_date.any():
            naive[is_date] = pd.to_datetime(
                cells[is_date].map(pd.Timestamp), errors="coerce"
            ).astype("datetime64[us]")
            cells = cells.where(~is_date, "")
    text = _as_text(cells).str.strip()
    empty = text.eq("") & naive.isna()
    pending = ~empty & naive.isna()

    # Excel serial numbers: only short texts can be one, which keeps the regex off most rows
    serial = pending & text.str.len().le(20)
    serial &= text.str.fullmatch(_SERIAL).fillna(False).astype(bool) if serial.any() else serial
    if serial.any():
        days = pd.to_numeric(text[serial], errors="coerce")
        stamps = _EXCEL_EPOCH + pd.to_timedelta((days * 86400).round(), unit="s")
        naive[serial] = stamps.astype("datetime64[us]")
        pending &= ~serial

    if date_format:
        aware_format = "%z" in date_format or "%Z" in date_format
        parsed = pd.to_datetime(
            text[pending], format=date_format, errors="coerce", utc=aware_format
        )
        if aware_format:
            utc[pending] = parsed.astype("datetime64[us, UTC]")
        else:
            naive[pending] = parsed.astype("datetime64[us]")
        pending &= False
    elif pending.any():
        _parse_iso(text, pending, naive, utc)
        _parse_day_month_forms(text, pending, naive, dayfirst)

    # wall-clock times -> instants in `zone`; gaps and overlaps are reported, not guessed
    local = naive.notna()
    if local.any():
        localized = naive[local].dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
        utc[local] = localized.dt.tz_convert("UTC").astype("datetime64[us, UTC]")
        unsure = local.copy()
        unsure[local] = localized.isna().to_numpy()
        if unsure.any():
            as_dst = naive[unsure].dt.tz_localize(
                zone, ambiguous=np.ones(int(unsure.sum()), dtype=bool), nonexistent="NaT"
            )
            code[unsure] = np.where(as_dst.isna().to_numpy(), NONEXISTENT, AMBIGUOUS)

    utc = utc.dt.floor("s")
    code[empty] = MISSING
    code[code.eq("") & utc.isna() & ~empty] = BAD
    return ParsedTimes(utc=utc, text=_output_text(text, naive, utc, zone, output_zone), code=code)


def _output_text(
    text: pd.Series, naive: pd.Series, utc: pd.Series, zone: str, output_zone: str
) -> pd.Series:
    """The API text of each time; a cell already written that way in the same zone is reused
    as is (the common case, and formatting a million times costs more than the parsing)."""
    if zone != output_zone:
        return format_times(utc, output_zone)
    same = utc.notna() & naive.notna() & text.str.len().eq(19)
    same &= text.str.slice(4, 5).eq("-") & text.str.slice(7, 8).eq("-")
    same &= text.str.slice(10, 11).eq(" ") & text.str.slice(13, 14).eq(":")
    if not same.any():
        return format_times(utc, output_zone)
    out = text.where(same, "")
    rest = utc.notna() & ~same
    if rest.any():
        out[rest] = format_times(utc[rest], output_zone)
    return out


def _parse_iso(text: pd.Series, pending: pd.Series, naive: pd.Series, utc: pd.Series) -> None:
    """Fill `naive` (no offset) or `utc` (with offset) for ISO 8601 texts; clear `pending`."""
    subset = text[pending]
    try:
        parsed = pd.to_datetime(subset, format="ISO8601", errors="coerce")
    except ValueError:
        parsed = None  # offsets mixed with naive times (or several offsets): split below
    if parsed is not None and getattr(parsed.dt, "tz", None) is None:
        hit = parsed.notna() & subset.str.len().ge(10)  # a bare year or month is no time
        naive[hit.index[hit.to_numpy()]] = parsed[hit].astype("datetime64[us]")
    else:
        has_offset = subset.str.contains(_OFFSET) & subset.str.match(_ISO_START)
        aware = pd.to_datetime(subset[has_offset], format="ISO8601", utc=True, errors="coerce")
        utc[aware.index] = aware.astype("datetime64[us, UTC]")
        plain = subset[~has_offset]
        try:
            local = pd.to_datetime(plain, format="ISO8601", errors="coerce")
        except ValueError:
            local = pd.Series(pd.NaT, index=plain.index, dtype="datetime64[us]")
        naive[local.index] = local.astype("datetime64[us]")
    pending &= naive.isna() & utc.isna()


def _parse_day_month_forms(
    text: pd.Series, pending: pd.Series, naive: pd.Series, dayfirst: bool
) -> None:
    """Fill `naive` for d/m/Y-like texts: common forms vectorised, the rest by dateutil."""
    dates = _DAYFIRST_FORMATS if dayfirst else _MONTHFIRST_FORMATS
    for day_format in dates:
        for clock in _CLOCKS:
            if not pending.any():
                return
            parsed = pd.to_datetime(text[pending], format=day_format + clock, errors="coerce")
            hit = parsed.notna()
            if hit.any():
                rows = parsed.index[hit.to_numpy()]
                naive[rows] = parsed[hit].astype("datetime64[us]")
                pending[rows] = False
    if pending.any():
        # unusual but unambiguous forms ("31 July 2023 8:50"): per value, so only the rest
        parsed = pd.Series(
            [_parse_one(v, dayfirst) for v in text[pending]],
            index=text.index[pending.to_numpy()],
            dtype="datetime64[us]",
        )
        naive[pending] = parsed


def _parse_one(value: str, dayfirst: bool) -> pd.Timestamp | None:
    from dateutil import parser

    if len(re.findall(r"\d+", value)) < 2:
        return None  # a bare number or year is not a point in time; dateutil would invent one
    try:
        stamp = pd.Timestamp(parser.parse(value, dayfirst=dayfirst))
    except (ValueError, OverflowError, TypeError):
        return None
    if stamp.tzinfo is not None:
        return None  # an offset in an unusual form: refuse rather than guess its meaning
    return stamp


def format_times(utc: pd.Series, zone: str) -> pd.Series:
    """UTC instants -> "YYYY-mm-dd HH:MM:SS" wall-clock text in `zone` ("" for NaT)."""
    wall = utc.dt.tz_convert(zone).dt.tz_localize(None).to_numpy().astype("datetime64[s]")
    iso = np.datetime_as_string(wall, unit="s").astype("U19")
    # "2023-07-31T08:50:15" -> "2023-07-31 08:50:15" by writing one character per row
    chars = iso.view("U1").reshape(-1, 19).copy()
    chars[:, 10] = " "
    text = pd.Series(chars.view("U19").ravel(), index=utc.index).astype(str)
    return text.where(utc.notna(), "")


def time_message(code: str, value: object, zone: str, date_format: str | None) -> str:
    """Human message for a parse_times problem code."""
    shown = repr(str(value).strip()) if value is not None else "''"
    if code == MISSING:
        return (
            "happened_at is empty; give the time of the action "
            "(or set validation.require_happened_at: false)"
        )
    if code == NONEXISTENT:
        return (
            f"{shown} does not exist in {zone} (the clocks skipped that hour); "
            "check the time or give it with an offset such as +01:00"
        )
    if code == AMBIGUOUS:
        return (
            f"{shown} happened twice in {zone} (the clocks went back); "
            "give it with an offset such as +01:00 or +02:00 to say which"
        )
    expected = (
        f"the format {date_format!r} of input.date_format"
        if date_format
        else "ISO 8601 such as 2023-07-31 08:50:15, or set input.date_format"
    )
    return f"cannot read the time {shown}; expected {expected}"


# --- assignees and notes ------------------------------------------------------------------


def normalise_assignees(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Trim assignee cells and check their e-mail syntax (offline, no DNS).

    Returns (assignee, bad, message): assignee is the trimmed text ("" = none); bad marks
    rows whose address is not a valid e-mail address. Checked once per distinct value.
    """
    from email_validator import EmailNotValidError, validate_email

    text = _as_text(values).str.strip()
    reasons: dict[str, str] = {}
    for value in pd.unique(text):
        if not value:
            reasons[value] = ""
            continue
        try:
            validate_email(value, check_deliverability=False)
            reasons[value] = ""
        except EmailNotValidError as exc:
            reasons[value] = f"assignee {value!r} is not a valid e-mail address: {exc}"
    message = text.map(reasons).astype(str)
    return text, message.ne(""), message


def normalise_notes(values: pd.Series) -> pd.Series:
    """Notes verbatim (unicode, quotes, line breaks kept); blank cells mean no note."""
    text = _as_text(values)
    return text.where(text.str.strip().ne(""), "")


def normalise_ids(values: pd.Series) -> pd.Series:
    """Case ids as trimmed text: leading zeros and long digit strings are kept as given."""
    return _as_text(values).str.strip()


def _as_text(values: pd.Series) -> pd.Series:
    """Cells as str, empty for missing; non-text cells (numbers from odd sources) as text."""
    return values.fillna("").astype(str)
