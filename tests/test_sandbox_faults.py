"""Fault injection, the request log and the /_sandbox/ routes, over real HTTP.

Time is faked where the behaviour depends on it (the rate window); latency is checked only
as a lower bound, never as a wall-clock ceiling.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest
from sandbox_fixtures import RawClient

from backfill.sandbox import Faults, Sandbox, SandboxSettings

BODY = {"number_customergauge": "1", "status": "open"}


class FakeTime:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
async def sb(make_sandbox: Callable[..., Sandbox], fake_time: FakeTime) -> AsyncIterator[Sandbox]:
    async with make_sandbox(SandboxSettings(), monotonic=fake_time) as sandbox:
        sandbox.seed_responses({str(n): "2023-01-01 00:00:00" for n in range(1, 6)})
        yield sandbox


@pytest.fixture
async def fresh_connections() -> AsyncIterator[aiohttp.ClientSession]:
    # one connection per request: aiohttp silently retries an idempotent PUT once when a
    # reused keep-alive connection is dropped, which would hide what the sandbox did
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as s:
        yield s


@pytest.fixture
def cg(sb: Sandbox, fresh_connections: aiohttp.ClientSession) -> RawClient:
    return RawClient(sb, fresh_connections)


async def test_latency_delays_every_answer(cg: RawClient, sb: Sandbox) -> None:
    await cg.bearer()
    sb.set_faults(Faults(latency_ms=120, jitter_ms=30, seed=1))
    for call in (cg.put(BODY), cg.token(), cg.workflow({"number_customergauge": "1"})):
        started = time.perf_counter()
        await call
        assert time.perf_counter() - started >= 0.12


async def test_rate_limit_answers_429_with_retry_after(
    cg: RawClient, sb: Sandbox, fake_time: FakeTime
) -> None:
    await cg.bearer()
    sb.set_faults(Faults(rate_limit=3))
    statuses = []
    for n in range(1, 6):
        async with cg.session.put(
            sb.put_url,
            json={"number_customergauge": str(n), "status": "open"},
            headers=await cg.bearer(),
        ) as answer:
            statuses.append(answer.status)
            if answer.status == 429:
                assert answer.headers["Retry-After"] == "1"
                assert await answer.json() == {"message": "Too Many Attempts."}
    assert statuses == [200, 200, 200, 429, 429]
    assert sorted(sb.state.cases) == ["1", "2", "3"]  # a 429 applies nothing
    assert (await cg.token())[0] == 200  # the token endpoint is not limited
    fake_time.now += 0.999
    assert (await cg.put(BODY))[0] == 429
    fake_time.now += 0.001  # the window slid past the first three
    assert (await cg.put(BODY))[0] == 200
    assert sb.state.counters["fault:rate_limited"] == 3


async def test_rate_limit_covers_every_api_endpoint(cg: RawClient, sb: Sandbox) -> None:
    await cg.bearer()
    sb.set_faults(Faults(rate_limit=2))
    answers = [
        (await cg.get("/v7/rest/sync/close-loop"))[0],
        (await cg.workflow({"number_customergauge": "1"}))[0],
        (await cg.get("/v7/rest/sync/responses"))[0],
        (await cg.workflow({"number_customergauge": "1"}))[0],
    ]
    assert answers == [200, 200, 429, 429]
    assert (await cg.get("/_sandbox/counters"))[0] == 200  # outside the API: never limited


async def test_server_errors_apply_nothing_and_are_reproducible(
    make_sandbox: Callable[..., Sandbox], raw_client: Callable[[Sandbox], RawClient]
) -> None:
    runs = []
    for _ in range(2):
        settings = SandboxSettings(faults=Faults(error_rate=0.5, seed=7))
        async with make_sandbox(settings) as sandbox:
            sandbox.seed_responses({"1": "2023-01-01 00:00:00"})
            cg = raw_client(sandbox)
            statuses = []
            for _ in range(30):
                async with cg.session.put(
                    sandbox.put_url, json=BODY, headers=await cg.bearer()
                ) as answer:
                    statuses.append(answer.status)
            applied = len(sandbox.state.cases["1"].history)
            runs.append(statuses)
            assert applied == statuses.count(200)
    assert runs[0] == runs[1]
    assert {500, 502, 503} <= set(runs[0]) and 200 in runs[0]


async def test_drop_before_applies_nothing(cg: RawClient, sb: Sandbox) -> None:
    await cg.bearer()
    sb.set_faults(Faults(drop_before_rate=1.0))
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await cg.put(BODY)
    assert sb.state.cases == {}
    assert sb.state.requests[-1].status == "dropped-before"


async def test_drop_after_applies_then_loses_the_answer(cg: RawClient, sb: Sandbox) -> None:
    await cg.bearer()
    sb.set_faults(Faults(drop_after_rate=1.0))
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await cg.put(BODY)
    assert sb.state.cases["1"].status == "open"
    assert sb.state.requests[-1].status == "dropped-after"
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await cg.workflow({"number_customergauge": "2", "status": "CLOSE"})
    assert sb.state.cases["2"].status == "closed"


async def test_early_expiry_makes_the_client_fetch_a_new_token(cg: RawClient, sb: Sandbox) -> None:
    headers = await cg.bearer()
    sb.set_faults(Faults(early_expiry_rate=1.0))
    assert await cg.put(BODY) == (401, {"message": "Unauthenticated."})
    sb.set_faults(Faults())
    assert (await cg.put(BODY, headers=headers))[0] == 401  # expired stays expired
    cg._token = None
    assert (await cg.put(BODY))[0] == 200
    assert sb.state.counters["fault:early_expiry"] == 1


async def test_faults_do_not_touch_the_token_endpoint(cg: RawClient, sb: Sandbox) -> None:
    sb.set_faults(Faults(error_rate=1.0, drop_before_rate=1.0, rate_limit=1))
    assert [(await cg.token())[0] for _ in range(3)] == [200, 200, 200]


async def test_request_log_records_every_api_request_in_arrival_order(
    cg: RawClient, sb: Sandbox, fake_time: FakeTime
) -> None:
    await cg.bearer()
    await cg.put(BODY)
    fake_time.now += 0.5
    await cg.put({"number_customergauge": "2", "status": "bogus"}, form=True)
    await cg.workflow({"number_customergauge": "3", "status": "OPEN"})
    await cg.get("/v7/rest/sync/close-loop")
    await cg.get("/_sandbox/requests")
    log = [(r.method, r.path, r.case_id, r.status) for r in sb.state.requests]
    assert log == [
        ("POST", "/oauth2/token", None, 200),
        ("PUT", "/v7/rest/close-loop/status", "1", 200),
        ("PUT", "/v7/rest/close-loop/status", "2", 422),
        ("POST", "/v4.1/workflow.json", "3", 200),
        ("GET", "/v7/rest/sync/close-loop", None, 200),
    ]
    arrivals = [r.arrived for r in sb.state.requests]
    assert arrivals == sorted(arrivals) and arrivals[2] - arrivals[1] == 0.5
    assert sb.state.max_requests_in_window(1.0) == 4
    _status, body = await cg.get("/_sandbox/requests")
    assert [r["case_id"] for r in body["data"]] == [None, "1", "2", "3", None]


async def test_sandbox_routes_show_history_and_counters(cg: RawClient, sb: Sandbox) -> None:
    sb.add_users(["a@b.org"])
    await cg.put({**BODY, "note": "hello", "assignee": "a@b.org"})
    sb.set_faults(Faults(error_rate=1.0))  # inspection is never faulted
    status, index = await cg.get("/_sandbox/")
    assert status == 200 and "requests" in index
    status, case = await cg.get("/_sandbox/cases/1")
    assert (case["status"], case["assignee"]) == ("open", "a@b.org")
    assert case["history"][0]["note"] == "hello"
    assert case["history"][0]["assigned"] is True
    assert (await cg.get("/_sandbox/cases/2"))[0] == 404
    cases = (await cg.get("/_sandbox/cases"))[1]["data"]
    assert [c["number_customergauge"] for c in cases] == ["1"]
    counters = (await cg.get("/_sandbox/counters"))[1]
    assert counters["emails"] == {"a@b.org": 1}
    assert counters["counters"]["actions_applied"] == 1
    assert counters["counters"]["tokens_issued"] == 1


async def test_late_apply_lands_after_the_client_gave_up(cg: RawClient, sb: Sandbox) -> None:
    await cg.bearer()
    sb.set_faults(Faults(late_apply_rate=1.0, late_apply_s=0.4))
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(cg.put(BODY), timeout=0.1)
    assert "1" not in sb.state.cases and sb.late_pending == 1  # not applied yet
    sb.set_faults(Faults())
    assert (await cg.put({**BODY, "number_customergauge": "2"}))[0] == 200
    for _ in range(50):
        if not sb.late_pending:
            break
        await asyncio.sleep(0.05)
    assert sb.state.cases["1"].status == "open"  # applied after its successor arrived
    late = [r for r in sb.state.requests if r.case_id == "1"]
    assert [r.status for r in late] == ["applied-late"]
    assert sb.state.counters["fault:late_apply"] == 1


async def test_429_without_retry_after(cg: RawClient, sb: Sandbox) -> None:
    await cg.bearer()
    sb.set_faults(Faults(rate_limit=1, retry_after=False))
    await cg.put(BODY)
    async with cg.session.put(sb.put_url, json=BODY, headers=await cg.bearer()) as answer:
        assert answer.status == 429
        assert "Retry-After" not in answer.headers


async def test_token_endpoint_errors_and_latency(cg: RawClient, sb: Sandbox) -> None:
    sb.set_faults(Faults(token_error_rate=1.0))
    assert (await cg.token())[0] == 500
    sb.set_faults(Faults(token_latency_ms=300))
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(cg.token(), timeout=0.1)
    assert sb.state.counters["fault:token_error"] == 1
