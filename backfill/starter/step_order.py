"""`init`'s proposal for `input.step_order` (a ticket export): the rule, with its count.

The tickets are read as `plan` reads them (plan/layouts.py, plan/step_order.py), once per
rule: tickets that got a step after they were solved (the reply after resolution) make
`drop-late-steps` the proposal, since they are legitimately timed; other contradictions
(solved before created: a data error or a zone) stay `strict`, refused with their reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from backfill.config import InputConfig
from backfill.errors import BackfillError
from backfill.model import ROW, SOURCE
from backfill.plan.step_order import DROPPED, DROPPED_FIELD, REFUSED

if TYPE_CHECKING:
    from backfill.starter.inspect import Inspection


@dataclass(frozen=True)
class StepOrderProposal:
    value: str  # strict | drop-late-steps
    evidence: str


def propose_step_order(frame: pd.DataFrame, inspection: Inspection) -> StepOrderProposal | None:
    """The step_order line of a wide export's config; None for other layouts, or when the
    steps cannot be read yet (init's TODOs say why)."""
    if inspection.layout != "wide" or not inspection.steps:
        return None
    strict = _actions(frame, inspection, "strict")
    lenient = _actions(frame, inspection, "drop-late-steps")
    if strict is None or lenient is None:
        return None
    refused = _tickets(strict, REFUSED)
    dropped = _tickets(lenient, DROPPED)
    still = _tickets(lenient, REFUSED)
    if not len(dropped):
        if not len(refused):
            return StepOrderProposal("strict", "every ticket's step times are in their order")
        return StepOrderProposal("strict", _refused_text(refused))
    late = dropped[DROPPED_FIELD].value_counts().index[0]
    closing = ", ".join(repr(g.column) for g in inspection.steps.get("closed", []))
    text = (
        f"{_count(len(dropped))} got {late!r} after they were solved ({closing}): that step "
        "is no action, the ticket stays closed"
    )
    if len(still):
        text += "; " + _refused_text(still)
    return StepOrderProposal("drop-late-steps", text)


def _actions(frame: pd.DataFrame, inspection: Inspection, rule: str) -> pd.DataFrame | None:
    """The export's action rows as `plan` makes them under `rule`, or None when it cannot."""
    from backfill.plan.layouts import to_long
    from backfill.read.table import InputTable

    own = [c for c in frame.columns if c not in (SOURCE, ROW)]
    id_guess = inspection.columns.get("number_customergauge")
    cfg = InputConfig.model_validate(
        {
            "layout": "wide",
            "steps": {s: [g.column for g in guesses] for s, guesses in inspection.steps.items()},
            "step_order": rule,
            "dayfirst": inspection.dayfirst,
            "date_format": inspection.date_format,
        }
    )
    columns = {"number_customergauge": id_guess.column} if id_guess else {}
    table = InputTable(frame=frame, columns=columns, original_columns=own, sources=["export"])
    try:
        return to_long(table, cfg).frame
    except BackfillError:
        return None


def _tickets(actions: pd.DataFrame, column: str) -> pd.DataFrame:
    """The actions with a message in `column`, one per ticket (file row)."""
    return actions[actions[column].ne("")].drop_duplicates([SOURCE, ROW])


def _refused_text(refused: pd.DataFrame) -> str:
    first = refused.iloc[0]
    reason = str(first[REFUSED]).split(", against the order", 1)[0]
    return (
        f"{_count(len(refused))} with step times out of their order (row {first[ROW]}: "
        f"{reason}) are refused: check their columns' zones"
    )


def _count(tickets: int) -> str:
    return f"{tickets:,} ticket" if tickets == 1 else f"{tickets:,} tickets"
