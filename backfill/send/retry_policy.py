"""When to try a request again, how long to wait, and when the service is clearly down."""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass, field

# Permanent answers fail the action at once; these are worth another attempt.
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass
class RetryPolicy:
    """Exponential backoff with jitter, the Retry-After ceiling, and the circuit breaker.

    `seed` makes the jitter reproducible for tests; `base_s`/`cap_s` shrink the waits there.
    `breaker_threshold` transient failures in a row, across all cases, stop the run: the
    service is down, and hammering it for hours helps nobody (a re-run resumes).
    """

    base_s: float = 1.0
    cap_s: float = 60.0
    max_retry_after_s: float = 600.0
    breaker_threshold: int = 20
    max_auth_retries: int = 3  # 401 -> refresh -> retry, per action, on top of max_attempts
    seed: int | None = None
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def backoff(self, failed_attempts: int) -> float:
        """Wait before the next attempt after `failed_attempts` failures ("equal jitter").

        Half the exponential step is kept so that waits really grow; the other half is random
        so that lanes that failed together do not come back together.
        """
        step = min(self.cap_s, self.base_s * 2.0 ** max(failed_attempts - 1, 0))
        return step / 2 + self._rng.uniform(0, step / 2)

    def retry_after(self, seconds: float) -> float:
        """A server's Retry-After, bounded, plus a little jitter so lanes do not stampede."""
        return min(max(seconds, 0.0), self.max_retry_after_s) + self._rng.uniform(0, 0.05)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - (time.time() if now is None else now), 0.0)
