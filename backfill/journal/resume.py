"""Resuming: what the journal says about a plan before sending, and recording while sending.

Before a run sends anything, `decide` compares each action of the plan with the journal:
already accepted by CustomerGauge (``already_sent``: never sent again), older than its
case's last accepted action (``failed``, ``out-of-order``: it would be applied after the
newer one and rewrite the case's history backwards), or in flight when an earlier run died
(re-sent, and flagged ``resent_uncertain`` because it may have been applied already).
`JournalHooks` then records every attempt and outcome as the sender reports them, and
`collect_results` gives every input row exactly one Result for the reports.
"""

from __future__ import annotations

from dataclasses import dataclass

from backfill import model
from backfill.journal.identity import utc_text
from backfill.journal.schema import DONE_STATES, State
from backfill.journal.store import Journal
from backfill.model import Action, Outcome, Result
from backfill.plan.build import Plan


def utc_times(plan: Plan) -> dict[int, str | None]:
    """Key -> happened_at as UTC text (the journal's comparable form), None when absent."""
    rows = plan.frame[plan.frame[model.OUTCOME].eq("")]
    text = utc_text(rows[model.HAPPENED_TS])
    return {int(k): (v or None) for k, v in zip(text.index, text, strict=True)}


@dataclass
class Decisions:
    """What the journal decided before sending, and what is left to send."""

    results: dict[int, Result]  # already_sent, out-of-order failures, blocked behind them
    cases: list[list[Action]]  # to send, each case in timeline order
    uncertain: set[int]  # keys in flight when an earlier run stopped: re-sent as uncertain
    stray_in_flight: int  # in-flight leftovers that are not in this input


def decide(
    plan: Plan,
    journal: Journal,
    identities: dict[int, str],
    happened: dict[int, str | None],
    *,
    allow_out_of_order: bool,
) -> Decisions:
    """Compare the plan with the journal: already sent, out of order, in flight before."""
    block = plan.config.send.on_case_failure == "block"
    cases = plan.actions_by_case()
    entries = journal.lookup(identities.values())
    last = journal.last_sent_times({a.case for case in cases for a in case})
    results: dict[int, Result] = {}
    to_send: list[list[Action]] = []
    uncertain: set[int] = set()
    for case in cases:
        lane: list[Action] = []
        failed_at: Action | None = None
        for action in case:
            entry = entries.get(identities[action.key])
            if entry is not None and entry.state in DONE_STATES:
                results[action.key] = Result(
                    action.key, Outcome.ALREADY_SENT, http_status=entry.http_status
                )
                continue
            if failed_at is not None and block:
                results[action.key] = Result(
                    action.key,
                    Outcome.BLOCKED,
                    error=f"blocked: row {failed_at.row} of {failed_at.source} (an earlier "
                    f"action of case {action.case}) failed",
                )
                continue
            when, newest = happened.get(action.key), last.get(action.case)
            if not allow_out_of_order and when and newest and when < newest:
                results[action.key] = Result(
                    action.key,
                    Outcome.FAILED,
                    error=f"out-of-order: case {action.case} was last sent at {newest} UTC, "
                    f"after this action's {when} UTC; CustomerGauge would apply it after the "
                    "newer one (use --allow-out-of-order to send it anyway)",
                )
                failed_at = action
                continue
            if entry is not None and entry.state == State.IN_FLIGHT:
                uncertain.add(action.key)
            lane.append(action)
        if lane:
            to_send.append(lane)
    planned = set(identities.values())
    stray = sum(1 for e in journal.in_flight() if e.identity not in planned)
    return Decisions(results, to_send, uncertain, stray)


def collect_results(
    plan: Plan, decisions: Decisions, hooks: JournalHooks, *, aborted: str | None
) -> dict[int, Result]:
    """A Result for every plan row: the plan's own verdicts, the journal's, the sender's."""
    frame = plan.frame
    results: dict[int, Result] = {}
    decided = frame[frame[model.OUTCOME].ne("")]
    for key, outcome, error in zip(
        decided.index, decided[model.OUTCOME], decided[model.ERROR], strict=True
    ):
        results[int(key)] = Result(int(key), Outcome(outcome), error=str(error or ""))
    results.update(decisions.results)
    results.update(hooks.results)
    reason = f"not sent: the run was aborted ({aborted})" if aborted else "not sent"
    for key in frame.index[frame[model.OUTCOME].eq("")]:
        key = int(key)
        if key not in results:
            lost = key in hooks.in_flight
            results[key] = Result(
                key,
                Outcome.PENDING,
                error=(
                    "in flight when the run stopped at once: outcome unknown, the next run "
                    "re-sends it as uncertain"
                    if lost
                    else reason
                ),
            )
    return results


def case_counts(plan: Plan, results: dict[int, Result]) -> dict[str, tuple[int, int, int]]:
    """Per case: rows left to send, of which pending, of which failed (journal `cases`)."""
    counts: dict[str, list[int]] = {}
    for key, case in zip(plan.frame.index, plan.frame[model.CASE], strict=True):
        if not case:
            continue
        entry = counts.setdefault(str(case), [0, 0, 0])
        outcome = results[int(key)].outcome
        if outcome in model.FAILURE_OUTCOMES:
            entry[0] += 1
            entry[1] += outcome == Outcome.PENDING
            entry[2] += outcome == Outcome.FAILED
    return {case: (a, b, c) for case, (a, b, c) in counts.items()}


class JournalHooks:
    """Records each attempt before it goes out and each outcome after (see journal.py)."""

    def __init__(
        self,
        journal: Journal,
        run_id: str,
        identities: dict[int, str],
        happened_utc: dict[int, str | None],
        uncertain: set[int],
    ) -> None:
        self.journal = journal
        self.run_id = run_id
        self.identities = identities
        self.happened_utc = happened_utc
        self.uncertain = uncertain
        self.results: dict[int, Result] = {}
        self.in_flight: set[int] = set()

    def on_attempt(self, action: Action, attempt: int) -> None:
        self.in_flight.add(action.key)
        self.journal.mark_in_flight(
            self.identities[action.key],
            action,
            self.run_id,
            attempt,
            self.happened_utc.get(action.key),
        )

    def on_result(self, action: Action, result: Result) -> None:
        self.in_flight.discard(action.key)
        if action.key in self.uncertain and result.attempts > 0:
            result.resent_uncertain = True  # an earlier run may have applied it already
        self.results[action.key] = result
        self.journal.record_result(
            self.identities[action.key],
            action,
            self.run_id,
            result,
            self.happened_utc.get(action.key),
        )
