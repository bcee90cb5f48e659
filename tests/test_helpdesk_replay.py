"""The promise of issue 11 end to end: the helpdesk sample, replayed into the sandbox from
the config `init` writes plus connection settings only, arrives exactly as its history."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from backfill.cli.main import cli
from backfill.cli.sandbox_seed import response_dates
from backfill.config import config_from_dict
from backfill.errors import ExitStatus
from backfill.plan.build import build_plan
from backfill.runner.planning import write_requests
from backfill.runner.run import run
from backfill.sandbox import SandboxSettings, ThreadedSandbox
from tests.runner_helpers import use_credentials, yes

HELPDESK = Path(__file__).resolve().parent.parent / "sample_data" / "helpdesk_export.csv"
MEANING = {"New": "open", "Working on it": "progress", "Waiting for customer": "progress",
           "Solved": "closed"}  # fmt: skip

Entry = tuple[str, str, str | None, str | None]  # status, time, note, assignee


def source_history() -> dict[str, list[Entry]]:
    """Per case, what the export says happened, in time order (wall-clock as written)."""
    with HELPDESK.open(encoding="cp1252", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    history: dict[str, list[tuple[datetime, int, Entry]]] = {}
    rank = {"open": 0, "progress": 1, "closed": 2}
    for row in rows:
        at = datetime.strptime(row["Changed at (local)"], "%d/%m/%Y %H:%M")
        status = MEANING[row["Ticket state"]]
        entry = (
            status,
            at.strftime("%Y-%m-%d %H:%M:%S"),
            row["Agent comment"].strip() or None,
            row["Agent e-mail"].strip() or None,
        )
        history.setdefault(row["CG ID"], []).append((at, rank[status], entry))
    return {case: [e for *_, e in sorted(items)] for case, items in history.items()}


def test_the_helpdesk_export_arrives_as_its_history(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_credentials(monkeypatch)
    written = tmp_path / "backfill.yaml"
    result = CliRunner().invoke(cli, ["init", str(HELPDESK), "-o", str(written)])
    assert result.exit_code == 0, result.output
    settings = SandboxSettings(accept_any_assignee=True)
    with ThreadedSandbox(settings) as sb:
        data = yaml.safe_load(written.read_text(encoding="utf-8"))
        data["api"] = {"base_url": sb.base_url, "auth_url": sb.token_url}  # connection only
        data["send"] = {"rate_limit": 500}  # (the pace only: what arrives does not depend on it)
        config = config_from_dict(data)
        # the sandbox knows the survey responses, read from the export as `sandbox -c` would
        sb.seed_responses(response_dates(HELPDESK, written, "UTC"))
        outcome = run(
            [HELPDESK],
            config,
            out_dir=tmp_path / "out",
            journal_path=tmp_path / "journal.sqlite",
            confirm=yes,
        )
        assert outcome.exit_status == ExitStatus.OK
        arrived = {
            case_id: [
                (
                    entry.status,
                    entry.at.strftime("%Y-%m-%d %H:%M:%S"),
                    entry.note,
                    entry.assignee_requested,
                )
                for entry in case.history
            ]
            for case_id, case in sb.state.cases.items()
        }
    expected = source_history()
    assert arrived == expected
    assert sum(len(v) for v in arrived.values()) == 56

    # requests.jsonl said beforehand exactly what arrived
    plan = build_plan([HELPDESK], config)
    previewed: dict[str, list[Entry]] = {}
    for line in write_requests(plan, tmp_path).read_text(encoding="utf-8").splitlines():
        body = json.loads(line)["body"]
        previewed.setdefault(body["number_customergauge"], []).append(
            (body["status"], body["happened_at"], body.get("note"), body.get("assignee"))
        )
    assert previewed == expected
