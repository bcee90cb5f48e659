"""Response dates from GET responses: parsing, the period, the pager (unit level)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pandas as pd
import pytest

from backfill.plan.api_dates import (
    LOOKBACK_DAYS,
    RESPONSES_PATH,
    fetch_response_dates,
    parse_response_date,
    parse_responses_page,
    response_period,
)
from backfill.read.sync_pages import read_answer


def test_page_keeps_the_chosen_date_field() -> None:
    body = {
        "data": [
            {
                "number_customergauge": "1",
                "date_survey_response": "2023-07-01 09:00:00",
                "date_creation": "2023-06-30 00:00:00",
            },
            {"number_customergauge": 2, "date_creation": "2023-06-01 00:00:00"},
        ],
        "cursor": {"next": 4},
    }
    page = parse_responses_page(read_answer(body), "date_survey_response")
    assert page.dates == {"1": "2023-07-01 09:00:00"}
    assert page.skipped == ["2: no date_survey_response"]
    assert page.next_cursor == 4
    assert page.size == 2
    assert parse_responses_page(read_answer(body), "date_creation").dates == {
        "1": "2023-06-30 00:00:00",
        "2": "2023-06-01 00:00:00",
    }


@pytest.mark.parametrize("body", [None, "x", {"data": {"a": 1}}, {"message": "Server Error"}])
def test_malformed_pages_end_the_paging(body: Any) -> None:
    page = parse_responses_page(read_answer(body), "date_survey_response")
    assert page.dates == {}
    assert page.next_cursor is None


@pytest.mark.parametrize(
    ("text", "zone", "utc"),
    [
        ("2023-07-01 09:00:00", "UTC", "2023-07-01 09:00:00+00:00"),
        ("2023-07-01 09:00:00", "Europe/Amsterdam", "2023-07-01 07:00:00+00:00"),
        ("2023-07-01T09:00:00Z", "Europe/Amsterdam", "2023-07-01 09:00:00+00:00"),
        ("2023-07-01T09:00:00+02:00", "UTC", "2023-07-01 07:00:00+00:00"),
        ("2023-07-01", "UTC", "2023-07-01 00:00:00+00:00"),
    ],
)
def test_response_dates_are_read_in_the_tenant_zone(text: str, zone: str, utc: str) -> None:
    assert parse_response_date(text, zone) == pd.Timestamp(utc)


@pytest.mark.parametrize("text", [None, "", "soon", "2023-13-45 00:00:00"])
def test_unreadable_response_dates_are_none(text: Any) -> None:
    assert parse_response_date(text, "UTC") is None


def test_period_covers_the_actions_with_look_back() -> None:
    start, end = response_period(
        [pd.Timestamp("2023-05-10 10:00", tz="UTC"), pd.NaT, pd.Timestamp("2024-02-01", tz="UTC")],
        today=date(2025, 1, 1),
    )
    assert start == date(2023, 5, 10) - pd.Timedelta(days=LOOKBACK_DAYS)
    assert end == date(2024, 2, 1)


def test_period_without_times_ends_today() -> None:
    assert response_period([None, pd.NaT], today=date(2025, 1, 1), lookback_days=10) == (
        date(2024, 12, 22),
        date(2025, 1, 1),
    )


class Pages:
    def __init__(self, pages: list[Any]) -> None:
        self.pages = pages
        self.calls: list[dict[str, str]] = []

    async def get_json(self, path: str, params: Mapping[str, str]) -> Any:
        assert path == RESPONSES_PATH
        self.calls.append(dict(params))
        return self.pages[len(self.calls) - 1]


def _resp(case: str, when: str = "2023-07-01 09:00:00") -> dict[str, str]:
    return {"number_customergauge": case, "date_survey_response": when}


async def test_fetch_keeps_only_wanted_ids_and_stops_when_all_found() -> None:
    api = Pages(
        [
            {"data": [_resp("1"), _resp("other")], "cursor": {"next": 2}},
            {"data": [_resp("2", "2023-07-02 10:00:00")], "cursor": {"next": 3}},
            {"data": [_resp("never-asked")], "cursor": {"next": None}},
        ]
    )
    fetched = await fetch_response_dates(
        api,
        {"1", "2"},
        date_field="date_survey_response",
        start=date(2023, 1, 1),
        end=date(2023, 12, 31),
        timezone="UTC",
    )
    assert fetched.dates == {
        "1": pd.Timestamp("2023-07-01 09:00:00", tz="UTC"),
        "2": pd.Timestamp("2023-07-02 10:00:00", tz="UTC"),
    }
    assert len(api.calls) == 2
    assert api.calls[0] == {
        "per_page": "1000",
        "period[field]": "date_survey_response",
        "period[start]": "2023-01-01",
        "period[end]": "2023-12-31",
    }
    assert api.calls[1]["cursor"] == "2"


async def test_fetch_leaves_unreturned_ids_out_and_reports_unreadable() -> None:
    api = Pages([{"data": [_resp("1", "garbage")], "cursor": {"next": None}}])
    fetched = await fetch_response_dates(
        api,
        {"1", "2"},
        date_field="date_survey_response",
        start=date(2023, 1, 1),
        end=date(2023, 12, 31),
        timezone="UTC",
    )
    assert fetched.dates == {}
    assert fetched.unreadable == ["1: 'garbage'"]


async def test_fetch_with_nothing_wanted_makes_no_request() -> None:
    api = Pages([])
    fetched = await fetch_response_dates(
        api,
        set(),
        date_field="date_order",
        start=date(2023, 1, 1),
        end=date(2023, 1, 2),
        timezone="UTC",
    )
    assert fetched.dates == {} and api.calls == []
