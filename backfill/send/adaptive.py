"""`send.rate_limit: auto`: finding a tenant's undocumented rate limit while sending.

CustomerGauge documents no limit, and a tenant's quota is shared with its other
integrations, so a fixed rate is a guess. Like TCP's slow start (and the AWS SDKs' adaptive
retry mode), the pace starts at `send.start_rate` and doubles every second in which answers
are 2xx. The first 429 tells where the server pushed back: the rate it accepted over the
last second. The pace then holds just under it (`HOLD_SHARE`) and probes upward only rarely
(`PROBE_EVERY_S`, `PROBE_STEP`), because each 429 costs its Retry-After for the whole run.
Where the server states its quota (X-RateLimit-Limit/-Reset, or the IETF RateLimit fields),
that is the truth over the estimate. Never above `send.max_rate`.

The pace is what the server should see per second; the limiter is given ``pace * 1.04``,
since it keeps the jitter allowance below its rate (ratelimit.py).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from backfill.send.ratelimit import JITTER_ALLOWANCE_S

HOLD_SHARE = 0.92  # of the rate the server pushed back at
PROBE_EVERY_S = 30.0  # a quiet spell this long at the held pace earns one probe upward
PROBE_STEP = 1.05
COOL_DOWN_S = 1.0  # 429s this soon after a cut answer requests sent before it


@dataclass
class AdaptiveRate:
    """The pace of a `rate_limit: auto` run; `on_answer` after every answer (module doc)."""

    start_rate: float
    max_rate: float
    started_at: float
    pace: float = 0.0
    found: float | None = None  # the rate the server pushed back at (or stated)
    found_after_s: float | None = None  # how long into the run it was found
    history: list[tuple[float, float]] = field(default_factory=list)  # (s into run, pace)
    _step_from: float = 0.0
    _cut_at: float = float("-inf")
    _accepted: deque[float] = field(default_factory=deque)
    _stated: float | None = None  # the quota the server's headers state, per second
    _window_s: float = 1.0  # longest reset seen: the quota's window

    def __post_init__(self) -> None:
        self.pace = min(self.start_rate, self.max_rate)
        self._step_from = self.started_at
        self._record(self.started_at)

    @property
    def limiter_rate(self) -> float:
        return self.pace * (1 + JITTER_ALLOWANCE_S)

    def on_answer(self, status: int, headers: Mapping[str, str], now: float) -> None:
        accepted = self._accepted
        while accepted and now - accepted[0] >= 1.0:
            accepted.popleft()
        self._read_quota(headers, now)
        if status == 429:
            if now - self._cut_at >= COOL_DOWN_S:
                # what the server accepted over the last second is where it pushed back
                seen = float(len(accepted))
                self._learn(seen if seen >= self.pace / 2 else self.pace, now)
            return
        if 200 <= status < 300:
            accepted.append(now)
        if now - self._step_from < 1.0:
            return
        if self.found is None:
            self._set(self.pace * 2, now)  # slow start: a good second doubles the pace
        elif now - self._step_from >= PROBE_EVERY_S:
            self._set(self.pace * PROBE_STEP, now)

    def _learn(self, pushed_back_at: float, now: float) -> None:
        if self.found is None:
            self.found_after_s = now - self.started_at
        self.found = pushed_back_at
        self._cut_at = now
        self._set(HOLD_SHARE * pushed_back_at, now)

    def _read_quota(self, headers: Mapping[str, str], now: float) -> None:
        limit = _number(headers, "X-RateLimit-Limit", "RateLimit-Limit")
        reset = _number(headers, "X-RateLimit-Reset", "RateLimit-Reset")
        policy = headers.get("RateLimit-Policy", "")
        if (match := re.search(r"(?:^|[;,\s])w=(\d+(?:\.\d+)?)", policy)) is not None:
            self._window_s = max(float(match.group(1)), 1.0)
            quota = re.search(r"(?:^|[;,\s])q=(\d+)", policy) or re.match(r"\s*(\d+)", policy)
            if quota is not None and limit is None:
                limit = float(quota.group(1))
        if reset is not None and reset < 1e6:  # seconds to go, not an epoch
            self._window_s = max(self._window_s, reset)
        if limit is None or limit <= 0:
            return
        stated = limit / self._window_s
        if stated != self._stated:
            self._stated = stated
            if self.found is None:
                self.found_after_s = now - self.started_at
            self.found = stated
            self._set(HOLD_SHARE * stated, now)

    def _set(self, pace: float, now: float) -> None:
        ceiling = self.max_rate
        if self._stated is not None:
            ceiling = min(ceiling, HOLD_SHARE * self._stated)
        self.pace = max(min(pace, ceiling), 0.1)
        self._step_from = now
        self._record(now)

    def _record(self, now: float) -> None:
        self.history.append((round(now - self.started_at, 3), round(self.pace, 2)))


def _number(headers: Mapping[str, str], *names: str) -> float | None:
    for name in names:
        value = headers.get(name)
        if value is not None:
            try:
                return float(value.split(",")[0].strip())
            except ValueError:
                return None
    return None
