"""The scheduler over the real sandbox: order, rate, faults, blocking, breaker, stop."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest

from backfill.config import Config, config_from_dict
from backfill.model import Action, Outcome, ProgressEvent, Result
from backfill.sandbox import Faults, Sandbox, SandboxSettings
from backfill.send.auth import Credentials
from backfill.send.lanes import SendReport, send_cases
from backfill.send.retry_policy import RetryPolicy
from backfill.send.session import ApiSession

V7 = Credentials(client_id="sandbox-client", client_secret="sandbox-secret")
RESPONSE_DATE = "2023-01-01 08:00:00"
STATUSES = ("open", "progress", "closed")


def make_cases(
    n_cases: int, per_case: int | Sequence[int], *, first_case: int = 5000, seed: int = 0
) -> list[list[Action]]:
    """Cases of timeline-ordered actions; every note is unique so the sandbox's history
    shows which action was applied (and how often)."""
    rng = random.Random(seed)
    cases: list[list[Action]] = []
    key = 0
    for n in range(n_cases):
        case = str(first_case + n)
        count = per_case if isinstance(per_case, int) else rng.choice(list(per_case))
        actions = []
        for seq in range(1, count + 1):
            actions.append(
                Action(
                    key=key,
                    source="in.csv",
                    row=key + 2,
                    case=case,
                    case_seq=seq,
                    status=STATUSES[(seq - 1) % 3],
                    happened_at=f"2023-02-{seq:02d} 10:00:00",
                    note=f"k{key}",
                    assignee=None,
                )
            )
            key += 1
        cases.append(actions)
    return cases


def seed(sb: Sandbox, cases: list[list[Action]]) -> None:
    sb.seed_responses({actions[0].case: RESPONSE_DATE for actions in cases})


def config(**send: Any) -> Config:
    # settle_s small: the sandbox applies nothing late here, so waiting 30 s proves nothing
    return config_from_dict(
        {"send": {"rate_limit": 2000, "concurrency": 16, "settle_s": 0.05, **send}}
    )


async def run(
    sb: Sandbox,
    cases: list[list[Action]],
    cfg: Config,
    *,
    retry: RetryPolicy | None = None,
    credentials: Credentials = V7,
    **kwargs: Any,
) -> SendReport:
    async with ApiSession(
        cfg,
        credentials,
        base_url=sb.base_url,
        token_url=sb.token_url,
        retry=retry or RetryPolicy(base_s=0.002, cap_s=0.02, seed=1),
    ) as api:
        return await send_cases(api, cases, **kwargs)


def applied_notes(sb: Sandbox, case: str) -> list[str]:
    found = sb.state.cases.get(case)
    return [entry.note or "" for entry in found.history] if found else []


def dedup_adjacent(items: list[str]) -> list[str]:
    return [item for n, item in enumerate(items) if n == 0 or items[n - 1] != item]


class Recorder:
    """SendHooks that checks the hook contract as it goes."""

    def __init__(self) -> None:
        self.attempts: list[tuple[int, int]] = []
        self.results: dict[int, Result] = {}

    def on_attempt(self, action: Action, attempt: int) -> None:
        assert action.key not in self.results, "attempt after the final result"
        self.attempts.append((action.key, attempt))

    def on_result(self, action: Action, result: Result) -> None:
        assert action.key not in self.results, "on_result twice for one action"
        self.results[action.key] = result


class Progress:
    """An on_progress callback that keeps the last count of every stage."""

    def __init__(self) -> None:
        self.last: dict[str, int] = {}

    def __call__(self, event: ProgressEvent) -> None:
        assert event.done >= self.last.get(event.stage, 0), "progress went backwards"
        self.last[event.stage] = event.done


# --- order ------------------------------------------------------------------------------
async def test_every_case_arrives_in_timeline_order_under_random_latency(make_sandbox) -> None:
    settings = SandboxSettings(faults=Faults(latency_ms=1, jitter_ms=15, seed=3))
    cases = make_cases(60, (1, 2, 3, 5, 8), seed=3)
    async with make_sandbox(settings) as sb:
        seed(sb, cases)
        hooks, progress = Recorder(), Progress()
        report = await run(sb, cases, config(concurrency=16), hooks=hooks, on_progress=progress)
    total = sum(len(c) for c in cases)
    assert Counter(r.outcome for r in report.results.values()) == {Outcome.SENT: total}
    assert hooks.results == report.results and progress.last["send"] == total
    assert report.requests == total and report.aborted is None
    for actions in cases:
        assert applied_notes(sb, actions[0].case) == [a.note for a in actions]
    # lanes really overlapped: some case started before another one finished
    arrivals = [r.case_id for r in sb.state.requests if r.path.startswith("/v7")]
    first_seen = {case: arrivals.index(case) for case in set(arrivals)}
    last_seen = {case: len(arrivals) - 1 - arrivals[::-1].index(case) for case in set(arrivals)}
    assert any(first_seen[b] < last_seen[a] for a in first_seen for b in first_seen if a != b)


# --- rate -------------------------------------------------------------------------------
@pytest.mark.parametrize(("rate", "n_actions"), [(10, 24), (120, 260)])
async def test_no_one_second_window_at_the_sandbox_exceeds_the_rate_limit(
    make_sandbox, rate: int, n_actions: int
) -> None:
    cases = make_cases(n_actions // 2, 2)
    async with make_sandbox(SandboxSettings(faults=Faults(jitter_ms=3, seed=5))) as sb:
        seed(sb, cases)
        report = await run(sb, cases, config(rate_limit=rate, concurrency=16))
    assert report.requests == n_actions
    # The sandbox shares the client's loop: on a busy machine it stamps arrivals up to
    # ~100 ms late, beyond the limiter's 40 ms allowance, and the limiter runs at the
    # window's full pace. So the windows here are 0.9 s; tests/test_ratelimit.py proves the
    # exact promise on a virtual clock.
    window_s = 1.0 - 0.1
    assert sb.state.max_requests_in_window(window_s) <= rate
    # the first second too: no initial burst
    times = sorted(r.arrived for r in sb.state.requests if r.path.startswith("/v7"))
    assert sum(1 for t in times if t - times[0] < window_s) <= rate


async def test_retry_after_pauses_the_whole_run_not_one_lane(make_sandbox) -> None:
    # The client is allowed 60/s, the server admits 6 per second and says Retry-After: 1.
    settings = SandboxSettings(faults=Faults(rate_limit=6, seed=2))
    cases = make_cases(12, 2)
    async with make_sandbox(settings) as sb:
        seed(sb, cases)
        report = await run(sb, cases, config(rate_limit=60, concurrency=8, max_attempts=10))
    assert {r.outcome for r in report.results.values()} == {Outcome.SENT}
    log = [r for r in sb.state.requests if r.path.startswith("/v7")]
    first_429 = next(n for n, r in enumerate(log) if r.status == 429)
    t = log[first_429].arrived
    # Without a run-wide pause the other lanes would go on at 60/s (~50 in the next 0.9 s);
    # with it only requests already past the limiter can still arrive.
    followers = [r for r in log[first_429 + 1 :] if r.arrived - t < 0.9]
    assert len(followers) <= 8
    assert sb.state.counters["fault:rate_limited"] < 3 * 8


# --- faults -----------------------------------------------------------------------------
async def test_fault_soak_applies_every_action_once_except_after_lost_answers(
    make_sandbox,
) -> None:
    # 10 % 5xx, 5 % dropped connections (half before, half after applying), a token that
    # lives 1 s, and 429s with Retry-After from a server that admits 50/s while we may send
    # 800/s (at 200/s a loaded machine's client never outran the server: no 429 at all).
    faults = Faults(
        latency_ms=10,
        jitter_ms=4,
        error_rate=0.10,
        drop_before_rate=0.025,
        drop_after_rate=0.025,
        rate_limit=50,
        seed=11,
    )
    cases = make_cases(110, (1, 2, 3, 4), seed=11)
    total = sum(len(c) for c in cases)
    async with make_sandbox(SandboxSettings(token_ttl_s=1.0, faults=faults)) as sb:
        seed(sb, cases)
        hooks = Recorder()
        report = await run(
            sb,
            cases,
            config(rate_limit=800, concurrency=16, max_attempts=12),
            hooks=hooks,
            retry=RetryPolicy(base_s=0.01, cap_s=0.1, seed=11),
        )
    counters = sb.state.counters
    assert counters["fault:server_error"] and counters["fault:drop_after"]
    # how often the client outruns the server depends on the machine's load: that it did is
    # what the soak needs
    assert counters["fault:rate_limited"] > 0
    assert counters["tokens_issued"] >= 2
    assert report.aborted is None
    assert Counter(r.outcome for r in report.results.values()) == {Outcome.SENT: total}
    lost_cases = {
        r.case_id
        for r in sb.state.requests
        if r.status in ("dropped-after", "dropped-before") and r.case_id
    }
    twice = 0
    for actions in cases:
        notes = applied_notes(sb, actions[0].case)
        assert dedup_adjacent(notes) == [a.note for a in actions]  # order, nothing missing
        for action in actions:
            applied = notes.count(action.note)
            result = report.results[action.key]
            if applied > 1:
                twice += 1
                assert result.resent_uncertain, (action, result)
                assert action.case in lost_cases
            assert result.attempts >= applied
    # every extra application is one whose answer the sandbox dropped after applying it
    assert twice <= counters["fault:drop_after"]
    extra = sum(len(applied_notes(sb, c[0].case)) for c in cases) - total
    assert extra == counters["fault:drop_after"]
    assert (
        len(hooks.attempts) == report.requests == sum(r.attempts for r in report.results.values())
    )


async def test_unknown_assignee_is_partial_and_the_case_goes_on(make_sandbox) -> None:
    cases = make_cases(1, 3)
    cases[0][1] = replace(cases[0][1], assignee="nobody@example.com")
    async with make_sandbox() as sb:
        seed(sb, cases)
        sb.add_users(["known@example.com"])
        report = await run(sb, cases, config())
    outcomes = [report.results[a.key].outcome for a in cases[0]]
    assert outcomes == [Outcome.SENT, Outcome.PARTIAL, Outcome.SENT]
    partial = report.results[cases[0][1].key]
    assert partial.error == "not applied by the API: assignee (data.* false)"
    assert partial.refused == ("assignee",)
    assert {report.results[a.key].refused for a in (cases[0][0], cases[0][2])} == {()}
    assert len(applied_notes(sb, cases[0][0].case)) == 3


async def test_a_permanent_error_blocks_the_rest_of_its_case_only(make_sandbox) -> None:
    cases = make_cases(3, 3)
    bad = cases[1][1]
    # happened_at before the survey response date: a 422 from the API
    cases[1][1] = replace(bad, happened_at="2022-12-31 10:00:00")
    async with make_sandbox() as sb:
        seed(sb, cases)
        progress = Progress()
        report = await run(sb, cases, config(), on_progress=progress)
    results = [report.results[a.key] for a in cases[1]]
    assert [r.outcome for r in results] == [Outcome.SENT, Outcome.FAILED, Outcome.BLOCKED]
    assert results[1].http_status == 422 and results[1].attempts == 1
    assert "happened_at" in results[1].error or "happened at" in results[1].error
    assert results[2].error == (
        f"blocked: row {bad.row} of in.csv (an earlier action of case {bad.case}) failed"
    )
    assert results[2].attempts == 0
    for other in (cases[0], cases[2]):
        assert {report.results[a.key].outcome for a in other} == {Outcome.SENT}
    assert progress.last["send failed"] == 2


async def test_on_case_failure_continue_sends_the_rest(make_sandbox) -> None:
    cases = make_cases(1, 3)
    cases[0][1] = replace(cases[0][1], happened_at="2022-12-31 10:00:00")
    async with make_sandbox() as sb:
        seed(sb, cases)
        report = await run(sb, cases, config(on_case_failure="continue"))
    assert [report.results[a.key].outcome for a in cases[0]] == [
        Outcome.SENT,
        Outcome.FAILED,
        Outcome.SENT,
    ]


async def test_retries_exhausted_fail_the_action_with_the_last_error(make_sandbox) -> None:
    cases = make_cases(1, 2)
    async with make_sandbox(SandboxSettings(faults=Faults(error_rate=1.0, seed=1))) as sb:
        seed(sb, cases)
        report = await run(sb, cases, config(max_attempts=3))
    first, second = (report.results[a.key] for a in cases[0])
    assert (first.outcome, first.attempts) == (Outcome.FAILED, 3)
    assert first.error.startswith("gave up after 3 attempts: ")
    assert second.outcome == Outcome.BLOCKED
    assert report.aborted is None


async def test_circuit_breaker_stops_the_run_and_leaves_the_rest_pending(make_sandbox) -> None:
    cases = make_cases(40, 3)
    async with make_sandbox(SandboxSettings(faults=Faults(error_rate=1.0, seed=1))) as sb:
        seed(sb, cases)
        report = await run(sb, cases, config(max_attempts=100, concurrency=4))
    assert report.aborted is not None
    assert report.aborted.startswith("service unavailable: 20 transient failures in a row")
    assert report.requests < 20 + 4  # only what was already on its way
    outcomes = Counter(r.outcome for r in report.results.values())
    assert outcomes == {Outcome.PENDING: 120}
    assert not sb.state.cases


async def test_stop_event_lets_in_flight_requests_finish_and_the_rest_is_pending(
    make_sandbox,
) -> None:
    cases = make_cases(30, 3)
    stop = asyncio.Event()

    class StopAfterTen(Recorder):
        def on_result(self, action: Action, result: Result) -> None:
            super().on_result(action, result)
            if len(self.results) == 10:
                stop.set()

    hooks = StopAfterTen()
    progress = Progress()
    async with make_sandbox(SandboxSettings(faults=Faults(latency_ms=5, seed=1))) as sb:
        seed(sb, cases)
        report = await run(
            sb, cases, config(concurrency=4), hooks=hooks, stop=stop, on_progress=progress
        )
    outcomes = Counter(r.outcome for r in report.results.values())
    assert (
        outcomes[Outcome.SENT] + outcomes[Outcome.PENDING] == 90 and outcomes[Outcome.PENDING] > 60
    )
    assert (
        progress.last["send"] == outcomes[Outcome.SENT]
    )  # progress shows how far the run got, not 100 %
    assert hooks.results == report.results
    assert report.aborted is None
    # every sent action was applied, nothing pending was, and cases stay in order
    for actions in cases:
        sent = [a.note for a in actions if report.results[a.key].outcome == Outcome.SENT]
        assert applied_notes(sb, actions[0].case) == sent
        outcomes_in_case = [report.results[a.key].outcome for a in actions]
        assert outcomes_in_case == sorted(outcomes_in_case, key=lambda o: o == Outcome.PENDING)


async def test_refused_credentials_abort_with_everything_pending(make_sandbox) -> None:
    cases = make_cases(5, 2)
    async with make_sandbox() as sb:
        seed(sb, cases)
        report = await run(sb, cases, config(), credentials=Credentials("sandbox-client", "bad"))
    assert report.aborted is not None and report.aborted.startswith("auth: the token endpoint")
    assert Counter(r.outcome for r in report.results.values()) == {Outcome.PENDING: 10}
    assert report.requests == 0


async def test_v41_run_sends_status_words_in_order_and_a_bad_key_aborts(make_sandbox) -> None:
    cases = make_cases(4, 3)
    cfg = config_from_dict({"api": {"version": "v4.1"}, "send": {"rate_limit": 2000}})
    async with make_sandbox() as sb:
        seed(sb, cases)
        report = await run(sb, cases, cfg, credentials=Credentials(api_key="sandbox-key"))
        refused = await run(sb, cases, cfg, credentials=Credentials(api_key="wrong"))
    assert {r.outcome for r in report.results.values()} == {Outcome.SENT}
    for actions in cases:
        history = sb.state.cases[actions[0].case].history
        assert [(h.status, h.note, h.api) for h in history] == [
            (a.status, a.note, "v4.1") for a in actions
        ]
    assert refused.aborted is not None and "refused the API key" in refused.aborted
    assert "CG_API_KEY" in refused.aborted
    assert {r.outcome for r in refused.results.values()} == {Outcome.PENDING}
