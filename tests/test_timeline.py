"""Ordering, blocking, assignee policy and the prediction of follow-up and close times."""

from __future__ import annotations

from typing import Any

import pytest

from backfill.model import CASE, CASE_SEQ, OUTCOME, ROW, SEND_ASSIGNEE, STATUS
from tests.test_validation import plan_of, row


def _case(statuses_and_times: list[tuple[str, str]], case: str = "1", **extra: Any) -> list:
    return [row(case=case, status=s, at=t, **extra) for s, t in statuses_and_times]


def test_equal_times_order_open_progress_closed_then_file_order() -> None:
    rows = [
        row(status="closed", at="2023-05-01 10:00:00", row=2),
        row(status="progress", at="2023-05-01 10:00:00", row=3),
        row(status="open", at="2023-05-01 10:00:00", row=4, note="b"),
        row(status="open", at="2023-05-01 10:00:00", row=5, note="a"),
        row(status="open", at="2023-05-01 09:59:59", row=6, note="first"),
    ]
    plan = plan_of(rows)
    assert plan.frame[ROW].tolist() == [6, 4, 5, 3, 2]
    assert plan.frame[CASE_SEQ].tolist() == [1, 2, 3, 4, 5]


def test_times_in_other_offsets_order_by_instant() -> None:
    rows = [
        row(status="progress", at="2023-05-01T10:00:00+00:00", row=2),
        row(status="open", at="2023-05-01T11:00:00+02:00", row=3),  # 09:00 UTC
    ]
    assert plan_of(rows).frame[ROW].tolist() == [3, 2]


def test_extended_statuses_order_after_closed_by_number() -> None:
    rows = [
        row(status="12", at="2023-05-01 10:00:00", row=2),
        row(status="3", at="2023-05-01 10:00:00", row=3),
        row(status="closed", at="2023-05-01 10:00:00", row=4),
    ]
    plan = plan_of(rows, api={"extended_statuses": True})
    assert plan.frame[STATUS].tolist() == ["closed", "3", "12"]


def test_cases_ordered_by_first_time_then_id_and_rows_without_id_last() -> None:
    rows = [
        row(case="", at="2023-01-01 00:00:00", row=2),
        row(case="b", at="2023-05-02 10:00:00", row=3),
        row(case="a", at="2023-05-02 10:00:00", row=4),
        row(case="c", at="2023-05-01 10:00:00", row=5),
        row(case="c", status="progress", at="2023-06-01 10:00:00", row=6),
    ]
    plan = plan_of(rows)
    assert plan.frame[CASE].tolist() == ["c", "c", "a", "b", ""]
    assert plan.cases["number_customergauge"].tolist() == ["c", "a", "b"]
    assert list(plan.frame.index) == [0, 1, 2, 3, 4]


def test_an_invalid_action_blocks_the_rest_of_its_case_only() -> None:
    rows = [
        *_case(
            [
                ("open", "2023-05-01 10:00:00"),
                ("Parked", "2023-05-02 10:00:00"),
                ("progress", "2023-05-03 10:00:00"),
                ("closed", "2023-05-04 10:00:00"),
            ]
        ),
        row(case="2", at="2023-05-05 10:00:00"),
    ]
    plan = plan_of(rows)
    assert plan.frame[OUTCOME].tolist() == ["", "invalid", "blocked", "blocked", ""]
    assert plan.frame["_error"].iloc[2] == "blocked: earlier action (row 3) is invalid"
    assert plan.summary()["blocked"] == 2
    assert plan.exit_status() == 1
    assert [len(actions) for actions in plan.actions_by_case()] == [1, 1]


def test_an_action_without_a_usable_time_blocks_its_whole_case() -> None:
    rows = _case(
        [
            ("open", "2023-05-01 10:00:00"),
            ("progress", "yesterday"),
            ("closed", "2023-05-04 10:00:00"),
        ]
    )
    plan = plan_of(rows)
    assert plan.frame.set_index(ROW)[OUTCOME].to_dict() == {
        2: "blocked",
        3: "invalid",
        4: "blocked",
    }
    assert plan.frame.set_index(ROW)[CASE_SEQ].to_dict() == {2: 1, 4: 2, 3: 0}
    assert plan.frame["_error"].iloc[0] == (
        "blocked: the case cannot be ordered: action (row 3) has no usable time"
    )


def test_continue_drops_only_the_invalid_row() -> None:
    rows = _case(
        [
            ("open", "2023-05-01 10:00:00"),
            ("Parked", "2023-05-02 10:00:00"),
            ("progress", "2023-05-03 10:00:00"),
        ]
    )
    plan = plan_of(rows, send={"on_case_failure": "continue"})
    assert plan.frame[OUTCOME].tolist() == ["", "invalid", ""]


def test_blocked_message_names_the_file_when_several_are_planned() -> None:
    from backfill.config import config_from_dict
    from backfill.plan.build import plan_from_table
    from tests.test_validation import NOW, make_table

    table = make_table(
        _case([("open", "2023-05-01 10:00:00"), ("Parked", "2023-05-02 10:00:00")])
        + _case([("progress", "2023-05-03 10:00:00")])
    )
    table.frame.loc[2, "_source"] = "more.csv"
    table.sources = ["history.csv", "more.csv"]
    plan = plan_from_table(table, config_from_dict({}), now=NOW)
    assert plan.frame["_error"].iloc[2] == "blocked: earlier action (history.csv row 3) is invalid"


@pytest.mark.parametrize(
    ("steps", "follow_up", "closed", "reopens", "warnings"),
    [
        (
            [("open", "05-01 10:00"), ("progress", "05-01 12:30"), ("closed", "05-02 09:00")],
            "2023-05-01 12:30:00",
            "2023-05-02 09:00:00",
            0,
            "",
        ),
        (  # open -> closed stamps nothing
            [("open", "05-01 10:00"), ("closed", "05-02 09:00")],
            "",
            "",
            0,
            "no-follow-up-time 1, no-close-time 1",
        ),
        (  # none -> progress stamps nothing; progress -> closed stamps the close time
            [("progress", "05-01 10:00"), ("closed", "05-02 09:00")],
            "",
            "2023-05-02 09:00:00",
            0,
            "no-follow-up-time 1",
        ),
        (  # a re-open clears both; the second round stamps again
            [
                ("open", "05-01 10:00"),
                ("progress", "05-01 11:00"),
                ("closed", "05-01 12:00"),
                ("open", "05-03 10:00"),
                ("progress", "05-03 11:00"),
            ],
            "2023-05-03 11:00:00",
            "",
            1,
            "reopen 1",
        ),
        (  # closed -> progress re-opens too, and does not stamp a follow-up
            [
                ("open", "05-01 10:00"),
                ("progress", "05-01 11:00"),
                ("closed", "05-01 12:00"),
                ("progress", "05-02 10:00"),
            ],
            "",
            "",
            1,
            "reopen 1, no-follow-up-time 1",
        ),
        (  # open -> progress again later moves the follow-up time
            [
                ("open", "05-01 10:00"),
                ("progress", "05-01 11:00"),
                ("open", "05-02 10:00"),
                ("progress", "05-02 11:00"),
            ],
            "2023-05-02 11:00:00",
            "",
            0,
            "",
        ),
    ],
)
def test_prediction(
    steps: list[tuple[str, str]], follow_up: str, closed: str, reopens: int, warnings: str
) -> None:
    plan = plan_of(_case([(s, f"2023-{t}:00") for s, t in steps]))
    [case] = plan.cases.to_dict("records")
    assert (case["follow_up_at"], case["closed_at"]) == (follow_up, closed)
    assert case["reopens"] == reopens
    assert case["warnings"] == warnings
    assert case["final_status"] == steps[-1][0]


def test_prediction_hours_are_whole_hours_since_the_response_date_truncated() -> None:
    rows = [
        {**r, "response_date": "2023-05-01 08:00:00"}
        for r in _case(
            [
                ("open", "2023-05-01 09:00:00"),
                ("progress", "2023-05-01 10:59:59"),  # 2 h 59 min 59 s -> 2
                ("closed", "2023-05-03 08:00:00"),  # exactly 48 h
            ]
        )
    ]
    [case] = plan_of(rows).cases.to_dict("records")
    assert (case["time_to_follow_up_h"], case["time_to_close_h"]) == (2, 48)
    assert case["response_at"] == "2023-05-01 08:00:00"


def test_prediction_ignores_actions_that_are_not_sent() -> None:
    rows = _case(
        [
            ("open", "2023-05-01 10:00:00"),
            ("progress", "2023-05-01 11:00:00"),
            ("Parked", "2023-05-01 12:00:00"),
            ("closed", "2023-05-01 13:00:00"),
        ]
    )
    [case] = plan_of(rows).cases.to_dict("records")
    assert (case["actions"], case["to_send"], case["final_status"]) == (4, 2, "progress")
    assert (case["follow_up_at"], case["closed_at"]) == ("2023-05-01 11:00:00", "")


def test_case_times_are_shown_in_the_api_zone() -> None:
    rows = _case([("open", "2023-05-01 10:00:00"), ("progress", "2023-05-01 11:00:00")])
    [case] = plan_of(rows, api={"timezone": "Europe/Amsterdam"}).cases.to_dict("records")
    assert (case["first_at"], case["follow_up_at"]) == (
        "2023-05-01 12:00:00",
        "2023-05-01 13:00:00",
    )


@pytest.mark.parametrize(
    ("input_zone", "api_zone"),
    [
        ("UTC", "UTC"),
        ("Europe/Amsterdam", "Europe/Amsterdam"),
        ("Europe/Amsterdam", "Asia/Kolkata"),
    ],
)
def test_case_time_texts_are_the_predicted_instants_formatted(
    input_zone: str, api_zone: str
) -> None:
    """cases.csv's times are exactly the predicted instants formatted in api.timezone,
    whichever zone the input was written in."""
    from pathlib import Path

    from backfill.config import config_from_dict
    from backfill.model import HAPPENED_TS
    from backfill.plan.build import build_plan
    from backfill.plan.times import format_times
    from tests.test_validation import NOW

    sample = Path(__file__).resolve().parent.parent / "sample_data" / "history.csv"
    config = config_from_dict({"input": {"timezone": input_zone}, "api": {"timezone": api_zone}})
    plan = build_plan([sample], config, now=NOW)
    frame = plan.frame[plan.frame[CASE].ne("")]
    stamps = frame[HAPPENED_TS]
    first = format_times(stamps.groupby(frame[CASE]).min(), api_zone)
    last = format_times(stamps.groupby(frame[CASE]).max(), api_zone)
    cases = plan.cases.set_index("number_customergauge")
    assert cases["first_at"].to_dict() == first.to_dict()
    assert cases["last_at"].to_dict() == last.to_dict()
    sent = frame[frame[OUTCOME].eq("")]
    texts = set(format_times(sent[HAPPENED_TS], api_zone))
    for column in ("follow_up_at", "closed_at"):
        shown = set(cases[column]) - {""}
        assert shown and shown <= texts


ASSIGNED = [
    ("open", "2023-05-01 10:00:00", "alice@example.com"),
    ("progress", "2023-05-02 10:00:00", "bram@example.com"),
    ("progress", "2023-05-03 10:00:00", ""),
    ("closed", "2023-05-04 10:00:00", ""),
]


@pytest.mark.parametrize(
    ("policy", "sent", "chosen"),
    [
        ("every", ["alice@example.com", "bram@example.com", "", "", "carla@example.com"], 3),
        ("last", ["", "", "", "bram@example.com", "carla@example.com"], 2),
        ("never", ["", "", "", "", ""], 0),
    ],
)
def test_assignee_policy(policy: str, sent: list[str], chosen: int) -> None:
    rows = [row(status=s, at=t, assignee=a) for s, t, a in ASSIGNED]
    rows.append(row(case="2", at="2023-06-01 10:00:00", assignee="carla@example.com"))
    plan = plan_of(rows, send={"assignee": policy})
    assert plan.frame[SEND_ASSIGNEE].tolist() == sent
    assert plan.summary()["assignment_emails"] == {
        "every": 3,
        "last": 2,
        "never": 0,
        "chosen": chosen,
    }
    expected_final = "" if policy == "never" else "bram@example.com"
    assert plan.cases["final_assignee"].iloc[0] == expected_final
    assert [a.assignee for actions in plan.actions_by_case() for a in actions] == [
        s or None for s in sent
    ]


def test_last_policy_skips_actions_that_are_not_sent() -> None:
    rows = [row(status=s, at=t, assignee=a) for s, t, a in ASSIGNED]
    rows[3]["status"] = "Parked"  # the last action is invalid: the one before carries it
    plan = plan_of(rows, send={"assignee": "last"})
    assert plan.frame[SEND_ASSIGNEE].tolist() == ["", "", "bram@example.com", ""]
