"""`backfill validate` and `backfill plan` as real processes: the console script's end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow
ROWS = 5_000


def _write_history(path: Path, rows: int) -> None:
    """`rows` rows, five per case, in an order unlike the send order."""
    statuses = ("open", "progress", "closed", "open", "progress")
    lines = ["number_customergauge,status,happened_at,note,assignee,response_date\n"]
    for i in range(rows):
        case, step = divmod((i * 7919) % rows, 5)
        day, minute = 1 + case % 28, step * 7 + case % 5
        note = '"said ""fine, thanks"""' if step == 2 else ""
        lines.append(
            f"{100000 + case},{statuses[step]},2023-05-{day:02d} 10:{minute:02d}:00,{note},"
            f"agent{case % 9}@example.com,2023-04-01 09:00:00\n"
        )
    path.write_text("".join(lines), encoding="utf-8")


def _backfill(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backfill.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_plan_ends_with_its_summary_files_and_exit_status(tmp_path: Path) -> None:
    data = tmp_path / "history.csv"
    _write_history(data, ROWS)
    out = tmp_path / "out"
    done = _backfill("plan", str(data), "--out", str(out))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:2] == [
        f"history.csv: {ROWS:,} rows, {ROWS // 5:,} cases",
        f"  to send:  {ROWS:,}",
    ]
    assert lines[-1] == f"Wrote plan.csv, cases.csv and requests.jsonl to {out}"
    plan = (out / "plan.csv").read_bytes()
    assert plan.startswith(b"\xef\xbb\xbf") and plan.count(b"\r\n") == ROWS + 1


def test_validate_ends_with_its_exit_status_and_output(tmp_path: Path) -> None:
    data = tmp_path / "history.csv"
    _write_history(data, ROWS)
    with data.open("a", encoding="utf-8") as handle:
        handle.write("100001,bogus,2023-05-02 10:00:00,,,2023-04-01 09:00:00\n")
    out = tmp_path / "out"
    done = _backfill("validate", str(data), "--out", str(out))
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"history.csv: {ROWS + 1:,} rows, {ROWS // 5:,} cases"
    assert "  invalid:  1 (unknown-status 1)" in lines
    assert any(line.startswith("unknown status values: 'bogus' 1") for line in lines)
    assert f"Wrote invalid.csv to {out}" in lines
    assert lines[-1].startswith("Fix them in the input file")
    invalid = pd.read_csv(out / "invalid.csv", encoding="utf-8-sig", dtype=str)
    assert ["100001", "bogus"] in invalid[["number_customergauge", "status"]].values.tolist()
    assert sorted(p.name for p in out.iterdir()) == ["invalid.csv"]
