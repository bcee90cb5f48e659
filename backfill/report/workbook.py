"""report.xlsx as a document a person opens: Summary, Results and Failures.

The Summary sheet (backfill/report/summary_sheet.py) reads top-down in plain words. Results
and Failures are the tables of results.csv and failures.csv, made readable: column widths
from their content (capped, long text wrapped), outcomes coloured, times as real date cells,
ids as text without Excel's "number stored as text" flags, frozen header and filters, and a
landscape fit-to-width print setup that repeats the header on every page.

Failures is read back by ``backfill retry``: its input columns are written as the text they
were read as (never turned into dates or numbers), only made inert where Excel would run
them as formulas (backfill.formula_guard.neutralise). Sheets are written in openpyxl's
write-only mode, which streams rows: the Results sheet may hold 100,000 of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._writer import WorksheetWriter  # (start_writing says why)
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.xml.functions import Element, SubElement

from backfill.formula_guard import neutralise, visible_controls
from backfill.model import UTC_OFFSET, Outcome
from backfill.report.summary import Summary

# Above this many rows the workbook holds Summary and Failures only: Excel's row limit and
# the time openpyxl needs for millions of cells would otherwise bite; results.csv has all.
XLSX_RESULTS_LIMIT = 100_000
# A sheet of a write-only workbook: openpyxl has no type information, and the class lives
# in a private module (openpyxl.worksheet._write_only), so it is named here and not imported.
WriteOnlySheet = Any
EXCEL_MAX_ROWS = 1_048_576

MAX_WIDTH = 40  # characters; longer cells wrap
MIN_WIDTH = 6
DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"
TIME_COLUMNS = ("sent_at",)  # our columns that hold a time (ISO 8601 UTC text in the CSV)

# (fill, font colour) per outcome: sent green, partial amber, not sent red, pending grey
OUTCOME_COLOURS: dict[str, tuple[str, str]] = {
    Outcome.SENT: ("C6EFCE", "006100"),
    Outcome.PARTIAL: ("FFEB9C", "9C5700"),
    Outcome.FAILED: ("FFC7CE", "9C0006"),
    Outcome.INVALID: ("FFC7CE", "9C0006"),
    Outcome.BLOCKED: ("FFC7CE", "9C0006"),
    Outcome.PENDING: ("D9D9D9", "404040"),
    Outcome.ALREADY_SENT: ("E2EFDA", "375623"),
    Outcome.DUPLICATE: ("EDEDED", "404040"),
}
HEADER_FILL = PatternFill("solid", fgColor="305496")
HEADER_FONT = Font(bold=True, color="FFFFFF")
THIN = Side(style="thin", color="BFBFBF")


def outcome_fill(outcome: str) -> PatternFill | None:
    colours = OUTCOME_COLOURS.get(outcome)
    return PatternFill("solid", fgColor=colours[0]) if colours else None


def outcome_font(outcome: str, **extra: Any) -> Font:
    colours = OUTCOME_COLOURS.get(outcome)
    return Font(color=colours[1] if colours else None, **extra)


def write_workbook(
    summary: Summary,
    results: pd.DataFrame,
    failures: pd.DataFrame,
    path: Path,
    *,
    results_limit: int = XLSX_RESULTS_LIMIT,
) -> Path:
    """Write report.xlsx: Summary, Results (up to `results_limit` rows) and Failures."""
    from backfill.report.summary_sheet import write_summary_sheet

    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = Workbook(write_only=True)
    notes: list[str] = []
    rows = len(results)
    if rows > results_limit:
        notes.append(
            f"This run has {rows:,} rows, more than the {results_limit:,} a workbook holds "
            "here: the Results sheet is left out; results.csv (next to this file) has every row."
        )
    shown_failures = failures
    if len(failures) >= EXCEL_MAX_ROWS:
        shown_failures = failures.iloc[: EXCEL_MAX_ROWS - 2]
        notes.append(
            f"The Failures sheet holds the first {len(shown_failures):,} of "
            f"{len(failures):,} rows to fix (Excel's limit); failures.csv has them all."
        )
    write_summary_sheet(workbook.create_sheet("Summary"), summary, notes)
    if rows <= results_limit:
        write_table_sheet(
            workbook.create_sheet("Results"),
            results,
            dates=TIME_COLUMNS,
            input_times=summary.time_columns,
        )
    write_table_sheet(workbook.create_sheet("Failures"), shown_failures, dates=())
    workbook.save(path)
    return path


def write_table_sheet(
    sheet: WriteOnlySheet,
    frame: pd.DataFrame,
    *,
    dates: Sequence[str],
    input_times: Sequence[str] = (),
) -> None:
    """One table: header, rows, and the readability and print settings of the module doc.
    Our columns named in `dates` (or backfill_<name>) become date cells in UTC; the input's
    columns named in `input_times` become date cells as written where a cell is an ISO 8601
    time without an offset (other cells stay the text they are)."""
    header = [str(c) for c in frame.columns]
    widths = column_widths(frame)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    landscape_fit_to_width(sheet)
    writer = start_writing(sheet)
    sheet.append([header_cell(sheet, name) for name in header])
    styles = _Styles(sheet)
    outcome_at = _position(header, "outcome")
    times: dict[int, str] = {
        header.index(name): "as written" for name in input_times if name in header
    }
    times.update({i: "utc" for name in dates if (i := _position(header, name)) is not None})
    columns = [
        _column_cells(
            frame.iloc[:, i], widths[i], styles, outcome=i == outcome_at, times=times.get(i)
        )
        for i in range(len(header))
    ]
    lines = row_lines(frame, widths)
    for number, row in enumerate(zip(*columns, strict=True), start=2):
        if lines[number - 2] > 1:
            sheet.row_dimensions[number].height = row_height(int(lines[number - 2]))
        sheet.append(row)
    last = f"{get_column_letter(max(len(header), 1))}{len(frame) + 1}"
    if header:
        sheet.auto_filter.ref = f"A1:{last}"
        sheet.print_title_rows = "1:1"
        # ids and row numbers read from text files stay text; Excel need not flag them
        writer.text_numbers_ref = f"A1:{last}"


def _position(header: Sequence[str], name: str) -> int | None:
    for candidate in (f"backfill_{name}", name):
        if candidate in header:
            return header.index(candidate)
    return None


class _Styles:
    """Styled cells by named style: setting fonts and fills cell by cell makes openpyxl
    look each one up again, which costs more than writing the cell; a named style is
    looked up once and copied onto each cell."""

    def __init__(self, sheet: WriteOnlySheet) -> None:
        self.sheet = sheet
        self.named: dict[str, NamedStyle] = {}

    def template(self, key: str) -> NamedStyle:
        style = self.named.get(key)
        if style is None:
            style = NamedStyle(name=f"backfill {key}")
            if key == "date":
                style.number_format = DATE_FORMAT
            elif key == "wrap":
                style.alignment = WRAP
            else:  # an outcome
                style.fill = outcome_fill(key)
                style.font = outcome_font(key, bold=True)
            if style.name not in self.sheet.parent.named_styles:  # (one per workbook)
                self.sheet.parent.add_named_style(style)
            self.named[key] = style
        return style

    def cell(self, value: Any, key: str) -> Any:
        cell = WriteOnlyCell(self.sheet, value=value)
        cell.style = self.template(key).name
        return cell


def _column_cells(
    column: pd.Series, width: float, styles: _Styles, *, outcome: bool, times: str | None
) -> list[Any]:
    """A column's cells: plain values, or styled cells (outcome colours, date cells, long
    text wrapped). `times`: "utc" (ISO 8601 times shown in UTC) or "as written" (those
    without an offset), None for a column that is not a time."""
    values = [cell_value(v) for v in column.tolist()]
    if times is not None:
        # text cells only: numbers would be read as nanoseconds since 1970
        text = column.astype(object).map(lambda v: v if isinstance(v, str) else None)
        if times == "as written":  # (a time with an offset stays text: no zone to show)
            text = text.where(~text.astype(str).str.contains(UTC_OFFSET, regex=True), None)
        parsed = pd.to_datetime(text, errors="coerce", utc=True, format="ISO8601")
        naive = parsed.dt.tz_localize(None).astype(object).where(parsed.notna(), None).tolist()
        return [
            styles.cell(when.to_pydatetime(), "date") if when is not None else value
            for value, when in zip(values, naive, strict=True)
        ]
    if outcome:
        return [
            styles.cell(value, str(value)) if value in OUTCOME_COLOURS else value
            for value in values
        ]
    return [
        styles.cell(value, "wrap") if isinstance(value, str) and len(value) > width else value
        for value in values
    ]


WRAP = Alignment(wrap_text=True, vertical="top")


def cell_value(value: Any) -> Any:
    """A frame's value as a cell value: missing values empty, text made inert, control
    characters shown as symbols (a worksheet cannot hold them)."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    if isinstance(value, pd.Timestamp):
        return value.tz_localize(None).to_pydatetime() if value.tzinfo else value.to_pydatetime()
    if isinstance(value, str):
        return neutralise(visible_controls(value))
    return value


def column_widths(frame: pd.DataFrame) -> list[float]:
    """Per column, the width of its longest cell or header (in characters), capped."""
    widths = []
    for position, name in enumerate(frame.columns):
        column = frame.iloc[:, position]
        longest = len(str(name))
        if len(column):
            lengths = column.dropna().astype(str).str.len()
            longest = max(longest, int(lengths.max()) if len(lengths) else 0)
        widths.append(float(min(max(longest + 2, MIN_WIDTH), MAX_WIDTH)))
    return widths


def row_lines(frame: pd.DataFrame, widths: Sequence[float]) -> np.ndarray:
    """Per row, the lines its tallest cell takes once long text wraps at its column's
    width: spreadsheet programs do not always grow a row to fit (LibreOffice does not when
    it opens a file), so the reports set the heights."""
    lines = np.ones(len(frame), dtype=np.int64)
    for position, width in enumerate(widths):
        column = frame.iloc[:, position]
        if not (column.dtype == object or pd.api.types.is_string_dtype(column.dtype)):
            continue
        text = column.fillna("").astype(str)
        lengths = text.str.len().to_numpy()
        if not len(lengths) or (lengths.max() <= width - 2 and not text.str.contains("\n").any()):
            continue
        wrapped = np.ceil(lengths / max(width - 2, 1)).astype(np.int64)
        breaks = text.str.count("\n").to_numpy() + 1
        lines = np.maximum(lines, np.maximum(wrapped, breaks))
    return lines


def row_height(lines: int) -> float:
    """Points for `lines` lines of the default 11-point font, within Excel's limit."""
    return min(15.0 * lines, 409.0)


def header_cell(sheet: WriteOnlySheet, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=neutralise(text))
    cell.font = HEADER_FONT
    cell.fill = HEADER_FILL
    cell.alignment = Alignment(vertical="center")
    cell.border = Border(bottom=THIN)
    return cell


def landscape_fit_to_width(sheet: WriteOnlySheet, *, landscape: bool = True) -> None:
    """Print on as many pages as it takes, but one page wide."""
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_margins.left = sheet.page_margins.right = 0.4


def start_writing(sheet: WriteOnlySheet) -> _SheetWriter:
    """Give `sheet` the writer that can also mark ranges whose numbers are stored as text.

    The one place that reaches into openpyxl's private parts (its writer class and a sheet's
    `_writer`): openpyxl has no public way to write <ignoredErrors>, and without it Excel
    flags every id read as text with a green "number stored as text" triangle.
    openpyxl writes a sheet's top (views, widths, page properties) when its first row comes,
    so everything of that kind must be set before this call."""
    writer = _SheetWriter(sheet)
    writer.write_top()
    sheet._writer = writer  # (openpyxl makes its own writer only when none is set)
    return writer


class _SheetWriter(WorksheetWriter):  # type: ignore[misc, unused-ignore]  # (untyped base)
    """openpyxl's writer, plus <ignoredErrors> (openpyxl does not write it): the range
    `text_numbers_ref` is not flagged "number stored as text"."""

    text_numbers_ref = ""

    def write_breaks(self) -> None:
        super().write_breaks()
        ref = self.text_numbers_ref
        if ref:  # (its place in the schema: right after the page breaks)
            ignored = Element("ignoredErrors")
            SubElement(ignored, "ignoredError", sqref=ref, numberStoredAsText="1")
            self.xf.send(ignored)
