"""What a mismatch most likely means, for the person who must decide what to do next.

A pilot that does not verify stops a migration; the comparison says *what* differs, this says
*why* it probably does, from the pattern across cases: times that equal the time since the
response date (the tenant stamps arrival, not happened_at), times off by one constant number
of hours (a wrong time zone), statuses or assignees the tenant changed, cases not shown.
Each cause is a fact (`Cause`); the CLI and the reports word it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from backfill.codes import Code
from backfill.verify.compare import Comparison, Verdict
from backfill.verify.expectation import UNCHECKED, Expected
from backfill.verify.readback import ASSIGNEE, STATUS, TIME_TO_CLOSE, TIME_TO_FOLLOW_UP, CaseState

TIMES = (TIME_TO_FOLLOW_UP, TIME_TO_CLOSE)
# a case counts as "stamped on arrival" when its hours are within this of the time since its
# response date: the read-back is whole hours, and sending the pilot takes a while
_ARRIVAL_SLACK_H = 2


ADVICE = {
    Code.IGNORES_HAPPENED_AT: (
        "close and follow-up times differ by the time since the response date: the tenant "
        "seems to ignore happened_at and stamp each action with its arrival. Ask CustomerGauge "
        "to accept happened_at for this API user (PUT /v7/rest/close-loop/status), then run "
        "again with --pilot; the cases already sent need correcting in CustomerGauge"
    ),
    Code.TIME_ZONE_OFFSET: (
        "every time is off by the same {hours} hour(s): the times are read in the wrong zone. "
        "Check input.timezone (the zone the export was written in) and api.timezone (the "
        "tenant's), then run again with --pilot"
    ),
    Code.TIMES_DIFFER: (
        "follow-up or close times differ in no single pattern: compare verify.csv with the "
        "input rows of these cases before sending the rest"
    ),
    Code.STATUS_CHANGED: (
        "CustomerGauge holds another final status: a tenant workflow or another integration "
        "changes these cases, or the tenant allows only progressive transitions "
        "(validation.transitions: progressive)"
    ),
    Code.ASSIGNEE_NOT_KEPT: (
        "the assignee was not kept: CustomerGauge assigns only its active users. Add them as "
        "users, or set send.assignee: never"
    ),
    Code.CASE_NOT_SHOWN: (
        "CustomerGauge's answer does not show these cases: the API user may not see them, or "
        "the tenant applies actions later; wait a minute and run `backfill verify`"
    ),
}


@dataclass(frozen=True, slots=True)
class Cause:
    code: Code  # a likely cause (Kind.CAUSE)
    cases: tuple[str, ...]
    hours: int = 0  # the constant offset, for TIME_ZONE_OFFSET

    @property
    def advice(self) -> str:
        return ADVICE[self.code].format(hours=self.hours)


def _hours_between(later: datetime | None, earlier: pd.Timestamp | None) -> int | None:
    if earlier is None or later is None:
        return None
    return int((pd.Timestamp(later) - earlier).total_seconds() // 3600)


def _sent(sent_at: datetime | Mapping[str, datetime], case: str) -> datetime | None:
    return sent_at.get(case) if isinstance(sent_at, Mapping) else sent_at


def by_case(causes: Iterable[Cause]) -> dict[str, str]:
    """Case -> the advice of each cause that names it (verify.csv's likely_cause column)."""
    out: dict[str, list[str]] = {}
    for cause in causes:
        for case in cause.cases:
            out.setdefault(case, []).append(cause.advice)
    return {case: " | ".join(advice) for case, advice in out.items()}


def likely_causes(
    comparison: Comparison,
    expected: Mapping[str, Expected],
    found: Mapping[str, CaseState],
    response_ts: Mapping[str, pd.Timestamp],
    sent_at: datetime | Mapping[str, datetime],
) -> list[Cause]:
    """The causes the mismatches of `comparison` point to; `sent_at` is when the cases went
    (tz-aware UTC; per case when they went at different times, unknown for a case it does
    not name), `response_ts` each case's survey response time (UTC)."""
    frame = comparison.frame
    bad = frame[frame["verdict"] != Verdict.MATCH]
    missing = tuple(bad.loc[bad["verdict"] == Verdict.MISSING, "case"])
    by_field: dict[str, list[str]] = {}
    for case, differs in zip(bad["case"], bad["differs"], strict=True):
        for name in filter(None, str(differs).split(", ")):
            by_field.setdefault(name, []).append(str(case))
    causes: list[Cause] = []
    timed = sorted({case for name in TIMES for case in by_field.get(name, [])})
    if timed:
        causes.append(_time_cause(timed, expected, found, response_ts, sent_at))
    if STATUS in by_field:
        causes.append(Cause(Code.STATUS_CHANGED, tuple(by_field[STATUS])))
    if ASSIGNEE in by_field:
        causes.append(Cause(Code.ASSIGNEE_NOT_KEPT, tuple(by_field[ASSIGNEE])))
    if missing:
        causes.append(Cause(Code.CASE_NOT_SHOWN, missing))
    return causes


def _time_cause(
    cases: list[str],
    expected: Mapping[str, Expected],
    found: Mapping[str, CaseState],
    response_ts: Mapping[str, pd.Timestamp],
    sent_at: datetime | Mapping[str, datetime],
) -> Cause:
    arrival = True
    offsets: set[int] = set()
    for case in cases:
        since = _hours_between(_sent(sent_at, case), response_ts.get(case))
        state, want = found.get(case), expected.get(case)
        for name in TIMES:
            got = getattr(state, name, None) if state is not None else None
            wanted = getattr(want, name, None) if want is not None else None
            if got is None or wanted is None or wanted is UNCHECKED or got == wanted:
                continue
            if since is None or abs(got - since) > _ARRIVAL_SLACK_H:
                arrival = False
            offsets.add(got - wanted)
    if arrival:
        return Cause(Code.IGNORES_HAPPENED_AT, tuple(cases))
    if len(offsets) == 1 and 0 < abs(next(iter(offsets))) <= 14:
        return Cause(Code.TIME_ZONE_OFFSET, tuple(cases), hours=next(iter(offsets)))
    return Cause(Code.TIMES_DIFFER, tuple(cases))
