"""Input layouts: a ticket export (`wide`) or a status-change log (`audit`) as action rows.

Planning works on one row per action (`long`, SPEC.md "Input layouts"). The other layouts are
reshaped here, first thing in plan_from_table: each action becomes a row that keeps its
ticket's own cells, SOURCE and ROW (so reports show the ticket's row), and three columns of
its own (backfill/read/actions.py), which the status, happened_at and note fields are mapped
to. A failures.csv of such an input holds these action rows, and `retry` reads it as a long
input: a fixed action is re-sent as it is, not re-derived.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from backfill.config import InputConfig
from backfill.errors import ConfigError, InputError
from backfill.model import ROW, SOURCE
from backfill.plan.cells import as_text, case_numbers
from backfill.plan.order import TIE_ORDER
from backfill.plan.step_order import (
    CLOSING,
    StepCheck,
    check_steps,
    lifecycle,
    status_differences,
    working_columns,
)
from backfill.plan.ties import log_order
from backfill.read.actions import ACTION_AT, ACTION_COLUMNS, ACTION_NOTE, ACTION_STATUS

if TYPE_CHECKING:
    from backfill.read.table import InputTable


def to_long(table: InputTable, cfg: InputConfig) -> InputTable:
    """The table as one row per action (unchanged for the long layout, and for the action
    rows of a failures file, which read_failures maps to the action columns already)."""
    if cfg.layout == "long" or table.columns.get("status") == ACTION_STATUS:
        return table
    where = ", ".join(table.sources)
    clash = [name for name in ACTION_COLUMNS.values() if name in table.original_columns]
    if clash:
        raise InputError(
            f"{where} has a column named {', '.join(clash)}, a name backfill gives the actions "
            f"of a {cfg.layout} input; rename that column"
        )
    if cfg.layout == "wide":
        return _wide(table, cfg, where)
    return _audit(table, cfg, where)


# --- wide: one row per ticket, a time column per step ---------------------------------------


def _wide(table: InputTable, cfg: InputConfig, where: str) -> InputTable:
    if not cfg.steps:
        raise ConfigError(
            "input.layout is wide but input.steps is empty; name the time column of each "
            'status, e.g. input: {steps: {open: "Created at", progress: "First reply at", '
            'closed: "Solved at"}}'
        )
    # a step may list several columns (resolved and closed): its earliest time counts
    steps = {
        status: [
            _column(table, name, f"input.steps.{status}", where)
            for name in ([names] if isinstance(names, str) else names)
        ]
        for status, names in cfg.steps.items()
    }
    notes = {
        status: _column(table, name, f"input.step_notes.{status}", where)
        for status, name in cfg.step_notes.items()
    }
    unknown = sorted(set(notes) - set(steps))
    if unknown:
        raise ConfigError(
            f"input.step_notes names {', '.join(unknown)}, which input.steps does not; "
            f"the steps are: {', '.join(steps)}"
        )
    frame = table.frame.reset_index(drop=True)
    note_column = table.columns.get("note")
    time_columns = list(dict.fromkeys(c for names in steps.values() for c in names))
    consumed = {*time_columns, *notes.values()}
    if note_column is not None:
        consumed.add(note_column)
    kept = [c for c in table.original_columns if c not in consumed]

    # every (ticket, step) pair with a time, ordered by ticket, then time, then step
    step_names = list(steps)
    # the steps are one time column once reshaped: read with one day/month order; a step
    # whose time cannot be read keeps its place in input.steps (the plan reports it)
    dayfirst = _order(pd.concat([frame[c] for c in time_columns]), cfg, time_columns)
    instants = {c: _instants(frame[c], cfg, dayfirst) for c in time_columns}
    chosen = [_earliest(frame, names, instants) for names in steps.values()]
    cells = np.column_stack([_stripped(column) for column, _, _ in chosen])
    times = np.column_stack([stamp for _, stamp, _ in chosen])
    picked = np.column_stack([name for _, _, name in chosen])
    checked = check_steps(times, cells, picked, step_names, cfg.step_order, cfg.status_map)
    stamps = pd.DataFrame(times).ffill(axis=1).bfill(axis=1).fillna(0).to_numpy(dtype=np.int64)
    ticket, step = np.nonzero(checked.keep)
    # equal times in the steps' own order (open < progress < closed), as the plan sends them
    place = np.argsort(lifecycle(step_names, cfg.status_map)[0])
    order = np.lexsort((place[step], stamps[ticket, step], ticket))
    ticket, step = ticket[order], step[order]

    out = frame.iloc[ticket][[*kept, SOURCE, ROW]].reset_index(drop=True)
    out[ACTION_STATUS] = np.asarray(step_names, dtype=object)[step]
    raw = np.column_stack([column.to_numpy(dtype=object) for column, _, _ in chosen])
    out[ACTION_AT] = raw[ticket, step]  # real Excel date cells stay dates
    last = np.r_[ticket[1:] != ticket[:-1], True][: len(ticket)]
    findings = _step_findings(table, cfg, checked, ticket, step, last, picked, cells)
    for name, values in findings.items():
        out[name] = values
    action_note = np.full(len(ticket), "", dtype=object)
    for index, status in enumerate(step_names):
        mine = step == index
        # (notes verbatim, as the long layout keeps them)
        if status in notes:
            action_note[mine] = _verbatim(frame[notes[status]])[ticket[mine]]
        elif note_column is not None:
            rows = mine & last
            action_note[rows] = _verbatim(frame[note_column])[ticket[rows]]
    out[ACTION_NOTE] = action_note
    for name in (ACTION_STATUS, ACTION_AT, ACTION_NOTE):
        out[name] = out[name].astype(object)
    columns = {f: c for f, c in table.columns.items() if f not in ACTION_COLUMNS}
    columns.update(ACTION_COLUMNS)
    return replace(
        table,
        frame=out[[*kept, *ACTION_COLUMNS.values(), SOURCE, ROW, *findings]],
        columns=columns,
        original_columns=[*kept, *ACTION_COLUMNS.values()],
    )


def _step_findings(
    table: InputTable,
    cfg: InputConfig,
    checked: StepCheck,
    ticket: np.ndarray,
    step: np.ndarray,
    last: np.ndarray,
    picked: np.ndarray,
    cells: np.ndarray,
) -> dict[str, np.ndarray]:
    """The action rows' working columns of plan/step_order.py: steps out of order, steps
    dropped, and a replay that ends in another status than the ticket's status column."""
    from backfill.plan.statuses import normalise_status

    statuses = np.asarray(lifecycle(list(cfg.steps), cfg.status_map)[2], dtype=object)
    frame = table.frame.reset_index(drop=True)
    final = np.full(len(frame), "", dtype=object)
    final[ticket[last]] = statuses[step[last]]
    last_step = np.full(len(frame), "", dtype=object)
    ends = ticket[last], step[last]
    last_step[ends[0]] = "'" + picked[ends] + "' " + cells[ends]
    status_column = table.columns.get("status")
    differs = np.full(len(frame), "", dtype=object)
    if status_column is not None:
        current = as_text(frame[status_column]).str.strip()
        mapped, _ = normalise_status(current, cfg.status_map)
        differs = status_differences(current, mapped, final, last_step)
        differs[checked.refused != ""] = ""
    return working_columns(checked, ticket, statuses[step] == CLOSING, last, differs, status_column)


def _earliest(
    frame: pd.DataFrame, names: list[str], instants: dict[str, np.ndarray]
) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """A step's cell per ticket, its instant and its column: of the step's columns, the one
    with the earliest time; where none can be read, the first non-empty cell (the plan
    reports it)."""
    if len(names) == 1:
        return frame[names[0]], instants[names[0]], np.full(len(frame), names[0], dtype=object)
    stamps = np.column_stack([instants[n] for n in names])
    empty = np.column_stack([_stripped(frame[n]) == "" for n in names])
    readable = ~np.isnan(stamps)
    earliest = np.argmin(np.where(readable, stamps, np.inf), axis=1)
    first_filled = np.argmin(empty, axis=1)
    pick = np.where(readable.any(axis=1), earliest, first_filled)
    rows = np.arange(len(frame))
    cells = np.column_stack([frame[n].to_numpy(dtype=object) for n in names])[rows, pick]
    column = np.asarray(names, dtype=object)[pick]
    return pd.Series(cells, index=frame.index, dtype=object), stamps[rows, pick], column


# a status-change log's case starts in this status (SPEC.md "Input layouts")
FIRST_STATUS = "open"


# --- audit: a status-change log ------------------------------------------------------------


def _audit(table: InputTable, cfg: InputConfig, where: str) -> InputTable:
    audit = cfg.audit
    frame = table.frame.reset_index(drop=True)
    status_column = table.columns["status"]
    case_column = table.columns["number_customergauge"]
    new_status = _stripped(frame[status_column])
    if audit.field_column is not None:
        field = _stripped(
            frame[_column(table, audit.field_column, "input.audit.field_column", where)]
        )
        wanted = {s.strip().casefold() for s in audit.status_fields}
        changes = np.array([f.strip().casefold() in wanted for f in field], dtype=bool)
    else:
        changes = np.char.str_len(new_status.astype(str)) > 0 if len(frame) else np.zeros(0, bool)
    note_column = table.columns.get("note")
    notes = _stripped(frame[note_column]) if note_column else np.full(len(frame), "", dtype=object)
    has_note = np.array([bool(n.strip()) for n in notes], dtype=bool)
    comments = ~changes & has_note

    # each comment carries the status its case had at that time: the last change before it
    # (by time, then the log's chain: plan/ties.py), else the first change's old status when
    # the log has one; with that old status, the case's first row (its creation) becomes an
    # action too
    cases = case_numbers(frame[case_column]).to_numpy(dtype=object)
    time_column = table.columns.get("happened_at")
    stamps = (
        _instants(frame[time_column], cfg, _order(frame[time_column], cfg, [time_column]))
        if time_column
        else np.zeros(len(frame))
    )
    olds = (
        _stripped(frame[_column(table, audit.old_status, "input.audit.old_status", where)])
        if audit.old_status
        else None
    )
    order = log_order(cases, stamps, changes, new_status, olds, cfg)
    carried = np.full(len(frame), "", dtype=object)
    first_old: dict[str, str] = {}
    first_row: dict[str, int] = {}
    current: dict[str, str] = {}
    for position in order:
        case = cases[position]
        if case not in current:
            first_row.setdefault(case, position)
        if changes[position]:
            if olds is not None and case not in current:
                first_old[case] = olds[position].strip()
            current[case] = new_status[position]
        elif comments[position]:
            carried[position] = current.get(case, "")
    created = np.zeros(len(frame), dtype=bool)
    if olds is not None:
        unknown = comments & (carried == "")
        carried[unknown] = [first_old.get(c, "") for c in cases[unknown]]
        for case, position in first_row.items():
            if first_old.get(case) and not (changes[position] or comments[position]):
                created[position] = True
                carried[position] = first_old[case]
    # a case whose log changes no status (created, then other fields or comments) was open
    # all along: its first row becomes an open action, its comments carry open; never dropped
    unchanged = [case for case in first_row if case not in current]
    for case in unchanged:
        created[first_row[case]] |= not comments[first_row[case]]
    carried[np.isin(cases, unchanged) & (comments | created)] = FIRST_STATUS
    comments |= created

    keep = changes | comments
    out = frame[keep].reset_index(drop=True)
    out[ACTION_STATUS] = np.where(changes, new_status, carried)[keep].astype(object)
    place = np.empty(len(frame), dtype=np.int64)
    place[order] = np.arange(len(frame))
    out[TIE_ORDER] = place[keep]  # the send order keeps the log's order of equal times
    columns = dict(table.columns)
    columns["status"] = ACTION_STATUS
    original = [*table.original_columns, ACTION_STATUS]
    return replace(
        table,
        frame=out[[*original, SOURCE, ROW, TIE_ORDER]],
        columns=columns,
        original_columns=original,
    )


def rows_became(
    actions: int, layout: str = "long", file_rows: int | None = None, without_action: int = 0
) -> str:
    """What the file's rows became, in words: "210 rows" (rows read as actions), "80 tickets
    → 207 actions (2 tickets have no step time)", "540 file rows → 352 actions (188 rows
    change no status)"."""
    if file_rows is None or layout == "long":
        return _count(actions, "row")
    if layout == "wide":
        text = f"{_count(file_rows, 'ticket')} → {_count(actions, 'action')}"
        if without_action:
            have = "has" if without_action == 1 else "have"
            text += f" ({_count(without_action, 'ticket')} {have} no step time)"
        return text
    text = f"{_count(file_rows, 'file row')} → {_count(actions, 'action')}"
    if without_action:
        change = "changes" if without_action == 1 else "change"
        text += f" ({_count(without_action, 'row')} {change} no status)"
    return text


def _count(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


# --- helpers ---------------------------------------------------------------------------------


def _verbatim(values: pd.Series) -> np.ndarray:
    """The cells as text ("" for empty ones)."""
    return as_text(values).to_numpy(dtype=object)


def _stripped(values: pd.Series) -> np.ndarray:
    """The cells as stripped text ("" for empty ones; real Excel dates as ISO text)."""
    return as_text(values).str.strip().to_numpy(dtype=object)


def _column(table: InputTable, name: str, key: str, where: str) -> str:
    from backfill.read.table import match_column

    found = match_column(name, table.original_columns)
    if found is None:
        raise InputError(
            f"{key} is '{name}' but there is no such column in {where}; columns are: "
            f"{', '.join(table.original_columns)}; correct it in the config"
        )
    return found


def _order(values: pd.Series, cfg: InputConfig, columns: list[str]) -> bool | None:
    """The day/month order of these cells (time_convention.py; raises when there is none)."""
    from backfill.plan.time_convention import decide

    if cfg.date_format is not None:
        return cfg.dayfirst
    return decide(values, column="', '".join(columns), dayfirst=cfg.dayfirst).dayfirst


def _instants(values: pd.Series, cfg: InputConfig, dayfirst: bool | None) -> np.ndarray:
    """The cells' instants in microseconds (NaN: unreadable or empty), only to order a
    ticket's steps or a log's rows; the plan reads and checks the times itself."""
    from backfill.plan.times import parse_times

    parsed = parse_times(
        values.reset_index(drop=True),
        zone=cfg.timezone,
        date_format=cfg.date_format,
        dayfirst=dayfirst,
    )
    ticks = parsed.utc.dt.tz_localize(None).to_numpy(dtype="datetime64[us]").view(np.int64)
    return np.where(parsed.utc.isna().to_numpy(), np.nan, ticks.astype(np.float64))
