"""Text in report.xlsx exactly as it was: Excel's own escapes, and its cell limit made visible.

A worksheet is XML, and every XML reader turns a raw carriage return into a line feed (CRLF
into LF); control characters cannot be written at all. Excel's own form for them is
``_xHHHH_`` (CR is ``_x000D_``), which Excel, calamine and openpyxl's readers turn back into
the character, so report.xlsx writes that. Text that already looks like such an escape gets
its underscore escaped (``_x005F_``), as Excel does, so it too reads back as written.

A cell holds at most 32,767 characters (of its stored, escaped text: readers cut there).
A longer one is written cut, and the Failures sheet says so in a column of its own, so that
`backfill retry report.xlsx` refuses exactly those rows and points to failures.csv, which
holds them whole.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from backfill.formula_guard import neutralise
from backfill.model import EXCEL_CUT_COLUMN
from backfill.redact import redact

EXCEL_CELL_LIMIT = 32_767
# what needs Excel's escape: a literal escape's underscore, C0 controls but tab and line feed
_NEEDS_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)|[\x00-\x08\x0b-\x1f]")
_PARTIAL_ESCAPE = re.compile(r"_(?:x[0-9A-Fa-f]{0,4})?$")


def excel_escape(text: str) -> str:
    """`text` in Excel's stored form: CR as _x000D_, a literal _x0041_ as _x005F_x0041_."""
    return _NEEDS_ESCAPE.sub(lambda match: f"_x{ord(match.group()):04X}_", text)


def stored(text: str) -> str:
    """A text cell as report.xlsx stores it: redacted, made inert, in Excel's escaped form."""
    return excel_escape(neutralise(redact(text)))


def fitted(text: str) -> str:
    """`stored` text, cut to Excel's cell limit (never in the middle of an escape)."""
    cell = stored(text)
    if len(cell) <= EXCEL_CELL_LIMIT:
        return cell
    return _PARTIAL_ESCAPE.sub("", cell[:EXCEL_CELL_LIMIT])


def cut_cells(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series | None:
    """Per row of `frame`, which of `columns` Excel would cut ("note: 40,000 characters");
    None when no cell is too long (the usual case: no extra column)."""
    marks: dict[object, list[str]] = {}
    for name in columns:
        column = frame[name]
        if not (column.dtype == object or pd.api.types.is_string_dtype(column.dtype)):
            continue
        # storing at most multiplies the length by 7 (plus a quote): shorter texts are fine
        long = column.astype(object).str.len().gt(EXCEL_CELL_LIMIT // 7 - 1)
        for label, value in column[long.fillna(False).astype(bool)].items():
            if len(stored(value)) > EXCEL_CELL_LIMIT:
                marks.setdefault(label, []).append(f"{name}: {len(value):,} characters")
    if not marks:
        return None
    return pd.Series(
        [
            f"{'; '.join(marks[label])}, more than an Excel cell holds "
            f"({EXCEL_CELL_LIMIT:,}): cut here; failures.csv holds the whole text"
            if label in marks
            else ""
            for label in frame.index
        ],
        index=frame.index,
        dtype=object,
    )


def with_cut_column(failures: pd.DataFrame, retried: Sequence[str]) -> pd.DataFrame:
    """The Failures sheet's table: `failures`, plus EXCEL_CUT_COLUMN when a cell of the
    `retried` columns (the ones `retry` reads back) is too long for Excel."""
    marks = cut_cells(failures, retried)
    if marks is None:
        return failures
    return failures.assign(**{EXCEL_CUT_COLUMN: marks})
