"""Write tables a person will open in Excel: CSV and XLSX, safe from formula injection.

A cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run
by Excel (and LibreOffice, Google Sheets) as a formula when the file is opened. Such cells
are prefixed with a single quote, which spreadsheet programs show as text. Numbers (a
negative amount such as ``-3``) are left alone: they are not formulas.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

_DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


def neutralise(value: Any) -> Any:
    """Return `value` made inert for spreadsheets (only text can be a formula)."""
    if isinstance(value, str) and value.startswith(_DANGEROUS_START) and not _NUMBER.match(value):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells are neutralised; vectorised per text column."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
            text = column.astype("object")
            mask = text.map(_needs_quote, na_action="ignore").fillna(False).astype(bool)
            if mask.any():
                text = text.where(~mask, "'" + text[mask].astype(str))
                out[name] = text
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def _needs_quote(value: Any) -> bool:
    return (
        isinstance(value, str) and value.startswith(_DANGEROUS_START) and not _NUMBER.match(value)
    )


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """UTF-8 with BOM (so Excel reads accents right), neutralised, no index."""
    path.parent.mkdir(parents=True, exist_ok=True)
    neutralise_frame(frame).to_csv(path, index=False, encoding="utf-8-sig")
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
