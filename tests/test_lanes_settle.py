"""A case that must settle does not hold its lane: other cases go on meanwhile.

On a virtual clock (tests/virtual_time.py) with the sandbox served by the same loop, so a
settle of minutes takes no real time and the sandbox stamps arrivals on the same clock.
"""

from __future__ import annotations

import time

from backfill.model import Outcome
from backfill.sandbox import Sandbox, SandboxSettings
from backfill.send.lanes import send_cases
from backfill.send.retry_policy import RetryPolicy
from backfill.send.session import ApiSession
from tests.test_sender import V7, config, make_cases, seed
from tests.virtual_time import run_virtual, virtual_loop

SETTLE_S = 120.0


async def settle_run(concurrency: int) -> list[tuple[float, str]]:
    """Case 5000's first action was lost by an earlier run just now; it must settle."""
    loop = virtual_loop()
    cases = make_cases(6, 2)
    async with Sandbox(SandboxSettings(), monotonic=loop.time) as sb:
        seed(sb, cases)
        cfg = config(rate_limit=50, concurrency=concurrency, settle_s=SETTLE_S)
        async with ApiSession(
            cfg, V7, base_url=sb.base_url, token_url=sb.token_url, retry=RetryPolicy(seed=1)
        ) as api:
            report = await send_cases(api, cases, earlier_lost={cases[0][0].key: time.time()})
        assert {r.outcome for r in report.results.values()} == {Outcome.SENT}
        return [(r.arrived, r.case_id) for r in sb.state.requests if r.case_id]


def test_other_cases_proceed_while_one_settles() -> None:
    arrivals = run_virtual(settle_run(concurrency=1))
    order = [case for _, case in arrivals]
    # one lane: case 5000 sends its first action, parks, and the lane serves every other
    # case before 5000's second action may go, SETTLE_S after the earlier run lost the first
    assert order[0] == "5000" and order[-1] == "5000"
    assert order[1:-1] == [c for c in order[1:-1] if c != "5000"] and len(order) == 12
    others_done = arrivals[-2][0]
    assert others_done - arrivals[0][0] < SETTLE_S / 10  # nobody waited for the settle
    assert arrivals[-1][0] - arrivals[0][0] >= SETTLE_S - 1  # and 5000 did settle
