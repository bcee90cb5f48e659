"""The send engine against the sandbox: does it use the whole rate limit, and what is it worth?

The sandbox runs as a separate process (`backfill sandbox`), so it shares neither the event
loop nor the interpreter lock with the client being measured. Three runs, side by side:

1. **limited**: sandbox with 20 ms latency that answers 429 above 200 requests/s (sliding
   1-second window); backfill with `send.rate_limit: 200`. Target: achieved rate >= 95 % of
   the limit and zero 429s (every 429 would be backfill's fault: nothing else talks to it).
2. **unlimited engine**: same latency, no server limit, an effectively unlimited rate_limit:
   what the lanes and the connection pool achieve.
3. **naive loop**: the same PUTs one at a time, awaiting each answer: the script a person
   would write first.

    python benchmarks/bench_send.py [--actions 5000] [--cases 1500] [--rate 200]
        [--latency-ms 20] [--concurrency 32] [--naive-actions N] [--json]

The figures depend on the machine; the rate figure should not (it is set by the limiter).
Where permitted the sandbox runs at a higher CPU priority, standing in for a server on its
own hardware, and so does the client (unless --no-priority), so that other work on a shared
machine does not stall either (see `_server_priority`).

Measured on the project's 2-core machine (Python 3.11, aiohttp 3.14, load average 1.4):
limited 5,000 requests in 26.1 s = 191.8/s (95.9 % of 200; busiest 1 s window at the
sandbox 200; no 429); unlimited engine 1,090/s; naive loop 45.6/s; engine / naive 23.9x.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import aiohttp

from backfill.config import config_from_dict
from backfill.model import Action
from backfill.send.auth import Credentials
from backfill.send.lanes import send_cases
from backfill.send.protocol import build_request
from backfill.send.session import ApiSession

CREDENTIALS = Credentials(client_id="sandbox-client", client_secret="sandbox-secret")
STATUSES = ("open", "progress", "closed")


def make_cases(n_actions: int, n_cases: int, seed: int = 1) -> list[list[Action]]:
    """n_actions spread over n_cases (every case at least one), in timeline order."""
    rng = random.Random(seed)
    sizes = [1] * n_cases
    for _ in range(n_actions - n_cases):
        sizes[rng.randrange(n_cases)] += 1
    cases, key = [], 0
    for n, size in enumerate(sizes):
        case = str(100000 + n)
        actions = []
        for seq in range(1, size + 1):
            day, hour = divmod(seq, 20)
            actions.append(
                Action(
                    key, "bench.csv", key + 2, case, seq, STATUSES[(seq - 1) % 3],
                    f"2023-03-{day + 1:02d} {hour + 1:02d}:00:00", f"note {key}", None,
                )
            )  # fmt: skip
            key += 1
        cases.append(actions)
    return cases


# The sandbox stands in for a server that counts arrivals at its gateway. In a Python
# process, a full collection of the start-up heap (aiohttp, pandas for --responses) stalls
# the loop 70-100 ms, and the requests queued meanwhile are stamped as one burst. The heavy
# modules are imported and frozen first, out of the collector's way.
SANDBOX_LAUNCH = (
    "import gc, backfill.plan.responses, backfill.sandbox.server; gc.freeze(); "
    "from backfill.cli.main import main; main()"
)


@contextmanager
def sandbox_process(
    responses: Path, *options: str, launch: str = SANDBOX_LAUNCH, env: dict[str, str] | None = None
) -> Any:
    """`backfill sandbox` on a free port in a child process; yields its base URL. `launch`
    is the Python code that starts it (see SANDBOX_LAUNCH), `env` more of its environment."""
    command = [
        sys.executable, "-c", launch, "sandbox",
        "--port", "0", "--responses", str(responses), *options,
    ]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, text=True, env=env, preexec_fn=_server_priority
    )
    try:
        assert process.stdout is not None
        base_url = ""
        for line in process.stdout:
            if "listening on" in line:
                base_url = line.rsplit(" ", 1)[1].strip()
                break
        if not base_url:
            raise RuntimeError(f"the sandbox did not start (exit {process.poll()})")
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _server_priority() -> None:
    """Give the sandbox the CPU first where allowed: a real API does not share our cores, and
    a server stalled by the client's own load stamps queued requests as one burst."""
    with suppress(OSError):
        os.nice(-10)


async def fetch(url: str) -> Any:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return await response.json()


async def engine_run(
    base_url: str,
    cases: list[list[Action]],
    rate: float | str,
    concurrency: int,
    **send: Any,  # more send.* settings (settle_s, ...): run_all.py's scenarios
) -> dict[str, Any]:
    config = config_from_dict(
        {
            "api": {"base_url": base_url, "auth_url": base_url + "/oauth2/token"},
            "send": {"rate_limit": rate, "concurrency": concurrency, "max_attempts": 5, **send},
        }
    )
    async with ApiSession(config, CREDENTIALS) as api:
        report = await send_cases(api, cases)
    found = {}
    if api.adaptive is not None:  # rate_limit: auto: where the server pushed back, and when
        found = {"rate_found": api.adaptive.found, "found_after_s": api.adaptive.found_after_s}
    outcomes = Counter(r.outcome for r in report.results.values())
    log = (await fetch(base_url + "/_sandbox/requests"))["data"]
    puts = [r for r in log if r["path"].startswith("/v7")]
    arrivals = sorted(r["arrived"] for r in puts)
    span = arrivals[-1] - arrivals[0] if len(arrivals) > 1 else 0.0
    return {
        **settle_figures(puts, send.get("settle_s", config.send.settle_s)),
        "requests": report.requests,
        "elapsed_s": report.elapsed_s,
        "rate_per_s": report.requests / report.elapsed_s,
        "rate_at_sandbox_per_s": (len(arrivals) - 1) / span if span else 0.0,
        "busiest_1s_window": busiest_window(arrivals),
        "answers_429": sum(1 for r in puts if r["status"] == 429),
        "outcomes": dict(outcomes),
        "aborted": report.aborted,
        **found,
    }


def settle_figures(puts: list[dict[str, Any]], settle_s: float) -> dict[str, float]:
    """Where a lossy run's time went, from the sandbox's log (seconds from the first arrival).

    `last_case_started_s`: when the last case sent its first request; at or under N/rate,
    no lane waited while a case was ready. `settle_floor_s`: the end no scheduler could beat
    once those answers were lost when they were: an action whose answer was lost holds the
    next action of its case `settle_s` after its last lost attempt (its own repeats go at
    once). An action's attempts end at an answer other than 429 or 5xx.
    """
    if not puts:
        return {"last_case_started_s": 0.0, "settle_floor_s": 0.0}
    first = min(r["arrived"] for r in puts)
    by_case: dict[str, list[dict[str, Any]]] = {}
    for r in sorted(puts, key=lambda r: r["arrived"]):
        by_case.setdefault(r["case_id"], []).append(r)
    started = max(rs[0]["arrived"] for rs in by_case.values()) - first
    floor = 0.0
    for records in by_case.values():
        lost_at = None  # the last lost attempt of the action being sent
        for r in records:
            if lost_at is not None and r is not records[-1] and _final(r["status"]):
                floor = max(floor, lost_at - first + settle_s)  # a next action follows
            if r["status"] == "dropped-after":
                lost_at = r["arrived"]
            elif _final(r["status"]):
                lost_at = None
    return {"last_case_started_s": started, "settle_floor_s": floor}


def _final(status: Any) -> bool:
    return isinstance(status, int) and status != 429 and status < 500


async def naive_run(base_url: str, actions: list[Action]) -> dict[str, Any]:
    """One request at a time, each awaited before the next: no lanes, no pool to speak of."""
    config = config_from_dict({})
    async with aiohttp.ClientSession() as session:
        form = {
            "grant_type": "client_credentials",
            "client_id": CREDENTIALS.client_id,
            "client_secret": CREDENTIALS.client_secret,
        }
        async with session.post(base_url + "/oauth2/token", data=form) as response:
            token = (await response.json())["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        statuses: Counter[int] = Counter()
        started = time.monotonic()
        for action in actions:
            request = build_request(action, config.api)
            async with session.put(
                base_url + request.path, json=request.json, headers=headers
            ) as r:
                await r.read()
                statuses[r.status] += 1
        elapsed = time.monotonic() - started
    return {
        "requests": len(actions),
        "elapsed_s": elapsed,
        "rate_per_s": len(actions) / elapsed,
        "statuses": dict(statuses),
    }


def responses_file(directory: Path, cases: list[list[Action]]) -> Path:
    """The sandbox's survey responses for `cases` (every case must exist there)."""
    responses = directory / "responses.csv"
    with responses.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["number_customergauge", "date_survey_response"])
        writer.writerows([case[0].case, "2023-01-01 00:00:00"] for case in cases)
    return responses


def rate_shares(
    rates: tuple[float, ...] = (5, 25, 100, 200),
    seconds: float = 20,
    latency_ms: float = 20,
    concurrency: int = 32,
) -> list[dict[str, Any]]:
    """Share of `rate_limit` achieved at each rate, against a sandbox that enforces it.

    Each rate runs about `seconds` long. The share is the rate between the first and the
    last arrival at the sandbox (what the server sees), against the configured limit; the
    busiest 1 s window and the 429s say whether the limit was ever exceeded.
    """
    found = []
    for rate in rates:
        n_actions = max(int(rate * seconds), 50)
        cases = make_cases(n_actions, max(n_actions // 3, 1))
        with tempfile.TemporaryDirectory() as tmp:
            responses = responses_file(Path(tmp), cases)
            options = ("--latency-ms", f"{latency_ms:g}", "--rate-limit", f"{int(rate)}")
            with sandbox_process(responses, *options) as url:
                run = asyncio.run(engine_run(url, cases, rate, concurrency))
        found.append(
            {
                "rate_limit": rate,
                "requests": run["requests"],
                "share_at_sandbox": run["rate_at_sandbox_per_s"] / rate,
                "share_of_wall": run["rate_per_s"] / rate,
                "busiest_1s_window": run["busiest_1s_window"],
                "answers_429": run["answers_429"],
            }
        )
    return found


def lost_answers(
    share: float,
    *,
    settle_s: float = 15,
    rate: float = 60,
    concurrency: int = 8,
    n_actions: int = 1400,
    seed: int = 7,
) -> dict[str, Any]:
    """A run where `share` of the answers are lost (applied, then the connection dropped).

    Each lost answer makes its case settle `settle_s` before its next action. The figure
    is the wall time against the N/rate bound, N counting every request (retries too).
    """
    cases = make_cases(n_actions, max(n_actions // 4, 1), seed=seed)
    with tempfile.TemporaryDirectory() as tmp:
        responses = responses_file(Path(tmp), cases)
        options = ("--latency-ms", "20", "--drop-after", f"{share:g}", "--seed", str(seed))
        with sandbox_process(responses, *options) as url:
            run = asyncio.run(engine_run(url, cases, rate, concurrency, settle_s=settle_s))
    bound = run["requests"] / rate
    return {
        "lost_share": share,
        "requests": run["requests"],
        "elapsed_s": run["elapsed_s"],
        "bound_s": bound,
        "wall_over_bound": run["elapsed_s"] / bound,
        "outcomes": run["outcomes"],
    }


def auto_against(
    server_rate: int = 40,
    seconds: float = 60,
    *,
    latency_ms: float = 20,
    concurrency: int = 8,
    headers: bool = False,
) -> dict[str, Any]:
    """`rate_limit: auto` (start 5/s, max 50/s) against a sandbox with a tenant quota.

    Steady rate: 2xx answers per second at the sandbox over the second half of the run;
    429 share of all requests; when the limit was found; the pace over time.
    """
    n_actions = int(server_rate * seconds)
    cases = make_cases(n_actions, max(n_actions // 3, 1))
    options = ["--latency-ms", f"{latency_ms:g}", "--server-rate", str(server_rate)]
    if headers:
        options.append("--server-rate-headers")
    with tempfile.TemporaryDirectory() as tmp:
        responses = responses_file(Path(tmp), cases)
        with sandbox_process(responses, *options) as url:
            found = asyncio.run(_auto_run(url, cases, concurrency))
    puts = found.pop("puts")
    accepted = sorted(r["arrived"] for r in puts if r["status"] == 200)
    half = accepted[len(accepted) // 2 :]
    steady = (len(half) - 1) / (half[-1] - half[0]) if len(half) > 1 else 0.0
    answers_429 = sum(1 for r in puts if r["status"] == 429)
    return {
        "server_rate": server_rate,
        "requests": len(puts),
        "steady_rate_per_s": steady,
        "steady_share": steady / server_rate,
        "answers_429": answers_429,
        "share_429": answers_429 / len(puts),
        **found,
    }


async def _auto_run(base_url: str, cases: list[list[Action]], concurrency: int) -> dict[str, Any]:
    config = config_from_dict(
        {
            "api": {"base_url": base_url, "auth_url": base_url + "/oauth2/token"},
            "send": {"rate_limit": "auto", "concurrency": concurrency, "max_attempts": 10},
        }
    )
    async with ApiSession(config, CREDENTIALS) as api:
        report = await send_cases(api, cases)
    adaptive = api.adaptive
    assert adaptive is not None
    log = (await fetch(base_url + "/_sandbox/requests"))["data"]
    return {
        "elapsed_s": report.elapsed_s,
        "outcomes": {
            str(k): v for k, v in Counter(r.outcome for r in report.results.values()).items()
        },
        "rate_found": adaptive.found,
        "found_after_s": adaptive.found_after_s,
        "final_pace": adaptive.pace,
        "pace_over_time": adaptive.history,
        "puts": [r for r in log if r["path"].startswith("/v7")],
    }


def print_rate_shares(found: list[dict[str, Any]]) -> None:
    for row in found:
        print(
            f"rate_limit {row['rate_limit']:>5g}/s: {row['requests']:>5} requests, "
            f"{row['share_at_sandbox'] * 100:5.1f} % of the limit at the sandbox "
            f"({row['share_of_wall'] * 100:5.1f} % of wall time), busiest 1 s window "
            f"{row['busiest_1s_window']}, 429s {row['answers_429']}"
        )


def busiest_window(arrivals: list[float], window_s: float = 1.0) -> int:
    best = start = 0
    for end, t in enumerate(arrivals):
        while t - arrivals[start] >= window_s:
            start += 1
        best = max(best, end - start + 1)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--actions", type=int, default=5000)
    parser.add_argument("--cases", type=int, default=1500)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--latency-ms", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--naive-actions", type=int, default=None, help="default: --actions")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--auto", action="store_true", help="only rate_limit: auto against a 40/s tenant quota"
    )
    parser.add_argument(
        "--lost",
        action="store_true",
        help="only runs with 0/1/5 %% lost answers (settle_s 15, 60/s, 8 lanes) vs N/rate",
    )
    parser.add_argument(
        "--shares",
        action="store_true",
        help="only the share of rate_limit reached at 5, 25, 100 and 200/s (20 s each)",
    )
    parser.add_argument(
        "--no-priority", action="store_true", help="do not raise the client's CPU priority"
    )
    args = parser.parse_args()

    load_average = os.getloadavg()[0]  # the machine may be shared: say how busy it was
    if not args.no_priority:
        _server_priority()  # the client too: measure backfill, not the neighbours' load
    if args.lost:
        found_lost = [lost_answers(share) for share in (0.0, 0.01, 0.05)]
        for row in found_lost:
            print(
                f"lost answers {row['lost_share'] * 100:3.0f} %: {row['requests']} requests in "
                f"{row['elapsed_s']:.1f} s; N/rate bound {row['bound_s']:.1f} s "
                f"({row['wall_over_bound']:.2f}x); outcomes {row['outcomes']}"
            )
        return 0
    if args.auto:
        row = auto_against()
        row.pop("pace_over_time")
        print(json.dumps(row, indent=1))
        return 0
    if args.shares:
        found = rate_shares()
        if args.json:
            print(json.dumps(found, indent=1))
        else:
            print(f"load average before: {load_average:.2f} on {os.cpu_count()} cores")
            print_rate_shares(found)
        return 0
    cases = make_cases(args.actions, args.cases)
    in_send_order = [a for case in cases for a in case]
    naive_actions = in_send_order[: args.naive_actions or args.actions]
    latency = ("--latency-ms", f"{args.latency_ms:g}")
    with tempfile.TemporaryDirectory() as tmp:
        responses = Path(tmp) / "responses.csv"
        with responses.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["number_customergauge", "date_survey_response"])
            writer.writerows([case[0].case, "2023-01-01 00:00:00"] for case in cases)
        limit = ("--rate-limit", f"{int(args.rate)}")
        with sandbox_process(responses, *latency, *limit) as url:
            limited = asyncio.run(engine_run(url, cases, args.rate, args.concurrency))
        with sandbox_process(responses, *latency) as url:
            unlimited = asyncio.run(engine_run(url, cases, 1_000_000, args.concurrency))
        with sandbox_process(responses, *latency) as url:
            naive = asyncio.run(naive_run(url, naive_actions))

    ratio = unlimited["rate_per_s"] / naive["rate_per_s"]
    figures = {
        "actions": args.actions,
        "cases": args.cases,
        "latency_ms": args.latency_ms,
        "concurrency": args.concurrency,
        "rate_limit": args.rate,
        "limited": limited,
        "unlimited": unlimited,
        "naive": naive,
        "engine_vs_naive": ratio,
        "achieved_share_of_limit": limited["rate_per_s"] / args.rate,
        "load_average": load_average,
    }
    if args.json:
        print(json.dumps(figures, indent=1))
        return 0
    share = figures["achieved_share_of_limit"] * 100
    print(
        f"{args.actions} actions over {args.cases} cases; sandbox in its own process, "
        f"{args.latency_ms:g} ms latency; concurrency {args.concurrency}; "
        f"load average before: {figures['load_average']:.2f} on {os.cpu_count()} cores"
    )
    print(
        f"limited   rate_limit={args.rate:g}/s: {limited['requests']} requests in "
        f"{limited['elapsed_s']:.1f} s = {limited['rate_per_s']:.1f}/s ({share:.1f} % of the "
        f"limit; {limited['rate_at_sandbox_per_s']:.1f}/s between first and last arrival); "
        f"busiest 1 s window at the sandbox: {limited['busiest_1s_window']}; "
        f"429 answers: {limited['answers_429']}; outcomes {limited['outcomes']}"
    )
    print(
        f"unlimited engine: {unlimited['requests']} requests in {unlimited['elapsed_s']:.2f} s "
        f"= {unlimited['rate_per_s']:.0f}/s; outcomes {unlimited['outcomes']}"
    )
    print(
        f"naive loop:       {naive['requests']} requests in {naive['elapsed_s']:.2f} s "
        f"= {naive['rate_per_s']:.1f}/s; answers {naive['statuses']}"
    )
    print(f"engine / naive:   {ratio:.1f}x")
    ok = share >= 95 and limited["answers_429"] == 0
    print("target (>= 95 % of the limit, no 429):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
