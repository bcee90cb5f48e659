"""Unit tests of the sandbox's pure parts: the case state machine, the rules, the faults."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from backfill.errors import ConfigError
from backfill.sandbox import Faults, SandboxSettings
from backfill.sandbox.faults import FaultInjector
from backfill.sandbox.rules import (
    laravel_message,
    make_response,
    parse_happened_at,
    validate_v7,
    validate_v41,
)
from backfill.sandbox.state import (
    ActionRequest,
    SandboxState,
    is_email,
    progressive_allows,
    whole_hours,
)

RESPONDED = datetime(2023, 7, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return RESPONDED + timedelta(hours=hours)


def new_state() -> SandboxState:
    state = SandboxState()
    state.add_response(make_response("1", RESPONDED, UTC))
    state.add_user("John.Doe@company.com")
    return state


def act(state: SandboxState, status: str | None, hours: float, **kw: str) -> None:
    state.apply(ActionRequest("1", "v7", at(hours), status, **kw), NOW, False)


def test_open_then_progress_then_closed_stamps_both_times() -> None:
    state = new_state()
    act(state, "open", 1)
    act(state, "progress", 5.5)
    act(state, "closed", 30.99)
    case = state.cases["1"]
    assert (case.follow_up_at, case.closed_at) == (at(5.5), at(30.99))
    assert (case.time_to_follow_up, case.time_to_close) == (5, 30)  # floor, whole hours
    assert [entry.stamped for entry in case.history] == [[], ["follow_up"], ["closed"]]


@pytest.mark.parametrize("reopen", ["open", "progress"])
def test_reopening_a_closed_case_clears_both_times(reopen: str) -> None:
    state = new_state()
    for status, hours in (("open", 1), ("progress", 2), ("closed", 3)):
        act(state, status, hours)
    act(state, reopen, 4)
    case = state.cases["1"]
    assert (case.follow_up_at, case.closed_at, case.status) == (None, None, reopen)
    assert case.history[-1].stamped == ["cleared"]


def test_follow_up_is_stamped_every_time_open_goes_to_progress() -> None:
    state = new_state()
    for status, hours in (("open", 1), ("progress", 2), ("open", 3), ("progress", 7)):
        act(state, status, hours)
    assert state.cases["1"].follow_up_at == at(7)


@pytest.mark.parametrize(
    ("path", "stamps"),
    [
        (["open", "closed"], [[], []]),  # the open -> closed shortcut
        (["progress", "closed"], [[], ["closed"]]),  # none -> progress stamps nothing
        (["open", "open", "progress", "progress"], [[], [], ["follow_up"], []]),
    ],
)
def test_shortcuts_and_repeats_stamp_nothing(path: list[str], stamps: list[list[str]]) -> None:
    state = new_state()
    for hours, status in enumerate(path):
        act(state, status, hours)
    case = state.cases["1"]
    assert [entry.stamped for entry in case.history] == stamps
    if path[0] == "open" and path[-1] == "closed":
        assert (case.follow_up_at, case.closed_at) == (None, None)


def test_a_case_exists_only_after_an_action() -> None:
    state = new_state()
    assert state.cases == {}
    answer = state.apply(ActionRequest("1", "v4.1", NOW), NOW, False)
    assert (answer.status, answer.note, answer.assignee) == (False, False, False)
    assert state.cases == {}
    state.apply(ActionRequest("1", "v4.1", NOW, note="called back"), NOW, False)
    assert state.cases["1"].status is None
    assert state.cases["1"].updated_at == NOW


def test_assignment_to_a_known_user_counts_one_email_each_time() -> None:
    state = new_state()
    act(state, "open", 1, assignee="john.doe@COMPANY.com")
    act(state, "progress", 2, assignee="john.doe@company.com")
    assert state.cases["1"].assignee == "John.Doe@company.com"  # the user as seeded
    assert state.emails == {"John.Doe@company.com": 2}


def test_assignment_to_an_unknown_user_is_a_history_note() -> None:
    state = new_state()
    act(state, "open", 1, assignee="nobody@company.com")
    case = state.cases["1"]
    assert case.assignee is None
    assert case.history[0].assigned is False
    assert case.history[0].system_notes == [
        "Attempt to assign the case to nobody@company.com failed"
    ]
    assert state.emails == {}


def test_accept_any_assignee_still_refuses_invalid_addresses() -> None:
    state = new_state()
    answer = state.apply(ActionRequest("1", "v7", at(1), "open", None, "x@y.org"), NOW, True)
    assert answer.assignee is True
    answer = state.apply(ActionRequest("1", "v7", at(1), "open", None, "not an email"), NOW, True)
    assert answer.assignee is False


@pytest.mark.parametrize(
    ("before", "after", "allowed"),
    [
        (None, "open", True),
        ("closed", "open", True),
        ("open", "progress", True),
        ("progress", "closed", True),
        ("progress", "progress", True),
        (None, "progress", False),
        (None, "closed", False),
        ("open", "closed", False),
        ("closed", "progress", False),
        ("progress", "open", False),
        ("open", "7", True),  # extended v4.1 statuses are outside the ladder
    ],
)
def test_progressive_transitions(before: str | None, after: str, allowed: bool) -> None:
    assert progressive_allows(before, after) is allowed


def test_whole_hours_truncate() -> None:
    assert whole_hours(RESPONDED, None) is None
    assert whole_hours(RESPONDED, at(0.999)) == 0
    assert whole_hours(RESPONDED, at(49)) == 49


@pytest.mark.parametrize(
    ("value", "valid"),
    [("a@b.co", True), ("a.b@c.d.e", True), ("a@b", False), ("a b@c.d", False), ("@c.d", False)],
)
def test_is_email(value: str, valid: bool) -> None:
    assert is_email(value) is valid


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-07-31 08:50:15", datetime(2023, 7, 31, 8, 50, 15, tzinfo=UTC)),
        ("2023-07-31 8:5:1", datetime(2023, 7, 31, 8, 5, 1, tzinfo=UTC)),
        ("2023-07-31T08:50:15", None),
        ("2023-7-31 08:50:15", None),
        ("2023-07-31", None),
        ("2023-02-30 08:50:15", None),
        ("2023-07-31 24:00:00", None),
        ("31-07-2023 08:50:15", None),
    ],
)
def test_happened_at_format(text: str, expected: datetime | None) -> None:
    assert parse_happened_at(text, UTC) == expected


def test_happened_at_is_read_in_the_tenant_zone() -> None:
    zone = ZoneInfo("Europe/Amsterdam")
    assert parse_happened_at("2023-07-31 10:00:00", zone) == datetime(2023, 7, 31, 8, tzinfo=UTC)


def test_laravel_message_counts_the_other_errors() -> None:
    one = {"a": ["A."]}
    assert laravel_message(one) == "A."
    assert laravel_message({"a": ["A."], "b": ["B."]}) == "A. (and 1 more error)"
    assert laravel_message({"a": ["A."], "b": ["B."], "c": ["C."]}) == "A. (and 2 more errors)"


def test_v7_errors_follow_the_parameter_order() -> None:
    state = new_state()
    outcome = validate_v7(
        {"happened_at": "yesterday", "note": 5, "status": "done"},
        state,
        SandboxSettings(),
        NOW,
        UTC,
    )
    assert outcome.action is None
    assert list(outcome.errors) == ["number_customergauge", "status", "note", "happened_at"]
    assert outcome.errors["note"] == ["The note must be a string."]


def test_v7_accepts_a_numeric_id_and_trims_text() -> None:
    outcome = validate_v7(
        {"number_customergauge": 1, "status": " open ", "note": "  hi  "},
        new_state(),
        SandboxSettings(),
        NOW,
        UTC,
    )
    assert outcome.action is not None
    assert (outcome.action.status, outcome.action.note, outcome.action.at) == ("open", "hi", NOW)


def test_response_seeded_with_one_date_derives_earlier_other_dates() -> None:
    response = make_response("9", "2023-07-01 09:00:00", UTC)
    assert response.date_order < response.date_creation < response.date_sent
    assert response.date_sent < response.date_survey_response == RESPONDED


def test_v41_status_aliases_and_extended_set() -> None:
    state = new_state()
    plain, extended = SandboxSettings(), SandboxSettings(extended_statuses=True)
    for text, status in (("in-progress", "progress"), ("CLOSE", "closed"), ("Open", "open")):
        outcome = validate_v41({"number_customergauge": "1", "status": text}, state, plain, NOW)
        assert outcome.action is not None and outcome.action.status == status
    assert validate_v41({"number_customergauge": "1", "status": "7"}, state, plain, NOW).code == (
        400011
    )
    outcome = validate_v41({"number_customergauge": "1", "status": "07"}, state, extended, NOW)
    assert outcome.action is not None and outcome.action.status == "7"
    assert validate_v41({"number_customergauge": "1", "status": "100"}, state, extended, NOW).code


def test_faults_are_reproducible_from_the_seed() -> None:
    faults = Faults(error_rate=0.3, drop_before_rate=0.2, jitter_ms=10, seed=42)
    one, two = FaultInjector(faults), FaultInjector(faults)
    assert [one.draw() for _ in range(200)] == [two.draw() for _ in range(200)]
    other = FaultInjector(Faults(error_rate=0.3, drop_before_rate=0.2, jitter_ms=10, seed=43))
    assert [other.draw() for _ in range(200)] != [FaultInjector(faults).draw() for _ in range(200)]
    draws = [FaultInjector(faults).draw() for _ in range(1)] + [one.draw() for _ in range(1000)]
    assert 0.2 < sum(d.server_error is not None for d in draws) / len(draws) < 0.4
    assert {d.server_error for d in draws} == {None, 500, 502, 503}


def test_sliding_window_admits_at_most_the_limit_in_any_second() -> None:
    injector = FaultInjector(Faults(rate_limit=3))
    admitted = [t for t in (0.0, 0.1, 0.2, 0.3, 0.99, 1.0, 1.05, 1.1, 1.2) if injector.admit(t)]
    assert admitted == [0.0, 0.1, 0.2, 1.0, 1.1, 1.2]


@pytest.mark.parametrize(
    "kwargs", [{"error_rate": 1.5}, {"drop_after_rate": -0.1}, {"latency_ms": -1}]
)
def test_faults_refuse_impossible_values(kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigError):
        Faults(**kwargs)


def test_settings_refuse_an_unknown_zone() -> None:
    with pytest.raises(ConfigError, match="not a known IANA zone"):
        SandboxSettings(timezone="Mars/Olympus")
