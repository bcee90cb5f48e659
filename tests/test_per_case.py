"""per_case reductions agree with the pandas groupby they replace in predict()."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from backfill.plan import per_case

_ROWS = st.lists(
    st.tuples(st.integers(0, 4), st.one_of(st.none(), st.integers(0, 10**12)), st.booleans()),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(rows=_ROWS)
def test_reductions_match_groupby(rows: list[tuple[int, int | None, bool]]) -> None:
    keys = np.array([r[0] for r in rows], dtype=np.int64)
    case, uniques = pd.factorize(keys)
    count = len(uniques)
    stamps = pd.Series(
        pd.to_datetime([r[1] for r in rows], unit="us", utc=True), dtype="datetime64[us, UTC]"
    )
    where = np.array([r[2] for r in rows], dtype=bool)
    values = per_case.ticks(stamps)
    groups = pd.Series(case)

    position = pd.Series(np.arange(len(rows)))
    expected_last = position[where].groupby(groups[where]).max().reindex(range(count))
    assert per_case.last(case, count, where).tolist() == expected_last.fillna(-1).tolist()
    expected_first = position[where].groupby(groups[where]).min().reindex(range(count))
    assert per_case.first(case, count, where).tolist() == expected_first.fillna(-1).tolist()

    for op, name in ((np.minimum, "min"), (np.maximum, "max")):
        got = pd.Series(per_case.instants(per_case.extreme(case, count, values, op)))
        expected = stamps.groupby(groups).agg(name).reindex(range(count))
        assert got.tolist() == expected.tolist() or got.isna().equals(expected.isna())
        assert got.dropna().tolist() == expected.dropna().tolist()


def test_pick_takes_positions_and_leaves_nat_for_minus_one() -> None:
    values = per_case.ticks(pd.Series(pd.to_datetime(["2023-01-01", None], utc=True)))
    picked = pd.Series(per_case.instants(per_case.pick(values, np.array([1, -1, 0]))))
    assert picked.isna().tolist() == [True, True, False]
    assert picked.iloc[2] == pd.Timestamp("2023-01-01", tz="UTC")
