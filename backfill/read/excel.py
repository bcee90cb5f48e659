"""Excel workbooks (.xlsx/.xlsm/.xls) read with python-calamine, keeping what each cell is.

Text cells come back as they are; numbers become text without a spurious ".0" (an id typed as
12345 must stay "12345"); real date cells become naive datetimes, so that the normaliser can
tell a date Excel knows from text that looks like one. calamine is used directly rather than
through pandas.read_excel: it tells where the data starts (true spreadsheet row numbers) and
avoids pandas' per-cell type inference.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pandas as pd

from backfill.errors import InputError
from backfill.model import OnProgress, ProgressEvent, no_progress

# ~200,000 rows of a typical export: above it the read reports its progress.
LARGE_WORKBOOK_BYTES = 8 * 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: .xls, or an encrypted .xlsx
_ENCRYPTED = (
    "is encrypted (password-protected); open it in Excel, remove the password (File > Info > "
    "Protect Workbook > Encrypt with Password, clear the box), save it, and run again"
)


def read_workbook(
    path: Path,
    *,
    sheet: str | int | None = None,
    header_row: int | None = None,
    on_progress: OnProgress = no_progress,
) -> pd.DataFrame:
    """One sheet as a frame of text/datetime cells, indexed by spreadsheet row number.

    The header is row `header_row` (1-based), or else the first non-empty row of the sheet
    (a title block above the header needs `header_row`); blank rows are kept as rows of ""
    (read_table drops them). `sheet` is a name or a 0-based index; None = first. A large
    workbook reports `on_progress` events (stage "reading NAME", rows): one before calamine
    parses the sheet in a native call that cannot report, then the rows turned into cells.
    """
    import python_calamine as calamine

    head = _head(path)
    if head.startswith(_CFB_MAGIC) and path.suffix.lower() == ".xls":
        _check_compound_file(path)
    stage = f"reading {path.name}" if _is_large(path) else None
    try:
        workbook = calamine.CalamineWorkbook.from_path(str(path))
        name = _choose_sheet(path, workbook.sheet_names, sheet, _first_visible(workbook))
        if stage is not None:
            on_progress(ProgressEvent(stage, 0, None, "rows"))
        data = workbook.get_sheet_by_name(name)  # calamine parses the whole sheet here
        start = data.start
        rows = data.to_python() if stage is None else _rows_with_progress(data, stage, on_progress)
    except calamine.PasswordError:
        raise InputError(f"{path} {_ENCRYPTED}") from None
    except calamine.CalamineError as exc:
        raise InputError(_explain_unreadable(path, head, exc)) from None
    except BaseException as exc:
        # A Rust panic inside calamine surfaces as pyo3's PanicException, a BaseException.
        if type(exc).__name__ != "PanicException":
            raise
        raise InputError(_explain_unreadable(path, head, exc)) from None
    if start is None or not rows:
        others = sheets_text(path)
        raise InputError(
            f"{path} (sheet '{name}') is empty: it has no header row; put the column names in "
            "the first row, or choose another sheet with input.sheet"
            + (f". {others}" if others else "")
        )
    first_row, first_col = start  # 0-based position of the top-left cell with data
    if head.startswith(_ZIP_MAGIC):
        _mark_formulas_without_value(path, name, rows, first_row, first_col)
    if header_row is not None:
        rows, first_row = _from_header_row(path, name, rows, first_row, header_row)
    frame = _frame_from_rows(rows)
    header_row = first_row + 1
    frame.index = pd.RangeIndex(header_row + 1, header_row + 1 + len(frame))
    frame.attrs.update(sheet=name, first_column=first_col)
    return frame


def _from_header_row(
    path: Path, sheet: str, rows: list[list[Any]], first_row: int, header_row: int
) -> tuple[list[list[Any]], int]:
    """The rows from `header_row` on (the title block above it left out), and its 0-based row."""
    skip = header_row - 1 - first_row
    if skip < 0 or skip >= len(rows) or not any(cell not in ("", None) for cell in rows[skip]):
        raise InputError(
            f"input.header_row is {header_row}, but row {header_row} of {path} (sheet "
            f"'{sheet}') is empty; the sheet's data starts at row {first_row + 1}: set "
            "input.header_row to the row of the column names"
        )
    return rows[skip:], header_row - 1


def sheet_sizes(path: Path) -> list[tuple[str, int]]:
    """Every worksheet of a workbook with its number of non-empty rows (header included)."""
    import python_calamine as calamine

    workbook = calamine.CalamineWorkbook.from_path(str(path))
    sizes = []
    for name in workbook.sheet_names:
        try:
            rows = workbook.get_sheet_by_name(name).to_python()
        except calamine.CalamineError:
            continue  # a chart sheet: no cells
        sizes.append((name, sum(1 for row in rows if any(c not in ("", None) for c in row))))
    return sizes


def sheets_text(path: Path) -> str:
    """For a message: every sheet with its row count, and the input.sheet line to pick one."""
    try:
        sizes = sheet_sizes(path)
    except Exception:  # (the message it serves is the error to show, never this one)
        return ""
    if len(sizes) < 2:
        return ""
    listed = ", ".join(f"'{name}' ({rows:,} rows)" for name, rows in sizes)
    largest = max(sizes, key=lambda size: size[1])[0]
    return (
        f"The workbook's sheets: {listed}. To read another, set it in the config: "
        f'input: {{sheet: "{largest}"}}'
    )


class FormulaWithoutValue(str):
    """An empty-looking cell that holds a formula no spreadsheet ever calculated: a file
    written by a program, not saved by Excel. Validation refuses its row, showing `formula`,
    rather than sending an empty note or status."""

    formula: str

    def __new__(cls, formula: str) -> FormulaWithoutValue:
        cell = super().__new__(cls, "")
        cell.formula = formula
        return cell


def _mark_formulas_without_value(
    path: Path, sheet: str, rows: list[list[Any]], first_row: int, first_col: int
) -> None:
    """Replace the cells of formulas saved without a cached value by FormulaWithoutValue.

    calamine gives such a cell as empty; only the sheet's XML tells it held a formula.
    """
    import zipfile
    from xml.etree import ElementTree

    try:
        with zipfile.ZipFile(path) as archive:
            part = _sheet_part(archive, sheet)
            if part is None:
                return
            data = archive.read(part)
    except (OSError, KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        return  # calamine read it: the values stand
    if b"<f" not in data:
        return
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    for _, cell in ElementTree.iterparse(io.BytesIO(data)):
        if cell.tag != f"{ns}c":
            continue
        formula = cell.find(f"{ns}f")
        value = cell.find(f"{ns}v")
        if formula is not None and (value is None or not (value.text or "")):
            row, col = _cell_position(cell.get("r", ""))
            r, c = row - first_row, col - first_col
            if 0 <= r < len(rows) and 0 <= c < len(rows[r]) and rows[r][c] in ("", None):
                rows[r][c] = FormulaWithoutValue("=" + (formula.text or ""))
        cell.clear()


def _sheet_part(archive: Any, sheet: str) -> str | None:
    """The zip member holding the worksheet named `sheet` (workbook.xml + its relations)."""
    from xml.etree import ElementTree

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rid = next(
        (s.get(f"{rel}id") for s in book.iter(f"{main}sheet") if s.get("name") == sheet), None
    )
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for item in rels:
        if item.get("Id") == rid:
            target = item.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


def _cell_position(ref: str) -> tuple[int, int]:
    """ "D2" -> (1, 3): 0-based row and column."""
    letters = "".join(ch for ch in ref if ch.isalpha())
    digits = "".join(ch for ch in ref if ch.isdigit())
    col = 0
    for ch in letters:
        col = col * 26 + (ord(ch.upper()) - 64)
    return (int(digits) - 1 if digits else -1), col - 1


def _check_compound_file(path: Path) -> None:
    """Check the container of an .xls before calamine opens it.

    calamine trusts the sector chains of an OLE compound file: a damaged one can make it ask
    for gigabytes and abort the whole process instead of raising. xlrd's pure-Python reader of
    the container checks those chains (leniently, as Excel does) and raises instead.
    """
    import io

    from xlrd.compdoc import CompDoc

    try:
        document = CompDoc(
            path.read_bytes(), logfile=io.StringIO(), ignore_workbook_corruption=True
        )
        stream = document.locate_named_stream("Workbook")[0]
        if stream is None:  # Excel 5/95 names the stream "Book"
            stream = document.locate_named_stream("Book")[0]
    except Exception:  # CompDocError, struct.error, RecursionError... on damaged structures
        raise InputError(
            f"{path} is damaged or not a complete Excel workbook (its internal file structure "
            "is broken); open it in Excel and save it again, or export it again"
        ) from None
    if stream is None:
        raise InputError(
            f"{path} is an Office file but holds no Excel workbook (a Word or other document "
            "named .xls?); export the data from Excel again"
        )


def _head(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(8)


def _first_visible(workbook: Any) -> str | None:
    """The first worksheet a person sees when opening the file (hidden ones and charts aside)."""
    from python_calamine import SheetTypeEnum, SheetVisibleEnum

    for meta in workbook.sheets_metadata:
        if meta.visible == SheetVisibleEnum.Visible and meta.typ == SheetTypeEnum.WorkSheet:
            return str(meta.name)
    return None


def _choose_sheet(
    path: Path, names: list[str], sheet: str | int | None, default: str | None = None
) -> str:
    if not names:
        raise InputError(f"{path} has no sheets; save it again from Excel")
    if sheet is None:
        return default or names[0]
    if isinstance(sheet, int) and not isinstance(sheet, bool):
        if 0 <= sheet < len(names):
            return names[sheet]
    else:
        wanted = str(sheet)
        if wanted in names:
            return wanted
        folded = {n.strip().casefold(): n for n in names}
        if wanted.strip().casefold() in folded:
            return folded[wanted.strip().casefold()]
    listed = ", ".join(f"'{n}'" for n in names)
    what = f"index {sheet} (0-based)" if isinstance(sheet, int) else f"'{sheet}'"
    raise InputError(
        f"sheet {what} not found in {path}; its sheets are: {listed}; set input.sheet to one "
        "of these names (or a 0-based index)"
    )


def _is_large(path: Path) -> bool:
    return path.stat().st_size > LARGE_WORKBOOK_BYTES


def _rows_with_progress(data: Any, stage: str, on_progress: OnProgress) -> list[list[Any]]:
    total = int(data.height)
    rows: list[list[Any]] = []
    step = 10_000
    for count, row in enumerate(data.iter_rows(), start=1):
        rows.append(row)
        if count % step == 0:
            on_progress(ProgressEvent(stage, count, total, "rows"))
    on_progress(ProgressEvent(stage, len(rows), len(rows), "rows"))
    return rows


def _explain_unreadable(path: Path, head: bytes, exc: BaseException) -> str:
    suffix = path.suffix.lower()
    if not head:
        return f"{path} is empty (0 bytes); export the workbook again"
    if suffix in (".xlsx", ".xlsm") and not head.startswith(_ZIP_MAGIC):
        if head.startswith(_CFB_MAGIC):
            return (
                f"{path} is not an .xlsx workbook but an old-style or encrypted Office file: if "
                f"it has a password, remove it in Excel; if it is an Excel 97-2003 file, rename "
                f"it to .xls ({exc})"
            )
        looks = "text (perhaps a CSV export)" if _is_text(head) else "something else"
        return (
            f"{path} is not an Excel workbook: an .xlsx file is a zip archive, but this one is "
            f"{looks}; if it is a CSV export, rename it to .csv, otherwise save it again from "
            "Excel as .xlsx"
        )
    if suffix == ".xls" and head.startswith(_ZIP_MAGIC):
        return f"{path} is an .xlsx workbook named .xls; rename it to .xlsx and run again"
    return (
        f"{path} is damaged or not a complete Excel workbook ({exc}); open it in Excel and "
        "save it again, or export it again"
    )


def _is_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(32 <= b < 127 or b in b"\t\r\n" for b in head[:8]) or head.startswith(
        b"\xef\xbb\xbf"
    )


# --- cells -----------------------------------------------------------------------------------


def _frame_from_rows(rows: list[list[Any]]) -> pd.DataFrame:
    header = _header_names(rows[0])
    width = len(header)
    body = rows[1:]
    columns: dict[str, list[Any]] = {}
    if body:
        transposed = list(zip(*body, strict=False))
        for index, name in enumerate(header):
            cells = transposed[index] if index < len(transposed) else ("",) * len(body)
            columns[name] = [c if type(c) is str else cell_value(c) for c in cells]
    else:
        columns = {name: [] for name in header}
    return pd.DataFrame(columns, dtype=object, columns=header[:width])


def _header_names(cells: list[Any]) -> list[str]:
    names: list[str] = []
    seen: dict[str, int] = {}
    for index, cell in enumerate(cells):
        value = cell_value(cell)
        text = value.isoformat(sep=" ") if isinstance(value, dt.datetime) else str(value)
        text = text.strip() or f"Unnamed: {index}"
        # Same convention as pandas.read_csv for repeated names: "Notes", "Notes.1"
        if text in seen:
            seen[text] += 1
            text = f"{text}.{seen[text]}"
        seen.setdefault(text, 0)
        names.append(text)
    return names


def cell_value(value: Any) -> Any:
    """A calamine cell as backfill keeps it: text, or a naive datetime for real date cells."""
    kind = type(value)
    if kind is str or kind is FormulaWithoutValue:
        return value
    if kind is float:
        # beyond 15 significant digits Excel has rounded the number: shown as Excel shows it
        # (1.2345678901234568e+19), so that validation can say the id lost its digits
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if kind is bool:
        return "TRUE" if value else "FALSE"
    if kind is int:
        return str(value)
    if kind is dt.datetime:
        return value.replace(tzinfo=None) if value.tzinfo else value
    if kind is dt.date:
        return dt.datetime(value.year, value.month, value.day)
    if kind is dt.time:
        return value.isoformat()
    if value is None:
        return ""
    return str(value)
