"""`run --pilot N` against the real sandbox: a tenant that keeps happened_at lets the rest go;
one that stamps the arrival time stops the run after the pilot, with the reason and the fix."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from backfill.cli.main import cli
from backfill.errors import ExitStatus
from backfill.journal.store import Journal
from backfill.runner.run import run, status
from backfill.sandbox import SandboxSettings, ThreadedSandbox
from tests.runner_helpers import (
    RESPONSE_AT,
    applied,
    expected,
    puts,
    sandbox_config,
    seed,
    timeline,
    use_credentials,
    write_config,
    write_rows,
)


@pytest.fixture
def creds(monkeypatch: pytest.MonkeyPatch) -> None:
    use_credentials(monkeypatch)


def history(tmp_path: Path) -> tuple[list[dict], Path]:
    rows = timeline(10, 3)
    for row in rows:
        row["assignee"] = ""
        row["response_date"] = RESPONSE_AT  # what the plan must know to predict the hours
    rows[0]["assignee"] = "ann@example.com"
    return rows, write_rows(tmp_path / "history.csv", rows)


def summary_of(out_dir: Path) -> dict:
    return json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))


def test_a_pilot_that_verifies_lets_the_rest_go_after_the_question(creds, tmp_path: Path) -> None:
    with ThreadedSandbox(SandboxSettings(accept_any_assignee=True)) as sb:
        rows, data = history(tmp_path)
        seed(sb, rows)
        config = sandbox_config(sb, tmp_path)
        questions: list[tuple[str, int]] = []
        lines: list[str] = []

        def confirm(question: str) -> bool:
            questions.append((question, puts(sb)))
            return True

        outcome = run([data], config, confirm=confirm, echo=lines.append, pilot=3)
        assert outcome.exit_status == ExitStatus.OK
        assert applied(sb) == expected(rows)
        # asked before the pilot (nothing sent) and before the rest (only the pilot sent)
        assert [sent for _, sent in questions] == [0, 9]
        assert "pilot" in questions[0][0].lower() and "3 case(s)" in questions[0][0]
        assert any(line.startswith("Pilot: case ") for line in lines)
        pilot = summary_of(outcome.out_dir)["pilot"]
        assert pilot["passed"] is True and len(pilot["cases"]) == 3
        assert set(pilot["verdicts"].values()) == {"match"}
        with Journal(config.journal, read_only=True) as journal:
            kept = journal.pilot_cases()
        assert [item.case_id for item in kept] == pilot["cases"]
        assert {item.verdict for item in kept} == {"match"}


def test_a_declined_rest_sends_nothing_beyond_the_pilot(creds, tmp_path: Path) -> None:
    with ThreadedSandbox(SandboxSettings()) as sb:
        rows, data = history(tmp_path)
        seed(sb, rows)
        config = sandbox_config(sb, tmp_path)
        answers = iter([True, False])
        outcome = run([data], config, confirm=lambda q: next(answers), pilot=2)
        assert outcome.exit_status == ExitStatus.ABORTED
        assert puts(sb) == 6  # two whole cases of three actions
        counts = summary_of(outcome.out_dir)["outcomes"]
        # (ann@example.com is no user of this tenant: her case's first action is partial)
        assert counts["sent"] + counts["partial"] == 6 and counts["pending"] == 24


def test_a_tenant_that_ignores_happened_at_stops_the_run_after_the_pilot(
    creds, tmp_path: Path
) -> None:
    with ThreadedSandbox(SandboxSettings(ignore_happened_at=True)) as sb:
        rows, data = history(tmp_path)
        seed(sb, rows)
        config = sandbox_config(sb, tmp_path)
        lines: list[str] = []
        questions: list[str] = []

        def confirm(question: str) -> bool:
            questions.append(question)
            return True

        outcome = run([data], config, confirm=confirm, echo=lines.append, pilot=3)
        assert outcome.exit_status == ExitStatus.ABORTED
        assert puts(sb) == 9 and len(sb.state.cases) == 3  # nothing beyond the pilot
        assert len(questions) == 1  # never asked about the rest
        text = "\n".join(lines)
        assert "the tenant seems to ignore happened_at" in text
        summary = summary_of(outcome.out_dir)
        assert summary["pilot"]["passed"] is False
        assert summary["pilot"]["causes"][0]["code"] == "ignores-happened-at"
        assert summary["outcomes"]["pending"] == 21
        verify_csv = pd.read_csv(outcome.out_dir / "verify.csv", dtype=str)
        assert sorted(verify_csv["case"]) == sorted(summary["pilot"]["cases"])
        assert set(verify_csv["verdict"]) == {"mismatch"}
        sheet = openpyxl.load_workbook(outcome.out_dir / "report.xlsx")["Summary"]
        cells = [row for row in sheet.iter_rows(values_only=True) if row[0]]
        assert ("Verdict", "did not verify: the rest was held") in [r[:2] for r in cells]
        causes = [r[1] for r in cells if r[0] == "Likely cause"]
        assert len(causes) == 1 and "ignore happened_at" in causes[0]

        # the tenant is fixed: a re-run resumes with the rest (the pilot cases stay as sent)
        sb.settings.ignore_happened_at = False
        again = run([data], config, confirm=lambda q: True, pilot=2)
        assert again.exit_status == ExitStatus.OK
        assert puts(sb) == 30
        later = {case: steps for case, steps in applied(sb).items() if case in expected(rows)}
        assert later == expected(rows)
        with Journal(config.journal, read_only=True) as journal:
            runs = {item.run_id for item in journal.pilot_cases()}
        assert len(runs) == 2  # the journal knows both pilots
        shown = status(config.journal)
        assert shown.count("    pilot: ") == 2 and " mismatch" in shown and " match" in shown


def test_cli_pilot_option_and_the_mismatch_on_the_console(creds, tmp_path: Path) -> None:
    with ThreadedSandbox(SandboxSettings(ignore_happened_at=True)) as sb:
        rows, data = history(tmp_path)
        seed(sb, rows)
        config_file = write_config(sandbox_config(sb, tmp_path), tmp_path / "backfill.yaml")
        result = CliRunner().invoke(
            cli, ["run", str(data), "-c", str(config_file), "--pilot", "2", "--yes"]
        )
        assert result.exit_code == ExitStatus.ABORTED, result.output
        assert "Pilot: case" in result.output
        assert "mismatch" in result.output
        assert "ignore happened_at" in result.output
        assert puts(sb) == 6
