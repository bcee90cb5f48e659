"""A wide export through run, failures.csv and retry: one report line per action, each with
its ticket's row, and the fixed actions re-sent from failures.csv as they are (still named by
their ticket's row), then verified against the export."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from backfill.errors import ExitStatus
from backfill.runner.run import retry, run
from backfill.sandbox import SandboxSettings, ThreadedSandbox
from backfill.verify.check import verify
from tests.runner_helpers import RESPONSE_AT, applied, sandbox_config, use_credentials, yes


def quiet(_: str) -> None:
    pass


TICKETS = (
    "Ticket,CG ID,Created,First reply,Solved,Resolution\n"
    "T-1,501,2024-03-01 09:00:00,2024-03-01 10:00:00,2024-03-02 16:00:00,Refund issued\n"
    "T-2,502,2024-03-03 08:00:00,2024-03-33 09:00:00,2024-03-04 08:00:00,Replaced\n"
)


def test_a_wide_export_runs_fails_and_retries_per_action(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_credentials(monkeypatch)
    data = tmp_path / "tickets.csv"
    data.write_text(TICKETS, encoding="utf-8")
    with ThreadedSandbox(SandboxSettings()) as sb:
        sb.seed_responses({"501": RESPONSE_AT, "502": RESPONSE_AT})
        config = sandbox_config(
            sb,
            tmp_path,
            input={
                "layout": "wide",
                "columns": {"number_customergauge": "CG ID", "note": "Resolution"},
                "steps": {"open": "Created", "progress": "First reply", "closed": "Solved"},
            },
        )
        first = run([data], config, confirm=yes, echo=quiet)
        assert first.exit_status == ExitStatus.ROWS_FAILED
        results = pd.read_csv(
            first.out_dir / "results.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig"
        )
        # one line per action, with its ticket's row
        assert sorted(results[["Ticket", "action_status", "row"]].values.tolist()) == [
            ["T-1", "closed", "2"],
            ["T-1", "open", "2"],
            ["T-1", "progress", "2"],
            ["T-2", "closed", "3"],
            ["T-2", "open", "3"],
            ["T-2", "progress", "3"],
        ]
        assert applied(sb) == {
            "501": [("open", None), ("progress", None), ("closed", "Refund issued")]
        }
        failures_path = first.out_dir / "failures.csv"
        failures = pd.read_csv(
            failures_path, dtype=str, keep_default_na=False, encoding="utf-8-sig"
        )
        assert sorted(failures["action_status"]) == ["closed", "open", "progress"]
        # the user corrects the impossible date and saves
        failures["action_at"] = failures["action_at"].replace(
            {"2024-03-33 09:00:00": "2024-03-03 09:00:00"}
        )
        failures.to_csv(failures_path, index=False, encoding="utf-8-sig")
        second = retry(failures_path, config, confirm=yes, echo=quiet)
        assert second.exit_status == ExitStatus.OK
        assert applied(sb)["502"] == [("open", None), ("progress", None), ("closed", "Replaced")]
        # the retry's actions name their ticket's row in the export, and verifying the export
        # puts all three in that row's place
        retried = pd.read_csv(second.out_dir / "results.csv", dtype=str, keep_default_na=False)
        assert set(zip(retried["source"], retried["row"], strict=True)) == {(str(data), "3")}
        checked = verify([data], config)
        assert checked.exit_status == ExitStatus.OK and checked.retried == 3
        assert checked.counts == {"match": 2, "mismatch": 0, "missing": 0}
