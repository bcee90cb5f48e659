"""Per-case figures over integer case numbers: one numpy reduction each, no groupby.

`case` gives, for each row (in timeline order), its case as 0..count-1. Instants travel as
int64 microseconds since the epoch in UTC, NaT as the smallest int64, so that min/max and
picks are plain integer operations.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NAT = np.iinfo(np.int64).min  # NaT as int64


def ticks(stamps: pd.Series) -> np.ndarray:
    """Instants (any unit, tz-aware) as int64 microseconds since the epoch, UTC; NaT as NAT."""
    naive = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    return naive.to_numpy(dtype="datetime64[us]").view(np.int64)


def instants(values: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """int64 microseconds (NAT = NaT) as a datetime64[us, UTC] array."""
    return pd.Series(values.view("datetime64[us]")).dt.tz_localize("UTC").array


def last(case: np.ndarray, count: int, where: np.ndarray) -> np.ndarray:
    """Per case, the position of its last row where `where` holds; -1 where none does."""
    out = np.full(count, -1, dtype=np.int64)
    rows = np.flatnonzero(where)
    np.maximum.at(out, case[rows], rows)
    return out


def first(case: np.ndarray, count: int, where: np.ndarray) -> np.ndarray:
    """Per case, the position of its first row where `where` holds; -1 where none does."""
    out = np.full(count, len(case), dtype=np.int64)
    rows = np.flatnonzero(where)
    np.minimum.at(out, case[rows], rows)
    return np.where(out == len(case), -1, out)


def extreme(case: np.ndarray, count: int, values: np.ndarray, op: np.ufunc) -> np.ndarray:
    """Per case, the min or max (`op`) of its known instants; NAT when it has none (as
    groupby min/max skip NaT)."""
    known = values != NAT
    start = np.iinfo(np.int64).max if op is np.minimum else NAT
    out = np.full(count, start, dtype=np.int64)
    op.at(out, case[known], values[known])
    seen = np.bincount(case[known], minlength=count) > 0
    return np.where(seen, out, NAT)


def pick(values: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """values[positions], NAT where a position is -1."""
    out = np.full(len(positions), NAT, dtype=np.int64)
    chosen = positions >= 0
    out[chosen] = values[positions[chosen]]
    return out
