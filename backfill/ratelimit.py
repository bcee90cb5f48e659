"""Pacing requests so that no 1-second window, measured at the server, exceeds the limit.

aiolimiter's leaky bucket lets `max_rate` acquisitions through at once (a burst), so the
obvious ``AsyncLimiter(rate, 1)`` sends `rate` requests in the first instant and `rate` more
within the next second: twice the limit in the first window. A bucket of capacity 1
(``AsyncLimiter(1, 1 / rate)``) never bursts, but each wait is rounded up by the event loop's
timer (epoll counts in whole milliseconds), which at 200/s loses 10-20 % of the rate.

So the capacity is 1 for modest rates and a small burst of 2+ only where the timer rounding
matters (>= 50/s); the leak rate is then lowered so that even the worst case stays under the
limit: in any window of length ``1 + JITTER_ALLOWANCE_S`` a bucket of capacity ``b`` leaking
at ``r`` lets at most ``b + r * (1 + JITTER_ALLOWANCE_S)`` requests through. The allowance
covers requests that leave on time but are stamped late by the server (network, scheduling,
the GIL when the server is a thread of the same process), which would otherwise push an
extra request into a window. The cost is ~4 % of the configured rate (200/s -> 192/s);
With 20 ms a busy 2-core machine (sandbox and client on it) still saw a rare 429.
"""

from __future__ import annotations

from aiolimiter import AsyncLimiter

JITTER_ALLOWANCE_S = 0.03


def burst_for(rate: float) -> int:
    """Bucket capacity: 1 below 50/s (no burst at all), else ~1 % of the rate, at least 2."""
    return 1 if rate < 50 else max(2, int(rate // 100))


def effective_rate(rate: float) -> float:
    """The leak rate that keeps every 1-second window at or under `rate` (see module doc)."""
    burst = burst_for(rate)
    if burst == 1:
        # r+1 requests spaced 1/r_eff apart span (1 + allowance) seconds: never r+1 in one window
        return rate / (1 + JITTER_ALLOWANCE_S)
    return (rate - burst) / (1 + JITTER_ALLOWANCE_S)


def pacing_limiter(rate: float) -> AsyncLimiter:
    """A limiter for `rate` requests/s with no initial burst beyond `burst_for(rate)`."""
    burst = burst_for(rate)
    return AsyncLimiter(burst, burst / effective_rate(rate))
