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
from datetime import date, datetime

import numpy as np
import pandas as pd

from backfill.model import ROW, SOURCE
from backfill.plan.statuses import status_key
from backfill.plan.time_convention import TwoReadings, decide, numeric_parts
from backfill.plan.vocabulary import builtin_status, fold, guess_status

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_ISO = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*(?:Z|UTC|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)
_OFFSET_CELL = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE)
_SAMPLE = 5000

# header words, matched on whole words of the folded header
_ID_WORDS = ("customergauge", "cg", "number customergauge", "cg id", "cg number")
_STATUS_WORDS = ("status", "state", "stage", "statut", "estado", "zustand")
_NOTE_WORDS = (
    "note", "notes", "comment", "comments", "remark", "remarks", "description", "body",
    "text", "message", "resolution", "kommentar", "commentaire", "opmerking", "comentario",
)  # fmt: skip
_NOT_NOTE = ("subject", "title", "name", "summary", "tags", "company", "organization")
_ASSIGNEE_WORDS = ("assignee", "agent", "owner", "assigned", "handler", "behandelaar")
_NOT_ASSIGNEE = ("requester", "customer", "contact", "client", "author", "reporter", "klant")
_RESPONSE_WORDS = ("survey", "answered", "nps", "feedback", "response")  # best first
_CHANGE_WORDS = (
    "happened",
    "changed",
    "updated",
    "modified",
    "edit",
    "date",
    "time",
    "when",
    "created",
)
_FIELD_WORDS = ("field", "field name", "field event", "event", "property")
_OLD_WORDS = ("old", "previous", "from", "fromstring", "before")
_NEW_WORDS = ("new", "value", "to", "tostring", "after", "new value")
# wide layout: the step a time column's header names
_STEP_WORDS = {
    "open": ("created", "opened", "submitted", "create", "received", "reported"),
    "progress": ("first reply", "first response", "initial response", "responded", "assigned",
                 "in progress", "replied", "reply"),
    "closed": ("solved", "resolved", "closed", "completed", "close", "done"),
}  # fmt: skip
_ZONE_WORDS = ("local", "utc", "gmt", "cet", "cest", "est", "pst", "timezone", "time zone")


@dataclass(frozen=True)
class Guess:
    """A column chosen for a role, and why."""

    column: str
    evidence: str


@dataclass
class StatusGuess:
    value: str
    rows: int
    status: str | None  # None: cannot tell
    evidence: str


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
    steps: dict[str, Guess] = field(default_factory=dict)
    audit_field: Guess | None = None
    audit_status_fields: list[str] = field(default_factory=list)
    audit_old: Guess | None = None
    statuses: list[StatusGuess] = field(default_factory=list)
    dayfirst: bool | None = None
    date_format: str | None = None
    dates_evidence: str = ""
    timezone_note: str = ""
    timezone_todo: bool = False  # the note asks the user to set input.timezone
    todos: list[str] = field(default_factory=list)


@dataclass
class _Profile:
    """The values of one column, summed up."""

    name: str
    filled: int
    emails: int
    times: int
    offsets: int
    digits: int
    distinct: int
    repeats: bool  # some value occurs on several rows
    mean_length: float
    spaced: int  # values with a space (free text)
    values: list[object]

    def share(self, count: int) -> str:
        return f"{count} of {self.filled} values"


def inspect_frame(frame: pd.DataFrame, known: Mapping[str, str | None] | None = None) -> Inspection:
    """Inspect a table read by read_table (its own columns; SOURCE and ROW are ignored).
    `known`: fields already mapped (field -> column), taken as they are."""
    names = [c for c in frame.columns if c not in (SOURCE, ROW)]
    sample = frame.head(_SAMPLE)
    profiles = {name: _profile(name, sample[name].tolist()) for name in names}
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
        take("number_customergauge", _id_column(profiles), result.columns)
    audit = _audit_columns(profiles, taken)
    times = [p for p in profiles.values() if p.filled and p.times >= 0.8 * p.filled]
    response = _response_column(times, taken)
    if response is not None and "response_date" not in result.columns:
        take("response_date", response, result.columns)
    step_times = [p for p in times if p.name not in taken]

    id_guess = result.columns.get("number_customergauge")
    one_row_per_case = id_guess is not None and not profiles[id_guess.column].repeats
    if audit is not None:
        field_guess, status_fields, new_guess, old_guess = audit
        result.layout = "audit"
        result.layout_evidence = (
            f"'{field_guess.column}' names what each row changed ({field_guess.evidence}): "
            "a status-change log"
        )
        result.audit_field, result.audit_status_fields = field_guess, status_fields
        result.audit_old = old_guess
        if "status" not in result.columns:
            take("status", new_guess, result.columns)
        if old_guess is not None:
            taken.add(old_guess.column)
        if "happened_at" not in result.columns:
            take("happened_at", _time_column(step_times, taken), result.columns)
    elif one_row_per_case and len(_steps(step_times, taken)) >= 2:
        result.layout = "wide"
        result.layout_evidence = (
            f"every {id_guess.column if id_guess else 'id'} value is on one row and "
            f"{len(step_times)} columns hold times: one row per case, a column per step"
        )
        for status, guess in _steps(step_times, taken).items():
            take(status, guess, result.steps)
    else:
        result.layout_evidence = (
            f"'{id_guess.column}' values repeat: one row per action"
            if id_guess is not None and profiles[id_guess.column].repeats
            else "one row per action (the default)"
        )
        if "status" not in result.columns:
            take("status", _status_column(profiles, taken), result.columns)
        if "happened_at" not in result.columns:
            take("happened_at", _time_column(step_times, taken), result.columns)
    if "note" not in result.columns:
        take("note", _note_column(profiles, taken), result.columns)
    if "assignee" not in result.columns:
        take("assignee", _assignee_column(profiles, taken), result.columns)
    if "response_date" not in result.columns and "happened_at" in result.columns:
        happened = result.columns["happened_at"].column
        id_column = id_guess.column if id_guess else None
        take(
            "response_date",
            _earlier_column(sample, times, happened, id_column, taken),
            result.columns,
        )

    for name in ("note", "assignee", "response_date"):
        own = next((p for p in profiles.values() if _words(p.name) == _words(name)), None)
        if name not in result.columns and own is not None and own.filled:
            what = {"assignee": "e-mail addresses", "response_date": "times"}.get(name, "text")
            count = {"assignee": own.emails, "response_date": own.times}.get(name, own.filled)
            result.unmapped[name] = Guess(
                own.name, f"{own.name!r} is not the {name}: {own.share(count)} are {what}"
            )
    _statuses(result, frame)
    _dates(result, frame, profiles)
    result.timezone_note, result.timezone_todo = _zone_note(names, profiles)
    _todos(result, profiles)
    return result


def column_hints(
    frame: pd.DataFrame, mapped: Mapping[str, str | None], *, zone_set: bool = False
) -> list[str]:
    """What a mapping leaves out, in words: the columns that look like an optional field no
    mapping names ("note: 'Agent comment' (the header says 'comment'; ...)"), and a word
    about input.timezone when headers name a zone (unless `zone_set`: the user chose one).
    Looks at the first rows only."""
    inspection = inspect_frame(frame.head(_SAMPLE), known=mapped)
    optional = [
        f"{name}: {guess.column!r} ({guess.evidence})"
        for name, guess in inspection.columns.items()
        if name in ("note", "assignee", "response_date") and name not in mapped
    ]
    hints = []
    if optional:
        hints.append(
            "columns that look like optional fields but are not mapped: "
            + "; ".join(optional)
            + "; map them in input.columns too, or their values are not sent"
        )
    if inspection.timezone_todo and not zone_set:
        hints.append(inspection.timezone_note)
    return hints


# --- the columns ---------------------------------------------------------------------------


def _profile(name: str, values: list[object]) -> _Profile:
    cells = [v for v in values if not _blank(v)]
    texts = [v.strip() if isinstance(v, str) else v for v in cells]
    strings = [t for t in texts if isinstance(t, str)]
    counts = pd.Series([str(t) for t in texts], dtype=object).value_counts()
    return _Profile(
        name=name,
        filled=len(cells),
        emails=sum(1 for t in strings if _EMAIL.match(t)),
        times=sum(1 for t in texts if _is_time(t)),
        offsets=sum(1 for t in strings if _ISO.match(t) and _OFFSET_CELL.search(t)),
        digits=sum(1 for t in strings if t.isdigit()),
        distinct=len(counts),
        repeats=bool(len(counts) and counts.iloc[0] > 1),
        mean_length=float(np.mean([len(str(t)) for t in texts])) if texts else 0.0,
        spaced=sum(1 for t in strings if " " in t),
        values=texts,
    )


def _blank(value: object) -> bool:
    if value is None or value is pd.NaT:
        return True
    if isinstance(value, float):
        return bool(np.isnan(value))
    return isinstance(value, str) and not value.strip()


def _is_time(value: object) -> bool:
    if isinstance(value, (datetime, date)):
        return True
    return isinstance(value, str) and (
        _ISO.match(value) is not None or numeric_parts(value) is not None
    )


def _words(header: str) -> str:
    """The header folded to lower-case words: "Survey answered (local)" -> " survey answered
    local " (padded, so that ' cg ' matches a whole word)."""
    return " " + " ".join(re.findall(r"[a-z0-9]+", fold(header.upper()).lower())) + " "


def _says(header: str, words: Sequence[str]) -> str | None:
    folded = _words(header)
    return next((w for w in words if f" {w} " in folded), None)


def _id_column(profiles: dict[str, _Profile]) -> Guess | None:
    for profile in profiles.values():
        if _words(profile.name) == " number customergauge ":
            return Guess(profile.name, "the field's own name")
    for profile in profiles.values():
        word = _says(profile.name, _ID_WORDS)
        if word is not None and profile.filled:
            share = profile.share(profile.digits)
            return Guess(profile.name, f"the header says {word!r}; {share} are numbers")
    return None


def _status_column(profiles: dict[str, _Profile], taken: set[str]) -> Guess | None:
    best: tuple[int, Guess] | None = None
    for profile in profiles.values():
        if profile.name in taken or not profile.filled or profile.distinct > 40:
            continue
        distinct = list(dict.fromkeys(str(v) for v in profile.values))
        known = [v for v in distinct if _status_of(v) is not None]
        word = _says(profile.name, _STATUS_WORDS)
        if word is None and len(known) * 2 <= len(distinct):
            continue
        evidence = f"{len(known)} of its {len(distinct)} distinct values are status words"
        if word is not None:
            evidence = f"the header says {word!r}; {evidence}"
        score = len(known) * 2 + (3 if word else 0)
        if best is None or score > best[0]:
            best = (score, Guess(profile.name, evidence))
    return best[1] if best else None


def _status_of(value: str) -> str | None:
    whole = builtin_status(status_key(value))
    if whole is not None:
        return whole
    guess = guess_status(value)
    return guess[0] if guess else None


def _time_column(times: list[_Profile], taken: set[str]) -> Guess | None:
    free = [p for p in times if p.name not in taken]
    if not free:
        return None
    named = [p for p in free if _says(p.name, _CHANGE_WORDS)]
    chosen = (named or free)[0]
    evidence = f"{chosen.share(chosen.times)} are times"
    word = _says(chosen.name, _CHANGE_WORDS)
    if word:
        evidence = f"the header says {word!r}; {evidence}"
    if len(free) > 1:
        others = ", ".join(repr(p.name) for p in free if p is not chosen)
        evidence += f" (other time columns: {others})"
    return Guess(chosen.name, evidence)


def _response_column(times: list[_Profile], taken: set[str]) -> Guess | None:
    for word in _RESPONSE_WORDS:
        for profile in times:
            steps = [w for words in _STEP_WORDS.values() for w in words]
            if profile.name in taken or _says(profile.name, steps) is not None:
                continue  # "First response time" is a helpdesk step, not a survey
            if _says(profile.name, (word,)):
                return Guess(
                    profile.name,
                    f"the header says {word!r}; {profile.share(profile.times)} are times",
                )
    return None


def _earlier_column(
    sample: pd.DataFrame,
    times: list[_Profile],
    happened: str,
    id_column: str | None,
    taken: set[str],
) -> Guess | None:
    """A time column whose dates are never after the actions' and the same on every row of a
    case: what a survey response date looks like."""
    from backfill.plan.times import parse_times

    try:
        actions = parse_times(sample[happened].reset_index(drop=True)).utc
    except TwoReadings:
        return None  # (said where the dates are inspected)
    for profile in times:
        if profile.name in taken or profile.name == happened:
            continue
        try:
            other = parse_times(sample[profile.name].reset_index(drop=True)).utc
        except TwoReadings:
            continue
        both = actions.notna() & other.notna()
        if not both.any():
            continue
        earlier = int((other[both] <= actions[both]).sum())
        constant = id_column is None or bool(
            sample[profile.name].groupby(sample[id_column]).nunique().le(1).all()
        )
        if earlier == int(both.sum()) and constant:
            return Guess(
                profile.name,
                f"its dates are before the actions' ({happened!r}) in {earlier} of "
                f"{int(both.sum())} rows and the same on every row of a case",
            )
    return None


def _note_column(profiles: dict[str, _Profile], taken: set[str]) -> Guess | None:
    free = [p for p in profiles.values() if p.name not in taken and p.filled]
    for profile in free:
        word = _says(profile.name, _NOTE_WORDS)
        if word and profile.times < profile.filled / 2:
            return Guess(
                profile.name,
                f"the header says {word!r}; free text (on average "
                f"{profile.mean_length:.0f} characters)",
            )
    texts = [
        p
        for p in free
        if p.mean_length >= 20
        and p.spaced >= 0.5 * p.filled
        and p.times == 0
        and not p.emails
        and _says(p.name, _NOT_NOTE) is None
    ]
    if texts:
        best = max(texts, key=lambda p: p.mean_length)
        return Guess(
            best.name,
            f"{best.share(best.spaced)} are free text (on average {best.mean_length:.0f} "
            "characters)",
        )
    return None


def _assignee_column(profiles: dict[str, _Profile], taken: set[str]) -> Guess | None:
    mails = [
        p
        for p in profiles.values()
        if p.name not in taken and p.filled and p.emails >= 0.6 * p.filled
    ]
    # an address is the agent's only where the header says so: a bare "Email" column of a
    # ticket export is usually the requester's
    named = [
        p for p in mails if _says(p.name, _ASSIGNEE_WORDS) and not _says(p.name, _NOT_ASSIGNEE)
    ]
    if not named:
        return None
    chosen = named[0]
    word = _says(chosen.name, _ASSIGNEE_WORDS)
    return Guess(
        chosen.name, f"the header says {word!r}; {chosen.share(chosen.emails)} are e-mail addresses"
    )


def _audit_columns(
    profiles: dict[str, _Profile], taken: set[str]
) -> tuple[Guess, list[str], Guess, Guess | None] | None:
    """A "field" column whose values name the status, and the new (and old) value columns."""
    for profile in profiles.values():
        if not _says(profile.name, _FIELD_WORDS) or profile.distinct > 60:
            continue
        named = sorted({str(v) for v in profile.values if fold(str(v).upper()) == "STATUS"})
        if not named:
            continue
        new = next(
            (p for p in profiles.values() if p.name not in taken and _new_header(p.name)), None
        )
        if new is None:
            continue
        old = next(
            (p for p in profiles.values() if p.name not in taken and _old_header(p.name)), None
        )
        rows = sum(1 for v in profile.values if str(v) in named)
        field_guess = Guess(profile.name, f"{profile.share(rows)} say {named[0]!r}")
        new_guess = Guess(new.name, "the header names the new value of a change")
        old_guess = Guess(old.name, "the header names the old value") if old else None
        return field_guess, named, new_guess, old_guess
    return None


def _new_header(name: str) -> bool:
    words = _words(name).split()
    return bool(words) and (words[0] in ("new", "to", "tostring", "value") or words == ["value"])


def _old_header(name: str) -> bool:
    words = _words(name).split()
    return bool(words) and words[0] in ("old", "from", "fromstring", "previous")


def _steps(times: list[_Profile], taken: set[str]) -> dict[str, Guess]:
    steps: dict[str, Guess] = {}
    used: set[str] = set()
    for status, words in _STEP_WORDS.items():
        for profile in times:
            word = _says(profile.name, words)
            if profile.name in taken or profile.name in used or word is None:
                continue
            steps[status] = Guess(
                profile.name,
                f"the header says {word!r}; {profile.share(profile.times)} are times",
            )
            used.add(profile.name)
            break
    return steps


# --- statuses, dates, zone -----------------------------------------------------------------


def _statuses(result: Inspection, frame: pd.DataFrame) -> None:
    if result.layout == "wide" or "status" not in result.columns:
        return
    columns = [result.columns["status"].column]
    if result.audit_old is not None:
        columns.append(result.audit_old.column)
    cells = frame[columns[0]]
    if result.audit_field is not None:
        wanted = {f.casefold() for f in result.audit_status_fields}
        field_cells = frame[result.audit_field.column].astype(str).str.strip().str.casefold()
        rows = field_cells.isin(wanted)
        cells = pd.concat([frame.loc[rows, c] for c in columns], ignore_index=True)
    texts = cells.astype(str).str.strip()
    counts = texts[texts.ne("") & texts.ne("nan")].value_counts()
    for value, rows_of in counts.items():
        word = str(value)
        whole = builtin_status(status_key(word))
        if whole is not None:
            guess = StatusGuess(word, int(rows_of), whole, "a built-in status word")
        elif (meaning := guess_status(word)) is not None:
            guess = StatusGuess(word, int(rows_of), meaning[0], f"reads as {meaning[0]} "
                                f"({meaning[1]!r})")  # fmt: skip
        else:
            guess = StatusGuess(word, int(rows_of), None, "cannot tell what it means")
        result.statuses.append(guess)


def _dates(result: Inspection, frame: pd.DataFrame, profiles: dict[str, _Profile]) -> None:
    columns = [g.column for f, g in result.columns.items() if f in ("happened_at", "response_date")]
    columns += [g.column for g in result.steps.values()]
    orders: dict[bool, str] = {}
    patterns: set[str | None] = set()
    for name in columns:
        cells = frame[name].tolist()
        try:
            convention = decide(cells, column=name)
        except TwoReadings as exc:
            result.todos.append(f"{exc}")
            return
        if convention.dayfirst is not None:
            orders.setdefault(convention.dayfirst, f"'{name}': {convention.evidence}")
        strings = [c.strip() for c in cells if isinstance(c, str) and c.strip()]
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


def _zone_note(names: Sequence[str], profiles: dict[str, _Profile]) -> tuple[str, bool]:
    said = [(n, w) for n in names if (w := _says(n, _ZONE_WORDS)) is not None]
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
    return "", False


def _todos(result: Inspection, profiles: dict[str, _Profile]) -> None:
    wanted = ["number_customergauge"]
    if result.layout != "wide":
        wanted += ["status", "happened_at"]
    for name in wanted:
        if name not in result.columns:
            result.todos.append(f"no column found for {name}: map it in input.columns")
    if result.layout == "wide" and len(result.steps) < len(_STEP_WORDS):
        missing = [s for s in _STEP_WORDS if s not in result.steps]
        result.todos.append(
            f"no time column found for the step(s) {', '.join(missing)}: add them to "
            "input.steps if the export has them"
        )
