"""Progress bars: the library's progress events (backfill.model) drawn by tqdm on stderr."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any

from backfill.model import ProgressEvent


class ProgressBars:
    """An `OnProgress` callback that draws one tqdm bar per stage, closing a stage's bar
    when it reaches its total (and every bar on leaving the `with` block). tqdm draws
    nothing when stderr is not a terminal."""

    def __init__(self) -> None:
        self._bars: dict[str, Any] = {}

    def __call__(self, event: ProgressEvent) -> None:
        from tqdm import tqdm

        bar = self._bars.get(event.stage)
        if bar is None:
            bar = tqdm(
                desc=event.stage,
                total=event.total,
                unit=f" {event.unit}",
                unit_scale=False,  # counts stay whole numbers: "3/18", never "3.00/18.0"
                file=sys.stderr,
                disable=None,  # None = off when stderr is not a terminal
                leave=False,
            )
            self._bars[event.stage] = bar
        if event.total != bar.total:
            bar.total = event.total
        if event.rate is not None:
            bar.set_postfix_str(f"pace {event.rate:.1f}/s", refresh=False)
        bar.update(event.done - bar.n)
        if event.total is not None and event.done >= event.total:
            self._bars.pop(event.stage).close()

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()
        self._bars.clear()

    def __enter__(self) -> ProgressBars:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
