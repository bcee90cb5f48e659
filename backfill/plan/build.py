"""The plan: every input row once, in send order, with what will happen to it and why.

`build_plan` reads the inputs; `plan_from_table` does the work on an already read table:
normalise the cells, attach response dates, order each case's timeline, validate, drop
duplicates, block what follows an invalid action, choose the assignee to send, and predict
the follow-up and close times CustomerGauge will show. The sending engine takes
`Plan.actions_by_case()`; the commands print `Plan.summary()`, and backfill/plan/split.py
writes the plan's files.
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

from backfill.config import Config
from backfill.errors import ExitStatus, Problem
from backfill.model import (
    ASSIGNEE,
    CASE,
    CASE_SEQ,
    ERROR,
    HAPPENED_AT,
    INTERNAL_COLUMNS,
    NOTE,
    OUTCOME,
    RESPONSE_TS,
    ROW,
    SEND_ASSIGNEE,
    SOURCE,
    STATUS,
    WARNING,
    Action,
)
from backfill.plan import timeline, validation
from backfill.plan.responses import ParsedCells, case_response_dates, check_source
from backfill.plan.vocabulary import unknown_status_counts, unknown_statuses_text

if TYPE_CHECKING:
    from backfill.plan.normalise import ParsedTimes
    from backfill.read.table import InputTable

CASE_COLUMNS = [
    "number_customergauge",
    "actions",
    "to_send",
    "first_at",
    "last_at",
    "final_status",
    "final_assignee",
    "response_at",
    "follow_up_at",
    "closed_at",
    "time_to_follow_up_h",
    "time_to_close_h",
    "reopens",
    "warnings",
]


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
                code=code,
                message=message,
                source=str(source),
                row=int(row),
                field=field_name or None,
                severity="warning" if severity == validation.WARNING else "error",
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

    def actions_by_case(self) -> list[list[Action]]:
        """The rows to send, grouped per case, each case's actions in timeline order."""
        rows = self.frame[self.frame[OUTCOME].eq("")]
        grouped: list[list[Action]] = []
        current = None
        for key, source, row, case, seq, status, happened_at, note, assignee in zip(
            rows.index,
            rows[SOURCE],
            rows[ROW],
            rows[CASE],
            rows[CASE_SEQ],
            rows[STATUS],
            rows[HAPPENED_AT],
            rows[NOTE],
            rows[SEND_ASSIGNEE],
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
        outcome = self.frame[OUTCOME].value_counts()  # one pass over a million rows
        table = self.problem_table
        errors = table[table["severity"].eq(validation.ERROR) & table["code"].ne("blocked")]
        warnings = table[table["severity"].eq(validation.WARNING)]
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
        }

    def exit_status(self) -> ExitStatus:
        return exit_status_of(self.summary())


def exit_status_of(summary: Mapping[str, Any]) -> ExitStatus:
    """SPEC.md's exit status of a plan, from its summary: 1 when a row is invalid or blocked."""
    failed = summary["invalid"] + summary["blocked"] > 0
    return ExitStatus.ROWS_FAILED if failed else ExitStatus.OK


def build_plan(
    inputs: Sequence[Path],
    config: Config,
    *,
    now: datetime | None = None,
    response_dates: Mapping[str, datetime] | None = None,
    progress: bool = False,
) -> Plan:
    """Read the input files and plan them (see plan_from_table)."""
    check_source(config, response_dates)
    table = read_plan_input(inputs, config, progress=progress)
    return plan_from_table(table, config, now=now, response_dates=response_dates)


def read_plan_input(
    inputs: Sequence[Path], config: Config, *, progress: bool = False
) -> InputTable:
    """Read the input files with the columns the plan requires."""
    from backfill.config import required_fields
    from backfill.read.table import read_inputs

    return read_inputs(
        [Path(p) for p in inputs],
        config.input,
        required=required_fields(config),
        progress=progress,
    )


def plan_from_table(
    table: InputTable,
    config: Config,
    *,
    now: datetime | None = None,
    response_dates: Mapping[str, datetime] | None = None,
) -> Plan:
    """Validate and order an input table; `now` bounds happened_at (default: the clock)."""
    check_source(config, response_dates)
    frame = table.frame.reset_index(drop=True)  # copy-on-write: new columns stay ours
    frame, keyed, times = validation.normalise_keys_and_times(frame, dict(table.columns), config)
    return finish_plan(
        table,
        frame,
        keyed,
        times,
        config,
        now=now or datetime.now(UTC),
        response_dates=response_dates,
    )


def finish_plan(
    table: InputTable,
    frame: pd.DataFrame,
    keyed: list[pd.DataFrame],
    times: ParsedTimes,
    config: Config,
    *,
    now: datetime,
    response_dates: Mapping[str, datetime] | None = None,
    rows: np.ndarray | None = None,
    parsed_responses: ParsedCells | None = None,
) -> Plan:
    """plan_from_table after `validation.normalise_keys_and_times`: `frame` is the table's
    rows with keys and times normalised, `keyed` the problems found doing so (labels =
    positions in `frame`) and `times` the parsed times. `rows` (positions, whole cases)
    plans those rows only (backfill/plan/split.py); None plans all. `parsed_responses`:
    responses.parse_response_cells of all the rows' response_date cells, when already read.
    """
    columns = dict(table.columns)
    sources = list(table.sources)
    multi_source = len(set(sources)) > 1

    # The send order is made from a few columns; then every column is put in that order at
    # once (reordering a million scattered text cells is the costly part).
    light = pd.DataFrame(
        {name: frame[name] for name in timeline.ORDER_COLUMNS if name != STATUS}, copy=False
    )
    light["_raw_status"] = validation.input_cells(frame, columns, "status")
    light[CASE] = frame[CASE]
    for name in ("response_date", "note", "assignee"):
        if name in columns:
            light[columns[name]] = frame[columns[name]]
    if rows is not None:
        light = light.take(rows).reset_index(drop=True)
        keyed = _problems_of(keyed, rows)
    light[STATUS], status_problems = validation.normalise_status(
        light["_raw_status"], columns, config
    )
    # Cells are read in file order: in send order they are scattered in memory, and
    # parsing the response dates or checking the assignees took two to three times as long.
    if parsed_responses is not None and rows is not None:
        parsed_responses = (parsed_responses[0][rows], parsed_responses[1][rows])
    dates = case_response_dates(light, columns, config, response_dates, parsed_responses)
    light, assignee_problems = validation.normalise_notes_and_assignees(light, columns, config)
    light[HAPPENED_AT] = times.text_of(rows)
    ordered = timeline.send_order(light, sources, config)
    order = ordered.order
    frame = frame.take(order if rows is None else rows[order]).reset_index(drop=True)
    frame[CASE] = validation.text_column(frame[CASE].to_numpy(dtype=object), frame.index)
    frame[STATUS] = validation.text_column(light[STATUS].to_numpy(dtype=object)[order], frame.index)
    ordered.number(frame)
    # From here on, the index is the send order: problems found so far are re-labelled.
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    found = [
        p.assign(label=position[p["label"].to_numpy(dtype=np.int64)])
        for p in (keyed[0], status_problems, *keyed[1:], assignee_problems)
        if len(p)
    ]
    for name in (NOTE, ASSIGNEE, HAPPENED_AT):
        frame[name] = validation.text_column(light[name].to_numpy(dtype=object)[order], frame.index)

    frame[RESPONSE_TS] = dates.per_row.array.take(order)
    frame["_response_unreadable"] = dates.unreadable.to_numpy()[order]
    frame["_response_conflict"] = dates.conflicting.to_numpy()[order]

    found.extend(validation.time_problems(frame, columns, config, now))
    if dates.known:
        found.append(validation.missing_response_problems(frame, config))
    # messages are built for the flagged rows only: a million rows of text cost seconds
    response_column = columns.get("response_date", "response_date")
    unreadable = frame["_response_unreadable"]
    if "response_date" in columns and unreadable.any():
        cells = frame.loc[unreadable, response_column].astype(str).astype(object)
        found.append(
            validation.problems_where(
                unreadable,
                validation.BAD_RESPONSE_DATE,
                "cannot read the survey response date "
                + cells.map(repr)
                + "; the case is treated as having none",
                response_column,
                validation.WARNING,
            )
        )
    conflicting = frame["_response_conflict"]
    if conflicting.any():
        found.append(
            validation.problems_where(
                conflicting,
                validation.RESPONSE_DATE_CONFLICT,
                "case "
                + frame.loc[conflicting, CASE].astype(object)
                + " has several survey response dates; the earliest is used",
                response_column,
                validation.WARNING,
            )
        )

    nonempty = [p for p in found if len(p)]
    errors = pd.concat(nonempty, ignore_index=True) if nonempty else validation.empty_problems()
    errors = errors[errors["severity"].eq(validation.ERROR)]
    frame[OUTCOME] = validation.text_column("", frame.index)
    frame.loc[frame.index.isin(errors["label"].to_numpy()), OUTCOME] = "invalid"

    found.append(timeline.file_order_warnings(frame))
    if config.validation.duplicates == "drop":
        found.append(timeline.mark_duplicates(frame, config.api.timezone))
    if config.send.on_case_failure == "block":
        found.append(timeline.block_after_invalid(frame, multi_source=multi_source))
    found.extend(timeline.sequence_problems(frame, config, multi_source=multi_source))

    timeline.assign_senders(frame, config.send.assignee)
    emails = timeline.assignment_emails(frame)
    cases, warnings = timeline.predict(frame, config)
    found.extend(warnings)

    nonempty = [p for p in found if len(p)]
    problems = pd.concat(nonempty, ignore_index=True) if nonempty else validation.empty_problems()
    problems = problems.sort_values("label", kind="stable").reset_index(drop=True)
    _fill_texts(frame, problems)
    cases["warnings"] = _case_warnings(frame, problems, cases)
    frame = frame[[*table.original_columns, *INTERNAL_COLUMNS]]
    return Plan(
        frame=frame,
        cases=cases[CASE_COLUMNS].reset_index(drop=True),
        problem_table=problems,
        original_columns=list(table.original_columns),
        config=config,
        sources=list(table.sources),
        assignment_emails=emails,
        response_dates_known=dates.known,
    )


def _problems_of(found: list[pd.DataFrame], rows: np.ndarray) -> list[pd.DataFrame]:
    """The problems of `rows`, labelled by position among them."""
    size = int(rows.max()) + 1 if len(rows) else 0
    position = np.full(max(size, 1), -1, dtype=np.int64)
    position[rows] = np.arange(len(rows))
    out = []
    for problems in found:
        labels = problems["label"].to_numpy(dtype=np.int64)
        inside = labels < size
        inside[inside] = position[labels[inside]] >= 0
        out.append(problems[inside].assign(label=position[labels[inside]]))
    return out


def _fill_texts(frame: pd.DataFrame, problems: pd.DataFrame) -> None:
    """ERROR and WARNING columns: "code: message" items joined with " | "."""
    frame[ERROR] = validation.text_column("", frame.index)
    frame[WARNING] = validation.text_column("", frame.index)
    if problems.empty:
        return
    items = _joined_pairs(problems["code"], problems["message"], ": ")
    is_warning = problems["severity"].eq(validation.WARNING)
    for column, mask in ((ERROR, ~is_warning), (WARNING, is_warning)):
        if not mask.any():
            continue
        labels = problems.loc[mask, "label"].to_numpy()
        texts = items[mask].to_numpy()
        # most rows have one problem: only the others need a (slow, per-group) join
        several = pd.Series(labels).duplicated(keep=False).to_numpy()
        single = ~several
        frame.loc[labels[single], column] = texts[single]
        if several.any():
            joined = pd.Series(texts[several]).groupby(labels[several]).agg(" | ".join)
            frame.loc[joined.index, column] = joined.to_numpy()


def _case_warnings(frame: pd.DataFrame, problems: pd.DataFrame, cases: pd.DataFrame) -> Any:
    """Per case, its warning codes with counts: "reopen 1, no-close-time 1"."""
    warnings = problems[problems["severity"].eq(validation.WARNING)]
    if warnings.empty:
        return ""
    keys = frame[timeline.CASE_KEY].reindex(warnings["label"]).to_numpy()
    counts = (
        pd.DataFrame({"key": keys, "code": warnings["code"].to_numpy()})
        .groupby(["key", "code"], sort=False)
        .size()
        .reset_index(name="n")
    )
    counts["item"] = _joined_pairs(counts["code"], counts["n"], " ")
    several = counts["key"].duplicated(keep=False)
    text = pd.concat(
        [
            counts.loc[~several].set_index("key")["item"],
            counts.loc[several].groupby("key", sort=False)["item"].agg(", ".join),
        ]
    )
    return text.reindex(cases.index).fillna("").to_numpy()


def _joined_pairs(first: pd.Series, second: pd.Series, separator: str) -> pd.Series:
    """f"{first}{separator}{second}" per row, made once per distinct pair: the codes are a
    handful, the counts and most messages repeat (a re-open warning on 100,000 rows)."""
    first_codes, first_values = pd.factorize(first.to_numpy(dtype=object))
    second_codes, second_values = pd.factorize(second.to_numpy(dtype=object))
    if (first_codes < 0).any() or (second_codes < 0).any():  # (missing values: not expected)
        texts = [f"{a}{separator}{b}" for a, b in zip(first, second, strict=True)]
        return pd.Series(texts, index=first.index, dtype=object)
    pair_codes, pairs = pd.factorize(first_codes * (len(second_values) + 1) + second_codes)
    texts = np.array(
        [
            f"{first_values[p // (len(second_values) + 1)]}{separator}"
            f"{second_values[p % (len(second_values) + 1)]}"
            for p in pairs.tolist()
        ],
        dtype=object,
    )
    return pd.Series(
        texts[pair_codes] if len(pair_codes) else texts, index=first.index, dtype=object
    )


def _counts(codes: pd.Series) -> dict[str, int]:
    return ordered_counts({str(code): int(n) for code, n in codes.value_counts().items()})


def ordered_counts(counts: Mapping[str, int]) -> dict[str, int]:
    """Counts per code as the summary lists them: most frequent first, then by code."""
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


# --- what the commands print and write ------------------------------------------------------

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


def format_summary(plan: Plan) -> str:
    """One line: "history.csv: 212 rows, 64 cases; 205 valid, 5 invalid (unknown-status 1,
    ...), 2 blocked; warnings: reopen 3; assignment e-mails: 38 (send.assignee: every; ...)"."""
    return summary_text(plan.summary(), plan.sources, plan.config)


def summary_text(s: dict[str, Any], sources: Sequence[str], config: Config) -> str:
    """format_summary of a summary (Plan.summary) of the plan of `sources`."""
    names = ", ".join(dict.fromkeys(Path(source).name for source in sources)) or "input"
    parts = [f"{s['valid']} valid"]
    if s["duplicate"]:
        parts.append(f"{s['duplicate']} duplicate")
    invalid = f"{s['invalid']} invalid"
    if s["by_code"]:
        invalid += " (" + ", ".join(f"{c} {n}" for c, n in s["by_code"].items()) + ")"
    parts += [invalid, f"{s['blocked']} blocked"]
    warnings = ", ".join(f"{c} {n}" for c, n in s["warnings"].items()) or "none"
    emails = s["assignment_emails"]
    chosen = config.send.assignee
    others = "; ".join(f"{p}: {emails[p]}" for p in ("every", "last", "never") if p != chosen)
    text = (
        f"{names}: {_plural(s['rows'], 'row')}, {_plural(s['cases'], 'case')}; "
        f"{', '.join(parts)}; "
        f"warnings: {warnings}; "
        f"assignment e-mails: {emails['chosen']} (send.assignee: {chosen}; {others})"
    )
    if not s["response_dates_checked"]:
        text += "; response dates: not checked (responses.source: api, fetched by run)"
    if s.get("unknown_statuses"):
        text += "\n" + unknown_statuses_text(s["unknown_statuses"])
    return text


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


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
    """Internal column -> file column; prefixed with "plan_" where the input has that name."""
    taken = set(plan.original_columns)
    return {
        internal: f"plan_{name}" if name in taken else name
        for internal, name in PLAN_FILE_COLUMNS.items()
    }
