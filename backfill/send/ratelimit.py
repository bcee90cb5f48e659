"""Pacing requests so that no 1-second window, measured at the server, exceeds the limit.

Two parts, because each alone gets something wrong:

- **aiolimiter's leaky bucket paces.** `AsyncLimiter` drains at ``rate / 1.04`` per second
  and holds `BURST` requests. A bucket one deep (``AsyncLimiter(1, 1 / rate)``) waits a full
  period after each request it lets go, so every wait the event loop rounds up (epoll counts
  whole milliseconds) is lost for good: at 200/s that costs a fifth of the rate. A second
  place absorbs it: a request of a waiting queue that wakes a little late finds the bucket
  drained by that much more, and the next may follow sooner. Only a waiting queue is owed
  that: when no request waits behind the one leaving, or when the bucket has drained empty
  (idle time, a stall of the client), the bucket starts again full, so the next request
  waits a period. A stall is therefore never caught up as a burst.
  A request that left late stays in the window for one window, and so would hold back the
  request `rate` places after it, and the window would repeat that forever at a steady
  pace. So a queue that begins starts at the earliest time from which its pace never meets
  the window (`_in_phase`), and when the window does hold a request back, the bucket
  forgets the catch-up the window refused.
- **A window of recent sends caps.** A bucket that catches up, however little, could still
  put more than `rate` requests in some window. So every send is also logged, and a request
  waits while `rate` sends already fall within the last ``1 + JITTER_ALLOWANCE_S`` seconds.
  That is the guarantee, whatever the bucket did: the server stamps a request on arrival, a
  little later than we sent it; as long as that delay varies by less than the allowance
  (40 ms), any 1-second window at the server holds requests we sent within 1.04 s, at most
  `rate`.

The period is ``1.04 s / rate``, so the bucket alone never fills a window: the cost of the
guarantee is the allowance, at most ``rate / 1.04`` requests per second (200/s -> 192/s).
A request can leave later than its slot: a new connection to open, a garbage collection
of a big plan, a busy machine. The caller then says when it really left (`left_at`), and
the window counts it from then on, so the requests after it are held back by where it
really is (for a delay under one window: a request delayed longer, say by a stall of the
whole client after its slot, can meet one the limiter let go meanwhile in some window).
Waiters are served one at a time in arrival order (an asyncio.Lock is fair), so only the
first in line waits in the bucket. `set_rate` changes the pace of a running limiter
(`rate_limit: auto`) from the next request on.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque

from aiolimiter import AsyncLimiter

JITTER_ALLOWANCE_S = 0.04
# requests the bucket lets go at once: two absorb the loop's rounding (module doc); below
# 2/s one, so that the bucket alone keeps a rate under one per window
BURST = 2


def effective_rate(rate: float) -> float:
    """The sustained rate the limiter allows for a configured `rate` (see module doc)."""
    return rate / (1 + JITTER_ALLOWANCE_S)


class RateLimiter:
    """aiolimiter's bucket pacing plus the sliding-window cap (module docstring). One per
    run, used inside one event loop: the bucket and the window read that loop's clock."""

    def __init__(self, rate: float) -> None:
        self.window_s = 1 + JITTER_ALLOWANCE_S
        self._lock = asyncio.Lock()
        self._sent: deque[float] = deque()
        self._last_left = -math.inf  # when the last request really left
        self._queued = 0  # acquire() calls in progress
        self._queue_began = True  # the last request left with none waiting behind it
        self.rate = 0.0
        self.set_rate(rate)

    def set_rate(self, rate: float) -> None:
        """Pace at `rate` from the next request on; the window cap follows at once."""
        if rate <= 0:
            raise ValueError("rate must be positive")
        if rate == self.rate:
            return
        self.rate = rate
        self.period_s = self.window_s / rate
        self._depth = BURST if rate >= BURST else 1
        self._bucket: AsyncLimiter | None = None  # made by the next request, at this pace
        # Below 1/s "rate per 1-second window" cannot be met by counting; the bucket
        # alone spaces requests 1.04/rate apart.
        self.cap = math.floor(rate) if rate >= 1 else None

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    async def acquire(self) -> float:
        """Wait until one more request may leave now; the caller sends it at once. Returns
        the slot's time, for `left_at`."""
        self._queued += 1
        try:
            async with self._lock:
                return await self._take_slot()
        finally:
            self._queued -= 1

    def _in_phase(self) -> float:
        """The earliest time from which a request every period never meets the window cap,
        given the sends the window holds: a queue that begins then keeps its pace, instead
        of being held back, a window later, by one of them that left late."""
        if self.cap is None:
            return 0.0
        sent, now = self._sent, self._now()
        while sent and now - sent[0] >= self.window_s:
            sent.popleft()
        # the request that leaves `behind` places after this one is the cap-th after sent[j]
        return max(
            [now]
            + [
                left + self.window_s - behind * self.period_s
                for behind, left in zip(range(self.cap - len(sent), self.cap), sent, strict=False)
            ]
        )

    async def _sleep_until(self, when: float) -> None:
        wait = when - self._now()
        if wait > 0:
            await asyncio.sleep(wait)

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

    async def _refill(self, level: float) -> None:
        """A new bucket at the current rate, holding `level` (a fresh bucket never waits)."""
        self._bucket = AsyncLimiter(self._depth, self._depth * self.period_s)
        if level > 0:
            await self._bucket.acquire(level)

    async def _take_slot(self) -> float:
        depth, period = self._depth, self.period_s
        if self._bucket is None:  # the first request at this rate
            # as full as the last request to leave would have left it at this pace, so that
            # a change of rate is no burst
            drained = (self._now() - self._last_left) / period
            await self._refill(min(depth, max(0.0, depth - drained)))
        assert self._bucket is not None
        await self._bucket.acquire()
        if self._queue_began:
            await self._sleep_until(self._in_phase())
        alone = self._queued == 1
        if alone or self._now() - self._last_left >= depth * period:
            # Nothing is owed when no request waits behind this one, or when the bucket has
            # drained empty (idle, a stall): it starts full, as one that just let a request
            # go, so the next waits a period instead of leaving with this one. The second
            # place only lets a waiting queue make up what the loop's timers rounded up.
            await self._refill(depth)
        self._queue_began = alone
        sent = self._sent
        while self.cap is not None:
            now = self._now()
            while sent and now - sent[0] >= self.window_s:
                sent.popleft()
            if len(sent) < self.cap:
                break
            await asyncio.sleep(sent[0] + self.window_s - now)
            # The window held back what the bucket let catch up: the bucket forgets it,
            # or the same catch-up would meet the window again one window later, forever.
            await self._refill(depth)
        self._last_left = self._now()
        if self.cap is not None:
            sent.append(self._last_left)
        return self._last_left


def pacing_limiter(rate: float) -> RateLimiter:
    """The limiter every request of a run goes through."""
    return RateLimiter(rate)
