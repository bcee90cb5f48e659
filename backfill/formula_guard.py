"""Write tables a person will open in Excel safe from formula injection: CSV here, and the
cells of report.xlsx through `neutralise` (backfill/report/workbook.py). Part of the kernel:
planning, reading (to undo the guard on a failures file), verification and the reports use it;
it imports nothing of backfill.

A cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run
by Excel (and LibreOffice, Google Sheets) as a formula when the file is opened. Such cells
are prefixed with a single quote, which spreadsheet programs show as text; so are cells that
already begin with quotes before such a character, so that `unneutralise` restores every
cell exactly. Numbers (a negative amount such as ``-3``) are left alone: they are not
formulas.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from backfill.model import CONTROL_CHARACTERS

if TYPE_CHECKING:
    import pyarrow as pa

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


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write `frame` as RFC 4180 CSV, neutralised, without the index: UTF-8 with a BOM (so
    Excel reads accents right), CRLF line ends, every text field in double quotes (pyarrow's
    writer quotes them all: a line break or a bare CR inside a note never ends a record),
    numbers bare, missing values empty."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_arrays(
        [_csv_column(frame.iloc[:, position]) for position in range(frame.shape[1])],
        names=[neutralise(str(name)) for name in frame.columns],
    )
    with path.open("wb") as handle:
        handle.write(codecs.BOM_UTF8)
        pa_csv.write_csv(table, handle, pa_csv.WriteOptions(eol="\r\n", quoting_style="needed"))
    return path


def _csv_column(column: pd.Series) -> pa.Array | pa.ChunkedArray:
    """One column for pyarrow's writer: numbers as they are, any other cell as its text
    (str of it, as pandas writes it), neutralised."""
    import pyarrow as pa

    if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype):
        return pa.array(column, from_pandas=True)  # (missing numbers are empty cells)
    if isinstance(column.dtype, pd.StringDtype):  # text already in pyarrow: no copy
        return neutralise_array(pa.array(column.array, from_pandas=True))
    cells = column.astype(object)
    try:
        text = pa.array(cells, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # dates, flags, numbers among the text
        text = pa.array(cells.map(str, na_action="ignore"), type=pa.string(), from_pandas=True)
    return neutralise_array(text)


def neutralise_array(text: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """`neutralise` of every cell of a pyarrow string array, in pyarrow's compute kernels."""
    import pyarrow as pa
    import pyarrow.compute as pc

    # the first character tells most cells apart at once; the pattern runs only if needed
    first = pc.utf8_slice_codeunits(text, 0, 1)
    if not pc.any(pc.is_in(first, pa.array(["'", *_DANGEROUS_START]))).as_py():
        return text
    risky = pc.fill_null(pc.match_substring_regex(text, _QUOTED_OR_FORMULA), False)
    if not pc.any(risky).as_py():
        return text
    number = pc.fill_null(pc.match_substring_regex(text, f"^{_NUMBER}$"), False)
    risky = pc.and_not(risky, number)
    quoted = pc.binary_join_element_wise(
        pa.scalar("'", type=text.type), text, pa.scalar("", type=text.type)
    )
    return pc.if_else(risky, quoted, text)


def visible_controls(text: str) -> str:
    """A worksheet (XML) cannot hold C0 control characters: show each as its U+2400 picture
    (form feed -> ␌, ESC -> ␛) instead of failing to write the workbook at all."""
    if CONTROL_CHARACTERS.search(text) is None:
        return text
    return CONTROL_CHARACTERS.sub(lambda match: chr(0x2400 + ord(match.group())), text)
