"""Equal times within a case: the order the file's own evidence gives them.

Times are often written to the minute (Jira) or the day, so one case can have several
actions at the same time. The plan's rule for them (backfill/plan/order.py) is
open < progress < closed, then file order; the data can say otherwise:

- an audit log records each change with its old and new status, so changes of the same
  time follow that chain (a change whose old status is another's new status comes after
  it), whatever order the file lists them in (newest first included); `log_order` gives
  the reshaped log its TIE_ORDER, and the rank rule (or with `input.ties: file` the file's
  order) only chooses where the chain leaves a choice. Comments keep their place in the
  file among the changes of their time.
- a long file lists its actions in some order: where the rank rule sends equal-time
  actions in another, each moved row carries a `tie-reordered` warning naming both orders
  (`tie_warnings`); `input.ties: file` keeps the file's order instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from backfill.codes import Code
from backfill.config import Config, InputConfig
from backfill.errors import Severity
from backfill.model import CASE, CASE_KEY, HAPPENED_AT, HAPPENED_TS, IN_CASE, ROW, SOURCE, STATUS
from backfill.plan.order import FILE_ORDER_CASE, TIE_ORDER, UNPLACED, source_rank, status_rank
from backfill.plan.statuses import normalise_status, status_key
from backfill.plan.validation import empty_problems, problems_where
from backfill.plan.vocabulary import fold


def log_order(
    cases: np.ndarray,
    stamps: np.ndarray,
    changes: np.ndarray,
    news: np.ndarray,
    olds: np.ndarray | None,
    cfg: InputConfig,
) -> np.ndarray:
    """Positions of an audit log's rows by case, then time; the status changes of one case
    and time in the order of their chain of old and new statuses (`_walk`), in the places
    those changes hold in the file, so comments between them stay between them."""
    order = np.lexsort((np.arange(len(cases)), stamps, cases))
    chained = order[changes[order]]  # the changes, by case, time and file order
    if len(chained) < 2:
        return order
    tied = (cases[chained][1:] == cases[chained][:-1]) & (
        stamps[chained][1:] == stamps[chained][:-1]
    )
    if not tied.any():
        return order
    starts = np.flatnonzero(np.r_[True, ~tied])
    sizes = np.diff(np.r_[starts, len(chained)])
    status, _ = normalise_status(pd.Series(news, dtype=object), cfg.status_map)
    ranks = status_rank(status).to_numpy() if cfg.ties == "rank" else np.zeros(len(news))
    place = np.empty(len(order), dtype=np.int64)
    place[order] = np.arange(len(order))
    # only the groups of equal times are walked (a loop over those, not over the log)
    for start, size in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist(), strict=True):
        rows = chained[start : start + size].copy()
        same_case = start > 0 and cases[chained[start - 1]] == cases[rows[0]]
        before = news[chained[start - 1]] if same_case else None
        walked = _walk(rows, news, olds, ranks, before)
        chained[start : start + size] = walked
        order[place[rows]] = walked  # (place[rows] ascends: rows are in file order)
    return order


def _walk(
    rows: np.ndarray,
    news: np.ndarray,
    olds: np.ndarray | None,
    ranks: np.ndarray,
    before: str | None,
) -> np.ndarray:
    """Changes of one case and time as a chain: from the status the case had before them,
    each next change is one whose old status is the current one; where none is (or the log
    has no old status), a change whose old status no other change leads to; where the chain
    still leaves a choice, the rank rule (or file order) among the candidates."""
    left = sorted(rows.tolist(), key=lambda r: (ranks[r], r))
    current = _key(before) if before is not None else None
    walked: list[int] = []
    while left:
        candidates = [r for r in left if olds is not None and _key(olds[r]) == current]
        if not candidates and olds is not None:
            reached = {_key(news[r]) for r in left}
            candidates = [r for r in left if _key(olds[r]) not in reached]
        pick = candidates[0] if candidates else left[0]
        walked.append(pick)
        left.remove(pick)
        current = _key(news[pick])
    return np.asarray(walked, dtype=np.int64)


def _key(value: object) -> str:
    """A status word as the chain compares it (case, spaces and underscores aside)."""
    return fold(status_key(str(value)))


def tie_warnings(
    frame: pd.DataFrame,
    sources: Sequence[str],
    config: Config,
    columns: Mapping[str, str],
    *,
    multi_source: bool,
) -> pd.DataFrame:
    """`tie-reordered` on the rows that the rank rule sends in another order than the file
    lists them among their case's equal times (`frame` in send order). Not for a layout
    whose ties follow its own evidence (TIE_ORDER), nor with `input.ties: file`."""
    if config.input.ties != "rank" or TIE_ORDER in frame:
        return empty_problems()
    placed = frame[IN_CASE] & ~frame[UNPLACED] & ~frame[FILE_ORDER_CASE]
    # in send order a case's equal times are neighbours: a comparison with the row before
    case, stamp = frame[CASE_KEY], frame[HAPPENED_TS]
    same = placed & placed.shift(1, fill_value=False)
    same &= case.eq(case.shift(1)) & stamp.eq(stamp.shift(1))
    tied = same | same.shift(-1, fill_value=False)
    if not tied.any():
        return empty_problems()
    rows = frame.loc[tied, [CASE_KEY, HAPPENED_TS, SOURCE, ROW, STATUS, CASE, HAPPENED_AT]]
    group = rows.groupby([CASE_KEY, HAPPENED_TS], sort=False).ngroup()
    in_file = source_rank(rows[SOURCE], sources) * (int(rows[ROW].max()) + 1) + rows[ROW]
    file_place = pd.Series(in_file, index=rows.index).groupby(group).rank(method="first")
    sent_place = group.groupby(group).cumcount() + 1
    moved = file_place.ne(sent_place)
    if not moved.any():
        return empty_problems()
    moved_groups = group[moved].unique()
    shown = rows[group.isin(moved_groups)]
    shown_group = group[shown.index]
    where = "row " + shown[ROW].astype(str).astype(object)
    if multi_source:
        where = shown[SOURCE].astype(object) + " " + where
    items = shown[STATUS].astype(object) + " (" + where + ")"
    sent = items.groupby(shown_group, sort=False).agg(" → ".join)
    by_file = file_place[shown.index].sort_values(kind="stable").index
    listed = items[by_file].groupby(shown_group[by_file], sort=False).agg(" → ".join)
    first = shown.groupby(shown_group, sort=False)[[CASE, HAPPENED_AT]].first()
    text = (
        "case "
        + first[CASE].astype(object)
        + " has several actions at "
        + first[HAPPENED_AT].astype(object)
        + f" ({config.api.timezone}): sent "
        + sent.reindex(first.index).astype(object)
        + " by the tie rule (open < progress < closed), where the file has "
        + listed.reindex(first.index).astype(object)
        + "; set input.ties: file to keep the file's order"
    )
    message = pd.Series(text.reindex(group[moved]).to_numpy(), index=group[moved].index)
    return problems_where(
        moved.reindex(frame.index, fill_value=False),
        Code.TIE_REORDERED,
        message,
        columns.get("happened_at", "happened_at"),
        Severity.WARNING,
    )
