"""What a run says about where it sends and what it did not send (issue 19 item 6): the
confirmation prompt and the Summary sheet show the URL actually used (api.base_url), never a
region's name over it; a row the run never attempted says so in words and a code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from backfill.cli.main import cli
from backfill.runner.run import run
from backfill.sandbox import SandboxSettings, ThreadedSandbox
from tests.runner_helpers import (
    sandbox_config,
    seed,
    timeline,
    use_credentials,
    write_config,
    write_rows,
)


def test_prompt_and_summary_name_the_base_url_not_a_region(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_credentials(monkeypatch)
    asked: list[str] = []

    def confirm(question: str) -> bool:
        asked.append(question)
        return True

    with ThreadedSandbox(SandboxSettings()) as sb:
        rows = timeline(2, 2)
        seed(sb, rows)
        data = write_rows(tmp_path / "history.csv", rows)
        outcome = run([data], sandbox_config(sb, tmp_path), confirm=confirm)
        base, token = sb.base_url, sb.token_url
    assert int(outcome.exit_status) == 0
    [question] = asked
    assert question.startswith(
        f"Send 4 action(s) of 2 case(s) to {base} (api.base_url; tokens from {token}) (API v7)?"
    )
    assert "region" not in question
    summary = json.loads((outcome.out_dir / "summary.json").read_text())
    # the region is not used: null, and the URL that was
    assert summary["region"] is None and summary["base_url"] == base
    assert summary["target"] == base and summary["token_url"] == token
    sheet = load_workbook(outcome.out_dir / "report.xlsx")["Summary"]
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert cells[0] == f"Sent to {base}"
    assert f"{base} (api.base_url), API v7" in cells
    assert not any("CustomerGauge EU" in c for c in cells)


def test_rows_a_stopped_run_never_attempted_say_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_credentials(monkeypatch)
    monkeypatch.setenv("CG_CLIENT_SECRET", "not-the-sandbox-secret")
    with ThreadedSandbox(SandboxSettings()) as sb:
        rows = timeline(2, 2)
        seed(sb, rows)
        data = write_rows(tmp_path / "history.csv", rows)
        config_file = write_config(sandbox_config(sb, tmp_path), tmp_path / "backfill.yaml")
        result = CliRunner().invoke(cli, ["run", str(data), "-c", str(config_file), "--yes"])
    assert result.exit_code == 3, result.output
    assert (
        "  why not sent (each row's own reason: the error column of failures.csv):\n"
        "    not-sent 4: not attempted: the run stopped first; the next run sends it\n"
    ) in result.output
    failures = next((tmp_path / "reports").rglob("failures.csv")).read_text(encoding="utf-8-sig")
    assert '"not attempted: the run stopped before sending it (auth: the token endpoint' in (
        failures
    )
