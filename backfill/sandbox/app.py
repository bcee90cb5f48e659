"""The sandbox's tenant (`Emulator`) and its aiohttp application (`build_app`).

The endpoints live in modules of their own, thin over `rules` (validation) and `state`:
`close_loop` (the v7 PUT), `workflow` (v4.1), `tokens` (OAuth2 and the auth checks) and
`sync` (the GET readers). Every API request but the token's goes through the middleware
of `pipeline`, which applies the faults drawn for it first.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from aiohttp import web

from backfill.sandbox import rules
from backfill.sandbox.close_loop import put_status
from backfill.sandbox.faults import FaultInjector
from backfill.sandbox.pipeline import Faulted, endpoint_handler, fault_middleware
from backfill.sandbox.settings import Faults, SandboxSettings
from backfill.sandbox.state import SandboxState
from backfill.sandbox.sync import sync_close_loop, sync_responses
from backfill.sandbox.tokens import token
from backfill.sandbox.workflow import method_not_allowed, not_found, workflow

PUT_PATH = "/v7/rest/close-loop/status"
SYNC_CLOSE_LOOP_PATH = "/v7/rest/sync/close-loop"
SYNC_RESPONSES_PATH = "/v7/rest/sync/responses"
TOKEN_PATH = "/oauth2/token"

Clock = Callable[[], datetime]
Endpoint = Callable[["Emulator", web.Request], Awaitable[web.StreamResponse]]


class Emulator:
    """The running tenant: settings, state, tokens, clock and faults."""

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
        self.late: set[asyncio.Future[None]] = set()  # late applies still to happen

    def now(self) -> datetime:
        """The sandbox clock as an aware UTC instant (a naive clock reads in tenant time)."""
        return rules.to_utc(self.clock(), self.settings.zone())

    @property
    def late_pending(self) -> int:
        """Requests held by the late-apply fault that are still to be applied."""
        return len(self.late)

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


def build_app(emulator: Emulator, inspect: Callable[[web.Application], None]) -> web.Application:
    """The application: the CustomerGauge routes plus the /_sandbox/ inspection routes."""

    def on(endpoint: Endpoint) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handle(request: web.Request) -> web.StreamResponse:
            return await endpoint(emulator, request)

        return handle

    v7_json, v7_query, v41_form = (
        Faulted("bearer", "v7"),
        Faulted("bearer", ""),
        Faulted("api_key", "form"),
    )
    faulted = {
        "put-status": v7_json,
        "workflow-json": v41_form,
        "workflow-xml": v41_form,
        "sync-close-loop": v7_query,
        "sync-responses": v7_query,
    }
    app = web.Application(middlewares=[fault_middleware(emulator, faulted)])
    app.router.add_post(TOKEN_PATH, on(token))
    app.router.add_put(PUT_PATH, endpoint_handler(emulator, put_status), name="put-status")
    for suffix in ("json", "xml"):
        path = f"/v4.1/workflow.{suffix}"
        app.router.add_post(path, endpoint_handler(emulator, workflow), name=f"workflow-{suffix}")
        app.router.add_route("*", path, on(method_not_allowed))
    app.router.add_route("*", "/v4.1/{tail:.*}", on(not_found))
    app.router.add_get(
        SYNC_CLOSE_LOOP_PATH, endpoint_handler(emulator, sync_close_loop), name="sync-close-loop"
    )
    app.router.add_get(
        SYNC_RESPONSES_PATH, endpoint_handler(emulator, sync_responses), name="sync-responses"
    )
    inspect(app)
    return app
