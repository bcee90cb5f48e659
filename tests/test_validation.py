"""Each validation rule: its stable code, its message, and what it does to the row."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from backfill.config import config_from_dict
from backfill.errors import ConfigError, InputError
from backfill.model import CASE, ERROR, OUTCOME, RESPONSE_TS, ROW, SOURCE, WARNING
from backfill.plan.build import Plan, plan_from_table
from backfill.read.table import InputTable

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
FIELDS = ["number_customergauge", "status", "happened_at", "note", "assignee", "response_date"]


def make_table(rows: list[dict[str, Any]], source: str = "history.csv") -> InputTable:
    """An InputTable as the reader makes it: text cells, "" for empty, rows from 2."""
    frame = pd.DataFrame(
        [{name: row.get(name, "") for name in FIELDS} for row in rows], columns=FIELDS
    )
    frame[SOURCE] = source
    frame[ROW] = [row.get("row", i + 2) for i, row in enumerate(rows)]
    return InputTable(
        frame=frame,
        columns={name: name for name in FIELDS},
        original_columns=list(FIELDS),
        sources=[source],
    )


def plan_of(rows: list[dict[str, Any]], **config: Any) -> Plan:
    return plan_from_table(make_table(rows), config_from_dict(config), now=NOW)


def row(case="1", status="open", at="2023-05-01 10:00:00", **extra: Any) -> dict[str, Any]:
    return {
        "number_customergauge": case,
        "status": status,
        "happened_at": at,
        "response_date": "2023-04-01 09:00:00",
        **extra,
    }


def codes(plan: Plan, severity: str = "error") -> list[str]:
    return [p.code for p in plan.problems if p.severity == severity]


def the(plan: Plan, row_number: int) -> pd.Series:
    return plan.frame[plan.frame[ROW] == row_number].iloc[0]


@pytest.mark.parametrize(
    ("bad_row", "code", "message"),
    [
        (
            row(case=""),
            "missing-id",
            "the case id (number_customergauge) is empty; every row needs the "
            "number_customergauge of its survey response",
        ),
        (
            row(status="Parked"),
            "unknown-status",
            "unknown status 'Parked'; backfill cannot tell what it means: map it to open, "
            "progress or closed in the config (input.status_map)",
        ),
        (
            row(at="next tuesday"),
            "bad-time",
            "cannot read the time 'next tuesday' as a time since 1900; expected ISO 8601 such as "
            "2023-07-31 08:50:15, or set input.date_format",
        ),
        (
            row(at=""),
            "missing-time",
            "happened_at is empty; give the time of the action "
            "(or set validation.require_happened_at: false)",
        ),
        (
            row(at="2024-06-02 08:00:00"),
            "future-time",
            "happened_at 2024-06-02 08:00:00 (UTC) is in the future (now: 2024-06-01 12:00:00); "
            "the API accepts only past times",
        ),
        (
            row(at="2023-04-01 08:59:59"),
            "before-response",
            "happened_at 2023-04-01 08:59:59 is before the survey response date "
            "2023-04-01 09:00:00 (UTC) of case 1; the API accepts only times between the "
            "response date and now",
        ),
        (
            row(assignee="alice@"),
            "bad-assignee",
            "assignee 'alice@' is not a valid e-mail address: There must be something after "
            "the @-sign.",
        ),
    ],
)
def test_each_row_rule_has_a_code_and_a_message(
    bad_row: dict[str, Any], code: str, message: str
) -> None:
    plan = plan_of([bad_row])
    [problem] = [p for p in plan.problems if p.severity == "error"]
    assert (problem.code, problem.message, problem.row, problem.source) == (
        code,
        message,
        2,
        "history.csv",
    )
    assert plan.frame[OUTCOME].tolist() == ["invalid"]
    assert plan.frame[ERROR].iloc[0] == f"{code}: {message}"
    assert plan.summary()["by_code"] == {code: 1}


def test_problem_field_names_the_users_column() -> None:
    table = make_table([row(status="Parked")])
    table.frame = table.frame.rename(columns={"status": "Ticket state"})
    table.columns["status"] = "Ticket state"
    table.original_columns = list(table.frame.columns[:6])
    plan = plan_from_table(table, config_from_dict({}), now=NOW)
    assert [p.field for p in plan.problems] == ["Ticket state"]


def test_a_time_exactly_at_the_response_date_and_now_is_fine() -> None:
    plan = plan_of([row(at="2023-04-01 09:00:00"), row(status="closed", at="2024-06-01 12:00:00")])
    assert plan.frame[OUTCOME].tolist() == ["", ""]


def test_missing_time_is_allowed_when_not_required() -> None:
    plan = plan_of(
        [row(at=""), row(status="progress", at="2023-05-02 10:00:00")],
        validation={"require_happened_at": False},
    )
    assert plan.frame[OUTCOME].tolist() == ["", ""]
    assert codes(plan, "warning") == ["file-order"]
    assert plan.actions_by_case()[0][0].happened_at is None


@pytest.mark.parametrize("zone_time", ["2023-03-26 02:30:00", "2023-10-29 02:30:00"])
def test_dst_problems_are_errors_on_the_row(zone_time: str) -> None:
    plan = plan_of([row(at=zone_time)], input={"timezone": "Europe/Amsterdam"})
    assert codes(plan)[0] in ("nonexistent-local-time", "ambiguous-local-time")
    assert plan.frame[OUTCOME].tolist() == ["invalid"]


def test_missing_response_date_warns_once_per_case() -> None:
    rows = [
        {**row(), "response_date": ""},
        {**row(status="progress", at="2023-05-02 10:00:00"), "response_date": ""},
    ]
    plan = plan_of(rows)
    assert codes(plan, "warning") == ["missing-response-date"]
    assert plan.frame[OUTCOME].tolist() == ["", ""]
    assert plan.cases["time_to_follow_up_h"].isna().all()


def test_missing_response_date_rejects_every_row_of_the_case() -> None:
    rows = [{**row(), "response_date": ""}, {**row(case="2"), "response_date": "2023-01-01"}]
    plan = plan_of(rows, validation={"missing_response_date": "reject"})
    assert plan.frame.set_index(CASE)[OUTCOME].to_dict() == {"1": "invalid", "2": ""}
    assert "validation.missing_response_date: warn" in plan.frame[ERROR].iloc[0]


def test_conflicting_response_dates_use_the_earliest() -> None:
    rows = [
        {**row(at="2023-04-02 10:00:00"), "response_date": "2023-04-01"},
        {**row(status="progress", at="2023-05-01 10:00:00"), "response_date": "2023-04-20"},
    ]
    plan = plan_of(rows)
    assert plan.frame[OUTCOME].tolist() == ["", ""]
    assert codes(plan, "warning") == ["response-date-conflict"]
    assert plan.frame[RESPONSE_TS].nunique() == 1
    assert plan.cases["response_at"].tolist() == ["2023-04-01 00:00:00"]


def test_unreadable_response_date_is_a_warning() -> None:
    plan = plan_of([{**row(), "response_date": "soon"}])
    assert sorted(codes(plan, "warning")) == ["bad-response-date", "missing-response-date"]


def test_response_dates_from_the_api_argument() -> None:
    plan = plan_from_table(
        make_table([{**row(at="2023-04-01 10:00:00"), "response_date": ""}]),
        config_from_dict({}),
        now=NOW,
        response_dates={"1": datetime(2023, 4, 2, tzinfo=UTC)},
    )
    assert codes(plan) == ["before-response"]


def test_api_source_without_dates_skips_the_check_and_says_so() -> None:
    plan = plan_from_table(
        make_table([{**row(), "response_date": ""}]),
        config_from_dict({"responses": {"source": "api"}}),
        now=NOW,
    )
    assert plan.problems == []
    assert plan.summary()["response_dates_checked"] is False


def test_responses_file(tmp_path: Path) -> None:
    file = tmp_path / "responses.csv"
    file.write_text("number_customergauge,date_survey_response\n1,2023-05-01 12:00:00\n")
    plan = plan_of(
        [{**row(at="2023-05-01 10:00:00"), "response_date": ""}],
        responses={"file": str(file)},
    )
    assert codes(plan) == ["before-response"]


def test_responses_file_without_a_date_column_is_an_input_error(tmp_path: Path) -> None:
    file = tmp_path / "responses.csv"
    file.write_text("number_customergauge,a,b\n1,x,y\n")
    with pytest.raises(InputError, match=r"name it with responses\.date_column"):
        plan_of([row()], responses={"file": str(file)})


def test_responses_file_with_bad_dates_names_the_rows(tmp_path: Path) -> None:
    file = tmp_path / "responses.csv"
    file.write_text("number_customergauge,response_date\n1,2023-05-01\n2,someday\n")
    with pytest.raises(InputError, match=r"row 3: 'someday'"):
        plan_of([row()], responses={"file": str(file)})


def test_source_file_without_a_file_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"responses\.file is not set"):
        plan_of([row()], responses={"source": "file"})


def test_duplicates_are_dropped_or_kept() -> None:
    rows = [row(note="called"), row(note="called"), row(note="called back")]
    dropped = plan_of(rows)
    assert dropped.frame[OUTCOME].tolist() == ["", "duplicate", ""]
    assert dropped.frame[ERROR].iloc[1].startswith("duplicate: identical to row 2 of case 1")
    assert dropped.exit_status() == 0
    assert dropped.summary()["duplicate"] == 1
    kept = plan_of(rows, validation={"duplicates": "keep"})
    assert kept.frame[OUTCOME].tolist() == ["", "", ""]


def test_duplicates_share_case_and_time_and_texts() -> None:
    """Same time in another case, or another second, is no duplicate; rows without a time
    (allowed) are compared by their texts alone."""
    rows = [
        row(case="1", note="a"),
        row(case="2", note="a"),
        row(case="1", note="a"),
        row(case="1", note="a", at="2023-05-01 10:00:01"),
        row(case="3", at="", note="same"),
        row(case="3", at="", note="same"),
        row(case="3", at="", note="other"),
    ]
    plan = plan_of(rows, validation={"require_happened_at": False})
    outcome = dict(zip(plan.frame[ROW], plan.frame[OUTCOME], strict=True))
    assert outcome == {2: "", 3: "", 4: "duplicate", 5: "", 6: "", 7: "duplicate", 8: ""}


@pytest.mark.parametrize(
    ("statuses", "bad_at"),
    [
        (["open", "progress", "closed"], None),
        (["open", "open", "progress", "progress", "closed", "closed"], None),
        (["open", "progress", "closed", "open", "progress", "closed"], None),
        (["closed"], 0),
        (["open", "closed"], 1),
        (["progress"], 0),
        (["open", "progress", "open"], 2),
        (["open", "progress", "closed", "progress"], 3),
    ],
)
def test_progressive_transitions(statuses: list[str], bad_at: int | None) -> None:
    rows = [row(status=s, at=f"2023-05-0{i + 1} 10:00:00") for i, s in enumerate(statuses)]
    plan = plan_of(rows, validation={"transitions": "progressive"})
    outcomes = plan.frame[OUTCOME].tolist()
    if bad_at is None:
        assert outcomes == [""] * len(statuses)
    else:
        assert outcomes[bad_at] == "invalid"
        assert outcomes[bad_at + 1 :] == ["blocked"] * (len(statuses) - bad_at - 1)
        assert codes(plan)[0] == "transition-not-allowed"


def test_transition_message() -> None:
    plan = plan_of(
        [row(), row(status="closed", at="2023-05-02 10:00:00")],
        validation={"transitions": "progressive"},
    )
    assert plan.frame[ERROR].iloc[1] == (
        "transition-not-allowed: open → closed is not allowed with validation.transitions: "
        "progressive (none or closed → open → progress → closed; repeats allowed)"
    )


def test_progressive_with_continue_drops_offenders_one_at_a_time() -> None:
    statuses = ["open", "closed", "closed", "progress", "closed"]
    rows = [row(status=s, at=f"2023-05-0{i + 1} 10:00:00") for i, s in enumerate(statuses)]
    plan = plan_of(
        rows, validation={"transitions": "progressive"}, send={"on_case_failure": "continue"}
    )
    # the second closed is checked against the open before it, not the dropped closed
    assert plan.frame[OUTCOME].tolist() == ["", "invalid", "invalid", "", ""]


def test_require_note_on_every_status_change() -> None:
    rows = [
        row(note="first contact"),
        row(status="open", at="2023-05-02 10:00:00"),  # no change: no note needed
        row(status="progress", at="2023-05-03 10:00:00"),
    ]
    plan = plan_of(rows, validation={"require_note": True})
    assert plan.frame[OUTCOME].tolist() == ["", "", "invalid"]
    assert plan.frame[ERROR].iloc[2] == (
        "note-required: the status changes to progress without a note; "
        "validation.require_note: true needs one"
    )


def test_require_note_includes_the_first_action() -> None:
    plan = plan_of([row()], validation={"require_note": True})
    assert codes(plan) == ["note-required"]


def test_several_problems_on_one_row_are_all_listed() -> None:
    plan = plan_of([row(status="Parked", assignee="nobody")])
    assert plan.frame[ERROR].iloc[0].count(" | ") == 1
    assert plan.summary()["by_code"] == {"bad-assignee": 1, "unknown-status": 1}
    assert plan.summary()["invalid"] == 1


def test_warnings_do_not_fail_the_plan() -> None:
    plan = plan_of([row(status="closed")])
    assert codes(plan, "warning") == ["no-follow-up-time", "no-close-time"]
    assert plan.frame[WARNING].iloc[0].startswith("no-follow-up-time: case 1 ends in progress")
    assert plan.exit_status() == 0


@pytest.mark.parametrize(
    ("case", "refused"),
    [
        ("70000052", False),
        ("0042", False),
        ("1" * 20, False),
        ("1" * 21, True),
        ("ABC-12", True),
        ("12 34", True),
        ("x" * 10_000, True),
    ],
)
def test_ids_that_cannot_be_customergauge_numbers_are_refused(case: str, refused: bool) -> None:
    # a 10,000-character id passed validate and failed at the server (422): a whole number
    # of 1-20 digits is what number_customergauge is
    plan = plan_of([row(case=case)])
    bad = [p for p in plan.problems if p.code == "bad-id"]
    assert bool(bad) == refused
    assert plan.summary()["invalid"] == int(refused)
    if refused:
        assert bad[0].severity == "error"
        assert (
            "cannot be a CustomerGauge number (a whole number of 1 to 20 digits" in bad[0].message
        )
        assert len(bad[0].message) < 300  # a 10,000-character id is not repeated whole


@pytest.mark.parametrize(("length", "warned"), [(10_000, False), (10_001, True)])
def test_notes_above_max_note_chars_are_warned_about(length: int, warned: bool) -> None:
    plan = plan_of([row(note="n" * length)])
    warnings = [p for p in plan.problems if p.code == "note-too-long"]
    assert bool(warnings) == warned
    assert the(plan, 2)[OUTCOME] == ""  # sent anyway
    if warned:
        assert warnings[0].message.startswith(
            "the note has 10,001 characters, more than validation.max_note_chars (10,000)"
        )
    lower = plan_of([row(note="n" * 200)], validation={"max_note_chars": 100})
    assert [p.code for p in lower.problems if p.code == "note-too-long"] == ["note-too-long"]
