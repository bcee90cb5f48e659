"""The hour api.timezone repeats in autumn (issue 28): each ambiguous sent time named on its
row, no case whose sent times run backwards as the tenant reads them (reject or shift), and
the KPI preview reading the sent text as the tenant does.

The rule tested (backfill/plan/api_zone_order.py): a case's sent texts, compared as
wall-clock times, keep the plan's order, equal only where the plan has one instant; the
earliest reading of a text is not before the case's survey response date.
"""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backfill.model import (
    CASE,
    HAPPENED_AT,
    HAPPENED_TS,
    OUTCOME,
    RESPONSE_TS,
    ROW,
    SEND_ASSIGNEE,
    SOURCE,
    STATUS,
)
from backfill.plan.api_zone import fold_rows, reads_no_later, tenant_times
from backfill.plan.build import Plan
from backfill.plan.identity import plan_identities
from backfill.runner.requests_file import write_requests
from backfill.verify.provenance import with_retried
from tests.test_validation import codes, plan_of, row

BERLIN = "Europe/Berlin"


def at(text: str, **extra: Any) -> dict[str, Any]:
    """A row at a UTC instant, long after its response date."""
    return row(at=text, response_date=extra.pop("response_date", "2023-01-01 00:00:00"), **extra)


def issue_rows() -> list[dict[str, Any]]:
    """The issue's case: open, progress, closed at 00:15Z, 00:45Z, 01:15Z on 2023-10-29, then
    re-opened after the hour."""
    return [
        at("2023-10-29T00:15:00Z", status="open", row=2),
        at("2023-10-29T00:45:00Z", status="progress", row=3),
        at("2023-10-29T01:15:00Z", status="closed", row=4),
        at("2023-10-29T02:30:00Z", status="open", row=5),
    ]


def sent(plan: Plan) -> list[str]:
    return plan.frame[HAPPENED_AT].astype(str).tolist()


def messages(plan: Plan, code: str) -> dict[int, str]:
    return {p.row or 0: p.message for p in plan.problems if p.code == code}


def test_the_issue_case_is_refused_where_its_order_is_lost_and_the_rest_held_back() -> None:
    plan = plan_of(issue_rows(), api={"timezone": BERLIN})
    assert sent(plan) == [
        "2023-10-29 02:15:00",
        "2023-10-29 02:45:00",
        "2023-10-29 02:15:00",
        "2023-10-29 03:30:00",
    ]
    assert plan.frame[OUTCOME].tolist() == ["", "", "invalid", "blocked"]
    assert codes(plan) == ["order-lost-in-api-zone", "blocked"]
    assert messages(plan, "order-lost-in-api-zone")[4] == (
        "sent as 2023-10-29 02:15:00 (Europe/Berlin), this action (2023-10-29 01:15:00 UTC) "
        "reads no later than row 3's 2023-10-29 02:45:00 (2023-10-29 00:45:00 UTC): the "
        "clocks show that hour twice, so CustomerGauge would put case 1's times out of order; "
        "set api.timezone: UTC if your tenant allows it, or validation.ambiguous_api_times: "
        "shift to send it at 2023-10-29 03:00:00, the first time after the repeated hour"
    )
    assert plan.frame["_error"].iloc[3] == "blocked: earlier action (row 4) is invalid"
    assert plan.summary()["by_code"] == {"order-lost-in-api-zone": 1}
    assert plan.exit_status() == 1


def test_each_time_in_the_repeated_hour_names_both_instants_on_its_row() -> None:
    plan = plan_of(issue_rows(), api={"timezone": BERLIN})
    named = messages(plan, "ambiguous-api-time")
    assert sorted(named) == [2, 3, 4]  # 03:30 is no repeated time
    assert named[2] == (
        "sent as 2023-10-29 02:15:00 (Europe/Berlin), a time the clocks show twice: it names "
        "2023-10-29 00:15:00 UTC (+02:00) and 2023-10-29 01:15:00 UTC (+01:00), the first "
        "being this action's time"
    )
    assert named[4] == (
        "sent as 2023-10-29 02:15:00 (Europe/Berlin), a time the clocks show twice: it names "
        "2023-10-29 00:15:00 UTC (+02:00) and 2023-10-29 01:15:00 UTC (+01:00), this "
        "action's time; the KPI preview counts with the first, as PHP reads such a time"
    )
    assert plan.summary()["warnings"] == {"ambiguous-api-time": 3}


# the autumn change of each zone: the UTC instant the clocks go back, and the wall-clock
# time of the first moment after the repeated stretch
FOLDS = {
    "Europe/Berlin": ("2023-10-29 01:00:00", "2023-10-29 03:00:00"),
    "America/New_York": ("2023-11-05 06:00:00", "2023-11-05 02:00:00"),  # 02:00 EDT -> 01:00
    "Australia/Sydney": ("2023-04-01 16:00:00", "2023-04-02 03:00:00"),  # April: 03:00 -> 02:00
    "Australia/Lord_Howe": ("2023-04-01 15:00:00", "2023-04-02 02:00:00"),  # half an hour
}


def around(zone: str, minutes: float) -> str:
    """An ISO instant `minutes` after `zone`'s clocks went back."""
    fold = datetime.fromisoformat(FOLDS[zone][0]).replace(tzinfo=UTC)
    return (fold + timedelta(minutes=minutes)).isoformat()


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York", "Australia/Sydney"])
def test_shift_sends_the_later_instants_after_the_repeated_hour_one_second_apart(
    zone: str,
) -> None:
    rows = [
        at(around(zone, -45), status="open", row=2),  # first pass, :15
        at(around(zone, -15), status="progress", row=3),  # first pass, :45
        at(around(zone, 15), status="closed", row=4),  # second pass, :15: reads before :45
        at(around(zone, 50), status="open", row=5),  # second pass, :50: after :45, but moved
        at(around(zone, 60), status="closed", row=6),  # the first time after the hour
        at(around(zone, 120), status="open", row=7),
    ]
    reject = plan_of(rows, api={"timezone": zone})
    assert reject.frame[OUTCOME].tolist() == ["", "", "invalid", "blocked", "blocked", "blocked"]

    plan = plan_of(rows, api={"timezone": zone}, validation={"ambiguous_api_times": "shift"})
    after = datetime.fromisoformat(FOLDS[zone][1])
    texts = sent(plan)
    assert texts[2:5] == [f"{after + timedelta(seconds=s):%Y-%m-%d %H:%M:%S}" for s in (0, 1, 2)]
    assert texts[5] == f"{after + timedelta(hours=1):%Y-%m-%d %H:%M:%S}"
    assert texts[:2] == reject.frame[HAPPENED_AT].astype(str).tolist()[:2]
    assert codes(plan) == []
    shifted = messages(plan, "api-time-shifted")
    assert sorted(shifted) == [4, 5, 6]
    assert shifted[4].endswith(
        f"a time the clocks show twice: sent as {texts[2]}, after the repeated hour, so "
        "that CustomerGauge keeps case 1's order (validation.ambiguous_api_times: shift)"
    )
    assert shifted[6].endswith(
        f": sent as {texts[4]}, 2 s later, to stay after case 1's actions moved out of the "
        "repeated hour (validation.ambiguous_api_times: shift)"
    )
    # the sent texts now name one instant each: only the first pass keeps its warning
    assert sorted(messages(plan, "ambiguous-api-time")) == [2, 3]
    # what the journal and the identities keep is the input's instant, never the shift
    assert plan.frame[HAPPENED_TS].tolist() == reject.frame[HAPPENED_TS].tolist()
    assert plan_identities(plan).tolist()[:2] == plan_identities(reject).tolist()[:2]


def test_a_half_hour_change_ends_its_repeated_stretch_after_half_an_hour() -> None:
    zone = "Australia/Lord_Howe"  # 02:00 (+11:00) -> 01:30 (+10:30)
    rows = [
        at(around(zone, -20), status="open", row=2),  # 01:40 first pass
        at(around(zone, 5), status="closed", row=3),  # 01:35 second pass
    ]
    plan = plan_of(rows, api={"timezone": zone}, validation={"ambiguous_api_times": "shift"})
    assert sent(plan) == ["2023-04-02 01:40:00", "2023-04-02 02:00:00"]
    folds = fold_rows(plan.frame[HAPPENED_TS], zone)
    assert set(folds["fold"].astype(str)) == {"2023-04-01 15:00:00+00:00"}
    assert set(folds["end"].astype(str)) == {"2023-04-01 15:30:00+00:00"}


def test_a_utc_api_timezone_changes_nothing() -> None:
    plans = [
        plan_of(issue_rows(), validation={"ambiguous_api_times": mode})
        for mode in ("reject", "shift")
    ]
    for plan in plans:
        assert sent(plan) == [
            "2023-10-29 00:15:00",
            "2023-10-29 00:45:00",
            "2023-10-29 01:15:00",
            "2023-10-29 02:30:00",
        ]
        assert plan.frame[OUTCOME].tolist() == ["", "", "", ""]
        assert codes(plan) == [] and plan.summary()["warnings"] == {"reopen": 1}
    pd.testing.assert_frame_equal(plans[0].frame, plans[1].frame)
    pd.testing.assert_frame_equal(plans[0].cases, plans[1].cases)


def test_a_tie_between_two_instants_is_lost_but_one_instant_twice_is_not() -> None:
    tie = [
        at("2023-10-29T00:15:00Z", status="open", row=2),
        at("2023-10-29T01:15:00Z", status="progress", row=3),  # the same text, an hour later
    ]
    plan = plan_of(tie, api={"timezone": BERLIN})
    assert plan.frame[OUTCOME].tolist() == ["", "invalid"]
    assert (
        "reads no later than row 2's 2023-10-29 02:15:00"
        in messages(plan, "order-lost-in-api-zone")[3]
    )
    same = [
        at("2023-10-29T01:15:00Z", status="open", row=2),
        at("2023-10-29T01:15:00Z", status="progress", row=3),
    ]
    plan = plan_of(same, api={"timezone": BERLIN})
    assert plan.frame[OUTCOME].tolist() == ["", ""]
    assert codes(plan, "warning").count("ambiguous-api-time") == 2


def test_a_time_read_before_the_survey_response_is_lost() -> None:
    rows = [
        at("2023-10-29T01:10:00Z", status="open", row=2, response_date="2023-10-29 00:30:00"),
        at("2023-10-29T03:00:00Z", status="closed", row=3, response_date="2023-10-29 00:30:00"),
    ]
    plan = plan_of(rows, api={"timezone": BERLIN})
    assert plan.frame[OUTCOME].tolist() == ["invalid", "blocked"]
    assert messages(plan, "order-lost-in-api-zone")[2].startswith(
        "sent as 2023-10-29 02:10:00 (Europe/Berlin), this action (2023-10-29 01:10:00 UTC) "
        "reads as early as 2023-10-29 00:10:00 UTC, before the survey response date "
        "2023-10-29 00:30:00 UTC: the clocks show that hour twice"
    )
    shifted = plan_of(rows, api={"timezone": BERLIN}, validation={"ambiguous_api_times": "shift"})
    assert sent(shifted) == ["2023-10-29 03:00:00", "2023-10-29 04:00:00"]


def test_a_case_without_a_response_date_is_checked_among_its_actions() -> None:
    rows = [{**item, "response_date": ""} for item in issue_rows()]
    plan = plan_of(rows, api={"timezone": BERLIN})
    assert plan.frame[OUTCOME].tolist() == ["", "", "invalid", "blocked"]


def test_with_continue_only_the_lost_action_is_held_back() -> None:
    plan = plan_of(issue_rows(), api={"timezone": BERLIN}, send={"on_case_failure": "continue"})
    assert plan.frame[OUTCOME].tolist() == ["", "", "invalid", ""]


def test_the_kpi_preview_reads_a_repeated_time_as_the_tenant_does() -> None:
    # progress in the second pass, after every earlier text: sent as is, read an hour early
    rows = [
        at("2023-10-28T22:00:00Z", status="open", row=2, response_date="2023-10-28 10:00:00"),
        at("2023-10-29T01:40:00Z", status="progress", row=3, response_date="2023-10-28 10:00:00"),
        at("2023-10-29T05:00:00Z", status="closed", row=4, response_date="2023-10-28 10:00:00"),
    ]
    plan = plan_of(rows, api={"timezone": BERLIN})
    assert plan.frame[OUTCOME].tolist() == ["", "", ""]
    case = plan.cases.iloc[0]
    assert case["follow_up_at"] == "2023-10-29 02:40:00"  # the text sent
    assert case["time_to_follow_up_h"] == 14  # 00:40Z as read, not 01:40Z (15 h)
    assert case["time_to_close_h"] == 19
    utc = plan_of(rows).cases.iloc[0]
    assert utc["time_to_follow_up_h"] == 15  # a UTC api.timezone reads the instant itself


def test_tenant_times_read_the_earlier_instant_from_texts_or_from_instants() -> None:
    instants = ["2023-10-29 01:15:00", "2023-10-29 03:00:00", None, "2023-10-29 01:20:00"]
    frame = pd.DataFrame(
        {
            HAPPENED_TS: pd.Series(pd.to_datetime(instants, utc=True)).astype(
                "datetime64[us, UTC]"
            ),
            # (a row without its text, as verify's retried rows: read from its instant)
            HAPPENED_AT: ["2023-10-29 02:15:00", "2023-10-29 04:00:00", "", None],
        }
    ).set_axis([7, 3, 5, 1])  # (a frame's labels need not be positions)
    expected = ["2023-10-29 00:15:00+00:00", "2023-10-29 03:00:00+00:00"]
    for read in (tenant_times(frame, BERLIN), tenant_times(frame[[HAPPENED_TS]], BERLIN)):
        assert read.index.tolist() == [7, 3, 5, 1]
        assert read.iloc[:2].astype(str).tolist() == expected and pd.isna(read.iloc[2])
        assert str(read.iloc[3]) == "2023-10-29 00:20:00+00:00"


@pytest.mark.parametrize(
    ("text", "newest", "newest_sent", "refused"),
    [
        ("2023-10-29 02:15:00", "2023-10-29 00:45:00", None, True),  # first pass, 02:45
        ("2023-10-29 02:50:00", "2023-10-29 00:45:00", None, False),
        ("2023-10-29 02:50:00", "2023-10-29 01:15:00", None, True),  # may have been shifted
        ("2023-10-29 02:50:00", "2023-10-29 01:15:00", "2023-10-29 02:15:00", False),
        ("2023-10-29 02:50:00", "2023-10-29 01:15:00", "2023-10-29 03:00:00", True),
        ("2023-10-29 02:15:00", "2023-10-28 23:00:00", None, False),  # before the hour
    ],
)
def test_a_later_run_compares_with_the_last_sent_text(
    text: str, newest: str, newest_sent: str | None, refused: bool
) -> None:
    assert bool(reads_no_later(text, newest, newest_sent, BERLIN)) is refused


# --- the property: no request body of any plan has a case whose happened_at texts run
# backwards, and none reads before its survey response date -----------------------------

ZONES = [*FOLDS, "UTC"]


@st.composite
def timelines(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
    zone = draw(st.sampled_from(ZONES))
    fold_of = FOLDS.get(zone, FOLDS["Europe/Berlin"])[0]
    fold = datetime.fromisoformat(fold_of).replace(tzinfo=UTC)
    rows: list[dict[str, Any]] = []
    for case in range(draw(st.integers(1, 4))):
        response = fold + timedelta(minutes=draw(st.integers(-200, 40)))
        known = draw(st.booleans()) or draw(st.booleans())  # (a quarter without)
        for _ in range(draw(st.integers(1, 6))):
            # mostly within the two passes of the repeated hour, where orders get lost
            minutes = draw(st.one_of(st.integers(-60, 60), st.integers(-90, 150)))
            moment = fold + timedelta(minutes=minutes, seconds=draw(st.sampled_from([0, 0, 30])))
            rows.append(
                {
                    "number_customergauge": str(100 + case),
                    "status": draw(st.sampled_from(["open", "progress", "closed"])),
                    "happened_at": moment.isoformat(),
                    "response_date": f"{response:%Y-%m-%d %H:%M:%S}" if known else "",
                    "row": len(rows) + 2,
                }
            )
    config = {
        "api": {"timezone": zone},
        "validation": {"ambiguous_api_times": draw(st.sampled_from(["reject", "shift"]))},
        "send": {"on_case_failure": draw(st.sampled_from(["block", "continue"]))},
    }
    return zone, rows, config


@settings(max_examples=40, deadline=None)
@given(timelines())
def test_no_request_body_has_a_case_whose_times_run_backwards(
    drawn: tuple[str, list[dict[str, Any]], dict[str, Any]],
) -> None:
    zone, rows, config = drawn
    plan = plan_of(rows, **config)
    with tempfile.TemporaryDirectory() as folder:
        lines = write_requests(plan, Path(folder)).read_text(encoding="utf-8").splitlines()
    requests = [json.loads(line) for line in lines]
    frame = plan.frame.set_index(ROW)
    bodies: dict[str, list[tuple[pd.Timestamp, str, pd.Timestamp]]] = {}
    for request in requests:
        number = request["number_customergauge"]
        at_row = frame.loc[request["row"]]
        bodies.setdefault(number, []).append(
            (at_row[HAPPENED_TS], request["body"]["happened_at"], at_row[RESPONSE_TS])
        )
    for number, actions in bodies.items():
        texts = pd.DataFrame({HAPPENED_AT: [text for _, text, _ in actions]})
        read = tenant_times(texts, zone)
        for (before, text_before, _), (after, text_after, _) in pairwise(actions):
            assert after >= before, f"case {number}: the plan itself out of order"
            if after == before:
                assert text_after == text_before
            else:  # as wall-clock times, whichever instant a tenant reads them as
                assert text_after > text_before, f"case {number}: {text_before} {text_after}"
        responses = [response for _, _, response in actions]
        assert all(pd.isna(r) or r <= t for r, t in zip(responses, read, strict=True))
    if config["validation"]["ambiguous_api_times"] == "shift" or zone == "UTC":
        assert "order-lost-in-api-zone" not in codes(plan)
    # every sent text that names two instants says so on its row
    to_send = plan.frame[plan.frame[OUTCOME].eq("")]
    named = {p.row for p in plan.problems if p.code == "ambiguous-api-time"}
    repeated = fold_rows(tenant_times(to_send, zone), zone)
    assert set(to_send.loc[repeated.index, ROW]) <= named
    assert set(plan.frame[CASE]) >= set(bodies)


def test_verify_with_retried_rows_reads_the_plan_rows_as_sent() -> None:
    plan = plan_of(
        issue_rows()[:3], api={"timezone": BERLIN}, validation={"ambiguous_api_times": "shift"}
    )
    retried = pd.DataFrame(
        {
            CASE: ["1"],
            STATUS: ["open"],
            HAPPENED_TS: pd.Series(pd.to_datetime(["2023-10-29 05:00:00"], utc=True)),
            SEND_ASSIGNEE: [""],
            OUTCOME: [""],
            SOURCE: ["failures.csv"],
            ROW: [9],
        }
    )
    both = with_retried(plan.frame, retried, plan.sources, {"1": plan.frame[RESPONSE_TS].iloc[0]})
    read = tenant_times(both, BERLIN).dt.strftime("%H:%M").tolist()
    assert read == ["00:15", "00:45", "02:00", "05:00"]  # closed as sent: 03:00 Berlin
