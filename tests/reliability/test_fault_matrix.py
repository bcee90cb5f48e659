"""The fault matrix: each sandbox fault alone and combined, then resumed until done.

For every scenario the same promises are checked from the sandbox's own record (checks.py):
no row lost, every case applied in order, duplicates only where a report flagged them, and
the exit status the scenario calls for (0 when retries absorb the fault, 3 when the run must
stop: an outage, a token endpoint that hangs or refuses). A scenario that stops is resumed
with the fault gone, as a user would after the outage.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from backfill.errors import ExitStatus
from backfill.runner.run import RunOutcome, run
from backfill.sandbox import Faults, SandboxSettings, ThreadedSandbox
from backfill.send.retry_policy import RetryPolicy
from tests.reliability.checks import Figures, figures
from tests.runner_helpers import sandbox_config, seed, timeline, write_rows, yes

pytestmark = pytest.mark.reliability

CASES, PER_CASE = 30, 3
TIMEOUT_S, LATE_S, SETTLE_S = 0.25, 0.5, 0.6


@dataclass(frozen=True)
class Scenario:
    name: str
    faults: dict[str, Any]
    first_exit: ExitStatus = ExitStatus.OK
    config: dict[str, dict[str, Any]] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    refuse_token_host: bool = False
    duplicates_expected: bool = False  # the fault applies requests whose answer is lost


SCENARIOS = [
    Scenario("late-apply", {"late_apply_rate": 0.1}, duplicates_expected=True),
    Scenario(
        "latency-beyond-timeout",
        {"latency_ms": 50, "jitter_ms": 400},
        # half the answers come after timeout_s (more on a loaded machine): enough attempts
        # that no action runs out of them, since exhausting them is not what is tested here
        config={"send": {"max_attempts": 40}},
        duplicates_expected=True,  # a request that times out is still applied by the server
    ),
    Scenario("429-storm-retry-after", {"rate_limit": 40}),
    Scenario(
        "429-storm-no-retry-after",
        {"rate_limit": 40, "retry_after": False},
        config={"send": {"max_attempts": 40}},  # backoff alone paces: shrunk here, so more
    ),
    Scenario("server-errors-500-502-503", {"error_rate": 0.25}),
    Scenario("drop-before-apply", {"drop_before_rate": 0.15}),
    Scenario("drop-after-apply", {"drop_after_rate": 0.15}, duplicates_expected=True),
    Scenario("token-early-expiry", {"early_expiry_rate": 0.1}),
    Scenario("token-short-lifetime", {}, settings={"token_ttl_s": 0.3}),
    Scenario("token-endpoint-500", {"token_error_rate": 0.5}),
    Scenario("token-endpoint-hangs", {"token_latency_ms": 2000}, first_exit=ExitStatus.ABORTED),
    # nothing sent, a setting to fix (api.region / api.auth_url): a usage error
    Scenario("token-host-refuses", {}, first_exit=ExitStatus.USAGE, refuse_token_host=True),
    Scenario("outage-then-back", {"error_rate": 1.0}, first_exit=ExitStatus.ABORTED),
    Scenario(
        "combined",
        {
            "late_apply_rate": 0.05,
            "error_rate": 0.1,
            "drop_before_rate": 0.05,
            "drop_after_rate": 0.05,
            "early_expiry_rate": 0.05,
            "rate_limit": 60,
            "jitter_ms": 150,
            "token_error_rate": 0.3,
        },
        duplicates_expected=True,
    ),
]

FIGURES: dict[str, tuple[Figures, list[int]]] = {}


def quiet(_: str) -> None:
    pass


def fast() -> RetryPolicy:
    """The default policy with its waits shrunk to tens of milliseconds."""
    return RetryPolicy(base_s=0.02, cap_s=0.2, seed=1)


def settle(sb: ThreadedSandbox) -> None:
    deadline = time.monotonic() + 10
    while sb.late_pending and time.monotonic() < deadline:
        time.sleep(0.02)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_fault(scenario: Scenario, creds, tmp_path: Path, unused_tcp_port: int):
    rows = timeline(CASES, PER_CASE)
    faults = Faults(late_apply_s=LATE_S, seed=12, **scenario.faults)
    with ThreadedSandbox(SandboxSettings(faults=faults, **scenario.settings)) as sb:
        seed(sb, rows)
        data = write_rows(tmp_path / "history.csv", rows)
        sections: dict[str, dict[str, Any]] = {
            "api": {"timeout_s": TIMEOUT_S},
            "send": {"settle_s": SETTLE_S, "max_attempts": 12, "rate_limit": 400},
        }
        for name, values in scenario.config.items():
            sections.setdefault(name, {}).update(values)
        if scenario.refuse_token_host:
            sections["api"]["auth_url"] = f"http://127.0.0.1:{unused_tcp_port}/oauth2/token"
        config = sandbox_config(sb, tmp_path, **sections)
        outcomes: list[RunOutcome] = [
            run([data], config, confirm=yes, echo=quiet, retry_policy=fast())
        ]
        assert outcomes[0].exit_status == scenario.first_exit, outcomes[0].summary
        if scenario.first_exit != ExitStatus.OK:
            assert outcomes[0].summary.outcomes["pending"] > 0
            sb.set_faults(Faults())  # the outage is over / the user fixed api.auth_url
            config = sandbox_config(sb, tmp_path, **{**sections, "api": {"timeout_s": 1}})
        while outcomes[-1].exit_status != ExitStatus.OK and len(outcomes) < 4:
            outcomes.append(run([data], config, confirm=yes, echo=quiet, retry_policy=fast()))
        settle(sb)
        assert outcomes[-1].exit_status == ExitStatus.OK, outcomes[-1].summary
        for outcome in outcomes:  # every row one outcome, in every run
            assert sum(outcome.summary.outcomes.values()) == len(rows)
        found = figures(sb, rows, [o.out_dir for o in outcomes])
        FIGURES[scenario.name] = (found, [int(o.exit_status) for o in outcomes])
        found.assert_sound()
        if not scenario.duplicates_expected:
            assert not found.duplicates or all(
                o.summary.resent_uncertain or o.summary.answer_lost for o in outcomes
            )
        if scenario.name == "token-endpoint-hangs":
            token_requests = [r for r in sb.state.requests if r.path == "/oauth2/token"]
            assert len(token_requests) <= 5 + 1  # one attempt sequence, then the resume's


def test_matrix_figures(request: pytest.FixtureRequest) -> None:
    """Print the closing note's figures (run with -s); runs last in this module."""
    lines = ["scenario | exits | rows | applied | lost | duplicates | unflagged | order"]
    for name, (found, exits) in FIGURES.items():
        lines.append(
            f"{name} | {exits} | {found.rows} | {found.applied} | {len(found.lost)} | "
            f"{len(found.duplicates)} | {len(found.unflagged)} | {len(found.order_violations)}"
        )
    print("\n".join(lines))
    assert all(not f.lost and not f.order_violations for f, _ in FIGURES.values())
