"""Every benchmark in one go: a table, benchmarks/results/latest.json and a chart.

On one sandbox setup (`backfill sandbox` in its own process, 20 ms latency) and one input
(bench_send.make_cases), side by side:

- **rate share**: backfill at a fixed send.rate_limit of 5, 25, 100 and 200/s against a
  sandbox that answers 429 above that rate (any 429 is backfill's fault), and unlimited;
- **auto**: send.rate_limit `auto` against a server that allows 40/s (steady accepted rate,
  share of 429 answers, time to the first push-back and to 90 % of the limit);
- **Newman** (Postman's runner) with a CSV data file, and a **naive loop** (aiohttp, one
  request at a time): what people write first;
- **lost answers** at 0, 1 and 5 % (answers dropped after the request was applied): the
  run's wall time against the bound of actions / rate, when the last case started (the
  lanes never idle while one is ready) and the floor the settle rule sets;

and the scaling of the rest:

- `backfill plan` at 10 k / 100 k / 500 k / 1 M rows (CSV) and 10 k / 100 k (XLSX), each
  against a bare read of the same file, with peak memory (bench_plan.py's measures);
- the journal's cost per action (the in-flight mark and the outcome a run writes for each);
- resume start-up on a journal of 1 M sent actions (open it and decide what is left).

    python benchmarks/run_all.py [--quick] [--out benchmarks/results] [--only send,plan,...]
        [--readme]  (also put the table into README.md's Performance section)

About 15 minutes on a 2-core machine (`--quick`: about 2, at small sizes). The chart needs
matplotlib (`pip install -e '.[bench]'`); without it the rest still runs. Newman is looked
up on PATH, else installed with npm into ~/.cache/backfill-bench (or give --newman PATH);
when neither works the table says so.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import hashlib
import inspect
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_plan  # noqa: E402
import bench_send  # noqa: E402

PIECES = ("send", "lost", "plan", "journal", "resume")
LATENCY_MS = 20.0
AUTO_SERVER_RATE = 40
LOST_RATE, LOST_CONCURRENCY = 60.0, 8


@dataclass(frozen=True)
class Sizes:
    """How much each piece does: the full run and --quick."""

    seconds_per_rate: float  # each fixed-rate run sends rate x this many requests
    rates: tuple[int, ...]
    unlimited_actions: int
    auto_actions: int
    naive_actions: int
    lost_actions: int
    settle_s: float
    plan_csv: tuple[tuple[int, int], ...]  # (rows, cases)
    plan_xlsx: tuple[tuple[int, int], ...]
    journal_actions: int
    resume_actions: tuple[int, int]  # (rows, cases)


FULL = Sizes(
    seconds_per_rate=20,
    rates=(5, 25, 100, 200),
    unlimited_actions=5000,
    auto_actions=2400,
    naive_actions=400,
    lost_actions=1460,
    settle_s=15,
    plan_csv=((10_000, 2_000), (100_000, 20_000), (500_000, 100_000), (1_000_000, 200_000)),
    plan_xlsx=((10_000, 2_000), (100_000, 20_000)),
    journal_actions=20_000,
    resume_actions=(1_000_000, 200_000),
)
QUICK = Sizes(
    seconds_per_rate=4,
    rates=(5, 25, 100, 200),
    unlimited_actions=1000,
    auto_actions=400,
    naive_actions=100,
    lost_actions=240,
    settle_s=2,
    plan_csv=((10_000, 2_000), (100_000, 20_000)),
    plan_xlsx=((10_000, 2_000),),
    journal_actions=2_000,
    resume_actions=(20_000, 4_000),
)
TINY = Sizes(  # the smoke test's: every code path, nothing measured
    seconds_per_rate=1,
    rates=(25,),
    unlimited_actions=40,
    auto_actions=40,
    naive_actions=10,
    lost_actions=30,
    settle_s=0.2,
    plan_csv=((200, 40),),
    plan_xlsx=((100, 20),),
    journal_actions=100,
    resume_actions=(300, 60),
)


# --- the send contenders -----------------------------------------------------------------
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


def newman_command(given: str | None) -> tuple[list[str] | None, str]:
    """How to start Newman, or why it cannot be started."""
    if given:
        return [given], ""
    found = shutil.which("newman")
    if found:
        return [found], ""
    cache = Path.home() / ".cache" / "backfill-bench"
    local = cache / "node_modules" / ".bin" / "newman"
    if not local.exists():
        if not shutil.which("npm"):
            return None, "not installable here: no npm"
        cache.mkdir(parents=True, exist_ok=True)
        install = subprocess.run(
            ["npm", "install", "--prefix", str(cache), "--no-audit", "--no-fund", "newman"],
            capture_output=True,
            text=True,
            check=False,
        )
        if install.returncode != 0 or not local.exists():
            return None, f"not installable: npm install newman failed: {install.stderr[-300:]}"
    return [str(local)], ""


NEWMAN_BODY = (
    '{"number_customergauge":"{{number_customergauge}}","status":"{{status}}",'
    '"happened_at":"{{happened_at}}","note":"{{note}}"}'
)


def newman_run(responses: Path, actions: list[Any], command: list[str], work: Path) -> Contender:
    """Newman with a CSV data file: one iteration (one PUT) per row, one at a time."""
    data = work / "newman-data.csv"
    with data.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["number_customergauge", "status", "happened_at", "note"])
        writer.writerows([a.case, a.status, a.happened_at, a.note] for a in actions)
    collection = work / "newman-collection.json"
    request = {
        "method": "PUT",
        "header": [
            {"key": "Authorization", "value": "Bearer {{token}}"},
            {"key": "Content-Type", "value": "application/json"},
        ],
        "body": {"mode": "raw", "raw": NEWMAN_BODY},
        "url": "{{base_url}}/v7/rest/close-loop/status",
    }
    collection.write_text(
        json.dumps(
            {
                "info": {
                    "name": "close-loop backfill",
                    "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
                },
                "item": [{"name": "status", "request": request}],
            }
        )
    )
    with sandbox(responses) as url:
        token = asyncio.run(_token(url))
        started = time.perf_counter()
        finished = subprocess.run(
            [
                *command, "run", str(collection), "-d", str(data),
                "--env-var", f"base_url={url}", "--env-var", f"token={token}",
                "-r", "json", "--reporter-json-export", str(work / "newman-report.json"),
            ],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        wall = time.perf_counter() - started
        times, statuses = timeline(asyncio.run(sandbox_log(url)))
    span = times[-1] if len(times) > 1 else 0.0
    figures = {
        "requests": len(statuses),
        "elapsed_s": wall,  # the whole process: node's start-up included
        "rate_per_s": (len(times) - 1) / span if span else 0.0,  # first to last arrival
        "accepted": sum(1 for s in statuses if 200 <= s < 300),
        "exit_status": finished.returncode,
    }
    return Contender("newman (CSV data file)", figures, per_second(times, statuses))


async def _token(url: str) -> str:
    import aiohttp

    credentials = bench_send.CREDENTIALS
    form = {
        "grant_type": "client_credentials",
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret,
    }
    async with (
        aiohttp.ClientSession() as session,
        session.post(url + "/oauth2/token", data=form) as r,
    ):
        return str((await r.json())["access_token"])


def naive(responses: Path, actions: list[Any]) -> Contender:
    with sandbox(responses) as url:
        figures = asyncio.run(bench_send.naive_run(url, actions))
        times, statuses = timeline(asyncio.run(sandbox_log(url)))
    figures["accepted"] = sum(1 for s in statuses if 200 <= s < 300)
    return Contender("naive loop (aiohttp, one at a time)", figures, per_second(times, statuses))


def send_piece(sizes: Sizes, work: Path, newman: str | None, say: Callable[[str], None]) -> dict:
    cases_all = bench_send.make_cases(max(6000, sizes.unlimited_actions), 1800)
    responses = work / "responses.csv"
    with responses.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["number_customergauge", "date_survey_response"])
        writer.writerows([case[0].case, "2023-01-01 00:00:00"] for case in cases_all)
    contenders: list[Contender] = []
    out: dict[str, Any] = {"latency_ms": LATENCY_MS}
    for rate in sizes.rates:
        cases = _first_actions(cases_all, int(rate * sizes.seconds_per_rate))
        say(f"send: fixed rate_limit {rate}/s, {_count(cases)} actions")
        run = engine(responses, f"backfill {rate}/s", cases, rate, "--rate-limit", str(rate))
        run.figures["share_of_limit"] = run.figures["rate_per_s"] / rate
        run.figures["windows_over_limit"] = int(run.figures["busiest_1s_window"] > rate)
        contenders.append(run)
    cases = _first_actions(cases_all, sizes.unlimited_actions)
    say(f"send: unlimited, {_count(cases)} actions")
    contenders.append(engine(responses, "backfill unlimited", cases, 1_000_000))
    why_not = auto_support()
    if why_not:
        say(f"send: auto against {AUTO_SERVER_RATE}/s {why_not}")
        out["auto"] = {"skipped": why_not}
    else:
        cases = _first_actions(cases_all, sizes.auto_actions)
        say(f"send: auto against a {AUTO_SERVER_RATE}/s server, {_count(cases)} actions")
        run = engine(
            responses, f"backfill auto vs {AUTO_SERVER_RATE}/s server", cases, "auto",
            "--server-rate", str(AUTO_SERVER_RATE),
        )  # fmt: skip
        run.figures.update(auto_figures(run))
        out["auto"] = run.figures
        contenders.append(run)
    actions = [a for case in cases_all for a in case][: sizes.naive_actions]
    command, why_not = newman_command(newman)
    if command is None:
        say(f"send: newman {why_not}")
        out["newman"] = {"skipped": why_not}
    else:
        say(f"send: newman, {len(actions)} rows")
        run = newman_run(responses, actions, command, work)
        out["newman"] = run.figures
        contenders.append(run)
    say(f"send: naive loop, {len(actions)} actions")
    contenders.append(naive(responses, actions))
    out["contenders"] = [
        {"name": c.name, **c.figures, "accepted_per_s": c.accepted_per_s} for c in contenders
    ]
    return out


def lost_piece(sizes: Sizes, work: Path, say: Callable[[str], None]) -> list[dict[str, Any]]:
    """Answers lost after the request was applied: how far past the N/rate bound a run ends."""
    cases = bench_send.make_cases(sizes.lost_actions, max(1, sizes.lost_actions // 4))
    responses = work / "responses-lost.csv"
    with responses.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["number_customergauge", "date_survey_response"])
        writer.writerows([case[0].case, "2023-01-01 00:00:00"] for case in cases)
    runs = []
    for share in (0.0, 0.01, 0.05):
        say(f"lost answers: {share:.0%} of {sizes.lost_actions} at {LOST_RATE:g}/s")
        run = engine(
            responses, f"lost {share:.0%}", cases, LOST_RATE, "--drop-after", f"{share:g}",
            concurrency=LOST_CONCURRENCY, settle_s=sizes.settle_s, max_attempts=8,
        )  # fmt: skip
        bound = sizes.lost_actions / LOST_RATE
        runs.append(
            {
                "lost_share": share,
                "actions": sizes.lost_actions,
                "rate_limit": LOST_RATE,
                "concurrency": LOST_CONCURRENCY,
                "settle_s": sizes.settle_s,
                "bound_s": bound,
                "wall_s": run.figures["elapsed_s"],
                "wall_over_bound": run.figures["elapsed_s"] / bound,
                "requests": run.figures["requests"],
                "last_case_started_s": run.figures["last_case_started_s"],
                "settle_floor_s": run.figures["settle_floor_s"],
                "outcomes": run.figures["outcomes"],
                "accepted_per_s": run.accepted_per_s,
            }
        )
    return runs


def _first_actions(cases: list[list[Any]], count: int) -> list[list[Any]]:
    """Whole cases from the start until `count` actions (at least one case)."""
    taken: list[list[Any]] = []
    total = 0
    for case in cases:
        if total >= count:
            break
        taken.append(case)
        total += len(case)
    return taken


def _count(cases: list[list[Any]]) -> int:
    return sum(len(case) for case in cases)


# --- plan, journal, resume ---------------------------------------------------------------
def history(inputs: Path, rows: int, cases: int, *, workbook: bool = False) -> Path:
    """bench_plan's generated export (and its workbook), made once per version of the
    generator and kept in `inputs`: generating is not what is measured."""
    version = hashlib.sha256(inspect.getsource(bench_plan).encode()).hexdigest()[:8]
    data = inputs / f"history-{rows}-{cases}-{version}.csv"
    if not data.exists():
        inputs.mkdir(parents=True, exist_ok=True)
        partial = data.with_suffix(".part")
        bench_plan.generate(partial, rows, cases)
        partial.replace(data)
    if not workbook:
        return data
    book = data.with_suffix(".xlsx")
    if not book.exists():
        partial = data.with_suffix(".part.xlsx")
        bench_plan._write_workbook(data, partial, rows)
        partial.replace(book)
    return book


def prepare_inputs(sizes: Sizes, inputs: Path, say: Callable[[str], None]) -> None:
    for rows, cases in sizes.plan_csv:
        say(f"inputs: CSV of {rows:,} rows")
        history(inputs, rows, cases)
    for rows, cases in sizes.plan_xlsx:
        say(f"inputs: XLSX of {rows:,} rows")
        history(inputs, rows, cases, workbook=True)
    say(f"inputs: CSV of {sizes.resume_actions[0]:,} rows")
    history(inputs, *sizes.resume_actions)


def plan_piece(
    sizes: Sizes, work: Path, inputs: Path, say: Callable[[str], None]
) -> list[dict[str, Any]]:
    backfill = [sys.executable, "-m", "backfill.cli.main", "plan"]
    runs = []
    for rows, cases in sizes.plan_csv:
        data = history(inputs, rows, cases)
        say(f"plan: CSV of {rows:,} rows")
        floor = bench_plan.run_child(
            [sys.executable, "-c", f"import pandas; pandas.read_csv({str(data)!r})"]
        )
        ours = bench_plan.run_child([*backfill, str(data), "--out", str(work / "out")])
        runs.append(_plan_figures("csv", rows, cases, floor, ours, "pandas.read_csv"))
    for rows, cases in sizes.plan_xlsx:
        book = history(inputs, rows, cases, workbook=True)
        say(f"plan: XLSX of {rows:,} rows")
        floor = bench_plan.run_child(
            [
                sys.executable,
                "-c",
                "from python_calamine import CalamineWorkbook as W; "
                f"W.from_path({str(book)!r}).get_sheet_by_index(0).to_python()",
            ]
        )
        ours = bench_plan.run_child([*backfill, str(book), "--out", str(work / "out")])
        runs.append(_plan_figures("xlsx", rows, cases, floor, ours, "python-calamine read"))
    return runs


def _plan_figures(
    kind: str, rows: int, cases: int, floor: Any, ours: Any, floor_name: str
) -> dict[str, Any]:
    return {
        "input": kind,
        "rows": rows,
        "cases": cases,
        "floor": floor_name,
        "floor_s": floor.wall,
        "floor_cpu_s": floor.cpu,
        "plan_s": ours.wall,
        "plan_cpu_s": ours.cpu,
        "ratio": ours.wall / floor.wall,
        "cpu_ratio": ours.cpu / floor.cpu,
        "peak_mib": ours.peak / 2**20,
    }


def journal_piece(actions: int, say: Callable[[str], None]) -> dict[str, Any]:
    """What the journal costs a run per action: the in-flight mark before each request (a
    commit) and the outcome after (batched by the writer thread), timed on their own."""
    from backfill.journal.store import Journal
    from backfill.model import Outcome, Result

    say(f"journal: {actions:,} actions")
    cases = bench_send.make_cases(actions, max(1, actions // 4))
    flat = [a for case in cases for a in case]
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        with Journal(Path(folder) / "journal.sqlite") as journal:
            journal.begin_run("bench", "run", ["bench.csv"], "sandbox")
            for action in flat:
                identity = f"{action.case}:{action.case_seq}"
                journal.mark_in_flight(identity, action, "bench", 1, action.happened_at)
                result = Result(action.key, Outcome.SENT, http_status=200, attempts=1)
                journal.record_result(identity, action, "bench", result, action.happened_at)
        elapsed = time.perf_counter() - started
    per_action = elapsed / len(flat)
    return {
        "actions": len(flat),
        "seconds": elapsed,
        "per_action_ms": per_action * 1000,
        "share_of_a_request_at_200_per_s": per_action / (1 / 200),
    }


def resume_child(csv_path: Path, journal_path: Path) -> dict[str, Any]:
    """In a child process: plan the input, journal every action as sent, then time what a
    resumed run does before its first request: open the journal and decide."""
    from backfill.config import config_from_dict
    from backfill.journal.store import Journal
    from backfill.model import Outcome, Result
    from backfill.plan.build import build_plan
    from backfill.plan.identity import plan_contents, plan_identities
    from backfill.runner.resume import decide, utc_times

    config = config_from_dict({})
    started = time.perf_counter()
    plan = build_plan([csv_path], config)
    planned = time.perf_counter() - started
    keys = plan_identities(plan)
    identities = {int(k): str(v) for k, v in zip(keys.index, keys, strict=True)}
    happened = utc_times(plan)
    started = time.perf_counter()
    with Journal(journal_path, flush_every=10_000) as journal:
        journal.begin_run("filled", "run", [str(csv_path)], "sandbox")
        for case in plan.actions_by_case():
            for action in case:
                result = Result(action.key, Outcome.SENT, http_status=200, attempts=1)
                journal.record_result(
                    identities[action.key], action, "filled", result, happened[action.key]
                )
    filled = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    with Journal(journal_path) as journal:
        opened = time.perf_counter()
        keys = plan_identities(plan)  # as the runner's prepare phase (decide_plan) does
        identities = dict(zip(keys.index.tolist(), keys.tolist(), strict=True))
        happened, contents = utc_times(plan), plan_contents(plan)
        known = time.perf_counter()
        decisions = decide(
            plan, journal, identities, happened, allow_out_of_order=False, contents=contents
        )
    decided, cpu = time.perf_counter(), time.process_time() - cpu
    return {
        "actions": len(identities),
        "plan_s": planned,
        "fill_s": filled,
        "open_and_decide_s": decided - started,
        "open_and_decide_cpu_s": cpu,
        "open_s": opened - started,
        "identities_s": known - opened,  # the content identities of the plan's actions
        "decide_s": decided - known,  # journal look-ups and the decisions
        "left_to_send": sum(len(case) for case in decisions.cases),
        "already_sent": sum(
            1 for r in decisions.all_results().values() if r.outcome == "already_sent"
        ),
    }


def resume_piece(
    sizes: Sizes, work: Path, inputs: Path, say: Callable[[str], None]
) -> dict[str, Any]:
    rows, cases = sizes.resume_actions
    say(f"resume: journal of {rows:,} actions")
    data = history(inputs, rows, cases)
    journal = work / "resume-journal.sqlite"
    journal.unlink(missing_ok=True)
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--resume-child",
        str(data),
        str(journal),
    ]
    before = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"resume child failed ({child.returncode}): {err[-2000:]}")
    figures = json.loads(out)
    figures["child_wall_s"] = time.perf_counter() - before
    figures["journal_mib"] = journal.stat().st_size / 2**20
    return figures


# --- the machine, the table, the chart ---------------------------------------------------
def machine() -> dict[str, Any]:
    memory = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = int(line.split()[1]) * 1024
    except OSError:
        pass
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "memory_gib": round(memory / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_before": os.getloadavg(),
    }


def table(results: dict[str, Any]) -> list[str]:
    """The figures as Markdown table rows (the README's Performance section shows these)."""
    lines = ["| what | figure |", "|---|---|"]
    send = results.get("send") or {}
    for c in send.get("contenders", []):
        name, f = c["name"], c
        if "share_of_limit" in f:
            text = (
                f"{f['rate_per_s']:.1f}/s = {f['share_of_limit']:.1%} of the limit; busiest 1 s "
                f"window {f['busiest_1s_window']}; 429s {f['answers_429']}"
            )
        elif "steady_rate_per_s" in f:
            steady = f["steady_rate_per_s"]
            text = (
                f"steady {steady if steady is None else f'{steady:.1f}/s'} "
                f"({f['steady_share'] or 0:.0%} of {f['server_rate']}/s); 429s "
                f"{f['share_429']:.1%} of requests; first 429 after "
                f"{_seconds(f['first_429_s'])}, 90 % of the limit reached in second "
                f"{f['seconds_to_90pct']}"
            )
        else:
            text = f"{f['requests']} requests at {f['rate_per_s']:.1f}/s"
            if "exit_status" in f:
                text += f" (whole process {f['elapsed_s']:.1f} s incl. start-up)"
        lines.append(f"| {name} | {text} |")
    for key in ("auto", "newman"):
        if "skipped" in send.get(key, {}):
            lines.append(f"| {key} | {send[key]['skipped']} |")
    for run in results.get("lost", []):
        lines.append(
            f"| lost answers {run['lost_share']:.0%} ({run['actions']} actions at "
            f"{run['rate_limit']:g}/s, settle {run['settle_s']:g} s) | {run['wall_s']:.1f} s "
            f"against a bound of {run['bound_s']:.1f} s ({run['wall_over_bound']:.2f}x); "
            f"every case started by {run['last_case_started_s']:.1f} s; settle floor "
            f"{run['settle_floor_s']:.1f} s |"
        )
    for run in results.get("plan", []):
        lines.append(
            f"| plan {run['input'].upper()} {run['rows']:,} rows | {run['plan_s']:.1f} s = "
            f"{run['ratio']:.1f}x {run['floor']} ({run['floor_s']:.2f} s); CPU ratio "
            f"{run['cpu_ratio']:.1f}; peak {run['peak_mib']:.0f} MiB |"
        )
    if "journal" in results:
        j = results["journal"]
        lines.append(
            f"| journal, per action | {j['per_action_ms']:.3f} ms "
            f"({j['share_of_a_request_at_200_per_s']:.1%} of a request's 5 ms at 200/s) |"
        )
    if "resume" in results:
        r = results["resume"]
        lines.append(
            f"| resume start-up, journal of {r['actions']:,} sent actions | open and decide "
            f"{r['open_and_decide_s']:.1f} s, CPU {r.get('open_and_decide_cpu_s', 0):.1f} s "
            f"(identities {r['identities_s']:.1f} s, journal "
            f"look-ups and decisions {r['decide_s']:.1f} s; planning before it "
            f"{r['plan_s']:.1f} s); {r['left_to_send']} left to send |"
        )
    return lines


def _earlier_pieces(path: Path, pieces: tuple[str, ...]) -> dict[str, tuple[Any, Any]]:
    """The pieces of an earlier latest.json that this run did not measure."""
    try:
        earlier = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    measured = earlier.get("measured", {})
    return {
        piece: (earlier[piece], measured.get(piece, {"date": earlier["machine"]["date"]}))
        for piece in PIECES
        if piece not in pieces and piece in earlier
    }


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"


def chart(results: dict[str, Any], path: Path) -> str:
    """Accepted requests per second over time, one line per contender; "" or why not."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import matplotlib.ticker
    except ImportError:
        return "no chart: matplotlib is not installed (pip install -e '.[bench]')"
    contenders = results.get("send", {}).get("contenders", [])
    lost = results.get("lost", [])
    panels = [
        ("same input, one sandbox", [(c["name"], c["accepted_per_s"]) for c in contenders]),
        (
            f"answers lost ({LOST_RATE:g}/s, concurrency {LOST_CONCURRENCY})",
            [(f"{r['lost_share']:.0%} lost", r["accepted_per_s"]) for r in lost],
        ),
    ]
    panels = [(title, series) for title, series in panels if series]
    if not panels:
        return "no chart: nothing was sent"
    figure, axes_list = plt.subplots(
        1, max(1, len(panels)), figsize=(7 * max(1, len(panels)), 5.5), squeeze=False
    )
    for axes, (title, series) in zip(axes_list[0], panels, strict=False):
        for name, counts in series:
            if counts:
                axes.step(range(len(counts)), counts, where="post", label=name, linewidth=1.4)
        axes.set_yscale("symlog", linthresh=5, linscale=0.5)  # 0 (a stall) stays visible
        axes.set_yticks([0, 5, 10, 25, 40, 100, 200, 500, 1000, 2000])
        axes.yaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
        axes.set_xlabel("seconds from the first request")
        axes.set_ylabel("accepted requests per second")
        axes.set_title(title)
        axes.grid(True, which="both", alpha=0.3)
        axes.legend(fontsize=8, loc="best")
    facts = results["machine"]
    figure.suptitle(
        f"backfill against its sandbox ({LATENCY_MS:g} ms latency): {facts['nproc']} cores, "
        f"Python {facts['python']}, {facts['date']}"
    )
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return ""


def run(
    sizes: Sizes,
    pieces: tuple[str, ...],
    out: Path,
    newman: str | None,
    say: Callable[[str], None],
    inputs: Path | None = None,  # where generated inputs are kept (default: a temporary folder)
) -> dict[str, Any]:
    results: dict[str, Any] = {"machine": machine(), "sizes": sizes.__dict__, "seconds": 0.0}
    results["machine"]["load_average_after"] = results["machine"]["load_average_before"]
    kept = _earlier_pieces(out / "latest.json", pieces)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        steps: dict[str, Callable[[], Any]] = {
            "send": lambda: send_piece(sizes, work, newman, say),
            "lost": lambda: lost_piece(sizes, work, say),
            "plan": lambda: plan_piece(sizes, work, inputs or work, say),
            "journal": lambda: journal_piece(sizes.journal_actions, say),
            "resume": lambda: resume_piece(sizes, work, inputs or work, say),
        }
        results["measured"] = {}
        for piece in (p for p in PIECES if p in pieces):
            load = os.getloadavg()[0]
            results[piece] = steps[piece]()
            results["measured"][piece] = {
                "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "load_average": [load, os.getloadavg()[0]],  # as it began and ended
            }
            # saved after each piece: a run stopped early keeps what it measured
            results["machine"]["load_average_after"] = os.getloadavg()
            results["seconds"] = time.perf_counter() - started
            out.mkdir(parents=True, exist_ok=True)
            (out / "latest.json").write_text(json.dumps(results, indent=1) + "\n")
    if kept:  # --only: the other pieces' figures of the last run stay, with their dates
        for piece, (figures, measured) in kept.items():
            results[piece] = figures
            results["measured"][piece] = measured
        (out / "latest.json").write_text(json.dumps(results, indent=1) + "\n")
    results["chart"] = chart(results, out / "accepted_per_second.png") or str(
        out / "accepted_per_second.png"
    )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: about 2 minutes")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--only", default=",".join(PIECES), help=f"any of {','.join(PIECES)}")
    parser.add_argument("--newman", help="the newman command (default: PATH, else npm install)")
    parser.add_argument(
        "--readme", action="store_true", help="also put the table into README.md's Performance"
    )
    parser.add_argument(
        "--inputs",
        type=Path,
        default=Path.home() / ".cache" / "backfill-bench" / "inputs",
        help="where the generated inputs are kept between runs",
    )
    parser.add_argument(
        "--prepare", action="store_true", help="only generate the inputs (nothing measured)"
    )
    parser.add_argument(
        "--no-priority", action="store_true", help="do not raise the CPU priority (see bench_send)"
    )
    parser.add_argument("--resume-child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.resume_child:
        print(json.dumps(resume_child(*args.resume_child)))
        return 0
    pieces = tuple(p.strip() for p in args.only.split(",") if p.strip())
    unknown = set(pieces) - set(PIECES)
    if unknown:
        parser.error(f"unknown pieces {sorted(unknown)}; choose from {','.join(PIECES)}")
    started = time.perf_counter()

    def say(text: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {text}", flush=True)

    sizes = QUICK if args.quick else FULL
    if not args.no_priority:
        bench_send._server_priority()  # as bench_send does: measure backfill, not the neighbours
    if args.prepare:
        prepare_inputs(sizes, args.inputs, say)
        return 0
    results = run(sizes, pieces, args.out, args.newman, say, args.inputs)
    summary = "\n".join([machine_line(results), "", *table(results)])
    (args.out / "latest.md").write_text(summary + "\n")
    if args.readme:
        readme = HERE.parent / "README.md"
        readme.write_text(with_figures(readme.read_text(encoding="utf-8"), summary), "utf-8")
    print(
        f"\n{summary}\n\nfigures: {args.out / 'latest.json'} and latest.md; "
        f"chart: {results['chart']}"
    )
    return 0


README_BEGIN, README_END = "<!-- run_all:begin -->", "<!-- run_all:end -->"


def with_figures(readme: str, summary: str) -> str:
    """The README with `summary` between the Performance section's markers."""
    head, rest = readme.split(README_BEGIN, 1)
    _, tail = rest.split(README_END, 1)
    return f"{head}{README_BEGIN}\n{summary}\n{README_END}{tail}"


def machine_line(results: dict[str, Any]) -> str:
    facts = results["machine"]
    before, after = facts["load_average_before"], facts["load_average_after"]
    pieces = "; ".join(
        f"{piece} {when['date']}"
        + (
            " (load {:.1f} -> {:.1f})".format(*when["load_average"])
            if "load_average" in when
            else ""
        )
        for piece, when in results.get("measured", {}).items()
    )
    return (
        f"{facts['date']}: {facts['nproc']} cores, {facts['memory_gib']} GiB, Python "
        f"{facts['python']} ({facts['platform']}); load average (1, 5, 15 min) "
        f"{before[0]:.1f}, {before[1]:.1f}, {before[2]:.1f} before and {after[0]:.1f}, "
        f"{after[1]:.1f}, {after[2]:.1f} after; {results['seconds'] / 60:.1f} min in all. "
        f"Measured: {pieces}."
    )


if __name__ == "__main__":
    sys.exit(main())
