"""Every benchmark in one go: a table, benchmarks/results/latest.json and a chart.

On one sandbox setup (`backfill sandbox` in its own process, 20 ms latency) and one input
(bench_send.make_cases), side by side, each piece in a module named for what it measures:

- **send** (send_rates.py): backfill at a fixed send.rate_limit of 5, 25, 100 and 200/s
  against a sandbox that answers 429 above that rate, unlimited, `auto` against a 40/s
  server, Newman with a CSV data file (newman_run.py) and a naive loop; the fixed rates and
  auto once with the limiter before issue 27 and once with this checkout's (limiters.py);
- **lost** (lost_answers.py): answers lost at 0, 1 and 5 % against the bound actions / rate;
- **plan** (plan_speed.py): `backfill plan` at 10 k / 100 k / 500 k / 1 M rows (CSV) and
  10 k / 100 k (XLSX), each against a bare read of the same file, with peak memory;
- **journal** (journal_cost.py): the journal's cost per action;
- **resume** (resume_startup.py): resume start-up on a journal of 1 M sent actions;
- **memory** (memory_run.py): `backfill run` of 1 M actions at an unlimited rate: the
  client's peak memory, the longest pause between requests at the sandbox and whose garbage
  collector caused it, the time from the last answer to the run's return; the client from
  each --checkout (default: this one).

results_table.py words the figures, results_chart.py draws them.

    python benchmarks/run_all.py [--quick] [--out benchmarks/results] [--only send,plan,...]
        [--readme] [--limiters before,after] [--checkout PATH ...] [--memory-actions N]

`--readme` also puts the table into README.md's Performance section. About 30 minutes on a
quiet 2-core machine, 20 of them the 1 M-action run, which runs once per --checkout
(`--quick`: about 4, at small sizes). The chart needs matplotlib (`pip install -e
'.[bench]'`); without it the rest still runs. Newman is looked up on PATH, else installed
with npm into ~/.cache/backfill-bench (or give --newman PATH); when neither works the table
says so.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_send  # noqa: E402
import limiters  # noqa: E402
from journal_cost import journal_piece  # noqa: E402
from lost_answers import lost_piece  # noqa: E402
from memory_run import memory_piece  # noqa: E402
from plan_speed import plan_piece, prepare_inputs  # noqa: E402
from results_chart import chart  # noqa: E402
from results_table import machine, machine_line, table, with_figures  # noqa: E402
from resume_startup import resume_piece  # noqa: E402
from send_rates import send_piece  # noqa: E402

PIECES = ("send", "lost", "plan", "journal", "resume", "memory")


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
    memory_actions: tuple[int, int] = (0, 0)  # (rows, cases) of the memory piece's run


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
    memory_actions=(1_000_000, 200_000),
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
    memory_actions=(20_000, 4_000),
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
    memory_actions=(200, 40),
)


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


def run(
    sizes: Sizes,
    pieces: tuple[str, ...],
    out: Path,
    newman: str | None,
    say: Callable[[str], None],
    inputs: Path | None = None,  # where generated inputs are kept (default: a temporary folder)
    *,
    chosen_limiters: tuple[str, ...] = limiters.NAMES,  # the send piece's limiters
    checkouts: tuple[Path, ...] = (),  # the memory piece's clients (default: this checkout)
) -> dict[str, Any]:
    results: dict[str, Any] = {"machine": machine(), "sizes": sizes.__dict__, "seconds": 0.0}
    results["machine"]["load_average_after"] = results["machine"]["load_average_before"]
    kept = _earlier_pieces(out / "latest.json", pieces)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        steps: dict[str, Callable[[], Any]] = {
            "send": lambda: send_piece(sizes, work, newman, say, chosen_limiters),
            "lost": lambda: lost_piece(sizes, work, say),
            "plan": lambda: plan_piece(sizes, work, inputs or work, say),
            "journal": lambda: journal_piece(sizes.journal_actions, say),
            "resume": lambda: resume_piece(sizes, work, inputs or work, say),
            "memory": lambda: memory_piece(sizes, work, inputs or work, say, checkouts),
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


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: about 4 minutes")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--only", default=",".join(PIECES), help=f"any of {','.join(PIECES)}")
    parser.add_argument("--newman", help="the newman command (default: PATH, else npm install)")
    parser.add_argument(
        "--readme", action="store_true", help="also put the table into README.md's Performance"
    )
    parser.add_argument(
        "--limiters",
        default=",".join(limiters.NAMES),
        help="the send piece's limiters: before (issue 27's, read from git history), after "
        "(this checkout's), or both (default)",
    )
    parser.add_argument(
        "--checkout",
        type=Path,
        action="append",
        default=[],
        help="a checkout whose package the memory piece's client runs (repeat to measure "
        "several in one run; default: this one)",
    )
    parser.add_argument(
        "--memory-actions",
        type=int,
        help="actions of the memory piece's run (default: 1,000,000; --quick 20,000)",
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
    return parser


def main() -> int:
    parser = arguments()
    args = parser.parse_args()
    pieces = tuple(p.strip() for p in args.only.split(",") if p.strip())
    unknown = set(pieces) - set(PIECES)
    if unknown:
        parser.error(f"unknown pieces {sorted(unknown)}; choose from {','.join(PIECES)}")
    chosen = {name.strip() for name in args.limiters.split(",") if name.strip()}
    if not chosen or chosen - set(limiters.NAMES):
        parser.error(f"--limiters: choose from {','.join(limiters.NAMES)}")
    for checkout in args.checkout:
        if not (checkout / "backfill" / "__init__.py").is_file():
            parser.error(f"--checkout {checkout}: no backfill package there")
    if "send" in pieces and "before" in chosen:
        try:  # now, rather than after the first measurements
            limiters.before_module()
        except limiters.HistoryMissing as missing:
            parser.exit(2, f"run_all.py: {missing}\n")
    sizes = QUICK if args.quick else FULL
    if args.memory_actions:
        sizes = Sizes(**{**sizes.__dict__, "memory_actions": _memory_size(args.memory_actions)})
    started = time.perf_counter()

    def say(text: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {text}", flush=True)

    if not args.no_priority:
        bench_send._server_priority()  # as bench_send does: measure backfill, not the neighbours
    if args.prepare:
        prepare_inputs(sizes, args.inputs, say)
        return 0
    results = run(
        sizes, pieces, args.out, args.newman, say, args.inputs,
        chosen_limiters=tuple(n for n in limiters.NAMES if n in chosen),
        checkouts=tuple(args.checkout),
    )  # fmt: skip
    results["command"] = shlex.join(["python", "benchmarks/run_all.py", *sys.argv[1:]])
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


def _memory_size(actions: int) -> tuple[int, int]:
    """(rows, cases) of a memory run of `actions`: five actions a case, as the full run."""
    return actions, max(1, actions // 5)


if __name__ == "__main__":
    sys.exit(main())
