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
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

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


def _cells_with(cells: Sequence[str], joined: str, chars: str, *, first: bool) -> np.ndarray:
    """The cells that contain one of `chars` (ASCII), or start with one when `first`.

    `joined` (each cell preceded by NUL) as UTF-8 is a byte array in which those characters
    and the NULs are single bytes, so numpy finds them all without a Python step per match.
    A NUL inside a cell would misplace the cell boundaries: then the regex path is taken.
    """
    data = np.frombuffer(joined.encode("utf-8", "surrogatepass"), dtype=np.uint8)
    starts = np.flatnonzero(data == 0)
    if len(starts) != len(cells):
        pattern = _RISKY_START if first else _CSV_SPECIAL_REST
        return _cells_at(cells, joined, pattern)
    wanted = np.frombuffer(chars.encode("ascii"), dtype=np.uint8)
    if first:
        after = np.minimum(starts + 1, len(data) - 1)  # an empty last cell points at its NUL
        return np.flatnonzero(np.isin(data[after], wanted))
    hits = np.flatnonzero(np.isin(data, wanted))
    return np.unique(np.searchsorted(starts, hits, side="right") - 1)


def _needs_quote(value: Any) -> bool:
    return (
        isinstance(value, str) and value.startswith(_DANGEROUS_START) and not _NUMBER.match(value)
    )


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """UTF-8 with BOM (so Excel reads accents right), neutralised, no index.

    The bytes are exactly those of `neutralise_frame(frame).to_csv(path, index=False,
    encoding="utf-8-sig")` (tests/test_tables.py compares them), but a frame of text and
    number columns is rendered column by column and joined by C code: pandas' writer makes
    Python objects per cell, which for a million-row plan costs more than planning it.
    Columns of other kinds (dates, categories) take the pandas path for the whole frame.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    renderers = [_csv_renderer(frame.iloc[:, i]) for i in range(frame.shape[1])]
    flat = not isinstance(frame.columns, pd.MultiIndex)
    if frame.shape[1] < 2 or not flat or any(render is None for render in renderers):
        # (one column: the csv module quotes an empty lone field, which this writer does not)
        neutralise_frame(frame).to_csv(path, index=False, encoding="utf-8-sig")
        return path
    header = [_quoted(neutralise(str(name))) for name in frame.columns]
    newline = os.linesep  # what to_csv ends lines with
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        handle.write(",".join(header) + newline)
        # Rows are rendered and written a chunk at a time: the working memory (joined text,
        # byte arrays, cell lists) stays a few megabytes that the allocator reuses, where
        # whole columns at once made hundreds of megabytes of fresh pages per column.
        for start in range(0, len(frame), _CHUNK_ROWS):
            stop = start + _CHUNK_ROWS
            chunk = [render(start, stop) for render in renderers]  # type: ignore[misc]
            handle.write(newline.join(map(",".join, zip(*chunk, strict=True))) + newline)
    return path


Renderer = Callable[[int, int], list[str]]


def _csv_renderer(column: pd.Series) -> Renderer | None:
    """A function giving the CSV text pandas would write for rows start:stop of the column
    (neutralised, quoted), or None for a kind of column left to pandas. Missing values are
    empty, as with to_csv."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iu":
        numbers = column.to_numpy()
        return lambda start, stop: _integer_cells(numbers[start:stop])
    if isinstance(dtype, np.dtype) and dtype.kind == "b":
        flags = column.to_numpy()
        return lambda start, stop: flags[start:stop].astype(str).tolist()
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        floats = column.to_numpy()
        return lambda start, stop: _float_cells(floats[start:stop])
    if isinstance(column.array, pd.arrays.IntegerArray | pd.arrays.BooleanArray):  # Int64 & co
        missing = column.isna().to_numpy()
        objects = column.astype(object).to_numpy()
        return lambda start, stop: [
            "" if gone else str(v)
            for v, gone in zip(objects[start:stop], missing[start:stop], strict=True)
        ]
    if not (dtype.kind == "O" or pd.api.types.is_string_dtype(dtype)):
        return None
    values = column.to_numpy(dtype=object)
    return lambda start, stop: _text_cells(values[start:stop])


def _float_cells(values: np.ndarray) -> list[str]:
    text = values.astype(str).astype(object)  # what to_csv does with numpy floats
    text[np.isnan(values)] = ""
    return text.tolist()


def _text_cells(values: np.ndarray) -> list[str]:
    """Object cells as CSV fields; text only (the usual case) is scanned by C code and only
    the cells to neutralise or quote are touched."""
    cells = values.tolist()
    try:
        joined = _SEPARATOR + _SEPARATOR.join(cells)  # TypeError: not all cells are text
    except TypeError:
        joined = None
    if joined is not None:
        quote: list[int] = []
        if any(char in joined for char in _CSV_SPECIAL):
            quote = _cells_with(cells, joined, _CSV_SPECIAL, first=False).tolist()
        if _RISKY_START.search(joined) is not None:
            for i in _cells_with(cells, joined, "".join(_DANGEROUS_START), first=True).tolist():
                cells[i] = neutralise(cells[i])
        for i in quote:
            cells[i] = '"' + cells[i].replace('"', '""') + '"'
        return cells
    # mixed cells (real Excel dates among text, missing values): what the csv module would
    # write for each object, after neutralising the text ones
    missing = pd.isna(values)
    return [
        "" if gone else _quoted(_object_text(neutralise(value)))
        for value, gone in zip(values, missing, strict=True)
    ]


def _integer_cells(values: np.ndarray) -> list[str]:
    """Integers as to_csv writes them (str of each); a small range (row numbers, positions in
    a case) through a table of its texts, which is cheaper than one str() per cell."""
    if len(values) == 0:
        return []
    low, high = int(values.min()), int(values.max())
    if high - low > len(values):
        return list(map(str, values.tolist()))
    texts = np.array(list(map(str, range(low, high + 1))), dtype=object)
    return texts[values - low].tolist()


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
_CHUNK_ROWS = 20_000  # rows rendered, joined and written at a time: memory the allocator reuses


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
