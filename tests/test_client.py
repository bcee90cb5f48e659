"""Requests per API version, the meaning of answers, and ApiSession over the real sandbox."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from backfill.config import ApiConfig, config_from_dict
from backfill.errors import AbortedError
from backfill.model import Action
from backfill.sandbox import Faults, Sandbox, SandboxSettings
from backfill.send.auth import Credentials
from backfill.send.protocol import (
    Kind,
    UnsendableError,
    build_request,
    interpret,
)
from backfill.send.retry_policy import RetryPolicy, parse_retry_after
from backfill.send.session import ApiError, ApiSession

V7_CREDENTIALS = Credentials(client_id="sandbox-client", client_secret="sandbox-secret")
FAST = RetryPolicy(base_s=0.001, cap_s=0.01, seed=7)


def action(
    status: str = "progress",
    *,
    case: str = "53499",
    happened_at: str | None = "2023-07-31 08:50:15",
    note: str | None = "Will get in touch",
    assignee: str | None = None,
    key: int = 0,
) -> Action:
    return Action(key, "in.csv", key + 2, case, 1, status, happened_at, note, assignee)


# --- building requests ------------------------------------------------------------------
def test_v7_json_body_carries_the_documented_fields() -> None:
    request = build_request(action(assignee="john.doe@company.com"), ApiConfig())
    assert (request.method, request.path, request.form) == (
        "PUT",
        "/v7/rest/close-loop/status",
        None,
    )
    assert request.json == {
        "number_customergauge": "53499",
        "status": "progress",
        "happened_at": "2023-07-31 08:50:15",
        "note": "Will get in touch",
        "assignee": "john.doe@company.com",
    }


def test_v7_form_body_and_absent_fields_are_left_out() -> None:
    request = build_request(
        action("closed", happened_at=None, note=None), ApiConfig(body_format="form")
    )
    assert request.json is None
    assert request.form == {"number_customergauge": "53499", "status": "closed"}


@pytest.mark.parametrize(
    ("status", "word"), [("open", "OPEN"), ("progress", "IN-PROGRESS"), ("closed", "CLOSED")]
)
def test_v41_form_fields_status_words_and_no_happened_at(status: str, word: str) -> None:
    request = build_request(action(status, assignee="a@b.com"), ApiConfig(version="v4.1"))
    assert (request.method, request.path, request.json) == ("POST", "/v4.1/workflow.json", None)
    assert request.form == {
        "number_customergauge": "53499",
        "status": word,
        "comment": "Will get in touch",
        "assigned_to": "a@b.com",
    }


def test_v41_extended_integer_statuses_pass_through_only_when_enabled() -> None:
    extended = ApiConfig(version="v4.1", extended_statuses=True)
    assert build_request(action("42"), extended).form["status"] == "42"  # type: ignore[index]
    with pytest.raises(UnsendableError, match=r"api\.extended_statuses: true"):
        build_request(action("42"), ApiConfig(version="v4.1"))


# --- interpreting answers ---------------------------------------------------------------
def test_v7_200_is_sent_and_false_for_a_part_not_sent_is_ignored() -> None:
    body = '{"data": {"status": true, "note": true, "assignee": false}}'
    fields = {"number_customergauge": "1", "status": "open", "note": "x"}
    verdict = interpret("v7", 200, body, sent_fields=fields)
    assert (verdict.kind, verdict.refused) == (Kind.SENT, ())


def test_v7_200_with_a_false_for_a_sent_part_is_partial_naming_it() -> None:
    body = '{"data": {"status": true, "note": true, "assignee": false}}'
    fields = {"number_customergauge": "1", "status": "open", "assignee": "x@y.z"}
    verdict = interpret("v7", 200, body, sent_fields=fields)
    assert verdict.kind == Kind.PARTIAL
    assert verdict.error == "not applied by the API: assignee (data.* false)"
    assert verdict.refused == ("assignee",)  # as data: nothing reads the text back


def test_v7_200_with_several_sent_parts_false_refuses_each_by_its_api_name() -> None:
    body = '{"data": {"status": true, "note": false, "assignee": false}}'
    fields = {"number_customergauge": "1", "status": "open", "note": "n", "assignee": "x@y.z"}
    verdict = interpret("v7", 200, body, sent_fields=fields)
    assert (verdict.kind, verdict.refused) == (Kind.PARTIAL, ("note", "assignee"))
    assert verdict.error == "not applied by the API: note, assignee (data.* false)"


def test_v7_422_is_permanent_with_the_errors_joined() -> None:
    body = (
        '{"message": "The given data was invalid.", "errors": {"happened_at": '
        '["The happened at must be a date after the survey response date."], '
        '"status": ["The selected status is invalid."]}}'
    )
    verdict = interpret("v7", 422, body)
    assert (verdict.kind, verdict.http_status) == (Kind.FAILED, 422)
    assert verdict.error == (
        "The given data was invalid. (happened_at: The happened at must be a date after the "
        "survey response date.; status: The selected status is invalid.)"
    )


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
def test_server_errors_are_retryable_even_with_an_html_body(status: int) -> None:
    verdict = interpret("v7", status, "<html><h1>Bad Gateway</h1></html>")
    assert verdict.kind == Kind.RETRY
    assert verdict.retry_after is None


def test_429_carries_retry_after_and_401_asks_for_a_token() -> None:
    verdict = interpret("v7", 429, '{"message": "Too Many Attempts."}', {"retry-after": "3"})
    assert (verdict.kind, verdict.retry_after) == (Kind.RETRY, 3.0)
    assert interpret("v7", 401, '{"message": "Unauthenticated."}').kind == Kind.AUTH
    assert interpret("v7", 404, "").kind == Kind.FAILED


@pytest.mark.parametrize("status", [200, 400, 404])
def test_v41_error_body_is_a_failure_whatever_the_status(status: int) -> None:
    verdict = interpret(
        "v4.1", status, '{"Error": {"Message": "Workflow not found", "Code": 400200}}'
    )
    assert verdict.kind == Kind.FAILED
    assert verdict.error == "Workflow not found (code 400200)"


def test_v41_data_is_sent_5xx_retryable_and_401_is_auth() -> None:
    assert interpret("v4.1", 200, '{"Data": {"number_customergauge": 12}}').kind == Kind.SENT
    assert interpret("v4.1", 503, '{"Error": {"Message": "down", "Code": 1}}').kind == Kind.RETRY
    assert (
        interpret("v4.1", 401, '{"Error": {"Message": "Invalid API key", "Code": 200000}}').kind
        == Kind.AUTH
    )


def test_retry_after_in_seconds_or_as_an_http_date() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    later = datetime.now(UTC) + timedelta(seconds=30)
    assert 25 < parse_retry_after(format_datetime(later, usegmt=True)) <= 30  # type: ignore[operator]


def test_backoff_grows_with_jitter_and_is_reproducible_with_a_seed() -> None:
    first = [RetryPolicy(base_s=1, cap_s=8, seed=3).backoff(n) for n in range(1, 6)]
    again = [RetryPolicy(base_s=1, cap_s=8, seed=3).backoff(n) for n in range(1, 6)]
    assert first == again
    for n, wait in enumerate(first, start=1):
        step = min(8, 2 ** (n - 1))
        assert step / 2 <= wait <= step


# --- ApiSession over the sandbox --------------------------------------------------------
async def test_session_sends_json_and_form_bodies_the_sandbox_applies(sandbox: Sandbox) -> None:
    sandbox.seed_responses({"53499": "2023-07-01 09:00:00", "53500": "2023-07-01 09:00:00"})
    for body_format, case in (("json", "53499"), ("form", "53500")):
        config = config_from_dict({"api": {"body_format": body_format}})
        async with ApiSession(
            config, V7_CREDENTIALS, base_url=sandbox.base_url, token_url=sandbox.token_url
        ) as api:
            delivery = await api.deliver(build_request(action(case=case), config.api))
        assert (delivery.kind, delivery.http_status, delivery.attempts) == (Kind.SENT, 200, 1)
        history = sandbox.state.cases[case].history
        assert [(h.status, h.note) for h in history] == [("progress", "Will get in touch")]
        assert history[0].happened_at_given


async def test_request_log_has_one_line_per_attempt_and_no_secret(
    make_sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    settings = SandboxSettings(faults=Faults(error_rate=0.5, seed=4))
    async with make_sandbox(settings) as sb:
        cases = [str(n) for n in range(100, 106)]
        sb.seed_responses(dict.fromkeys(cases, "2023-07-01 09:00:00"))
        logger = logging.getLogger("backfill.test.requests")
        config = config_from_dict({"send": {"max_attempts": 20, "rate_limit": 1000}})
        with caplog.at_level(logging.INFO, logger=logger.name):
            async with ApiSession(
                config,
                V7_CREDENTIALS,
                base_url=sb.base_url,
                token_url=sb.token_url,
                request_log=logger,
                retry=FAST,
            ) as api:
                deliveries = [
                    await api.deliver(build_request(action(case=case), config.api))
                    for case in cases
                ]
    lines = [r.getMessage() for r in caplog.records if r.name == logger.name]
    assert {d.kind for d in deliveries} == {Kind.SENT}
    assert len(lines) == sum(d.attempts for d in deliveries) == api.requests > len(cases)
    pattern = (
        r"PUT /v7/rest/close-loop/status case=10\d status=(200|50\d) attempt=\d+ latency_ms=\d+"
    )
    assert all(re.fullmatch(pattern, line) for line in lines), lines
    assert any(" status=50" in line for line in lines)
    text = "\n".join(lines)
    assert "sandbox-secret" not in text and "Bearer" not in text
    for token in sb.emulator.tokens:
        assert token not in text


async def test_no_request_is_repeated_behind_our_back_when_connections_drop(make_sandbox) -> None:
    # aiohttp would silently re-send a PUT on a dropped keep-alive connection; every
    # request the sandbox sees must be one ApiSession counted (and could mark uncertain).
    settings = SandboxSettings(faults=Faults(drop_before_rate=0.2, drop_after_rate=0.2, seed=9))
    async with make_sandbox(settings) as sb:
        cases = {str(1000 + n): "2023-07-01 09:00:00" for n in range(30)}
        sb.seed_responses(cases)
        config = config_from_dict({"send": {"max_attempts": 20, "rate_limit": 1000}})
        async with ApiSession(
            config, V7_CREDENTIALS, base_url=sb.base_url, token_url=sb.token_url, retry=FAST
        ) as api:
            deliveries = [
                await api.deliver(build_request(action(case=case), config.api)) for case in cases
            ]
        api_requests = [r for r in sb.state.requests if r.path.startswith("/v7")]
        assert len(api_requests) == api.requests
        dropped_after = {r.case_id for r in api_requests if r.status == "dropped-after"}
        assert dropped_after, "the seed should drop some answers"
        for case, delivery in zip(cases, deliveries, strict=True):
            assert delivery.kind == Kind.SENT
            applied = len(sb.state.cases[case].history)
            assert applied == 1 or delivery.resent_uncertain
            if case in dropped_after:
                assert delivery.resent_uncertain


async def test_v41_session_uses_the_api_key_and_keeps_no_time(make_sandbox) -> None:
    async with make_sandbox(SandboxSettings(extended_statuses=True)) as sb:
        sb.seed_responses({"12": "2023-07-01 09:00:00"})
        sb.add_users(["des.patch@directness.net"])
        config = config_from_dict({"api": {"version": "v4.1", "extended_statuses": True}})
        async with ApiSession(
            config, Credentials(api_key="sandbox-key"), base_url=sb.base_url
        ) as api:
            closed = await api.deliver(
                build_request(
                    action("closed", case="12", assignee="des.patch@directness.net"), config.api
                )
            )
            extended = await api.deliver(build_request(action("42", case="12"), config.api))
            unknown = await api.deliver(build_request(action("open", case="99"), config.api))
        assert (closed.kind, extended.kind) == (Kind.SENT, Kind.SENT)
        assert (unknown.kind, unknown.http_status) == (Kind.FAILED, 400)
        assert unknown.error == "Workflow not found (code 400200)"
        history = sb.state.cases["12"].history
        assert [h.api for h in history] == ["v4.1", "v4.1"]
        assert not history[0].happened_at_given
        assert history[0].note == "Will get in touch"
        assert sb.state.cases["12"].assignee == "des.patch@directness.net"


async def test_get_json_reads_through_the_same_session(make_sandbox) -> None:
    async with make_sandbox() as sb:
        sb.seed_responses({"53499": "2023-07-01 09:00:00"})
        config = config_from_dict({"send": {"rate_limit": 1000}})
        async with ApiSession(
            config, V7_CREDENTIALS, base_url=sb.base_url, token_url=sb.token_url
        ) as api:
            await api.deliver(build_request(action(), config.api))
            page = await api.get_json("/v7/rest/sync/close-loop", {"per_page": "10"})
            with pytest.raises(ApiError, match="HTTP 422"):
                await api.get_json("/v7/rest/sync/close-loop", {"per_page": "5000"})
        assert [row["number_customergauge"] for row in page["data"]] == ["53499"]
        assert api.requests == 3


async def test_a_timeout_is_an_answer_lost_and_the_repeat_is_marked_uncertain(
    make_sandbox,
) -> None:
    async with make_sandbox() as sb:
        sb.seed_responses({"53499": "2023-07-01 09:00:00"})
        config = config_from_dict(
            {"api": {"timeout_s": 0.1}, "send": {"max_attempts": 2, "rate_limit": 1000}}
        )
        async with ApiSession(
            config, V7_CREDENTIALS, base_url=sb.base_url, token_url=sb.token_url, retry=FAST
        ) as api:
            first = await api.deliver(build_request(action(), config.api))
            sb.set_faults(Faults(latency_ms=400))  # the token endpoint is slow too: fetch first
            slow = await api.deliver(build_request(action(), config.api))
    assert (first.kind, first.resent_uncertain) == (Kind.SENT, False)
    assert (slow.kind, slow.attempts, slow.resent_uncertain) == (Kind.FAILED, 2, True)
    assert slow.error == "gave up after 2 attempts: no answer within 0.1 s"


async def test_get_json_during_an_outage_stops_with_the_breakers_reason(make_sandbox) -> None:
    async with make_sandbox(SandboxSettings(faults=Faults(error_rate=1.0, seed=1))) as sb:
        config = config_from_dict({"send": {"max_attempts": 10, "rate_limit": 1000}})
        policy = RetryPolicy(base_s=0.001, cap_s=0.01, breaker_threshold=3, seed=1)
        async with ApiSession(
            config, V7_CREDENTIALS, base_url=sb.base_url, token_url=sb.token_url, retry=policy
        ) as api:
            with pytest.raises(AbortedError, match="service unavailable: 3 transient failures"):
                await api.get_json("/v7/rest/sync/close-loop", {})
        assert api.requests == 3
