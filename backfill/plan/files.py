"""The plan's files: plan.csv (every row in send order), cases.csv, invalid.csv.

`write_plan_files` is what `backfill plan` and `backfill validate` call; a script calls it
the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from backfill.formula_guard import write_csv
from backfill.model import (
    CASE,
    CASE_SEQ,
    ERROR,
    HAPPENED_AT,
    NOTE,
    OUTCOME,
    ROW,
    SEND_ASSIGNEE,
    SOURCE,
    STATUS,
    WARNING,
)
from backfill.plan.build import Plan

PLAN_FILES = ("plan.csv", "cases.csv", "invalid.csv")


def write_plan_files(plan: Plan, folder: Path, files: Sequence[str] = PLAN_FILES) -> list[Path]:
    """Write `files` (any of plan.csv, cases.csv and invalid.csv) to `folder`; the paths
    written, in that order."""
    unknown = set(files) - set(PLAN_FILES)
    if unknown:
        raise ValueError(f"unknown plan files: {sorted(unknown)}; choose from {PLAN_FILES}")
    written = []
    for name in (name for name in PLAN_FILES if name in files):
        if name == "plan.csv":
            table = plan_table(plan)
        elif name == "cases.csv":
            table = plan.cases
        else:
            table = invalid_table(plan)
        written.append(write_csv(table, Path(folder) / name))
    return written


PLAN_FILE_COLUMNS = {  # internal column -> readable name in plan.csv
    SOURCE: "source",
    ROW: "row",
    CASE: "number_customergauge",
    STATUS: "status",
    HAPPENED_AT: "happened_at",
    NOTE: "note",
    SEND_ASSIGNEE: "assignee",
    CASE_SEQ: "case_seq",
    OUTCOME: "outcome",
    ERROR: "error",
    WARNING: "warning",
}
TO_SEND = "send"  # how plan.csv shows the outcome "" (to be sent)


def plan_table(plan: Plan) -> pd.DataFrame:
    """plan.csv: rows in send order, the input's columns then the plan's (renamed readably)."""
    out = plan.frame[plan.original_columns]  # copy-on-write: adding columns copies nothing
    for internal, name in _readable_names(plan).items():
        out[name] = plan.frame[internal]
    outcome = _readable_names(plan)[OUTCOME]
    out[outcome] = out[outcome].where(out[outcome].ne(""), TO_SEND)
    return out


def invalid_table(plan: Plan) -> pd.DataFrame:
    """invalid.csv: the invalid and blocked rows in file order, with the reasons."""
    frame = plan.frame
    rows = frame[frame[OUTCOME].isin(["invalid", "blocked"])]
    rows = rows.iloc[file_order(rows[SOURCE], rows[ROW], plan.sources)]
    names = _readable_names(plan)
    out = rows[plan.original_columns]
    for internal in (SOURCE, ROW, ERROR):
        out[names[internal]] = rows[internal]
    return out


def file_order(source: pd.Series, row: pd.Series, sources: Sequence[str]) -> np.ndarray:
    """Positions that put rows in file order: by input file (in the order given), then row."""
    position = {name: i for i, name in enumerate(sources)}
    keys = pd.DataFrame({"source": source.map(position).to_numpy(), "row": row.to_numpy()})
    return keys.sort_values(["source", "row"], kind="stable").index.to_numpy()


def _readable_names(plan: Plan) -> dict[str, str]:
    """Internal column -> file column; prefixed with "plan_" where the input has that name.
    The time column says its zone: "happened_at (UTC)"."""
    taken = set(plan.original_columns)
    names = dict(PLAN_FILE_COLUMNS, **{HAPPENED_AT: f"happened_at ({plan.config.api.timezone})"})
    return {internal: f"plan_{name}" if name in taken else name for internal, name in names.items()}
