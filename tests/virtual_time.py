"""An asyncio event loop whose clock is virtual: tests control time instead of sleeping.

When nothing is ready to run, the loop jumps its clock straight to the next timer instead of
waiting for it, so ``await asyncio.sleep(15)`` takes no real time. Everything that reads
``loop.time()`` (asyncio timers, our limiter and lanes, aiohttp timeouts) sees
the virtual clock. Sockets still work: the selector is polled for up to `poll_s` of real time
before each jump, so data on a loopback connection (a sandbox served by the same loop) is
handled before the clock moves on.
`stall()` moves the clock without running anything: a client that was busy or paused.
`timer_resolution_s` rounds every timer up, as epoll rounds its timeout up to whole
milliseconds.
"""

from __future__ import annotations

import asyncio
import math
import selectors
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
TICK_S = 1e-6


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    def __init__(
        self, start: float = 1000.0, poll_s: float = 0.001, timer_resolution_s: float = 0.0
    ) -> None:
        super().__init__(selectors.DefaultSelector())
        self._virtual_now = start
        self._resolution_s = timer_resolution_s
        real_select = self._selector.select

        def select(timeout: float | None = None) -> list[Any]:
            # a short real poll first: loopback data written a moment ago is handled before
            # the clock jumps past it
            if timeout is None:  # no timer at all: only a socket can wake the loop
                return real_select(None)
            events = real_select(min(timeout, poll_s))
            # each pass of the loop takes a microsecond, as real time would move on: code
            # that waits for a float residue of a second would spin otherwise
            self._virtual_now += TICK_S if events else max(timeout, TICK_S)
            return events

        self._selector.select = select  # type: ignore[method-assign]

    def time(self) -> float:
        return self._virtual_now

    def call_at(
        self, when: float, callback: Callable[..., object], *args: Any, context: Any = None
    ) -> asyncio.TimerHandle:
        if self._resolution_s and when > self._virtual_now:
            ticks = math.ceil((when - self._virtual_now) / self._resolution_s - 1e-9)
            when = self._virtual_now + ticks * self._resolution_s
        return super().call_at(when, callback, *args, context=context)

    def stall(self, seconds: float) -> None:
        """Time passes and nothing runs: a garbage collection, a busy machine."""
        self._virtual_now += seconds


def run_virtual(
    coro: Coroutine[Any, Any, T], *, poll_s: float = 0.001, timer_resolution_s: float = 0.0
) -> T:
    """Run `coro` to completion on a fresh virtual-time loop (`poll_s` 0: no sockets)."""
    loop = VirtualTimeLoop(poll_s=poll_s, timer_resolution_s=timer_resolution_s)
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def virtual_loop() -> VirtualTimeLoop:
    loop = asyncio.get_running_loop()
    assert isinstance(loop, VirtualTimeLoop), "run under run_virtual()"
    return loop
