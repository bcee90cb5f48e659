"""Delimited text exports (.csv/.tsv/.txt): encoding, delimiter sniffing, parsing.

Every cell is read as text (ids keep their leading zeros, notes stay verbatim) into pandas'
string dtype: by pyarrow's CSV reader when the file is well-formed UTF-8 (arrow_csv.py),
else by pandas' C parser on the file itself, which also words the errors. The encoding is
input.encoding when set, else the one the first bytes declare (UTF-8 without a byte-order
mark). Only when the parser meets a byte that encoding cannot decode is the whole file looked
at (encoding_choice.py): it is then read again in the one legacy encoding its words support,
or refused with both readings shown. Python also reads the first lines to choose the
delimiter.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path

import pandas as pd

from backfill.errors import InputError
from backfill.model import OnProgress, ProgressEvent, no_progress
from backfill.read.arrow_csv import read_arrow
from backfill.read.encoding_choice import Decision, codec_name
from backfill.read.text_encoding import (
    SAVE_AS_UTF8,
    declared_encoding,
    detect,
    given_encoding,
    not_in_given,
)

DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_SAMPLE_BYTES = 64 * 1024
# Above either size the file is read in chunks, reporting progress after each.
LARGE_FILE_BYTES = 50 * 1024 * 1024
LARGE_FILE_ROWS = 200_000
_CHUNK_ROWS = 100_000

_SEP_HINT = re.compile(r"sep=([,;\t|])[ \t]*\r?\n", re.IGNORECASE)


def read_delimited(
    path: Path,
    *,
    header_row: int | None = None,
    on_progress: OnProgress = no_progress,
    encoding: str | None = None,
) -> pd.DataFrame:
    """One delimited file as a frame of text cells, indexed by spreadsheet row number.

    `header_row` (1-based line; None = the first non-blank one) skips a title block above
    the header. Blank lines are kept as rows of "" so that the numbers stay right; read_table
    drops them. `encoding` (input.encoding) is the one to read in; None: decided.
    A large file is read in chunks, with an `on_progress` event (stage "reading NAME",
    rows) after each. The frame's attrs say the encoding read (`encoding`, a codec name)
    and, for a legacy one decided from the file, why (`decision`).
    """
    given = encoding
    encoding = declared_encoding(path) if given is None else given_encoding(path, given)
    decision: Decision | None = None
    sample, truncated = _sample_text(path, encoding)
    if not sample.strip():
        raise InputError(
            f"{path} is empty: it has no header row; export the data again with the column names "
            "in the first row"
        )
    hint = _SEP_HINT.match(sample)
    if hint:
        # Excel's own "sep=;" first line: it names the delimiter and Excel does not show it,
        # so the header is row 1 there.
        delimiter, skip, hidden = hint.group(1), 1, 1
    else:
        skip, hidden = _leading_blank_lines(sample), 0
    if header_row is not None:
        skip = hidden + header_row - 1
        if len(sample.splitlines()) <= skip and not truncated:
            raise InputError(
                f"input.header_row is {header_row}, but {path} has only "
                f"{len(sample.splitlines()) - hidden} line(s); set it to the row of the "
                "column names"
            )
    if not hint:
        # sniffed from the header on: a title block above it says nothing of the delimiter
        table = "\n".join(sample.splitlines()[skip:]) if header_row is not None else sample
        delimiter = "\t" if path.suffix.lower() == ".tsv" else sniff_delimiter(table, truncated)
    options: dict[str, object] = {
        "sep": delimiter,
        # pandas' string dtype: the cells stay in pyarrow arrays, never a Python object each
        "dtype": "str",
        "na_filter": False,  # empty cells are "", never NaN; "NA" and "null" stay text
        "skip_blank_lines": False,  # blank lines still count as spreadsheet rows
        "skiprows": skip,
        "encoding": encoding,
        "engine": "c",
        "quotechar": '"',
        "doublequote": True,
    }
    rows = _estimated_rows(path, sample, truncated)
    progress = _Progress(
        f"reading {path.name}", rows if _is_large(path, rows) else None, on_progress
    )
    arrow = read_arrow(path, delimiter, sample, skip, hidden, encoding, progress, _CHUNK_ROWS)
    try:
        frame = arrow if arrow is not None else _parse(path, options, progress, delimiter, hidden)
    except UnicodeDecodeError as exc:
        if given is not None:
            raise InputError(not_in_given(path, given)) from None
        # not the encoding its start declares (UTF-8 when no byte-order mark): the whole file
        # is looked at only now, which names the first wrong byte or finds its encoding
        detected, decision = detect(path)
        if detected == encoding:  # (pandas refused what Python accepts: never a traceback)
            raise InputError(
                f"{path} cannot be decoded as {encoding} ({exc.reason}); {SAVE_AS_UTF8}"
            ) from None
        options["encoding"] = encoding = detected
        try:
            frame = _parse(path, options, progress, delimiter, hidden)
        except UnicodeDecodeError as again:
            raise InputError(
                f"{path} cannot be decoded as {encoding} ({again.reason}); {SAVE_AS_UTF8}"
            ) from None
    header_row = skip - hidden + 1
    frame.index = pd.RangeIndex(header_row + 1, header_row + 1 + len(frame))
    frame.attrs.update(encoding=codec_name(encoding), delimiter=delimiter, decision=decision)
    return frame


def _parse(
    path: Path, options: dict[str, object], progress: _Progress, delimiter: str, hidden: int
) -> pd.DataFrame:
    """read_csv with `options` (in chunks when `progress` has an estimate of the rows); an
    empty or malformed file is an InputError, a byte the encoding cannot decode is raised."""
    try:
        if progress.estimate is not None:
            return _read_chunked(path, options, progress)
        frame: pd.DataFrame = pd.read_csv(path, **options)  # type: ignore[call-overload]
        return frame
    except pd.errors.EmptyDataError:
        raise InputError(
            f"{path} is empty: it has no header row; export the data again with the column names "
            "in the first row"
        ) from None
    except pd.errors.ParserError as exc:
        raise InputError(_explain_parser_error(path, exc, delimiter, hidden)) from None


def _sample_text(path: Path, encoding: str) -> tuple[str, bool]:
    with open(path, "rb") as handle:
        raw = handle.read(_SAMPLE_BYTES + 1)
    truncated = len(raw) > _SAMPLE_BYTES
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(raw[:_SAMPLE_BYTES])
    return text, truncated


# --- delimiter -------------------------------------------------------------------------------


def sniff_delimiter(sample: str, truncated: bool = False) -> str:
    """The candidate that splits the first lines into the most consistent number of columns.

    Records are parsed with the csv module (so quoted delimiters and multi-line notes do not
    count); a candidate must give the header at least two columns. Ties go to more columns,
    then to the order of DELIMITERS. A file with a single column reads as comma-separated.
    """
    lines = sample.splitlines(keepends=True)
    if truncated and len(lines) > 1:
        lines = lines[:-1]  # the last line of a cut sample is partial
    text = "".join(lines[:200])
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        try:
            records = [
                record
                for record in csv.reader(io.StringIO(text), delimiter=delimiter)
                if any(cell.strip() for cell in record)
            ]
        except csv.Error:
            continue
        if not records or len(records[0]) < 2:
            continue
        width = len(records[0])
        consistency = sum(len(record) == width for record in records) / len(records)
        score = (round(consistency, 2), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _leading_blank_lines(sample: str) -> int:
    count = 0
    for line in sample.splitlines():
        if line.strip():
            break
        count += 1
    return count


# --- reading ---------------------------------------------------------------------------------


def _is_large(path: Path, rows: int) -> bool:
    return path.stat().st_size > LARGE_FILE_BYTES or rows > LARGE_FILE_ROWS


def _estimated_rows(path: Path, sample: str, truncated: bool) -> int:
    """The file's lines, estimated from those of the sample (the whole file when not cut)."""
    lines = max(sample.count("\n"), 1)
    if not truncated:
        return lines
    return round(path.stat().st_size / (len(sample.encode("utf-8", "replace")) / lines))


class _Progress:
    """The events of one read: rows read so far against an estimate (None: read at once)."""

    def __init__(self, stage: str, estimate: int | None, on_progress: OnProgress) -> None:
        self.stage = stage
        self.estimate = estimate
        self._on_progress = on_progress

    def report(self, done: int, total: int | None) -> None:
        self._on_progress(ProgressEvent(self.stage, done, total, "rows"))


def _read_chunked(path: Path, options: dict[str, object], progress: _Progress) -> pd.DataFrame:
    """read_csv a chunk at a time, reporting rows read against the estimate (lines, so
    multi-line notes make fewer rows: the total is raised when passed, and set at the end)."""
    estimate = progress.estimate or 0
    parts: list[pd.DataFrame] = []
    done = 0
    progress.report(0, estimate)
    with pd.read_csv(path, chunksize=_CHUNK_ROWS, **options) as chunks:  # type: ignore[call-overload]
        for chunk in chunks:
            parts.append(chunk)
            done += len(chunk)
            estimate = max(estimate, done)
            progress.report(done, estimate)
    progress.report(done, done)
    if not parts:
        raise pd.errors.EmptyDataError
    return pd.concat(parts, ignore_index=True)


_FIELDS_MISMATCH = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_OPEN_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")


def _explain_parser_error(path: Path, exc: Exception, delimiter: str, hidden: int) -> str:
    name = _DELIMITER_NAMES.get(delimiter, repr(delimiter))
    match = _FIELDS_MISMATCH.search(str(exc))
    if match:
        # pandas counts records (a quoted multi-line note is one) and blank lines, header = 1:
        # exactly the spreadsheet row number.
        expected, line, saw = (int(g) for g in match.groups())
        row = line - hidden
        title = (
            "; if the column names are not on the first line (a title above them), set "
            "input.header_row to their row"
            if expected == 1
            else ""
        )
        return (
            f"{path} row {row}: {saw} cells where the header has {expected} "
            f"({name}-separated); a value that contains a {name} must be in double quotes: "
            f"fix that row, or export the file again with quoting{title}"
        )
    match = _OPEN_QUOTE.search(str(exc))
    if match:
        row = int(match.group(1)) + 1 - hidden  # pandas counts from 0 at the header here
        return (
            f"{path} row {row}: a double quote opens a value that is never closed, so the rest "
            'of the file would be one cell; close the quote, or double a quote inside a value ("")'
        )
    return f"{path} cannot be read as {name}-separated text: {exc}; check the file's quoting"
