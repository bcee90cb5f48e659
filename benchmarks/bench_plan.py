"""How much slower is `backfill plan` than pandas reading the same file?

Generates ROWS rows (CASES cases, shuffled) as a CSV, then times, alternately and REPEAT
times each, two whole processes (start-up and imports included):

    python -c "import pandas; pandas.read_csv(FILE)"      (the floor: reading alone)
    backfill plan FILE --out DIR                           (read, validate, order, write)

and prints the best wall time of each, their ratio, plan's CPU time and its peak memory.
Above 200,000 rows plan uses two processes (backfill/plan/split.py), so the CPU time (of
all its processes) exceeds the wall time, and the peak memory is the highest sum of the
resident memory of its processes, sampled every 20 ms. BACKFILL_PROCESSES=1 in the
environment measures the one-process path. Targets: ratio <= 4, peak memory <= 2 GiB. With
--xlsx it also compares reading a 100,000-row workbook through backfill's reader with a
bare python-calamine read (target <= 3x).

    python benchmarks/bench_plan.py [--rows 1000000] [--cases 200000] [--repeat 3] [--xlsx]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

STATUSES = ("open", "progress", "closed")
PEOPLE = [f"agent{i}@example.com" for i in range(40)]
NOTES = ["", "", "Called the customer", 'Wrote back "thanks, all good"', "Refund of €25"]


def generate(path: Path, rows: int, cases: int, seed: int = 7) -> None:
    """A realistic export: each case open -> progress -> closed (-> re-opened), shuffled."""
    rng = random.Random(seed)
    start = datetime(2021, 1, 1)
    lines: list[str] = []
    per_case = rows // cases
    for index in range(cases):
        case = f"{10_000_000 + index * 7}"
        response = start + timedelta(minutes=rng.randrange(0, 3 * 365 * 24 * 60))
        moment = response + timedelta(minutes=rng.randrange(5, 600))
        count = per_case + (1 if index < rows - per_case * cases else 0)
        for step in range(count):
            status = STATUSES[step % 3]
            note = rng.choice(NOTES)
            note = f'"{note.replace(chr(34), chr(34) * 2)}"' if '"' in note or "," in note else note
            assignee = rng.choice(PEOPLE) if step % 2 == 0 else ""
            lines.append(
                f"{case},{status},{moment:%Y-%m-%d %H:%M:%S},{note},{assignee},"
                f"{response:%Y-%m-%d %H:%M:%S}\n"
            )
            moment += timedelta(minutes=rng.randrange(1, 4000))
    rng.shuffle(lines)
    with path.open("w", encoding="utf-8") as handle:
        handle.write("number_customergauge,status,happened_at,note,assignee,response_date\n")
        handle.writelines(lines)


@dataclass
class Measure:
    wall: float  # seconds
    cpu: float  # user + system seconds of the process and every process it started
    peak: int  # bytes: the highest sum of the resident memory of its processes at one time


def run_child(command: list[str]) -> Measure:
    """Wall and CPU seconds and peak memory of a child and the processes it forks.

    backfill plan forks worker processes: their memory is sampled from /proc every 20 ms and
    summed with the parent's (pages they still share are counted twice, so this is an upper
    bound); wait4's peak of the parent alone would leave them out.
    """
    before = time.perf_counter()
    start = resource.getrusage(resource.RUSAGE_CHILDREN)
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [0]
    sampler = threading.Thread(target=_sample_memory, args=(child.pid, peak), daemon=True)
    sampler.start()
    assert child.stderr is not None
    err = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - before
    sampler.join()
    end = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (end.ru_utime - start.ru_utime) + (end.ru_stime - start.ru_stime)
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({code}): {err.decode()[-2000:]}")
    return Measure(elapsed, cpu, max(peak[0], usage.ru_maxrss * 1024))  # ru_maxrss: KiB


def _sample_memory(pid: int, peak: list[int]) -> None:
    while True:
        total = 0
        for process in [pid, *_children(pid)]:
            total += _rss(process)
        if total == 0:
            return  # the process has ended
        peak[0] = max(peak[0], total)
        time.sleep(0.02)


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found += [int(p) for p in handle.read().split()]
    except OSError:
        return []
    return found + [g for c in found for g in _children(c)]


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def compare(label: str, floor: list[str], ours: list[str], repeat: int) -> tuple[float, float]:
    floors: list[Measure] = []
    runs: list[Measure] = []
    for _ in range(repeat):  # alternate, so a noisy moment hits both
        floors.append(run_child(floor))
        runs.append(run_child(ours))
    floor_times, our_times = [m.wall for m in floors], [m.wall for m in runs]
    best_floor, best_ours = min(floor_times), min(our_times)
    peak = max(m.peak for m in runs)
    # each run of ours against the floor run just before it: on a shared machine the spread
    # of these says how far to trust the ratio of the bests
    pairs = sorted(o / f for f, o in zip(floor_times, our_times, strict=True))
    print(f"{label}: floor {best_floor:.2f} s (runs {_fmt(floor_times)})")
    print(
        f"{label}: backfill {best_ours:.2f} s (runs {_fmt(our_times)}; "
        f"CPU {_fmt([m.cpu for m in runs])} s, all its processes)"
    )
    print(
        f"{label}: ratio {best_ours / best_floor:.2f} (per run {_fmt(pairs)}); "
        f"peak memory {peak / 2**20:.0f} MiB (all its processes)"
    )
    return best_ours / best_floor, peak


def _fmt(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--xlsx", action="store_true", help="also time a 100,000-row workbook")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        data = work / "history.csv"
        started = time.perf_counter()
        generate(data, args.rows, args.cases)
        size = data.stat().st_size / 2**20
        print(
            f"generated {args.rows:,} rows, {args.cases:,} cases ({size:.0f} MiB) "
            f"in {time.perf_counter() - started:.1f} s"
        )
        backfill = [sys.executable, "-m", "backfill.cli.main"]
        compare(
            "plan csv",
            [sys.executable, "-c", f"import pandas; pandas.read_csv({str(data)!r})"],
            [*backfill, "plan", str(data), "--out", str(work / "out")],
            args.repeat,
        )
        if args.xlsx:
            book = work / "history.xlsx"
            _write_workbook(data, book, 100_000)
            compare(
                "read xlsx",
                [
                    sys.executable,
                    "-c",
                    "from python_calamine import CalamineWorkbook as W; "
                    f"W.from_path({str(book)!r}).get_sheet_by_index(0).to_python()",
                ],
                [
                    sys.executable,
                    "-c",
                    "from pathlib import Path; from backfill.config import InputConfig; "
                    "from backfill.read.table import read_inputs; "
                    f"read_inputs([Path({str(book)!r})], InputConfig())",
                ],
                args.repeat,
            )


def _write_workbook(source: Path, book: Path, rows: int) -> None:
    import pandas as pd

    frame = pd.read_csv(source, nrows=rows, dtype=str, keep_default_na=False)
    frame["happened_at"] = pd.to_datetime(frame["happened_at"])  # real Excel date cells
    frame.to_excel(book, index=False)


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
