"""`run --pilot N`: which whole cases go first, so that one read-back proves the rest will land.

A pilot is worth as much as the variety it covers: a tenant that ignores happened_at shows it
on any case, but one that drops re-opens, notes or assignees shows it only on a case that has
them. So the pilot is chosen greedily: each pick is the case that covers most of what the
pilot does not cover yet (a re-open, a note, an assignee, the longest timeline, each input
file's time column), ties going to the earlier case in send order; when everything is
covered and N is not reached, the next cases in send order fill it up. Same plan, same pilot.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from backfill.config import Config
from backfill.model import CASE, RESPONSE_TS, Action
from backfill.plan.build import Plan
from backfill.report.summary import PilotCause, PilotReport
from backfill.verify.check import VerifyOutcome
from backfill.verify.compare import Verdict
from backfill.verify.diagnose import likely_causes
from backfill.verify.expectation import UNCHECKED

REOPEN = "a re-open"
NOTE = "a note"
ASSIGNEE = "an assignee"


@dataclass(frozen=True)
class Pilot:
    """The pilot's cases (in send order), the rest, and what each pilot case covers."""

    cases: list[list[Action]]
    rest: list[list[Action]]
    reasons: dict[str, list[str]] = field(default_factory=dict)  # case -> what it covers

    @property
    def case_ids(self) -> list[str]:
        return [case[0].case for case in self.cases]


def time_column_of(config: Config) -> Callable[[Action], str]:
    """The input column an action's time was read from (each may have its own convention)."""
    inp = config.input
    if inp.layout == "wide":

        def step_column(action: Action) -> str:
            named = inp.steps.get(action.status, action.status)
            return named if isinstance(named, str) else " / ".join(named)

        return step_column
    column = inp.columns.get("happened_at") or "happened_at"
    return lambda action: column


def _reopens(case: Sequence[Action]) -> bool:
    closed = False
    for action in case:
        if action.status == "closed":
            closed = True
        elif closed:
            return True
    return False


def features(case: Sequence[Action], time_column: Callable[[Action], str]) -> list[str]:
    """What of the plan's variety one case shows (the longest timeline is added by the caller)."""
    found: list[str] = []
    if _reopens(case):
        found.append(REOPEN)
    if any(action.note for action in case):
        found.append(NOTE)
    if any(action.assignee for action in case):
        found.append(ASSIGNEE)
    columns = dict.fromkeys(
        f"time column {time_column(action)!r} of {action.source}"
        for action in case
        if action.happened_at
    )
    found.extend(columns)
    return found


def choose_pilot(cases: Sequence[list[Action]], size: int, config: Config) -> Pilot:
    """The first `size` cases to send and read back (module docstring); `cases` in send order."""
    if size <= 0 or not cases:
        return Pilot([], list(cases))
    column = time_column_of(config)
    covers = [features(case, column) for case in cases]
    longest = max(range(len(cases)), key=lambda i: (len(cases[i]), -i))
    covers[longest].append(f"the longest timeline ({len(cases[longest])} actions)")
    wanted = {item for items in covers for item in items}
    chosen: dict[int, list[str]] = {}
    while len(chosen) < min(size, len(cases)):
        best, gain = -1, -1
        for i, items in enumerate(covers):
            if i in chosen:
                continue
            new = sum(1 for item in items if item in wanted)
            if new > gain:
                best, gain = i, new
            if wanted and new == len(wanted):
                break
        new_items = [item for item in covers[best] if item in wanted]
        chosen[best] = new_items or ["one more case"]
        wanted.difference_update(new_items)
    order = sorted(chosen)
    return Pilot(
        cases=[cases[i] for i in order],
        rest=[case for i, case in enumerate(cases) if i not in chosen],
        reasons={cases[i][0].case: chosen[i] for i in order},
    )


# --- after the pilot: what reading back found ------------------------------------------------
def judge(
    pilot: Pilot, outcome: VerifyOutcome | None, plan: Plan, sent_at: datetime
) -> PilotReport:
    """The pilot's verdict: passed only when every pilot case was read back and matches."""
    if outcome is None:  # could not be read back (v4.1 without v7 credentials)
        return PilotReport(cases=pilot.case_ids, covers=pilot.reasons, verdicts={}, passed=False)
    frame = outcome.comparison.frame
    verdicts = {
        str(case): str(verdict)
        for case, verdict in zip(frame["case"], frame["verdict"], strict=True)
    }
    responses = response_times(plan, pilot.case_ids)
    causes = likely_causes(outcome.comparison, outcome.expected, outcome.found, responses, sent_at)
    passed = bool(verdicts) and all(v == Verdict.MATCH for v in verdicts.values())
    return PilotReport(
        cases=pilot.case_ids,
        covers=pilot.reasons,
        verdicts=verdicts,
        passed=passed,
        causes=[
            PilotCause(code=str(cause.code), cases=list(cause.cases), advice=cause.advice)
            for cause in causes
        ],
    )


def response_times(plan: Plan, cases: Sequence[str]) -> dict[str, pd.Timestamp]:
    """Each case's survey response time (UTC), where the plan knows it."""
    frame = plan.frame
    rows = frame[frame[CASE].isin(list(cases))]
    firsts = rows.groupby(CASE, sort=False)[RESPONSE_TS].first()
    return {str(case): stamp for case, stamp in firsts.items() if not pd.isna(stamp)}


def pilot_lines(report: PilotReport, outcome: VerifyOutcome | None) -> list[str]:
    """The pilot's comparison, a line per case, then what a mismatch means."""
    if outcome is None:
        return ["Pilot: could not be read back, so it proves nothing; the rest is not sent"]
    lines = []
    frame = outcome.comparison.frame
    for case, verdict, differs, want, got in zip(
        frame["case"],
        frame["verdict"],
        frame["differs"],
        frame["expected"],
        frame["found"],
        strict=True,
    ):
        line = f"Pilot case {case}: {verdict}"
        if verdict != Verdict.MATCH:
            line += f" ({differs or 'not in the answer'}); expected {want}; found {got}"
        lines.append(line)
    untimed = [
        case
        for case, want in outcome.expected.items()
        if want.time_to_close is UNCHECKED and want.time_to_follow_up is UNCHECKED
    ]
    if untimed:
        lines.append(
            f"Pilot: follow-up and close times not compared for {len(untimed)} case(s): the "
            "plan knows no response date for them (responses.source), so a tenant that "
            "ignores happened_at would go unnoticed there"
        )
    if report.passed:
        lines.append(f"Pilot: all {len(report.cases)} case(s) match what CustomerGauge holds")
    for cause in report.causes:
        lines.append(f"Pilot: {cause.advice} (case(s) {', '.join(cause.cases)})")
    return lines


def naming_line(pilot: Pilot) -> str:
    """The pilot's cases, named before they go, each with what it covers."""
    named = "; ".join(f"case {case} ({', '.join(pilot.reasons[case])})" for case in pilot.case_ids)
    actions = sum(len(case) for case in pilot.cases)
    return f"Pilot: {named}; {actions} action(s) go first and are read back before the rest"
