"""Write tables a person will open in Excel: CSV and XLSX, safe from formula injection.

A cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run
by Excel (and LibreOffice, Google Sheets) as a formula when the file is opened. Such cells
are prefixed with a single quote, which spreadsheet programs show as text. Numbers (a
negative amount such as ``-3``) are left alone: they are not formulas.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pandas as pd

from backfill.plan import forking

_DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


def neutralise(value: Any) -> Any:
    """Return `value` made inert for spreadsheets (only text can be a formula)."""
    if isinstance(value, str) and value.startswith(_DANGEROUS_START) and not _NUMBER.match(value):
        return "'" + value
    return value


def unneutralise(value: Any) -> Any:
    """Undo `neutralise` on one cell read back from a file backfill wrote (``backfill retry``)."""
    if isinstance(value, str) and value[:1] == "'" and value[1:2] in _DANGEROUS_START:
        return value[1:]
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells are neutralised; vectorised per text column."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if column.dtype.kind == "O" or pd.api.types.is_string_dtype(column.dtype):
            cells = column.to_numpy(dtype=object)
            risky = _risky_cells(cells)
            if len(risky):
                cells = cells.copy()
                cells[risky] = [neutralise(value) for value in cells[risky]]
                out[name] = pd.Series(cells, index=out.index, dtype=object)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def _risky_cells(cells: np.ndarray) -> np.ndarray:
    """Positions of the text cells that start with a dangerous character (to be checked by
    `neutralise`). A column of plain text is scanned by C code only: one join, one regex
    search, and any matches mapped back to cells; no Python call per cell."""
    try:
        joined = _SEPARATOR + _SEPARATOR.join(cells)
    except TypeError:  # numbers, dates, NaN among the text
        return np.flatnonzero(
            [isinstance(v, str) and v.startswith(_DANGEROUS_START) for v in cells]
        ).astype(np.intp)
    if _RISKY_START.search(joined) is None:
        return np.empty(0, dtype=np.intp)
    return _cells_at(cells, joined, _RISKY_START)


def _cells_at(
    cells: Sequence[str] | np.ndarray, joined: str, pattern: re.Pattern[str]
) -> np.ndarray:
    """The cells in which `pattern` matches, `joined` being the cells each preceded by NUL.

    Positions are mapped back through the cells' lengths, so a NUL inside a cell can only
    cause a needless check: the callers apply the exact rule to each cell found.
    """
    lengths = np.fromiter(map(len, cells), dtype=np.int64, count=len(cells))
    starts = np.cumsum(lengths + 1) - (lengths + 1)  # where each cell's NUL is
    hits = np.fromiter((m.start() for m in pattern.finditer(joined)), dtype=np.int64)
    return np.unique(np.searchsorted(starts, hits, side="right") - 1).astype(np.intp)


def _cell_bytes(joined: str, count: int) -> tuple[bytes, np.ndarray] | None:
    """`joined` (`count` cells, NUL between them) as UTF-8, and where each cell starts in
    it; None when a NUL inside a cell would misplace the cell boundaries.

    In UTF-8 the ASCII characters the callers look for, and the NULs, are single bytes that
    no other character's encoding contains, so numpy finds them without a Python step.
    """
    data = joined.encode("utf-8", "surrogatepass")
    separators = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 0)
    if len(separators) != count - 1:
        return None
    starts = np.empty(count, dtype=np.intp)
    starts[0] = 0
    starts[1:] = separators + 1
    return data, starts


def _cells_with(data: bytes, starts: np.ndarray, table: bytes, *, first: bool) -> np.ndarray:
    """The cells that contain a byte flagged in `table` (256 bytes, 1 = flagged), or start
    with one when `first`; `data` and `starts` as `_cell_bytes` gives them."""
    if len(data) == 0:  # every cell empty
        return np.empty(0, dtype=np.intp)
    if first:
        # an empty cell starts at the next NUL, or past the end (the last): clipped to the NUL
        # before it, which is never flagged
        at = np.frombuffer(data, dtype=np.uint8)[np.minimum(starts, len(data) - 1)]
        return np.flatnonzero(np.frombuffer(table, dtype=np.bool_)[at])
    if starts[-1] == len(data):  # an empty last cell has no bytes to reduce over
        starts = starts[:-1]
    flags = np.frombuffer(data.translate(table), dtype=np.bool_)  # one C pass over the bytes
    # each cell's bytes run to the NUL after it (never flagged); no run is empty
    return np.flatnonzero(np.logical_or.reduceat(flags, starts))


def _byte_table(chars: str) -> bytes:
    """A bytes.translate table giving 1 for the bytes of `chars` (ASCII), 0 for the rest."""
    return bytes(1 if chr(byte) in chars else 0 for byte in range(256))


def write_csv(
    frame: pd.DataFrame, path: Path, *, parallel_rows: int | None = 200_000, header: bool = True
) -> Path:
    """UTF-8 with BOM (so Excel reads accents right), neutralised, no index.

    `header=False` writes the rows only, without BOM: a part to append to a file written
    with the same columns.

    The bytes are exactly those of `neutralise_frame(frame).to_csv(path, index=False,
    encoding="utf-8-sig")` (tests/test_tables.py compares them), but a frame of text and
    number columns is rendered column by column and joined by C code: pandas' writer makes
    Python objects per cell, which for a million-row plan costs more than planning it.
    Columns of other kinds (dates, categories) take the pandas path for the whole frame.

    A frame of at least `parallel_rows` rows (None or 0: never) is written by two
    processes where backfill/plan/forking.py may fork (Linux, BACKFILL_PROCESSES not 1): a forked
    child renders the second half of the rows into a part file beside `path` while this
    process writes the header and the first half, then the part is appended and removed.
    The bytes are the same; a failed fork writes in one process. The child only renders
    cells and writes its file (no logging, no output, no import), so a thread of the
    parent's holding a lock at the fork (tqdm's monitor) cannot block it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    renderers = _with_twins([_csv_renderer(frame.iloc[:, i]) for i in range(frame.shape[1])])
    flat = not isinstance(frame.columns, pd.MultiIndex)
    if frame.shape[1] < 2 or not flat or any(render is None for render in renderers):
        # (one column: the csv module quotes an empty lone field, which this writer does not)
        encoding = "utf-8-sig" if header else "utf-8"
        neutralise_frame(frame).to_csv(path, index=False, header=header, encoding=encoding)
        return path
    ready: list[Renderer] = [render for render in renderers if render is not None]
    first = ",".join(_quoted(neutralise(str(name))) for name in frame.columns) + _NEWLINE
    first = first if header else ""
    rows = len(frame)
    if parallel_rows and rows >= parallel_rows and forking.available():
        try:
            _write_in_two(path, first, ready, rows)
            return path
        except _ForkFailed:
            pass  # (nothing written yet) one process then
    with _open_csv(path, bom=header) as handle:
        handle.write(first)
        _write_rows(handle, ready, 0, rows)
    return path


def _open_csv(path: Path, *, bom: bool) -> TextIO:
    return path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="")


def _write_rows(handle: TextIO, renderers: Sequence[Renderer], start: int, stop: int) -> None:
    """Rows start:stop as CSV lines, rendered and written _CHUNK_ROWS at a time: the working
    memory (joined text, byte arrays, cell lists) stays small, reused by the allocator and in
    the CPU cache, where whole columns at once made hundreds of megabytes of fresh pages."""
    width = 2 * len(renderers)
    for low in range(start, stop, _CHUNK_ROWS):
        high = min(low + _CHUNK_ROWS, stop)
        # the fields of all rows in one list (field, comma, field, ..., newline), joined once:
        # cheaper than joining each row and then the rows
        pieces = [","] * (width * (high - low))
        for i, render in enumerate(renderers):
            pieces[2 * i :: width] = render(low, high)  # ValueError if a renderer miscounts
        pieces[width - 1 :: width] = [_NEWLINE] * (high - low)
        handle.write("".join(pieces))


class _ForkFailed(Exception):
    """os.fork raised: write in one process instead."""


def _write_in_two(path: Path, first: str, renderers: Sequence[Renderer], rows: int) -> None:
    """The two-process write (see `write_csv`); `first` is the header line, "" for none.
    Raises _ForkFailed before writing anything when the fork fails; the child's exception
    (or forking.ChildFailed) when it fails."""
    middle = rows // 2
    part = path.with_name(f".{path.name}.part-{os.getpid()}")

    def second_half() -> None:
        with _open_csv(part, bom=False) as handle:
            _write_rows(handle, renderers, middle, rows)

    try:
        child = forking.start(second_half)
    except OSError as error:
        raise _ForkFailed from error
    try:
        with _open_csv(path, bom=bool(first)) as handle:
            handle.write(first)
            _write_rows(handle, renderers, 0, middle)
        child.result()
        append_file(part, path)
    except BaseException:
        child.cancel()  # (this process failed first: the child's half is not wanted)
        raise
    finally:
        part.unlink(missing_ok=True)


def append_file(source: Path, target: Path, offset: int = 0) -> None:
    """Append the bytes of `source` from `offset` on to `target`, in the kernel where it can."""
    with source.open("rb") as reader, target.open("r+b") as writer:
        writer.seek(0, os.SEEK_END)  # (not "ab": sendfile may refuse an O_APPEND file)
        size = os.fstat(reader.fileno()).st_size
        try:
            while offset < size:
                sent = os.sendfile(writer.fileno(), reader.fileno(), offset, size - offset)
                if sent == 0:
                    break
                offset += sent
        except OSError:
            pass  # (a file system without sendfile) copied below, from where it stopped
        if offset < size:
            reader.seek(offset)
            shutil.copyfileobj(reader, writer, 1 << 20)


Renderer = Callable[[int, int], list[str]]


def _csv_renderer(column: pd.Series) -> Renderer | None:
    """A function giving the CSV text pandas would write for rows start:stop of the column
    (neutralised, quoted), or None for a kind of column left to pandas. Missing values are
    empty, as with to_csv."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iu":
        numbers = column.to_numpy()
        return _in_blocks(lambda start, stop: _integer_cells(numbers[start:stop]))
    if isinstance(dtype, np.dtype) and dtype.kind == "b":
        flags = column.to_numpy()
        return _in_blocks(lambda start, stop: flags[start:stop].astype(str).tolist())
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        floats = column.to_numpy()
        return _in_blocks(lambda start, stop: _float_cells(floats[start:stop]))
    if isinstance(column.array, pd.arrays.IntegerArray) and column.dtype.kind == "i":
        # Int64 & co: the numbers as above, the missing ones empty
        gone = column.isna().to_numpy()
        filled = column.to_numpy(dtype=np.int64, na_value=0)

        def integers(start: int, stop: int) -> list[str]:
            cells = _integer_cells(filled[start:stop])
            for i in np.flatnonzero(gone[start:stop]).tolist():
                cells[i] = ""
            return cells

        return _in_blocks(integers)
    if isinstance(column.array, pd.arrays.IntegerArray | pd.arrays.BooleanArray):  # boolean
        missing = column.isna().to_numpy()
        objects = column.astype(object).to_numpy()
        return lambda start, stop: [
            "" if gone else str(v)
            for v, gone in zip(objects[start:stop], missing[start:stop], strict=True)
        ]
    if not (dtype.kind == "O" or pd.api.types.is_string_dtype(dtype)):
        return None
    values = column.to_numpy(dtype=object)
    repeated = _repeated_texts(values)
    if repeated is not None:
        codes, fields = repeated
        return lambda start, stop: fields[codes[start:stop]].tolist()
    return _TextColumn(values)


class _TextColumn:
    """The renderer of a text column. It keeps the fields of its last chunk when they are
    its cells (all plain text), for a column repeating it to reuse (`_twin`)."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = values
        self.plain: tuple[int, int, list[str] | None] = (0, 0, None)

    def __call__(self, start: int, stop: int) -> list[str]:
        fields, plain = _text_fields(self.values[start:stop])
        self.plain = (start, stop, fields if plain else None)
        return fields


def _twin(original: _TextColumn, values: np.ndarray, own: Renderer) -> Renderer:
    """The renderer of a column that mostly repeats `original` (plan.csv's plan_note and
    note, plan_happened_at and happened_at): a chunk whose cells equal the original's plain
    cells has the same fields; any other chunk is rendered by `own`."""

    def render(start: int, stop: int) -> list[str]:
        low, high, fields = original.plain
        # (plain fields are all str: equal cells are the same texts)
        if (
            fields is not None
            and (low, high) == (start, stop)
            and values[start:stop].tolist() == fields
        ):
            return fields
        return own(start, stop)

    return render


def _with_twins(renderers: list[Renderer | None]) -> list[Renderer | None]:
    """`renderers` with those of text columns whose first rows repeat an earlier text
    column's made its `_twin`: comparing a chunk's cells costs less than rendering them."""
    out = list(renderers)
    originals: list[_TextColumn] = []
    for position, render in enumerate(renderers):
        if not isinstance(render, _TextColumn):
            continue
        sample = render.values[:_SAMPLE_ROWS].tolist()
        for original in originals:
            try:
                same = original.values[:_SAMPLE_ROWS].tolist() == sample
            except (TypeError, ValueError):  # (pd.NA and the like cannot say)
                same = False
            if same and len(sample):
                out[position] = _twin(original, render.values, render)
                break
        else:
            originals.append(render)
    return out


def _repeated_texts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(code per cell, CSV field per code) for a column of a few texts repeated, some to be
    quoted or neutralised (notes with commas): each distinct text is rendered once, and the
    cells become a lookup. None for other columns: many distinct texts in the first rows,
    none of them to quote or neutralise there, or cells other than text (1, 1.0 and True are
    one value to factorize, not one text). Missing cells (None, NaN) are written empty."""
    sample = values[:_SAMPLE_ROWS].tolist()
    try:
        if len(set(sample)) > _FEW_TEXTS:
            return None
        joined = _SEPARATOR + _SEPARATOR.join(sample)
    except TypeError:  # unhashable cells, or not all text
        return None
    if not any(char in joined for char in _CSV_SPECIAL) and not _RISKY_START.search(joined):
        return None  # plain texts: checking each chunk costs less than the lookup
    codes, uniques = pd.factorize(values)
    if pd.api.types.infer_dtype(uniques, skipna=False) not in ("string", "empty"):
        return None
    fields = np.array([*_text_cells(np.asarray(uniques, dtype=object)), ""], dtype=object)
    return codes, fields  # code -1 (missing) takes the last field, ""


def _in_blocks(cells: Renderer) -> Renderer:
    """`cells` asked for _BLOCK_ROWS rows at a time, its texts handed out a chunk at a time:
    numbers are rendered by numpy, whose cost per call outweighs that per row on the few rows
    of a chunk. (Texts are not: their cells are read where they lie in memory, best while a
    chunk's cells are still in the CPU cache.)"""
    block: list[Any] = [0, 0, []]  # first row, row after the last, texts

    def render(start: int, stop: int) -> list[str]:
        low, high, texts = block
        if not (low <= start and stop <= high):
            low, high = start, max(stop, start + _BLOCK_ROWS)
            texts = cells(low, high)
            block[:] = [low, high, texts]
        return texts[start - low : stop - low]

    return render


def _float_cells(values: np.ndarray) -> list[str]:
    text = values.astype(str).astype(object)  # what to_csv does with numpy floats
    text[np.isnan(values)] = ""
    return text.tolist()


def _text_cells(values: np.ndarray) -> list[str]:
    """Object cells as CSV fields; text only (the usual case) is scanned by C code and only
    the cells to neutralise or quote are touched."""
    return _text_fields(values)[0]


def _text_fields(values: np.ndarray) -> tuple[list[str], bool]:
    """`_text_cells`, and whether every cell was plain text (its own field: nothing to
    quote or neutralise)."""
    cells = values.tolist()
    if not cells:
        return cells, True
    try:
        joined = _SEPARATOR.join(cells)  # TypeError: not all cells are text
    except TypeError:
        joined = None
    if joined is not None:
        special = any(char in joined for char in _CSV_SPECIAL)
        risky = any(char in joined for char in _DANGEROUS_START) and (
            cells[0].startswith(_DANGEROUS_START) or _RISKY_START.search(joined) is not None
        )
        if not (special or risky):
            return cells, True
        found = _cell_bytes(joined, len(cells))
        quote: list[int] = []
        if special:
            quote = (
                _cells_with(*found, _CSV_SPECIAL_BYTES, first=False)
                if found is not None
                else _cells_at(cells, _SEPARATOR + joined, _CSV_SPECIAL_REST)
            ).tolist()
        if risky:
            for i in (
                _cells_with(*found, _DANGEROUS_BYTES, first=True)
                if found is not None
                else _cells_at(cells, _SEPARATOR + joined, _RISKY_START)
            ).tolist():
                cells[i] = neutralise(cells[i])
        quoted: dict[str, str] = {}  # the same few texts (notes, warnings) recur in a column
        for i in quote:
            text = cells[i]
            field = quoted.get(text)
            if field is None:
                field = quoted[text] = '"' + text.replace('"', '""') + '"'
            cells[i] = field
        return cells, False
    # mixed cells (real Excel dates among text, missing values): what the csv module would
    # write for each object, after neutralising the text ones
    missing = pd.isna(values)
    fields = [
        "" if gone else _quoted(_object_text(neutralise(value)))
        for value, gone in zip(values, missing, strict=True)
    ]
    return fields, False


def _integer_cells(values: np.ndarray) -> list[str]:
    """Integers as to_csv writes them (str of each). A small range (positions in a case)
    goes through a table of its texts; a wide one (row numbers) is written digit by digit
    by numpy into one line of space-separated numbers that str.split cuts into cells: both
    cheaper than one str() per cell."""
    if len(values) == 0:
        return []
    low, high = int(values.min()), int(values.max())
    if high - low <= len(values):
        texts = np.array(list(map(str, range(low, high + 1))), dtype=object)
        return texts[values - low].tolist()
    if low < -_INT64_MAX or high > _INT64_MAX:  # (abs() of these does not fit in int64)
        return list(map(str, values.tolist()))
    largest = max(-low, high)
    magnitude = np.abs(values.astype(np.int64 if largest > _INT32_MAX else np.int32))
    width = len(str(largest))
    sign = int(low < 0)
    # one row per character position (a space, the sign if any, the digits), filled from
    # the units leftwards; transposed, each number is one line of the same width
    rows = np.full((1 + sign + width, len(values)), ord(" "), dtype=np.uint8)
    rest = magnitude
    for k in range(width):
        rest, digit = np.divmod(rest, 10)
        row = rows[len(rows) - 1 - k]
        np.add(digit, ord("0"), out=row, casting="unsafe")
        if k:
            row[magnitude < 10**k] = ord(" ")  # no leading zeros
    if sign:
        minus = np.flatnonzero(values < 0)
        digits = np.ones(len(minus), dtype=np.intp)
        for k in range(1, width):
            digits += magnitude[minus] >= 10**k
        rows[len(rows) - 1 - digits, minus] = ord("-")
    return np.ascontiguousarray(rows.T).tobytes().decode("ascii").split()


def _object_text(value: Any) -> str:
    """The csv module's text of a cell: repr for floats (numpy ones too), str for the rest."""
    if isinstance(value, str):
        return value
    return repr(value) if isinstance(value, float) else str(value)


def _quoted(text: str) -> str:
    """A field as the csv module writes it with QUOTE_MINIMAL."""
    if any(char in text for char in _CSV_SPECIAL):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_special_chars() -> str:
    """The characters that make the csv module quote a field, as pandas' to_csv calls it
    (QUOTE_MINIMAL, "," and os.linesep): asked of the module, as versions differ on CR."""
    found = ""
    for char in ',"\n\r\t ':
        out = io.StringIO()
        csv.writer(out, lineterminator=os.linesep).writerow(["a" + char, "b"])
        if out.getvalue().startswith('"'):
            found += char
    return found


_SEPARATOR = "\x00"
_RISKY_START = re.compile("\x00[=+\\-@\t\r]")
_CSV_SPECIAL = _csv_special_chars()
# from a cell's first special character to its end: one match per cell to quote
_CSV_SPECIAL_REST = re.compile("[" + re.escape(_CSV_SPECIAL) + "][^\x00]*")
_CSV_SPECIAL_BYTES = _byte_table(_CSV_SPECIAL)
_DANGEROUS_BYTES = _byte_table("".join(_DANGEROUS_START))
_INT64_MAX = 2**63 - 1
_INT32_MAX = 2**31 - 1
_NEWLINE = os.linesep  # what to_csv ends lines with
# Rows rendered, joined and written at a time. The cells of a plan are strings scattered over
# a heap of hundreds of megabytes: each is read (and its reference count written) when its
# column is rendered and again when the rows are joined, and with a chunk's cells still in the
# CPU cache the second visit is cheap. 20,000 rows took 1.7 times as long in `backfill plan`.
_CHUNK_ROWS = 1_000
_BLOCK_ROWS = 20_000  # rows of a number column rendered at a time (see _in_blocks)
_SAMPLE_ROWS = 1_000  # a text column with at most _FEW_TEXTS distinct cells in its
_FEW_TEXTS = 100  # first _SAMPLE_ROWS is rendered per distinct text (_repeated_texts)


def write_xlsx(
    sheets: Sequence[tuple[str, pd.DataFrame | Iterable[Sequence[Any]]]],
    path: Path,
    notes: dict[str, str] | None = None,
) -> Path:
    """Write sheets with openpyxl in write-only mode: bold header, autofilter, frozen header.

    `sheets` is a list of (title, frame); a frame may be replaced by rows (first row = header)
    for sheets that are not tabular data. `notes` adds a line of text under a sheet's table.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = Workbook(write_only=True)
    bold = Font(bold=True, color="FFFFFF")
    fill = PatternFill("solid", fgColor="305496")
    for title, data in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        if isinstance(data, pd.DataFrame):
            header = [str(c) for c in data.columns]
            body: Iterable[Sequence[Any]] = data.itertuples(index=False, name=None)
        else:
            rows = iter(data)
            header = [str(c) for c in next(rows, [])]
            body = rows
        sheet.freeze_panes = "A2"
        width = max(len(header), 1)
        for index, name in enumerate(header, start=1):
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = min(max(len(name) + 4, 12), 60)
        header_cells = []
        for name in header:
            cell = WriteOnlyCell(sheet, value=neutralise(name))
            cell.font = bold
            cell.fill = fill
            header_cells.append(cell)
        sheet.append(header_cells)
        count = 0
        for values in body:
            sheet.append([_cell_value(v) for v in values])
            count += 1
        if header:
            sheet.auto_filter.ref = f"A1:{get_column_letter(width)}{count + 1}"
        if notes and title in notes:
            sheet.append([])
            sheet.append([neutralise(notes[title])])
    workbook.save(path)
    return path


def _cell_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    if value is pd.NaT or value is pd.NA:  # nullable columns (Int64, string) hold pd.NA
        return None
    if isinstance(value, pd.Timestamp):
        return value.tz_localize(None).to_pydatetime() if value.tzinfo else value.to_pydatetime()
    if isinstance(value, str):
        return neutralise(value)
    return value
