"""The client of run_all.py's "memory" piece: one `backfill run`, watched from inside.

    PYTHONPATH=CHECKOUT python benchmarks/memory_child.py CONFIG INPUT OUT JOURNAL RESULT

Runs ``backfill run INPUT -c CONFIG --out OUT --journal JOURNAL --yes`` through the
checkout's own command line, so that the same script measures any version of the package,
whatever its internals. Writes to RESULT (JSON):

- the peak resident memory and the CPU time of this process (getrusage);
- the garbage collections (gc.callbacks): count and time per generation, and each one of
  generation 2 or longer than LONG_COLLECTION_S with when it started and stopped;
- when the first request was started and the last answer came in (an aiohttp trace added
  to every session the process opens), and when the run returned;
- when each file under OUT was last written, against the last answer.

Times are time.monotonic(), the clock the sandbox stamps arrivals with, so that the parent
(memory_run.py) can set collections and arrivals side by side.
"""

from __future__ import annotations

import gc
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

LONG_COLLECTION_S = 0.002


class Watch:
    """What the run did, as seen from inside its process."""

    def __init__(self) -> None:
        self.collections: list[list[float]] = []  # [generation, start, stop, collected]
        self.counts = [0, 0, 0]
        self.seconds = [0.0, 0.0, 0.0]
        self._collecting_since = 0.0
        self.first_request: float | None = None
        self.last_request: float | None = None
        self.last_answer: float | None = None
        self.requests = 0
        self.answers = 0

    def on_gc(self, phase: str, info: dict[str, Any]) -> None:
        now = time.monotonic()
        if phase == "start":
            self._collecting_since = now
            return
        generation, took = info["generation"], now - self._collecting_since
        self.counts[generation] += 1
        self.seconds[generation] += took
        if generation == 2 or took >= LONG_COLLECTION_S:
            self.collections.append(
                [generation, self._collecting_since, now, info.get("collected", 0)]
            )

    async def on_request_start(self, session: Any, context: Any, params: Any) -> None:
        if params.method == "PUT":
            now = time.monotonic()
            if self.first_request is None:
                self.first_request = now
            self.last_request = now
            self.requests += 1

    async def on_request_end(self, session: Any, context: Any, params: Any) -> None:
        if params.method == "PUT":
            self.last_answer = time.monotonic()
            self.answers += 1


def trace_every_session(watch: Watch) -> None:
    """Add the watch's trace to every aiohttp session opened from now on."""
    import aiohttp

    original = aiohttp.ClientSession.__init__

    def init(self: aiohttp.ClientSession, *args: Any, **kwargs: Any) -> None:
        trace = aiohttp.TraceConfig()
        trace.on_request_start.append(watch.on_request_start)
        trace.on_request_end.append(watch.on_request_end)
        kwargs["trace_configs"] = [*(kwargs.get("trace_configs") or ()), trace]
        original(self, *args, **kwargs)

    aiohttp.ClientSession.__init__ = init  # type: ignore[method-assign]


def written(out: Path, wall_at: float, monotonic_at: float) -> dict[str, float]:
    """When each file under `out` was last written, on the monotonic clock."""
    return {
        str(path.relative_to(out)): path.stat().st_mtime - wall_at + monotonic_at
        for path in sorted(out.rglob("*"))
        if path.is_file()
    }


def main(config: str, data: str, out: str, journal: str, result: str) -> None:
    watch = Watch()
    trace_every_session(watch)
    import backfill
    from backfill.cli.main import cli

    command = ["run", data, "-c", config, "--out", out, "--journal", journal, "--yes"]
    gc.callbacks.append(watch.on_gc)
    started = time.monotonic()
    try:
        cli.main(command, prog_name="backfill", standalone_mode=False)
        status: Any = 0
    except SystemExit as stop:
        status = stop.code
    returned = time.monotonic()
    gc.callbacks.remove(watch.on_gc)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    figures = {
        "package": str(Path(backfill.__file__).resolve().parent),
        "exit_status": status,
        "peak_rss_bytes": usage.ru_maxrss * 1024,  # KiB on Linux
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "started": started,
        "first_request": watch.first_request,
        "last_request": watch.last_request,
        "last_answer": watch.last_answer,
        "returned": returned,
        "requests": watch.requests,
        "answers": watch.answers,
        "collections_per_generation": watch.counts,
        "collection_seconds_per_generation": watch.seconds,
        "collections": watch.collections,
        "written": written(Path(out), time.time(), time.monotonic()),
    }
    Path(result).write_text(json.dumps(figures))


if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    main(*sys.argv[1:])
