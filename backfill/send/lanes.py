"""The scheduler: one lane per case, cases in parallel, each case's actions strictly in order.

`send.concurrency` workers each take the next case and send its actions one after another,
each only after the previous one succeeded (`sent` or `partial`). Every request of every
lane goes through the session's one limiter, so concurrency only hides latency: the rate is
the limiter's. A permanently failed action blocks the rest of its case (with
`on_case_failure: block`), since later actions would be applied to a case whose history is
missing a step; with `continue` the lane goes on.

A lost answer (timeout, dropped connection) means the server may still apply that request
later. Its own retry may go at once (a repeat of the same action cannot reorder the case),
but the case's next action waits until `send.settle_s` after the answer was lost, so that a
late-applied request can never land after its successor. The same holds across runs: an
action an earlier run lost (or had in flight when it died) settles from when it was recorded.
A settling case does not hold its lane: it is parked with the time it may go on, the lane
takes the next case, and parked cases resume, before any new case, in the order they
become ready.

Stopping (the `stop` event, the circuit breaker, refused credentials) never interrupts a
request in flight: no new action is started, requests already sent finish, and everything
not finished is reported `pending`, so a re-run resumes exactly there.
"""

from __future__ import annotations

import asyncio
import heapq
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from backfill.codes import Code
from backfill.model import Action, OnProgress, Outcome, ProgressEvent, Result, no_progress
from backfill.send.protocol import UnsendableError, build_request
from backfill.send.session import ApiSession

SEND_STAGE = "send"  # actions finished of all to send
FAILED_STAGE = "send failed"  # of those, failed or blocked (reported when one is)


class SendHooks(Protocol):
    def on_attempt(self, action: Action, attempt: int) -> None:
        """Called just before each HTTP attempt of `action` (journal: in flight)."""

    def on_result(self, action: Action, result: Result) -> None:
        """Called exactly once per action, when its result is final."""


@dataclass
class SendReport:
    results: dict[int, Result]  # key -> Result for EVERY action given
    requests: int
    elapsed_s: float
    aborted: str | None  # why the run stopped early (breaker, auth); None if it did not


async def send_cases(
    api: ApiSession,
    cases: Sequence[Sequence[Action]],
    *,
    hooks: SendHooks | None = None,
    stop: asyncio.Event | None = None,
    on_progress: OnProgress = no_progress,
    earlier_lost: Mapping[int, float] | None = None,
) -> SendReport:
    """Send every case's actions in order over `api`; a Result for every action given.

    How (concurrency, on_case_failure, settle_s) is the session's config's `send:`.
    `on_progress` hears stage ``send`` (actions finished of all; pending ones are not) and
    ``send failed`` (how many of them failed or were blocked).
    """
    lanes = _Lanes(api, hooks, stop, on_progress, sum(len(case) for case in cases))
    lanes.earlier_lost = earlier_lost or {}
    on_progress(ProgressEvent(SEND_STAGE, 0, lanes.total, "action"))
    started = time.monotonic()
    requests_before = api.requests
    queue = iter(cases)
    workers = [
        asyncio.create_task(lanes.worker(queue), name=f"backfill-lane-{n}")
        for n in range(min(lanes.send.concurrency, len(cases)))
    ]
    try:
        await asyncio.gather(*workers)
    except BaseException:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        raise
    # Whatever no lane reached (stopped or aborted) is pending: not attempted in this run.
    for case in cases:
        for action in case:
            if action.key not in lanes.results:
                lanes.finish(
                    action,
                    Result(
                        action.key,
                        Outcome.PENDING,
                        error=lanes.pending_reason(),
                        code=Code.NOT_SENT,
                    ),
                )
    return SendReport(
        results=lanes.results,
        requests=api.requests - requests_before,
        elapsed_s=time.monotonic() - started,
        aborted=api.aborted,
    )


@dataclass(eq=False)
class _Case:
    """A case on its way: where it is, what blocks it, until when it must settle."""

    actions: Sequence[Action]
    next: int = 0  # index of the next action to finish
    failed_at: Action | None = None
    settle_until: float | None = None  # loop time before which the next action may not go


class _Lanes:
    """The shared state of the workers of one send_cases call."""

    def __init__(
        self,
        api: ApiSession,
        hooks: SendHooks | None,
        stop: asyncio.Event | None,
        on_progress: OnProgress,
        total: int,
    ) -> None:
        self.api = api
        self.send = api.config.send
        self.earlier_lost: Mapping[int, float] = {}  # key -> epoch of an earlier lost request
        self.hooks = hooks
        self.stop = stop
        self.on_progress = on_progress
        self.total = total
        self.done = 0
        self.failed = 0
        self.results: dict[int, Result] = {}
        # cases that must settle: (when they may go on, parking order, the case)
        self.parked: list[tuple[float, int, _Case]] = []
        self.parked_count = 0

    def stopping(self) -> bool:
        return self.api.aborted is not None or (self.stop is not None and self.stop.is_set())

    def pending_reason(self) -> str:
        if self.api.aborted is not None:
            return f"not attempted: the run stopped before sending it ({self.api.aborted})"
        return "not attempted: the run was interrupted before this action"

    async def worker(self, queue: Iterator[Sequence[Action]]) -> None:
        # A plain iterator and a heap are safe to share: workers only touch them between
        # awaits. A worker leaves when nothing is left to start and nothing is parked; a
        # worker that parks a case later comes back for it itself.
        loop = asyncio.get_running_loop()
        while not self.stopping():
            if self.parked and self.parked[0][0] <= loop.time():
                lane = heapq.heappop(self.parked)[2]
            elif (case := next(queue, None)) is not None:
                lane = _Case(case)
            elif self.parked:
                if not await self.api.wait_until(self.parked[0][0], self.stop):
                    return  # stopped while cases settle: their rest is pending
                continue
            else:
                return
            resume_at = await self.send_case(lane)
            if resume_at is not None:
                self.parked_count += 1
                heapq.heappush(self.parked, (resume_at, self.parked_count, lane))

    async def send_case(self, lane: _Case) -> float | None:
        """Send `lane`'s actions in order until it ends or must settle; when it may go on."""
        loop = asyncio.get_running_loop()
        for action in lane.actions[lane.next :]:
            failed_at = lane.failed_at
            if failed_at is not None and self.send.on_case_failure == "block":
                lane.next += 1
                self.finish(action, Result.blocked(action.key, failed_at))
                continue
            if self.stopping():
                return None  # the rest of the case is reported pending by send_cases
            if lane.settle_until is not None and lane.settle_until > loop.time():
                return lane.settle_until  # parked: the lane takes another case meanwhile
            lane.next += 1
            result, lost_at = await self.send_action(action)
            earlier = self.earlier_lost.get(action.key)
            if earlier is not None:  # an earlier run's request of it may still land
                then = loop.time() - (time.time() - earlier)
                lost_at = then if lost_at is None else max(lost_at, then)
            if lost_at is not None:
                lane.settle_until = lost_at + self.send.settle_s
            self.finish(action, result)
            if result.outcome == Outcome.PENDING:
                return None
            if result.outcome not in (Outcome.SENT, Outcome.PARTIAL):
                lane.failed_at = action
        return None

    async def send_action(self, action: Action) -> tuple[Result, float | None]:
        """The action's result, and when its last lost answer was given up on (if any)."""
        try:
            request = build_request(action, self.api.config.api)
        except UnsendableError as exc:
            return Result(action.key, Outcome.FAILED, error=str(exc), code=Code.UNSENDABLE), None
        on_attempt = None
        if self.hooks is not None:
            hooks = self.hooks

            def on_attempt(attempt: int) -> None:
                hooks.on_attempt(action, attempt)

        delivery = await self.api.deliver(request, on_attempt=on_attempt, stop=self.stop)
        error = delivery.error
        if delivery.kind == Outcome.PENDING and delivery.attempts == 0:
            error = self.pending_reason()
        result = Result(
            key=action.key,
            outcome=delivery.kind,
            http_status=delivery.http_status,
            error=error,
            code=delivery.code,
            attempts=delivery.attempts,
            sent_at=delivery.sent_at,
            resent_uncertain=delivery.resent_uncertain,
            answer_lost=delivery.lost_at is not None,
            refused=delivery.refused,
        )
        return result, delivery.lost_at

    def finish(self, action: Action, result: Result) -> None:
        self.results[action.key] = result
        if self.hooks is not None:
            self.hooks.on_result(action, result)
        # a pending action was not done: after Ctrl-C the progress shows how far the run got
        if result.outcome != Outcome.PENDING:
            self.done += 1
            self.on_progress(
                ProgressEvent(
                    SEND_STAGE, self.done, self.total, "action", rate=self.api.current_rate
                )
            )
            if result.outcome in (Outcome.FAILED, Outcome.BLOCKED):
                self.failed += 1
                self.on_progress(ProgressEvent(FAILED_STAGE, self.failed, None, "action"))


__all__ = ["ApiSession", "SendHooks", "SendReport", "send_cases"]
