"""`backfill retry`: read back a failures.csv (or report.xlsx's Failures sheet) as input rows.

The file was written by backfill: the input's own columns first, then ``source``, ``row``,
``outcome`` and ``error`` (``backfill_…`` when the input had columns of those names; files of
older versions lack ``source`` and ``row``). Those are not input columns: ``source`` and
``row`` become each row's origin (model.ORIGIN_SOURCE/ORIGIN_ROW), and the quote that made
formula-like cells inert (``'=…``, ``'+…``, ``'-…``, ``'@…``, tab, CR) is taken off again,
so that the rows are exactly what the user wrote, plus whatever they fixed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from backfill.config import Config, required_fields
from backfill.errors import InputError
from backfill.formula_guard import unneutralise
from backfill.model import (
    CUT_BY_EXCEL,
    EXCEL_CUT_COLUMN,
    ORIGIN_COLUMNS,
    ORIGIN_ROW,
    ORIGIN_SOURCE,
    ROW,
    SOURCE,
)
from backfill.read.actions import action_columns
from backfill.read.table import EXCEL_SUFFIXES, InputTable, map_columns, own_columns, read_table


def read_failures(path: Path, config: Config) -> InputTable:
    """The rows of a failures file, as an input table with their original columns."""
    sheet = "Failures" if path.suffix.lower() in EXCEL_SUFFIXES else None
    frame = read_table(path, sheet=sheet)
    frame.columns = [unneutralise(str(c)) if c not in (SOURCE, ROW) else c for c in frame.columns]
    own = own_columns(frame)
    ours = [_ours(own, "outcome"), _ours(own, "error")]
    if None in ours:
        raise InputError(
            f"{path} is not a failures file written by backfill: it has no 'outcome' and "
            f"'error' columns (columns are: {', '.join(map(str, own))}); give the "
            "failures.csv or report.xlsx of an earlier run"
        )
    # source and row, written just before outcome (a user's own "source" column stays)
    before = own[max(0, own.index(str(ours[0])) - 2) : own.index(str(ours[0]))]
    placed = [_ours(own, name) for name in ("source", "row")]
    ours += [name for name in before if name in placed]
    _keep_origin(frame, *(name if name in before else None for name in placed))
    cut = _ours(own, EXCEL_CUT_COLUMN)
    if cut is not None:  # report.xlsx: cells Excel could not hold whole
        ours.append(cut)
        frame[CUT_BY_EXCEL] = frame[cut].map(lambda v: v.strip() if isinstance(v, str) else "")
    keep = [c for c in own if c not in ours]
    for name in keep:
        column = frame[name]
        if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
            frame[name] = column.astype(object).map(unneutralise)
    if frame.empty:
        raise InputError(f"{path} has no rows: there is nothing to retry")
    # the rows of a wide or audit export come back as actions (backfill/plan/layouts.py)
    columns = map_columns(
        keep,
        {**config.input.columns, **action_columns(keep)},
        required_fields(config),
        where=str(path),
    )
    return InputTable(
        frame=frame[
            [*keep, SOURCE, ROW, *ORIGIN_COLUMNS, *([CUT_BY_EXCEL] if cut else [])]
        ].reset_index(drop=True),
        columns=columns,
        original_columns=keep,
        sources=[str(path)],
    )


def _keep_origin(frame: pd.DataFrame, source: str | None, row: str | None) -> None:
    """ORIGIN_SOURCE and ORIGIN_ROW: the export's file and row that the failures file names
    for each row, so that a retry reports, journals and fails its rows under the export's own
    row (and `verify` knows which row each one fixed). Where the file names none (an older
    backfill's file, a cell the user cleared), the row is its own origin."""
    here_source, here_row = frame[SOURCE].astype(object), frame[ROW].astype("int64")
    if source is None or row is None:
        frame[ORIGIN_SOURCE], frame[ORIGIN_ROW] = here_source, here_row
        return
    names = frame[source].map(_cell_text).map(unneutralise).str.strip()
    numbers = pd.to_numeric(frame[row].map(_cell_text).str.strip(), errors="coerce")
    known = names.ne("") & numbers.notna() & numbers.ge(1) & numbers.mod(1).eq(0)
    frame[ORIGIN_SOURCE] = names.where(known, here_source).astype(object)
    frame[ORIGIN_ROW] = numbers.where(known, here_row).astype("int64")


def _cell_text(value: Any) -> str:
    return "" if pd.isna(value) else str(value)


def _ours(columns: list[str], name: str) -> str | None:
    prefixed = f"backfill_{name}"
    if prefixed in columns:
        return prefixed
    return name if name in columns else None
