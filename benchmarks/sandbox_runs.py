"""One run of backfill's sender against the sandbox, read back from the sandbox's own log.

Every send contender of run_all.py goes through `engine`: `backfill sandbox` in a process of
its own (LATENCY_MS per answer), bench_send.engine_run as the client, and the sandbox's
request log for what the server saw, second by second.
"""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bench_send

LATENCY_MS = 20.0


@dataclass
class Contender:
    """One run against the sandbox: what its log says, second by second."""

    name: str
    figures: dict[str, Any]
    accepted_per_s: list[int]  # 2xx answers per second from the first arrival


def timeline(log: list[dict[str, Any]]) -> tuple[list[float], list[int]]:
    """Arrival times (s from the first) and HTTP statuses of the PUTs the sandbox saw."""
    puts = sorted((r for r in log if r["path"].startswith("/v")), key=lambda r: r["arrived"])
    if not puts:
        return [], []
    first = puts[0]["arrived"]
    # a status that is not a number ("dropped-after") is an answer the client never got
    statuses = [r["status"] if isinstance(r["status"], int) else 0 for r in puts]
    return [r["arrived"] - first for r in puts], statuses


def per_second(times: list[float], statuses: list[int]) -> list[int]:
    counts = [0] * (int(times[-1]) + 1 if times else 0)
    for at, status in zip(times, statuses, strict=True):
        if 200 <= status < 300:
            counts[int(at)] += 1
    return counts


async def sandbox_log(url: str) -> list[dict[str, Any]]:
    return (await bench_send.fetch(url + "/_sandbox/requests"))["data"]


@contextmanager
def sandbox(responses: Path, *options: str) -> Iterator[str]:
    with bench_send.sandbox_process(responses, "--latency-ms", f"{LATENCY_MS:g}", *options) as url:
        yield url


def engine(
    responses: Path, name: str, cases: list[list[Any]], rate: float | str, *options: str,
    concurrency: int = 32, **send: Any,
) -> Contender:  # fmt: skip
    with sandbox(responses, *options) as url:
        figures = asyncio.run(bench_send.engine_run(url, cases, rate, concurrency, **send))
        times, statuses = timeline(asyncio.run(sandbox_log(url)))
    figures["accepted"] = sum(1 for s in statuses if 200 <= s < 300)
    figures["answers_429"] = statuses.count(429)
    figures["share_429"] = statuses.count(429) / len(statuses) if statuses else 0.0
    figures["busiest_1s_window"] = bench_send.busiest_window(times)
    pushed_back = [at for at, status in zip(times, statuses, strict=True) if status == 429]
    figures["first_429_s"] = pushed_back[0] if pushed_back else None
    return Contender(name, figures, per_second(times, statuses))


def write_responses(path: Path, cases: list[list[Any]]) -> Path:
    """The sandbox's survey responses: one for each case of `cases`."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["number_customergauge", "date_survey_response"])
        writer.writerows([case[0].case, "2023-01-01 00:00:00"] for case in cases)
    return path


def first_actions(cases: list[list[Any]], count: int) -> list[list[Any]]:
    """Whole cases from the start until `count` actions (at least one case if count > 0)."""
    taken: list[list[Any]] = []
    total = 0
    for case in cases:
        if total >= count:
            break
        taken.append(case)
        total += len(case)
    return taken


def count_actions(cases: list[list[Any]]) -> int:
    return sum(len(case) for case in cases)
