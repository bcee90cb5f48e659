"""Time cells that neither ISO 8601 nor a numeric d/m/Y pattern reads: month names in seven
languages, year-first dates with a 12-hour clock or a zone word, and Unix epochs; and the
day-period words of 12-hour clocks in other scripts (μμ, 오후, 下午), rewritten as AM/PM.

`25/Mar/23 9:00 AM` (Jira), `5. März 2024 09:00` (a German export), `15 janv. 2024 14:05`,
`Mar 5, 2024 9:00 AM` (Help Scout, Excel's long dates), `2024-03-05 09:00:00 UTC`. Each cell
is taken apart by one RE2 pattern in pyarrow, the month word looked up in a table (once per
distinct word), and the parts put together by pandas' `to_datetime`, which refuses dates that
do not exist. A month name says which number is the day, so these forms never need nor decide
the column's day/month order. Nothing is guessed: a cell that does not fit a form whole, or
whose month word is not in the table, is no time.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Full month names; any unambiguous prefix of 3 or more letters is an abbreviation too
# ("janv", "févr", "Sept", "Mär"). English, German, French, Spanish, Dutch, Portuguese, Italian.
_MONTHS: dict[int, tuple[str, ...]] = {
    1: ("january", "januar", "janvier", "enero", "januari", "janeiro", "gennaio", "jänner"),
    2: ("february", "februar", "fevrier", "febrero", "februari", "fevereiro", "febbraio"),
    3: ("march", "marz", "mars", "marzo", "maart", "marco"),
    4: ("april", "avril", "abril", "aprile"),
    5: ("may", "mai", "mayo", "mei", "maio", "maggio"),
    6: ("june", "juni", "juin", "junio", "junho", "giugno"),
    7: ("july", "juli", "juillet", "julio", "julho", "luglio"),
    8: ("august", "aout", "agosto", "augustus"),
    9: ("september", "septembre", "septiembre", "setiembre", "setembro", "settembre"),
    10: ("october", "oktober", "octobre", "octubre", "outubro", "ottobre"),
    11: ("november", "novembre", "noviembre", "novembro"),
    12: ("december", "dezember", "decembre", "diciembre", "dezembro", "dicembre"),
}
# abbreviations that are no prefix of the full name: German "Mrz", Dutch "mrt"
_ABBREVIATIONS = {"mrz": 3, "mrt": 3}
# weekday names, whose prefixes of 2 or more letters may stand before a date ("Tue, 5 Mar")
_WEEKDAYS = (
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    ("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag"),
    ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    ("lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo"),
    ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    ("segunda", "terca", "quarta", "quinta", "sexta", "sabado", "domingo"),
    ("lunedi", "martedi", "mercoledi", "giovedi", "venerdi", "sabato", "domenica"),
)

_CLOCK = (
    r"(?:\s*,)?(?:\s+(?:at|um|à|a|as|às|alle|om|de|las))*\s*T?\s*"
    r"(?P<hour>\d{1,2})[:h.](?P<minute>\d{2})(?:[:.](?P<second>\d{2})(?:[.,]\d+)?)?"
    r"(?:\s*(?P<ampm>[AaPp])\.?\s?[Mm]\.?)?(?:\s*(?:Uhr|h))?"
)
_ZONE = r"(?:\s*(?P<zone>Z|UTC|GMT|[+-]\d{2}:?\d{2}|(?:UTC|GMT)[+-]\d{1,2}(?::?\d{2})?))?"
_ORDINAL = r"(?:st|nd|rd|th|er|e|º|°)?"
# letters of the Latin alphabets ("März", "févr"): the seven languages, and faster to match
# in RE2 than any Unicode letter (\pL)
_WORD = r"[A-Za-z\x{00C0}-\x{024F}]+"
_WEEKDAY = rf"^(?:(?P<weekday>{_WORD})(?:-feira)?\.?,?\s+)?"
_TAIL = rf"(?:{_CLOCK})?{_ZONE}$"
# (RE2 syntax for pyarrow; three patterns, each tried on the cells the others left: one
# pattern with three alternatives is several times slower to match)
_FORMS = (
    # day, month word, year: 25/Mar/23, 5. März 2024, 15 janv. 2024, 5 de março de 2024
    rf"{_WEEKDAY}(?P<day>\d{{1,2}}){_ORDINAL}\.?(?:\s*de\b)?[\s/.-]+(?P<word>{_WORD})\.?"
    rf"(?:\s*de\b)?[\s/.,-]*(?P<year>\d{{4}}|\d{{2}}){_TAIL}",
    # month word, day, year: Mar 5, 2024; March 5th 2024
    rf"{_WEEKDAY}(?P<word>{_WORD})\.?[\s/.-]*(?P<day>\d{{1,2}}){_ORDINAL},?[\s/.-]+"
    rf"(?P<year>\d{{4}}|\d{{2}}){_TAIL}",
    # year first with numbers: 2024/03/05, 2024-03-05 9:00 PM, 2024-03-05 09:00 UTC
    rf"^(?P<year>\d{{4}})[/.-](?P<month>\d{{1,2}})[/.-](?P<day>\d{{1,2}}){_TAIL}",
)
_PARTS = ("weekday", "day", "word", "month", "year", "hour", "minute", "second", "ampm", "zone")

# a 12-hour clock's day-period words where the locale writes its own: after the time in
# Greek ("3:05:09 μμ"), before it in Korean, Chinese and Japanese ("오후 3:05", "下午 3:05")
_MORNING = r"πμ|π\.μ\.|ΠΜ|Π\.Μ\.|오전|上午|午前"
_AFTERNOON = r"μμ|μ\.μ\.|ΜΜ|Μ\.Μ\.|오후|下午|午後"
_CLOCK_TEXT = r"\d{1,2}:\d{2}(?::\d{2})?"
_PERIOD_AFTER = rf"^(.*?{_CLOCK_TEXT})\s*({_MORNING}|{_AFTERNOON})$"
_PERIOD_BEFORE = rf"^(.*?)\s*({_MORNING}|{_AFTERNOON})\s*({_CLOCK_TEXT})$"

# (on the header's words: "created_unix_ms" says unix and ms)
_EPOCH_HEADER = re.compile(r"\b(?:epoch|unix|posix)\b", re.IGNORECASE)
_MILLISECONDS_HEADER = re.compile(r"\b(?:ms|millis|milliseconds?)\b", re.IGNORECASE)
_EPOCH_CELL = r"^\d{9,13}$"


def fold_word(word: str) -> str:
    """Lower case without accents: "Mär" -> "mar", "févr" -> "fevr"."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).rstrip(".")


@cache
def _month_table() -> dict[str, int]:
    seen: dict[str, set[int]] = {}
    for month, names in _MONTHS.items():
        for name in names:
            for end in range(3, len(name) + 1):
                seen.setdefault(fold_word(name[:end]), set()).add(month)
    table = {word: next(iter(months)) for word, months in seen.items() if len(months) == 1}
    table.update(_ABBREVIATIONS)
    return table


@cache
def _weekday_prefixes() -> frozenset[str]:
    return frozenset(
        name[:end] for names in _WEEKDAYS for name in names for end in range(2, len(name) + 1)
    )


def month_number(word: str) -> int | None:
    """The month a word names in one of the seven languages, else None ("jui": June or July)."""
    return _month_table().get(fold_word(word))


def read_word_forms(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(naive, aware) datetime64[us] arrays, indexed like `text` by position: wall-clock times
    of the cells in these forms without a zone, and UTC instants of those with one; NaT for
    the other cells."""
    size = len(text)
    naive = np.full(size, np.datetime64("NaT"), dtype="datetime64[us]")
    aware = naive.copy()
    array = pc.utf8_trim_whitespace(pa.array(text.to_numpy(dtype=object), type=pa.string()))
    left = np.arange(size)
    found: list[tuple[np.ndarray, dict[str, np.ndarray]]] = []
    for pattern in _FORMS:
        if not len(left):
            break
        cells = array.take(pa.array(left))
        # (a match without captures is fast: only the cells that match are taken apart)
        hit = pc.fill_null(pc.match_substring_regex(cells, pattern), False)
        hit_mask = hit.to_numpy(zero_copy_only=False)
        if not hit_mask.any():
            continue
        taken = pc.extract_regex(cells.filter(hit), pattern)
        names = {f.name for f in taken.type}
        count = int(hit_mask.sum())
        parts = {
            name: taken.field(name) if name in names else pa.array([""] * count, pa.string())
            for name in _PARTS
        }
        found.append((left[hit_mask], parts))
        left = left[~hit_mask]
    if not found:
        return naive, aware
    rows = np.concatenate([r for r, _ in found])
    parts = {name: pa.concat_arrays([p[name] for _, p in found]) for name in _PARTS}
    stamps, offset = _assemble(parts)
    zoned = _filled(parts["zone"])
    naive[rows[~zoned]] = stamps[~zoned]
    shift = (np.nan_to_num(offset) * 60_000_000).astype("timedelta64[us]")
    aware[rows[zoned]] = np.where(np.isnan(offset), np.datetime64("NaT"), stamps - shift)[zoned]
    return naive, aware


def _assemble(parts: dict[str, pa.Array]) -> tuple[np.ndarray, np.ndarray]:
    """The wall-clock times of the cells taken apart (NaT: no such date), and the minutes
    east of UTC of their zones (NaN: not understood)."""
    day = _number(parts["day"])
    year = _number(parts["year"])
    # two-digit years as strptime's %y reads them: 69-99 -> 1900s, 00-68 -> 2000s
    short = pc.utf8_length(parts["year"]).to_numpy(zero_copy_only=False) == 2
    year = np.where(short, np.where(year >= 69, 1900 + year, 2000 + year), year)
    month = np.where(_filled(parts["month"]), _number(parts["month"]), _lookup(parts["word"]))
    # a weekday word only in front of a named month (never "Mon 2024-03-05"), and only a
    # weekday word: "Ticket 12 March 2024" is text, not a time
    weekday = _filled(parts["weekday"])
    known = _lookup(parts["weekday"], weekday=True).astype(bool)
    month = np.where((weekday & ~known) | (weekday & ~_filled(parts["word"])), 0, month)

    hour, minute, second = (_number(parts[p], empty=0) for p in ("hour", "minute", "second"))
    ampm = pc.utf8_lower(parts["ampm"]).to_numpy(zero_copy_only=False)
    twelve = ampm != ""
    clock_ok = np.where(twelve, (hour >= 1) & (hour <= 12), hour <= 23)
    clock_ok &= (minute <= 59) & (second <= 59)
    hour = np.where(twelve, hour % 12 + np.where(ampm == "p", 12, 0), hour)
    stamps = pd.to_datetime(
        pd.DataFrame(
            {
                "year": year,
                "month": np.where((month >= 1) & clock_ok, month, 13),  # 13: no date
                "day": day,
                "hour": hour,
                "minute": minute,
                "second": second,
            }
        ),
        errors="coerce",
    ).to_numpy(dtype="datetime64[us]")
    offset = _offset_minutes(parts["zone"])
    return np.where(np.isnan(offset), np.datetime64("NaT"), stamps).astype("datetime64[us]"), offset


def _filled(texts: pa.Array) -> np.ndarray:
    filled: np.ndarray = pc.not_equal(texts, "").to_numpy(zero_copy_only=False)
    return filled


def _number(texts: pa.Array, empty: int = -1) -> np.ndarray:
    filled = pc.if_else(pc.equal(texts, ""), str(empty), texts)
    numbers: np.ndarray = pc.cast(filled, pa.int64()).to_numpy(zero_copy_only=False)
    return numbers


def _lookup(words: pa.Array, *, weekday: bool = False) -> np.ndarray:
    """Each word's month number (0: none), or with `weekday` 1 where it is a weekday word;
    looked up once per distinct word."""
    encoded = pc.dictionary_encode(words)
    if weekday:
        values = [int(fold_word(w) in _weekday_prefixes()) for w in encoded.dictionary.to_pylist()]
    else:
        values = [month_number(w) or 0 if w else 0 for w in encoded.dictionary.to_pylist()]
    table = np.array(values, dtype=np.int64)
    numbers: np.ndarray = table[encoded.indices.to_numpy(zero_copy_only=False)]
    return numbers


def _offset_minutes(zones: pa.Array) -> np.ndarray:
    """Minutes east of UTC of each zone text ("" and the UTC words: 0; NaN: not understood),
    worked out once per distinct text."""
    encoded = pc.dictionary_encode(zones)
    minutes = []
    for text in encoded.dictionary.to_pylist():
        value = str(text).upper()
        match = re.fullmatch(r"(?:UTC|GMT)?([+-])(\d{1,2}):?(\d{2})?", value)
        if value in ("", "Z", "UTC", "GMT"):
            minutes.append(0.0)
        elif match and int(match[2]) * 60 + int(match[3] or 0) <= 14 * 60:
            east = int(match[2]) * 60 + int(match[3] or 0)
            minutes.append(float(-east if match[1] == "-" else east))
        else:
            minutes.append(float("nan"))
    table = np.array(minutes, dtype=np.float64)
    offsets: np.ndarray = table[encoded.indices.to_numpy(zero_copy_only=False)]
    return offsets


def with_am_pm(text: pd.Series) -> pd.Series:
    """The cells whose clock ends in (or starts with) a local day-period word, with AM or PM
    after the clock instead, the way every reader of times here takes a 12-hour clock:
    "5/3/2024 3:05:09 μμ" -> "5/3/2024 3:05:09 PM", "2024-03-05 오후 3:05" -> "2024-03-05
    3:05 PM". Other cells are left as they are."""
    # (only cells with a letter beyond ASCII can hold one: a fast test first)
    local = ~text.str.isascii().fillna(True).to_numpy(dtype=bool)
    if not local.any():
        return text
    cells = text[local]
    before = cells.str.match(_PERIOD_BEFORE).fillna(False).to_numpy(dtype=bool)
    after = cells.str.match(_PERIOD_AFTER).fillna(False).to_numpy(dtype=bool)
    if not (before.any() or after.any()):
        return text
    cells = cells.where(~before, cells.str.replace(_PERIOD_BEFORE, r"\1 \3 \2", regex=True))
    cells = cells.str.replace(rf"\s*(?:{_MORNING})$", " AM", regex=True)
    cells = cells.str.replace(rf"\s*(?:{_AFTERNOON})$", " PM", regex=True)
    out = text.copy()
    marked = before | after
    out[np.flatnonzero(local)[marked]] = cells[marked].to_numpy()
    return out


def epoch_unit(header: str) -> str | None:
    """ "s" or "ms" when a column's header says it holds Unix epoch times, else None."""
    words = re.sub(r"[\W_]+", " ", header)
    if not _EPOCH_HEADER.search(words):
        return None
    return "ms" if _MILLISECONDS_HEADER.search(words) else "s"


def read_epochs(text: pd.Series, header: str) -> np.ndarray:
    """UTC instants (datetime64[us], NaT elsewhere) of the integer cells of a column whose
    header says epoch, unix or posix: in milliseconds (12-13 digits) when the header says ms
    or every such cell has 12 or more digits, else in seconds (9-10 digits). One unit for the
    column: a cell of the other length is no time."""
    out = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[us]")
    unit = epoch_unit(header)
    if unit is None or not len(text):
        return out
    whole = text.str.match(_EPOCH_CELL).fillna(False).to_numpy(dtype=bool)
    if not whole.any():
        return out
    digits = text[whole].str.len().to_numpy(dtype=np.int64)
    if unit == "s" and (digits >= 12).all():
        unit = "ms"
    fits = (digits >= 12) if unit == "ms" else (digits <= 10)
    rows = np.flatnonzero(whole)[fits]
    numbers = text.iloc[rows].astype("int64").to_numpy()
    scale = 1000 if unit == "ms" else 1_000_000  # microseconds per unit
    out[rows] = (numbers * scale).astype("datetime64[us]")
    return out
