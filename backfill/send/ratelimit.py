"""Pacing requests so that no 1-second window, measured at the server, exceeds the limit.

Two parts, because each alone gets something wrong:

- **aiolimiter paces.** Its leaky bucket lets `max_rate` acquisitions through at once, so the
  obvious ``AsyncLimiter(rate, 1)`` sends `rate` requests in the first instant and `rate` more
  within the next second: twice the limit in the first window. A bucket of capacity 1
  (``AsyncLimiter(1, 1 / rate)``) never bursts, but cannot make up for lost time: each wait is
  rounded up by the event loop's timer (epoll counts whole milliseconds) and every stall of
  the client (a busy machine, garbage collection) is rate lost for good. So the bucket holds
  a few slots at high rates (`burst_for`): after a stall it catches up with a short burst.
- **A window of recent sends caps.** A burst, however short, could still put more than
  `rate` requests in some window. So every send is also logged, and a request waits while
  `rate` sends already fall within the last ``1 + JITTER_ALLOWANCE_S`` seconds. That is the
  guarantee, whatever the bucket did: the server stamps a request on arrival, a little later
  than we sent it; as long as that delay varies by less than the allowance (40 ms), any
  1-second window at the server holds requests we sent within 1.04 s, at most `rate` of them.

The cost is the allowance: at most ``rate / 1.04`` requests per second (200/s -> 192/s).
A smaller allowance lets a rare 429 through when a pause on either side (garbage
collection) delays a request more than the allowance.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque

from aiolimiter import AsyncLimiter

JITTER_ALLOWANCE_S = 0.04


def burst_for(rate: float) -> int:
    """Bucket capacity: 1 below 50/s (timer rounding is negligible there), else ~5 % of rate."""
    return 1 if rate < 50 else max(2, int(rate // 20))


def effective_rate(rate: float) -> float:
    """The sustained rate the limiter allows for a configured `rate` (see module doc)."""
    return rate / (1 + JITTER_ALLOWANCE_S)


class RateLimiter:
    """aiolimiter pacing plus the sliding-window cap (module docstring). One per run."""

    def __init__(self, rate: float) -> None:
        burst = burst_for(rate)
        self.rate = rate
        self.window_s = 1 + JITTER_ALLOWANCE_S
        # Below 1/s "rate per 1-second window" cannot be met by counting; the bucket alone
        # spaces requests 1/rate apart.
        self.cap = math.floor(rate) if rate >= 1 else None
        self._bucket = AsyncLimiter(burst, burst / effective_rate(rate))
        self._sent: deque[float] = deque()
        self._started = False

    async def acquire(self) -> None:
        """Wait until one more request may leave now; the caller sends it at once."""
        if not self._started:
            # Start with a full bucket: the first request goes at once, the next ones are
            # paced; the burst capacity is only there to catch up after a stall.
            self._started = True
            await self._bucket.acquire(self._bucket.max_rate - 1)
        await self._bucket.acquire()
        if self.cap is None:
            return
        loop = asyncio.get_running_loop()
        sent = self._sent
        while True:
            now = loop.time()
            while sent and now - sent[0] >= self.window_s:
                sent.popleft()
            if len(sent) < self.cap:
                # No await between the check and the append: no other task can slip in.
                sent.append(now)
                return
            await asyncio.sleep(sent[0] + self.window_s - now)


def pacing_limiter(rate: float) -> RateLimiter:
    """The limiter every request of a run goes through."""
    return RateLimiter(rate)
