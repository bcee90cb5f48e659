"""What CustomerGauge should hold after a backfill: the expected final state of each case.

The expectation is always the planner's own prediction (backfill.plan.predict), never a
second reading of the input or a second state machine:

- for a file given now, the plan's cases table;
- narrowed by the journal when it knows the plan's actions: only the actions it shows as
  accepted are replayed (failed, blocked or never-sent actions are not expected; an
  assignee the API refused is not expected either); the actions retries sent for the
  file's rows are replayed in the place of the rows they fixed (backfill.verify.provenance);
- for runs made earlier, from the journal alone: its accepted actions, replayed the same way.
  The journal keeps no notes or assignees, so assignees are not compared then, and hours
  only for cases whose response date the journal holds.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd
from pandas.api.typing import NaTType

from backfill.model import (
    CASE,
    CASE_KEY,
    CASE_SEQ,
    HAPPENED_TS,
    OUTCOME,
    RESPONSE_TS,
    SEND_ASSIGNEE,
    Outcome,
)
from backfill.model import STATUS as PLAN_STATUS
from backfill.plan.identity import plan_identities
from backfill.send.protocol import V7_ASSIGNEE
from backfill.verify.provenance import UNKNOWN_ASSIGNEE
from backfill.verify.readback import whole_hours

# The columns of the planner's cases table that the expectation reads.
_CASE_COLUMNS = [
    "number_customergauge",
    "to_send",
    "final_status",
    "final_assignee",
    "response_at",
    "time_to_follow_up_h",
    "time_to_close_h",
]

if TYPE_CHECKING:
    from backfill.config import Config
    from backfill.journal.store import Journal
    from backfill.plan.build import Plan


class _Unchecked:
    """A field with no prediction: shown, never compared."""

    def __repr__(self) -> str:
        return "UNCHECKED"


UNCHECKED = _Unchecked()


@dataclass(frozen=True, slots=True)
class Expected:
    """The predicted final state of one case. None = expected unset; UNCHECKED = not compared."""

    case: str
    status: str | None
    assignee: str | _Unchecked | None = UNCHECKED
    time_to_follow_up: int | _Unchecked | None = UNCHECKED
    time_to_close: int | _Unchecked | None = UNCHECKED


def _hours(cell: Any) -> int | None:
    """Whole hours from a cell of the cases table (empty = no such time)."""
    return None if pd.isna(cell) else whole_hours(cell)


def expected_from_cases(
    cases: pd.DataFrame,
    *,
    assignee_known: bool = True,
    untimed: Collection[str] = (),
) -> list[Expected]:
    """Expected states from a cases table of the plan (backfill.plan.predict's columns).

    Only cases with something sent are expected in CustomerGauge. The assignee is compared
    only where the run sent one; hours only where the response date is known and the case's
    actions carried their times (`untimed`: cases CustomerGauge stamped at its own clock).
    """
    out = []
    untimed = set(untimed)
    sent = cases[cases["to_send"].astype("int64") > 0]
    for case, status, assignee, response_at, follow_up, close in zip(
        sent["number_customergauge"],
        sent["final_status"],
        sent["final_assignee"],
        sent["response_at"],
        sent["time_to_follow_up_h"],
        sent["time_to_close_h"],
        strict=True,
    ):
        dated = bool(str(response_at or "").strip()) and case not in untimed
        out.append(
            Expected(
                case=str(case),
                status=str(status) or None,
                assignee=str(assignee) if assignee_known and _named(assignee) else UNCHECKED,
                time_to_follow_up=_hours(follow_up) if dated else UNCHECKED,
                time_to_close=_hours(close) if dated else UNCHECKED,
            )
        )
    return out


def _named(assignee: Any) -> bool:
    """An assignee the expectation knows: not none, and not one only a fingerprint names."""
    return bool(str(assignee)) and assignee != UNKNOWN_ASSIGNEE


def untimed_cases(plan: Plan) -> set[str]:
    """Cases whose follow-up/close times cannot be predicted: an action sent without a time
    (CustomerGauge stamps it at its own clock), or every case when sending with v4.1."""
    return _untimed_rows(plan.frame[plan.frame[OUTCOME].eq("")], plan.config)


@dataclass
class Expectation:
    """What CustomerGauge should hold, and what reading it back needs to know."""

    cases: pd.DataFrame  # the planner's cases table (backfill.plan.predict's columns)
    source: str  # "plan", "plan+journal" or "journal"
    run_start: str | None = None  # the earliest run that sent an expected action
    untimed: set[str] = field(default_factory=set)  # cases whose hours are not predicted
    retried: int = 0  # retried actions in the place of the export rows they fixed
    # per case: when its latest accepted action was recorded (UTC text), and its response
    # date: what backfill.verify.diagnose needs to tell a tenant that ignores happened_at
    sent_at: dict[str, str] = field(default_factory=dict)
    response_ts: dict[str, pd.Timestamp] = field(default_factory=dict)


def expected_cases(plan: Plan, journal: Journal | None) -> Expectation:
    """What CustomerGauge should hold for the cases of `plan` (an export, usually).

    Without a journal, or when the journal knows none of the plan's actions (the file was
    sent with another journal, or not by backfill), the plan's own prediction is expected.
    Otherwise only the actions the journal shows as accepted are replayed, with the planner's
    own prediction function, so that failed or blocked actions are not expected; and the
    actions retries sent for the plan's rows (backfill.verify.provenance) take the place of
    the rows they fixed, so that a case only a retry sent is expected too.
    """
    plain = Expectation(plan.cases, "plan", untimed=untimed_cases(plan))
    plain.response_ts = _response_times(plan.frame)
    if journal is None:
        return plain
    from backfill.journal.schema import DONE_STATES, State
    from backfill.verify.provenance import retried_rows, with_retried

    identities = plan_identities(plan)
    entries = journal.lookup(identities.tolist())
    accepted = {i for i, entry in entries.items() if entry.state in DONE_STATES}
    runs = {run.run_id: run.inputs for run in journal.runs() if run.command == "retry"}
    retried = retried_rows(plan, journal.retried_actions(), known=accepted, inputs=runs)
    if not entries and retried.frame.empty:
        return plain
    frame = plan.frame.copy()
    state = identities.map(lambda i: entries[i].state if i in entries else "")
    refused = identities.map(lambda i: i in entries and V7_ASSIGNEE in entries[i].refused)
    # of the actions to send (those with an identity), the ones not applied: failed by the
    # journal's word, else pending (in flight, or never sent)
    not_applied = ~state.isin(DONE_STATES)
    failed = state.eq(State.FAILED)
    frame.loc[state.index[(not_applied & failed).to_numpy()], OUTCOME] = Outcome.FAILED
    frame.loc[state.index[(not_applied & ~failed).to_numpy()], OUTCOME] = Outcome.PENDING
    # A partial answer for the assignee means CustomerGauge kept its previous assignee.
    frame.loc[state.index[refused.to_numpy(dtype=bool)], SEND_ASSIGNEE] = ""
    response_ts = dict(plain.response_ts)
    untimed = set(plain.untimed)
    if not retried.frame.empty:
        unknown = sorted(set(retried.frame[CASE]) - set(response_ts))
        for case, text in journal.get_response_dates(unknown).items():
            stamp = parse_stored_date(text)
            if isinstance(stamp, pd.Timestamp):
                response_ts[case] = stamp
        frame = with_retried(frame, retried.frame, plan.sources, response_ts)
        untimed |= _untimed_rows(retried.frame, plan.config)
    sent_at = _latest(
        [(e.case, e.updated_at) for e in entries.values() if e.state in DONE_STATES]
        + list(retried.sent_at.items())
    )
    return Expectation(
        cases=_predict(frame, plan.config),
        source="plan+journal",
        run_start=_earliest_run(journal, {e.run_id for e in entries.values()} | retried.run_ids),
        untimed=untimed,
        retried=len(retried.frame),
        sent_at=sent_at,
        response_ts=response_ts,
    )


def _latest(times: list[tuple[str, str]]) -> dict[str, str]:
    """Per case, the latest of its (UTC text) times."""
    out: dict[str, str] = {}
    for case, when in times:
        out[case] = max(out.get(case, ""), when)
    return out


def _response_times(frame: pd.DataFrame) -> dict[str, pd.Timestamp]:
    """Each case's survey response time (UTC), where the frame knows it."""
    firsts = frame.groupby(CASE, sort=False)[RESPONSE_TS].first()
    return {str(case): stamp for case, stamp in firsts.items() if isinstance(stamp, pd.Timestamp)}


def _untimed_rows(frame: pd.DataFrame, config: Config) -> set[str]:
    if config.api.version == "v4.1":
        return set(frame[CASE])
    return set(frame.loc[frame[HAPPENED_TS].isna(), CASE])


def _predict(frame: pd.DataFrame, config: Config) -> pd.DataFrame:
    """The planner's prediction (backfill.plan.predict) over a frame of plan columns.

    predict() reads the planner's integer case key, a working column that Plan.frame does
    not keep, so it is rebuilt here exactly as plan_from_table builds it.
    """
    from backfill.plan.predict import predict

    if CASE_KEY not in frame:
        frame = frame.assign(**{CASE_KEY: pd.factorize(frame[CASE], sort=True)[0]})
    cases, _ = predict(frame, config)
    return cases


def _earliest_run(journal: Journal, run_ids: set[str]) -> str | None:
    starts = [run.started_at for run in journal.runs() if run.run_id in run_ids]
    return min(starts) if starts else None


def journal_cases(journal: Journal, config: Config) -> Expectation:
    """Expected cases from the journal alone: its accepted actions, replayed by the planner's
    prediction. The journal does not keep notes or assignees, so assignees are not compared;
    hours are compared for the cases whose response date the journal holds."""

    entries = journal.accepted_actions()
    if not entries:
        return Expectation(pd.DataFrame(columns=_CASE_COLUMNS), "journal")
    frame = pd.DataFrame(
        {
            CASE: [e.case for e in entries],
            PLAN_STATUS: [e.status for e in entries],
            HAPPENED_TS: pd.to_datetime(pd.Series([e.happened_at for e in entries]), utc=True),
            CASE_SEQ: [e.case_seq for e in entries],
            "_run": [e.run_id for e in entries],
        }
    )
    frame = frame.sort_values([CASE, HAPPENED_TS, CASE_SEQ], kind="stable").reset_index(drop=True)
    # Renumber: runs of different files may have numbered the same case differently.
    frame[CASE_SEQ] = frame.groupby(CASE).cumcount() + 1
    frame[OUTCOME] = ""
    frame[SEND_ASSIGNEE] = ""
    dates = journal.get_response_dates(frame[CASE].unique().tolist())
    known = pd.Series(
        {case: parse_stored_date(text) for case, text in dates.items()},
        dtype="datetime64[us, UTC]",
    )
    response = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us, UTC]")
    if len(known):
        response = frame[CASE].map(known).astype("datetime64[us, UTC]")
    frame[RESPONSE_TS] = response
    return Expectation(
        cases=_predict(frame, config),
        source="journal",
        run_start=_earliest_run(journal, set(frame["_run"])),
        untimed=_untimed_rows(frame, config),
        sent_at=_latest([(e.case, e.updated_at) for e in entries]),
        response_ts=_response_times(frame),
    )


def parse_stored_date(text: str) -> pd.Timestamp | NaTType:
    """A response date as stored in the journal (UTC text) -> Timestamp (NaT if unreadable)."""
    stamp = pd.to_datetime(text, utc=True, errors="coerce")
    return stamp if isinstance(stamp, pd.Timestamp) else pd.NaT
