"""What an export's header and values say about it: for `init`, and for the hints of errors.

Every guess carries its evidence in words ("17 of 20 values are e-mail addresses"), so that
a user can check it, and a guess is only made where header words or values justify it;
elsewhere the result says what is missing (`todos`). Nothing here maps a column silently:
the configuration `init` writes from it is read and checked by the user.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from backfill.config import InputConfig
from backfill.model import ROW, SOURCE
from backfill.plan.time_columns import read_convention
from backfill.plan.time_convention import numeric_parts
from backfill.starter import lexicon
from backfill.starter.cases import Cases
from backfill.starter.columns import (
    guess_assignee,
    guess_earlier,
    guess_id,
    guess_note,
    guess_response,
    guess_status_column,
    guess_time,
    possible_assignee,
)
from backfill.starter.profiles import (
    SAMPLE,
    Guess,
    Profile,
    header_says,
    header_words,
    profile_of,
)
from backfill.starter.shape import counts, find_audit, one_row_per_case
from backfill.starter.sheets import Choice, choose_sheet, find_header
from backfill.starter.status_words import StatusGuess, status_guesses
from backfill.starter.step_order import StepOrderProposal, propose_step_order
from backfill.starter.steps import find_steps
from backfill.starter.timelines import status_places

if TYPE_CHECKING:
    from backfill.read.encoding_choice import Decision

HINT_SAMPLE = 1000
NO_OFFSET = (
    "times carry no offset; a helpdesk exports in its account's zone, shown in its settings: "
    "set input.timezone to that zone (an IANA name such as Europe/Berlin); UTC reads them as "
    "UTC"
)


@dataclass
class Inspection:
    """What `init` writes: the layout, columns, statuses, time reading and zone, with reasons."""

    rows: int
    layout: str
    layout_evidence: str
    columns: dict[str, Guess] = field(default_factory=dict)
    # optional fields whose own name a column has (it would be read as that field), but whose
    # values say otherwise: written as `field: null`
    unmapped: dict[str, Guess] = field(default_factory=dict)
    # fields a column may be, by its values only: a TODO, never a mapping
    possible: dict[str, Guess] = field(default_factory=dict)
    # columns that look like a field but are not, each with why (a comment under columns)
    not_fields: list[str] = field(default_factory=list)
    steps: dict[str, list[Guess]] = field(default_factory=dict)  # earliest median first
    steps_left_out: list[str] = field(default_factory=list)  # time columns that are no step
    audit_field: Guess | None = None
    audit_status_fields: list[str] = field(default_factory=list)
    audit_old: Guess | None = None
    statuses: list[StatusGuess] = field(default_factory=list)
    dayfirst: bool | None = None
    date_format: str | None = None
    dates_evidence: str = ""
    timezone_note: str = ""
    timezone_todo: bool = False  # the note asks the user to set input.timezone (headers say)
    timezone_unknown: bool = False  # no cell carries an offset, no header names a zone
    utc_headers: list[str] = field(default_factory=list)  # headers that say UTC or GMT
    todos: list[str] = field(default_factory=list)
    sheet: Choice | None = None  # the workbook's sheet with the data, when it has several
    header_row: Choice | None = None  # the header's row, when title rows come before it
    # the legacy encoding read, with what decided it; or the encoding given to init
    encoding: Decision | str | None = None
    step_order: StepOrderProposal | None = None  # wide: input.step_order (starter/step_order.py)


def inspect_files(paths: Sequence[Path], encoding: str | None = None) -> Inspection:
    """Read the export(s) as validate reads them (one layout for all, nothing mapped) and
    inspect them: in a workbook, the sheet with the data and the header below any title.
    `encoding`: the one to read text files in (None: decided from their bytes)."""
    from backfill.read.table import read_inputs

    sheet = choose_sheet(paths[0]) if len(paths) == 1 else None
    cfg = InputConfig(sheet=sheet.value if sheet is not None else None, encoding=encoding)
    table = read_inputs(list(paths), cfg, required=())
    frame, header_row = find_header(table.frame)
    inspection = inspect_frame(frame)
    inspection.sheet, inspection.header_row = sheet, header_row
    inspection.encoding = encoding or next(iter(table.decisions.values()), None)
    inspection.step_order = propose_step_order(frame, inspection)
    return inspection


def inspect_frame(frame: pd.DataFrame, known: Mapping[str, str | None] | None = None) -> Inspection:
    """Inspect a table read by read_table (its own columns; SOURCE and ROW are ignored).
    `known`: fields already mapped (field -> column), taken as they are."""
    names = [c for c in frame.columns if c not in (SOURCE, ROW)]
    sample = frame.head(SAMPLE)
    profiles = {name: profile_of(name, sample[name].tolist()) for name in names}
    for one in profiles.values():
        one.sampled = len(frame) > SAMPLE
    result = Inspection(rows=len(frame), layout="long", layout_evidence="")
    taken: set[str] = set()

    def take(field_name: str, guess: Guess | None, target: dict[str, Guess]) -> None:
        if guess is not None:
            target[field_name] = guess
            taken.add(guess.column)

    for name, column in (known or {}).items():
        if column is not None and column in profiles:
            take(name, Guess(column, "mapped in the config"), result.columns)
    if "number_customergauge" not in result.columns:
        take("number_customergauge", guess_id(profiles), result.columns)
    id_guess = result.columns.get("number_customergauge")
    id_column = id_guess.column if id_guess else None
    times = [p for p in profiles.values() if p.filled and p.times >= 0.8 * p.filled]
    response = guess_response(times, taken)
    if response is not None and "response_date" not in result.columns:
        take("response_date", response, result.columns)
    step_times = [p for p in times if p.name not in taken]
    ids = _distinct_ids(sample[id_column]) if id_column else None
    shape = counts(len(sample), ids, len(step_times))
    cases = _cases(sample, profiles, result.columns, step_times, taken, id_column)

    audit = find_audit(sample, profiles, taken, cases)
    if audit is not None:
        result.layout = "audit"
        result.layout_evidence = f"{shape}; {audit.evidence}: a status-change log"
        result.audit_field, result.audit_status_fields = audit.field_column, audit.status_fields
        result.audit_old = audit.old
        taken.update(g.column for g in (audit.field_column, audit.old) if g is not None)
        if "status" not in result.columns:
            take("status", audit.new, result.columns)
        if "happened_at" not in result.columns:
            take("happened_at", guess_time(sample, step_times, taken, id_column), result.columns)
    elif ids is not None and one_row_per_case(len(sample), ids) and len(step_times) >= 2:
        result.layout = "wide"
        result.layout_evidence = f"{shape}: one row per case, a time column per step"
        steps = find_steps(step_times, taken)
        result.steps = steps.columns
        result.steps_left_out = steps.left_out
        result.todos += steps.todos
        taken.update(g.column for guesses in steps.columns.values() for g in guesses)
    else:
        if ids is None:
            result.layout_evidence = f"{shape}: one row per action (no id column found)"
        elif one_row_per_case(len(sample), ids):
            result.layout_evidence = f"{shape}: too few time columns for a step each, one row "
            result.layout_evidence += "per action"
        else:
            result.layout_evidence = f"{shape}: ids repeat, one row per action"
        if "happened_at" not in result.columns:
            take("happened_at", guess_time(sample, step_times, taken, id_column), result.columns)
        if "status" not in result.columns:
            take("status", guess_status_column(profiles, taken, cases), result.columns)
    if result.layout == "wide":
        # the export's current status: not an action of the wide layout
        taken.update(p.name for p in profiles.values() if guess_status_column({p.name: p}, set()))
    if "note" not in result.columns:
        take("note", guess_note(profiles, taken, cases), result.columns)
    if "assignee" not in result.columns:
        take("assignee", guess_assignee(profiles, taken, cases), result.columns)
    if "assignee" not in result.columns:
        maybe = possible_assignee(profiles, taken)
        if maybe is not None:
            result.possible["assignee"] = maybe
    if "response_date" not in result.columns and "happened_at" in result.columns:
        happened = result.columns["happened_at"].column
        earlier = guess_earlier(sample, times, happened, id_column, taken, result.not_fields)
        take("response_date", earlier, result.columns)

    for name in ("note", "assignee", "response_date"):
        own = next(
            (p for p in profiles.values() if header_words(p.name) == header_words(name)), None
        )
        if name not in result.columns and own is not None and own.filled:
            what = {"assignee": "e-mail addresses", "response_date": "times"}.get(name, "text")
            count = {"assignee": own.emails, "response_date": own.times}.get(name, own.filled)
            result.unmapped[name] = Guess(
                own.name, f"{own.name!r} is not the {name}: {own.share(count)} are {what}"
            )
    _statuses(result, frame)
    _dates(result, frame, profiles)
    result.timezone_note, result.timezone_todo = _zone_note(names, profiles)
    if result.timezone_note == NO_OFFSET:
        result.timezone_todo, result.timezone_unknown = False, True
    result.utc_headers = [n for n in names if header_says(n, ("utc", "gmt")) is not None]
    _todos(result, profiles)
    return result


def column_hints(
    frame: pd.DataFrame, mapped: Mapping[str, str | None], *, zone: str = "UTC"
) -> list[str]:
    """What a mapping leaves out, in words: the columns that look like an optional field no
    mapping names ("note: 'Agent comment' (the header says 'comment'; ...)"), and a word
    about input.timezone (`zone`) when headers name a zone it does not match.
    Looks at the first rows only (fewer than init: this runs on every validate and plan)."""
    import backfill.model as model

    # only the user's columns: a plan's frame also holds backfill's own (model.py)
    internal = {v for k, v in vars(model).items() if k.isupper() and isinstance(v, str)}
    own = [c for c in frame.columns if not (str(c).startswith("_") and c in internal)]
    inspection = inspect_frame(frame[own].head(HINT_SAMPLE), known=mapped)
    optional = [
        f"{name}: {guess.column!r} ({guess.evidence})"
        for name, guess in inspection.columns.items()
        if name in ("note", "assignee", "response_date") and name not in mapped
    ]
    optional += [f"{name}?: {g.column!r} ({g.evidence})" for name, g in inspection.possible.items()]
    hints = []
    if optional:
        hints.append(
            "columns that look like optional fields but are not mapped: "
            + "; ".join(optional)
            + "; map them in input.columns too, or their values are not sent"
        )
    if inspection.timezone_todo and zone == "UTC":
        hints.append(inspection.timezone_note)
    if inspection.utc_headers and zone != "UTC":
        shown = ", ".join(repr(n) for n in inspection.utc_headers)
        hints.append(
            f"the header of {shown} says UTC, but input.timezone is {zone}: times without an "
            "offset are read in input.timezone; set it to UTC if the header is right"
        )
    return hints


def with_column_hints(message: str, frame: pd.DataFrame, cfg: InputConfig) -> str:
    """A mapping error plus what else the mapping should say."""
    hints = column_hints(frame, cfg.columns, zone=cfg.timezone)
    if hints:
        hints.append("`backfill init FILE` writes a config that maps all of this")
    return "; ".join([message, *hints])


def _cases(
    sample: pd.DataFrame,
    profiles: dict[str, Profile],
    columns: dict[str, Guess],
    times: list[Profile],
    taken: set[str],
    id_column: str | None,
) -> Cases | None:
    """The sample's rows by case, in the order of the actions' times (the mapped or the
    likely happened_at column), for the decisions by shape."""
    if id_column is None:
        return None
    mapped = columns.get("happened_at")
    happened = mapped or guess_time(sample, times, taken, id_column)
    profile = profiles.get(happened.column) if happened is not None else None
    return Cases(sample[id_column].tolist(), profile.instants if profile is not None else None)


def _statuses(result: Inspection, frame: pd.DataFrame) -> None:
    if result.layout == "wide" or "status" not in result.columns:
        return
    columns = [result.columns["status"].column]
    if result.audit_old is not None:
        columns.append(result.audit_old.column)
    id_guess = result.columns.get("number_customergauge")
    if id_guess is not None:
        # a totals row ("Total", "159 steps") has no id like the others': no case, no status
        ids = frame[id_guess.column].astype(str).str.strip()
        numbers = ids.str.fullmatch(r"\d+(?:\.0)?")
        if numbers.mean() >= 0.9:
            frame = frame[numbers]
    statuses, olds = frame[columns[0]], None
    if result.audit_field is not None:
        wanted = {f.casefold() for f in result.audit_status_fields}
        field_cells = frame[result.audit_field.column].astype(str).str.strip().str.casefold()
        statuses = frame.loc[field_cells.isin(wanted), columns[0]]
    if len(columns) > 1:
        olds = frame.loc[statuses.index, columns[1]]
    cells = pd.concat([statuses, olds], ignore_index=True) if olds is not None else statuses
    texts = cells.astype(str).str.strip()
    counts = texts[texts.ne("") & texts.ne("nan")].value_counts()
    happened = result.columns.get("happened_at")
    places = (
        status_places(frame, id_guess.column, happened.column if happened else None, statuses, olds)
        if id_guess is not None
        else {}
    )
    result.statuses = status_guesses(counts, places)


def _dates(result: Inspection, frame: pd.DataFrame, profiles: dict[str, Profile]) -> None:
    columns = [g.column for f, g in result.columns.items() if f in ("happened_at", "response_date")]
    columns += [g.column for guesses in result.steps.values() for g in guesses]
    orders: dict[bool, str] = {}
    patterns: set[str | None] = set()
    for name in columns:
        # (the reading plan will use: plan/time_columns.py)
        convention = read_convention(frame[name], header=name)
        if convention.question:
            result.todos.append(convention.question)
            return
        if convention.dayfirst is not None:
            orders.setdefault(convention.dayfirst, f"'{name}': {convention.evidence}")
        strings = [c.strip() for c in frame[name] if isinstance(c, str) and c.strip()]
        whole = convention.pattern is not None and all(numeric_parts(c) for c in strings)
        patterns.add(convention.pattern if whole else None)
    if len(orders) > 1:
        result.todos.append(
            "the time columns disagree on the day/month order ("
            + "; ".join(orders.values())
            + "); set input.dayfirst to the right one"
        )
        return
    if orders:
        [(result.dayfirst, result.dates_evidence)] = orders.items()
    if len(patterns) == 1 and None not in patterns:
        result.date_format = patterns.pop()


def _zone_note(names: Sequence[str], profiles: dict[str, Profile]) -> tuple[str, bool]:
    said = [(n, hit[0]) for n in names if (hit := lexicon.says(n, lexicon.ZONE)) is not None]
    offsets = [n for n in names if re.search(r"[+-]\d{1,2}(?::?\d{2})?\)?$|gmt[+-]", n.lower())]
    with_offsets = [p.name for p in profiles.values() if p.offsets and p.offsets >= p.times / 2]
    if with_offsets:
        return (
            f"the times of {', '.join(repr(n) for n in with_offsets)} carry their offset; "
            "input.timezone applies only to times without one",
            False,
        )
    if any(w == "utc" or w == "gmt" for _, w in said):
        return "the headers say UTC: input.timezone: UTC reads them so", False
    if said or offsets:
        shown = ", ".join(repr(n) for n, _ in said) or ", ".join(repr(n) for n in offsets)
        return (
            f"the header of {shown} names a time zone: set input.timezone to the zone those "
            "times were written in (an IANA name such as Europe/Amsterdam), or keep UTC to "
            "send them with the same wall-clock times",
            True,
        )
    if any(p.times for p in profiles.values()):
        return NO_OFFSET, True
    return "", False


def _todos(result: Inspection, profiles: dict[str, Profile]) -> None:
    wanted = ["number_customergauge"]
    if result.layout != "wide":
        wanted += ["status", "happened_at"]
    for name in wanted:
        if name not in result.columns:
            result.todos.append(f"no column found for {name}: map it in input.columns")
    if result.layout == "wide" and len(result.steps) < len(lexicon.STEPS):
        missing = [s for s in lexicon.STEPS if s not in result.steps]
        result.todos.append(
            f"no time column found for the step(s) {', '.join(missing)}: add them to "
            "input.steps if the export has them"
        )


def _distinct_ids(cells: pd.Series) -> int:
    """Distinct case ids among the cells that hold one: a blank cell is no id."""
    texts = cells.astype(str).str.strip()
    return int(texts[texts.ne("") & texts.ne("nan") & cells.notna()].nunique())
