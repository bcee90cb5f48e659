"""Fidelity: a generated history replayed into the sandbox reads back exactly as planned.

Over real HTTP: the plan is sent with the engine (ApiSession + send_cases), then verified
with the same session. Every case must match, and the sandbox's own follow-up and close times
must equal the plan's prediction for every case. Then the sandbox's state is tampered with in
three places and verify must find exactly those three.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from verify_history import generate_history

from backfill.config import Config, config_from_dict
from backfill.model import Outcome
from backfill.plan.build import Plan, build_plan
from backfill.sandbox import Sandbox, SandboxSettings
from backfill.send.auth import Credentials
from backfill.send.lanes import send_cases
from backfill.send.session import ApiSession
from backfill.verify.check import verify_plan
from backfill.verify.compare import Verdict

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def _config(zone: str) -> Config:
    return config_from_dict(
        {
            "api": {"timezone": zone},
            "input": {"timezone": zone},
            "send": {"rate_limit": 100_000, "concurrency": 32, "max_attempts": 2},
        }
    )


def _session(config: Config, sb: Sandbox) -> ApiSession:
    credentials = Credentials(
        client_id=sb.settings.client_id, client_secret=sb.settings.client_secret
    )
    return ApiSession(config, credentials, base_url=sb.base_url, token_url=sb.token_url)


async def _replay(
    tmp_path: Path, make_sandbox: Callable[..., Sandbox], cases: int, zone: str
) -> tuple[Plan, Config, Sandbox]:
    source = tmp_path / "history.csv"
    generate_history(source, cases)
    config = _config(zone)
    plan = build_plan([source], config, now=NOW)
    assert plan.summary()["invalid"] == 0 and plan.summary()["blocked"] == 0
    sb = make_sandbox(SandboxSettings(accept_any_assignee=True, timezone=zone))
    await sb.start()
    sb.seed_responses(
        {
            case: pd.Timestamp(when).to_pydatetime()
            for case, when in zip(
                plan.cases["number_customergauge"], plan.cases["response_at"], strict=True
            )
        }
    )
    return plan, config, sb


def _local(value: datetime | None, zone: str) -> str:
    return "" if value is None else value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M:%S")


@pytest.mark.slow
async def test_thousand_cases_replayed_all_match_and_sandbox_times_equal_the_plan(
    tmp_path: Path, make_sandbox: Callable[..., Sandbox]
) -> None:
    plan, config, sb = await _replay(tmp_path, make_sandbox, 1000, "UTC")
    async with _session(config, sb) as api:
        report = await send_cases(api, plan.actions_by_case())
        assert {r.outcome for r in report.results.values()} == {Outcome.SENT}
        outcome = await verify_plan(plan, api, folder=tmp_path / "out")

    assert outcome.counts == {Verdict.MATCH: 1000, Verdict.MISMATCH: 0, Verdict.MISSING: 0}
    assert outcome.exit_status == 0
    assert outcome.pages == 1  # 1000 cases fit one page of per_page=1000
    written = pd.read_csv(tmp_path / "out" / "verify.csv", dtype=str, encoding="utf-8-sig")
    assert len(written) == 1000 and set(written["verdict"]) == {Verdict.MATCH}

    # The sandbox's own clock-free state machine agrees with the plan for every case.
    predicted = plan.cases.set_index("number_customergauge")
    for case, row in predicted.iterrows():
        held = sb.state.cases[case]
        assert held.status == row["final_status"], case
        assert _local(held.follow_up_at, "UTC") == row["follow_up_at"], case
        assert _local(held.closed_at, "UTC") == row["closed_at"], case
        assert held.time_to_follow_up == _int(row["time_to_follow_up_h"]), case
        assert held.time_to_close == _int(row["time_to_close_h"]), case
    # The history exercised what it claims to.
    assert (predicted["reopens"] > 0).sum() >= 200
    assert predicted["closed_at"].eq("").sum() >= 200
    assert predicted["follow_up_at"].eq("").sum() >= 100
    assert predicted["time_to_close_h"].notna().sum() >= 400
    assert plan.summary()["valid"] >= 3000


def _int(value: object) -> int | None:
    return None if value is None or value is pd.NA else int(value)  # type: ignore[call-overload]


async def test_tampered_status_assignee_and_time_are_exactly_the_mismatches(
    tmp_path: Path, make_sandbox: Callable[..., Sandbox]
) -> None:
    zone = "Europe/Amsterdam"
    plan, config, sb = await _replay(tmp_path, make_sandbox, 120, zone)
    cases = plan.cases.set_index("number_customergauge")
    closed = cases.index[cases["closed_at"].ne("") & cases["final_assignee"].ne("")]
    status_case, assignee_case, time_case = closed[0], closed[1], closed[2]
    async with _session(config, sb) as api:
        await send_cases(api, plan.actions_by_case())
        before = await verify_plan(plan, api)
        assert before.counts == {Verdict.MATCH: 120, Verdict.MISMATCH: 0, Verdict.MISSING: 0}

        sb.state.cases[status_case].status = "progress"
        sb.state.cases[assignee_case].assignee = "someone.else@example.com"
        held = sb.state.cases[time_case]
        held.closed_at = held.closed_at + pd.Timedelta(hours=3)  # type: ignore[operator]
        after = await verify_plan(plan, api, folder=tmp_path)

    assert after.counts == {Verdict.MATCH: 117, Verdict.MISMATCH: 3, Verdict.MISSING: 0}
    assert after.exit_status == 1
    found = after.comparison.frame.set_index("case")
    wrong = found[found["verdict"].eq(Verdict.MISMATCH)]
    assert wrong["differs"].to_dict() == {
        status_case: "status",
        assignee_case: "assignee",
        time_case: "time_to_close",
    }
    assert "assignee=someone.else@example.com" in wrong.loc[assignee_case, "found"]
    assert after.summary == (
        "verify: 120 cases; 117 match, 3 mismatch (assignee 1, status 1, time_to_close 1), "
        "0 missing"
    )


async def test_case_never_sent_is_missing(
    tmp_path: Path, make_sandbox: Callable[..., Sandbox]
) -> None:
    plan, config, sb = await _replay(tmp_path, make_sandbox, 12, "UTC")
    actions = plan.actions_by_case()
    async with _session(config, sb) as api:
        await send_cases(api, actions[1:])
        outcome = await verify_plan(plan, api)
    assert outcome.counts == {Verdict.MATCH: 11, Verdict.MISMATCH: 0, Verdict.MISSING: 1}
    frame = outcome.comparison.frame
    assert frame.loc[frame["verdict"].eq(Verdict.MISSING), "case"].tolist() == [actions[0][0].case]
