"""Ctrl-C and SIGTERM during a run: stop cleanly first, at once the second time.

The first signal sets the run's stop event: the sender starts no new action, lets the
requests in flight finish, and reports the rest `pending`; the reports are written and the
run exits 3. The second cancels the sending task: requests in flight are abandoned, their
actions stay marked in flight in the journal (it is consistent at every moment), and the
next run re-sends them as uncertain.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from typing import Any


class Interrupts:
    """Ctrl-C / SIGTERM: the first stops taking new work, the second cancels at once."""

    def __init__(self, stop: asyncio.Event, echo: Callable[[str], None]) -> None:
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
