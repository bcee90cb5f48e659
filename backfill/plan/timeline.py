"""Each case's timeline once in send order: duplicates, blocking, transitions, assignees.

The frame's rows are in send order (backfill/plan/order.py): the rows of one case are
contiguous and in timeline order, so "the previous action of the case" is a shift within
the case and "every action after the first invalid one" a comparison with a per-case
minimum, both groupby operations over the whole frame.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from backfill.codes import Code
from backfill.config import Config
from backfill.errors import Severity
from backfill.model import (
    ASSIGNEE,
    CASE,
    CASE_KEY,
    CASE_SEQ,
    HAPPENED_AT,
    HAPPENED_TS,
    IN_CASE,
    NOTE,
    OUTCOME,
    ROW,
    SEND_ASSIGNEE,
    SOURCE,
    STATUS,
)
from backfill.plan.order import FILE_ORDER_CASE, UNPLACED
from backfill.plan.validation import TIME_CODE, empty_problems, problems_where

NAMED_STATUSES = ("open", "progress", "closed")
_ALLOWED_PROGRESSIVE = {
    ("", "open"),
    ("closed", "open"),
    ("open", "progress"),
    ("progress", "closed"),
}


def in_case(frame: pd.DataFrame) -> pd.Series:
    """Rows that have a case id (the working column when the plan made it)."""
    if IN_CASE in frame:
        return frame[IN_CASE]
    return frame[CASE].ne("")


def file_order_warnings(frame: pd.DataFrame) -> pd.DataFrame:
    missing = frame[FILE_ORDER_CASE] & frame[TIME_CODE].eq(Code.MISSING_TIME)
    if not missing.any():
        return empty_problems()
    return problems_where(
        missing,
        Code.FILE_ORDER,
        "no happened_at: sent without a time (CustomerGauge uses the time of sending), and "
        "case " + frame.loc[missing, CASE].astype(object) + " is sent in file order",
        "happened_at",
        Severity.WARNING,
    )


def mark_duplicates(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows identical to an earlier to-send row of the same case become `duplicate`."""
    subset = [CASE, STATUS, HAPPENED_AT, NOTE, ASSIGNEE]
    candidate = frame[OUTCOME].eq("") & frame[CASE_SEQ].gt(0)
    # only rows sharing case and time can be identical: the texts are compared for those
    candidate &= frame[[CASE_KEY, HAPPENED_TS]].duplicated(keep=False)
    rows = frame.loc[candidate, [*subset, SOURCE, ROW]]
    dup = rows.duplicated(subset, keep="first")
    if not dup.any():
        return empty_problems()
    firsts = rows[~dup].drop_duplicates(subset)
    matched = rows[dup].reset_index().merge(firsts, on=subset, how="left", suffixes=("", "_first"))
    matched = matched.set_index("index")
    frame.loc[dup[dup].index, OUTCOME] = "duplicate"
    return problems_where(
        dup,
        Code.DUPLICATE,
        "identical to row "
        + matched[f"{ROW}_first"].astype(str).astype(object)
        + " of case "
        + matched[CASE].astype(object)
        + " (same status, time, note and assignee); not sent (validation.duplicates: drop)",
        None,
    )


def block_after_invalid(frame: pd.DataFrame, *, multi_source: bool) -> pd.DataFrame:
    """With on_case_failure: block, the actions after a case's first invalid one are blocked.

    Where an invalid action has no usable time, its place is unknown, so the whole case is.
    """
    has_case = in_case(frame)
    invalid = frame[OUTCOME].eq("invalid") & has_case
    if not invalid.any():
        return empty_problems()
    seq = frame[CASE_SEQ]
    bad_seq = seq.where(invalid & seq.gt(0))
    first_bad = bad_seq.groupby(frame[CASE_KEY]).transform("min")
    unplaced_bad = invalid & frame[UNPLACED]
    case_unplaced = unplaced_bad.groupby(frame[CASE_KEY]).transform("any")
    target = frame[OUTCOME].eq("") & has_case & (case_unplaced | seq.gt(first_bad))
    if not target.any():
        return empty_problems()
    where = _row_names(frame, multi_source)
    # the reason: the first unplaced invalid row of the case, else its first invalid row
    reason_label = pd.Series(frame.index, index=frame.index).where(
        unplaced_bad | (invalid & seq.eq(first_bad))
    )
    unplaced_first = reason_label.where(unplaced_bad).groupby(frame[CASE_KEY]).transform("min")
    placed_first = reason_label.where(~unplaced_bad).groupby(frame[CASE_KEY]).transform("min")
    reason = unplaced_first.where(case_unplaced, placed_first)
    text = where.reindex(reason[target].astype(np.int64).to_numpy()).to_numpy()
    message = pd.Series(
        np.where(
            case_unplaced[target].to_numpy(),
            "the case cannot be ordered: action (" + text + ") has no usable time",
            "earlier action (" + text + ") is invalid",
        ),
        index=frame.index[target.to_numpy()],
    )
    frame.loc[target, OUTCOME] = "blocked"
    return problems_where(target, Code.BLOCKED, message, None)


def sequence_problems(
    frame: pd.DataFrame, config: Config, *, multi_source: bool
) -> list[pd.DataFrame]:
    """`transitions: progressive` and `require_note` need each action's previous status.

    With block, the first offending action of a case is invalid and the rest blocked; with
    continue, offending actions drop one per case per round (dropping one changes the
    previous status of the next) until the timeline is consistent.
    """
    progressive = config.validation.transitions == "progressive"
    need_note = config.validation.require_note
    if not (progressive or need_note):
        return []
    found: list[pd.DataFrame] = []
    block = config.send.on_case_failure == "block"
    while True:
        todo = frame[OUTCOME].eq("") & frame[CASE_SEQ].gt(0)
        rows = frame.loc[todo, [CASE_KEY, STATUS, NOTE]]
        same_case = rows[CASE_KEY].eq(rows[CASE_KEY].shift(1))
        previous = rows[STATUS].shift(1).where(same_case, "").astype(str)
        bad_transition = pd.Series(False, index=rows.index)
        if progressive:
            pairs = pd.Series(list(zip(previous, rows[STATUS], strict=True)), index=rows.index)
            named = previous.isin(["", *NAMED_STATUSES]) & rows[STATUS].isin(NAMED_STATUSES)
            allowed = pairs.isin(_ALLOWED_PROGRESSIVE) | previous.eq(rows[STATUS])
            bad_transition = named & ~allowed
        bad_note = pd.Series(False, index=rows.index)
        if need_note:
            bad_note = rows[STATUS].ne(previous) & rows[NOTE].eq("")
        bad = bad_transition | bad_note
        # only the first offence of each case is certain: with block what follows it is
        # blocked; with continue, dropping it changes the previous status of the next action
        bad &= bad.groupby(rows[CASE_KEY]).cumsum().eq(1)
        if not bad.any():
            return found
        shown_previous = previous.replace("", "no status")
        labels = rows.index
        found.append(
            problems_where(
                bad_transition.reindex(labels) & bad,
                Code.TRANSITION_NOT_ALLOWED,
                shown_previous.astype(object)
                + " → "
                + rows[STATUS].astype(object)
                + " is not allowed with validation.transitions: progressive "
                "(none or closed → open → progress → closed; repeats allowed)",
                "status",
            )
        )
        found.append(
            problems_where(
                bad_note & bad,
                Code.NOTE_REQUIRED,
                "the status changes to "
                + rows[STATUS].astype(object)
                + " without a note; validation.require_note: true needs one",
                "note",
            )
        )
        frame.loc[bad[bad].index, OUTCOME] = "invalid"
        if block:
            found.append(block_after_invalid(frame, multi_source=multi_source))
            return found


def assign_senders(frame: pd.DataFrame, policy: str) -> None:
    """SEND_ASSIGNEE per send.assignee: every action, only the case's last action, or never."""
    to_send = frame[OUTCOME].eq("")
    if policy == "every":
        frame[SEND_ASSIGNEE] = frame[ASSIGNEE].where(to_send, "")
        return
    frame[SEND_ASSIGNEE] = pd.Series("", index=frame.index, dtype="str")
    if policy == "never":
        return
    named = frame[ASSIGNEE].where(to_send & frame[ASSIGNEE].ne(""))
    latest = named.groupby(frame[CASE_KEY]).ffill()
    last_to_send = to_send & ~to_send[::-1].groupby(frame[CASE_KEY][::-1]).cumsum().gt(1)[::-1]
    last_to_send &= in_case(frame)
    frame.loc[last_to_send, SEND_ASSIGNEE] = latest[last_to_send].fillna("")


def assignment_emails(frame: pd.DataFrame) -> dict[str, int]:
    """How many assignment e-mails each send.assignee policy would cause."""
    to_send = frame[OUTCOME].eq("") & in_case(frame)
    named = to_send & frame[ASSIGNEE].ne("")
    return {
        "every": int(named.sum()),
        "last": int(frame.loc[named, CASE_KEY].nunique()),
        "never": 0,
    }


def _row_names(frame: pd.DataFrame, multi_source: bool) -> pd.Series:
    """'row 12' (or 'orders.csv row 12' when several files are planned together)."""
    rows = "row " + frame[ROW].astype(str).astype(object)
    if multi_source:
        return frame[SOURCE].astype(object) + " " + rows
    return rows
