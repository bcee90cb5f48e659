"""The v4.1 workflow endpoint (``/v4.1/workflow.json`` and ``.xml``), v4.1's 404 and 405."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from backfill.sandbox import rules
from backfill.sandbox.answers import v41_data, v41_error
from backfill.sandbox.state import RequestRecord

if TYPE_CHECKING:
    from backfill.sandbox.app import Emulator


async def method_not_allowed(emulator: Emulator, request: web.Request) -> web.Response:
    emulator.state.log_request(emulator.monotonic(), request.method, request.path).status = 405
    return v41_error(request, 405, 300003, "Method not allowed")


async def not_found(emulator: Emulator, request: web.Request) -> web.Response:
    emulator.state.log_request(emulator.monotonic(), request.method, request.path).status = 404
    return v41_error(request, 404, 300002, "Resource not found")


async def workflow(
    emulator: Emulator, request: web.Request, body: dict[str, Any], record: RequestRecord
) -> web.Response:
    now = emulator.now()
    outcome = rules.validate_v41(body, emulator.state, emulator.settings, now)
    if outcome.action is None:
        return v41_error(request, outcome.http_status, outcome.code, outcome.message)
    emulator.state.apply(outcome.action, now, emulator.settings.accept_any_assignee)
    number: int | str = outcome.action.number_customergauge
    if isinstance(number, str) and number.isdigit():
        number = int(number)  # the document's example answers the id as a number
    return v41_data(request, {"number_customergauge": number})
