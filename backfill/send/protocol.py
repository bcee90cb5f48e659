"""CustomerGauge requests and what their answers mean: pure functions, no I/O.

One `Action` becomes one request: v7 ``PUT /v7/rest/close-loop/status`` with a JSON or form
body, or v4.1 ``POST /v4.1/workflow.json`` with form fields. Each answer (or each failure to
get one) becomes a `Verdict` that the session and the scheduler act on:

- ``sent``      the API applied the action;
- ``partial``   v7 answered 200 but a part of ``data`` is ``false`` (e.g. an unknown assignee);
- ``failed``    a permanent refusal (4xx but 401/429, or a v4.1 ``Error`` body): do not repeat;
- ``retry``     429 / 5xx / connection refused: not applied, try again (``retry_after`` if given);
- ``lost``      the request went out but no answer came back (connection dropped, timeout):
                the API may or may not have applied it, so a repeat is marked uncertain;
- ``auth``      401: the token expired or was refused.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from backfill.config import ApiConfig
from backfill.model import Action
from backfill.redact import redact
from backfill.send.retry_policy import RETRYABLE_STATUSES, parse_retry_after

V7_PATH = "/v7/rest/close-loop/status"
V41_PATH = "/v4.1/workflow.json"
V41_STATUS_WORDS = {"open": "OPEN", "progress": "IN-PROGRESS", "closed": "CLOSED"}
V7_ASSIGNEE = "assignee"  # the v7 field, and its name in a partial answer's Verdict.refused


class Kind(StrEnum):
    """What an answer (or its absence) means for the action: the module docstring's list."""

    SENT = "sent"
    PARTIAL = "partial"
    FAILED = "failed"
    RETRY = "retry"
    LOST = "lost"
    AUTH = "auth"
    NOT_SENT = "pending"  # stopped before the request left: nothing to judge


TRANSIENT = frozenset({Kind.RETRY, Kind.LOST})


class UnsendableError(ValueError):
    """An action that cannot be expressed as a request of the configured API version."""


@dataclass(frozen=True, slots=True)
class PreparedRequest:
    method: str
    path: str
    case: str
    json: dict[str, str] | None = None
    form: dict[str, str] | None = None
    params: dict[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    kind: Kind
    http_status: int | None = None
    error: str = ""
    retry_after: float | None = None
    refused: tuple[str, ...] = ()  # partial: the API's names of the fields it did not apply


@dataclass(frozen=True, slots=True)
class BodyField:
    """One field of a request body: the API's name for it and the `Action` attribute it
    carries; sent even when empty if `always`, otherwise only when it has a value."""

    name: str
    source: str
    always: bool = False


@dataclass(frozen=True, slots=True)
class RequestShape:
    """What every request of one API version and body format looks like."""

    method: str
    path: str
    form: bool  # form-encoded body (else JSON)
    fields: tuple[BodyField, ...]  # in body order


def request_shape(api: ApiConfig) -> RequestShape:
    """The shape of every request under api.version / api.body_format: the one description
    that `build_request` (one action, as the sender sends it) and backfill/send/bodies.py
    (a plan's columns at once, for requests.jsonl) both follow."""
    case = BodyField("number_customergauge", "case", always=True)
    status = BodyField("status", "status", always=True)
    if api.version == "v4.1":
        # v4.1 has no happened_at: whether a plan with times may be sent this way is decided
        # (and reported) at plan level; here the time is simply not part of the request.
        v41 = (case, status, BodyField("comment", "note"), BodyField("assigned_to", "assignee"))
        return RequestShape("POST", V41_PATH, True, v41)
    v7 = (
        case,
        status,
        BodyField("happened_at", "happened_at"),
        BodyField("note", "note"),
        BodyField(V7_ASSIGNEE, "assignee"),
    )
    return RequestShape("PUT", V7_PATH, api.body_format == "form", v7)


def sent_status(status: str, api: ApiConfig) -> str:
    """The status as api.version takes it; UnsendableError when that version has none."""
    if api.version != "v4.1":
        return status
    status = status.strip()
    if status.isdigit() and api.extended_statuses and 0 <= int(status) <= 99:
        return str(int(status))
    if status.lower() in V41_STATUS_WORDS:
        return V41_STATUS_WORDS[status.lower()]
    hint = (
        "integer statuses need api.extended_statuses: true"
        if status.isdigit()
        else "use open, progress or closed"
    )
    raise UnsendableError(f"status {status!r} cannot be sent to v4.1 ({hint})")


def build_request(action: Action, api: ApiConfig) -> PreparedRequest:
    """The one request that performs `action` under api.version / api.body_format."""
    shape = request_shape(api)
    values = {
        "case": action.case,
        "status": sent_status(action.status, api),
        "happened_at": action.happened_at,
        "note": action.note,
        "assignee": action.assignee,
    }
    fields = {f.name: values[f.source] or "" for f in shape.fields if f.always or values[f.source]}
    if shape.form:
        return PreparedRequest(shape.method, shape.path, action.case, form=fields)
    return PreparedRequest(shape.method, shape.path, action.case, json=fields)


def interpret(
    version: str,
    status: int,
    body: str,
    headers: Mapping[str, str] | None = None,
    *,
    sent_fields: Mapping[str, str] | None = None,
) -> Verdict:
    """What an HTTP answer means for the action (see module docstring).

    `sent_fields` are the fields the request carried: a v7 ``false`` for a part that was not
    sent (``"assignee": false`` when no assignee was given) is not a partial application.
    """
    headers = headers or {}
    if version == "v4.1":
        return _interpret_v41(status, body, headers)
    return _interpret_v7(status, body, headers, sent_fields)


def _interpret_v7(
    status: int, body: str, headers: Mapping[str, str], sent_fields: Mapping[str, str] | None
) -> Verdict:
    parsed = _json(body)
    if 200 <= status < 300:
        data = parsed.get("data") if isinstance(parsed, dict) else None
        if isinstance(data, dict):
            refused = tuple(
                str(name)
                for name, ok in data.items()
                if ok is False and (sent_fields is None or name in sent_fields)
            )
            if refused:
                error = f"not applied by the API: {', '.join(refused)} (data.* false)"
                return Verdict(Kind.PARTIAL, status, error, refused=refused)
        return Verdict(Kind.SENT, status)
    return _non_success(status, _v7_message(parsed, body), headers)


def _interpret_v41(status: int, body: str, headers: Mapping[str, str]) -> Verdict:
    parsed = _json(body)
    error = parsed.get("Error") if isinstance(parsed, dict) else None
    if status == 401:
        return Verdict(Kind.AUTH, status, _v41_message(error) or "API key refused")
    if status in RETRYABLE_STATUSES:
        return _non_success(status, _v41_message(error) or _snippet(body), headers)
    if error is not None:
        # A v4.1 Error body is a failure whatever the HTTP status (200 included).
        return Verdict(Kind.FAILED, status, _v41_message(error) or "Error without message")
    if 200 <= status < 300:
        return Verdict(Kind.SENT, status)
    return Verdict(Kind.FAILED, status, f"HTTP {status}: {_snippet(body)}".rstrip(": "))


def _non_success(status: int, message: str, headers: Mapping[str, str]) -> Verdict:
    if status == 401:
        return Verdict(Kind.AUTH, status, message or "Unauthenticated")
    if status in RETRYABLE_STATUSES:
        retry_after = parse_retry_after(_header(headers, "Retry-After"))
        return Verdict(Kind.RETRY, status, message or f"HTTP {status}", retry_after)
    return Verdict(Kind.FAILED, status, message or f"HTTP {status}")


def _v7_message(parsed: Any, body: str) -> str:
    if not isinstance(parsed, dict):
        return _snippet(body)
    message = str(parsed.get("message") or "").strip()
    errors = parsed.get("errors")
    details: list[str] = []
    if isinstance(errors, dict):
        for field_name, problems in errors.items():
            items = problems if isinstance(problems, list) else [problems]
            details.append(f"{field_name}: " + " ".join(str(p) for p in items))
    elif isinstance(errors, list):
        details.extend(str(e) for e in errors)
    if details:
        return f"{message} ({'; '.join(details)})" if message else "; ".join(details)
    return message or _snippet(body)


def _v41_message(error: Any) -> str:
    if not isinstance(error, dict):
        return ""
    message = str(error.get("Message") or "").strip()
    code = error.get("Code")
    return f"{message} (code {code})" if code not in (None, "") else message


def _json(body: str) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


def _snippet(body: str) -> str:
    # redacted before it is cut: a cut secret would no longer be recognised later
    return " ".join(redact(body).split())[:200]


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return value
