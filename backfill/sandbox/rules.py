"""Request validation of both API versions, in the documents' words. Pure: no aiohttp.

v7 (seed 000) answers 422 with Laravel-style messages; v4.1 (seed 003) answers an `Error`
object with a documented code. Both check the tenant settings after the fields are valid.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from backfill.sandbox.settings import SandboxSettings
from backfill.sandbox.state import (
    STATUSES,
    ActionRequest,
    SandboxState,
    SurveyResponse,
    progressive_allows,
)

# "Format: YYYY-mm-dd H:m:s": two-digit month and day, one or two digits for H, m and s
_HAPPENED_AT = re.compile(r"(\d{4})-(\d{2})-(\d{2}) (\d{1,2}):(\d{1,2}):(\d{1,2})")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_EXTENDED = re.compile(r"[0-9]{1,2}")  # the extended set: integers 0-99

V41_STATUSES = {
    "OPEN": "open",
    "IN-PROGRESS": "progress",
    "PROGRESS": "progress",
    "CLOSED": "closed",
    "CLOSE": "closed",
}
V41_FIELDS = frozenset({"number_customergauge", "status", "comment", "assigned_to"})

# derived dates of a response seeded with its response date only (see seed_response)
_DERIVED_OFFSETS = {
    "date_order": timedelta(days=3),
    "date_creation": timedelta(days=2),
    "date_sent": timedelta(days=1),
}


# --- times -------------------------------------------------------------------------------
def to_utc(value: datetime, zone: tzinfo) -> datetime:
    """A naive datetime is read in the tenant's zone; an aware one keeps its instant."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def parse_happened_at(text: str, zone: tzinfo) -> datetime | None:
    match = _HAPPENED_AT.fullmatch(text)
    if match is None:
        return None
    try:
        year, month, day, hour, minute, second = (int(part) for part in match.groups())
        local = datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    return to_utc(local, zone)


def parse_date(text: str) -> datetime | None:
    """A `YYYY-mm-dd` query parameter as a naive midnight, or None."""
    match = _DATE.fullmatch(text)
    if match is None:
        return None
    try:
        year, month, day = (int(part) for part in match.groups())
        return datetime(year, month, day)
    except ValueError:
        return None


def parse_seed_datetime(value: str | datetime, zone: tzinfo) -> datetime:
    """A seeded date: datetime, or text in ISO 8601 / `YYYY-mm-dd[ HH:MM[:SS]]`."""
    if isinstance(value, datetime):
        return to_utc(value, zone)
    text = str(value).strip()
    parsed = parse_happened_at(text, zone)
    if parsed is not None:
        return parsed
    try:
        return to_utc(datetime.fromisoformat(text), zone)
    except ValueError:
        raise ValueError(
            f"response date {text!r} is not a date; write it as YYYY-mm-dd HH:MM:SS"
        ) from None


# The API documents' time format, written here again on purpose: the sandbox is built from
# the documents, not from the client (backfill.model.TIME_FORMAT), so a shared misreading fails.
API_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def format_local(value: datetime, zone: tzinfo) -> str:
    return value.astimezone(zone).strftime(API_TIME_FORMAT)


def make_response(
    number: str, dates: str | datetime | Mapping[str, Any], zone: tzinfo
) -> SurveyResponse:
    """A seeded response. Given only its response date, the other dates are derived
    *earlier* than it (order -3 d, creation -2 d, sent -1 d), so that a client reading the
    wrong field gets a different, wrong lower bound and the tests notice."""
    if isinstance(dates, Mapping):
        values = {k: v for k, v in dates.items() if v not in (None, "")}
        raw = values.get("date_survey_response", values.get("response_date"))
        if raw is None:
            raise ValueError(f"response {number} has no date_survey_response")
        responded = parse_seed_datetime(raw, zone)
        others = {
            name: parse_seed_datetime(values[name], zone) if name in values else responded - offset
            for name, offset in _DERIVED_OFFSETS.items()
        }
    else:
        responded = parse_seed_datetime(dates, zone)
        others = {name: responded - offset for name, offset in _DERIVED_OFFSETS.items()}
    return SurveyResponse(str(number).strip(), responded, **others)


# --- v7 ----------------------------------------------------------------------------------
def laravel_message(errors: dict[str, list[str]]) -> str:
    """Laravel's summary: the first message, plus "(and N more error[s])"."""
    messages = [message for field_messages in errors.values() for message in field_messages]
    more = len(messages) - 1
    if more <= 0:
        return messages[0]
    return f"{messages[0]} (and {more} more error{'s' if more > 1 else ''})"


@dataclass(slots=True)
class V7Outcome:
    action: ActionRequest | None
    errors: dict[str, list[str]]


def validate_v7(
    body: Mapping[str, Any],
    state: SandboxState,
    settings: SandboxSettings,
    now: datetime,
    zone: tzinfo,
) -> V7Outcome:
    """Validate a PUT close-loop body in the order of the document's parameter table."""
    errors: dict[str, list[str]] = {}

    raw_number = body.get("number_customergauge")
    number: str | None = None
    response: SurveyResponse | None = None
    if isinstance(raw_number, int) and not isinstance(raw_number, bool):
        number = str(raw_number)  # JSON may carry the id as a number
    elif isinstance(raw_number, str):
        number = raw_number.strip() or None
    if raw_number is None or (isinstance(raw_number, str) and number is None):
        errors["number_customergauge"] = ["The number customergauge field is required."]
    else:
        response = state.responses.get(number) if number is not None else None
        if response is None:
            errors["number_customergauge"] = ["The selected number customergauge is invalid."]

    raw_status = body.get("status")
    status = raw_status.strip() if isinstance(raw_status, str) else raw_status
    if status is None or status == "":
        errors["status"] = ["The status field is required."]
    elif status not in STATUSES:
        errors["status"] = ["The selected status is invalid."]

    raw_note = body.get("note")
    note: str | None = None
    if raw_note is not None and not isinstance(raw_note, str):
        errors["note"] = ["The note must be a string."]
    elif isinstance(raw_note, str) and raw_note.strip():
        note = raw_note.strip()  # Laravel trims strings and turns empty ones into null

    raw_happened = body.get("happened_at")
    at = now
    happened_given = raw_happened not in (None, "")
    if happened_given:
        parsed = (
            parse_happened_at(raw_happened.strip(), zone) if isinstance(raw_happened, str) else None
        )
        if parsed is None:
            errors["happened_at"] = ["The happened at does not match the format Y-m-d H:i:s."]
        elif response is not None and parsed < response.date_survey_response:
            errors["happened_at"] = [
                "The happened at must be a date after or equal to the survey response date."
            ]
        elif parsed > now:
            errors["happened_at"] = ["The happened at must be a date before or equal to now."]
        elif not settings.ignore_happened_at:
            at = parsed

    raw_assignee = body.get("assignee")
    assignee = raw_assignee.strip() or None if isinstance(raw_assignee, str) else None
    if raw_assignee is not None and not isinstance(raw_assignee, str):
        # not a validation error in the document: an invalid assignee is only not assigned
        assignee = str(raw_assignee)

    if not errors:
        assert number is not None and isinstance(status, str)
        errors.update(tenant_rules(state, settings, number, status, note))
    if errors:
        return V7Outcome(None, errors)
    assert number is not None and isinstance(status, str)
    action = ActionRequest(number, "v7", at, status, note, assignee, happened_given)
    return V7Outcome(action, {})


def tenant_rules(
    state: SandboxState, settings: SandboxSettings, number: str, status: str, note: str | None
) -> dict[str, list[str]]:
    """The two tenant settings of API-NOTES.md, both off by default."""
    errors: dict[str, list[str]] = {}
    case = state.cases.get(number)
    before = case.status if case is not None else None
    if settings.progressive and not progressive_allows(before, status):
        shown = "no status" if before is None else before
        errors["status"] = [
            f"The status cannot change from {shown} to {status}: "
            "statuses can only be transitioned progressively (open, progress, closed)."
        ]
    if settings.require_note and status != before and note is None:
        errors["note"] = ["The note field is required when changing the status."]
    return errors


# --- v4.1 --------------------------------------------------------------------------------
@dataclass(slots=True)
class V41Outcome:
    action: ActionRequest | None
    http_status: int = 200
    code: int = 0
    message: str = ""


def validate_v41(
    form: Mapping[str, str],
    state: SandboxState,
    settings: SandboxSettings,
    now: datetime,
) -> V41Outcome:
    """Validate a POST workflow form; the action happens now (v4.1 has no happened_at)."""
    extra = sorted(set(form) - V41_FIELDS)
    if extra:
        return V41Outcome(None, 400, 300000, f"Too many parameters: {', '.join(extra)}")
    number = (form.get("number_customergauge") or "").strip()
    if not number:
        return V41Outcome(None, 400, 300004, "Required field not supplied: number_customergauge")
    status: str | None = None
    raw_status = (form.get("status") or "").strip()
    if raw_status:
        status = V41_STATUSES.get(raw_status.upper())
        if status is None and settings.extended_statuses and _EXTENDED.fullmatch(raw_status):
            status = str(int(raw_status))  # stored as its text, "07" and "7" alike
        if status is None:
            return V41Outcome(None, 400, 400011, "Workflow status does not exist")
    if number not in state.responses:
        return V41Outcome(None, 400, 400200, "Workflow not found")
    comment = form.get("comment") or None
    if comment is not None and not comment.strip():
        comment = None
    if status is not None:
        problems = tenant_rules(state, settings, number, status, comment)
        if "status" in problems:
            return V41Outcome(None, 400, 300001, problems["status"][0])
        if "note" in problems:
            return V41Outcome(None, 400, 300004, "Required field not supplied: comment")
    assignee = (form.get("assigned_to") or "").strip() or None
    return V41Outcome(ActionRequest(number, "v4.1", now, status, comment, assignee))
