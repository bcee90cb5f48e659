"""The send order: every case's actions together, in timeline order.

Cases by their earliest usable time, then by case id; cases without any usable time after
those; within a case by happened_at, equal times in the order the data itself gives (an
audit log's chain of old and new statuses, backfill/plan/ties.py: TIE_ORDER), else
open < progress < closed < extended integer statuses (by number), then file order (the order
of the inputs on the command line, then row number); `input.ties: file` leaves out the
status rule. A case with an action that has no time (allowed by
`validation.require_happened_at: false`) cannot be ordered by time and is sent in file
order. Rows without a case id come last, in file order. Every key is a value of the row
itself, so shuffling the input rows never changes the plan.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from backfill.codes import Code
from backfill.config import Config
from backfill.model import CASE_KEY, CASE_SEQ, HAPPENED_TS, IN_CASE, ROW, SOURCE, STATUS
from backfill.plan.validation import TIME_CODE

UNPLACED = "_unplaced"  # working column: the row's time is unusable, so it has no place
FILE_ORDER_CASE = "_file_order_case"  # working column: the row's case is sent in file order
# working column of a reshaped layout: the row's place among its case's equal times, from
# the file's own evidence (an audit log's chain of old and new statuses)
TIE_ORDER = "_tie_order"

_RANK = {"open": 0, "progress": 1, "closed": 2}
_LAST = np.iinfo(np.int64).max


def send_order(frame: pd.DataFrame, sources: Sequence[str], config: Config) -> np.ndarray:
    """The positions of `frame`'s rows in send order. Adds UNPLACED and FILE_ORDER_CASE."""
    case = frame[CASE_KEY]
    code = frame[TIME_CODE]
    no_case = ~frame[IN_CASE]
    untimed = code.eq(Code.MISSING_TIME) & (not config.validation.require_happened_at)
    unplaced = (code.ne("") & ~untimed) | no_case
    file_order_case = untimed.groupby(case).transform("any") & ~no_case
    frame[UNPLACED] = unplaced
    frame[FILE_ORDER_CASE] = file_order_case
    stamps = frame[HAPPENED_TS].dt.tz_localize(None).astype("datetime64[us]").astype(np.int64)
    stamps = stamps.where(frame[HAPPENED_TS].notna(), _LAST)
    by_rank = config.input.ties == "rank"
    keys = [  # most significant first
        no_case,
        stamps.groupby(case).transform("min"),  # the case's first time
        case,
        unplaced,
        stamps.where(~unplaced, _LAST).where(~file_order_case, 0),
        _tie_key(frame).where(~file_order_case, 0),
        status_rank(frame[STATUS]).where(~file_order_case & by_rank, 0),
        source_rank(frame[SOURCE], sources),
        frame[ROW],
    ]
    # numpy's lexsort (stable, last key first) sorts the numbers as they are, where
    # sort_values would first factorize every key
    return np.lexsort([np.asarray(key) for key in reversed(keys)])


def _tie_key(frame: pd.DataFrame) -> pd.Series:
    """TIE_ORDER where a reshaped layout gave one, else no preference (0)."""
    if TIE_ORDER in frame:
        return frame[TIE_ORDER].fillna(0).astype(np.int64)
    return pd.Series(0, index=frame.index, dtype=np.int64)


def number_cases(frame: pd.DataFrame) -> None:
    """Add CASE_SEQ to `frame`, whose rows are in send order: the 1-based place of the action
    in its case, 0 for a row that has no place (UNPLACED: they come after the case's others)."""
    case = frame[CASE_KEY]
    seq = case.groupby(case).cumcount() + 1
    frame[CASE_SEQ] = seq.where(~frame[UNPLACED], 0).astype(np.int64)


def source_rank(source: pd.Series, sources: Sequence[str]) -> np.ndarray:
    """Each row's input file as its place on the command line (looked up once per file)."""
    codes, names = pd.factorize(source)
    position = {name: i for i, name in enumerate(sources)}
    return np.asarray([position.get(name, len(sources)) for name in names], dtype=np.int64)[codes]


def status_rank(status: pd.Series) -> pd.Series:
    """open < progress < closed < extended statuses by number < anything else (ranked once
    per distinct status)."""
    codes, uniques = pd.factorize(status)
    ranks = [
        _RANK.get(value, 3 + int(value) / 100 if str(value).isdigit() else 9.0) for value in uniques
    ]
    return pd.Series(np.asarray(ranks, dtype=float)[codes], index=status.index)
