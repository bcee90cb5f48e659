"""`decide` on a journal holding every state: accepted actions are decided for the whole
plan at once (Decisions.accepted), the rest go through the per-action rules."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from backfill.config import config_from_dict
from backfill.journal.store import Journal
from backfill.model import Outcome, Result
from backfill.plan.build import build_plan
from backfill.plan.identity import plan_contents, plan_identities
from backfill.runner.resume import decide, utc_times

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "history.csv"


def test_accepted_in_flight_failed_and_new_actions(tmp_path: Path) -> None:
    plan = build_plan([SAMPLE], config_from_dict({}), now=datetime(2026, 1, 1, tzinfo=UTC))
    keys = plan_identities(plan)
    identities = dict(zip(keys.index.tolist(), keys.tolist(), strict=True))
    happened, contents = utc_times(plan), plan_contents(plan)
    cases = plan.actions_by_case()
    sent, lost, in_flight, failed = set(), set(), set(), set()
    with Journal(tmp_path / "journal.sqlite") as journal:
        journal.begin_run("first", "run", [str(SAMPLE)], "sandbox")
        for number, case in enumerate(cases):
            # whole cases, so that no later action is out of order behind an accepted one
            kind = number % 5
            for action in case:
                identity, when = identities[action.key], happened[action.key]
                if kind == 0:
                    continue  # never sent: new
                journal.mark_in_flight(identity, action, "first", 1, when, contents[action.key])
                if kind == 1:
                    in_flight.add(action.key)
                    continue
                outcome = Outcome.FAILED if kind == 2 else Outcome.SENT
                result = Result(
                    action.key,
                    outcome,
                    http_status=None if kind == 4 else 200,
                    attempts=1,
                    answer_lost=kind == 4 and outcome == Outcome.SENT,
                )
                journal.record_result(identity, action, "first", result, when, contents[action.key])
                {2: failed, 3: sent, 4: lost}[kind].add(action.key)
        journal.flush()
        decisions = decide(
            plan, journal, identities, happened, allow_out_of_order=False, contents=contents
        )
    assert sent and lost and in_flight and failed
    assert set(decisions.accepted.index) == sent | lost
    assert not decisions.results  # nothing refused, nothing found only by place
    results = decisions.all_results()
    assert {r.outcome for r in results.values()} == {Outcome.ALREADY_SENT}
    assert {k for k, r in results.items() if r.resent_uncertain} == lost
    assert {k for k, r in results.items() if r.http_status == 200} == sent
    to_send = [a.key for case in decisions.cases for a in case]
    assert set(to_send) == set(identities) - sent - lost
    assert decisions.uncertain == in_flight
    assert set(decisions.lost_at) == in_flight
    # each case still in timeline order, with the order of the plan
    expected = [[a.key for a in case if a.key in set(to_send)] for case in cases]
    assert [[a.key for a in case] for case in decisions.cases] == [k for k in expected if k]


def test_an_out_of_order_refusal_blocks_the_rest_of_its_case_as_a_failed_send_does(
    tmp_path: Path,
) -> None:
    plan = build_plan([SAMPLE], config_from_dict({}), now=datetime(2026, 1, 1, tzinfo=UTC))
    keys = plan_identities(plan)
    identities = dict(zip(keys.index.tolist(), keys.tolist(), strict=True))
    happened = utc_times(plan)
    case = next(c for c in plan.actions_by_case() if len(c) >= 3)
    last = case[-1]
    with Journal(tmp_path / "journal.sqlite") as journal:
        # only the case's last action was sent: its earlier ones would now land after it
        journal.mark_in_flight(identities[last.key], last, "first", 1, happened[last.key])
        sent = Result(last.key, Outcome.SENT, http_status=200, attempts=1)
        journal.record_result(identities[last.key], last, "first", sent, happened[last.key])
        journal.flush()
        decisions = decide(plan, journal, identities, happened, allow_out_of_order=False)
    first, *rest = [decisions.results[a.key] for a in case[:-1]]
    assert (first.outcome, first.code) == (Outcome.FAILED, "out-of-order")
    for action, result in zip(case[1:-1], rest, strict=True):
        # the very Result the lanes give an action behind a failed one (send/lanes.py)
        assert result == Result.blocked(action.key, case[0])
        assert result.error == (
            f"blocked: row {case[0].row} of {case[0].source} "
            f"(an earlier action of case {case[0].case}) failed"
        )
