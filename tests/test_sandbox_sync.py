"""GET /v7/rest/sync/close-loop and /v7/rest/sync/responses over real HTTP: cursor paging,
per_page bounds, date filters, and the shapes API-NOTES.md describes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sandbox_fixtures import RawClient

from backfill.sandbox import Sandbox, SandboxSettings

CLOSE_LOOP = "/v7/rest/sync/close-loop"
RESPONSES = "/v7/rest/sync/responses"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def sb(make_sandbox: Callable[..., Sandbox], clock: Clock) -> AsyncIterator[Sandbox]:
    async with make_sandbox(SandboxSettings(), clock=clock) as sandbox:
        sandbox.seed_responses(
            {str(n): datetime(2024, 1, 1) + timedelta(days=n) for n in range(1, 26)}
        )
        yield sandbox


@pytest.fixture
def cg(sb: Sandbox, raw_client: Callable[[Sandbox], RawClient]) -> RawClient:
    return raw_client(sb)


async def all_pages(cg: RawClient, path: str, params: dict[str, str]) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor: int | None = None
    while True:
        query = dict(params) if cursor is None else {**params, "cursor": str(cursor)}
        status, body = await cg.get(path, query)
        assert status == 200, body
        pages.append([row["number_customergauge"] for row in body["data"]])
        cursor = body["cursor"]["next"]
        if cursor is None:
            return pages


# --- close-loop ------------------------------------------------------------------------------
async def test_close_loop_lists_only_cases_with_an_action(cg: RawClient) -> None:
    assert await cg.get(CLOSE_LOOP) == (200, {"data": [], "cursor": {"next": None}})
    await cg.put({"number_customergauge": "3", "status": "open", "assignee": "x@y.org"})
    _status, body = await cg.get(CLOSE_LOOP)
    assert body["data"] == [
        {
            "number_customergauge": "3",
            "status": "open",
            "assignee": None,
            "time_to_follow_up": None,
            "time_to_close": None,
            "updated_at": "2024-06-01 12:00:00",
        }
    ]


async def test_close_loop_pages_by_cursor_without_gaps(cg: RawClient) -> None:
    for n in range(1, 26):
        await cg.put({"number_customergauge": str(n), "status": "open"})
    pages = await all_pages(cg, CLOSE_LOOP, {"per_page": "10"})
    assert [len(page) for page in pages] == [10, 10, 5]
    assert [case for page in pages for case in page] == [str(n) for n in range(1, 26)]


async def test_close_loop_shows_the_latest_state_once(cg: RawClient) -> None:
    for n in (1, 2, 1):
        await cg.put({"number_customergauge": str(n), "status": "closed" if n == 1 else "open"})
    pages = await all_pages(cg, CLOSE_LOOP, {})
    assert pages == [["2", "1"]]


async def test_close_loop_filters_by_updated_at_whole_dates(
    cg: RawClient, sb: Sandbox, clock: Clock
) -> None:
    for n, day in ((1, 1), (2, 2), (3, 3)):
        clock.now = datetime(2024, 6, day, 23, 59, 59, tzinfo=UTC)
        await cg.put({"number_customergauge": str(n), "status": "open"})
    params = {"updated_at[start]": "2024-06-02", "updated_at[end]": "2024-06-03"}
    assert await all_pages(cg, CLOSE_LOOP, params) == [["2", "3"]]
    assert await all_pages(cg, CLOSE_LOOP, {"updated_at[end]": "2024-06-01"}) == [["1"]]


async def test_close_loop_updated_at_is_shown_in_the_tenant_zone(
    cg: RawClient, sb: Sandbox, clock: Clock
) -> None:
    sb.settings.timezone = "Asia/Tokyo"  # 23:00 UTC on June 1 is June 2, 08:00 in Tokyo
    clock.now = datetime(2024, 6, 1, 23, 0, 0, tzinfo=UTC)
    await cg.put({"number_customergauge": "1", "status": "open"})
    _status, body = await cg.get(CLOSE_LOOP, {"updated_at[start]": "2024-06-02"})
    assert body["data"][0]["updated_at"] == "2024-06-02 08:00:00"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"per_page": "0"}, "per_page"),
        ({"per_page": "1001"}, "per_page"),
        ({"per_page": "ten"}, "per_page"),
        ({"cursor": "abc"}, "cursor"),
        ({"updated_at[start]": "01/06/2024"}, "updated at.start"),
        ({"updated_at[end]": "2024-13-01"}, "updated at.end"),
    ],
)
async def test_close_loop_bad_parameters_are_422(
    cg: RawClient, params: dict[str, str], field: str
) -> None:
    status, body = await cg.get(CLOSE_LOOP, params)
    assert status == 422
    assert list(body["errors"]) == [field]
    assert body["message"] == body["errors"][field][0]


async def test_close_loop_per_page_bounds_are_inclusive(cg: RawClient) -> None:
    for per_page in ("1", "1000"):
        assert (await cg.get(CLOSE_LOOP, {"per_page": per_page}))[0] == 200


async def test_sync_endpoints_need_a_token(cg: RawClient, sb: Sandbox) -> None:
    for path in (CLOSE_LOOP, RESPONSES):
        async with cg.session.get(sb.base_url + path) as answer:
            assert answer.status == 401
            assert await answer.json() == {"message": "Unauthenticated."}


# --- responses -------------------------------------------------------------------------------
async def test_responses_carry_every_date_field(cg: RawClient) -> None:
    _status, body = await cg.get(RESPONSES, {"per_page": "1"})
    assert body["data"] == [
        {
            "number_customergauge": "1",
            "date_survey_response": "2024-01-02 00:00:00",
            "date_creation": "2023-12-31 00:00:00",
            "date_order": "2023-12-30 00:00:00",
            "date_sent": "2024-01-01 00:00:00",
        }
    ]
    assert body["cursor"]["next"] is not None


async def test_responses_page_oldest_first(cg: RawClient, sb: Sandbox) -> None:
    sb.seed_responses({"0": "2023-06-01 00:00:00"})  # the oldest, seeded last
    pages = await all_pages(cg, RESPONSES, {"per_page": "10"})
    assert [len(page) for page in pages] == [10, 10, 6]
    assert [n for page in pages for n in page] == [str(n) for n in range(26)]


async def test_responses_filter_by_period(cg: RawClient) -> None:
    params = {
        "period[field]": "date_survey_response",
        "period[start]": "2024-01-05",
        "period[end]": "2024-01-07",
    }
    assert await all_pages(cg, RESPONSES, params) == [["4", "5", "6"]]
    # date_sent is a day before the response date, so the same window selects other rows
    assert await all_pages(cg, RESPONSES, {**params, "period[field]": "date_sent"}) == [
        ["5", "6", "7"]
    ]


async def test_responses_seeded_with_every_date(cg: RawClient, sb: Sandbox) -> None:
    dates = {
        "date_survey_response": "2020-01-05 10:00:00",
        "date_creation": "2020-01-01 00:00:00",
        "date_order": "2019-12-20 00:00:00",
        "date_sent": "2020-01-02 00:00:00",
    }
    sb.seed_responses({"old": dates})
    _status, body = await cg.get(RESPONSES, {"per_page": "1"})
    assert body["data"][0] == {"number_customergauge": "old", **dates}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period[field]": "date_closed"}, "period.field"),
        ({"period[start]": "yesterday"}, "period.start"),
        ({"per_page": "5000"}, "per_page"),
    ],
)
async def test_responses_bad_parameters_are_422(
    cg: RawClient, params: dict[str, str], field: str
) -> None:
    status, body = await cg.get(RESPONSES, params)
    assert (status, list(body["errors"])) == (422, [field])
