"""Progress reporting by callback: the library calls `on_progress(event)`, the CLI draws bars.

A stage announces itself with `done=0`, then reports the running count of `unit`s it has
finished; `total` is None when the size is not known in advance. The library never draws,
prints or looks at the terminal; `backfill.cli.progress` turns these events into tqdm bars.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    """How far one stage has come: `done` of `total` `unit`s (total None when unknown)."""

    stage: str
    done: int
    total: int | None
    unit: str


OnProgress = Callable[[ProgressEvent], None]


def no_progress(event: ProgressEvent) -> None:
    """The default callback: report nothing."""
