"""The sending phase of a run: one event loop's worth of requests, stoppable by Ctrl-C."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from backfill.config import Config
from backfill.errors import BackfillError
from backfill.model import OnProgress
from backfill.runner.preflight import Echo
from backfill.runner.resume import Decisions, JournalHooks
from backfill.send.session import ApiSession


@dataclass
class Sent:
    """What sending did, for the report: set even when sending raised."""

    aborted: str | None = None
    requests: int = 0
    elapsed_s: float = 0.0
    unreachable: bool = False  # stopped at a host it never reached: nothing was sent


async def send_decided(
    api: ApiSession,
    config: Config,
    decisions: Decisions,
    hooks: JournalHooks,
    sent: Sent,
    *,
    echo: Echo,
    on_progress: OnProgress,
) -> None:
    """Send what the journal decided, filling in `sent` (also when this raises)."""
    from backfill.runner.signals import Interrupts
    from backfill.send.lanes import send_cases

    stop = asyncio.Event()
    started = time.monotonic()
    requests_before = api.requests
    try:
        with Interrupts(stop, echo) as interrupts:
            task = asyncio.create_task(
                send_cases(
                    api,
                    decisions.cases,
                    send=config.send,
                    hooks=hooks,
                    stop=stop,
                    on_progress=on_progress,
                    earlier_lost=decisions.lost_at,
                )
            )
            interrupts.task = task
            try:
                report = await task
                sent.aborted = report.aborted
            except asyncio.CancelledError:
                if interrupts.count < 2:
                    raise
                sent.aborted = "interrupted twice: stopped at once"
            except BackfillError as exc:
                sent.aborted = f"{type(exc).__name__}: {exc}"
            if sent.aborted is None and interrupts.interrupted:
                sent.aborted = "interrupted (Ctrl-C or SIGTERM)"
    finally:
        sent.elapsed_s = time.monotonic() - started
        sent.requests = api.requests - requests_before
        sent.unreachable = api.nothing_reached
