"""The one parser of GET close-loop answers, and its pager (unit level: answers as data)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import pytest

from backfill.config import config_from_dict
from backfill.model import Action, ProgressEvent
from backfill.read.sync_pages import read_answer
from backfill.sandbox import SandboxSettings
from backfill.send.auth import Credentials
from backfill.send.lanes import send_cases
from backfill.send.session import ApiSession
from backfill.verify.readback import (
    CLOSE_LOOP_PATH,
    CaseState,
    ReadBack,
    merge,
    normalise_status,
    parse_case,
    parse_page,
    read_close_loop,
)

FULL = {
    "number_customergauge": "53499",
    "status": "closed",
    "assignee": "a@b.com",
    "time_to_follow_up": 5,
    "time_to_close": 30,
    "updated_at": "2024-01-02 03:04:05",
}


def test_full_record_is_read_as_is() -> None:
    state = parse_case(FULL)
    assert state == CaseState(
        case="53499",
        status="closed",
        assignee="a@b.com",
        time_to_follow_up=5,
        time_to_close=30,
        updated_at="2024-01-02 03:04:05",
    )


def test_unknown_fields_are_ignored() -> None:
    state = parse_case({**FULL, "nps": 9, "custom": {"x": [1, 2]}, "status_id": 7})
    assert isinstance(state, CaseState)
    assert state.status == "closed"
    assert state.missing == frozenset()


def test_absent_fields_are_reported_missing_and_null_means_unset() -> None:
    state = parse_case({"number_customergauge": "1", "status": "open", "assignee": None})
    assert isinstance(state, CaseState)
    assert state.assignee is None
    assert state.missing == {"time_to_follow_up", "time_to_close"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("open", "open"),
        ("OPEN", "open"),
        ("IN-PROGRESS", "progress"),
        ("In Progress", "progress"),
        ("in_progress", "progress"),
        ("PROGRESS", "progress"),
        ("CLOSE", "closed"),
        ("Closed", "closed"),
        ("42", "42"),
        ("", None),
        (None, None),
    ],
)
def test_status_words_of_both_api_versions(raw: Any, expected: str | None) -> None:
    assert normalise_status(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(5, 5), ("5", 5), (5.0, 5), (5.9, 5), (0, 0), (None, None), ("", None)],
)
def test_hours_as_numbers_text_or_null(raw: Any, expected: int | None) -> None:
    state = parse_case({"number_customergauge": "1", "time_to_close": raw})
    assert isinstance(state, CaseState)
    assert state.time_to_close == expected
    assert "time_to_close" not in state.missing


@pytest.mark.parametrize("raw", ["soon", True, [1], {"h": 1}, float("nan")])
def test_unreadable_hours_are_reported_not_guessed(raw: Any) -> None:
    state = parse_case({"number_customergauge": "1", "time_to_close": raw})
    assert isinstance(state, CaseState)
    assert state.time_to_close is None
    assert "time_to_close" in state.missing
    assert state.unreadable and state.unreadable[0].startswith("time_to_close: ")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a@b.com", "a@b.com"),
        ("  a@b.com ", "a@b.com"),
        ({"email": "a@b.com", "name": "A"}, "a@b.com"),
        (None, None),
        (False, None),
        ("", None),
    ],
)
def test_assignee_variants(raw: Any, expected: str | None) -> None:
    state = parse_case({"number_customergauge": "1", "assignee": raw})
    assert isinstance(state, CaseState)
    assert state.assignee == expected


def test_v41_spelling_of_assignee_is_accepted() -> None:
    state = parse_case({"number_customergauge": "1", "assigned_to": "x@y.org"})
    assert isinstance(state, CaseState)
    assert state.assignee == "x@y.org"
    assert "assignee" not in state.missing


@pytest.mark.parametrize(
    ("raw", "expected"), [(53499, "53499"), (53499.0, "53499"), (" 007 ", "007")]
)
def test_ids_as_numbers_or_text_keep_their_digits(raw: Any, expected: str) -> None:
    state = parse_case({"number_customergauge": raw})
    assert isinstance(state, CaseState)
    assert state.case == expected


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"status": "open"}, "record without number_customergauge"),
        ({"number_customergauge": None}, "record without number_customergauge"),
        ({"number_customergauge": 1.5}, "record without number_customergauge"),
        ("53499", "record is str, not an object"),
    ],
)
def test_records_without_usable_id_are_skipped_with_reason(record: Any, reason: str) -> None:
    assert parse_case(record) == reason


@pytest.mark.parametrize(
    ("body", "cursor"),
    [
        ({"data": [FULL], "cursor": {"next": 7}}, 7),
        ({"data": [FULL], "cursor": {"next": 7.0}}, 7),
        ({"data": [FULL], "cursor": {"next": None}}, None),
        ({"data": [FULL], "cursor": {}}, None),
        ({"data": [FULL]}, None),
        ({"data": [FULL], "cursor": 9}, 9),
        ({"data": [FULL], "cursor": {"next": "abc"}}, "abc"),
    ],
)
def test_next_cursor_shapes(body: dict[str, Any], cursor: Any) -> None:
    page = parse_page(read_answer(body))
    assert page.next_cursor == cursor
    assert [s.case for s in page.states] == ["53499"]


@pytest.mark.parametrize(
    "body", [None, [], "error", {"data": "x"}, {"data": 3}, {"message": "Unauthenticated."}]
)
def test_malformed_answers_give_empty_last_page(body: Any) -> None:
    page = parse_page(read_answer(body))
    assert page.states == []
    assert page.next_cursor is None
    assert page.size == 0


def test_duplicate_case_keeps_latest_update() -> None:
    result = ReadBack()
    older = CaseState("1", status="open", updated_at="2024-01-01 00:00:00")
    newer = CaseState("1", status="closed", updated_at="2024-01-02 00:00:00")
    merge(result, [newer, older])
    assert result.cases["1"].status == "closed"
    assert result.records == 2


class Pages:
    """An answer sequence standing in for ApiSession (the pager's logic only)."""

    def __init__(self, pages: list[Any]) -> None:
        self.pages = pages
        self.calls: list[tuple[str, dict[str, str]]] = []

    async def get_json(self, path: str, params: Mapping[str, str]) -> Any:
        self.calls.append((path, dict(params)))
        return self.pages[len(self.calls) - 1]


def _record(case: int, status: str = "open") -> dict[str, Any]:
    return {"number_customergauge": str(case), "status": status}


async def test_pager_follows_cursor_until_null() -> None:
    api = Pages(
        [
            {"data": [_record(1), _record(2)], "cursor": {"next": 2}},
            {"data": [_record(3)], "cursor": {"next": 3}},
            {"data": [_record(4)], "cursor": {"next": None}},
        ]
    )
    result = await read_close_loop(api, date(2024, 1, 1), date(2024, 2, 1), per_page=2)
    assert sorted(result.cases) == ["1", "2", "3", "4"]
    assert result.pages == 3
    assert api.calls[0] == (
        CLOSE_LOOP_PATH,
        {"per_page": "2", "updated_at[start]": "2024-01-01", "updated_at[end]": "2024-02-01"},
    )
    assert api.calls[1][1]["cursor"] == "2"
    assert api.calls[2][1]["cursor"] == "3"


async def test_pager_stops_on_empty_data_even_with_a_cursor() -> None:
    api = Pages(
        [{"data": [_record(1)], "cursor": {"next": 1}}, {"data": [], "cursor": {"next": 2}}]
    )
    result = await read_close_loop(api, date(2024, 1, 1), date(2024, 1, 1))
    assert list(result.cases) == ["1"]
    assert len(api.calls) == 2


async def test_pager_stops_when_a_cursor_repeats() -> None:
    page = {"data": [_record(1)], "cursor": {"next": 5}}
    api = Pages([page, page, page, page])
    result = await read_close_loop(api, date(2024, 1, 1), date(2024, 1, 1))
    assert len(api.calls) == 2
    assert result.pages == 2


async def test_pager_continues_past_a_page_of_only_unusable_records() -> None:
    api = Pages(
        [
            {"data": [{"status": "open"}], "cursor": {"next": 1}},
            {"data": [_record(9)], "cursor": {"next": None}},
        ]
    )
    result = await read_close_loop(api, date(2024, 1, 1), date(2024, 1, 1))
    assert list(result.cases) == ["9"]
    assert result.skipped == ["record without number_customergauge"]


async def test_pager_reports_progress_per_page() -> None:
    events: list[ProgressEvent] = []
    api = Pages(
        [
            {"data": [_record(1), _record(2)], "cursor": {"next": 1}},
            {"data": [_record(3)], "cursor": {"next": None}},
        ]
    )
    await read_close_loop(api, date(2024, 1, 1), date(2024, 1, 1), on_progress=events.append)
    assert [(e.stage, e.done, e.total) for e in events] == [
        ("read back", 0, None),
        ("read back", 2, None),
        ("read back", 3, None),
    ]


async def test_pages_through_the_sandbox_over_the_run_session(make_sandbox: Any) -> None:
    """Over real HTTP: 30 cases at 7 per page -> 5 pages, every case once, answers parsed."""
    sb = make_sandbox(SandboxSettings(accept_any_assignee=True))
    await sb.start()
    ids = [f"9{n:03d}" for n in range(30)]
    sb.seed_responses(dict.fromkeys(ids, "2024-01-01 00:00:00"))
    config = config_from_dict({"send": {"rate_limit": 1000}})
    credentials = Credentials(sb.settings.client_id, sb.settings.client_secret)
    cases = [
        [
            Action(2 * n, "t", 2, case, 1, "open", "2024-01-02 00:00:00", None, None),
            Action(
                2 * n + 1,
                "t",
                3,
                case,
                2,
                "progress",
                "2024-01-02 05:30:00",
                "on it",
                "x@example.com",
            ),
        ]
        for n, case in enumerate(ids)
    ]
    async with ApiSession(config, credentials, base_url=sb.base_url, token_url=sb.token_url) as api:
        await send_cases(api, cases)
        today = datetime.now(UTC).date()
        result = await read_close_loop(api, today, today, per_page=7)
        # Cases updated outside the range are not returned.
        past = await read_close_loop(api, date(2020, 1, 1), date(2020, 1, 2))
    assert (result.pages, result.records) == (5, 30)
    assert sorted(result.cases) == ids
    state = result.cases["9007"]
    assert (state.status, state.assignee, state.time_to_follow_up, state.time_to_close) == (
        "progress",
        "x@example.com",
        29,
        None,
    )
    assert state.missing == frozenset()
    assert past.cases == {}
