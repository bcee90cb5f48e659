"""The fault pipeline every API request goes through before its endpoint's own logic: an
aiohttp middleware, so that no endpoint has to remember to call it.

A request is logged on arrival, then the faults decided for it are applied in the order a
real deployment would meet them (rate limiter, load balancer errors, lost connections,
authentication), then the endpoint's handler runs. Only the routes named in the
middleware's `routes` go through it (not the token endpoint, v4.1's 404 and 405, nor the
/_sandbox/ inspection routes).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from aiohttp import web
from aiohttp.typedefs import Handler as WebHandler
from aiohttp.typedefs import Middleware

from backfill.sandbox.answers import (
    JSON,
    drop,
    finish,
    read_form,
    read_v7_body,
    server_error,
    v41_error,
)
from backfill.sandbox.state import RequestRecord
from backfill.sandbox.tokens import api_key_ok, bearer_ok

if TYPE_CHECKING:
    from backfill.sandbox.app import Emulator

UNAUTHENTICATED = b'{"message": "Unauthenticated."}'
TOO_MANY = b'{"message": "Too Many Attempts."}'

# the endpoint's own logic, run once the request got through the faults
Handler = Callable[
    ["Emulator", web.Request, dict[str, Any], RequestRecord], Awaitable[web.StreamResponse]
]
Auth = Literal["bearer", "api_key"]
BodyKind = Literal["v7", "form", ""]

# where the middleware leaves what the endpoint needs: the parsed body and the log record
BODY = web.RequestKey("backfill.sandbox.body", dict[str, Any])
RECORD = web.RequestKey("backfill.sandbox.record", RequestRecord)


@dataclass(frozen=True, slots=True)
class Faulted:
    """A route that goes through the faults: how it authenticates and what body it reads."""

    auth: Auth
    body: BodyKind


def endpoint_handler(emulator: Emulator, endpoint: Handler) -> WebHandler:
    """The aiohttp handler of a faulted route: `endpoint` with what the middleware read."""

    async def handle(request: web.Request) -> web.StreamResponse:
        return await endpoint(emulator, request, request[BODY], request[RECORD])

    return handle


def fault_middleware(emulator: Emulator, routes: Mapping[str, Faulted]) -> Middleware:
    """The middleware that puts every request of the routes named in `routes` (by route
    name) through the faults; other requests pass untouched."""

    @web.middleware
    async def faults(request: web.Request, handler: WebHandler) -> web.StreamResponse:
        route = routes.get(request.match_info.route.name or "")
        if route is None:
            return await handler(request)
        return await through_faults(emulator, request, handler, route)

    return faults


async def through_faults(
    emulator: Emulator, request: web.Request, handler: WebHandler, route: Faulted
) -> web.StreamResponse:
    """Answer `request` with `handler`, unless one of the faults drawn for it answers first."""
    arrived = emulator.monotonic()
    state = emulator.state
    record = state.log_request(arrived, request.method, request.path)
    state.counters["requests"] += 1
    body: dict[str, Any] = {}
    if route.body == "v7":
        body = await read_v7_body(request)
    elif route.body == "form":
        body = await read_form(request)
    request[BODY] = body
    request[RECORD] = record
    case_id = body.get("number_customergauge")
    if case_id is not None:
        record.case_id = str(case_id).strip()
    draw = emulator.injector.draw()
    admitted = emulator.injector.admit(arrived)
    within_quota, quota_headers = emulator.injector.quota(arrived)
    if draw.delay_s:
        await asyncio.sleep(draw.delay_s)
    if not within_quota:
        state.counters["fault:over_quota"] += 1
        return finish(
            state,
            record,
            web.Response(body=TOO_MANY, status=429, content_type=JSON, headers=quota_headers),
        )
    if not admitted:
        state.counters["fault:rate_limited"] += 1
        headers = {"Retry-After": "1"} if emulator.settings.faults.retry_after else {}
        return finish(
            state,
            record,
            web.Response(body=TOO_MANY, status=429, content_type=JSON, headers=headers),
        )
    if draw.server_error is not None:
        state.counters["fault:server_error"] += 1
        return finish(state, record, server_error(draw.server_error))
    if draw.drop_before:
        state.counters["fault:drop_before"] += 1
        return drop(request, record, "dropped-before")
    if route.auth == "bearer" and not bearer_ok(emulator, request, draw.early_expiry):
        return finish(
            state, record, web.Response(body=UNAUTHENTICATED, status=401, content_type=JSON)
        )
    if route.auth == "api_key" and not api_key_ok(emulator, request):
        return finish(state, record, v41_error(request, 401, 200000, "Invalid API key"))
    if draw.late_apply:
        return await _apply_late(emulator, request, handler, record)
    response = await handler(request)
    if emulator.settings.faults.echo_credentials and isinstance(response, web.Response):
        response = echo_credentials(request, response)
    if draw.drop_after:
        state.counters["fault:drop_after"] += 1
        return drop(request, record, "dropped-after")
    response.headers.update(quota_headers)
    return finish(state, record, response)


def echo_credentials(request: web.Request, response: web.Response) -> web.Response:
    """The echo_credentials fault: an error answer repeats the Authorization it was sent."""
    if response.status < 400 or not isinstance(response.body, bytes):
        return response
    try:
        payload = json.loads(response.body)
    except ValueError:
        return response
    sent = f" (request authorised by {request.headers.get('Authorization', '')})"
    if isinstance(payload, dict) and isinstance(payload.get("Error"), dict):
        payload["Error"]["Message"] = str(payload["Error"].get("Message", "")) + sent
    elif isinstance(payload, dict):
        payload["message"] = str(payload.get("message", "")) + sent
    else:
        return response
    return web.Response(
        body=json.dumps(payload).encode(),
        status=response.status,
        content_type=response.content_type,
    )


async def _apply_late(
    emulator: Emulator,
    request: web.Request,
    handler: WebHandler,
    record: RequestRecord,
) -> web.StreamResponse:
    """Hold the request, apply it after `late_apply_s`, and never answer it.

    A client with a shorter timeout has given up and may have sent its retry, or even
    the case's next action, by the time this one is applied. Shielded, so that the
    client closing its connection does not cancel the late apply.
    """
    emulator.state.counters["fault:late_apply"] += 1

    async def later() -> None:
        await asyncio.sleep(emulator.settings.faults.late_apply_s)
        await handler(request)

    task = asyncio.ensure_future(later())
    emulator.late.add(task)
    task.add_done_callback(emulator.late.discard)
    await asyncio.shield(task)
    return drop(request, record, "applied-late")
