"""`backfill plan` as a real process on a table large enough for two processes."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backfill.plan import forking
from backfill.plan.split import SPLIT_ROWS

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not forking.available(), reason="needs Linux fork"),
]


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


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            found += [int(p) for p in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
    except OSError:
        pass
    return found


@pytest.mark.parametrize("workers_seen", [1, 2])  # while the case keys, or a stretch, are made
def test_ctrl_c_while_two_processes_plan_stops_both_and_leaves_no_part(
    tmp_path: Path, workers_seen: int
) -> None:
    data = tmp_path / "history.csv"
    _write_history(data, SPLIT_ROWS + 50_000)
    out = tmp_path / "out"
    child = subprocess.Popen(
        [sys.executable, "-m", "backfill.cli.main", "plan", str(data), "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: set[int] = set()
    running: list[int] = []
    deadline = time.monotonic() + 120
    while len(seen) < workers_seen and child.poll() is None and time.monotonic() < deadline:
        running = _children(child.pid)
        seen.update(running)
        time.sleep(0.002)
    assert len(seen) >= workers_seen and running, "plan did not start its workers"
    # Ctrl-C in a terminal signals the whole process group: the command and its worker
    child.send_signal(signal.SIGINT)
    for pid in seen:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGINT)
    _, err = child.communicate(timeout=120)
    assert child.returncode == 3, err
    assert "Interrupted." in err and "Traceback" not in err
    assert not [p.name for p in out.glob(".*")]  # no part file
    for pid in seen:  # the workers are gone (reaped, not orphaned)
        deadline = time.monotonic() + 10
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not Path(f"/proc/{pid}").exists()


def test_plan_of_a_large_table_writes_what_one_process_writes(tmp_path: Path) -> None:
    data = tmp_path / "history.csv"
    _write_history(data, SPLIT_ROWS + 10)
    outputs = {}
    for processes in ("2", "1"):
        out = tmp_path / f"out{processes}"
        env = {**os.environ, "BACKFILL_PROCESSES": processes}
        done = subprocess.run(
            [sys.executable, "-m", "backfill.cli.main", "plan", str(data), "--out", str(out)],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        # the process ends without freeing the table (cli.main): all it printed is there
        assert done.stdout.splitlines()[1] == f"Wrote plan.csv, cases.csv and invalid.csv to {out}"
        outputs[processes] = (
            done.stdout.splitlines()[0],  # the summary (the next line names the folder)
            {name: (out / name).read_bytes() for name in ("plan.csv", "cases.csv", "invalid.csv")},
        )
    assert outputs["2"] == outputs["1"]
    assert outputs["1"][1]["plan.csv"].count(b"\n") > SPLIT_ROWS


def test_validate_of_a_large_table_ends_with_its_exit_status_and_output(tmp_path: Path) -> None:
    """A large table is not freed at the end (cli.main ends the process at once): the exit
    status, the summary, the last line and invalid.csv are all there, also when rows fail."""
    data = tmp_path / "history.csv"
    _write_history(data, SPLIT_ROWS + 10)
    with data.open("a", encoding="utf-8") as handle:
        handle.write("100001,bogus,2023-05-02 10:00:00,,,2023-04-01 09:00:00\n")
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "backfill.cli.main", "validate", str(data), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    summary, last = done.stdout.splitlines()
    assert f"{SPLIT_ROWS + 11} rows" in summary and "unknown-status 1" in summary
    assert last == f"Wrote invalid.csv to {out}"
    invalid = (out / "invalid.csv").read_text(encoding="utf-8-sig").splitlines()
    assert [line for line in invalid if line.startswith("100001,bogus,")] != []
