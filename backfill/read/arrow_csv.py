"""pyarrow's CSV reader, where it reads a file exactly as pandas' C parser would.

It is several times faster and makes no Python object per cell; delimited.py falls back to
read_csv (which also words the errors) whenever `read_arrow` returns None.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    import pyarrow as pa

    from backfill.read.delimited import _Progress


def read_arrow(
    path: Path,
    delimiter: str,
    sample: str,
    skip: int,
    hidden: int,
    encoding: str,
    progress: _Progress,
    block_rows: int = 100_000,
) -> pd.DataFrame | None:
    """The file by pyarrow's CSV reader, as read_csv would give it; None (read_csv reads it
    then, and explains what is wrong) unless it is UTF-8 and every record, the header
    included, has the header's number of cells, with no two header cells alike.

    pyarrow keeps blank lines as rows of "" (so the row numbers stay true) and needs no
    Python object per cell; in the C engine every cell passes through one.
    """
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    if encoding not in ("utf-8", "utf-8-sig") or skip != hidden:
        return None  # (other encodings, and leading blank lines: read_csv's way)
    after_skip = "".join(sample.splitlines(keepends=True)[skip:])
    header = next(csv.reader(io.StringIO(after_skip, newline=""), delimiter=delimiter), [])
    if len(header) < 2:
        return None
    misfits: list[object] = []

    def misfit(row: object) -> str:
        misfits.append(row)
        return "skip"

    names = [f"f{i}" for i in range(len(header))]
    lines = max(sample.count("\n"), 1)
    line_bytes = len(sample.encode(encoding, "replace")) / lines
    options = {
        "read_options": pa_csv.ReadOptions(
            skip_rows=skip,
            column_names=names,
            block_size=int(min(2**20, max(line_bytes * block_rows, 2**10))),
        ),
        "parse_options": pa_csv.ParseOptions(
            delimiter=delimiter,
            quote_char='"',
            double_quote=True,
            newlines_in_values=True,
            ignore_empty_lines=False,
            invalid_row_handler=misfit,
        ),
        "convert_options": pa_csv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            null_values=[],
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    }
    batches: list[pa.RecordBatch] = []
    done = 0
    if progress.estimate is not None:
        progress.report(0, progress.estimate)
    try:
        with pa_csv.open_csv(path, **options) as reader:
            for batch in reader:
                if misfits:
                    return None
                batches.append(batch)
                done += batch.num_rows
                if progress.estimate is not None:
                    progress.report(max(done - 1, 0), max(progress.estimate, done - 1))
    except pa.ArrowInvalid:  # not UTF-8 after all, or a quote never closed
        return None
    if misfits or not batches or _opens_a_quote_at_the_end(path, batches[-1]):
        return None
    table = pa.Table.from_batches(batches).combine_chunks()
    found = [str(cell) for cell in table.slice(0, 1).to_pylist()[0].values()]
    if found != header or len(set(found)) < len(found):
        return None
    columns = [name or f"Unnamed: {i}" for i, name in enumerate(found)]
    frame: pd.DataFrame = table.slice(1).rename_columns(columns).to_pandas()
    if progress.estimate is not None:
        progress.report(len(frame), len(frame))
    return frame


def _opens_a_quote_at_the_end(path: Path, last: pa.RecordBatch) -> bool:
    """Whether a quote may be left open (pyarrow then reads to the end of the file as one
    cell, where read_csv refuses): an odd number of double quotes, or a line break in the
    last record."""
    import pyarrow.compute as pc

    quotes = 0
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            quotes += block.count(b'"')
    if quotes % 2:
        return True
    record = last.slice(last.num_rows - 1)
    return any(
        pc.any(pc.match_substring_regex(column, "[\r\n]")).as_py() for column in record.columns
    )
