"""Fault injection: one seeded generator decides every fault, so a rehearsal can be replayed.

Each API request draws the same number of values in the same order whatever happens to it,
so the faults a request gets depend only on the seed and its position in the arrival order.
"""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass

from backfill.sandbox.settings import Faults

SERVER_ERRORS = (500, 502, 503)


@dataclass(slots=True, frozen=True)
class Draw:
    """The faults decided for one request."""

    delay_s: float = 0.0
    server_error: int | None = None  # 500/502/503, answered before anything is applied
    drop_before: bool = False
    early_expiry: bool = False
    drop_after: bool = False
    late_apply: bool = False  # applied `late_apply_s` after arrival, never answered


NO_FAULTS = Draw()


class FaultInjector:
    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._rng = random.Random(faults.seed)
        self._admitted: deque[float] = deque()
        self._quota_window = -1  # the fixed 1 s window of server_rate being counted
        self._quota_used = 0

    def draw(self, *, token_endpoint: bool = False) -> Draw:
        faults = self.faults
        if not faults.active:
            return NO_FAULTS
        rng = self._rng
        jitter, error, error_kind, before, expiry, after, late = (rng.random() for _ in range(7))
        delay_s = (faults.latency_ms + jitter * faults.jitter_ms) / 1000.0
        if token_endpoint:
            return Draw(
                delay_s=delay_s + faults.token_latency_ms / 1000.0,
                server_error=500 if error < faults.token_error_rate else None,
            )
        return Draw(
            delay_s=delay_s,
            server_error=SERVER_ERRORS[int(error_kind * len(SERVER_ERRORS)) % 3]
            if error < faults.error_rate
            else None,
            drop_before=before < faults.drop_before_rate,
            early_expiry=expiry < faults.early_expiry_rate,
            drop_after=after < faults.drop_after_rate,
            late_apply=late < faults.late_apply_rate,
        )

    def admit(self, now: float) -> bool:
        """Sliding 1-second window: admit at most `rate_limit` requests in any second.

        Only admitted requests count, so a client that backs off as told by Retry-After is
        served again one second after its burst, however many 429s it collected.
        """
        limit = self.faults.rate_limit
        if not limit:
            return True
        admitted = self._admitted
        while admitted and now - admitted[0] >= 1.0:
            admitted.popleft()
        if len(admitted) >= limit:
            return False
        admitted.append(now)
        return True

    def quota(self, now: float) -> tuple[bool, dict[str, str]]:
        """The tenant quota (`server_rate`): fixed 1 s windows, as API gateways count.

        Whether the request is admitted, and the headers its answer carries: Retry-After on
        a 429 (when the window resets), and X-RateLimit-* where the setting asks for them.
        """
        limit = self.faults.server_rate
        if not limit:
            return True, {}
        window = math.floor(now)
        if window != self._quota_window:
            self._quota_window, self._quota_used = window, 0
        admitted = self._quota_used < limit
        self._quota_used += admitted
        reset_s = max(math.ceil(window + 1 - now), 1)
        headers: dict[str, str] = {}
        if self.faults.server_rate_headers:
            headers = {
                "X-RateLimit-Limit": str(limit),
                "X-RateLimit-Remaining": str(max(limit - self._quota_used, 0)),
                "X-RateLimit-Reset": str(reset_s),
            }
        if not admitted and self.faults.retry_after:
            headers["Retry-After"] = str(reset_s)
        return admitted, headers
