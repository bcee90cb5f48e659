"""The send phase of a run: one event loop's worth of requests, stoppable by Ctrl-C, each
attempt and outcome recorded in the journal as the sender reports it.

Ctrl-C and SIGTERM: the first signal sets the run's stop event: the sender starts no new
action, lets the requests in flight finish, and reports the rest `pending`; the reports are
written and the run exits 3. The second cancels the sending task: requests in flight are
abandoned, their actions stay marked in flight in the journal (it is consistent at every
moment), and the next run re-sends them as uncertain.
"""

from __future__ import annotations

import asyncio
import signal
import time
from dataclasses import dataclass
from typing import Any

from backfill.errors import BackfillError
from backfill.journal.store import Journal
from backfill.model import Action, Echo, OnProgress, Result
from backfill.runner.resume import Decisions
from backfill.send.session import ApiSession


@dataclass
class Sent:
    """What sending did, for the report: set even when sending raised."""

    aborted: str | None = None
    requests: int = 0
    elapsed_s: float = 0.0
    unreachable: bool = False  # stopped at a host it never reached: nothing was sent
    rate_found: float | None = None  # rate_limit: auto: where the server pushed back
    rate_over_time: list[tuple[float, float]] | None = None  # auto: (s into run, pace)
    # the gaps between requests leaving, and the seconds they span, over every phase
    gaps: int = 0
    gaps_s: float = 0.0

    @property
    def pace(self) -> float:
        """Requests/s as they left: n requests make n - 1 gaps. Counting n over the time
        from the first to the last one's answer flatters a short run: 7 requests at 5/s
        made "5.52/s", as if the limit had been broken."""
        return round(self.gaps / self.gaps_s, 2) if self.gaps_s > 0 else 0.0


@dataclass
class Departures:
    """When a phase's requests left (loop time): its share of `Sent.pace`."""

    count: int = 0
    first: float = 0.0
    last: float = 0.0

    def note(self, at: float) -> None:
        if not self.count:
            self.first = at
        self.count += 1
        self.last = at


async def send_decided(
    api: ApiSession,
    decisions: Decisions,
    hooks: JournalHooks,
    sent: Sent,
    *,
    echo: Echo,
    on_progress: OnProgress,
) -> None:
    """Send what the journal decided, filling in `sent` (also when this raises)."""
    from backfill.send.lanes import send_cases

    stop = asyncio.Event()
    started = time.monotonic()
    requests_before = api.requests
    hooks.departures = Departures()
    try:
        with Interrupts(stop, echo) as interrupts:
            task = asyncio.create_task(
                send_cases(
                    api,
                    decisions.cases,
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
        # += : a pilot run sends twice (the pilot, then the rest) into one record
        sent.elapsed_s += time.monotonic() - started
        sent.requests += api.requests - requests_before
        if hooks.departures.count > 1:  # (a pilot's pause for the read-back is no gap)
            sent.gaps += hooks.departures.count - 1
            sent.gaps_s += hooks.departures.last - hooks.departures.first
        sent.unreachable = api.nothing_reached
        if api.adaptive is not None:
            sent.rate_found = api.adaptive.found
            sent.rate_over_time = list(api.adaptive.history)


class JournalHooks:
    """Records each attempt before it goes out and each outcome after (journal/store.py)."""

    def __init__(self, journal: Journal, run_id: str, decisions: Decisions) -> None:
        self.journal = journal
        self.run_id = run_id
        self.identities = decisions.identities
        self.happened_utc = decisions.happened_utc
        self.contents = decisions.contents
        self.uncertain = decisions.uncertain
        self.results: dict[int, Result] = {}
        self.in_flight: set[int] = set()
        self.departures = Departures()

    def on_attempt(self, action: Action, attempt: int) -> None:
        """An attempt's request is about to leave (it has its rate-limit slot)."""
        self.departures.note(asyncio.get_running_loop().time())
        self.in_flight.add(action.key)
        self.journal.mark_in_flight(
            self.identities[action.key],
            action,
            self.run_id,
            attempt,
            self.happened_utc.get(action.key),
            self.contents.get(action.key),
        )

    def on_result(self, action: Action, result: Result) -> None:
        self.in_flight.discard(action.key)
        if action.key in self.uncertain and result.attempts > 0:
            result.resent_uncertain = True  # an earlier run may have applied it already
        self.results[action.key] = result
        self.journal.record_result(
            self.identities[action.key],
            action,
            self.run_id,
            result,
            self.happened_utc.get(action.key),
            self.contents.get(action.key),
        )


class Interrupts:
    """Ctrl-C / SIGTERM: the first stops taking new work, the second cancels at once."""

    def __init__(self, stop: asyncio.Event, echo: Echo) -> None:
        self.stop = stop
        self.echo = echo
        self.count = 0
        self.task: asyncio.Task[Any] | None = None
        self._installed: list[int] = []

    def __enter__(self) -> Interrupts:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, self._signal, sig)
                self._installed.append(sig)
            except (NotImplementedError, RuntimeError, ValueError):
                pass  # not the main thread, or Windows: Ctrl-C then ends the run at once
        return self

    def __exit__(self, *exc: object) -> None:
        loop = asyncio.get_running_loop()
        for sig in self._installed:
            loop.remove_signal_handler(sig)

    def _signal(self, sig: int) -> None:
        self.count += 1
        if self.count == 1:
            self.stop.set()
            self.echo(
                f"\n{signal.Signals(sig).name}: finishing the requests in flight, then writing "
                "the reports; press Ctrl-C again to stop at once"
            )
        elif self.task is not None:
            self.task.cancel()

    @property
    def interrupted(self) -> bool:
        return self.count > 0
