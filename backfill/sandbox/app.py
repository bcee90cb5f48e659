"""The aiohttp routes of the sandbox: thin handlers over `rules` (validation) and `state`.

Every API request goes through `Emulator._api`: it is logged on arrival, then the faults
decided for it are applied in the order a real deployment would meet them (rate limiter,
load balancer errors, lost connections, authentication), then the endpoint's own logic.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import json
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from aiohttp import web

from backfill.sandbox import rules
from backfill.sandbox.faults import FaultInjector
from backfill.sandbox.settings import Faults, SandboxSettings
from backfill.sandbox.state import RESPONSE_DATE_FIELDS, RequestRecord, SandboxState

PUT_PATH = "/v7/rest/close-loop/status"
SYNC_CLOSE_LOOP_PATH = "/v7/rest/sync/close-loop"
SYNC_RESPONSES_PATH = "/v7/rest/sync/responses"
TOKEN_PATH = "/oauth2/token"
JSON = "application/json"
UNAUTHENTICATED = b'{"message": "Unauthenticated."}'
TOO_MANY = b'{"message": "Too Many Attempts."}'
DEFAULT_PER_PAGE = 100

Clock = Callable[[], datetime]
AnyResponse = TypeVar("AnyResponse", bound=web.StreamResponse)
Handler = Callable[[web.Request, dict[str, Any], RequestRecord], Awaitable[web.StreamResponse]]


def _json(payload: Any, status: int = 200) -> web.Response:
    return web.Response(body=json.dumps(payload).encode(), status=status, content_type=JSON)


# the 200 answers of the PUT, pre-encoded: they are most of what a backfill receives
_PUT_OK = {
    (s, n, a): json.dumps({"data": {"status": s, "note": n, "assignee": a}}).encode()
    for s in (True, False)
    for n in (True, False)
    for a in (True, False)
}


class Emulator:
    """The running tenant: settings, state, tokens, clock and faults, and the handlers."""

    def __init__(
        self,
        settings: SandboxSettings,
        clock: Clock | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.state = SandboxState()
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self.monotonic = monotonic
        self.tokens: dict[str, float] = {}  # access token -> monotonic expiry
        self.injector = FaultInjector(settings.faults)
        self._late: set[asyncio.Future[None]] = set()  # late applies still to happen

    # --- helpers ------------------------------------------------------------------------
    def now(self) -> datetime:
        """The sandbox clock as an aware UTC instant (a naive clock reads in tenant time)."""
        return rules.to_utc(self.clock(), self.settings.zone())

    @property
    def late_pending(self) -> int:
        """Requests held by the late-apply fault that are still to be applied."""
        return len(self._late)

    def set_faults(self, faults: Faults) -> None:
        """Replace the faults and restart their generator from the new seed."""
        self.settings.faults = faults
        self.injector = FaultInjector(faults)

    def issue_token(self) -> tuple[str, float]:
        ttl = self.settings.token_ttl_s
        token = secrets.token_urlsafe(24)
        self.tokens[token] = self.monotonic() + ttl
        self.state.counters["tokens_issued"] += 1
        return token, ttl

    def _bearer_ok(self, request: web.Request, early_expiry: bool) -> bool:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return False
        expiry = self.tokens.get(token.strip())
        if expiry is None:
            return False
        if expiry <= self.monotonic() or early_expiry:
            # an expired token stays expired: the client must fetch a new one
            del self.tokens[token.strip()]
            if early_expiry:
                self.state.counters["fault:early_expiry"] += 1
            return False
        return True

    def _api_key_ok(self, request: web.Request) -> bool:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "api_key" and hmac.compare_digest(
            key.strip().encode(), self.settings.api_key.encode()
        )

    # --- the fault pipeline -------------------------------------------------------------
    async def _api(
        self, request: web.Request, handler: Handler, auth: str, body_kind: str
    ) -> web.StreamResponse:
        arrived = self.monotonic()
        state = self.state
        record = state.log_request(arrived, request.method, request.path)
        state.counters["requests"] += 1
        body: dict[str, Any] = {}
        if body_kind == "v7":
            body = await _read_v7_body(request)
        elif body_kind == "form":
            body = await _read_form(request)
        case_id = body.get("number_customergauge")
        if case_id is not None:
            record.case_id = str(case_id).strip()
        draw = self.injector.draw()
        admitted = self.injector.admit(arrived)
        if draw.delay_s:
            await asyncio.sleep(draw.delay_s)
        if not admitted:
            state.counters["fault:rate_limited"] += 1
            headers = {"Retry-After": "1"} if self.settings.faults.retry_after else {}
            return self._finish(
                record,
                web.Response(body=TOO_MANY, status=429, content_type=JSON, headers=headers),
            )
        if draw.server_error is not None:
            state.counters["fault:server_error"] += 1
            return self._finish(record, _server_error(draw.server_error))
        if draw.drop_before:
            state.counters["fault:drop_before"] += 1
            return _drop(request, record, "dropped-before")
        if auth == "bearer" and not self._bearer_ok(request, draw.early_expiry):
            return self._finish(
                record, web.Response(body=UNAUTHENTICATED, status=401, content_type=JSON)
            )
        if auth == "api_key" and not self._api_key_ok(request):
            return self._finish(
                record,
                _v41_error(request, 401, 200000, "Invalid API key"),
            )
        if draw.late_apply:
            return await self._apply_late(request, handler, body, record)
        response = await handler(request, body, record)
        if draw.drop_after:
            state.counters["fault:drop_after"] += 1
            return _drop(request, record, "dropped-after")
        return self._finish(record, response)

    async def _apply_late(
        self, request: web.Request, handler: Handler, body: dict[str, Any], record: RequestRecord
    ) -> web.StreamResponse:
        """Hold the request, apply it after `late_apply_s`, and never answer it.

        A client with a shorter timeout has given up and may have sent its retry, or even
        the case's next action, by the time this one is applied. Shielded, so that the
        client closing its connection does not cancel the late apply.
        """
        self.state.counters["fault:late_apply"] += 1

        async def later() -> None:
            await asyncio.sleep(self.settings.faults.late_apply_s)
            await handler(request, body, record)

        task = asyncio.ensure_future(later())
        self._late.add(task)
        task.add_done_callback(self._late.discard)
        await asyncio.shield(task)
        return _drop(request, record, "applied-late")

    def _finish(self, record: RequestRecord, response: AnyResponse) -> AnyResponse:
        record.status = response.status
        self.state.counters[f"status:{response.status}"] += 1
        return response

    # --- endpoints ----------------------------------------------------------------------
    async def token(self, request: web.Request) -> web.Response:
        record = self.state.log_request(self.monotonic(), request.method, request.path)
        draw = self.injector.draw(token_endpoint=True)
        if draw.delay_s:
            await asyncio.sleep(draw.delay_s)
        if draw.server_error is not None:
            self.state.counters["fault:token_error"] += 1
            return self._finish(record, _server_error(draw.server_error))
        form = _form(await request.text())
        # stripped: the document's own curl example sends "client_secret=... " with a space
        client_id = form.get("client_id", "").strip()
        client_secret = form.get("client_secret", "").strip()
        basic = request.headers.get("Authorization", "")
        if basic.lower().startswith("basic "):
            # RFC 6749 2.3.1: the client may authenticate with HTTP Basic instead
            try:
                decoded = base64.b64decode(basic[6:].strip()).decode()
                client_id, _, client_secret = decoded.partition(":")
                client_id, client_secret = client_id.strip(), client_secret.strip()
            except (binascii.Error, UnicodeDecodeError):
                client_id = client_secret = ""
        if form.get("grant_type") != "client_credentials":
            self.state.counters["tokens_refused"] += 1
            return self._finish(record, _json({"error": "unsupported_grant_type"}, 400))
        good = hmac.compare_digest(
            client_id.encode(), self.settings.client_id.encode()
        ) & hmac.compare_digest(client_secret.encode(), self.settings.client_secret.encode())
        if not good:
            self.state.counters["tokens_refused"] += 1
            # RFC 6749 5.2: 400 invalid_client, or 401 when HTTP Basic was used
            status = 401 if basic.lower().startswith("basic ") else 400
            return self._finish(record, _json({"error": "invalid_client"}, status))
        token, ttl = self.issue_token()
        expires_in: float = int(ttl) if float(ttl).is_integer() else ttl
        return self._finish(
            record,
            _json({"access_token": token, "expires_in": expires_in, "token_type": "Bearer"}),
        )

    async def put_status(self, request: web.Request) -> web.StreamResponse:
        return await self._api(request, self._put_status, "bearer", "v7")

    async def _put_status(
        self, request: web.Request, body: dict[str, Any], record: RequestRecord
    ) -> web.Response:
        settings = self.settings
        now = self.now()
        outcome = rules.validate_v7(body, self.state, settings, now, settings.zone())
        if outcome.action is None:
            return _json(
                {"message": rules.laravel_message(outcome.errors), "errors": outcome.errors}, 422
            )
        answer = self.state.apply(outcome.action, now, settings.accept_any_assignee)
        return web.Response(
            body=_PUT_OK[(answer.status, answer.note, answer.assignee)], content_type=JSON
        )

    async def workflow(self, request: web.Request) -> web.StreamResponse:
        if request.method != "POST":
            self.state.log_request(self.monotonic(), request.method, request.path).status = 405
            return _v41_error(request, 405, 300003, "Method not allowed")
        return await self._api(request, self._workflow, "api_key", "form")

    async def v41_not_found(self, request: web.Request) -> web.Response:
        self.state.log_request(self.monotonic(), request.method, request.path).status = 404
        return _v41_error(request, 404, 300002, "Resource not found")

    async def _workflow(
        self, request: web.Request, body: dict[str, Any], record: RequestRecord
    ) -> web.Response:
        now = self.now()
        outcome = rules.validate_v41(body, self.state, self.settings, now)
        if outcome.action is None:
            return _v41_error(request, outcome.http_status, outcome.code, outcome.message)
        self.state.apply(outcome.action, now, self.settings.accept_any_assignee)
        number: int | str = outcome.action.number_customergauge
        if isinstance(number, str) and number.isdigit():
            number = int(number)  # the document's example answers the id as a number
        return _v41_data(request, {"number_customergauge": number})

    async def sync_close_loop(self, request: web.Request) -> web.StreamResponse:
        return await self._api(request, self._sync_close_loop, "bearer", "")

    async def _sync_close_loop(
        self, request: web.Request, body: dict[str, Any], record: RequestRecord
    ) -> web.Response:
        query = request.query
        errors: dict[str, list[str]] = {}
        per_page = _per_page(query, errors)
        cursor = _cursor(query, errors)
        start = _query_date(query, "updated_at[start]", "updated at.start", errors)
        end = _query_date(query, "updated_at[end]", "updated at.end", errors)
        if errors:
            return _json({"message": rules.laravel_message(errors), "errors": errors}, 422)
        zone = self.settings.zone()
        rows: list[dict[str, Any]] = []
        next_cursor: int | None = None
        for case in self.state.changed_cases():
            if case.update_seq <= cursor or case.updated_at is None:
                continue
            day = case.updated_at.astimezone(zone).replace(tzinfo=None)
            day = day.replace(hour=0, minute=0, second=0, microsecond=0)
            if (start is not None and day < start) or (end is not None and day > end):
                continue
            if len(rows) == per_page:
                next_cursor = rows[-1]["_seq"]
                break
            rows.append(
                {
                    "_seq": case.update_seq,
                    "number_customergauge": case.number_customergauge,
                    "status": case.status,
                    "assignee": case.assignee,
                    "time_to_follow_up": case.time_to_follow_up,
                    "time_to_close": case.time_to_close,
                    "updated_at": rules.format_local(case.updated_at, zone),
                }
            )
        for row in rows:
            del row["_seq"]
        return _json({"data": rows, "cursor": {"next": next_cursor}})

    async def sync_responses(self, request: web.Request) -> web.StreamResponse:
        return await self._api(request, self._sync_responses, "bearer", "")

    async def _sync_responses(
        self, request: web.Request, body: dict[str, Any], record: RequestRecord
    ) -> web.Response:
        query = request.query
        errors: dict[str, list[str]] = {}
        per_page = _per_page(query, errors)
        cursor = _cursor(query, errors)
        field = query.get("period[field]", "date_survey_response")
        if field not in RESPONSE_DATE_FIELDS:
            errors["period.field"] = ["The selected period.field is invalid."]
        start = _query_date(query, "period[start]", "period.start", errors)
        end = _query_date(query, "period[end]", "period.end", errors)
        if errors:
            return _json({"message": rules.laravel_message(errors), "errors": errors}, 422)
        zone = self.settings.zone()
        selected = []
        for response in self.state.responses.values():
            local = response.date(field).astimezone(zone).replace(tzinfo=None)
            day = local.replace(hour=0, minute=0, second=0, microsecond=0)
            if (start is not None and day < start) or (end is not None and day > end):
                continue
            selected.append((response.date(field), response.number_customergauge, response))
        selected.sort(key=lambda item: (item[0], item[1]))
        page = selected[cursor : cursor + per_page]
        more = cursor + per_page < len(selected)
        rows = [
            {
                "number_customergauge": response.number_customergauge,
                **{
                    name: rules.format_local(response.date(name), zone)
                    for name in RESPONSE_DATE_FIELDS
                },
            }
            for _, _, response in page
        ]
        return _json({"data": rows, "cursor": {"next": cursor + per_page if more else None}})


# --- request and answer helpers ----------------------------------------------------------
def _form(text: str) -> dict[str, str]:
    # PHP semantics: of repeated keys the last one wins
    return dict(parse_qsl(text, keep_blank_values=True))


async def _read_v7_body(request: web.Request) -> dict[str, Any]:
    """JSON or x-www-form-urlencoded, as the Content-Type says (both are documented).

    A body that cannot be read counts as empty, as Laravel does: the answer is then a 422
    naming the required fields.
    """
    content_type = request.content_type
    if content_type == "multipart/form-data":
        return await _read_form(request)
    raw = await request.text()
    if content_type == JSON or content_type.endswith("+json"):
        try:
            parsed = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return _form(raw)


async def _read_form(request: web.Request) -> dict[str, Any]:
    """x-www-form-urlencoded (what curl -d sends) or multipart/form-data (files ignored)."""
    if request.content_type == "multipart/form-data":
        fields = await request.post()
        return {key: value for key, value in fields.items() if isinstance(value, str)}
    return _form(await request.text())


def _per_page(query: Mapping[str, str], errors: dict[str, list[str]]) -> int:
    raw = query.get("per_page")
    if raw is None:
        return DEFAULT_PER_PAGE
    if not raw.strip().isdigit() or not 1 <= int(raw) <= 1000:
        errors["per_page"] = ["The per page must be between 1 and 1000."]
        return DEFAULT_PER_PAGE
    return int(raw)


def _cursor(query: Mapping[str, str], errors: dict[str, list[str]]) -> int:
    raw = query.get("cursor")
    if raw is None or raw == "":
        return 0
    if not raw.strip().isdigit():
        errors["cursor"] = ["The cursor must be an integer."]
        return 0
    return int(raw)


def _query_date(
    query: Mapping[str, str], key: str, label: str, errors: dict[str, list[str]]
) -> datetime | None:
    raw = query.get(key)
    if raw is None or raw == "":
        return None
    parsed = rules.parse_date(raw.strip())
    if parsed is None:
        errors[label] = [f"The {label} does not match the format Y-m-d."]
    return parsed


def _server_error(status: int) -> web.Response:
    if status == 500:
        return _json({"message": "Server Error"}, 500)
    # a load balancer's answer: not JSON, as clients meet it in the wild
    reason = {502: "Bad Gateway", 503: "Service Temporarily Unavailable"}[status]
    html = f"<html><head><title>{status} {reason}</title></head><body><h1>{status} {reason}</h1>"
    return web.Response(text=html + "</body></html>", status=status, content_type="text/html")


def _drop(request: web.Request, record: RequestRecord, how: str) -> web.Response:
    """Close the connection without answering: the client sees it disconnected."""
    record.status = how
    transport = request.transport
    if transport is not None:
        transport.close()
    # aiohttp fails to write this to the closed transport and drops it quietly
    return web.Response(status=204)


def _is_xml(request: web.Request) -> bool:
    return request.path.endswith(".xml")


def _xml(root: str, fields: Mapping[str, Any]) -> str:
    from xml.sax.saxutils import escape

    inner = "".join(f"<{key}>{escape(str(value))}</{key}>" for key, value in fields.items())
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{root}>{inner}</{root}>\n'


def _v41_data(request: web.Request, data: Mapping[str, Any]) -> web.Response:
    if _is_xml(request):
        return web.Response(text=_xml("Data", data), content_type="application/xml")
    return _json({"Data": dict(data)})


def _v41_error(request: web.Request, status: int, code: int, message: str) -> web.Response:
    if _is_xml(request):
        return web.Response(
            text=_xml("Error", {"Message": message, "Code": code}),
            status=status,
            content_type="application/xml",
        )
    return _json({"Error": {"Message": message, "Code": code}}, status)


def build_app(emulator: Emulator, inspect: Callable[[web.Application], None]) -> web.Application:
    """The application: the CustomerGauge routes plus the /_sandbox/ inspection routes."""
    app = web.Application()
    app.router.add_post(TOKEN_PATH, emulator.token)
    app.router.add_put(PUT_PATH, emulator.put_status)
    app.router.add_route("*", "/v4.1/workflow.json", emulator.workflow)
    app.router.add_route("*", "/v4.1/workflow.xml", emulator.workflow)
    app.router.add_route("*", "/v4.1/{tail:.*}", emulator.v41_not_found)
    app.router.add_get(SYNC_CLOSE_LOOP_PATH, emulator.sync_close_loop)
    app.router.add_get(SYNC_RESPONSES_PATH, emulator.sync_responses)
    inspect(app)
    return app
