"""Read back what CustomerGauge holds: GET /v7/rest/sync/close-loop, parsed in one place.

The public documentation names the endpoint, its paging (`per_page`, an integer `cursor`)
and its `updated_at[start]`/`[end]` filter, and says that `time_to_follow_up` and
`time_to_close` are whole hours, but it does not list the answer's fields. So this module is
the only place that looks inside an answer, and it reads it defensively:

- unknown fields are ignored;
- a field that is absent is *reported* as missing (``CaseState.missing``), never guessed,
  so that verify can say "time_to_close not in the answer" instead of a false mismatch;
- a field that is present but null means "not set" (no assignee, no close time);
- values are normalised where the API may plausibly vary: ids given as numbers, status words
  of either API version (``IN-PROGRESS``, ``CLOSE``), hours as ``"5"`` or ``5.0``, an
  assignee given as an object with an ``email``.

Paging (and the reading of an answer's ``data``) is backfill.read.sync_pages's, shared with
GET responses.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from backfill.model import OnProgress, ProgressEvent, no_progress
from backfill.read.sync_pages import (
    PER_PAGE,
    Answer,
    Cursor,
    JsonGetter,
    case_id,
    pages,
)

CLOSE_LOOP_PATH = "/v7/rest/sync/close-loop"
READ_BACK_STAGE = "read back"


# The fields verify compares, by the names the API uses.
STATUS = "status"
ASSIGNEE = "assignee"
TIME_TO_FOLLOW_UP = "time_to_follow_up"
TIME_TO_CLOSE = "time_to_close"
FIELDS = (STATUS, ASSIGNEE, TIME_TO_FOLLOW_UP, TIME_TO_CLOSE)

# Alternative spellings we accept for a field, first match wins. Kept short on purpose: only
# names seen in CustomerGauge's own APIs (v4.1 says assigned_to, v7 says assignee).
_ALIASES: dict[str, tuple[str, ...]] = {
    "number_customergauge": ("number_customergauge",),
    STATUS: ("status",),
    ASSIGNEE: ("assignee", "assigned_to"),
    TIME_TO_FOLLOW_UP: (TIME_TO_FOLLOW_UP,),
    TIME_TO_CLOSE: (TIME_TO_CLOSE,),
    "updated_at": ("updated_at",),
}

# Status words of both API versions -> the v7 words the plan uses.
_STATUS_WORDS = {
    "open": "open",
    "opened": "open",
    "reopen": "open",
    "reopened": "open",
    "progress": "progress",
    "inprogress": "progress",
    "closed": "closed",
    "close": "closed",
}

_ABSENT = object()


@dataclass(frozen=True, slots=True)
class CaseState:
    """One case as CustomerGauge reports it. None = not set; `missing` = not in the answer."""

    case: str
    status: str | None = None
    assignee: str | None = None
    time_to_follow_up: int | None = None
    time_to_close: int | None = None
    updated_at: str | None = None
    missing: frozenset[str] = frozenset()
    unreadable: tuple[str, ...] = ()  # "field: value" that were present but could not be read


@dataclass
class ReadBack:
    """Every case of the answer, indexed by number_customergauge."""

    cases: dict[str, CaseState] = field(default_factory=dict)
    pages: int = 0
    records: int = 0
    skipped: list[str] = field(default_factory=list)  # records without a usable id, and why


@dataclass(frozen=True, slots=True)
class Page:
    states: list[CaseState]
    next_cursor: Cursor | None
    skipped: list[str]
    size: int = 0  # records in `data`, usable or not: 0 ends the paging


def normalise_status(value: Any) -> str | None:
    """The v7 status word for `value`, the text itself when unknown, None when unset."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    key = text.lower().replace("-", "").replace("_", "").replace(" ", "")
    return _STATUS_WORDS.get(key, text.lower())


def whole_hours(value: Any) -> int | None:
    """Hours as a whole number (``"5"``, ``5.0``, ``5.7`` -> 5); None when unset.

    Raises ValueError for what is not a finite number of hours.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number of hours")
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        raise ValueError("not a finite number")
    # Documented as whole hours; a fractional answer is truncated like the plan's prediction.
    return math.floor(number)


def _assignee(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("email", value.get("assignee"))
    if value is None or value is False:
        return None
    text = str(value).strip()
    return text or None


def _lookup(record: Mapping[str, Any], name: str) -> Any:
    for alias in _ALIASES[name]:
        if alias in record:
            return record[alias]
    return _ABSENT


_READERS: dict[str, Callable[[Any], Any]] = {
    STATUS: normalise_status,
    ASSIGNEE: _assignee,
    TIME_TO_FOLLOW_UP: whole_hours,
    TIME_TO_CLOSE: whole_hours,
}


def parse_case(record: Any) -> CaseState | str:
    """One record of `data` -> CaseState, or the reason it cannot be used (no id)."""
    if not isinstance(record, Mapping):
        return f"record is {type(record).__name__}, not an object"
    raw_case = _lookup(record, "number_customergauge")
    case = None if raw_case is _ABSENT else case_id(raw_case)
    if case is None:
        return "record without number_customergauge"
    values: dict[str, Any] = {}
    missing = set()
    unreadable = []
    for name, read in _READERS.items():
        raw = _lookup(record, name)
        if raw is _ABSENT:
            missing.add(name)
            continue
        try:
            values[name] = read(raw)
        except (TypeError, ValueError):
            unreadable.append(f"{name}: {raw!r}")
            missing.add(name)
    updated = _lookup(record, "updated_at")
    return CaseState(
        case=case,
        updated_at=None if updated is _ABSENT or updated is None else str(updated),
        missing=frozenset(missing),
        unreadable=tuple(unreadable),
        **values,
    )


def parse_page(answer: Answer) -> Page:
    """One GET close-loop answer (read_answer's) -> its cases, the next cursor (None = last
    page), skips."""
    states: list[CaseState] = []
    skipped: list[str] = [answer.problem] if answer.problem else []
    for record in answer.records:
        parsed = parse_case(record)
        if isinstance(parsed, str):
            skipped.append(parsed)
        else:
            states.append(parsed)
    return Page(states, answer.next_cursor, skipped, len(answer.records))


def merge(into: ReadBack, states: Iterable[CaseState]) -> None:
    """Index states by case; a case seen twice keeps its most recently updated state."""
    for state in states:
        into.records += 1
        old = into.cases.get(state.case)
        if old is None or (state.updated_at or "") >= (old.updated_at or ""):
            into.cases[state.case] = state


async def read_close_loop(
    api: JsonGetter,
    start: date,
    end: date,
    *,
    per_page: int = PER_PAGE,
    on_progress: OnProgress = no_progress,
) -> ReadBack:
    """Page through GET close-loop for cases updated between `start` and `end` (inclusive).

    `on_progress` hears stage ``read back``: cases read so far. Requests go through `api`, so
    they share the run's rate limiter and retry policy.
    """
    result = ReadBack()
    params = {
        "per_page": str(per_page),
        "updated_at[start]": start.isoformat(),
        "updated_at[end]": end.isoformat(),
    }
    read = 0
    on_progress(ProgressEvent(READ_BACK_STAGE, 0, None, "case"))
    async for answer in pages(api, CLOSE_LOOP_PATH, params):
        page = parse_page(answer)
        result.pages += 1
        result.skipped.extend(page.skipped)
        merge(result, page.states)
        read += len(page.states)
        on_progress(ProgressEvent(READ_BACK_STAGE, read, None, "case"))
    return result
