"""A big `backfill run` against the sandbox at an unlimited rate (run_all.py's "memory" piece).

The export is plan_speed.history's (1 M actions of 200,000 cases in the full run), sent by
`backfill run` (memory_child.py) to `backfill sandbox` in a process of its own (20 ms
latency, no limit; send.rate_limit effectively unlimited, concurrency 32). Measured:

- the client's peak resident memory;
- the longest pause between two consecutive requests at the sandbox, and whose garbage
  collector ran meanwhile: the client's (gc.callbacks in memory_child.py) or the sandbox's
  own (gc.callbacks in its launch code, SANDBOX_WATCHED); the pauses over PAUSE_S by cause;
- the end of the run: from the last answer to the run's return (and when each report file
  was written, against the last answer).

The client runs from any checkout (`run_all.py --checkout PATH`, repeatable: the package is
imported through PYTHONPATH), so one script measures the package before and after a change;
the sandbox is always this checkout's, the same server for every client.
Targets (issue 27): peak <= 1 GiB, no pause over 100 ms from the client's collector, the run
returns <= 1 s after its last answer.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bench_send
from plan_speed import history
from sandbox_runs import LATENCY_MS, sandbox_log

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parent
PAUSE_S = 0.1  # pauses longer than this are counted, by cause
CONCURRENCY = 32
# bench_send.SANDBOX_LAUNCH, plus a log of the sandbox's own long collections: a server
# stalled by its collector stamps the requests queued meanwhile late, and that pause is not
# the client's
SANDBOX_WATCHED = "\n".join(
    [
        "import gc, os, time, backfill.plan.responses, backfill.sandbox.server",
        "gc.freeze()",
        "log = open(os.environ['BENCH_SANDBOX_GC'], 'w', buffering=1)",
        "since = [0.0]",
        "def watch(phase, info):",
        "    now = time.monotonic()",
        "    if phase == 'start':",
        "        since[0] = now",
        "    elif info['generation'] == 2 or now - since[0] >= 0.002:",
        "        log.write(f\"{info['generation']} {since[0]} {now}\\n\")",
        "gc.callbacks.append(watch)",
        "from backfill.cli.main import main; main()",
    ]
)


def memory_piece(
    sizes: Any, work: Path, inputs: Path, say: Callable[[str], None],
    checkouts: tuple[Path, ...] = (),
) -> list[dict[str, Any]]:  # fmt: skip
    """One run per checkout (default: this one), on the same export and the same server."""
    rows, cases = sizes.memory_actions
    data = history(inputs, rows, cases)
    runs = []
    for number, checkout in enumerate(checkouts or (REPOSITORY,)):
        say(f"memory: backfill run of {rows:,} actions, unlimited, client from {checkout}")
        runs.append(one_run(data, rows, checkout.resolve(), work / f"memory-{number}"))
    return runs


def one_run(data: Path, rows: int, checkout: Path, folder: Path) -> dict[str, Any]:
    if not (checkout / "backfill" / "__init__.py").is_file():
        raise RuntimeError(f"--checkout {checkout}: no backfill package there")
    folder.mkdir(parents=True, exist_ok=True)
    sandbox_gc = folder / "sandbox-gc.txt"
    options = ("--latency-ms", f"{LATENCY_MS:g}", "--accept-any-assignee")
    with bench_send.sandbox_process(
        data, *options, launch=SANDBOX_WATCHED, env={"BENCH_SANDBOX_GC": str(sandbox_gc)}
    ) as url:
        client = run_client(url, data, checkout, folder)
        log = asyncio.run(sandbox_log(url))
    arrivals = sorted(r["arrived"] for r in log if r["path"].startswith("/v"))
    accepted = sum(1 for r in log if r["path"].startswith("/v") and r["status"] == 200)
    last = client["last_answer"] or client["returned"]
    first = client["first_request"] or last
    figures = {
        "checkout": str(checkout),
        "commit": _commit(checkout),
        "package": client["package"],
        "actions": rows,
        "exit_status": client["exit_status"],
        "concurrency": CONCURRENCY,
        "latency_ms": LATENCY_MS,
        "peak_rss_mib": client["peak_rss_bytes"] / 2**20,
        "client_cpu_s": client["cpu_s"],
        "requests_at_client": client["requests"],
        "answers_at_client": client["answers"],
        "requests_at_sandbox": len(arrivals),
        "accepted": accepted,
        "before_first_request_s": first - client["started"],
        "sending_s": last - first,
        "end_of_run_s": client["returned"] - last,
        "written_after_last_answer_s": {name: at - last for name, at in client["written"].items()},
        "collections_per_generation": client["collections_per_generation"],
        "collection_seconds_per_generation": client["collection_seconds_per_generation"],
    }
    figures["longest_client_collection_s"] = _longest(client["collections"], -math.inf, math.inf)
    figures["longest_client_collection_while_sending_s"] = _longest(
        client["collections"], first, last
    )
    figures["rate_per_s"] = len(arrivals) / figures["sending_s"] if figures["sending_s"] else 0.0
    figures.update(pauses(arrivals, client["collections"], _sandbox_collections(sandbox_gc)))
    return figures


def run_client(url: str, data: Path, checkout: Path, folder: Path) -> dict[str, Any]:
    """memory_child.py with `checkout`'s package: its figures."""
    config = folder / "config.yaml"
    config.write_text(
        json.dumps(  # JSON is YAML
            {
                "api": {"base_url": url, "auth_url": url + "/oauth2/token"},
                "send": {"rate_limit": 1_000_000, "concurrency": CONCURRENCY},
            }
        )
    )
    result, output = folder / "client.json", folder / "client-output.txt"
    env = {
        **os.environ,
        "PYTHONPATH": str(checkout),
        "CG_CLIENT_ID": bench_send.CREDENTIALS.client_id,
        "CG_CLIENT_SECRET": bench_send.CREDENTIALS.client_secret,
    }
    command = [
        sys.executable, str(HERE / "memory_child.py"), str(config), str(data),
        str(folder / "reports"), str(folder / "journal.sqlite"), str(result),
    ]  # fmt: skip
    with output.open("w") as handle:
        finished = subprocess.run(command, env=env, stdout=handle, stderr=subprocess.STDOUT)
    if finished.returncode != 0 or not result.exists():
        tail = output.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"the memory run's client failed ({finished.returncode}): {tail}")
    figures: dict[str, Any] = json.loads(result.read_text())
    if Path(figures["package"]) != checkout / "backfill":
        raise RuntimeError(
            f"the client imported {figures['package']}, not {checkout}'s package: is "
            "backfill installed some other way that comes before PYTHONPATH?"
        )
    return figures


def pauses(
    arrivals: list[float], client: list[list[float]], server: list[list[float]]
) -> dict[str, Any]:
    """The longest gap between consecutive arrivals and the gaps over PAUSE_S, each put
    down to the collector that ran for at least half of it (client, sandbox) or to none."""
    if len(arrivals) < 2:
        arrivals = [0.0, 0.0]  # no gap to speak of
    longest, longest_at = 0.0, 1
    over = []
    for index in range(1, len(arrivals)):
        gap = arrivals[index] - arrivals[index - 1]
        if gap > longest:
            longest, longest_at = gap, index
        if gap > PAUSE_S:
            over.append(index)
    if longest_at not in over:
        over.append(longest_at)
    causes = {}
    for index in over:
        start, end = arrivals[index - 1], arrivals[index]
        by_client, by_server = _overlap(client, start, end), _overlap(server, start, end)
        cause = "client" if by_client >= by_server else "sandbox"
        causes[index] = cause if max(by_client, by_server) >= (end - start) / 2 else "none"
    counted = [index for index in over if arrivals[index] - arrivals[index - 1] > PAUSE_S]
    from_client = [arrivals[i] - arrivals[i - 1] for i in counted if causes[i] == "client"]
    return {
        "longest_pause_s": longest,
        "longest_pause_after_s": arrivals[longest_at - 1] - arrivals[0],
        "longest_pause_cause": causes[longest_at],
        "pauses_over_limit": {
            cause: sum(1 for i in counted if causes[i] == cause)
            for cause in ("client", "sandbox", "none")
        },
        "pause_limit_s": PAUSE_S,
        "longest_pause_from_client_collector_s": max(from_client, default=0.0),
        "sandbox_collections": len(server),
    }


def _longest(collections: list[list[float]], start: float, end: float) -> float:
    """The longest of the collections that began between `start` and `end`."""
    return max((c[2] - c[1] for c in collections if start <= c[1] <= end), default=0.0)


def _overlap(collections: list[list[float]], start: float, end: float) -> float:
    """How long collections ran between `start` and `end`."""
    return sum(max(0.0, min(c[2], end) - max(c[1], start)) for c in collections)


def _sandbox_collections(path: Path) -> list[list[float]]:
    if not path.exists():
        return []
    return [[float(part) for part in line.split()] for line in path.read_text().splitlines()]


def _commit(checkout: Path) -> str | None:
    shown = subprocess.run(
        ["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return shown.stdout.strip() or None if shown.returncode == 0 else None
