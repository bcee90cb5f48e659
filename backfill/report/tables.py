"""Write tables a person will open in Excel: CSV and XLSX, safe from formula injection.

A cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run
by Excel (and LibreOffice, Google Sheets) as a formula when the file is opened. Such cells
are prefixed with a single quote, which spreadsheet programs show as text; so are cells that
already begin with quotes before such a character, so that `unneutralise` restores every
cell exactly. Numbers (a negative amount such as ``-3``) are left alone: they are not
formulas.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

_DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?"
# A formula's first character, or quotes before one: the user's own "'=x" gets a quote
# too, so that `unneutralise` can tell it from a formula made inert and is its exact inverse.
_QUOTED_OR_FORMULA = r"^'*[=+\-@\t\r]"
_NUMBER_RE = re.compile(_NUMBER)
_QUOTED_OR_FORMULA_RE = re.compile(_QUOTED_OR_FORMULA)


def neutralise(value: Any) -> Any:
    """Return `value` made inert for spreadsheets (only text can be a formula)."""
    if (
        isinstance(value, str)
        and _QUOTED_OR_FORMULA_RE.match(value)
        and not _NUMBER_RE.fullmatch(value)
    ):
        return "'" + value
    return value


def unneutralise(value: Any) -> Any:
    """Undo `neutralise` on one cell read back from a file backfill wrote (``backfill retry``)."""
    if isinstance(value, str) and value[:1] == "'" and _QUOTED_OR_FORMULA_RE.match(value[1:]):
        return value[1:]
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with its text cells and column names neutralised.

    One vectorised step per text column: the cells that start like a formula and are not
    numbers get a leading quote; other cells (numbers, dates, missing) are left as they are.
    """
    out = frame.copy()
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        if not (column.dtype == object or pd.api.types.is_string_dtype(column.dtype)):
            continue
        cells = column.astype(object)
        try:
            text = cells.str  # non-text cells (numbers, dates, missing) give NaN below
        except AttributeError:  # not one text cell in the column
            continue
        risky = text.contains(_QUOTED_OR_FORMULA, na=False) & ~text.fullmatch(_NUMBER, na=False)
        if risky.any():
            cells = cells.copy()
            cells[risky] = "'" + cells[risky]
            out.isetitem(position, cells)
    out.columns = [neutralise(str(name)) for name in out.columns]
    return out


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write `frame` as RFC 4180 CSV: UTF-8 with a BOM (so Excel reads accents right), CRLF
    line ends, neutralised, no index. A field holding a comma, a quote, CR or LF is quoted:
    the csv module quotes the characters of the line end, so a bare CR (which Excel would
    take for a line break) is quoted too."""
    path.parent.mkdir(parents=True, exist_ok=True)
    neutralise_frame(frame).to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    return path


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
