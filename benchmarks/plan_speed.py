"""`backfill plan` against a bare read of the same file (run_all.py's "plan" piece).

At 10 k / 100 k / 500 k / 1 M rows (CSV) and 10 k / 100 k (XLSX), each a whole process
against pandas.read_csv or python-calamine in a process of its own, with the plan's peak
memory (bench_plan.py's measures). The generated inputs are kept between runs (`history`).
"""

from __future__ import annotations

import hashlib
import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bench_plan


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


def prepare_inputs(sizes: Any, inputs: Path, say: Callable[[str], None]) -> None:
    for rows, cases in sizes.plan_csv:
        say(f"inputs: CSV of {rows:,} rows")
        history(inputs, rows, cases)
    for rows, cases in sizes.plan_xlsx:
        say(f"inputs: XLSX of {rows:,} rows")
        history(inputs, rows, cases, workbook=True)
    for rows, cases in {sizes.resume_actions, sizes.memory_actions}:
        if rows:
            say(f"inputs: CSV of {rows:,} rows")
            history(inputs, rows, cases)


def plan_piece(
    sizes: Any, work: Path, inputs: Path, say: Callable[[str], None]
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
