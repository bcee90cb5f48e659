"""The plan: every input row once, in send order, with what will happen to it and why.

`build_plan` reads the inputs; `plan_from_table` does the work on an already read table:
normalise the cells, attach response dates, order each case's timeline, validate, drop
duplicates, block what follows an invalid action, choose the assignee to send, and predict
the follow-up and close times CustomerGauge will show. The sending engine takes
`Plan.actions_by_case()`; `Plan.summary()` gives the counts the commands word
(backfill/cli/console.py), and backfill/plan/files.py writes the plan's files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from backfill.codes import Code
from backfill.config import Config, timezone_set
from backfill.errors import ExitStatus, Problem, Severity
from backfill.model import (
    CASE,
    CASE_KEY,
    CASE_SEQ,
    ERROR,
    HAPPENED_AT,
    IN_CASE,
    INTERNAL_COLUMNS,
    NOTE,
    ORIGIN_COLUMNS,
    OUTCOME,
    RESPONSE_TS,
    ROW,
    SEND_ASSIGNEE,
    SOURCE,
    STATUS,
    WARNING,
    Action,
    OnProgress,
    no_progress,
)
from backfill.plan import api_zone_order, timeline, validation
from backfill.plan.layout_check import check_shape
from backfill.plan.layouts import to_long
from backfill.plan.order import number_cases, send_order
from backfill.plan.predict import CASE_COLUMNS as PREDICTED_COLUMNS
from backfill.plan.predict import predict
from backfill.plan.responses import case_response_dates, check_source
from backfill.plan.step_order import step_problems
from backfill.plan.ties import tie_warnings
from backfill.plan.time_convention import TwoReadings
from backfill.plan.vocabulary import unknown_status_counts
from backfill.read.text_encoding import encoding_facts

if TYPE_CHECKING:
    from backfill.read.encoding_choice import Decision
    from backfill.read.table import InputTable

CASE_COLUMNS = [*PREDICTED_COLUMNS, "warnings"]


@dataclass
class Plan:
    """Every input row exactly once, in send order; see backfill/model.py for the columns."""

    frame: pd.DataFrame
    cases: pd.DataFrame
    problem_table: pd.DataFrame  # validation.PROBLEM_COLUMNS; `label` = index of `frame`
    original_columns: list[str]
    config: Config
    sources: list[str] = field(default_factory=list)
    assignment_emails: dict[str, int] = field(default_factory=dict)
    response_dates_known: bool = True
    columns: dict[str, str] = field(default_factory=dict)  # API field -> input column
    naive_times: int = 0  # happened_at cells without an offset, read in input.timezone
    # rows of the user's files before a wide or audit export became actions; None: read
    # as actions already (long, or a failures file)
    file_rows: int | None = None
    encodings: dict[str, str] = field(default_factory=dict)  # text source -> encoding read
    decisions: dict[str, Decision] = field(default_factory=dict)  # legacy ones decided

    def error_codes(self) -> pd.Series:
        """Per row with an error, the code of its first one (the one its ERROR text starts
        with), by the frame's index: what results.csv's rows are counted by."""
        table = self.problem_table
        errors = table[table["severity"].ne(Severity.WARNING)].drop_duplicates("label")
        return pd.Series(errors["code"].to_numpy(dtype=object), index=errors["label"].to_numpy())

    @cached_property
    def problems(self) -> list[Problem]:
        """Every error and warning as Problem records (built on first use: they can be many)."""
        table = self.problem_table
        if table.empty:
            return []
        sources = self.frame[SOURCE].reindex(table["label"]).to_numpy()
        rows = self.frame[ROW].reindex(table["label"]).to_numpy()
        return [
            Problem(
                code=Code(code),
                message=message,
                source=str(source),
                row=int(row),
                field=field_name or None,
                severity=Severity(severity),
            )
            for code, message, field_name, severity, source, row in zip(
                table["code"],
                table["message"],
                table["field"],
                table["severity"],
                sources,
                rows,
                strict=True,
            )
        ]

    def actions_by_case(self, only: pd.Index | None = None) -> list[list[Action]]:
        """The rows to send, grouped per case, each case's actions in timeline order; with
        `only`, just the rows of those keys (a resume: those the journal has not settled)."""
        rows = self.frame[self.frame[OUTCOME].eq("")]
        if only is not None:
            rows = rows[rows.index.isin(only)]
        grouped: list[list[Action]] = []
        current = None
        # each column as one list (pyarrow's to_pylist): iterating the string columns
        # themselves makes a Python call per cell
        for key, source, row, case, seq, status, happened_at, note, assignee in zip(
            rows.index.tolist(),
            *(
                rows[column].tolist()
                for column in (
                    SOURCE,
                    ROW,
                    CASE,
                    CASE_SEQ,
                    STATUS,
                    HAPPENED_AT,
                    NOTE,
                    SEND_ASSIGNEE,
                )
            ),
            strict=True,
        ):
            if case != current:
                grouped.append([])
                current = case
            grouped[-1].append(
                Action(
                    key=int(key),
                    source=str(source),
                    row=int(row),
                    case=str(case),
                    case_seq=int(seq),
                    status=str(status),
                    happened_at=happened_at or None,
                    note=note or None,
                    assignee=assignee or None,
                )
            )
        return grouped

    def summary(self) -> dict[str, Any]:
        outcome = self.frame[OUTCOME].value_counts()
        table = self.problem_table
        # blocked rows and dropped duplicates are counted as outcomes, not as errors
        counted = ~table["code"].isin([Code.BLOCKED, Code.DUPLICATE])
        errors = table[table["severity"].eq(Severity.ERROR) & counted]
        warnings = table[table["severity"].eq(Severity.WARNING)]
        emails = dict(self.assignment_emails)
        emails["chosen"] = emails.get(self.config.send.assignee, 0)
        return {
            "rows": len(self.frame),
            "cases": len(self.cases),
            "valid": int(outcome.get("", 0)),
            "duplicate": int(outcome.get("duplicate", 0)),
            "invalid": int(outcome.get("invalid", 0)),
            "blocked": int(outcome.get("blocked", 0)),
            "by_code": _counts(errors["code"]),
            "warnings": _counts(warnings["code"]),
            "assignment_emails": emails,
            "response_dates_checked": self.response_dates_known,
            "unknown_statuses": unknown_status_counts(self.frame, table),
            "naive_times": self.naive_times,
            "timezone": self.config.input.timezone,
            "timezone_set": timezone_set(self.config),
            **self.file_counts(),
            **encoding_facts(self.encodings, self.decisions),
        }

    def file_counts(self) -> dict[str, Any]:
        """What the file's rows became, for a wide or audit export: `file_rows` (tickets, or
        log rows), and `without_action`, those that became no action (tickets without a
        step time, log rows that change no status). Empty for rows read as actions."""
        if self.file_rows is None:
            return {}
        with_action = len(self.frame[[SOURCE, ROW]].drop_duplicates())
        return {
            "layout": self.config.input.layout,
            "file_rows": self.file_rows,
            "without_action": self.file_rows - with_action,
        }

    def exit_status(self) -> ExitStatus:
        """SPEC.md's exit status of a plan: 1 when a row is invalid or blocked."""
        summary = self.summary()
        failed = summary["invalid"] + summary["blocked"] > 0
        return ExitStatus.ROWS_FAILED if failed else ExitStatus.OK


def build_plan(
    inputs: Sequence[Path],
    config: Config,
    *,
    now: datetime | None = None,
    response_dates: Mapping[str, datetime] | None = None,
    on_progress: OnProgress = no_progress,
) -> Plan:
    """Read the input files and plan them (see plan_from_table)."""
    from backfill.config import required_fields
    from backfill.read.table import read_inputs

    check_source(config, response_dates)
    table = read_inputs(
        [Path(p) for p in inputs],
        config.input,
        required=required_fields(config),
        on_progress=on_progress,
    )
    cells = read_shaped_cells(table, config)
    return plan_cells(cells, config, now=now, response_dates=response_dates)


def read_shaped_cells(table: InputTable, config: Config) -> Cells:
    """read_cells for the user's own files, whose shape must fit the layout (a failures file
    of actions is long whatever its shape): refused before anything is planned or sent."""
    try:
        cells = read_cells(table, config)
    except TwoReadings:
        check_shape(table, config.input)  # (a ticket export's steps may need two readings)
        raise
    keys = np.where(cells.frame[IN_CASE].to_numpy(dtype=bool), cells.frame[CASE_KEY], -1)
    check_shape(table, config.input, keys)
    return cells


@dataclass
class Cells:
    """An input table with its cells read as API values (the first half of planning): its
    case ids and times tell which response dates to look up before the plan is finished."""

    table: InputTable  # in the long layout: one row per action
    columns: dict[str, str]  # API field -> input column
    frame: pd.DataFrame  # the input's columns plus CASE, STATUS, HAPPENED_TS, ...
    found: list[pd.DataFrame]  # the problems found reading the cells
    naive_times: int = 0  # happened_at cells without an offset, read in input.timezone
    file_rows: int | None = None  # rows of the files when reshaped (a wide or audit export)

    def case_ids(self) -> set[str]:
        """The case ids of the input (empty ids left out)."""
        cases = self.frame[CASE]
        return set(cases[cases.ne("")].unique().tolist())


def plan_from_table(
    table: InputTable,
    config: Config,
    *,
    now: datetime | None = None,
    response_dates: Mapping[str, datetime] | None = None,
) -> Plan:
    """Validate and order an input table; `now` bounds happened_at (default: the clock)."""
    check_source(config, response_dates)
    return plan_cells(read_cells(table, config), config, now=now, response_dates=response_dates)


def read_cells(table: InputTable, config: Config) -> Cells:
    """The input's cells as API values: case ids, statuses, times, notes, assignees."""
    try:
        long = to_long(table, config.input)  # a wide or audit export: one row per action
        columns = dict(long.columns)
        frame = long.frame.reset_index(drop=True)  # copy-on-write: new columns stay ours
        frame, found, naive_times = validation.normalise_cells(frame, columns, config)
        found.extend(step_problems(frame))  # a ticket export's steps out of their order
    except TwoReadings as exc:  # a time column read two ways: name the file too
        raise TwoReadings(f"{', '.join(table.sources)}: {exc}") from None
    reshaped = long is not table  # (a wide or audit export; not its failures file)
    return Cells(
        long,
        columns,
        frame,
        found,
        naive_times=naive_times,
        file_rows=len(table.frame) if reshaped else None,
    )


def plan_cells(
    cells: Cells,
    config: Config,
    *,
    now: datetime | None = None,
    response_dates: Mapping[str, datetime] | None = None,
) -> Plan:
    """Finish planning read cells: attach response dates, order, validate, block, predict."""
    now = now or datetime.now(UTC)
    table, columns, frame, found = cells.table, cells.columns, cells.frame, list(cells.found)
    try:
        dates = case_response_dates(frame, columns, config, response_dates)
    except TwoReadings as exc:  # a time column read two ways: name the file too
        raise TwoReadings(f"{', '.join(table.sources)}: {exc}") from None
    multi_source = len(set(table.sources)) > 1
    frame[RESPONSE_TS] = dates.per_row
    order = send_order(frame, table.sources, config)
    # From here on the index is the send order: the problems found so far are re-labelled.
    frame = frame.take(order).reset_index(drop=True)
    number_cases(frame)
    position = pd.Series(np.arange(len(order)), index=order)
    found = [p.assign(label=position.reindex(p["label"]).to_numpy()) for p in found if len(p)]
    unreadable = pd.Series(dates.unreadable.to_numpy()[order], index=frame.index)
    conflicting = pd.Series(dates.conflicting.to_numpy()[order], index=frame.index)

    found.extend(validation.time_problems(frame, columns, config, now))
    found.append(tie_warnings(frame, table.sources, config, columns, multi_source=multi_source))
    if dates.known:
        found.append(validation.missing_response_problems(frame, config))
    found.extend(validation.response_date_problems(frame, columns, unreadable, conflicting))

    errors = _concat(found)
    errors = errors[errors["severity"].eq(Severity.ERROR)]
    frame[OUTCOME] = pd.Series("", index=frame.index, dtype="str")
    frame.loc[frame.index.isin(errors["label"]), OUTCOME] = "invalid"
    found.extend(api_zone_order.fold_problems(frame, config, multi_source=multi_source))

    found.append(timeline.file_order_warnings(frame))
    if config.validation.duplicates == "drop":
        found.append(timeline.mark_duplicates(frame))
    if config.send.on_case_failure == "block":
        found.append(timeline.block_after_invalid(frame, multi_source=multi_source))
    found.extend(timeline.sequence_problems(frame, config, multi_source=multi_source))

    timeline.assign_senders(frame, config.send.assignee)
    emails = timeline.assignment_emails(frame)
    cases, warnings = predict(frame, config)
    found.extend(warnings)

    problems = _concat(found).sort_values("label", kind="stable").reset_index(drop=True)
    frame[ERROR] = _joined_problems(problems, frame.index, warning=False)
    frame[WARNING] = _joined_problems(problems, frame.index, warning=True)
    cases["warnings"] = _case_warnings(frame, problems, cases)
    return Plan(
        # (a retry's rows keep their origin: the export's file and row)
        frame=frame[[*table.original_columns, *INTERNAL_COLUMNS, *_present(frame, ORIGIN_COLUMNS)]],
        cases=cases[CASE_COLUMNS].reset_index(drop=True),
        problem_table=problems,
        original_columns=list(table.original_columns),
        config=config,
        sources=list(table.sources),
        assignment_emails=emails,
        response_dates_known=dates.known,
        columns=columns,
        naive_times=cells.naive_times,
        file_rows=cells.file_rows,
        encodings=dict(table.encodings),
        decisions=dict(table.decisions),
    )


def _present(frame: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    return [name for name in columns if name in frame.columns]


def _concat(found: list[pd.DataFrame]) -> pd.DataFrame:
    nonempty = [p for p in found if len(p)]
    return pd.concat(nonempty, ignore_index=True) if nonempty else validation.empty_problems()


def _joined_problems(problems: pd.DataFrame, index: pd.Index, *, warning: bool) -> pd.Series:
    """Per row, its errors (or warnings): "code: message" items joined with " | "."""
    chosen = problems[problems["severity"].eq(Severity.WARNING) == warning]
    items = chosen["code"] + ": " + chosen["message"]
    joined = _joined(items, chosen["label"].to_numpy(), " | ")
    return joined.reindex(index, fill_value="").astype(object)


def _case_warnings(frame: pd.DataFrame, problems: pd.DataFrame, cases: pd.DataFrame) -> pd.Series:
    """Per case, its warning codes with counts: "reopen 1, no-close-time 1"."""
    warnings = problems[problems["severity"].eq(Severity.WARNING)]
    keys = frame[CASE_KEY].reindex(warnings["label"]).to_numpy()
    counts = (
        pd.DataFrame({"key": keys, "code": warnings["code"].to_numpy()})
        .groupby(["key", "code"], sort=False)
        .size()
        .reset_index(name="n")
    )
    items = counts["code"] + " " + counts["n"].astype(str)
    return _joined(items, counts["key"].to_numpy(), ", ").reindex(cases.index, fill_value="")


def _joined(items: pd.Series, keys: np.ndarray, separator: str) -> pd.Series:
    """Per key, its items in order joined by `separator` (a groupby sum of texts)."""
    ended = items.astype("str") + separator
    return ended.groupby(keys, sort=False).sum().str.removesuffix(separator).astype(object)


def _counts(codes: pd.Series) -> dict[str, int]:
    """Counts per code as the summary lists them: most frequent first, then by code."""
    counts = {str(code): int(n) for code, n in codes.value_counts().items()}
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
