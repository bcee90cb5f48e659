"""Resuming: what the journal says about a plan before sending.

Before a run sends anything (its prepare phase), `decide` compares each action of the plan
with the journal: already accepted by CustomerGauge (``already_sent``: never sent again),
older than its case's last accepted action (``failed``, ``out-of-order``: it would be
applied after the newer one and rewrite the case's history backwards), or in flight when an
earlier run died or whose answer was lost (re-sent, and flagged ``resent_uncertain``
because it may have been applied already), or changed in the input after it was sent
(``changed-after-sent``: the same place in its case and the same time, another status,
note or assignee).
The journal only stores and looks up; these decisions are the runner's. (Sending records
through `JournalHooks`, backfill/runner/sending.py; the finish phase gives every input row
one Result, backfill/runner/finish.py.)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd

from backfill import model
from backfill.codes import Code
from backfill.journal.schema import DONE_STATES, Entry, State
from backfill.journal.store import Journal
from backfill.model import Action, Outcome, Result
from backfill.plan.api_zone import reads_no_later, repeated_texts, sent_text_at
from backfill.plan.build import Plan
from backfill.plan.identity import utc_text


def utc_times(plan: Plan) -> dict[int, str | None]:
    """Key -> happened_at as UTC text (the journal's comparable form), None when absent."""
    rows = plan.frame[plan.frame[model.OUTCOME].eq("")]
    text = utc_text(rows[model.HAPPENED_TS])
    return dict(zip(text.index.tolist(), [value or None for value in text.tolist()], strict=True))


@dataclass
class Decisions:
    """What the journal decided before sending, and what is left to send."""

    # already_sent found by place, out-of-order failures, blocked behind them; those the
    # journal knows by identity are in `accepted` (see `all_results`)
    results: dict[int, Result]
    cases: list[list[Action]]  # to send, each case in timeline order
    uncertain: set[int]  # keys an earlier run may have applied: re-sent as uncertain
    stray_in_flight: int  # in-flight leftovers that are not in this input
    # uncertain key -> when (epoch seconds) the earlier run last recorded it: its request may
    # still be applied late, so the case's next action settles from then (send.settle_s)
    lost_at: dict[int, float] = field(default_factory=dict)
    # how the journal knows each action to send: identity, happened_at UTC, content fingerprints
    identities: dict[int, str] = field(default_factory=dict)
    happened_utc: dict[int, str | None] = field(default_factory=dict)
    contents: dict[int, tuple[str, str]] = field(default_factory=dict)
    # key -> http_status, maybe_applied of the actions the journal has as accepted: a frame,
    # since a resume may find a million, and the first request need not wait for a Result each
    accepted: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame({"http_status": [], "maybe_applied": []})
    )

    def all_results(self) -> dict[int, Result]:
        """Every result decided before sending: already_sent, failed, blocked."""
        statuses = self.accepted["http_status"].astype(object)
        statuses = statuses.where(statuses.notna(), None)
        already = {
            key: Result(
                key,
                Outcome.ALREADY_SENT,
                http_status=None if status is None else int(status),
                resent_uncertain=bool(maybe),  # it may have been applied twice
            )
            for key, status, maybe in zip(
                self.accepted.index.tolist(),
                statuses.tolist(),
                self.accepted["maybe_applied"].tolist(),
                strict=True,
            )
        }
        return {**already, **self.results}


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
    contents = contents or {}
    # the actions the journal has as accepted are already sent, whatever else their case
    # holds: decided for the whole plan at once, and only the others go through the loop
    keys = pd.Series(list(identities.values()), index=list(identities.keys()), dtype=object)
    known = journal.states(identities.values()).set_index("identity")
    found = known.reindex(keys.to_numpy())
    done = found["state"].isin(list(DONE_STATES)).to_numpy()
    accepted = _accepted(keys.index[done], found[done])
    results: dict[int, Result] = {}
    cases = plan.actions_by_case(only=keys.index[~done])
    entries = journal.lookup(keys[~done & found["state"].notna().to_numpy()].tolist())
    last = journal.last_sent_times({case[0].case for case in cases})
    # by place only where an action is unknown by identity: new or changed rows, or actions
    # a schema 1 journal keyed by the assignee as sent (a plain re-run loads nothing more)
    unknown = {a.case for case in cases for a in case if identities[a.key] not in entries}
    places = journal.by_position(unknown)
    # actions sent as a wall-clock time api.timezone repeats: checked against the journal's
    # last sent action as the tenant reads texts (backfill/plan/api_zone.py)
    repeated = set(repeated_texts(plan.frame, plan.config.api.timezone))
    sent_texts: dict[str, str | None] = {}
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
                results[action.key] = Result.blocked(action.key, failed_at)
                continue
            newest = last.get(action.case)
            refusal = ""
            code = Code.CHANGED_AFTER_SENT if changed else Code.OUT_OF_ORDER
            if changed:
                refusal = (
                    f"{code}: case {action.case}'s action {action.case_seq} at "
                    f"{when} UTC was sent by run {changed}; sending the changed row would add "
                    "a second history entry"
                )
            elif when and newest and when < newest:
                refusal = (
                    f"{code}: case {action.case} was last sent at {newest} UTC, after "
                    f"this action's {when} UTC; CustomerGauge would apply it after the newer one"
                )
            elif when and newest and when > newest and action.key in repeated:
                refusal = _reads_no_later(plan, action, newest, sent_texts)
            if refusal and not allow_out_of_order:
                error = f"{refusal} (use --allow-out-of-order to send it anyway)"
                results[action.key] = Result(action.key, Outcome.FAILED, error=error, code=code)
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
    return Decisions(
        results,
        to_send,
        uncertain,
        stray,
        lost_at,
        identities=identities,
        happened_utc=happened,
        contents=contents,
        accepted=accepted,
    )


def _reads_no_later(
    plan: Plan, action: Action, newest: str, sent_texts: dict[str, str | None]
) -> str:
    """The out-of-order refusal of an action sent in the hour api.timezone repeats that could
    read no later than its case's last sent action; "" when it reads after it."""
    zone = plan.config.api.timezone
    if action.case not in sent_texts:  # (the plan's text of that action, when it holds it)
        sent_texts[action.case] = sent_text_at(plan.frame, action.case, newest)
    why = reads_no_later(action.happened_at or "", newest, sent_texts[action.case], zone)
    if not why:
        return ""
    return (
        f"{Code.OUT_OF_ORDER}: case {action.case} was last sent at {newest} UTC, which {why}; "
        f"this action's {action.happened_at} is a time the clocks show twice there, and "
        "CustomerGauge could read it as no later: run the whole file again, so that the plan "
        "orders it with the case's earlier actions"
    )


def _accepted(keys: pd.Index, found: pd.DataFrame) -> pd.DataFrame:
    """`Decisions.accepted` from the journal rows `found` of these keys (aligned)."""
    return pd.DataFrame(
        {
            "http_status": found["http_status"].to_numpy(),
            "maybe_applied": found["maybe_applied"].to_numpy(),
        },
        index=keys,
    )


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
