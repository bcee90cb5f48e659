"""The /_sandbox/ routes: outside the CustomerGauge API, for tests and for a person
inspecting a rehearsal. Not authenticated, not logged, never faulted."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from backfill.sandbox.app import Emulator


def _json(payload: Any, status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(payload, indent=1), status=status, content_type="application/json"
    )


def add_admin_routes(app: web.Application, emulator: Emulator) -> None:
    state = emulator.state

    async def index(request: web.Request) -> web.Response:
        return _json(
            {
                "cases": "/_sandbox/cases",
                "case": "/_sandbox/cases/{number_customergauge}",
                "requests": "/_sandbox/requests",
                "counters": "/_sandbox/counters",
            }
        )

    async def cases(request: web.Request) -> web.Response:
        return _json({"data": [case.to_json() for case in state.changed_cases()]})

    async def case(request: web.Request) -> web.Response:
        found = state.cases.get(request.match_info["number"])
        if found is None:
            return _json({"message": "No such case: no action was applied to it."}, 404)
        return _json(found.to_json())

    async def requests(request: web.Request) -> web.Response:
        return _json({"data": [record.to_json() for record in state.requests]})

    async def counters(request: web.Request) -> web.Response:
        return _json({"counters": dict(state.counters), "emails": dict(state.emails)})

    app.router.add_get("/_sandbox/", index)
    app.router.add_get("/_sandbox/cases", cases)
    app.router.add_get("/_sandbox/cases/{number}", case)
    app.router.add_get("/_sandbox/requests", requests)
    app.router.add_get("/_sandbox/counters", counters)
