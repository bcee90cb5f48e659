"""Credentials from the environment, and the shared, single-flight token over the sandbox."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from backfill.config import config_from_dict
from backfill.errors import AuthError, ExitStatus
from backfill.model import Action
from backfill.sandbox import Faults, Sandbox, SandboxSettings
from backfill.send.auth import Credentials, TokenManager
from backfill.send.protocol import Kind, build_request
from backfill.send.retry_policy import RetryPolicy
from backfill.send.session import ApiSession

GOOD = Credentials(client_id="sandbox-client", client_secret="sandbox-secret")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- credentials ------------------------------------------------------------------------
def test_repr_never_shows_a_secret() -> None:
    credentials = Credentials("id-123", "secret-456", "key-789")
    for text in (repr(credentials), str(credentials), f"{credentials}"):
        assert "id-123" not in text and "secret-456" not in text and "key-789" not in text
    assert repr(credentials) == "Credentials(client_id=***, client_secret=***, api_key=***)"


def test_v7_credentials_come_from_the_variables_the_config_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MY_ID", "the-id")
    monkeypatch.setenv("MY_SECRET", "the-secret")
    config = config_from_dict(
        {"credentials": {"client_id_env": "MY_ID", "client_secret_env": "MY_SECRET"}}
    )
    assert Credentials.from_env(config) == Credentials("the-id", "the-secret")


def test_v41_needs_only_the_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CG_CLIENT_ID", raising=False)
    monkeypatch.setenv("CG_API_KEY", "k")
    config = config_from_dict({"api": {"version": "v4.1"}})
    assert Credentials.from_env(config) == Credentials(api_key="k")


def test_missing_secret_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CG_CLIENT_ID", "id")
    monkeypatch.delenv("CG_CLIENT_SECRET", raising=False)
    monkeypatch.delenv("CG_CLIENT_SECRET_FILE", raising=False)
    with pytest.raises(AuthError, match="set the environment variable CG_CLIENT_SECRET") as err:
        Credentials.from_env(config_from_dict({}))
    assert err.value.exit_status == ExitStatus.ABORTED


# --- the token manager --------------------------------------------------------------------
async def test_one_token_request_however_many_callers_wait(sandbox: Sandbox) -> None:
    async with aiohttp.ClientSession() as session:
        tokens = TokenManager(session, sandbox.token_url, GOOD)
        values = await asyncio.gather(*(tokens.token() for _ in range(50)))
    assert len(set(values)) == 1
    assert tokens.fetches == 1
    assert sandbox.state.counters["tokens_issued"] == 1


async def test_refreshed_before_expiry_at_90_percent_of_a_short_lifetime(make_sandbox) -> None:
    clock = FakeClock()
    async with make_sandbox(SandboxSettings(token_ttl_s=100)) as sb, aiohttp.ClientSession() as s:
        tokens = TokenManager(s, sb.token_url, GOOD, clock=clock)
        first = await tokens.token()
        clock.now += 89
        assert await tokens.token() == first
        clock.now += 2  # 91 s of 100: due for refresh
        second = await tokens.token()
    assert second != first
    assert tokens.fetches == 2


async def test_an_hour_long_token_is_refreshed_a_minute_before_it_ends(sandbox: Sandbox) -> None:
    clock = FakeClock()
    async with aiohttp.ClientSession() as session:
        tokens = TokenManager(session, sandbox.token_url, GOOD, clock=clock)
        first = await tokens.token()
        clock.now += 3600 - 61
        assert await tokens.token() == first
        clock.now += 2
        assert await tokens.token() != first


async def test_a_401_refreshes_once_for_all_waiting_requests(sandbox: Sandbox) -> None:
    async with aiohttp.ClientSession() as session:
        tokens = TokenManager(session, sandbox.token_url, GOOD)
        stale = await tokens.token()
        tokens.accepted(stale)
        fresh = await asyncio.gather(*(tokens.refused(stale) for _ in range(20)))
    assert len(set(fresh)) == 1 and fresh[0] != stale
    assert tokens.fetches == 2


async def test_a_fresh_token_refused_again_is_an_auth_error(sandbox: Sandbox) -> None:
    async with aiohttp.ClientSession() as session:
        tokens = TokenManager(session, sandbox.token_url, GOOD)
        first = await tokens.token()
        tokens.accepted(first)
        fresh = await tokens.refused(first)  # an expiry: one refresh
        for _ in range(3):  # fresh and refused: maybe early expiries, so far
            fresh = await tokens.refused(fresh)
        with pytest.raises(AuthError, match="refused 4 freshly issued tokens") as err:
            await tokens.refused(fresh)
    assert err.value.exit_status == ExitStatus.ABORTED


async def test_wrong_client_secret_is_refused_with_a_fix_and_no_secret(sandbox: Sandbox) -> None:
    async with aiohttp.ClientSession() as session:
        tokens = TokenManager(session, sandbox.token_url, Credentials("sandbox-client", "nope"))
        with pytest.raises(AuthError) as err:
            await tokens.token()
    message = str(err.value)
    assert "refused the client credentials (HTTP 400: invalid_client)" in message
    assert "client_secret_env" in message
    assert "nope" not in message


# --- through ApiSession -------------------------------------------------------------------
def _action(case: str) -> Action:
    return Action(0, "in.csv", 2, case, 1, "open", "2023-07-02 10:00:00", None, None)


async def test_expired_tokens_are_replaced_mid_run_without_failing_a_request(
    make_sandbox,
) -> None:
    async with make_sandbox() as sb:
        sb.seed_responses({"1": "2023-07-01 09:00:00"})
        config = config_from_dict({"send": {"rate_limit": 1000}})
        async with ApiSession(config, GOOD, base_url=sb.base_url, token_url=sb.token_url) as api:
            first = await api.deliver(build_request(_action("1"), config.api))
            sb.emulator.tokens.clear()  # the server forgets every token: all expired
            second = await api.deliver(build_request(_action("1"), config.api))
    assert (first.kind, second.kind) == (Kind.SENT, Kind.SENT)
    assert second.attempts == 2  # the 401, then the same request with a fresh token
    assert sb.state.counters["tokens_issued"] == 2
    assert len(sb.state.cases["1"].history) == 2


async def test_api_refusing_every_token_halts_the_session(make_sandbox) -> None:
    # Tokens that are dead on arrival: the API refuses the fresh one too.
    async with make_sandbox(SandboxSettings(token_ttl_s=0.000001)) as sb:
        sb.seed_responses({"1": "2023-07-01 09:00:00"})
        config = config_from_dict({"send": {"rate_limit": 1000}})
        async with ApiSession(
            config, GOOD, base_url=sb.base_url, token_url=sb.token_url, retry=RetryPolicy()
        ) as api:
            delivery = await api.deliver(build_request(_action("1"), config.api))
    assert delivery.kind == "pending"
    assert api.aborted is not None and api.aborted.startswith("auth: ")
    # the per-request cap (max_auth_retries: 3 refreshes of tokens that never worked) stops it
    assert sb.state.counters["tokens_issued"] == 4
    assert "1" not in sb.state.cases


# --- failures are shared, unreachable hosts fail fast (issue 12) -------------------------
async def test_a_failed_token_sequence_is_shared_by_every_waiting_lane(make_sandbox) -> None:
    faults = Faults(token_error_rate=1.0)
    async with (
        make_sandbox(SandboxSettings(faults=faults)) as sb,
        aiohttp.ClientSession() as session,
    ):
        tokens = TokenManager(session, sb.token_url, GOOD, backoff=lambda _: 0.0)
        outcomes = await asyncio.gather(*(tokens.token() for _ in range(8)), return_exceptions=True)
    assert all(isinstance(o, AuthError) for o in outcomes)
    assert len({str(o) for o in outcomes}) == 1
    assert tokens.fetches == 5  # one attempt sequence for the run, not one per lane
    assert sb.state.counters["fault:token_error"] == 5


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://no-such-region.invalid/oauth2/token", "its name does not resolve"),
        ("http://127.0.0.1:{closed}/oauth2/token", "it refused the connection"),
    ],
)
async def test_an_unreachable_token_host_fails_fast_naming_host_and_region(
    url: str, why: str, unused_tcp_port: int
) -> None:
    url = url.format(closed=unused_tcp_port)
    async with aiohttp.ClientSession() as session:
        tokens = TokenManager(session, url, GOOD, region="eu", backoff=lambda _: 30.0)
        with pytest.raises(AuthError) as err:
            await asyncio.wait_for(tokens.token(), timeout=5)
    message = str(err.value)
    assert why in message and "api.region is 'eu'" in message
    assert url.split("/")[2] in message
    assert tokens.fetches == 1


async def test_an_unreachable_api_host_halts_at_once(sandbox: Sandbox, unused_tcp_port) -> None:
    config = config_from_dict({"send": {"rate_limit": 1000}, "api": {"region": "us"}})
    async with ApiSession(
        config,
        GOOD,
        base_url=f"http://127.0.0.1:{unused_tcp_port}",
        token_url=sandbox.token_url,
        retry=RetryPolicy(base_s=30),
    ) as api:
        delivery = await asyncio.wait_for(
            api.deliver(build_request(_action("1"), config.api)), timeout=5
        )
    assert delivery.kind == "pending" and delivery.attempts == 1
    assert api.aborted is not None and "refused the connection" in api.aborted
    assert "api.region is 'us'" in api.aborted


async def test_429s_never_trip_the_outage_breaker(make_sandbox) -> None:
    faults = Faults(rate_limit=1, retry_after=False)
    async with make_sandbox(SandboxSettings(faults=faults)) as sb:
        sb.seed_responses({str(n): "2023-07-01 09:00:00" for n in range(6)})
        config = config_from_dict({"send": {"rate_limit": 1000, "max_attempts": 100}})
        policy = RetryPolicy(base_s=0.01, cap_s=0.02, breaker_threshold=3)
        async with ApiSession(
            config, GOOD, base_url=sb.base_url, token_url=sb.token_url, retry=policy
        ) as api:
            deliveries = [
                await api.deliver(build_request(_action(str(n)), config.api)) for n in range(4)
            ]
    assert [d.kind for d in deliveries] == [Kind.SENT] * 4
    assert api.aborted is None
    assert sb.state.counters["fault:rate_limited"] >= 3
