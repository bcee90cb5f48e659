"""The fault pipeline every API request goes through before its endpoint's own logic.

A request is logged on arrival, then the faults decided for it are applied in the order a
real deployment would meet them (rate limiter, load balancer errors, lost connections,
authentication), then the endpoint's handler runs.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Literal

from aiohttp import web

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


async def through_faults(
    emulator: Emulator, request: web.Request, handler: Handler, auth: Auth, body_kind: BodyKind
) -> web.StreamResponse:
    """Answer `request` with `handler`, unless one of the faults drawn for it answers first."""
    arrived = emulator.monotonic()
    state = emulator.state
    record = state.log_request(arrived, request.method, request.path)
    state.counters["requests"] += 1
    body: dict[str, Any] = {}
    if body_kind == "v7":
        body = await read_v7_body(request)
    elif body_kind == "form":
        body = await read_form(request)
    case_id = body.get("number_customergauge")
    if case_id is not None:
        record.case_id = str(case_id).strip()
    draw = emulator.injector.draw()
    admitted = emulator.injector.admit(arrived)
    if draw.delay_s:
        await asyncio.sleep(draw.delay_s)
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
    if auth == "bearer" and not bearer_ok(emulator, request, draw.early_expiry):
        return finish(
            state, record, web.Response(body=UNAUTHENTICATED, status=401, content_type=JSON)
        )
    if auth == "api_key" and not api_key_ok(emulator, request):
        return finish(state, record, v41_error(request, 401, 200000, "Invalid API key"))
    if draw.late_apply:
        return await _apply_late(emulator, request, handler, body, record)
    response = await handler(emulator, request, body, record)
    if emulator.settings.faults.echo_credentials and isinstance(response, web.Response):
        response = echo_credentials(request, response)
    if draw.drop_after:
        state.counters["fault:drop_after"] += 1
        return drop(request, record, "dropped-after")
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
    handler: Handler,
    body: dict[str, Any],
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
        await handler(emulator, request, body, record)

    task = asyncio.ensure_future(later())
    emulator.late.add(task)
    task.add_done_callback(emulator.late.discard)
    await asyncio.shield(task)
    return drop(request, record, "applied-late")
