"""The send contenders on one input and one sandbox setup (run_all.py's "send" piece).

- **fixed rates**: send.rate_limit of 5, 25, 100 and 200/s against a sandbox that answers
  429 above that rate (any 429 is backfill's fault): the share of the limit achieved and
  the busiest 1-second window at the sandbox;
- **unlimited**: what the lanes and the connection pool achieve;
- **auto**: send.rate_limit `auto` against a server that allows 40/s: the steady accepted
  rate, the share of 429 answers, when the limit was found;
- **Newman** with a CSV data file (newman_run.py) and a **naive loop** (aiohttp, one request
  at a time): what people write first.

The fixed rates and auto run once per limiter (limiters.py: before and after issue 27), the
two back to back at each rate, so that a noisy spell of the machine hits both; each of
those contenders names its limiter ("limiter": "before" or "after").
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bench_send
import limiters
import newman_run
from sandbox_runs import (
    LATENCY_MS,
    Contender,
    count_actions,
    engine,
    first_actions,
    per_second,
    sandbox,
    sandbox_log,
    timeline,
    write_responses,
)

AUTO_SERVER_RATE = 40


def auto_support() -> str:
    """Why `rate_limit: auto` against a limited server cannot run here ("" when it can)."""
    from backfill.config import config_from_dict

    missing = []
    try:
        config_from_dict({"send": {"rate_limit": "auto"}})
    except Exception:  # whatever the config says about it, auto is not there yet
        missing.append("send.rate_limit: auto")
    if "--server-rate" not in _sandbox_help():
        missing.append("`backfill sandbox --server-rate`")
    if missing:
        return f"skipped: this backfill has no {' and no '.join(missing)} (issue 18 items 2-3)"
    return ""


def _sandbox_help() -> str:
    command = [sys.executable, "-m", "backfill.cli.main", "sandbox", "--help"]
    return subprocess.run(command, capture_output=True, text=True, check=False).stdout


def auto_figures(contender: Contender) -> dict[str, Any]:
    """Steady rate (median accepted/s once the limit was found), time to find it."""
    counts = contender.accepted_per_s
    target = 0.9 * AUTO_SERVER_RATE
    reached = next((s for s, n in enumerate(counts) if n >= target), None)
    steady = counts[reached:-1] if reached is not None else []  # the last second is partial
    return {
        "server_rate": AUTO_SERVER_RATE,
        "seconds_to_90pct": reached,
        "steady_rate_per_s": statistics.median(steady) if steady else None,
        "steady_share": statistics.median(steady) / AUTO_SERVER_RATE if steady else None,
    }


def naive(responses: Path, actions: list[Any]) -> Contender:
    with sandbox(responses) as url:
        figures = asyncio.run(bench_send.naive_run(url, actions))
        times, statuses = timeline(asyncio.run(sandbox_log(url)))
    figures["accepted"] = sum(1 for s in statuses if 200 <= s < 300)
    return Contender("naive loop (aiohttp, one at a time)", figures, per_second(times, statuses))


def fixed_rates(
    sizes: Any, cases_all: list[list[Any]], responses: Path, chosen: tuple[str, ...],
    say: Callable[[str], None],
) -> list[Contender]:  # fmt: skip
    """Each rate with each limiter, back to back."""
    runs = []
    for rate in sizes.rates:
        cases = first_actions(cases_all, int(rate * sizes.seconds_per_rate))
        for limiter in chosen:
            say(f"send: fixed rate_limit {rate}/s, {count_actions(cases)} actions ({limiter})")
            with limiters.swapped(limiter):
                run = engine(
                    responses, f"backfill {rate}/s", cases, rate, "--rate-limit", str(rate)
                )
            run.figures["limiter"] = limiter
            run.figures["rate_limit"] = rate
            run.figures["share_of_limit"] = run.figures["rate_per_s"] / rate
            run.figures["share_at_sandbox"] = run.figures["rate_at_sandbox_per_s"] / rate
            run.figures["windows_over_limit"] = int(run.figures["busiest_1s_window"] > rate)
            runs.append(run)
    return runs


def auto_runs(
    sizes: Any, cases_all: list[list[Any]], responses: Path, chosen: tuple[str, ...],
    say: Callable[[str], None],
) -> list[Contender]:  # fmt: skip
    cases = first_actions(cases_all, sizes.auto_actions)
    runs = []
    for limiter in chosen:
        say(f"send: auto against a {AUTO_SERVER_RATE}/s server, {count_actions(cases)} actions "
            f"({limiter})")  # fmt: skip
        name = f"backfill auto vs {AUTO_SERVER_RATE}/s server"
        with limiters.swapped(limiter):
            run = engine(
                responses, name, cases, "auto", "--server-rate", str(AUTO_SERVER_RATE)
            )  # fmt: skip
        run.figures.update(auto_figures(run), limiter=limiter)
        runs.append(run)
    return runs


def send_piece(
    sizes: Any, work: Path, newman: str | None, say: Callable[[str], None],
    chosen: tuple[str, ...] = limiters.NAMES,
) -> dict[str, Any]:  # fmt: skip
    """Every send contender; the fixed rates and auto with each limiter in `chosen`."""
    if "before" in chosen and (sizes.rates or sizes.auto_actions):
        limiters.before_module()  # fails now, with its reason, rather than halfway through
    cases_all = bench_send.make_cases(max(6000, sizes.unlimited_actions), 1800)
    responses = write_responses(work / "responses.csv", cases_all)
    out: dict[str, Any] = {
        "latency_ms": LATENCY_MS,
        "limiters": {name: limiters.DESCRIBED[name] for name in chosen},
    }
    contenders = fixed_rates(sizes, cases_all, responses, chosen, say)
    cases = first_actions(cases_all, sizes.unlimited_actions)
    say(f"send: unlimited, {count_actions(cases)} actions")
    contenders.append(engine(responses, "backfill unlimited", cases, 1_000_000))
    why_not = auto_support()
    if why_not:
        say(f"send: auto against {AUTO_SERVER_RATE}/s {why_not}")
        out["auto"] = {"skipped": why_not}
    else:
        runs = auto_runs(sizes, cases_all, responses, chosen, say)
        # the auto row of the table is this checkout's limiter (or the only one measured)
        out["auto"] = next((r for r in runs if r.figures["limiter"] == "after"), runs[-1]).figures
        contenders.extend(runs)
    actions = [a for case in cases_all for a in case][: sizes.naive_actions]
    command, why_not = newman_run.newman_command(newman)
    if command is None:
        say(f"send: newman {why_not}")
        out["newman"] = {"skipped": why_not}
    else:
        say(f"send: newman, {len(actions)} rows")
        run = newman_run.newman_run(responses, actions, command, work)
        out["newman"] = run.figures
        contenders.append(run)
    say(f"send: naive loop, {len(actions)} actions")
    contenders.append(naive(responses, actions))
    out["contenders"] = [
        {"name": c.name, **c.figures, "accepted_per_s": c.accepted_per_s} for c in contenders
    ]
    return out
