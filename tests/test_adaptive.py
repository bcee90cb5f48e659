"""`rate_limit: auto`: slow start, learning where the server pushes back, header truth.

The integration tests run the sandbox with a tenant quota (`server_rate`) on the same
virtual-time loop as the client (tests/virtual_time.py): a minute of sending takes a few
real seconds, and nothing depends on the machine's speed.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook

from backfill.config import config_from_dict
from backfill.errors import ExitStatus
from backfill.model import Outcome
from backfill.runner.run import run
from backfill.sandbox import Faults, Sandbox, SandboxSettings
from backfill.send.adaptive import HOLD_SHARE, AdaptiveRate
from backfill.send.lanes import send_cases
from backfill.send.retry_policy import RetryPolicy
from backfill.send.session import ApiSession
from tests.runner_helpers import timeline, write_rows
from tests.test_sender import V7, applied_notes, config, make_cases, seed
from tests.virtual_time import run_virtual, virtual_loop

OK: dict[str, str] = {}


def test_slow_start_doubles_each_good_second_up_to_max_rate() -> None:
    rate = AdaptiveRate(start_rate=5, max_rate=50, started_at=0.0)
    paces = []
    for second in range(1, 6):
        rate.on_answer(200, OK, float(second))
        paces.append(rate.pace)
    assert paces == [10, 20, 40, 50, 50]
    assert rate.found is None


def test_a_429_holds_just_under_what_the_server_accepted_and_probes_rarely() -> None:
    rate = AdaptiveRate(start_rate=40, max_rate=200, started_at=0.0)
    for n in range(40):  # 40 accepted within the last second, then pushed back
        rate.on_answer(200, OK, 0.5 + n / 80)
    rate.on_answer(429, {"Retry-After": "1"}, 1.0)
    assert rate.found == 40 and rate.pace == pytest.approx(HOLD_SHARE * 40)
    rate.on_answer(429, OK, 1.2)  # sent before the cut: no second cut
    assert rate.pace == pytest.approx(HOLD_SHARE * 40)
    rate.on_answer(200, OK, 20.0)  # no probe yet
    assert rate.pace == pytest.approx(HOLD_SHARE * 40)
    rate.on_answer(200, OK, 40.0)  # a long quiet spell: one small step up
    assert HOLD_SHARE * 40 < rate.pace < 40


def test_stated_quota_is_the_truth_over_the_estimate() -> None:
    rate = AdaptiveRate(start_rate=5, max_rate=500, started_at=0.0)
    headers = {
        "X-RateLimit-Limit": "120",
        "X-RateLimit-Remaining": "100",
        "X-RateLimit-Reset": "60",
    }
    rate.on_answer(200, headers, 0.5)
    assert rate.found == 2  # 120 per 60 s
    assert rate.pace == pytest.approx(HOLD_SHARE * 2)
    for second in range(2, 10):
        rate.on_answer(200, headers, float(second))
    assert rate.pace == pytest.approx(HOLD_SHARE * 2)  # slow start never passes it
    ietf = AdaptiveRate(start_rate=5, max_rate=500, started_at=0.0)
    ietf.on_answer(200, {"RateLimit-Policy": "30;w=1"}, 0.5)
    assert ietf.found == 30


async def auto_run(server_rate: int, headers: bool) -> tuple[ApiSession, dict, Counter]:
    loop = virtual_loop()
    cases = make_cases(100, 4)
    faults = Faults(server_rate=server_rate, server_rate_headers=headers)
    async with Sandbox(SandboxSettings(faults=faults), monotonic=loop.time) as sb:
        seed(sb, cases)
        cfg = config(rate_limit="auto", start_rate=5, max_rate=50, concurrency=8)
        async with ApiSession(
            cfg, V7, base_url=sb.base_url, token_url=sb.token_url, retry=RetryPolicy(seed=1)
        ) as api:
            report = await send_cases(api, cases)
        for actions in cases:  # nothing lost, nothing reordered, nothing twice
            assert applied_notes(sb, actions[0].case) == [a.note for a in actions]
        statuses = Counter(r.status for r in sb.state.requests if r.path.startswith("/v7"))
    return api, report.results, statuses


def test_auto_finds_a_server_limit_from_its_429s() -> None:
    api, results, statuses = run_virtual(auto_run(server_rate=20, headers=False))
    assert {r.outcome for r in results.values()} == {Outcome.SENT}
    assert api.adaptive is not None and api.adaptive.found is not None
    # what the server accepted in the last second: fixed windows at the server let a sliding
    # second hold a little more than the quota
    assert 0.7 * 20 <= api.adaptive.found <= 1.2 * 20
    assert api.adaptive.pace <= 20  # held under it
    assert statuses[429] <= 0.05 * statuses[200]
    assert max(pace for _, pace in api.adaptive.history) <= 50


def test_auto_takes_the_limit_the_server_states() -> None:
    api, results, statuses = run_virtual(auto_run(server_rate=20, headers=True))
    assert {r.outcome for r in results.values()} == {Outcome.SENT}
    assert api.adaptive is not None and api.adaptive.found == 20
    assert statuses[429] == 0


def test_a_rehearsal_reports_the_rate_found_and_the_pace_over_time(tmp_path: Path) -> None:
    # --sandbox with a tenant quota from the config; the quota states itself in headers, so
    # what is found does not depend on timing
    rows = timeline(8, 3)
    data = write_rows(tmp_path / "history.csv", rows)
    cfg = config_from_dict(
        {
            "send": {"rate_limit": "auto", "start_rate": 5, "max_rate": 40},
            "sandbox": {"server_rate": 30, "server_rate_headers": True},
            "journal": str(tmp_path / "journal.sqlite"),
        }
    )
    outcome = run([data], cfg, sandbox=True, out_dir=tmp_path / "out", echo=lambda _: None)
    assert outcome.exit_status == ExitStatus.OK
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["outcomes"]["sent"] == 24
    assert summary["rate_found"] == 30
    assert summary["rate_over_time"][0] == [0.0, 5.0]
    assert summary["rate_over_time"][-1][1] == pytest.approx(HOLD_SHARE * 30)
    sheet = load_workbook(tmp_path / "out" / "report.xlsx")["Summary"]
    labels = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert "Rate found" in labels and "Pace over the run (rate_limit: auto)" in labels
    assert len(sheet._charts) >= 2  # the outcome chart and the pace chart
