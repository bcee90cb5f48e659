"""The repeated hour of api.timezone against the real sandbox, a tenant in Europe/Berlin that
reads a repeated wall-clock time as its earlier instant (issue 28): the pilot compares what
the tenant computes from the texts sent, and a later run never sends a time that reads
before the case's last sent one."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from backfill.config import Config
from backfill.errors import ExitStatus
from backfill.runner.run import retry, run
from backfill.sandbox import SandboxSettings, ThreadedSandbox
from tests.runner_helpers import puts, sandbox_config, use_credentials, write_rows, yes

BERLIN = "Europe/Berlin"
RESPONSE = "2023-10-28 12:00:00"  # Berlin, 10:00 UTC


@pytest.fixture
def creds(monkeypatch: pytest.MonkeyPatch) -> None:
    use_credentials(monkeypatch)


def action(case: str, status: str, utc: str) -> dict[str, str]:
    return {
        "number_customergauge": case,
        "status": status,
        "happened_at": utc,
        "note": f"{case} {status} {utc}",
        "response_date": RESPONSE,
    }


def berlin_config(sb: ThreadedSandbox, tmp_path: Path, mode: str = "reject") -> Config:
    return sandbox_config(
        sb,
        tmp_path,
        api={"timezone": BERLIN},
        input={"timezone": BERLIN},
        validation={"ambiguous_api_times": mode},
    )


def applied_at(sb: ThreadedSandbox, case: str) -> list[tuple[str | None, str]]:
    """The case's statuses as the tenant applied them, with the UTC time it read for each."""
    return [(entry.status, f"{entry.at:%H:%M}") for entry in sb.state.cases[case].history]


def test_the_pilot_compares_the_hours_the_tenant_reads_from_the_texts(
    creds: None, tmp_path: Path
) -> None:
    rows = [
        # progress in the second pass after every earlier text: sent as is (02:40), which
        # the tenant reads as 00:40 UTC, an hour before it happened
        action("501", "open", "2023-10-28T22:00:00Z"),
        action("501", "progress", "2023-10-29T01:40:00Z"),
        action("501", "closed", "2023-10-29T05:00:00Z"),
        # the case: closed would read 02:15, before progress at 02:45; shifted
        action("502", "open", "2023-10-29T00:15:00Z"),
        action("502", "progress", "2023-10-29T00:45:00Z"),
        action("502", "closed", "2023-10-29T01:15:00Z"),
    ]
    with ThreadedSandbox(SandboxSettings(timezone=BERLIN, accept_any_assignee=True)) as sb:
        sb.seed_responses({"501": RESPONSE, "502": RESPONSE})
        data = write_rows(tmp_path / "history.csv", rows)
        outcome = run([data], berlin_config(sb, tmp_path, "shift"), confirm=yes, pilot=2)
        assert outcome.exit_status == ExitStatus.OK
        summary = json.loads((outcome.out_dir / "summary.json").read_text(encoding="utf-8"))
        assert summary["pilot"]["passed"] is True
        assert set(summary["pilot"]["verdicts"].values()) == {"match"}
        assert applied_at(sb, "501") == [
            ("open", "22:00"),
            ("progress", "00:40"),
            ("closed", "05:00"),
        ]
        assert applied_at(sb, "502") == [
            ("open", "00:15"),
            ("progress", "00:45"),
            ("closed", "02:00"),
        ]
        cases = {case.number_customergauge: case for case in sb.state.cases.values()}
        assert (cases["501"].time_to_follow_up, cases["501"].time_to_close) == (14, 19)
        assert (cases["502"].time_to_follow_up, cases["502"].time_to_close) == (14, 16)


def test_a_later_run_refuses_a_time_that_reads_before_the_last_sent_one(
    creds: None, tmp_path: Path
) -> None:
    rows = [
        action("601", "open", "2023-10-29T00:15:00Z"),
        action("601", "progress", "2023-10-29T00:45:00Z"),
        action("601", "closed", "2023-10-29T01:15:00Z"),
        action("601", "open", "2023-10-29T02:30:00Z"),
    ]
    with ThreadedSandbox(SandboxSettings(timezone=BERLIN)) as sb:
        sb.seed_responses({"601": RESPONSE})
        data = write_rows(tmp_path / "history.csv", rows)
        first = run([data], berlin_config(sb, tmp_path), confirm=yes)
        assert first.exit_status == ExitStatus.ROWS_FAILED
        assert puts(sb) == 2  # closed is order-lost-in-api-zone, the re-open blocked

        # shift, but a retry of the two rows alone: its plan cannot see 02:45 sent before
        shift = berlin_config(sb, tmp_path, "shift")
        second = retry(first.out_dir / "failures.csv", shift, confirm=yes)
        assert second.exit_status == ExitStatus.ROWS_FAILED
        assert puts(sb) == 2
        results = pd.read_csv(second.out_dir / "results.csv", dtype=str, keep_default_na=False)
        assert results["outcome"].tolist() == ["failed", "blocked"]
        assert results["error"].iloc[0] == (
            "out-of-order: case 601 was last sent at 2023-10-29 00:45:00 UTC, which was sent "
            "as 2023-10-29 02:45:00 (Europe/Berlin); this action's 2023-10-29 02:15:00 is a "
            "time the clocks show twice there, and CustomerGauge could read it as no later: "
            "run the whole file again, so that the plan orders it with the case's earlier "
            "actions (use --allow-out-of-order to send it anyway)"
        )

        # the whole file: its plan sees the case's first actions and shifts the rest
        third = run([data], shift, confirm=yes)
        assert third.exit_status == ExitStatus.OK
        assert applied_at(sb, "601") == [
            ("open", "00:15"),
            ("progress", "00:45"),
            ("closed", "02:00"),  # sent as 03:00:00, the first time after the hour
            ("open", "02:30"),
        ]
