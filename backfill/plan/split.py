"""`backfill validate` and `backfill plan` on a large table: two processes, one file each.

The send order puts whole cases one after another, and every check after the case keys and
times are known looks at one case only. So once `normalise_keys_and_times` has run and
`timeline.case_ranks` has ranked the cases, the rows split into two contiguous stretches of
the plan: the cases ranked first (about half of the rows) and the rest. A forked child
finishes the second stretch (backfill/plan/forking.py) while this process finishes the first;
each writes its part of plan.csv and cases.csv, and the parts are joined end to end. The
invalid rows (in file order) and the summary counts come back from the child and are merged.

The files are byte for byte those of one process (tests/test_plan_split.py compares them).
Tables below `SPLIT_ROWS` rows, platforms without fork and BACKFILL_PROCESSES=1 take the
one-process path.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from backfill.config import Config
from backfill.errors import ExitStatus
from backfill.model import CASE_KEY
from backfill.plan import forking, normalise, timeline, validation
from backfill.plan.build import (
    Plan,
    exit_status_of,
    file_order,
    finish_plan,
    invalid_table,
    ordered_counts,
    plan_table,
    summary_text,
)
from backfill.plan.responses import (
    ParsedCells,
    check_source,
    parse_response_cells,
    reads_response_column,
)
from backfill.read.table import InputTable
from backfill.report.tables import append_file, write_csv

SPLIT_ROWS = 200_000  # below this, a second process costs more than it saves
PLAN_FILES = ("plan.csv", "cases.csv", "invalid.csv")


@dataclass
class PlanOutcome:
    """What the commands print and return after writing the plan's files."""

    summary: dict[str, Any]  # as Plan.summary()
    sources: list[str]
    config: Config
    files: list[Path]
    processes: int = 1

    def text(self) -> str:
        return summary_text(self.summary, self.sources, self.config)

    def exit_status(self) -> ExitStatus:
        return exit_status_of(self.summary)


def plan_and_write(
    table: InputTable,
    config: Config,
    folder: Path,
    *,
    files: Sequence[str] = PLAN_FILES,
    now: datetime | None = None,
    split_rows: int = SPLIT_ROWS,
) -> PlanOutcome:
    """Plan `table` and write `files` (some of plan.csv, cases.csv, invalid.csv) to `folder`."""
    try:
        return _plan_and_write(table, config, folder, files, now, split_rows)
    finally:
        forking.reap()  # children that sent their results and were still ending then


def _plan_and_write(
    table: InputTable,
    config: Config,
    folder: Path,
    files: Sequence[str],
    now: datetime | None,
    split_rows: int,
) -> PlanOutcome:
    check_source(config, None)
    now = now or datetime.now(UTC)
    unknown = set(files) - set(PLAN_FILES)
    if unknown:
        raise ValueError(f"unknown plan files: {sorted(unknown)}")
    frame = table.frame.reset_index(drop=True)  # copy-on-write: new columns stay ours
    columns = dict(table.columns)
    large = len(frame) >= split_rows and forking.available()
    # a forked child makes the case keys (and reads half the response dates) while this
    # process parses the times (and reads the other half)
    keys = _case_keys_child(frame, columns, config) if large else None
    try:
        frame, keyed, times = validation.normalise_keys_and_times(
            frame, columns, config, case_keys=keys.result if keys else None
        )
    finally:
        if keys:
            keys.cancel()  # only if the times failed: it has been waited for otherwise
    second = _second_stretch(frame, config) if large else None
    if second is None:
        plan = finish_plan(table, frame, keyed, times, config, now=now)
        written = _write(plan, folder, files, part=None)
        return PlanOutcome(plan.summary(), list(table.sources), config, written.files)

    responses = keys.responses() if keys else None

    def finish(rows: np.ndarray, part: int) -> _Part:
        plan = finish_plan(
            table, frame, keyed, times, config, now=now, rows=rows, parsed_responses=responses
        )
        return _write(plan, folder, files, part=part)

    child = forking.start(lambda: finish(np.flatnonzero(second), 1))
    try:
        mine = finish(np.flatnonzero(~second), 0)
        theirs = child.result()
        for name, path in theirs.parts.items():
            append_file(path, folder / name)
    except BaseException:
        child.cancel()
        raise
    finally:  # whichever process failed, and when: no part file stays behind
        for name in files:
            _part_path(folder, name).unlink(missing_ok=True)
    written = list(mine.files)
    if "invalid.csv" in files:
        invalid = pd.concat([mine.invalid, theirs.invalid])
        written.append(write_csv(_file_order(invalid, table.sources), folder / "invalid.csv"))
    summary = merge_summaries(mine.summary, theirs.summary, config)
    written.sort(key=lambda path: PLAN_FILES.index(path.name))
    return PlanOutcome(summary, list(table.sources), config, written, processes=2)


@dataclass
class _Part:
    summary: dict[str, Any]
    files: list[Path]  # final files written
    parts: dict[str, Path]  # file name -> part file to append to it (the second stretch's)
    invalid: pd.DataFrame | None  # the invalid.csv rows, for the caller to merge


def _write(plan: Plan, folder: Path, files: Sequence[str], *, part: int | None) -> _Part:
    """Write the plan's files. `part` None: one process, the final files. 0: the first
    stretch, final plan.csv and cases.csv. 1: the second stretch, part files to append
    (rows only: no BOM, no header).
    In both stretches the invalid rows are returned instead (merged in file order)."""
    written: list[Path] = []
    parts: dict[str, Path] = {}
    invalid = None
    for name in files:
        if name == "invalid.csv":
            if part is None:
                written.append(write_csv(invalid_table(plan), folder / name))
            else:
                invalid = invalid_table(plan)
            continue
        data = plan_table(plan) if name == "plan.csv" else plan.cases
        # each stretch is written by its own process: write_csv forks no more
        parallel = None if part is not None else SPLIT_ROWS
        if part == 1:
            path = _part_path(folder, name)
            parts[name] = write_csv(data, path, parallel_rows=parallel, header=False)
        else:
            written.append(write_csv(data, folder / name, parallel_rows=parallel))
    return _Part(plan.summary(), written, parts, invalid)


def _case_keys_child(frame: pd.DataFrame, columns: dict[str, str], config: Config) -> _KeysChild:
    """A child making normalise.case_keys of the id cells, and reading the first half of
    the response_date cells if the plan reads them; this process reads the other half when
    asked for the keys, having parsed the times (see _KeysChild.result)."""
    cells = validation.input_cells(frame, columns, "number_customergauge")
    dates = frame[columns["response_date"]] if reads_response_column(columns, config) else None
    half = len(frame) // 2

    def work() -> tuple[np.ndarray, Any, ParsedCells | None]:
        keys, ids = _packed(*normalise.case_keys(cells))
        return keys, ids, None if dates is None else parse_response_cells(dates.iloc[:half], config)

    return _KeysChild(forking.start(work), None if dates is None else dates.iloc[half:], config)


class _KeysChild:
    """The child making the case keys; `result()` waits for them."""

    def __init__(self, child: forking.Forked, dates: pd.Series | None, config: Config) -> None:
        self._child = child
        self._dates = dates  # this process's share of the response_date cells
        self._config = config
        self._responses: ParsedCells | None = None

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        """The keys and ids; first this process reads its share of the response dates (the
        child, with the keys to make as well, is still reading its share)."""
        mine = None if self._dates is None else parse_response_cells(self._dates, self._config)
        keys, ids, theirs = self._child.result(wait_for_end=False)  # reaped by plan_and_write
        if mine is not None and theirs is not None:
            self._responses = (
                np.concatenate([theirs[0], mine[0]]),
                np.concatenate([theirs[1], mine[1]]),
            )
        if isinstance(ids, str):
            ids = np.array(ids.split("\x00") if keys.size else [], dtype=object)
        return keys.astype(np.int64), ids

    def responses(self) -> ParsedCells | None:
        """parse_response_cells of all the response_date cells (after `result`), if read."""
        return self._responses

    def cancel(self) -> None:
        self._child.cancel()


def _packed(keys: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, Any]:
    """Case keys in a form that crosses the pipe fast: 32-bit keys, and the ids as one
    NUL-separated text when no id holds a NUL (pickling 200,000 strings one by one and
    waiting for them cost 0.15 s)."""
    small = keys.astype(np.int32) if len(ids) < 2**31 else keys
    joined = "\x00".join(ids)
    if len(ids) and joined.count("\x00") == len(ids) - 1:
        return small, joined
    return small, ids


def _part_path(folder: Path, name: str) -> Path:
    return folder / f".{name}.part"


def _second_stretch(frame: pd.DataFrame, config: Config) -> np.ndarray | None:
    """Rows of the cases ranked after the case that holds the middle row; None when one
    stretch would be (nearly) everything, e.g. one huge case."""
    ranks = timeline.case_ranks(frame, config)
    row_rank = ranks[frame[CASE_KEY].to_numpy(dtype=np.int64)]
    rows_by_rank = np.bincount(row_rank, minlength=len(ranks))
    cut = int(np.searchsorted(np.cumsum(rows_by_rank), len(frame) // 2))
    second = row_rank > cut
    share = second.mean() if len(second) else 0.0
    return second if 0.1 < share < 0.9 else None


def _file_order(rows: pd.DataFrame, sources: Sequence[str]) -> pd.DataFrame:
    """invalid.csv rows of both stretches in file order (as invalid_table sorts them)."""
    source, row = rows.columns[-3], rows.columns[-2]  # invalid_table: ..., source, row, error
    return rows.iloc[file_order(rows[source], rows[row], sources)]


def merge_summaries(
    first: Mapping[str, Any], second: Mapping[str, Any], config: Config
) -> dict[str, Any]:
    """Plan.summary() of the whole plan from those of its two stretches."""
    out: dict[str, Any] = {
        key: first[key] + second[key]
        for key in ("rows", "cases", "valid", "duplicate", "invalid", "blocked")
    }
    for key in ("by_code", "warnings"):
        out[key] = ordered_counts(Counter(first[key]) + Counter(second[key]))
    emails = {
        policy: first["assignment_emails"].get(policy, 0)
        + second["assignment_emails"].get(policy, 0)
        for policy in ("every", "last", "never")
    }
    emails["chosen"] = emails.get(config.send.assignee, 0)
    out["assignment_emails"] = emails
    out["response_dates_checked"] = (
        first["response_dates_checked"] and second["response_dates_checked"]
    )
    return out
