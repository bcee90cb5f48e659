"""How much slower is `backfill plan` than pandas reading the same file?

For each size (default: 500,000 rows of 100,000 cases, and 1,000,000 rows of 200,000
cases) it generates a shuffled CSV export, then times, alternately and REPEAT times each,
two whole processes (start-up and imports included):

    python -c "import pandas; pandas.read_csv(FILE)"      (the floor: reading alone)
    backfill plan FILE --out DIR                           (read, validate, order, write)

and prints the best wall time of each, their ratio, plan's CPU time and its peak memory
(the process's maximum resident set size, from wait4). Targets: ratio <= 8, peak memory
<= 1 GiB at 500,000 rows. With --xlsx it also compares reading a 100,000-row workbook
through backfill's reader with a bare python-calamine read (target <= 3x). Figures:
benchmarks/README.md.

    python benchmarks/bench_plan.py [--sizes 500000:100000 1000000:200000] [--repeat 3] [--xlsx]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
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
    cpu: float  # user + system seconds
    peak: int  # bytes: the process's maximum resident set size


def run_child(command: list[str]) -> Measure:
    """Wall and CPU seconds and peak memory of one child process."""
    before = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert child.stderr is not None
    err = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - before
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({code}): {err.decode()[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return Measure(elapsed, cpu, usage.ru_maxrss * 1024)  # ru_maxrss: KiB on Linux


def compare(label: str, floor: list[str], ours: list[str], repeat: int) -> tuple[float, float]:
    floors: list[Measure] = []
    runs: list[Measure] = []
    for _ in range(repeat):  # alternate, so a noisy moment hits both
        floors.append(run_child(floor))
        runs.append(run_child(ours))
    floor_times, our_times = [m.wall for m in floors], [m.wall for m in runs]
    best_floor, best_ours = min(floor_times), min(our_times)
    floor_cpu, our_cpu = min(m.cpu for m in floors), min(m.cpu for m in runs)
    peak = max(m.peak for m in runs)
    # each run of ours against the floor run just before it: on a shared machine the spread
    # of these says how far to trust the ratio of the bests; CPU seconds suffer less from
    # other processes than wall time does
    pairs = sorted(o / f for f, o in zip(floor_times, our_times, strict=True))
    print(f"{label}: floor {best_floor:.2f} s (runs {_fmt(floor_times)}; CPU {floor_cpu:.2f} s)")
    print(
        f"{label}: backfill {best_ours:.2f} s (runs {_fmt(our_times)}; "
        f"CPU {_fmt([m.cpu for m in runs])} s)"
    )
    print(
        f"{label}: ratio {best_ours / best_floor:.2f} (per run {_fmt(pairs)}; "
        f"CPU {our_cpu / floor_cpu:.2f}); peak memory {peak / 2**20:.0f} MiB"
    )
    return best_ours / best_floor, peak


def _fmt(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        nargs="+",
        default=["500000:100000", "1000000:200000"],
        help="ROWS:CASES for each run (default: 500000:100000 1000000:200000)",
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--xlsx", action="store_true", help="also time a 100,000-row workbook")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        backfill = [sys.executable, "-m", "backfill.cli.main"]
        for size in args.sizes:
            rows, cases = (int(part) for part in size.split(":"))
            data = work / f"history-{rows}.csv"
            started = time.perf_counter()
            generate(data, rows, cases)
            megabytes = data.stat().st_size / 2**20
            print(
                f"generated {rows:,} rows, {cases:,} cases ({megabytes:.0f} MiB) "
                f"in {time.perf_counter() - started:.1f} s"
            )
            compare(
                f"plan csv {rows:,}",
                [sys.executable, "-c", f"import pandas; pandas.read_csv({str(data)!r})"],
                [*backfill, "plan", str(data), "--out", str(work / "out")],
                args.repeat,
            )
        if args.xlsx:
            data = work / "history-xlsx.csv"
            generate(data, 100_000, 20_000)
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
