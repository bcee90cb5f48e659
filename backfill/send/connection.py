"""The run's one aiohttp ClientSession: a connector sized to the concurrency, TLS always
verified (tls.py), the API timeout, a trace of when each request really left, and no
repeat that aiohttp would make by itself."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import SimpleNamespace

import aiohttp

from backfill.config import Config
from backfill.send.tls import trusted_context

# called when a request's headers are written (ApiSession._left: the limiter counts it then)
OnLeft = Callable[
    [aiohttp.ClientSession, SimpleNamespace, aiohttp.TraceRequestHeadersSentParams],
    Awaitable[None],
]


def open_client(config: Config, on_left: OnLeft) -> aiohttp.ClientSession:
    """The ClientSession of a run; call it inside the running loop, as aiohttp requires."""
    connector = aiohttp.TCPConnector(
        limit=config.send.concurrency + 4,
        ttl_dns_cache=300,
        enable_cleanup_closed=True,
        ssl=trusted_context(),
    )
    left = aiohttp.TraceConfig()
    left.on_request_headers_sent.append(on_left)
    session = aiohttp.ClientSession(
        connector=connector,
        trace_configs=[left],
        timeout=aiohttp.ClientTimeout(total=config.api.timeout_s),
        headers={"Accept": "application/json", "User-Agent": "backfill"},
    )
    _no_silent_repeats(session)
    return session


def _no_silent_repeats(session: aiohttp.ClientSession) -> None:
    """Stop aiohttp repeating a request by itself: the one private attribute we touch.

    aiohttp silently repeats an idempotent request (PUT included) once when a reused
    connection drops. That repeat may apply an action twice without anyone knowing; every
    repeat must be ours, counted and marked resent_uncertain. aiohttp (3.14) has no public
    switch for it; tests/test_client.py checks that no repeat slips through.
    """
    if hasattr(session, "_retry_connection"):
        session._retry_connection = False
