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
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

import numpy as np
import pandas as pd

from backfill.plan.vocabulary import BUILTIN_STATUSES, fold

# --- statuses ------------------------------------------------------------------------------

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
    lookup = dict(BUILTIN_STATUSES)  # helpdesk words of five languages: backfill/plan/vocabulary.py
    lookup.update({fold(status_key(k)): v for k, v in (status_map or {}).items()})
    codes, uniques = pd.factorize(_text_cells(values))
    mapping: list[str] = []
    for raw in uniques:
        key = fold(status_key(raw))
        if key in lookup:
            mapping.append(lookup[key])
        elif extended and _EXTENDED.match(key):
            mapping.append(str(int(float(key))))
        else:
            mapping.append("")
    status = np.array(mapping, dtype=object)[codes] if len(codes) else np.array([], dtype=object)
    return pd.Series(status, index=values.index, dtype=object, copy=False), pd.Series(
        status == "", index=values.index, dtype=bool
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
    """Result of parse_times, one value per input row.

    `text` is made on first use: response dates need only the instants, and the text of a
    million times costs a fifth of a second; `text_of` makes it for some rows only.
    """

    utc: pd.Series  # datetime64[us, UTC], whole seconds; NaT when missing or invalid
    code: pd.Series  # "" | missing-time | bad-time | nonexistent-local-time | ambiguous-local-time
    empty: np.ndarray = field(repr=False)  # bool per row: the cell is empty (missing-time)
    _cells: np.ndarray = field(repr=False)  # the cells' text, stripped
    _naive: np.ndarray = field(repr=False)  # the wall-clock times read (NaT: other forms)
    _zone: str = field(repr=False)  # the text's zone (api.timezone)
    _same_zone: bool = field(repr=False)  # wall-clock cells are in that zone: kept as text
    _shaped: np.ndarray | None = field(default=None, repr=False)  # see prepare_text

    def unreadable(self) -> np.ndarray:
        """Rows with a time that could not be read (code other than "" and missing-time):
        comparing a million codes as text costs more than this."""
        return self.utc.isna().to_numpy() & ~self.empty

    def prepare_text(self) -> None:
        """Find now, for every row, whether its cell is already written as the API writes
        times (then it is its own text): the cells are read in file order, where they lie
        in memory, before a later `text_of` asks for rows scattered over all of it."""
        if self._shaped is None and self._same_zone:
            self._shaped = _api_shaped(self._cells, self._naive)

    @cached_property
    def text(self) -> pd.Series:
        """ "YYYY-mm-dd HH:MM:SS" in the output zone; "" when NaT."""
        return self._text(None)

    def text_of(self, rows: np.ndarray | None) -> np.ndarray:
        """`text` of the rows at these positions (None: all), as an object array."""
        return self._text(rows).to_numpy(dtype=object)

    def _text(self, rows: np.ndarray | None) -> pd.Series:
        utc = self.utc if rows is None else self.utc.iloc[rows]
        if not self._same_zone:
            return format_times(utc, self._zone)
        cells = self._cells if rows is None else self._cells[rows]
        if self._shaped is not None:
            shaped = self._shaped if rows is None else self._shaped[rows]
        else:
            shaped = _api_shaped(cells, self._naive if rows is None else self._naive[rows])
        return _output_text(cells, shaped, utc, self._zone)


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
    size = len(values)
    naive = np.full(size, _NAT)  # wall-clock times in `zone`
    aware = np.full(size, _NAT)  # instants given with an offset, as UTC
    code = filled_texts(size, "")

    text = _stripped_text(values.to_numpy(dtype=object))
    if text is None:
        cells = values
        # real Excel date cells arrive as datetime objects among text cells
        is_date = cells.map(lambda v: isinstance(v, (datetime, date))).astype(bool)
        if is_date.any():
            naive[is_date.to_numpy()] = (
                pd.to_datetime(cells[is_date].map(pd.Timestamp), errors="coerce")
                .astype("datetime64[us]")
                .to_numpy()
            )
            cells = cells.where(~is_date, "")
        text = _as_text(cells).str.strip().to_numpy(dtype=object)
    empty = (text == "") & np.isnat(naive)
    pending = ~empty & np.isnat(naive)

    if date_format is None and pending.any():
        _parse_plain_iso(text, pending, naive)  # the usual export: one vectorised pass
    if pending.any():
        # Excel serial numbers: only short texts can be one
        rows = np.flatnonzero(pending)
        serial = np.array(
            [len(v) <= 20 and _SERIAL.fullmatch(v) is not None for v in text[rows]], dtype=bool
        )
        if serial.any():
            days = pd.to_numeric(pd.Series(text[rows[serial]]), errors="coerce")
            stamps = _EXCEL_EPOCH + pd.to_timedelta((days * 86400).round(), unit="s")
            naive[rows[serial]] = stamps.astype("datetime64[us]").to_numpy()
            pending[rows[serial]] = False

    if date_format and pending.any():
        aware_format = "%z" in date_format or "%Z" in date_format
        rows = np.flatnonzero(pending)
        parsed = pd.to_datetime(
            pd.Series(text[rows]), format=date_format, errors="coerce", utc=aware_format
        )
        if aware_format:
            aware[rows] = parsed.dt.tz_localize(None).astype("datetime64[us]").to_numpy()
        else:
            naive[rows] = parsed.astype("datetime64[us]").to_numpy()
        pending[:] = False
    elif pending.any():
        subset = pd.Series(text, index=pd.RangeIndex(size))
        _parse_iso(subset, pending, naive, aware)
        _parse_day_month_forms(subset, pending, naive, dayfirst)

    # wall-clock times -> instants in `zone`; gaps and overlaps are reported, not guessed
    utc = aware
    local = ~np.isnat(naive)
    if local.any() and zone == "UTC":
        utc[local] = naive[local]  # no gaps or overlaps to find
    elif local.any():
        stamps = pd.DatetimeIndex(naive[local])
        localized = stamps.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
        utc[local] = localized.tz_convert("UTC").tz_localize(None).to_numpy()
        unsure = local & np.isnat(utc)
        if unsure.any():
            as_dst = pd.DatetimeIndex(naive[unsure]).tz_localize(
                zone, ambiguous=np.ones(int(unsure.sum()), dtype=bool), nonexistent="NaT"
            )
            code[unsure] = np.where(as_dst.isna(), NONEXISTENT, AMBIGUOUS)

    utc = _floor_seconds(utc)
    code[empty] = MISSING
    code[(code == "") & np.isnat(utc) & ~empty] = BAD
    instants = pd.Series(utc, index=index).dt.tz_localize("UTC")
    return ParsedTimes(
        utc=instants,
        code=pd.Series(code, index=index, dtype=object, copy=False),
        empty=empty,
        _cells=text,
        _naive=naive,
        _zone=output_zone,
        _same_zone=zone == output_zone,
    )


_NAT = np.datetime64("NaT", "us")
_DAY_US = 86_400 * 1_000_000
_DEFAULT_DAYS = (datetime(2000, 1, 1), datetime(2001, 2, 2))  # see _parse_one


def filled_texts(count: int, value: str) -> np.ndarray:
    """An object array of `count` references to `value`. (np.full converts a text fill value
    cell by cell: for a long message on 100,000 rows, 20 ms instead of half a millisecond.)"""
    out = np.empty(count, dtype=object)
    out[:] = value
    return out


def _stripped_text(cells: np.ndarray) -> np.ndarray | None:
    """The cells stripped, when every one is text (a CSV export); None when some are not."""
    if pd.api.types.infer_dtype(cells, skipna=False) != "string":
        return None
    return np.fromiter(map(str.strip, cells), dtype=object, count=len(cells))


def _parse_plain_iso(text: np.ndarray, pending: np.ndarray, naive: np.ndarray) -> None:
    """ISO 8601 without an offset, all pending cells at once (what exports usually hold).

    Exactly what _parse_iso would find for these cells: it would parse them the same way, and
    the earlier serial-number check cannot match a text ISO 8601 reads. Offsets, other forms
    and texts ISO 8601 does not read stay pending for the general path.
    """
    every = bool(pending.all())  # (the usual case: no copy of the cells)
    rows = np.arange(len(text)) if every else np.flatnonzero(pending)
    subset = text if every else text[rows]
    try:
        parsed = pd.to_datetime(subset, format="ISO8601", errors="coerce")
    except ValueError:
        return  # offsets mixed with naive times: the general path splits them
    if parsed.tz is not None:
        return
    values = parsed.to_numpy(dtype="datetime64[us]")
    hit = ~np.isnat(values)
    # a text under 10 characters ("2023", "2023-07", "20230731") is no time: ISO 8601 reads
    # it as a midnight, so only the texts of midnights are measured
    midnight = np.flatnonzero(hit & (values.view(np.int64) % _DAY_US == 0))
    if len(midnight):
        lengths = np.fromiter(map(len, subset[midnight]), dtype=np.int64, count=len(midnight))
        hit[midnight[lengths < 10]] = False
    naive[rows[hit]] = values[hit]
    pending[rows[hit]] = False


def _floor_seconds(stamps: np.ndarray) -> np.ndarray:
    """Drop fractions of a second (towards the past, as Series.dt.floor does)."""
    ticks = stamps.view(np.int64).copy()
    known = ~np.isnat(stamps)
    ticks[known] -= ticks[known] % 1_000_000
    return ticks.view("datetime64[us]")


def _api_shaped(text: np.ndarray, naive: np.ndarray) -> np.ndarray:
    """The cells read as wall-clock times that are written as the API writes times: where
    the zones agree, each is its own output text. (Found while parsing, in file order: the
    cells are read where they lie in memory, and later in send order they are scattered.)"""
    rows = np.flatnonzero(~np.isnat(naive))
    shaped = np.zeros(len(text), dtype=bool)
    if len(rows):
        shaped[rows] = _plain_shape(text[rows])
    return shaped


def _output_text(
    text: np.ndarray, shaped: np.ndarray | None, utc: pd.Series, zone: str
) -> pd.Series:
    """The API text (in `zone`) of each time; a cell already written that way (`shaped`, None
    when the input zone differs) is reused as is (the common case, and formatting a million
    times costs more than the parsing)."""
    if shaped is None:
        return format_times(utc, zone)
    known = utc.notna().to_numpy()
    same = shaped & known
    if same.all():  # (the usual export: every cell is its own text)
        return pd.Series(text, index=utc.index, dtype=object, copy=False)
    out = filled_texts(len(text), "")
    out[same] = text[same]
    rest = known & ~same
    if rest.any():
        out[rest] = format_times(utc[rest], zone).to_numpy(dtype=object)
    return pd.Series(out, index=utc.index, dtype=object, copy=False)


def _plain_shape(texts: np.ndarray) -> np.ndarray:
    """Which texts are 19 characters with "-" "-" " " ":" where "YYYY-mm-dd HH:MM:SS" has them.

    The 19-character texts, joined, are one byte matrix when ASCII (the usual case), which
    numpy checks without a Python object per row."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    long_enough = lengths == 19
    fixed = texts[long_enough]
    joined = "".join(fixed)
    if joined.isascii():
        chars = np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(-1, 19)
    else:
        chars = np.array(fixed.tolist(), dtype="U19").view(np.uint32).reshape(-1, 19)
    out = np.zeros(len(texts), dtype=bool)
    out[long_enough] = (
        (chars[:, 4] == ord("-"))
        & (chars[:, 7] == ord("-"))
        & (chars[:, 10] == ord(" "))
        & (chars[:, 13] == ord(":"))
    )
    return out


def _parse_iso(text: pd.Series, pending: np.ndarray, naive: np.ndarray, aware: np.ndarray) -> None:
    """Fill `naive` (no offset) or `aware` (with offset, as UTC) for ISO 8601 texts; clear
    `pending`. `text` is indexed by position."""
    subset = text[pending]
    try:
        parsed = pd.to_datetime(subset, format="ISO8601", errors="coerce")
    except ValueError:
        parsed = None  # offsets mixed with naive times (or several offsets): split below
    if parsed is not None and getattr(parsed.dt, "tz", None) is None:
        hit = parsed.notna() & subset.str.len().ge(10)  # a bare year or month is no time
        naive[hit.index[hit.to_numpy()]] = parsed[hit].to_numpy(dtype="datetime64[us]")
    else:
        has_offset = subset.str.contains(_OFFSET) & subset.str.match(_ISO_START)
        instants = pd.to_datetime(subset[has_offset], format="ISO8601", utc=True, errors="coerce")
        aware[instants.index] = instants.dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
        plain = subset[~has_offset]
        try:
            local = pd.to_datetime(plain, format="ISO8601", errors="coerce")
            local = local.where(plain.str.len().ge(10))  # a bare year or month is no time
            naive[local.index] = local.to_numpy(dtype="datetime64[us]")
        except ValueError:
            pass  # nothing ISO 8601 reads as one wall-clock time: left to the other forms
    pending &= np.isnat(naive) & np.isnat(aware)


def _parse_day_month_forms(
    text: pd.Series, pending: np.ndarray, naive: np.ndarray, dayfirst: bool
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
                naive[rows] = parsed[hit].to_numpy(dtype="datetime64[us]")
                pending[rows] = False
    if pending.any():
        # unusual but unambiguous forms ("31 July 2023 8:50"): per value, so only the rest
        parsed = pd.Series([_parse_one(v, dayfirst) for v in text[pending]], dtype="datetime64[us]")
        naive[pending] = parsed.to_numpy(dtype="datetime64[us]")


def _parse_one(value: str, dayfirst: bool) -> pd.Timestamp | None:
    from dateutil import parser

    if len(re.findall(r"\d+", value)) < 2:
        return None  # a bare number or year is not a point in time; dateutil would invent one
    try:
        # dateutil fills a missing year, month or day from `default` ("2023-07" would be
        # July the 23rd on the 23rd): read twice with two defaults, refuse what differs
        stamp = pd.Timestamp(parser.parse(value, dayfirst=dayfirst, default=_DEFAULT_DAYS[0]))
        if stamp != pd.Timestamp(parser.parse(value, dayfirst=dayfirst, default=_DEFAULT_DAYS[1])):
            return None
    except (ValueError, OverflowError, TypeError):
        return None
    if stamp.tzinfo is not None:
        return None  # an offset in an unusual form: refuse rather than guess its meaning
    return stamp


def format_times(utc: pd.Series, zone: str) -> pd.Series:
    """UTC instants -> "YYYY-mm-dd HH:MM:SS" wall-clock text in `zone` ("" for NaT)."""
    wall = utc.dt.tz_convert(zone).dt.tz_localize(None).to_numpy().astype("datetime64[s]")
    missing = np.isnat(wall)
    seconds = np.where(missing, 0, wall.view(np.int64))
    if len(seconds) and not (seconds.min() >= _YEAR_1000 and seconds.max() < _YEAR_10000):
        iso = np.datetime_as_string(wall, unit="s").astype("U19")  # odd years: numpy's form
        # "2023-07-31T08:50:15" -> "2023-07-31 08:50:15" by writing one character per row
        chars = iso.view("U1").reshape(-1, 19).copy()
        chars[:, 10] = " "
        text = chars.view("U19").ravel().astype(object)
    else:
        text = _digits_text(seconds)
    text[missing] = ""
    return pd.Series(text, index=utc.index, dtype=object, copy=False)


_YEAR_1000 = int(np.datetime64("1000-01-01T00:00:00", "s").view(np.int64))
_YEAR_10000 = int(np.datetime64("9999-12-31T23:59:59", "s").view(np.int64)) + 1


def _digits_text(seconds: np.ndarray) -> np.ndarray:
    """Seconds since 1970 (years 1000-9999) as "YYYY-mm-dd HH:MM:SS" objects, the digits
    computed by integer arithmetic into one byte matrix: three times faster than
    np.datetime_as_string, which cases.csv calls five times for every case."""
    days, clock = np.divmod(seconds, 86400)
    # the proleptic Gregorian date of a day number (H. Hinnant's civil_from_days)
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    chars = np.empty((len(seconds), 19), dtype=np.uint8)
    fields = (
        (year, 0, 4),
        (month, 5, 2),
        (day, 8, 2),
        (clock // 3600, 11, 2),
        (clock // 60 % 60, 14, 2),
        (clock % 60, 17, 2),
    )
    for value, start, width in fields:
        for offset in range(width):
            chars[:, start + offset] = value // 10 ** (width - 1 - offset) % 10 + ord("0")
    for position, mark in ((4, "-"), (7, "-"), (10, " "), (13, ":"), (16, ":")):
        chars[:, position] = ord(mark)
    return chars.view("S19").ravel().astype("U19").astype(object)


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

    # distinct cells first: a column holds a few dozen addresses, repeated on every row
    raw_codes, raw_uniques = pd.factorize(_text_cells(values))
    trimmed = np.array([v.strip() for v in raw_uniques], dtype=object)
    codes, uniques = pd.factorize(trimmed)  # " a@b.c" and "a@b.c" are one address
    text = trimmed[raw_codes] if len(raw_codes) else np.array([], dtype=object)
    codes = codes[raw_codes] if len(raw_codes) else codes
    reasons: list[str] = []
    for value in uniques:
        if not value:
            reasons.append("")
            continue
        try:
            validate_email(value, check_deliverability=False)
            reasons.append("")
        except EmailNotValidError as exc:
            reasons.append(f"assignee {value!r} is not a valid e-mail address: {exc}")
    message = np.array(reasons, dtype=object)[codes] if len(codes) else text
    index = values.index
    return (
        pd.Series(text, index=index, dtype=object, copy=False),
        pd.Series(message != "", index=index, dtype=bool, copy=False),
        pd.Series(message, index=index, dtype=object, copy=False),
    )


def normalise_notes(values: pd.Series) -> pd.Series:
    """Notes verbatim (unicode, quotes, line breaks kept); blank cells mean no note."""
    notes = _text_cells(values).copy()
    blank = np.fromiter(map(str.isspace, notes), dtype=bool, count=len(notes))
    notes[blank] = ""
    return pd.Series(notes, index=values.index, dtype=object, copy=False)


def normalise_ids(values: pd.Series) -> pd.Series:
    """Case ids as trimmed text: leading zeros and long digit strings are kept as given."""
    keys, ids = case_keys(values)
    return pd.Series(ids[keys], index=values.index, dtype=object, copy=False)


def case_keys(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each row's case as an integer, and the case ids (trimmed text) that the integers index.

    The ids are sorted, so comparing keys compares ids. Each distinct cell is trimmed once (a
    case has several rows), and every row of a case shares one id object.
    """
    cells = _text_cells(values)
    numbers = _number_case_keys(cells)
    if numbers is not None:
        return numbers
    raw_keys, raw_ids = pd.factorize(cells)
    trimmed = np.array([v.strip() for v in raw_ids], dtype=object)
    merged, ids = pd.factorize(trimmed)  # " 12" and "12" are one case
    ids = np.asarray(ids, dtype=object)
    order = _text_order(ids)
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(len(ids))
    keys = rank[merged][raw_keys] if len(raw_keys) else np.zeros(0, dtype=np.int64)
    return keys, ids[order]


def _number_case_keys(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """case_keys of ids that are all plain numbers (the usual number_customergauge: 1 to 17
    ASCII digits, no leading zero, nothing to trim) or empty, worked out from their bytes;
    None for any other column. Hashing a million fresh strings to factorize them cost three
    times as much.

    A text of digits without a leading zero is the text of its number, and such texts sort
    as Python sorts them when compared left-aligned: by the number padded with zeros to the
    longest width, then by length ("1" < "10" < "9").
    """
    count = len(cells)
    joined = "\x00".join(cells)
    if count == 0 or not joined.isascii():
        return None
    data = np.frombuffer(joined.encode("ascii") + b"\x00", dtype=np.uint8)  # cell, NUL, ...
    ends = np.flatnonzero(data == 0)
    if len(ends) != count:
        return None  # (a NUL inside a cell)
    lengths = np.diff(ends, prepend=-1) - 1
    width = int(lengths.max())
    digits = data - np.uint8(ord("0"))  # the NULs wrap around to 208
    if width > 17 or ((digits > 9) & (data != 0)).any():
        return None  # too long, or something other than digits (letters, spaces to trim)
    filled = lengths > 0
    if ((digits[ends - lengths] == 0) & (lengths > 1)).any():
        return None  # "007" is its own id, not 7
    if filled.all() and (lengths == width).all():  # one width: a matrix of digits
        matrix = digits.reshape(count, width + 1)[:, :width].astype(np.int64)
        number = matrix @ (10 ** np.arange(width - 1, -1, -1, dtype=np.int64))
    else:  # each digit weighted by its place in its cell, summed per cell
        place = np.repeat(ends, lengths + 1) - 1 - np.arange(len(data))
        weighted = np.where(data != 0, digits.astype(np.int64) * 10 ** np.maximum(place, 0), 0)
        number = np.zeros(count, dtype=np.int64)
        firsts = (ends - lengths)[filled]
        number[filled] = np.add.reduceat(weighted, firsts) if len(firsts) else 0
    low = int(number[filled].min()) if filled.any() else 0
    span = int(number[filled].max()) - low + 1 if filled.any() else 0
    if span <= 8 * count:
        # ids from a tenant's range: a table over the range finds the distinct ones in
        # number order without hashing ("" first, in slot 0)
        slot = np.where(filled, number - low + 1, 0)
        present = np.zeros(span + 1, dtype=bool)
        present[slot] = True
        codes = (np.cumsum(present, dtype=np.int64) - 1)[slot]
        distinct = int(present.sum())
    else:
        codes, uniques = pd.factorize(number * 32 + lengths)  # (empty cells: -1 + 0)
        distinct = len(uniques)
    holder = np.empty(distinct, dtype=np.int64)
    holder[codes] = np.arange(count)  # a row holding each distinct id
    sort_key = np.where(filled, number * 10 ** (width - lengths) * 32 + lengths, -1)[holder]
    order = np.argsort(sort_key, kind="stable")
    rank = np.empty(distinct, dtype=np.int64)
    rank[order] = np.arange(distinct)
    return rank[codes], np.asarray(cells[holder[order]], dtype=object)


def _text_order(texts: np.ndarray) -> np.ndarray:
    """The order that sorts distinct texts as Python does (by code point).

    Short texts without NUL are compared as fixed-width numpy strings, which is several times
    faster than comparing objects and sorts the same way (numpy ignores only trailing NULs).
    """
    joined = "".join(texts)
    if len(texts) and "\x00" not in joined and max(map(len, texts)) <= 64:
        return np.argsort(np.array(texts.tolist(), dtype=str), kind="stable")
    return np.argsort(texts, kind="stable")


def _text_cells(values: pd.Series) -> np.ndarray:
    """The cells as an object array of str; a column of text only (any CSV) is used as is,
    without the per-cell conversions of _as_text."""
    cells = values.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(cells, skipna=False) == "string":
        return cells
    return _as_text(values).to_numpy(dtype=object)


def _as_text(values: pd.Series) -> pd.Series:
    """Cells as str, empty for missing; non-text cells (numbers from odd sources) as text."""
    return values.fillna("").astype(str)
