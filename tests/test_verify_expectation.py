"""The expected state: the plan's prediction, narrowed by the journal, or from the journal alone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from backfill.config import config_from_dict
from backfill.journal.store import Journal
from backfill.model import Outcome, Result
from backfill.plan.build import Plan, build_plan
from backfill.verify.check import read_range
from backfill.verify.expectation import (
    UNCHECKED,
    Expected,
    expected_cases,
    expected_from_cases,
    journal_cases,
    plan_identities,
    untimed_cases,
)

NOW = datetime(2025, 1, 1, tzinfo=UTC)
HISTORY = """number_customergauge,status,happened_at,note,assignee,response_date
100,open,2024-03-01 10:00:00,,a@example.com,2024-03-01 08:00:00
100,progress,2024-03-01 12:30:00,on it,b@example.com,2024-03-01 08:00:00
100,closed,2024-03-03 08:00:00,,,2024-03-01 08:00:00
200,open,2024-04-01 10:00:00,,,2024-04-01 09:00:00
200,closed,2024-04-02 10:00:00,,,2024-04-01 09:00:00
300,bogus,2024-04-02 10:00:00,,,2024-04-01 09:00:00
"""


@pytest.fixture
def plan(tmp_path: Path) -> Plan:
    source = tmp_path / "history.csv"
    source.write_text(HISTORY, encoding="utf-8")
    return build_plan([source], config_from_dict({}), now=NOW)


def _record(journal: Journal, plan: Plan, outcomes: dict[tuple[str, int], Result]) -> None:
    identities = plan_identities(plan)
    journal.begin_run("run-1", "run", ["history.csv"], "sandbox")
    for case in plan.actions_by_case():
        for action in case:
            result = outcomes.get((action.case, action.case_seq))
            if result is None:
                continue
            happened = pd.Timestamp(action.happened_at).strftime("%Y-%m-%d %H:%M:%S")
            identity = identities[action.key]
            journal.mark_in_flight(identity, action, "run-1", 1, happened)
            if result.outcome != "in_flight":
                journal.record_result(identity, action, "run-1", result, happened)
    journal.flush()


def test_plan_alone_expects_every_case_with_something_to_send(plan: Plan) -> None:
    expectation = expected_cases(plan, None)
    assert (expectation.source, expectation.run_start) == ("plan", None)
    assert expected_from_cases(expectation.cases) == [
        Expected("100", "closed", "b@example.com", 4, 48),
        Expected("200", "closed", UNCHECKED, None, None),
    ]


def test_journal_narrows_to_accepted_actions(plan: Plan, tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        _record(
            journal,
            plan,
            {
                ("100", 1): Result(0, Outcome.SENT),
                ("100", 2): Result(
                    0,
                    Outcome.PARTIAL,
                    error="not applied by the API: assignee (data.* false)",
                    refused=("assignee",),
                ),
                ("100", 3): Result(0, Outcome.FAILED, error="422"),
                ("200", 1): Result(0, "in_flight"),
            },
        )
        expectation = expected_cases(plan, journal)
    cases, started = expectation.cases, expectation.run_start
    assert expectation.source == "plan+journal"
    assert started is not None and started.startswith(datetime.now(UTC).strftime("%Y-%m-%d"))
    # Case 100 stopped in progress, and kept its first assignee (the second was refused);
    # case 200 has nothing accepted (its only attempt is still in flight): not expected.
    assert expected_from_cases(cases) == [Expected("100", "progress", "a@example.com", 4, None)]


def test_a_partial_answer_that_kept_the_assignee_expects_it_whatever_its_text(
    plan: Plan, tmp_path: Path
) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        _record(
            journal,
            plan,
            {
                ("100", 1): Result(0, Outcome.SENT),
                # the note was refused, not the assignee, though the words name one
                ("100", 2): Result(0, Outcome.PARTIAL, error="assignee ok", refused=("note",)),
            },
        )
        expectation = expected_cases(plan, journal)
    assert expected_from_cases(expectation.cases) == [
        Expected("100", "progress", "b@example.com", 4, None)
    ]


def test_journal_that_knows_none_of_the_plan_leaves_the_plan(plan: Plan, tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        expectation = expected_cases(plan, journal)
    assert expectation.source == "plan"
    assert len(expected_from_cases(expectation.cases)) == 2


def test_journal_alone_replays_its_accepted_actions(plan: Plan, tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        _record(
            journal,
            plan,
            {
                ("100", 1): Result(0, Outcome.SENT),
                ("100", 2): Result(0, Outcome.SENT),
                ("100", 3): Result(0, Outcome.SENT),
                ("200", 1): Result(0, Outcome.SENT),
                ("200", 2): Result(0, Outcome.FAILED),
            },
        )
        journal.put_response_dates({"100": "2024-03-01 08:00:00"})
        expectation = journal_cases(journal, plan.config)
    cases, started = expectation.cases, expectation.run_start
    assert expectation.untimed == set() and expectation.source == "journal"
    assert started is not None
    assert set(expectation.sent_at) == {"100", "200"}
    # No assignees in the journal: not compared. Hours only where the date is known.
    assert expected_from_cases(cases, assignee_known=False) == [
        Expected("100", "closed", UNCHECKED, 4, 48),
        Expected("200", "open", UNCHECKED, UNCHECKED, UNCHECKED),
    ]


def test_empty_journal_expects_nothing(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        expectation = journal_cases(journal, config_from_dict({}))
    assert expected_from_cases(expectation.cases) == [] and expectation.run_start is None


@pytest.mark.parametrize(
    ("earliest", "expected"),
    [
        ("2024-03-01T10:00:00.000000Z", ("2024-02-29", "2025-01-02")),
        (pd.Timestamp("2024-12-31 23:00", tz="UTC"), ("2024-12-30", "2025-01-02")),
        (None, ("2024-12-31", "2025-01-02")),
        (pd.NaT, ("2024-12-31", "2025-01-02")),
    ],
)
def test_read_range_covers_the_run_with_a_day_of_margin(
    earliest: object, expected: tuple[str, str]
) -> None:
    start, end = read_range(earliest, today=NOW.date())
    assert (start.isoformat(), end.isoformat()) == expected


def test_cases_sent_without_times_are_not_compared_on_hours(tmp_path: Path) -> None:
    source = tmp_path / "history.csv"
    source.write_text(HISTORY.replace("2024-04-02 10:00:00,,,", ",,,", 1), encoding="utf-8")
    plan = build_plan(
        [source], config_from_dict({"validation": {"require_happened_at": False}}), now=NOW
    )
    assert untimed_cases(plan) == {"200"}
    expectation = expected_cases(plan, None)
    assert expectation.untimed == {"200"}
    expected = expected_from_cases(expectation.cases, untimed=expectation.untimed)
    assert [(e.case, e.time_to_close) for e in expected] == [("100", 48), ("200", UNCHECKED)]


def test_v41_sends_no_times_so_no_hours_are_compared(tmp_path: Path) -> None:
    source = tmp_path / "history.csv"
    source.write_text(HISTORY, encoding="utf-8")
    config = config_from_dict({"api": {"version": "v4.1", "v41_ignore_happened_at": True}})
    plan = build_plan([source], config, now=NOW)
    assert untimed_cases(plan) == {"100", "200"}
