"""PUT /v7/rest/close-loop/status: one Close the Loop action, validated by `rules`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from backfill.sandbox import rules
from backfill.sandbox.answers import JSON, json_answer
from backfill.sandbox.state import RequestRecord

if TYPE_CHECKING:
    from backfill.sandbox.app import Emulator

# the 200 answers of the PUT, pre-encoded: they are most of what a backfill receives
_PUT_OK = {
    (s, n, a): json.dumps({"data": {"status": s, "note": n, "assignee": a}}).encode()
    for s in (True, False)
    for n in (True, False)
    for a in (True, False)
}


async def put_status(
    emulator: Emulator, request: web.Request, body: dict[str, Any], record: RequestRecord
) -> web.Response:
    settings = emulator.settings
    now = emulator.now()
    outcome = rules.validate_v7(body, emulator.state, settings, now, settings.zone())
    if outcome.action is None:
        return json_answer(
            {"message": rules.laravel_message(outcome.errors), "errors": outcome.errors}, 422
        )
    answer = emulator.state.apply(outcome.action, now, settings.accept_any_assignee)
    return web.Response(
        body=_PUT_OK[(answer.status, answer.note, answer.assignee)], content_type=JSON
    )
