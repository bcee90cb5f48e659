"""Input layouts: wide ticket exports and audit logs plan as their long equivalents."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from backfill.config import config_from_dict
from backfill.errors import ConfigError, InputError
from backfill.model import CASE, HAPPENED_AT, NOTE, ROW, SEND_ASSIGNEE, STATUS
from backfill.plan.build import Plan, build_plan, plan_from_table
from backfill.read.failures import read_failures

NOW = datetime(2026, 1, 1, tzinfo=UTC)

Timeline = list[tuple[str, str, str, str]]


def timelines(plan: Plan) -> dict[str, Timeline]:
    """Per case, its actions in send order: (status, happened_at, note, assignee)."""
    out: dict[str, Timeline] = {}
    for case, status, at, note, assignee in zip(
        plan.frame[CASE],
        plan.frame[STATUS],
        plan.frame[HAPPENED_AT],
        plan.frame[NOTE],
        plan.frame[SEND_ASSIGNEE],
        strict=True,
    ):
        out.setdefault(str(case), []).append((status, at, note, assignee))
    return out


def warning_codes(plan: Plan) -> list[tuple[str, str]]:
    return sorted((p.code, p.severity) for p in plan.problems)


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


WIDE_CONFIG: dict[str, Any] = {
    "input": {
        "layout": "wide",
        "columns": {
            "number_customergauge": "CG ID",
            "note": "Resolution",
            "assignee": "Agent",
            "response_date": "Survey date",
        },
        "steps": {"open": "Created", "progress": "First reply", "closed": "Solved"},
    }
}

TICKETS = [
    # a full ticket, one without its middle step, one not yet solved, one without steps
    {
        "Ticket": "T-1",
        "CG ID": "101",
        "Created": "2024-03-01 09:00:00",
        "First reply": "2024-03-01 10:30:00",
        "Solved": "2024-03-02 16:00:00",
        "Resolution": "Refund issued",
        "Agent": "ann@example.com",
        "Survey date": "2024-02-28 12:00:00",
    },
    {
        "Ticket": "T-2",
        "CG ID": "102",
        "Created": "2024-03-03 08:00:00",
        "First reply": "",
        "Solved": "2024-03-04 08:00:00",
        "Resolution": "Duplicate",
        "Agent": "bob@example.com",
        "Survey date": "2024-03-01 12:00:00",
    },
    {
        "Ticket": "T-3",
        "CG ID": "103",
        "Created": "2024-03-05 08:00:00",
        "First reply": "2024-03-05 09:00:00",
        "Solved": "",
        "Resolution": "Waiting for parts",
        "Agent": "",
        "Survey date": "2024-03-01 12:00:00",
    },
]

LONG = [
    ("101", "open", "2024-03-01 09:00:00", "", "ann@example.com"),
    ("101", "progress", "2024-03-01 10:30:00", "", "ann@example.com"),
    ("101", "closed", "2024-03-02 16:00:00", "Refund issued", "ann@example.com"),
    ("102", "open", "2024-03-03 08:00:00", "", "bob@example.com"),
    ("102", "closed", "2024-03-04 08:00:00", "Duplicate", "bob@example.com"),
    ("103", "open", "2024-03-05 08:00:00", "", ""),
    ("103", "progress", "2024-03-05 09:00:00", "Waiting for parts", ""),
]


def long_plan(tmp_path: Path) -> Plan:
    dates = {
        "101": "2024-02-28 12:00:00",
        "102": "2024-03-01 12:00:00",
        "103": "2024-03-01 12:00:00",
    }
    rows = [
        {
            "number_customergauge": case,
            "status": status,
            "happened_at": at,
            "note": note,
            "assignee": who,
            "response_date": dates[case],
        }
        for case, status, at, note, who in LONG
    ]
    return build_plan([write_csv(tmp_path / "long.csv", rows)], config_from_dict({}), now=NOW)


def test_wide_rows_plan_as_their_long_equivalent(tmp_path: Path) -> None:
    wide = build_plan(
        [write_csv(tmp_path / "tickets.csv", TICKETS)], config_from_dict(WIDE_CONFIG), now=NOW
    )
    expected = long_plan(tmp_path)
    assert timelines(wide) == timelines(expected)
    # the missing middle step of T-2 warns exactly as the long layout does
    assert warning_codes(wide) == warning_codes(expected)
    assert wide.cases.drop(columns="warnings").equals(expected.cases.drop(columns="warnings"))
    # one line per action, each with its ticket's row
    assert sorted(wide.frame[ROW]) == [2, 2, 2, 3, 3, 4, 4]
    assert set(wide.original_columns) >= {"Ticket", "action_status", "action_at", "action_note"}
    assert "Created" not in wide.original_columns


def test_wide_steps_out_of_order_and_step_notes(tmp_path: Path) -> None:
    rows = [
        {
            "CG ID": "7",
            "Created": "2024-03-05 08:00:00",
            "Escalated": "2024-03-05 07:00:00",  # before "Created": time order, as asked
            "Why": "escalated by phone",
            "Agent": "",
        }
    ]
    config = config_from_dict(
        {
            "input": {
                "layout": "wide",
                "columns": {"number_customergauge": "CG ID", "assignee": "Agent"},
                "steps": {"open": "Created", "progress": "Escalated"},
                "step_notes": {"progress": "Why"},
                "step_order": "time",
            }
        }
    )
    plan = build_plan([write_csv(tmp_path / "t.csv", rows)], config, now=NOW)
    assert timelines(plan) == {
        "7": [
            ("progress", "2024-03-05 07:00:00", "escalated by phone", ""),
            ("open", "2024-03-05 08:00:00", "", ""),
        ]
    }


def test_wide_without_steps_or_with_a_wrong_step_column_exits_2(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "tickets.csv", TICKETS)
    no_steps = config_from_dict(
        {"input": {"layout": "wide", "columns": WIDE_CONFIG["input"]["columns"]}}
    )
    with pytest.raises(ConfigError, match=r"input\.steps is empty"):
        build_plan([path], no_steps, now=NOW)
    wrong = config_from_dict({"input": {**WIDE_CONFIG["input"], "steps": {"open": "Opened at"}}})
    with pytest.raises(InputError, match=r"input\.steps\.open is 'Opened at' but there is no such"):
        build_plan([path], wrong, now=NOW)


AUDIT_ROWS = [
    # a Zendesk-like event log, newest first, with other fields and comments mixed in
    ("55", "2024-04-02 10:00:00", "status", "solved", "", "new"),
    ("55", "2024-04-01 12:00:00", "", "", "Called the customer back", ""),
    ("55", "2024-04-01 11:00:00", "priority", "high", "", "normal"),
    ("55", "2024-04-01 10:00:00", "status", "open", "", "new"),
    ("55", "2024-04-01 09:30:00", "", "", "First look", ""),
    ("56", "2024-04-03 10:00:00", "status", "pending", "", "open"),
]


def audit_file(tmp_path: Path) -> Path:
    rows = [
        {
            "ticket_id": case,
            "created_at": at,
            "field_name": field,
            "value": value,
            "body": body,
            "previous_value": old,
            "survey": "2024-03-01 00:00:00",
        }
        for case, at, field, value, body, old in AUDIT_ROWS
    ]
    return write_csv(tmp_path / "audits.csv", rows)


AUDIT_CONFIG: dict[str, Any] = {
    "input": {
        "layout": "audit",
        "columns": {
            "number_customergauge": "ticket_id",
            "status": "value",
            "happened_at": "created_at",
            "note": "body",
            "response_date": "survey",
        },
        "audit": {"field_column": "field_name", "old_status": "previous_value"},
        "status_map": {"new": "open", "solved": "closed", "pending": "progress"},
    }
}


def test_audit_log_changes_and_comments_become_actions(tmp_path: Path) -> None:
    plan = build_plan([audit_file(tmp_path)], config_from_dict(AUDIT_CONFIG), now=NOW)
    assert timelines(plan) == {
        "55": [
            ("open", "2024-04-01 09:30:00", "First look", ""),  # status before the first change
            ("open", "2024-04-01 10:00:00", "", ""),
            ("open", "2024-04-01 12:00:00", "Called the customer back", ""),
            ("closed", "2024-04-02 10:00:00", "", ""),
        ],
        "56": [("progress", "2024-04-03 10:00:00", "", "")],
    }
    assert sorted(plan.frame[ROW]) == [2, 3, 5, 6, 7]  # the priority change is no action


def test_audit_without_a_field_column_takes_rows_with_a_status(tmp_path: Path) -> None:
    rows = [
        {"Case": "9", "Date": "2024-04-01 10:00:00", "To": "Open", "Comment": ""},
        {"Case": "9", "Date": "2024-04-01 11:00:00", "To": "", "Comment": "Asked for a photo"},
        {"Case": "9", "Date": "2024-04-01 12:00:00", "To": "", "Comment": ""},
        {"Case": "9", "Date": "2024-04-01 13:00:00", "To": "Closed", "Comment": "Done"},
    ]
    config = config_from_dict(
        {
            "input": {
                "layout": "audit",
                "columns": {
                    "number_customergauge": "Case",
                    "status": "To",
                    "happened_at": "Date",
                    "note": "Comment",
                },
            }
        }
    )
    plan = build_plan([write_csv(tmp_path / "log.csv", rows)], config, now=NOW)
    assert timelines(plan)["9"] == [
        ("open", "2024-04-01 10:00:00", "", ""),
        ("open", "2024-04-01 11:00:00", "Asked for a photo", ""),
        ("closed", "2024-04-01 13:00:00", "Done", ""),
    ]


def test_failures_of_a_wide_input_are_read_back_as_actions(tmp_path: Path) -> None:
    tickets = [dict(t) for t in TICKETS]
    tickets[0]["First reply"] = "not a time"
    config = config_from_dict(WIDE_CONFIG)
    plan = build_plan([write_csv(tmp_path / "tickets.csv", tickets)], config, now=NOW)
    failed = plan.frame[plan.frame["_outcome"].isin(["invalid", "blocked"])]
    assert len(failed) == 3  # a step without a readable time blocks its whole case
    # what report/files.py writes: the action rows' own columns, outcome and error
    out = failed[plan.original_columns].copy()
    out.loc[out["action_at"].eq("not a time"), "action_at"] = "2024-03-01 10:30:00"
    out["outcome"] = failed["_outcome"]
    out["error"] = failed["_error"]
    path = tmp_path / "failures.csv"
    out.to_csv(path, index=False)
    table = read_failures(path, config)
    retried = plan_from_table(table, config, now=NOW)
    assert timelines(retried) == {"101": timelines(long_plan(tmp_path))["101"]}


def test_wide_steps_needing_two_readings_are_refused_naming_the_file(tmp_path: Path) -> None:
    rows = [
        {"CG ID": "1", "Created": "13/03/2024 09:00", "Solved": "03/14/2024 10:00"},
    ]
    path = write_csv(tmp_path / "tickets.csv", rows)
    config = config_from_dict(
        {
            "input": {
                "layout": "wide",
                "columns": {"number_customergauge": "CG ID"},
                "steps": {"open": "Created", "closed": "Solved"},
            }
        }
    )
    with pytest.raises(InputError) as caught:
        build_plan([path], config, now=NOW)
    assert str(caught.value).startswith(
        f"{path}: column 'Created', 'Solved' holds dates that need two readings: "
        "'13/03/2024 09:00' can only be day first, '03/14/2024 10:00' only month first"
    )
