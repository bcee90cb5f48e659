"""`backfill run` as a real process: killed with SIGKILL, interrupted with Ctrl-C, the demo."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backfill.errors import ExitStatus
from backfill.journal.store import Journal
from backfill.runner.run import RunOutcome, run
from backfill.sandbox import Faults, SandboxSettings, ThreadedSandbox
from tests.runner_helpers import (
    CREDENTIALS,
    applied,
    expected,
    sandbox_config,
    seed,
    timeline,
    write_config,
    write_rows,
    yes,
)

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def backfill(*args: str) -> list[str]:
    return [sys.executable, "-m", "backfill.cli.main", *args]


def wait_until(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the run to make progress")
        time.sleep(0.02)


def collapse(history: list) -> tuple[list, int]:
    """History without immediate repeats, and how many repeats there were."""
    out: list = []
    for item in history:
        if not out or out[-1] != item:
            out.append(item)
    return out, len(history) - len(out)


@pytest.fixture
def slow_sandbox():
    settings = SandboxSettings(faults=Faults(latency_ms=20, jitter_ms=40, seed=3))
    with ThreadedSandbox(settings) as sb:
        yield sb


def start_run(sb, tmp_path: Path, rows: list[dict], out: str) -> subprocess.Popen:
    """The first run as a real process, slow enough to be stopped midway."""
    data = write_rows(tmp_path / "history.csv", rows)
    config = sandbox_config(sb, tmp_path, send={"rate_limit": 100, "concurrency": 8})
    cfg = write_config(config, tmp_path / "config.yaml")
    journal = str(tmp_path / "journal.sqlite")
    command = backfill("run", str(data), "-c", str(cfg), "--journal", journal, "--yes", "--out")
    return subprocess.Popen(
        [*command, str(tmp_path / out)],
        env={**os.environ, **CREDENTIALS},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def resume(sb, tmp_path: Path, out: str, monkeypatch: pytest.MonkeyPatch) -> RunOutcome:
    """The same input and journal run again: in this process, and at full speed (what is
    checked is what the killed process left in the journal, not how the CLI starts)."""
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    config = sandbox_config(sb, tmp_path, send={"rate_limit": 1000, "concurrency": 8})
    return run([tmp_path / "history.csv"], config, out_dir=tmp_path / out, confirm=yes)


def test_sigkill_midway_then_resume_loses_nothing(
    slow_sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    sb = slow_sandbox
    rows = timeline(40, 5)
    seed(sb, rows)
    proc = start_run(sb, tmp_path, rows, "first")
    wait_until(lambda: sb.state.counters["actions_applied"] >= 60 or proc.poll() is not None)
    proc.kill()
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    wait_until(lambda: sb.open_connections() == 0)  # what the dead process left is answered
    applied_before = sb.state.counters["actions_applied"]
    assert applied_before < len(rows)
    with Journal(tmp_path / "journal.sqlite", read_only=True) as journal:
        in_flight = len(journal.in_flight())
    assert in_flight >= 1  # it was killed while sending

    resumed = resume(sb, tmp_path, "second", monkeypatch)
    assert resumed.exit_status == ExitStatus.OK, resumed.summary
    summary = json.loads((tmp_path / "second" / "summary.json").read_text())
    assert summary["resent_uncertain"] == in_flight
    assert summary["outcomes"]["already_sent"] + summary["outcomes"]["sent"] == len(rows)
    duplicates = 0
    want = expected(rows)
    for case, history in applied(sb).items():
        distinct, repeats = collapse(history)
        assert distinct == want[case], case  # every action applied, in timeline order
        duplicates += repeats
    assert duplicates <= in_flight  # only actions in flight at the kill were applied twice


def test_ctrl_c_stops_cleanly_and_a_rerun_finishes(
    slow_sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    sb = slow_sandbox
    rows = timeline(40, 5)
    seed(sb, rows)
    proc = start_run(sb, tmp_path, rows, "first")
    wait_until(lambda: sb.state.counters["actions_applied"] >= 40 or proc.poll() is not None)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 3, stdout + stderr
    assert "finishing the requests in flight" in stdout + stderr
    summary = json.loads((tmp_path / "first" / "summary.json").read_text())
    assert summary["exit_code"] == 3 and summary["outcomes"]["pending"] > 0
    assert sum(summary["outcomes"].values()) == summary["rows"] == len(rows)
    assert (tmp_path / "first" / "failures.csv").exists()
    want = expected(rows)
    for case, history in applied(sb).items():
        assert history == want[case][: len(history)]  # a prefix, nothing twice
    with Journal(tmp_path / "journal.sqlite", read_only=True) as journal:
        assert journal.in_flight() == []  # in-flight requests were allowed to finish

    resumed = resume(sb, tmp_path, "second", monkeypatch)
    assert resumed.exit_status == ExitStatus.OK, resumed.summary
    assert applied(sb) == want
    second = json.loads((tmp_path / "second" / "summary.json").read_text())
    assert second["resent_uncertain"] == 0
    assert second["outcomes"]["sent"] == summary["outcomes"]["pending"]


def test_readme_demo_runs_without_credentials(tmp_path: Path):
    """`backfill run sample_data/history.csv --sandbox --yes`, from a fresh folder."""
    shutil.copytree(ROOT / "sample_data", tmp_path / "sample_data")
    # ./backfill.yaml is read by default: a faster rate keeps the test short, same command
    (tmp_path / "backfill.yaml").write_text("send:\n  rate_limit: 200\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CG_")}
    result = subprocess.run(
        backfill("run", "sample_data/history.csv", "--sandbox", "--yes"),
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode in (0, 1), result.stdout + result.stderr
    reports = list((tmp_path / "backfill-reports").iterdir())
    assert len(reports) == 1
    summary = json.loads((reports[0] / "summary.json").read_text())
    assert summary["outcomes"]["pending"] == 0 and summary["outcomes"]["failed"] == 0
    assert sum(summary["outcomes"].values()) == summary["rows"]
    assert summary["exit_code"] == result.returncode
    assert "Reports: backfill-reports/" in result.stdout
    assert not (tmp_path / ".backfill").exists()  # the real journal was not touched


def test_second_ctrl_c_stops_at_once_with_the_journal_consistent(
    slow_sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    sb = slow_sandbox
    rows = timeline(40, 5)
    seed(sb, rows)
    proc = start_run(sb, tmp_path, rows, "first")
    wait_until(lambda: sb.state.counters["actions_applied"] >= 40 or proc.poll() is not None)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.005)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 3, stdout + stderr
    summary = json.loads((tmp_path / "first" / "summary.json").read_text())
    assert sum(summary["outcomes"].values()) == len(rows) and summary["outcomes"]["pending"] > 0
    wait_until(lambda: sb.open_connections() == 0)  # abandoned requests are answered
    with Journal(tmp_path / "journal.sqlite", read_only=True) as journal:
        in_flight = len(journal.in_flight())

    resumed = resume(sb, tmp_path, "second", monkeypatch)
    assert resumed.exit_status == ExitStatus.OK, resumed.summary
    second = json.loads((tmp_path / "second" / "summary.json").read_text())
    assert second["resent_uncertain"] == in_flight
    duplicates = 0
    for case, history in applied(sb).items():
        distinct, repeats = collapse(history)
        assert distinct == expected(rows)[case]
        duplicates += repeats
    assert duplicates <= in_flight
