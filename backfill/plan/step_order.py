"""A ticket export's steps against their own order (layout wide, `input.step_order`).

A ticket goes through its steps (`input.steps`) in the order of their statuses: open
(created), progress (first reply), closed (solved), whatever order the config lists them in.
A ticket whose times contradict that order (solved before it was created, a first reply
before its creation: a data error, or two columns written in different zones; or a reply
after the ticket was solved) would, replayed in time order, end in another status than the
ticket has. So, per `input.step_order`:

- `strict` (default): such a ticket is refused (`steps-out-of-order`, naming both columns
  and times) and none of its steps is sent;
- `drop-late-steps`: a step between the first step and the closing (`closed`) one, reached
  after the closing one, is no action (the reply after resolution; `step-dropped` warns on
  the closing action); other contradictions are refused as under strict;
- `time`: every step at its own time (re-opens are warned by the plan as always).

Where the export has the ticket's current status (a column named `status`), a ticket whose
replayed steps end in another status warns (`status-differs`). The layout (plan/layouts.py)
leaves these findings in working columns of the action rows; `step_problems` turns them into
the plan's problems.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from backfill.codes import Code
from backfill.errors import Severity
from backfill.plan.order import status_rank
from backfill.plan.statuses import normalise_status
from backfill.plan.validation import problems_where

# working columns of the action rows (message, "" for none), and the column each names
REFUSED, _REFUSED_FIELD = "_steps_out_of_order", "_steps_out_of_order_field"
DROPPED, DROPPED_FIELD = "_step_dropped", "_step_dropped_field"
_DIFFERS, _DIFFERS_FIELD = "_status_differs", "_status_differs_field"
CLOSING = "closed"


@dataclass
class StepCheck:
    """Per ticket (rows) and step (columns): which steps become actions, and why not."""

    keep: np.ndarray  # bool (tickets × steps): a non-empty step that becomes an action
    refused: np.ndarray  # per ticket: why it is refused ("" = it is not)
    refused_field: np.ndarray  # per ticket: the column named first
    dropped: np.ndarray  # per ticket: the steps dropped ("" = none)
    dropped_field: np.ndarray  # per ticket: the first dropped step's column


def check_steps(
    times: np.ndarray,
    cells: np.ndarray,
    columns: np.ndarray,
    steps: list[str],
    rule: str,
    status_map: Mapping[str, str] | None = None,
) -> StepCheck:
    """Check each ticket's step times (`times`: instants, NaN where empty or unreadable;
    `cells`: the stripped cells; `columns`: the column each cell is from) against the order
    of its steps (`lifecycle`) under `rule` (input.step_order). Loops over pairs of steps,
    never over tickets."""
    tickets = len(times)
    empty = np.full(tickets, "", dtype=object)
    check = StepCheck(cells != "", empty.copy(), empty.copy(), empty.copy(), empty.copy())
    if rule == "time" or tickets == 0:
        return check
    readable = check.keep & ~np.isnan(times)
    sequence, ranks, statuses = lifecycle(steps, status_map)
    if rule == "drop-late-steps" and CLOSING in statuses:
        closing = statuses.index(CLOSING)
        # the steps between the first (the creation) and the closing one
        for late in [i for i in sequence[1:] if ranks[i] < ranks[closing]]:
            after = readable[:, late] & readable[:, closing]
            after &= times[:, late] > times[:, closing]
            check.keep[after, late] = readable[after, late] = False
            text = _step(columns, cells, after, late) + " is after the closing step "
            text += _step(columns, cells, after, closing)
            check.dropped[after] = _joined(check.dropped[after], text)
            first = after & (check.dropped_field == "")
            check.dropped_field[first] = columns[first, late]
    advice = (
        "input.step_order: time (each step at its own time)"
        if rule == "drop-late-steps"
        else "input.step_order: drop-late-steps (a step reached after the closing one is no "
        "action) or time (each step at its own time)"
    )
    order = " → ".join(steps[i] for i in sequence)
    for place, early in enumerate(sequence):
        for later in (i for i in sequence[place + 1 :] if ranks[i] > ranks[early]):
            before = readable[:, early] & readable[:, later] & (check.refused == "")
            before &= times[:, later] < times[:, early]
            if not before.any():
                continue
            check.refused[before] = (
                _step(columns, cells, before, later)
                + " is before "
                + _step(columns, cells, before, early)
                + f", against the order of a ticket's steps ({order}): the ticket is not "
                "sent; correct its times (two columns written in different zones?), or set "
                + advice
            )
            check.refused_field[before] = columns[before, later]
    check.dropped[check.refused != ""] = ""
    return check


def lifecycle(
    steps: list[str], status_map: Mapping[str, str] | None = None
) -> tuple[list[int], list[float], list[str]]:
    """The order a ticket goes through its steps, whatever order the config lists them in
    (a YAML tool may sort the keys): open < progress < closed < extended statuses by number,
    as their status words map. Returns the steps' indices in that order, each step's rank
    and its status ("" when its word is unknown: ranked last)."""
    mapped, _ = normalise_status(pd.Series(steps, dtype=object), status_map, extended=True)
    ranks = status_rank(mapped).tolist()
    sequence = sorted(range(len(steps)), key=lambda i: (ranks[i], i))
    return sequence, ranks, mapped.tolist()


def _step(columns: np.ndarray, cells: np.ndarray, rows: np.ndarray, step: int) -> np.ndarray:
    """Each of these tickets' step as a message names it: 'Solved at' (2024-03-01 09:00)."""
    named: np.ndarray = "'" + columns[rows, step] + "' (" + cells[rows, step] + ")"
    return named


def _joined(before: np.ndarray, text: np.ndarray) -> np.ndarray:
    joined: np.ndarray = np.where(before == "", text, before + "; " + text)
    return joined


def status_differences(
    current: pd.Series, mapped: pd.Series, final: np.ndarray, last_step: np.ndarray
) -> np.ndarray:
    """Per ticket, why its replay ends in another status than its status column says ("" where
    it does not, or where the column's word is unknown or the ticket has no action)."""
    differs = mapped.ne("").to_numpy() & (final != "") & (mapped.to_numpy(dtype=object) != final)
    out = np.full(len(final), "", dtype=object)
    if differs.any():
        out[differs] = (
            "the ticket's status is '"
            + current.to_numpy(dtype=object)[differs]
            + "' ("
            + mapped.to_numpy(dtype=object)[differs]
            + "), but its steps end "
            + final[differs]
            + " (the last: "
            + last_step[differs]
            + "): CustomerGauge will show "
            + final[differs]
            + "; check the ticket's step times and input.steps"
        )
    return out


def working_columns(
    check: StepCheck,
    ticket: np.ndarray,
    is_closing: np.ndarray,
    is_last: np.ndarray,
    differs: np.ndarray,
    status_column: str | None,
) -> dict[str, np.ndarray]:
    """The working columns of the action rows (`ticket`: each row's ticket)."""
    blank = np.full(len(ticket), "", dtype=object)
    return {
        REFUSED: check.refused[ticket],
        _REFUSED_FIELD: check.refused_field[ticket],
        DROPPED: np.where(is_closing, check.dropped[ticket], blank),
        DROPPED_FIELD: np.where(is_closing, check.dropped_field[ticket], blank),
        _DIFFERS: np.where(is_last, differs[ticket], blank),
        _DIFFERS_FIELD: np.full(len(ticket), status_column or "", dtype=object),
    }


def step_problems(frame: pd.DataFrame) -> list[pd.DataFrame]:
    """The problems the wide layout left in the action rows' working columns."""
    if REFUSED not in frame:
        return []
    found = []
    for column, field, code, severity in (
        (REFUSED, _REFUSED_FIELD, Code.STEPS_OUT_OF_ORDER, Severity.ERROR),
        (DROPPED, DROPPED_FIELD, Code.STEP_DROPPED, Severity.WARNING),
        (_DIFFERS, _DIFFERS_FIELD, Code.STATUS_DIFFERS, Severity.WARNING),
    ):
        flagged = frame[column].ne("")
        if not flagged.any():
            continue
        message = frame[column]
        if code == Code.STEP_DROPPED:
            message = message + ": no action (input.step_order: drop-late-steps)"
        problems = problems_where(flagged, code, message, None, severity)
        problems["field"] = frame.loc[flagged, field].to_numpy(dtype=object)
        found.append(problems)
    return found
