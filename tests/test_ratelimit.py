"""The limiter's promise, as properties over any traffic pattern, on a virtual clock.

"Never more than `rate_limit` requests in any 1-second window at the server, with 40 ms of
arrival jitter" must hold whatever the lanes do: idle for a while and then flood it, stall
(the client's loop paused while requests wait), trickle. And it must not pay for that with
rate: under sustained demand it reaches its design share of the limit.
"""

from __future__ import annotations

import asyncio
import itertools
import math

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from backfill.send.ratelimit import (
    JITTER_ALLOWANCE_S,
    RateLimiter,
    effective_rate,
    pacing_limiter,
)
from tests.virtual_time import run_virtual, virtual_loop

RATES = [1, 5, 50, 200, 1000]
EXAMPLES = {1: 60, 5: 60, 50: 60, 200: 45, 1000: 20}  # fewer where an example is long
# the server stamps arrivals up to the allowance later than we send; the worst case is one
# request sent early in a window arriving at once, another sent late arriving late
WORST_SPAN_S = 1.0 + JITTER_ALLOWANCE_S
EPSILON_S = 1e-9  # float rounding of the virtual clock, not a tolerance on the promise

Op = tuple[str, float]


def examples(n: int) -> settings:
    return settings(max_examples=n, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def traffic(rate: int) -> st.SearchStrategy[list[Op]]:
    """Idle gaps, floods of concurrent requests, stalls of the client, and waits for quiet."""
    most = int(1.5 * rate) + 5  # more than one window's worth: the window cap must bind
    return st.lists(
        st.one_of(
            st.tuples(st.just("idle"), st.floats(0.0, 3.0)),
            st.tuples(st.just("flood"), st.integers(1, most).map(float)),
            st.tuples(st.just("stall"), st.floats(0.0, 2.0)),
            st.tuples(st.just("drain"), st.just(0.0)),
        ),
        min_size=1,
        max_size=6,
    )


async def play(rate: float, ops: list[Op], late: tuple[float, ...] = ()) -> list[float]:
    """Drive one limiter through `ops`; the (virtual) times at which requests left: when
    acquisitions returned, or with `late`, that much after (request n: late[n % len]), as
    when a new connection must be opened first, told to the limiter as the session does."""
    loop = virtual_loop()
    limiter = pacing_limiter(rate)
    sent: list[float] = []
    waiting: list[asyncio.Task[None]] = []
    numbers = itertools.count()
    on_their_way = 0  # requests past their slot that have not left yet

    async def request() -> None:
        nonlocal on_their_way
        slot = await limiter.acquire()
        if late:
            on_their_way += 1
            await asyncio.sleep(late[next(numbers) % len(late)])
            limiter.left_at(slot, loop.time())
            on_their_way -= 1
        sent.append(loop.time())

    for kind, value in ops:
        if kind == "idle":
            await asyncio.sleep(value)  # floods already started go on meanwhile
        elif kind == "flood":
            waiting += [asyncio.create_task(request()) for _ in range(int(value))]
        elif kind == "stall":
            await asyncio.sleep(0)  # the flood's requests are waiting in the limiter...
            # (a stall while a request is past its slot would delay it beyond the one
            # window the promise covers, module doc: those leave first)
            while on_their_way:
                await asyncio.sleep(0.001)
            loop.stall(value)  # ...when the client stops running for a while
        else:
            await asyncio.gather(*waiting)
            waiting = []
    await asyncio.gather(*waiting)
    return sent


def busiest(sent: list[float], span_s: float) -> int:
    """Most acquisitions whose times lie less than `span_s` apart."""
    best = first = 0
    for last, t in enumerate(sent):
        while t - sent[first] >= span_s - EPSILON_S:
            first += 1
        best = max(best, last - first + 1)
    return best


@pytest.mark.parametrize("rate", RATES)
def test_no_window_at_the_server_holds_more_than_the_limit(rate: int) -> None:
    @examples(EXAMPLES[rate])
    @given(ops=traffic(rate))
    def check(ops: list[Op]) -> None:
        sent = run_virtual(play(rate, ops), poll_s=0)
        assert busiest(sorted(sent), WORST_SPAN_S) <= rate

    check()


@pytest.mark.parametrize("rate", RATES)
def test_requests_that_leave_late_are_counted_from_when_they_left(rate: int) -> None:
    # a slot taken, then a connection to open or a stalled loop: the request reaches the
    # server later (under one window), among those the limiter let go after it
    @examples(EXAMPLES[rate])
    @given(
        ops=traffic(rate),
        late=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=12).map(tuple),
    )
    def check(ops: list[Op], late: tuple[float, ...]) -> None:
        sent = run_virtual(play(rate, ops, late), poll_s=0)
        assert busiest(sorted(sent), WORST_SPAN_S) <= rate

    check()


@pytest.mark.parametrize("rate", RATES)
def test_sustained_demand_reaches_the_design_share(rate: int) -> None:
    # after any history, a queue two windows long is served at the design
    # rate: no rate is lost to rounding, to the window cap or to what happened before
    demand = max(2 * rate, 40)

    @examples(EXAMPLES[rate] // 3)
    @given(before=traffic(rate))
    # one request just before the queue: a bucket that lets both go at once loses a period
    @example(before=[("flood", 1.0)])
    # a stall while one waits: the bucket drains meanwhile, and must not let the queue's
    # first go with it
    @example(before=[("flood", 2.0), ("stall", 1.0)])
    # a late request caught up by the queue, then held back by the window: again and again
    @example(
        before=[("flood", 11.0), ("stall", 1.0), ("idle", 1.25), ("flood", 8.0), ("stall", 0.25)]
    )
    def check(before: list[Op]) -> None:
        sent = run_virtual(
            play(rate, [*before, ("drain", 0.0), ("flood", float(demand))]), poll_s=0
        )
        served = sorted(sent)[-demand:]
        achieved = (demand - 1) / (served[-1] - served[0])
        assert achieved >= 0.995 * effective_rate(rate)

    check()


@pytest.mark.parametrize("rate", [5, 25, 100, 200])
def test_timer_rounding_costs_no_rate(rate: int) -> None:
    # every wait rounded up to the next whole millisecond, as epoll gives it: that makes one
    # request a little late, not every later one (a bucket one deep loses it every time)
    async def scenario() -> list[float]:
        loop = virtual_loop()
        limiter = RateLimiter(rate)
        sent: list[float] = []

        async def request() -> None:
            await limiter.acquire()
            sent.append(loop.time())

        await asyncio.gather(*(request() for _ in range(3 * rate)))
        return sent

    sent = run_virtual(scenario(), poll_s=0, timer_resolution_s=0.001)
    achieved = (len(sent) - 1) / (sent[-1] - sent[0])
    assert achieved >= 0.995 * effective_rate(rate)
    assert busiest(sent, WORST_SPAN_S) <= rate


SPAN_S = 0.1
AT_ONCE = 2  # what may leave together after a stall: the bucket's depth, no more


@pytest.mark.parametrize("rate", [5, 50, 200])
@pytest.mark.parametrize("stall_s", [0.3, 2.0, 5.0])
def test_a_stall_is_never_caught_up_as_a_burst(rate: int, stall_s: float) -> None:
    # The client stops (a garbage collection, a busy machine) while a queue waits: after
    # it, the server sees the usual pace again, not the requests the stall "owes" at once.
    # In any 0.1 s: what the pace allows in it, plus the bucket's burst.
    async def scenario() -> list[float]:
        loop = virtual_loop()
        limiter = pacing_limiter(rate)
        sent: list[float] = []

        async def request() -> None:
            await limiter.acquire()
            sent.append(loop.time())

        queue = [asyncio.create_task(request()) for _ in range(3 * rate)]
        await asyncio.sleep(0.5)  # the queue is being served at the pace...
        loop.stall(stall_s)  # ...when the loop stops
        await asyncio.gather(*queue)
        return sent

    sent = run_virtual(scenario(), poll_s=0)
    pace_s = (1 + JITTER_ALLOWANCE_S) / rate
    assert busiest(sorted(sent), SPAN_S) <= AT_ONCE + math.ceil(SPAN_S / pace_s)
