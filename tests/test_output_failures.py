"""A full disk or a read-only output folder: one paragraph, the right exit, nothing lost.

/dev/full stands in for a full disk (every write fails with ENOSPC) and a folder below a
plain file for one that cannot be created; both are real OS errors, nothing is mocked.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from backfill.cli.main import cli
from backfill.errors import ExitStatus, OutputError
from backfill.journal.store import Journal
from backfill.runner.run import run, status
from backfill.sandbox import SandboxSettings, ThreadedSandbox
from tests.runner_helpers import (
    puts,
    sandbox_config,
    seed,
    timeline,
    write_rows,
    yes,
)

FULL = Path("/dev/full")
needs_dev_full = pytest.mark.skipif(not FULL.exists(), reason="no /dev/full on this system")


@pytest.fixture
def sb():
    with ThreadedSandbox(SandboxSettings()) as sandbox:
        yield sandbox


def quiet(_: str) -> None:
    pass


@needs_dev_full
def test_a_full_disk_after_sending_exits_3_and_a_rerun_sends_nothing_twice(
    sb, creds, tmp_path: Path
):
    rows = timeline(6, 3)
    seed(sb, rows)
    data = write_rows(tmp_path / "in.csv", rows)
    config = sandbox_config(sb, tmp_path)
    full = tmp_path / "full"
    full.mkdir()
    os.symlink(FULL, full / "results.csv")
    with pytest.raises(OutputError) as err:
        run([data], config, out_dir=full, confirm=yes, echo=quiet)
    message = str(err.value)
    assert err.value.exit_status == ExitStatus.ABORTED
    assert "No space left on device" in message and "\n" not in message
    assert "sends nothing twice" in message and str(config.journal) in message
    sent = puts(sb)
    assert sent == 18
    with Journal(config.journal, read_only=True) as journal:
        assert journal.state_counts()["sent"] == 18  # every outcome recorded
    shown = status(config.journal)
    assert "exit 3 (cannot write" in shown
    again = run([data], config, confirm=yes, echo=quiet)
    assert again.exit_status == ExitStatus.OK
    assert again.summary.outcomes["already_sent"] == 18
    assert puts(sb) == sent


@needs_dev_full
def test_a_run_log_that_cannot_be_written_is_one_note_not_a_flood(
    sb, creds, tmp_path: Path, capfd: pytest.CaptureFixture[str]
):
    rows = timeline(4, 2)
    seed(sb, rows)
    data = write_rows(tmp_path / "in.csv", rows)
    out = tmp_path / "out"
    out.mkdir()
    os.symlink(FULL, out / "run.log")
    said: list[str] = []
    outcome = run([data], sandbox_config(sb, tmp_path), out_dir=out, confirm=yes, echo=said.append)
    assert outcome.exit_status == ExitStatus.OK
    assert "Logging error" not in capfd.readouterr().err
    assert any("run.log could not be written" in line for line in said)


@pytest.mark.parametrize("command", ["validate", "plan", "run"])
def test_an_unwritable_out_is_a_clean_error(command: str, tmp_path: Path, sample_data: Path, creds):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    args = [command, str(sample_data / "history.csv"), "--out", str(blocker / "reports")]
    if command == "run":
        args += ["--sandbox", "--yes", "--journal", str(tmp_path / "j.sqlite")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # no traceback: a clean exit
    assert "cannot write" in result.output and "--out" in result.output


def test_a_journal_error_mid_run_exits_as_summary_json_says(
    sb, creds, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Another process locks the journal while the run sends: the run stops (exit 3), and
    the exit status is the one summary.json states, not "nothing sent" (2)."""
    import json
    import sqlite3
    import threading
    import time

    from backfill.journal import store
    from backfill.sandbox import Faults
    from tests.runner_helpers import write_config

    monkeypatch.setattr(store, "BUSY_TIMEOUT_S", 0.2)  # the run gives up on the lock soon

    rows = timeline(8, 4)
    seed(sb, rows)
    sb.set_faults(Faults(latency_ms=40))
    data = write_rows(tmp_path / "in.csv", rows)
    config = sandbox_config(sb, tmp_path, send={"rate_limit": 20, "concurrency": 2})
    cfg = write_config(config, tmp_path / "backfill.yaml")
    out = tmp_path / "out"

    finished = threading.Event()

    def lock_when_sending() -> None:
        while puts(sb) < 3 and not finished.is_set():
            time.sleep(0.01)
        holder = sqlite3.connect(config.journal, timeout=10)
        holder.execute("BEGIN EXCLUSIVE")
        finished.wait(60)  # held until the run has given up on it
        holder.rollback()
        holder.close()

    locker = threading.Thread(target=lock_when_sending)
    locker.start()
    args = ["run", str(data), "-c", str(cfg), "--yes", "--out", str(out)]
    try:
        result = CliRunner().invoke(cli, args)
    finally:
        finished.set()
        locker.join()
    summary = json.loads((out / "summary.json").read_text())
    assert result.exit_code == summary["exit_code"] == ExitStatus.ABORTED, result.output
    assert "locked" in result.output, result.output
