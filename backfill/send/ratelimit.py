"""Pacing requests so that no 1-second window, measured at the server, exceeds the limit.

Two parts, because each alone gets something wrong:

- **An absolute schedule paces (GCRA).** Request k may leave at ``t0 + k·T``: each slot is
  one period after the previous *slot*, not after the moment the previous request really
  left. A wait the event loop rounds up (epoll counts whole milliseconds) or a short stall of
  the client (garbage collection, a busy machine) is therefore caught up at once instead of
  being lost for good, as it is with a bucket's relative waits. A schedule only runs while
  requests wait for it: after an idle spell it restarts at "now" (idle time is not owed),
  and it never owes more than `CATCH_UP_S`: the schedule runs at the window's pace, so a
  longer stall can never be made up within the guarantee, only turned into bursts.
- **A window of recent sends caps.** A catch-up, however short, could still put more than
  `rate` requests in some window. So every send is also logged, and a request waits while
  `rate` sends already fall within the last ``1 + JITTER_ALLOWANCE_S`` seconds. That is the
  guarantee, whatever the schedule did: the server stamps a request on arrival, a little
  later than we sent it; as long as that delay varies by less than the allowance (40 ms),
  any 1-second window at the server holds requests we sent within 1.04 s, at most `rate`.

The period is ``1.04 s / rate``, so the schedule alone never fills a window: the cost of the
guarantee is the allowance, at most ``rate / 1.04`` requests per second (200/s -> 192/s).
A request can leave later than its slot: a new connection to open, a garbage collection
of a big plan, a busy machine. The caller then says when it really left (`left_at`), and
the window counts it from then on, so the requests after it are held back by where it
really is (for a delay under one window; a request that late has lost its slot anyway).
Waiters are served one at a time in arrival order (an asyncio.Lock is fair), so only the
first in line sleeps on the schedule. `set_rate` changes the pace of a running limiter
(`rate_limit: auto`).
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import Awaitable, Callable

JITTER_ALLOWANCE_S = 0.04
# the schedule owes at most this much: timer rounding and short pauses are caught up; a
# longer stall cannot be, as the schedule already fills the window, so it is forgotten
# rather than echoed by the window as bursts
CATCH_UP_S = 0.05


def effective_rate(rate: float) -> float:
    """The sustained rate the limiter allows for a configured `rate` (see module doc)."""
    return rate / (1 + JITTER_ALLOWANCE_S)


class RateLimiter:
    """GCRA pacing plus the sliding-window cap (module docstring). One per run.

    `clock` and `sleep` default to the running loop's clock and asyncio.sleep; tests inject
    their own to control time.
    """

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        self.window_s = 1 + JITTER_ALLOWANCE_S
        self._clock = clock
        self._sleep = sleep or asyncio.sleep
        self._lock = asyncio.Lock()
        self._sent: deque[float] = deque()
        self._next_slot: float | None = None  # when the next request is due
        self._last_left = 0.0  # when the last request really left
        self._owed = False  # someone was waiting when the last request left
        self._queued = 0  # acquire() calls in progress
        self.set_rate(rate)

    def set_rate(self, rate: float) -> None:
        """Pace at `rate` from the next slot on; the window cap follows at once."""
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.period_s = self.window_s / rate
        # Below 1/s "rate per 1-second window" cannot be met by counting; the schedule
        # alone spaces requests 1.04/rate apart.
        self.cap = math.floor(rate) if rate >= 1 else None

    def _now(self) -> float:
        return self._clock() if self._clock is not None else asyncio.get_running_loop().time()

    async def acquire(self) -> float:
        """Wait until one more request may leave now; the caller sends it at once. Returns
        the slot's time, for `left_at`."""
        self._queued += 1
        try:
            async with self._lock:
                return await self._take_slot()
        finally:
            self._queued -= 1

    def left_at(self, slot: float, now: float | None = None) -> None:
        """The request given `slot` really left at `now` (default: now): count it in the
        window from then."""
        now = self._now() if now is None else now
        if now <= slot:
            return
        self._last_left = max(self._last_left, now)
        if self.cap is None:
            return
        # searched from the newest end, where a request just sent is: a scan from the
        # oldest would cost a whole window per request when the limit is high
        sent = self._sent
        for back in range(1, len(sent) + 1):
            if sent[-back] <= slot:
                if sent[-back] == slot:
                    del sent[-back]
                break
        back = 1
        while back <= len(sent) and sent[-back] > now:
            back += 1
        sent.insert(len(sent) - back + 1, now)

    async def _take_slot(self) -> float:
        now = self._now()
        if self._next_slot is None:
            slot = now
        elif self._owed:  # a stall while requests waited is caught up, up to CATCH_UP_S
            slot = max(self._next_slot, now - CATCH_UP_S)
        else:  # idle time is not owed: restart one period after the last real departure
            slot = max(self._next_slot, now, self._last_left + self.period_s)
        if slot > now:
            await self._sleep(slot - now)
        sent = self._sent
        while self.cap is not None:
            now = self._now()
            while sent and now - sent[0] >= self.window_s:
                sent.popleft()
            if len(sent) < self.cap:
                break
            await self._sleep(sent[0] + self.window_s - now)
        self._last_left = self._now()
        if self.cap is not None:
            sent.append(self._last_left)
        self._next_slot = slot + self.period_s
        self._owed = self._queued > 1
        return self._last_left


def pacing_limiter(rate: float) -> RateLimiter:
    """The limiter every request of a run goes through."""
    return RateLimiter(rate)
