"""The emulated tenant's data and the case state machine. Pure: no aiohttp, no I/O, no clock.

All instants are timezone-aware UTC datetimes; the caller converts from the tenant's zone.
The rules follow the PUT Close the Loop document (seed 000) and API-NOTES.md:

- a case exists only once an action was applied to it (status change, comment, assignment);
- open -> progress stamps the follow-up time, progress -> closed the close time, both at the
  action's time; re-opening (closed -> open or closed -> progress) clears both; any other
  transition (open -> closed, none -> progress, repeats) stamps nothing;
- time_to_follow_up / time_to_close are whole hours (floor) from the survey response date.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

STATUSES = ("open", "progress", "closed")

# tenant setting "statuses can only be transitioned progressively": allowed (from, to) pairs,
# besides same-status repeats. None = the case has no status yet.
PROGRESSIVE_TRANSITIONS = frozenset(
    {(None, "open"), ("closed", "open"), ("open", "progress"), ("progress", "closed")}
)

RESPONSE_DATE_FIELDS = ("date_survey_response", "date_creation", "date_order", "date_sent")


@dataclass(slots=True)
class SurveyResponse:
    """A seeded survey response: the lower bound of happened_at for its case."""

    number_customergauge: str
    date_survey_response: datetime
    date_creation: datetime
    date_order: datetime
    date_sent: datetime

    def date(self, name: str) -> datetime:
        value: datetime = getattr(self, name)
        return value


@dataclass(slots=True)
class ActionRequest:
    """One validated action, from either API version, ready to be applied."""

    number_customergauge: str
    api: str  # "v7" | "v4.1"
    at: datetime  # the action's time: happened_at, or the sandbox clock's now
    status: str | None = None  # None = no status given (v4.1 comment/assignment only)
    note: str | None = None
    assignee: str | None = None
    happened_at_given: bool = False


@dataclass(slots=True)
class HistoryEntry:
    """One applied action as the sandbox saw it, in arrival order."""

    seq: int
    api: str
    received_at: datetime  # sandbox clock when it was applied
    at: datetime  # the action's time (happened_at or received_at)
    happened_at_given: bool
    status_before: str | None
    status: str | None
    note: str | None
    assignee_requested: str | None
    assigned: bool | None  # None = no assignee requested
    stamped: list[str] = field(default_factory=list)  # follow_up | closed | cleared
    system_notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "api": self.api,
            "received_at": _iso(self.received_at),
            "at": _iso(self.at),
            "happened_at_given": self.happened_at_given,
            "status_before": self.status_before,
            "status": self.status,
            "note": self.note,
            "assignee_requested": self.assignee_requested,
            "assigned": self.assigned,
            "stamped": list(self.stamped),
            "system_notes": list(self.system_notes),
        }


@dataclass(slots=True)
class Case:
    """A Close the Loop case: created by its first applied action."""

    number_customergauge: str
    response_at: datetime
    status: str | None = None
    assignee: str | None = None
    follow_up_at: datetime | None = None
    closed_at: datetime | None = None
    updated_at: datetime | None = None  # sandbox clock time of the last change
    update_seq: int = 0  # global order of last change: the GET close-loop cursor
    history: list[HistoryEntry] = field(default_factory=list)

    @property
    def time_to_follow_up(self) -> int | None:
        return whole_hours(self.response_at, self.follow_up_at)

    @property
    def time_to_close(self) -> int | None:
        return whole_hours(self.response_at, self.closed_at)

    def to_json(self) -> dict[str, Any]:
        return {
            "number_customergauge": self.number_customergauge,
            "status": self.status,
            "assignee": self.assignee,
            "response_at": _iso(self.response_at),
            "follow_up_at": _iso(self.follow_up_at),
            "closed_at": _iso(self.closed_at),
            "time_to_follow_up": self.time_to_follow_up,
            "time_to_close": self.time_to_close,
            "updated_at": _iso(self.updated_at),
            "history": [entry.to_json() for entry in self.history],
        }


@dataclass(slots=True)
class AppliedAnswer:
    """What the PUT answer reports: which parts of the action were applied."""

    status: bool
    note: bool
    assignee: bool


@dataclass(slots=True)
class RequestRecord:
    """One arriving API request, for tests checking order per case and the rate of arrivals."""

    seq: int
    arrived: float  # time.monotonic() at arrival
    method: str
    path: str
    case_id: str | None = None
    status: int | str | None = None  # HTTP status, "dropped-before" or "dropped-after"

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "arrived": self.arrived,
            "method": self.method,
            "path": self.path,
            "case_id": self.case_id,
            "status": self.status,
        }


class SandboxState:
    """Everything the sandbox knows: responses, users, cases, the request log, counters."""

    def __init__(self) -> None:
        self.responses: dict[str, SurveyResponse] = {}
        self.users: dict[str, str] = {}  # casefolded e-mail -> e-mail as seeded
        self.cases: dict[str, Case] = {}
        self.requests: list[RequestRecord] = []
        self.counters: Counter[str] = Counter()
        self.emails: Counter[str] = Counter()  # assignee -> assignment e-mails "sent"
        self._update_seq = 0
        self._history_seq = 0

    # --- seeding ------------------------------------------------------------------------
    def add_response(self, response: SurveyResponse) -> None:
        self.responses[response.number_customergauge] = response
        case = self.cases.get(response.number_customergauge)
        if case is not None:
            case.response_at = response.date_survey_response

    def add_user(self, email: str) -> None:
        self.users[email.strip().casefold()] = email.strip()

    def active_user(self, email: str, accept_any: bool) -> str | None:
        """The user's e-mail as known to the tenant, or None when not an active user."""
        known = self.users.get(email.strip().casefold())
        if known is not None:
            return known
        if accept_any and is_email(email):
            return email.strip()
        return None

    # --- the request log ----------------------------------------------------------------
    def log_request(self, arrived: float, method: str, path: str) -> RequestRecord:
        record = RequestRecord(len(self.requests) + 1, arrived, method, path)
        self.requests.append(record)
        return record

    def max_requests_in_window(self, window_s: float = 1.0, path_prefix: str = "/v") -> int:
        """The most requests whose arrivals fall within any `window_s`-long window."""
        times = sorted(r.arrived for r in self.requests if r.path.startswith(path_prefix))
        best = start = 0
        for end, t in enumerate(times):
            while t - times[start] >= window_s:
                start += 1
            best = max(best, end - start + 1)
        return best

    # --- the state machine --------------------------------------------------------------
    def apply(
        self, action: ActionRequest, now: datetime, accept_any_assignee: bool
    ) -> AppliedAnswer:
        """Apply a validated action to its case (creating the case) and record it."""
        response = self.responses[action.number_customergauge]
        case = self.cases.get(action.number_customergauge)
        created = case is None
        if case is None:
            case = Case(action.number_customergauge, response.date_survey_response)
        self._history_seq += 1
        entry = HistoryEntry(
            seq=self._history_seq,
            api=action.api,
            received_at=now,
            at=action.at,
            happened_at_given=action.happened_at_given,
            status_before=case.status,
            status=action.status,
            note=action.note,
            assignee_requested=action.assignee,
            assigned=None,
        )
        changed = False
        if action.status is not None:
            entry.stamped = transition(case, action.status, action.at)
            changed = True
        if action.note is not None:
            changed = True
        if action.assignee is not None:
            user = self.active_user(action.assignee, accept_any_assignee)
            entry.assigned = user is not None
            if user is not None:
                case.assignee = user
                self.emails[user] += 1
                self.counters["assignment_emails"] += 1
            else:
                # the document: "a note will be added to the history about the attempt"
                entry.system_notes.append(f"Attempt to assign the case to {action.assignee} failed")
                self.counters["assignments_failed"] += 1
            changed = True
        if not changed:
            # nothing to record: a v4.1 call naming only the case creates no case
            return AppliedAnswer(status=False, note=False, assignee=False)
        if created:
            self.cases[case.number_customergauge] = case
        self._update_seq += 1
        case.update_seq = self._update_seq
        case.updated_at = now
        case.history.append(entry)
        self.counters["actions_applied"] += 1
        return AppliedAnswer(
            status=action.status is not None,
            note=action.note is not None,
            assignee=bool(entry.assigned),
        )

    def changed_cases(self) -> list[Case]:
        """Cases in the order of their last change (the GET close-loop cursor order)."""
        return sorted(self.cases.values(), key=lambda case: case.update_seq)


def transition(case: Case, status: str, at: datetime) -> list[str]:
    """Move `case` to `status` at `at`; return which times were stamped or cleared."""
    before = case.status
    stamped: list[str] = []
    if before == "closed" and status in ("open", "progress"):
        case.follow_up_at = None
        case.closed_at = None
        stamped.append("cleared")
    elif before == "open" and status == "progress":
        case.follow_up_at = at
        stamped.append("follow_up")
    elif before == "progress" and status == "closed":
        case.closed_at = at
        stamped.append("closed")
    case.status = status
    return stamped


def progressive_allows(before: str | None, status: str) -> bool:
    """Whether the tenant setting "transitioned progressively" allows before -> status.

    Only the three standard statuses take part; the v4.1 extended (numeric) statuses are
    outside that ladder and always allowed.
    """
    if before == status:
        return True
    standard = (before is None or before in STATUSES) and status in STATUSES
    return not standard or (before, status) in PROGRESSIVE_TRANSITIONS


def whole_hours(start: datetime, end: datetime | None) -> int | None:
    if end is None:
        return None
    return int((end - start).total_seconds() // 3600)


def is_email(value: str) -> bool:
    """A light syntax check: one @, a dotted domain, no spaces (enough to refuse typos)."""
    local, at, domain = value.strip().rpartition("@")
    return (
        bool(at and local and domain)
        and "." in domain.strip(".")
        and not any(ch.isspace() for ch in value.strip())
        and "@" not in local
    )


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
