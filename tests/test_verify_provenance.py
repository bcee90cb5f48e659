"""Provenance of retried rows: read from a failures file, recorded in the journal, and put in
the place of the export rows they fixed when `verify EXPORT` builds its expectation."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from backfill.config import config_from_dict
from backfill.journal.store import Journal
from backfill.model import ORIGIN_ROW, ORIGIN_SOURCE, ROW, SOURCE, Outcome, Result
from backfill.plan.build import Plan, build_plan, plan_from_table
from backfill.plan.identity import plan_identities
from backfill.read.failures import read_failures
from backfill.verify.expectation import UNCHECKED, Expected, expected_cases, expected_from_cases
from backfill.verify.provenance import origins_to_record, same_file

NOW = datetime(2025, 1, 1, tzinfo=UTC)
CONFIG = config_from_dict({})
HEADER = "number_customergauge,status,happened_at,note,assignee,response_date"
HISTORY = f"""{HEADER}
100,open,2024-03-01 10:00:00,,a@example.com,2024-03-01 08:00:00
100,progress,2024-03-01 12:30:00,on it,b@example.com,2024-03-01 08:00:00
100,closed,2024-03-03 08:00:00,,,2024-03-01 08:00:00
300,bogus,2024-04-01 10:00:00,,a@example.com,2024-04-01 09:00:00
300,closed,2024-04-02 10:00:00,,,2024-04-01 09:00:00
"""


def _send(
    journal: Journal,
    plan: Plan,
    run_id: str,
    command: str,
    inputs: list[str],
    refused: tuple[str, ...] = (),
) -> None:
    """Record every to-send action of `plan` as accepted, as a run or retry would; with
    `refused`, each that sent an assignee as a partial answer that refused those fields."""
    identities = plan_identities(plan)
    journal.begin_run(run_id, command, inputs, "sandbox")
    journal.record_origins(run_id, origins_to_record(plan, identities.to_dict()))
    for case in plan.actions_by_case():
        for action in case:
            when = pd.Timestamp(action.happened_at).strftime("%Y-%m-%d %H:%M:%S")
            identity = identities[action.key]
            journal.mark_in_flight(identity, action, run_id, 1, when)
            result = Result(0, Outcome.SENT)
            if refused and action.assignee:
                result = Result(0, Outcome.PARTIAL, refused=refused)
            journal.record_result(identity, action, run_id, result, when)
    journal.flush()


@pytest.fixture
def export(tmp_path: Path) -> Path:
    path = tmp_path / "history.csv"
    path.write_text(HISTORY, encoding="utf-8")
    return path


def _failures(tmp_path: Path, source: str, rows: list[tuple[str, int]]) -> Path:
    """A failures.csv as backfill writes it, its rows fixed: (cells, export row)."""
    lines = [f"{HEADER},source,row,outcome,error"]
    lines += [f"{cells},{source},{row},invalid,unknown-status" for cells, row in rows]
    path = tmp_path / "failures.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


FIXED_300 = [  # case 300's first row fixed (and a new assignee), its second row unblocked
    ("300,open,2024-04-01 10:00:00,,carl@example.com,2024-04-01 09:00:00", 5),
    ("300,closed,2024-04-02 10:00:00,,,2024-04-01 09:00:00", 6),
]


def test_a_failures_file_keeps_each_rows_origin(tmp_path: Path) -> None:
    path = tmp_path / "failures.csv"
    path.write_text(
        f"{HEADER},source,row,outcome,error\n"
        "1,open,2024-01-01 10:00:00,,,,exports/a.csv,12,invalid,x\n"
        "2,open,2024-01-01 10:00:00,,,,'=b.csv,7,invalid,x\n"  # neutralised when written
        "3,open,2024-01-01 10:00:00,,,,,,invalid,x\n",  # cleared by the user
        encoding="utf-8",
    )
    frame = read_failures(path, CONFIG).frame
    assert frame[ORIGIN_SOURCE].tolist() == ["exports/a.csv", "=b.csv", str(path)]
    assert frame[ORIGIN_ROW].tolist() == [12, 7, 4]  # (the last: its own place)
    assert frame[SOURCE].tolist() == [str(path)] * 3 and frame[ROW].tolist() == [2, 3, 4]
    # a file of an older backfill, without source and row: each row is its own origin
    path.write_text(f"{HEADER},outcome,error\n1,open,2024-01-01 10:00:00,,,,invalid,x\n")
    frame = read_failures(path, CONFIG).frame
    assert (frame[ORIGIN_SOURCE].tolist(), frame[ORIGIN_ROW].tolist()) == ([str(path)], [2])


def test_retried_rows_take_the_place_of_the_rows_they_fixed(export: Path, tmp_path: Path) -> None:
    plan = build_plan([export], CONFIG, now=NOW)
    failures = _failures(tmp_path, "history.csv", FIXED_300)  # (run from another folder)
    retry = plan_from_table(read_failures(failures, CONFIG), CONFIG, now=NOW)
    with Journal(tmp_path / "j.sqlite") as journal:
        _send(journal, plan, "run-1", "run", [str(export)])
        assert expected_cases(plan, journal).retried == 0
        _send(journal, retry, "run-2", "retry", [str(failures)])
        expectation = expected_cases(plan, journal)
    assert expectation.retried == 2
    assert expected_from_cases(expectation.cases, untimed=expectation.untimed) == [
        Expected("100", "closed", "b@example.com", 4, 48),
        # only the retry sent case 300; its new assignee is read from the retry's file
        Expected("300", "closed", "carl@example.com", None, None),
    ]
    assert set(expectation.sent_at) == {"100", "300"}

    # the retry's file gone: the new assignee is not compared, the rest still is
    failures.unlink()
    with Journal(tmp_path / "j.sqlite", read_only=True) as journal:
        expectation = expected_cases(plan, journal)
    assert expected_from_cases(expectation.cases)[1] == Expected(
        "300", "closed", UNCHECKED, None, None
    )


def test_a_retried_assignee_the_api_refused_is_not_expected(export: Path, tmp_path: Path) -> None:
    plan = build_plan([export], CONFIG, now=NOW)
    failures = _failures(tmp_path, "history.csv", FIXED_300)
    retry = plan_from_table(read_failures(failures, CONFIG), CONFIG, now=NOW)
    with Journal(tmp_path / "j.sqlite") as journal:
        _send(journal, plan, "run-1", "run", [str(export)])
        _send(journal, retry, "run-2", "retry", [str(failures)], refused=("assignee",))
        expectation = expected_cases(plan, journal)
    # carl@example.com was refused (the journal says so as data; its text is empty)
    assert expected_from_cases(expectation.cases)[1] == Expected(
        "300", "closed", UNCHECKED, None, None
    )


def test_retried_rows_of_another_export_are_not_expected(export: Path, tmp_path: Path) -> None:
    plan = build_plan([export], CONFIG, now=NOW)
    failures = _failures(tmp_path, "elsewhere/other.csv", FIXED_300)
    retry = plan_from_table(read_failures(failures, CONFIG), CONFIG, now=NOW)
    with Journal(tmp_path / "j.sqlite") as journal:
        _send(journal, plan, "run-1", "run", [str(export)])
        _send(journal, retry, "run-2", "retry", [str(failures)])
        expectation = expected_cases(plan, journal)
    assert expectation.retried == 0
    assert [e.case for e in expected_from_cases(expectation.cases)] == ["100"]


def test_a_journal_of_an_older_backfill_has_no_origins(export: Path, tmp_path: Path) -> None:
    plan = build_plan([export], CONFIG, now=NOW)
    with Journal(tmp_path / "j.sqlite") as journal:
        _send(journal, plan, "run-1", "run", [str(export)])
        journal._write("DROP TABLE origins", ())
    with Journal(tmp_path / "j.sqlite", read_only=True) as journal:
        assert journal.retried_actions() == []
        assert expected_cases(plan, journal).source == "plan+journal"


@pytest.mark.parametrize(
    ("origin", "sources", "found"),
    [
        ("a.csv", ["a.csv", "b.csv"], "a.csv"),
        ("/old/place/a.csv", ["x/a.csv"], "x/a.csv"),  # moved, or another working folder
        ("a.csv", ["x/a.csv", "y/a.csv"], None),  # two files of that name: neither
        ("c.csv", ["a.csv"], None),
    ],
)
def test_an_origin_names_one_of_the_exports_files(
    origin: str, sources: list[str], found: str | None
) -> None:
    assert same_file(origin, sources) == found
