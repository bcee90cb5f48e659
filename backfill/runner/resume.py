"""Resuming: what the journal says about a plan before sending, and recording while sending.

Before a run sends anything, `decide` compares each action of the plan with the journal:
already accepted by CustomerGauge (``already_sent``: never sent again), older than its
case's last accepted action (``failed``, ``out-of-order``: it would be applied after the
newer one and rewrite the case's history backwards), or in flight when an earlier run died
or whose answer was lost (re-sent, and flagged ``resent_uncertain`` because it may have been
applied already), or changed in the input after it was sent (``changed-after-sent``: the same
place in its case and the same time, another status, note or assignee).
`JournalHooks` then records every attempt and outcome as the sender reports them, and
`collect_results` gives every input row exactly one Result for the reports. The journal
only stores and looks up; these decisions are the runner's.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from backfill import model
from backfill.journal.schema import DONE_STATES, Entry, State
from backfill.journal.store import Journal
from backfill.model import Action, Outcome, Result
from backfill.plan.build import Plan
from backfill.plan.identity import utc_text


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
    uncertain: set[int]  # keys an earlier run may have applied: re-sent as uncertain
    stray_in_flight: int  # in-flight leftovers that are not in this input
    # uncertain key -> when (epoch seconds) the earlier run last recorded it: its request may
    # still be applied late, so the case's next action settles from then (send.settle_s)
    lost_at: dict[int, float] = field(default_factory=dict)


def decide(
    plan: Plan,
    journal: Journal,
    identities: dict[int, str],
    happened: dict[int, str | None],
    *,
    allow_out_of_order: bool,
    contents: dict[int, tuple[str, str]] | None = None,
) -> Decisions:
    """Compare the plan with the journal: already sent, changed, out of order, uncertain."""
    block = plan.config.send.on_case_failure == "block"
    cases = plan.actions_by_case()
    contents = contents or {}
    entries = journal.lookup(identities.values())
    case_ids = {a.case for case in cases for a in case}
    last = journal.last_sent_times(case_ids)
    # by place only where an action is unknown by identity: new or changed rows, or actions
    # a schema 1 journal keyed by the assignee as sent (a plain re-run loads nothing more)
    unknown = {a.case for case in cases for a in case if identities[a.key] not in entries}
    places = journal.by_position(unknown)
    results: dict[int, Result] = {}
    to_send: list[list[Action]] = []
    uncertain: set[int] = set()
    lost_at: dict[int, float] = {}
    for case in cases:
        lane: list[Action] = []
        failed_at: Action | None = None
        for action in case:
            when = happened.get(action.key)
            entry = entries.get(identities[action.key])
            changed = ""
            if entry is None and when:
                entry, changed = _same_place(
                    places.get((action.case, action.case_seq, when)), action, contents
                )
            if entry is not None and entry.state in DONE_STATES:
                results[action.key] = Result(
                    action.key,
                    Outcome.ALREADY_SENT,
                    http_status=entry.http_status,
                    resent_uncertain=entry.maybe_applied,  # it may have been applied twice
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
            newest = last.get(action.case)
            refusal = ""
            if changed:
                refusal = (
                    f"changed-after-sent: case {action.case}'s action {action.case_seq} at "
                    f"{when} UTC was sent by run {changed}; sending the changed row would add "
                    "a second history entry"
                )
            elif when and newest and when < newest:
                refusal = (
                    f"out-of-order: case {action.case} was last sent at {newest} UTC, after "
                    f"this action's {when} UTC; CustomerGauge would apply it after the newer one"
                )
            if refusal and not allow_out_of_order:
                error = f"{refusal} (use --allow-out-of-order to send it anyway)"
                results[action.key] = Result(action.key, Outcome.FAILED, error=error)
                failed_at = action
                continue
            if entry is not None and (entry.state == State.IN_FLIGHT or entry.maybe_applied):
                uncertain.add(action.key)
                lost_at[action.key] = _epoch(entry.updated_at)
            lane.append(action)
        if lane:
            to_send.append(lane)
    planned = set(identities.values())
    stray = sum(1 for e in journal.in_flight() if e.identity not in planned)
    return Decisions(results, to_send, uncertain, stray, lost_at)


def _epoch(stamp: str) -> float:
    """The journal's updated_at ("2024-01-01T10:00:00.000000Z") as epoch seconds; now if odd."""
    try:
        return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()
    except ValueError:
        return time.time()


def _same_place(
    entry: Entry | None, action: Action, contents: dict[int, tuple[str, str]]
) -> tuple[Entry | None, str]:
    """The journal's action at this action's place (case, position, time), if it is the same
    action under another identity (a schema 1 journal keyed it by the assignee as sent), and
    else what differs, when that one may have been applied: "<run> with a different note".
    """
    if entry is None:
        return None, ""
    note, assignee = contents.get(action.key, (None, None))
    differs = []
    if entry.status != action.status:
        differs.append(f"status ({entry.status} then, {action.status} now)")
    if entry.note_hash is not None and note is not None and entry.note_hash != note:
        differs.append("note")
    if entry.assignee_hash is not None and assignee is not None and entry.assignee_hash != assignee:
        differs.append("assignee")
    if not differs:
        return entry, ""
    if entry.state in DONE_STATES or entry.state == State.IN_FLIGHT or entry.maybe_applied:
        return None, f"{entry.run_id} with a different {' and '.join(differs)}"
    return None, ""


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
        contents: dict[int, tuple[str, str]] | None = None,
    ) -> None:
        self.journal = journal
        self.contents = contents or {}
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
            self.contents.get(action.key),
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
            self.contents.get(action.key),
        )
