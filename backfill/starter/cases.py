"""The rows of each case in time order: what changes within a case and what stays the same.

Shape, not words, tells a status from a priority (the status moves along a case's timeline,
a priority mostly stays), a note from a subject (a subject is the same on every row of its
case), an agent's address from a customer's (an agent works many cases) and the old value
of a change log from the new one (a change's new value is the old value of the same field's
next change). These are measured here on the sample init looks at.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from backfill.starter.profiles import blank


@dataclass(frozen=True)
class Moves:
    """How one column behaves within cases that have it on several rows."""

    multi: int  # cases with two or more filled rows
    moved: int  # ... of which the column takes two or more values

    @property
    def share(self) -> float:
        return self.moved / self.multi if self.multi else 0.0

    @property
    def same(self) -> int:
        return self.multi - self.moved


class Cases:
    """The sample's rows grouped by case id and ordered by time (then file order), so that
    rows exported newest first are read oldest first."""

    def __init__(self, ids: Sequence[object], instants: pd.Series | None = None) -> None:
        keys = pd.Series(["" if blank(v) else str(v).strip() for v in ids], dtype=object)
        times = (
            pd.Series(instants.dt.tz_convert(None).to_numpy())
            if instants is not None
            else pd.Series(pd.NaT, index=keys.index, dtype="datetime64[us]")
        )
        frame = pd.DataFrame({"case": keys, "at": times, "pos": np.arange(len(keys))})
        frame = frame[frame["case"].ne("")]
        self.newest_first = _newest_first(frame)
        frame = frame.sort_values(["case", "at", "pos"], kind="stable", na_position="last")
        self.positions = frame["pos"].to_numpy()  # row positions, case by case in time order
        self.case = frame["case"].to_numpy()
        self.count = int(frame["case"].nunique())
        self._texts: dict[int, tuple[Sequence[object], pd.Series]] = {}

    def texts(self, cells: Sequence[object]) -> pd.Series:
        """The cells as stripped text ("" for blank), in case and time order, by case."""
        known = self._texts.get(id(cells))
        if known is not None and known[0] is cells:
            return known[1]
        values = [cells[p] for p in self.positions]
        shown = ["" if blank(v) else str(v).strip() for v in values]
        texts = pd.Series(shown, index=pd.Index(self.case, name="case"), dtype=object)
        self._texts[id(cells)] = (cells, texts)  # (each column's cells: one list, asked often)
        return texts

    def filled(self, cells: Sequence[object]) -> pd.Series:
        texts = self.texts(cells)
        return texts[texts.ne("")]

    def moves(self, cells: Sequence[object]) -> Moves:
        filled = self.filled(cells)
        grouped = filled.groupby(level="case", sort=False)
        sizes, distinct = grouped.size(), grouped.nunique()
        several = sizes >= 2
        return Moves(int(several.sum()), int((distinct[several] >= 2).sum()))

    def cases_with(self, cells: Sequence[object]) -> int:
        """How many cases have the column filled on some row."""
        return int(self.filled(cells).index.nunique())

    def firsts(self, cells: Sequence[object]) -> pd.Series:
        """Each case's first filled value in time order."""
        return self.filled(cells).groupby(level="case", sort=False).first()

    def chain(
        self, cells_old: Sequence[object], cells_new: Sequence[object], fields: Sequence[object]
    ) -> dict[str, tuple[int, int]]:
        """Field -> (consecutive changes of the field within a case, those where the earlier
        change's new value is the later one's old value): a change log's columns chain."""
        frame = pd.DataFrame(
            {
                "case": self.case,
                "field": self.texts(fields).to_numpy(),
                "old": self.texts(cells_old).to_numpy(),
                "new": self.texts(cells_new).to_numpy(),
            }
        )
        frame = frame[frame["old"].ne("") | frame["new"].ne("")]
        frame["previous"] = frame.groupby(["case", "field"], sort=False)["new"].shift(1)
        frame = frame[frame["previous"].notna() & (frame["previous"].ne("") | frame["old"].ne(""))]
        frame["linked"] = frame["previous"] == frame["old"]
        grouped = frame.groupby("field", sort=False)["linked"]
        sizes, linked = grouped.size(), grouped.sum()
        return {str(name): (int(sizes[name]), int(linked[name])) for name in sizes.index}


def _newest_first(frame: pd.DataFrame) -> bool:
    """The file lists each case's rows newest first: its later rows hold earlier times."""
    steps = frame.groupby("case", sort=False)["at"].diff().dropna()
    steps = steps[steps.ne(pd.Timedelta(0))]
    return bool(len(steps)) and bool((steps < pd.Timedelta(0)).mean() > 0.5)
