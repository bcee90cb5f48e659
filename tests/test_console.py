"""What the commands print, by exact text for the lines a person acts on: the rehearsal's
first and last line, the counts, why the exit status is 1, the command to run next; `--help`
in workflow order; `status -c`; and a refused run that leaves nothing behind."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from backfill.cli.main import cli
from backfill.cli.workflow import WORKFLOW, WorkflowGroup
from backfill.errors import ConfigError
from backfill.runner.run import run
from backfill.sandbox import SandboxSettings, ThreadedSandbox
from tests.runner_helpers import CREDENTIALS, sandbox_config, seed, timeline, write_rows

REHEARSAL_FIRST = (
    "SANDBOX REHEARSAL: sending to a local CustomerGauge emulator; nothing goes to CustomerGauge."
)
REHEARSAL_LAST = "SANDBOX REHEARSAL ended: nothing was sent to CustomerGauge."


@pytest.fixture
def export(tmp_path: Path) -> Path:
    rows = timeline(3, 2)
    rows[1]["status"] = "bogus"  # case 1001: invalid, its second action blocked
    return write_rows(tmp_path / "history.csv", rows)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "backfill.yaml"
    path.write_text(
        f"send:\n  rate_limit: 500\njournal: {tmp_path / 'journal.sqlite'}\n", encoding="utf-8"
    )
    return path


def invoke(*args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli, list(args), terminal_width=200)
    return result.exit_code, result.stdout.splitlines()


def test_a_rehearsal_says_so_and_ends_with_the_next_step(
    tmp_path: Path, export: Path, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in CREDENTIALS:
        monkeypatch.delenv(name, raising=False)
    out = tmp_path / "out"
    code, lines = invoke("run", str(export), "-c", str(config), "--sandbox", "--out", str(out))
    assert code == 1
    assert lines[0] == REHEARSAL_FIRST
    assert lines[1:9] == [
        "history.csv: 6 rows, 3 cases",
        "  to send:  4",
        "  invalid:  1 (unknown-status 1)",
        "  blocked:  1 (later actions of a case with an invalid one)",
        "  warnings: missing-response-date 3",
        "  e-mails:  0 assignment e-mails (send.assignee: every; last: 0, never: 0)",
        "  sending:  4 requests at 500/s: under 10 s",
        lines[8],  # the emulator's address
    ]
    end = lines[lines.index("6 rows: sent 4, invalid 1, blocked 1") :]
    assert end[2:] == [
        "  why not sent (each row's own reason: the error column of failures.csv):",
        "    unknown-status 1: status value not known (map it in input.status_map)",
        "    blocked 1: held back: an earlier action of the same case was not sent "
        "(send.on_case_failure: block)",
        "  verify: 2 cases; 2 match, 0 mismatch, 0 missing",
        f"Reports: {out} (open report.xlsx)",
        "Exit status 1: 2 rows not sent (invalid 1, blocked 1); expected until they are fixed.",
        "Next:",
        f"  Fix the 2 row(s) listed in {out / 'failures.csv'} (column error says why) in your "
        "input file, then rehearse again:",
        f"    backfill run {export} -c {config} --sandbox",
        REHEARSAL_LAST,
    ]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["verify"]["exit_code"] == 0  # a rehearsal verifies itself
    assert (out / "verify.csv").exists()
    book = load_workbook(out / "report.xlsx")
    texts = [c for row in book["Summary"].iter_rows(values_only=True) for c in row if c]
    assert "every case matches (details per case: verify.csv)" in texts
    results = book["Results"]
    happened_at = [c.value for c in results[1]].index("happened_at") + 1
    assert results.cell(row=2, column=happened_at).value == datetime(2023, 2, 1, 8, 0)
    failures = book["Failures"]
    happened_at = [c.value for c in failures[1]].index("happened_at") + 1
    assert failures.cell(row=2, column=happened_at).value == "2023-02-02 08:01:00"  # as read


def test_a_clean_rehearsal_points_at_the_real_run(
    tmp_path: Path, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in CREDENTIALS:
        monkeypatch.delenv(name, raising=False)
    data = write_rows(tmp_path / "clean.csv", timeline(2, 2))
    out = tmp_path / "out"
    code, lines = invoke("run", str(data), "-c", str(config), "--sandbox", "--out", str(out))
    assert code == 0
    assert lines[-4:] == [
        "Next:",
        "  The rehearsal is clean. Send for real (backfill asks before sending):",
        f"    backfill run {data} -c {config}",
        REHEARSAL_LAST,
    ]


def test_without_the_workbook_the_reports_line_names_the_files_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in CREDENTIALS:
        monkeypatch.delenv(name, raising=False)
    data = write_rows(tmp_path / "clean.csv", timeline(2, 2))
    config = tmp_path / "backfill.yaml"
    config.write_text(
        f"send:\n  rate_limit: 500\njournal: {tmp_path / 'journal.sqlite'}\n"
        "output:\n  xlsx: false\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    code, lines = invoke("run", str(data), "-c", str(config), "--sandbox", "--out", str(out))
    assert code == 0
    reports = [line for line in lines if line.startswith("Reports:")]
    assert reports == [f"Reports: {out} (results.csv, failures.csv, summary.json)"]
    assert not (out / "report.xlsx").exists()
    assert all((out / name).exists() for name in ("results.csv", "failures.csv", "summary.json"))
    # with the workbook, the line says to open it, and it is there
    config.write_text(config.read_text().replace("xlsx: false", "xlsx: true"), encoding="utf-8")
    again = tmp_path / "again"
    code, lines = invoke("run", str(data), "-c", str(config), "--sandbox", "--out", str(again))
    assert f"Reports: {again} (open report.xlsx)" in lines
    assert (again / "report.xlsx").exists()


def test_a_refused_run_leaves_nothing_behind(
    tmp_path: Path, export: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in CREDENTIALS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "mine.txt").write_text("x")
    code, _ = invoke("run", str(export))
    assert code == 2
    code, _ = invoke("run", str(export), "--out", str(kept))
    assert code == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.csv", "kept"]
    assert [p.name for p in kept.iterdir()] == ["mine.txt"]


def test_status_reads_the_configs_journal_and_names_what_is_left(
    tmp_path: Path, export: Path, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # (no ./backfill.yaml here: only -c names the journal)
    code, lines = invoke("status", "-c", str(config))
    assert code == 2  # no run has used the config's journal yet
    journal = tmp_path / "journal.sqlite"  # the config's journal:
    with ThreadedSandbox(SandboxSettings()) as sb:  # (a rehearsal's journal is the emulator's)
        seed(sb, timeline(3, 2))
        with config.open("a", encoding="utf-8") as handle:
            handle.write(f"api:\n  base_url: {sb.base_url}\n  auth_url: {sb.token_url}\n")
        for name, value in CREDENTIALS.items():
            monkeypatch.setenv(name, value)
        code, _ = invoke("run", str(export), "-c", str(config), "--yes")
    assert code == 1
    code, lines = invoke("status", "-c", str(config))
    assert code == 0
    assert lines[0] == f"Journal {journal}: 1 run(s)"
    assert lines[1] == f"Target: API v7 at {sb.base_url}, client id sandbox-client"
    assert "Cases left: 1 (rows not sent: invalid or blocked 2)" in lines
    assert any(line.startswith("  case 1001: invalid or blocked 2 (run ") for line in lines)


def test_help_lists_commands_in_workflow_order_with_whole_sentences() -> None:
    result = CliRunner().invoke(cli, ["--help"], terminal_width=200)
    lines = result.output.splitlines()
    commands = lines[lines.index("Commands:") + 1 :]
    names = [line.split()[0] for line in commands if line.startswith("  ") and line.strip()]
    listed = names[: names.index("backfill")] if "backfill" in names else names
    assert listed == [name for name in WORKFLOW if name in cli.commands]
    assert "  run       Validate, plan and send INPUTS to CustomerGauge; write the reports." in (
        commands
    )
    assert "..." not in "\n".join(commands)  # no description cut off
    assert "The usual path (only run and retry send anything):" in lines
    assert "  backfill run export.xlsx --sandbox   a rehearsal, read back at the end" in lines


def test_a_command_added_later_finds_its_place() -> None:
    group = WorkflowGroup()
    for name in ("status", "zeta", "run", "init", "alpha"):
        group.add_command(click.Command(name, help=f"{name} things. More."))
    ctx = click.Context(group)
    assert group.list_commands(ctx) == ["init", "run", "status", "alpha", "zeta"]


def test_the_prompt_says_how_long_sending_takes_and_a_no_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    rows = timeline(2, 2)
    rows[0]["assignee"] = "alice@example.com"
    for row in rows[1:]:
        row["assignee"] = ""
    asked: list[str] = []
    with ThreadedSandbox(SandboxSettings()) as sb:
        seed(sb, rows)
        data = write_rows(tmp_path / "history.csv", rows)
        config = sandbox_config(sb, tmp_path)
        with pytest.raises(ConfigError, match="cancelled at the confirmation prompt"):
            run([data], config, confirm=lambda message: asked.append(message) or False)
        assert asked == [
            f"Send 4 action(s) of 2 case(s) to {sb.base_url} (api.base_url; tokens from "
            f"{sb.token_url}) (API v7)? 4 requests at 500/s: under 10 s; 1 assignment e-mail(s)."
        ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.csv"]  # no reports, journal
