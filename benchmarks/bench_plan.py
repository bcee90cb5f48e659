"""How much slower is `backfill plan` than pandas reading the same file?

Generates ROWS rows (CASES cases, shuffled) as a CSV, then times, alternately and REPEAT
times each, two whole processes (start-up and imports included):

    python -c "import pandas; pandas.read_csv(FILE)"      (the floor: reading alone)
    backfill plan FILE --out DIR                           (read, validate, order, write)

and prints the best wall time of each, their ratio and plan's peak memory (max RSS of the
child). Targets: ratio <= 4, peak memory <= 2 GiB. With --xlsx it also compares reading a
100,000-row workbook through backfill's reader with a bare python-calamine read
(target <= 3x).

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
import time
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


def run_child(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of a child, measured with wait4."""
    before = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert child.stderr is not None
    err = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - before
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({code}): {err.decode()[-2000:]}")
    return elapsed, usage.ru_maxrss * 1024  # Linux reports KiB


def compare(label: str, floor: list[str], ours: list[str], repeat: int) -> tuple[float, float]:
    floor_times, our_times, peaks = [], [], []
    for _ in range(repeat):  # alternate, so a noisy moment hits both
        floor_times.append(run_child(floor)[0])
        elapsed, peak = run_child(ours)
        our_times.append(elapsed)
        peaks.append(peak)
    best_floor, best_ours = min(floor_times), min(our_times)
    # each run of ours against the floor run just before it: on a shared machine the spread
    # of these says how far to trust the ratio of the bests
    pairs = sorted(o / f for f, o in zip(floor_times, our_times, strict=True))
    print(f"{label}: floor {best_floor:.2f} s (runs {_fmt(floor_times)})")
    print(f"{label}: backfill {best_ours:.2f} s (runs {_fmt(our_times)})")
    print(
        f"{label}: ratio {best_ours / best_floor:.2f} (per run {_fmt(pairs)}); "
        f"peak memory {max(peaks) / 2**20:.0f} MiB"
    )
    return best_ours / best_floor, max(peaks)


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
        backfill = [sys.executable, "-m", "backfill.cli"]
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
                    "from backfill.reader import read_inputs; "
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
