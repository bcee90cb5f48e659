"""What a status word's place in the timelines suggests, for a word in no known language.

A case starts with the same status ("first status of 80 of 80 cases: open?") and most end
with one of a few ("last status of 52 of 60 finished cases: closed?"); a resolution that a
closing or a re-opening follows closes too, the word that only comes after a closing is a
re-opening, and what comes between is progress. A suggestion is a comment for a person to
confirm, never a mapping.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

MIN_CASES = 2  # a place seen in fewer cases suggests nothing
MOSTLY = 0.8
OFTEN = 0.5  # a word that ends this share of the cases it is in may close them


@dataclass
class _Places:
    cases: pd.Series  # word -> cases holding it
    first: pd.Series  # word -> cases it starts
    last: pd.Series  # word -> cases that moved and end with it
    moved_with: pd.Series  # word -> cases that moved, holding it
    between: pd.Series  # word -> cases holding it neither first nor last
    follows: dict[str, set[str]] = field(default_factory=dict)  # word -> the words after it
    after: dict[str, set[str]] = field(default_factory=dict)  # word -> the words before it
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
    places = _count(_timelines(frame, id_column, time_column, statuses, olds))
    closing, reopening, opening = _kinds(places)
    finished = int(places.last[places.last.index.isin(closing)].sum())
    said: dict[str, str] = {}
    for word, holding in places.cases.items():
        word = str(word)
        first, last = int(places.first.get(word, 0)), int(places.last.get(word, 0))
        inside = int(places.between.get(word, 0))
        if word in opening:
            said[word] = f"first status of {first} of {places.total} cases: open?"
        elif word in closing:
            said[word] = f"last status of {last} of {finished} finished cases"
            followers = places.follows.get(word, set())
            if followers:
                verb = "follows" if len(followers) == 1 else "follow"
                said[word] += f", and only {_listed(followers)} {verb} it"
            said[word] += ": closed?"
        elif word in reopening and holding >= MIN_CASES:
            said[word] = f"comes only after {_listed(places.after[word])} (in {holding} cases): "
            said[word] += "a reopening, open?"
        elif inside >= MIN_CASES and inside * 2 >= holding:
            said[word] = f"between the first and the last status in {inside} of {holding} cases: "
            said[word] += "progress?"
    return said


def _kinds(places: _Places) -> tuple[set[str], set[str], set[str]]:
    """(closing, re-opening, opening words) by their places in the timelines: a word that
    ends half its cases or more closes them; so does one that ends some and is followed only
    by closings, re-openings or the first status; a re-opening comes only after closings."""
    holding = places.cases.to_dict()
    opening = {
        str(w) for w, n in places.first.items() if n >= MIN_CASES and n >= MOSTLY * holding[w]
    }
    ends = places.last[places.last >= MIN_CASES]
    share = ends / places.moved_with.reindex(ends.index)
    closing = {str(w) for w in share[share >= OFTEN].index}
    grown = True
    while grown:  # add the words that only closings, re-openings or the first status follow
        grown = False
        for word in (str(w) for w in ends.index if str(w) not in closing):
            then = closing | {word}
            reopen = {w for w, before in places.after.items() if w not in then and before <= then}
            if places.follows.get(word, set()) <= then | reopen | opening:
                closing, grown = then, True
    reopening = {
        w for w, before in places.after.items() if w not in closing | opening and before <= closing
    }
    return closing, reopening, opening


def _listed(words: set[str]) -> str:
    return ", ".join(repr(w) for w in sorted(words))


def _timelines(
    frame: pd.DataFrame,
    id_column: str,
    time_column: str | None,
    statuses: pd.Series,
    olds: pd.Series | None,
) -> pd.DataFrame:
    """Each case's statuses in time order (case, status), repeats of one status as one; a
    log's first change brings the status before it."""
    rows = frame.loc[statuses.index]
    at = _instants(rows[time_column]) if time_column else None
    table = pd.DataFrame(
        {
            "case": rows[id_column].astype(str).str.strip().to_numpy(),
            "at": at.dt.tz_convert(None).to_numpy() if at is not None else pd.NaT,
            "pos": np.arange(len(rows)) * 2 + 1,
            "status": _texts(statuses),
            "old": _texts(olds.reindex(statuses.index)) if olds is not None else "",
        }
    )
    table = table[table["case"].ne("") & table["status"].ne("")]
    table = table.sort_values(["case", "at", "pos"], kind="stable", na_position="last")
    if olds is not None:  # the status before the first change, just before it
        firsts = table.drop_duplicates("case")
        before = firsts[firsts["old"].ne("")].assign(
            status=lambda t: t["old"], pos=lambda t: t["pos"] - 1
        )
        table = pd.concat([table, before]).sort_values(
            ["case", "at", "pos"], kind="stable", na_position="last"
        )
    previous = table.groupby("case", sort=False)["status"].shift(1)
    return table.loc[previous.ne(table["status"]), ["case", "status"]].reset_index(drop=True)


def _texts(cells: pd.Series) -> np.ndarray:
    texts = cells.astype(str).str.strip()
    return texts.where(texts.ne("nan") & cells.notna(), "").to_numpy()


def _count(timelines: pd.DataFrame) -> _Places:
    by_case = timelines.groupby("case", sort=False)["status"]
    firsts, lasts, counts = by_case.first(), by_case.last(), by_case.nunique()
    moved = counts[counts > 1].index
    holding = timelines.drop_duplicates(["case", "status"])
    ends = pd.DataFrame({"first": firsts, "last": lasts})
    edge = holding.join(ends, on="case")
    inside = edge[edge["status"].ne(edge["first"]) & edge["status"].ne(edge["last"])]
    nexts = timelines.groupby("case", sort=False)["status"].shift(-1)
    pairs = pd.DataFrame({"word": timelines["status"], "next": nexts}).dropna()
    follows: dict[str, set[str]] = {}
    for word, group in pairs.groupby("word", sort=False)["next"]:
        follows[str(word)] = set(group)
    after: dict[str, set[str]] = {}
    for word, group in pairs.groupby("next", sort=False)["word"]:
        after[str(word)] = set(group)
    return _Places(
        cases=holding["status"].value_counts(),
        first=firsts.value_counts(),
        last=lasts[lasts.index.isin(moved)].value_counts(),
        moved_with=holding.loc[holding["case"].isin(moved), "status"].value_counts(),
        between=inside["status"].value_counts(),
        follows=follows,
        after=after,
        total=len(firsts),
    )


def _instants(cells: pd.Series) -> pd.Series | None:
    """The cells as instants, as plan reads them; None where plan would ask how."""
    from backfill.plan.time_convention import TwoReadings
    from backfill.plan.times import parse_times

    try:
        return parse_times(cells.reset_index(drop=True)).utc
    except TwoReadings:
        return None
