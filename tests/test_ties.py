"""Equal times follow the file's own evidence (issue 29): an audit log's chain of old and new
statuses whatever its row order; a long file's order, warned where the rank rule differs."""

from __future__ import annotations

import csv
import itertools
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from backfill.config import config_from_dict
from backfill.errors import Severity
from backfill.model import CASE, HAPPENED_AT, NOTE, ROW, STATUS
from backfill.plan.build import Plan, build_plan

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def write_csv(path: Path, header: list[str], rows: list[tuple[str, ...]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def timeline(plan: Plan) -> list[tuple[str, str, str]]:
    """(status, happened_at, note) of every action, in send order."""
    return list(
        zip(plan.frame[STATUS], plan.frame[HAPPENED_AT].str[:16], plan.frame[NOTE], strict=True)
    )


# --- audit: a Jira-like changelog written to the minute --------------------------------------

JIRA: dict[str, Any] = {
    "input": {
        "layout": "audit",
        "columns": {
            "number_customergauge": "CG",
            "status": "To",
            "happened_at": "Created",
            "note": "Comment",
        },
        "audit": {"field_column": "Field", "old_status": "From"},
        "status_map": {"Reopened": "open", "Resolved": "closed"},
    }
}
LOG = [  # oldest first: the case is resolved, then re-opened within the same minute
    ("53499", "2024-03-01 09:00", "status", "Open", "In Progress", ""),
    ("53499", "2024-03-01 10:00", "status", "In Progress", "Resolved", ""),
    ("53499", "2024-03-01 10:00", "comment", "", "", "customer wrote back"),
    ("53499", "2024-03-01 10:00", "status", "Resolved", "Reopened", ""),
]
HEADER = ["CG", "Created", "Field", "From", "To", "Comment"]
ENDS_OPEN = [
    ("progress", "2024-03-01 09:00", ""),
    ("closed", "2024-03-01 10:00", ""),
    ("closed", "2024-03-01 10:00", "customer wrote back"),  # between the two: still resolved
    ("open", "2024-03-01 10:00", ""),
]


@pytest.mark.parametrize("newest_first", [False, True], ids=["oldest-first", "newest-first"])
def test_a_same_minute_reopen_in_an_audit_log_ends_open(tmp_path: Path, newest_first: bool) -> None:
    rows = LOG[::-1] if newest_first else LOG
    data = write_csv(tmp_path / "changelog.csv", HEADER, rows)
    plan = build_plan([data], config_from_dict(JIRA), now=NOW)
    assert timeline(plan) == ENDS_OPEN
    assert plan.cases["final_status"].tolist() == ["open"]
    codes = {p.code for p in plan.problems}
    assert "reopen" in codes  # the re-open is still said
    assert "tie-reordered" not in codes  # the chain is the evidence: nothing to warn


def test_the_chain_orders_changes_of_one_minute_in_any_row_order(tmp_path: Path) -> None:
    changes = [
        ("7", "2024-05-01 08:00", "status", "", "Open", ""),
        ("7", "2024-05-01 09:00", "status", "Open", "Resolved", ""),
        ("7", "2024-05-01 09:00", "status", "Resolved", "Reopened", ""),
        ("7", "2024-05-01 09:00", "status", "Reopened", "In Progress", ""),
        ("7", "2024-05-01 09:00", "status", "In Progress", "Resolved", ""),
    ]
    expected = ["open", "closed", "open", "progress", "closed"]
    for number, tied in enumerate(itertools.permutations(changes[1:])):
        # every order of the minute's changes, the first change above or below them
        rows = [changes[0], *tied] if number % 2 else [*tied, changes[0]]
        data = write_csv(tmp_path / f"log{number}.csv", HEADER, rows)
        plan = build_plan([data], config_from_dict(JIRA), now=NOW)
        assert plan.frame[STATUS].tolist() == expected, rows


def test_ties_the_chain_leaves_open_follow_the_rank_rule_or_the_file(tmp_path: Path) -> None:
    # two changes of one minute that do not link (the log lost the one between them)
    rows = [
        ("8", "2024-05-01 08:00", "status", "", "Open", ""),
        ("8", "2024-05-01 09:00", "status", "Waiting", "Resolved", ""),
        ("8", "2024-05-01 09:00", "status", "Pending", "In Progress", ""),
    ]
    data = write_csv(tmp_path / "log.csv", HEADER, rows)
    ranked = build_plan([data], config_from_dict(JIRA), now=NOW)
    assert ranked.frame[STATUS].tolist() == ["open", "progress", "closed"]
    by_file = config_from_dict({"input": {**JIRA["input"], "ties": "file"}})
    assert build_plan([data], by_file, now=NOW).frame[STATUS].tolist() == [
        "open",
        "closed",
        "progress",
    ]


# --- long: the rank rule against the file's order ------------------------------------------


LONG_HEADER = ["number_customergauge", "status", "happened_at", "note"]
LONG = [
    ("53499", "open", "2024-03-01 09:00", "new"),
    ("53499", "closed", "2024-03-01 10:00", "solved"),
    ("53499", "open", "2024-03-01 10:00", "re-opened"),
    ("53500", "open", "2024-03-01 10:00", ""),  # alone at its time: nothing to say
]


def test_a_long_file_reordered_by_the_rank_rule_is_warned_naming_both_orders(
    tmp_path: Path,
) -> None:
    data = write_csv(tmp_path / "history.csv", LONG_HEADER, LONG)
    plan = build_plan([data], config_from_dict({}), now=NOW)
    assert timeline(plan)[:3] == [
        ("open", "2024-03-01 09:00", "new"),
        ("open", "2024-03-01 10:00", "re-opened"),
        ("closed", "2024-03-01 10:00", "solved"),
    ]
    warned = [p for p in plan.problems if p.code == "tie-reordered"]
    assert sorted(p.row for p in warned) == [3, 4]  # both rows moved
    assert {(p.severity, p.field) for p in warned} == {(Severity.WARNING, "happened_at")}
    assert {p.message for p in warned} == {
        "case 53499 has several actions at 2024-03-01 10:00:00 (UTC): sent open (row 4) → "
        "closed (row 3) by the tie rule (open < progress < closed), where the file has "
        "closed (row 3) → open (row 4); set input.ties: file to keep the file's order"
    }
    assert plan.summary()["warnings"]["tie-reordered"] == 2


def test_ties_file_keeps_the_files_order_and_says_nothing(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "history.csv", LONG_HEADER, LONG)
    plan = build_plan([data], config_from_dict({"input": {"ties": "file"}}), now=NOW)
    assert timeline(plan)[:3] == [
        ("open", "2024-03-01 09:00", "new"),
        ("closed", "2024-03-01 10:00", "solved"),
        ("open", "2024-03-01 10:00", "re-opened"),
    ]
    assert "tie-reordered" not in {p.code for p in plan.problems}
    assert plan.cases.set_index("number_customergauge").loc["53499", "final_status"] == "open"


def test_a_long_file_already_in_rank_order_says_nothing(tmp_path: Path) -> None:
    rows = [LONG[0], LONG[2], LONG[1]]
    data = write_csv(tmp_path / "history.csv", LONG_HEADER, rows)
    plan = build_plan([data], config_from_dict({}), now=NOW)
    assert "tie-reordered" not in {p.code for p in plan.problems}


def test_ties_across_two_files_name_the_files(tmp_path: Path) -> None:
    first = write_csv(tmp_path / "a.csv", LONG_HEADER, [LONG[0], LONG[1]])
    second = write_csv(tmp_path / "b.csv", LONG_HEADER, [LONG[2]])
    plan = build_plan([first, second], config_from_dict({}), now=NOW)
    warned = {p.message for p in plan.problems if p.code == "tie-reordered"}
    assert len(warned) == 1
    assert f"sent open ({second} row 2) → closed ({first} row 3)" in warned.pop()
    assert plan.frame[ROW].tolist() == [2, 2, 3]
    assert set(plan.frame[CASE]) == {"53499"}
