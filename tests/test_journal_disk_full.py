"""A journal whose disk fills up during a run (issue 19 item 6): a real full disk, a small
tmpfs mounted for the test (skipped where mounting is not allowed). The run stops with one
paragraph naming the journal, the free space and what a re-run does; after room is made,
the same command finishes the migration without sending anything twice."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from backfill.cli.main import cli
from backfill.sandbox import SandboxSettings, ThreadedSandbox
from tests.runner_helpers import (
    sandbox_config,
    seed,
    timeline,
    use_credentials,
    write_config,
    write_rows,
)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("needs to mount a small tmpfs (root, outside a locked-down container)")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def test_a_full_journal_disk_stops_the_run_with_the_fix_and_a_rerun_finishes(
    tmp_path: Path, small_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_credentials(monkeypatch)
    rows = timeline(300, 2)
    with ThreadedSandbox(SandboxSettings()) as sb:
        seed(sb, rows)
        data = write_rows(tmp_path / "history.csv", rows)
        config = sandbox_config(sb, tmp_path)
        config.journal = small_disk / "journal.sqlite"
        config_file = write_config(config, tmp_path / "backfill.yaml")
        command = ["run", str(data), "-c", str(config_file), "--yes"]

        first = CliRunner().invoke(cli, command)
        assert first.exit_code == 3, first.output
        message = first.output.split("Error: ", 1)[1]
        assert message.startswith(f"the disk holding the journal {config.journal} is full (")
        assert " KB free)" in message
        assert "run the same command again: it sends only what the journal does not show" in (
            message
        )
        assert "cannot rollback" not in first.output

        subprocess.run(["mount", "-o", "remount,size=16m", str(small_disk)], check=True)
        second = CliRunner().invoke(cli, command)
        assert second.exit_code == 0, second.output
        applied = sb.state.counters["actions_applied"]
    summary = json.loads(sorted((tmp_path / "reports").rglob("summary.json"))[-1].read_text())
    outcomes = summary["outcomes"]
    assert outcomes["sent"] + outcomes["already_sent"] == 600
    # only actions whose outcome the full disk kept from the journal may have gone twice
    assert applied - 600 <= summary["resent_uncertain"]
