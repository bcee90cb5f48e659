"""An action's identity comes from the input, never from a setting (issue 20).

The journal's fallback lookup by place (case, position, time) would hide identities built
from a setting: a re-run under another `send.assignee` still finds its sent actions there.
So the identity rule is checked here on its own: the plan's identities, and the journal's
lookup by identity alone (no `by_position`), are the same whatever the settings that do not
change what the input says.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from backfill.config import config_from_dict
from backfill.journal.schema import State
from backfill.journal.store import Journal
from backfill.model import ROW, SEND_ASSIGNEE, SOURCE, Outcome, Result
from backfill.plan.build import Plan, build_plan
from backfill.plan.identity import plan_contents, plan_identities
from backfill.runner.resume import utc_times

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "history.csv"
NOW = datetime(2026, 1, 1, tzinfo=UTC)

# Settings that change what is sent, when or where, but not what the input says.
SETTINGS: list[dict[str, Any]] = [
    {"send": {"assignee": "every"}},
    {"send": {"assignee": "last"}},
    {"send": {"assignee": "never"}},
    {"send": {"assignee": "last", "rate_limit": 1, "concurrency": 1}},
    {"api": {"timezone": "America/New_York"}},
    {"api": {"timezone": "Asia/Tokyo"}, "send": {"assignee": "never"}},
    {"api": {"region": "us"}},
    {"output": {"xlsx": False}},
]


def _plan(settings: dict[str, Any]) -> Plan:
    return build_plan([SAMPLE], config_from_dict(settings), now=NOW)


def _by_row(plan: Plan) -> dict[tuple[str, int], str]:
    """(file, row) -> identity: the plan's keys are positions, the rows are the input's."""
    identities = plan_identities(plan)
    frame = plan.frame.loc[identities.index]
    return dict(zip(zip(frame[SOURCE], frame[ROW], strict=True), identities, strict=True))


@pytest.fixture(scope="module")
def reference() -> Plan:
    return _plan(SETTINGS[0])


def test_the_sample_sends_assignees_that_depend_on_the_setting(reference: Plan) -> None:
    # (else the tests below would prove nothing: the setting must change what is sent)
    every = reference.frame[SEND_ASSIGNEE]
    last = _plan({"send": {"assignee": "last"}}).frame[SEND_ASSIGNEE]
    never = _plan({"send": {"assignee": "never"}}).frame[SEND_ASSIGNEE]
    assert every.ne("").sum() > last.ne("").sum() > 0
    assert never.eq("").all()


@pytest.mark.parametrize("settings", SETTINGS[1:], ids=str)
def test_identities_are_the_same_under_every_setting(
    reference: Plan, settings: dict[str, Any]
) -> None:
    expected = _by_row(reference)
    assert len(expected) > 100
    assert _by_row(_plan(settings)) == expected


@pytest.mark.parametrize("assignee", ["last", "never"])
def test_the_journal_finds_sent_actions_by_identity_alone(
    tmp_path: Path, reference: Plan, assignee: str
) -> None:
    identities = plan_identities(reference)
    happened = utc_times(reference)
    contents = plan_contents(reference)
    with Journal(tmp_path / "journal.sqlite") as journal:
        journal.begin_run("first", "run", [str(SAMPLE)], "sandbox")
        for case in reference.actions_by_case():
            for action in case:
                identity = identities[action.key]
                journal.mark_in_flight(
                    identity, action, "first", 1, happened[action.key], contents[action.key]
                )
                result = Result(action.key, Outcome.SENT, http_status=200, attempts=1)
                journal.record_result(
                    identity, action, "first", result, happened[action.key], contents[action.key]
                )
        journal.flush()
        again = plan_identities(_plan({"send": {"assignee": assignee}}))
        found = journal.lookup(again.tolist())
    assert set(found) == set(identities.tolist())
    assert {entry.state for entry in found.values()} == {State.SENT}
