"""What a status word's place in the timelines suggests, for a word in no known language.

A case starts with the same status ("first status of 80 of 80 cases: open?") and most end
with one of a few ("last status of 52 of 60 finished cases: closed?"); what comes between
is progress. A suggestion is a comment for a person to confirm, never a mapping.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

MIN_CASES = 3  # a place seen in fewer cases suggests nothing
MOSTLY = 0.8


@dataclass
class _Places:
    cases: Counter[str] = field(default_factory=Counter)  # cases holding the word
    first: Counter[str] = field(default_factory=Counter)  # cases it starts
    last: Counter[str] = field(default_factory=Counter)  # cases that moved and end with it
    moved_with: Counter[str] = field(default_factory=Counter)  # cases that moved, holding it
    between: Counter[str] = field(default_factory=Counter)  # cases holding it inside
    follows: dict[str, set[str]] = field(default_factory=dict)  # word -> the words after it
    total: int = 0


def status_places(
    frame: pd.DataFrame,
    id_column: str,
    time_column: str | None,
    statuses: pd.Series,
    olds: pd.Series | None = None,
) -> dict[str, str]:
    """Status word -> what its place suggests ("first status of 80 of 80 cases: open?"),
    for the words whose place is clear. `statuses`: the status of each action row (indexed
    like `frame`; other rows dropped); `olds`: a log's status before each change."""
    timelines = _timelines(frame, id_column, time_column, statuses, olds)
    places = _count(timelines)
    terminal = {
        word
        for word, ends in places.last.items()
        if ends >= 2 and ends >= MOSTLY * places.moved_with[word]
    }
    # a word that ends some cases and is followed only by such words closes too ("resolved",
    # then "closed" a few days later)
    before_end = {
        word
        for word, ends in places.last.items()
        if word not in terminal
        and ends >= MIN_CASES
        and places.follows.get(word, set()) <= terminal
    }
    finished = sum(n for word, n in places.last.items() if word in terminal | before_end)
    said: dict[str, str] = {}
    for word, holding in places.cases.items():
        first, last, inside = places.first[word], places.last[word], places.between[word]
        if first >= MIN_CASES and first >= MOSTLY * holding:
            said[word] = f"first status of {first} of {places.total} cases: open?"
        elif word in terminal and last >= MIN_CASES:
            said[word] = f"last status of {last} of {finished} finished cases: closed?"
        elif word in before_end:
            after = ", ".join(repr(w) for w in sorted(places.follows[word]))
            said[word] = f"last status of {last} of {finished} finished cases, and only {after} "
            said[word] += "follows it: closed?"
        elif inside >= MIN_CASES and inside * 2 >= holding:
            said[word] = f"between the first and the last status in {inside} of {holding} cases: "
            said[word] += "progress?"
    return said


def _timelines(
    frame: pd.DataFrame,
    id_column: str,
    time_column: str | None,
    statuses: pd.Series,
    olds: pd.Series | None,
) -> list[list[str]]:
    """Each case's statuses in time order, repeats of one status as one."""
    rows = frame.loc[statuses.index]
    ids = rows[id_column].astype(str).str.strip()
    at = _instants(rows[time_column]) if time_column else None
    table = pd.DataFrame(
        {
            "case": ids.to_numpy(),
            "at": at.to_numpy() if at is not None else pd.NaT,
            "pos": range(len(rows)),
            "status": statuses.astype(str).str.strip().to_numpy(),
            "old": olds.reindex(statuses.index).astype(str).str.strip().to_numpy()
            if olds is not None
            else "",
        }
    )
    table = table[table["case"].ne("") & table["status"].ne("") & table["status"].ne("nan")]
    table = table.sort_values(["case", "at", "pos"], kind="stable", na_position="last")
    timelines = []
    for _, rows_of in table.groupby("case", sort=False):
        sequence = list(rows_of["status"])
        before = str(rows_of["old"].iloc[0])
        if before and before != "nan":
            sequence.insert(0, before)
        timelines.append([s for i, s in enumerate(sequence) if i == 0 or s != sequence[i - 1]])
    return timelines


def _count(timelines: list[list[str]]) -> _Places:
    places = _Places(total=len(timelines))
    for sequence in timelines:
        holding = set(sequence)
        places.cases.update(holding)
        places.first[sequence[0]] += 1
        if len(holding) > 1:
            places.moved_with.update(holding)
            places.last[sequence[-1]] += 1
        places.between.update(set(sequence[1:-1]) - {sequence[0], sequence[-1]})
        for word, after in itertools.pairwise(sequence):
            places.follows.setdefault(word, set()).add(after)
    return places


def _instants(cells: pd.Series) -> pd.Series | None:
    """The cells as instants, as plan reads them; None where plan would ask how."""
    from backfill.plan.time_convention import TwoReadings
    from backfill.plan.times import parse_times

    try:
        return parse_times(cells.reset_index(drop=True)).utc
    except TwoReadings:
        return None
