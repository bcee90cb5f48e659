"""The steps of a wide file (one row per case): its time columns in the order their times
fall in each row, whatever language the headers are in.

- A column that falls both before and after another in many rows is no step: a due date, an
  SLA target. So is a last touch: a column on every row holding the latest time of its row
  ("Last update" copies the closing on closed tickets and the creation on new ones).
- Of the rest, in time order, the earliest is `open`, the latest `closed`, those between
  `progress`. A header word (lexicon.py, seventeen languages) names a step where it can: it
  confirms the order, or tells a resolution from a reply where the order alone cannot
  ("Resolved" before "Closed": two closing columns, the earlier wins).
Every step line says its evidence, and where no header word confirmed it, that only the
order decided.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from backfill.starter import lexicon
from backfill.starter.profiles import Guess, Profile

CROSSING = 0.2  # share of the rows with both where a column falls on the other side
FEW_GAPS = 4  # a column this few distinct gaps after another is computed from it (a target)
RANK = {"open": 0, "progress": 1, "closed": 2}


@dataclass
class Steps:
    """The wide layout's steps: status -> its time columns (earliest first)."""

    columns: dict[str, list[Guess]]
    left_out: list[str]  # time columns that are no step, each with why
    todos: list[str]
    # the step columns in time order: where input.step_order or another check may start
    order: list[str] = field(default_factory=list)


def find_steps(times: list[Profile], taken: set[str]) -> Steps:
    """The steps of a wide file from its time columns (`taken`: columns mapped otherwise)."""
    left_out: list[str] = []
    todos: list[str] = []
    columns = [p for p in times if p.name not in taken and p.median is not None]
    columns = _without_crossing(columns, left_out, todos)
    columns = _without_last_touch(columns, left_out)
    columns = _without_said_non_steps(columns, left_out)
    ordered = _in_time_order(columns)
    named = _first_of_each(_named(ordered), left_out)
    steps: dict[str, list[Guess]] = {}
    for position, (step, profile, word) in enumerate(named):
        relation = _relation(named, position)
        evidence = f"{profile.share(profile.times)} are times, {relation}"
        if word:
            evidence = f"{word}; {evidence}"
        else:
            evidence += "; only the order decided (no header word names the step)"
        later = [p.name for s, p, _ in named[:position] if RANK[s] > RANK[step]]
        if later:
            todos.append(
                f"'{profile.name}' names the step {step}, but its times fall after those of "
                f"{', '.join(repr(n) for n in later)}: check input.steps"
            )
        steps.setdefault(step, []).append(Guess(profile.name, evidence))
    if named and "open" not in steps:
        todos.append(
            f"no time column opens the case: the earliest, '{named[0][1].name}', is named "
            f"{named[0][0]}; add the opening's column to input.steps as open if the export "
            "has one"
        )
    return Steps(steps, left_out, todos, [p.name for _, p, _ in named])


def _named(ordered: list[Profile]) -> list[tuple[str, Profile, str]]:
    """(step, column, the header's word or "") in time order: a header word names the step;
    where none does, the place decides (first open, last closed, between progress; after a
    closing column, closed too)."""
    named: list[tuple[str, Profile, str]] = []
    for position, profile in enumerate(ordered):
        word_step = next(
            (s for s, words in lexicon.STEPS.items() if lexicon.says(profile.name, words)), None
        )
        if word_step is not None:
            named.append((word_step, profile, lexicon.said(profile.name, lexicon.STEPS[word_step])))
            continue
        if position == 0:
            step = "open"
        elif position == len(ordered) - 1 or any(s == "closed" for s, _, _ in named):
            step = "closed"
        else:
            step = "progress"
        named.append((step, profile, ""))
    return named


def _relation(named: list[tuple[str, Profile, str]], position: int) -> str:
    """ "before 'First reply' in 68 of 68 rows" (the earliest), else "after 'Created' ..." """
    profile = named[position][1]
    if position == 0:
        if len(named) == 1:
            return "the only step"
        other = named[1][1]
        rows, later = _after(other, profile)
        return f"before '{other.name}' in {later} of {_rows(rows, profile)}"
    other = named[position - 1][1]
    rows, later = _after(profile, other)
    return f"after '{other.name}' in {later} of {_rows(rows, profile)}"


def _rows(count: int, profile: Profile) -> str:
    every = count == len(profile.cells or [])
    return f"{count} row{'s' if count != 1 else ''}" + ("" if every else " with both")


def _without_crossing(
    columns: list[Profile], left_out: list[str], todos: list[str]
) -> list[Profile]:
    """Leave out, one at a time, the column that falls on both sides of the most others."""
    kept = list(columns)
    while True:
        crossed = {p.name: [o for o in kept if o is not p and _crosses(p, o)] for p in kept}
        # two columns whose headers both name a step (not a deadline) are steps even where
        # their times disagree ('First reply' after 'Solved'): input.step_order reads those
        crossed = {
            name: [o for o in others if not (_names_step(name) and _names_step(o.name))]
            for name, others in crossed.items()
        }
        most = max((len(c) for c in crossed.values()), default=0)
        if not most:
            return kept
        tied = [p for p in kept if len(crossed[p.name]) == most]
        scored = sorted(tied, key=lambda p: _target_score(p, kept), reverse=True)
        if len(scored) > 1 and _target_score(scored[0], kept) == _target_score(scored[1], kept):
            names = " and ".join(f"'{p.name}'" for p in scored)
            todos.append(
                f"{names} fall before and after each other in many rows: one of them is no "
                "step (a due date, a target); add the other to input.steps"
            )
            for profile in scored:
                left_out.append(
                    f"'{profile.name}' holds times too; {_crossing_text(profile, crossed)}"
                )
            kept = [p for p in kept if p not in scored]
            continue
        chosen = scored[0]
        why = _crossing_text(chosen, crossed)
        computed = _computed_from(chosen, kept)
        if computed:
            why += f"; {computed}"
        word = lexicon.said(chosen.name, lexicon.DEADLINE)
        left_out.append(
            f"'{chosen.name}' holds times too; {why}: a due date or a target, no step"
            + (f" ({word})" if word else "")
        )
        kept.remove(chosen)


def _names_step(header: str) -> bool:
    if lexicon.says(header, lexicon.DEADLINE) is not None:
        return False
    return any(lexicon.says(header, words) for words in lexicon.STEPS.values())


def _crossing_text(profile: Profile, crossed: dict[str, list[Profile]]) -> str:
    """How it falls on both sides of the columns it crosses (the first two, file order)."""
    sides = []
    for other in crossed[profile.name][:2]:
        rows, before, after = _sides(profile, other)
        sides.append(f"before '{other.name}' in {before} and after it in {after} of {rows} rows")
    return "it falls " + ", ".join(sides)


def _crosses(one: Profile, other: Profile) -> bool:
    rows, before, after = _sides(one, other)
    return min(before, after) >= max(2, CROSSING * rows)


def _sides(one: Profile, other: Profile) -> tuple[int, int, int]:
    """(rows where both have a time, rows where `one` is before `other`, rows after)."""
    a, b = one.moments, other.moments
    both = ~pd.isna(a) & ~pd.isna(b)
    return int(both.sum()), int((a[both] < b[both]).sum()), int((a[both] > b[both]).sum())


def _target_score(profile: Profile, others: list[Profile]) -> tuple[bool, bool, int]:
    """What makes a crossing column the target rather than the step: a header word for a
    deadline, times a fixed gap after another column's, times on every row."""
    word = lexicon.says(profile.name, lexicon.DEADLINE) is not None
    return word, bool(_computed_from(profile, others)), profile.times


def _computed_from(profile: Profile, others: list[Profile]) -> str:
    """ "always 24 or 72 hours after 'Created'": a time computed from another (an SLA)."""
    for other in others:
        if other is profile:
            continue
        a, b = profile.moments, other.moments
        both = ~pd.isna(a) & ~pd.isna(b)
        if both.sum() < 5:
            continue
        gaps = np.unique(a[both] - b[both])
        if len(gaps) <= FEW_GAPS and (gaps > np.timedelta64(0)).all():
            shown = " or ".join(_duration(pd.Timedelta(g)) for g in gaps)
            return f"always {shown} after '{other.name}'"
    return ""


def _duration(gap: pd.Timedelta) -> str:
    hours = gap.total_seconds() / 3600
    return f"{hours:g} hours" if hours < 48 or hours % 24 else f"{hours / 24:g} days"


def _without_last_touch(columns: list[Profile], left_out: list[str]) -> list[Profile]:
    """A column on (nearly) every row, never before another, equal to the latest time of its
    row, copied from different columns: a last update, no step."""
    kept = []
    for profile in columns:
        others = [o for o in columns if o is not profile]
        copies = _copies(profile, others)
        rows = len(profile.cells or [])
        enough = max(2, 0.05 * rows)
        sources = [(name, n) for name, n in copies.items() if n >= enough]
        if profile.times >= 0.9 * rows and len(sources) >= 2 and _never_before(profile, others):
            shown = ", ".join(f"'{name}' on {n} rows" for name, n in sources[:3])
            left_out.append(
                f"'{profile.name}' holds times too; it holds the latest time of its row, the "
                f"same as {shown}: a last change, no step"
            )
            continue
        kept.append(profile)
    return kept


def _copies(profile: Profile, others: list[Profile]) -> dict[str, int]:
    mine = profile.moments
    found = {}
    for other in others:
        theirs = other.moments
        same = ~pd.isna(mine) & ~pd.isna(theirs)
        found[other.name] = int((mine[same] == theirs[same]).sum())
    return dict(sorted(found.items(), key=lambda kv: -kv[1]))


def _never_before(profile: Profile, others: list[Profile]) -> bool:
    return all(_after(profile, o)[0] == _after(profile, o)[1] for o in others)


def _without_said_non_steps(columns: list[Profile], left_out: list[str]) -> list[Profile]:
    """Header words for a deadline ("Due by") or a last touch ("Last update", unless the
    header names a step: "Last closed at" is the closing) leave a column out too."""
    kept = []
    for profile in columns:
        deadline = lexicon.said(profile.name, lexicon.DEADLINE)
        step = any(lexicon.says(profile.name, words) for words in lexicon.STEPS.values())
        touch = lexicon.said(profile.name, lexicon.NOT_STEP) if not step else ""
        if deadline or touch:
            left_out.append(f"'{profile.name}' holds times too; {deadline or touch}: no step")
            continue
        kept.append(profile)
    return kept


def _in_time_order(profiles: list[Profile]) -> list[Profile]:
    """The columns by where their times fall: a column comes before those it precedes on
    most rows where both have a time (their medians over different rows could mislead)."""

    def wins(profile: Profile) -> int:
        return sum(
            1 for other in profiles if other is not profile and _after(other, profile)[1] * 2 >
            _after(other, profile)[0]
        )  # fmt: skip

    return sorted(profiles, key=lambda p: (-wins(p), p.median))


def _after(later: Profile, earlier: Profile) -> tuple[int, int]:
    """(rows where both have a time, rows where `later`'s is not before `earlier`'s)."""
    a, b = later.moments, earlier.moments
    both = ~pd.isna(a) & ~pd.isna(b)
    return int(both.sum()), int((a[both] >= b[both]).sum())


def _first_of_each(
    named: list[tuple[str, Profile, str]], left_out: list[str]
) -> list[tuple[str, Profile, str]]:
    """Where one header of a step says it is the first of an event ("Initially assigned at"),
    the step's other columns of that event ("Assigned at", the latest) are no step; another
    event of the step ("Data przypisania" beside "Data pierwszej odpowiedzi") stays."""
    kept = []
    for step, profile, word in named:
        hit = lexicon.says(profile.name, lexicon.STEPS[step]) if word else None
        firsts = [
            p.name
            for s, p, w in named
            if s == step
            and w
            and p is not profile
            and lexicon.says(p.name, lexicon.FIRST)
            and hit is not None
            and lexicon.says(p.name, {"own": (hit[0],)})  # the first of the same event
        ]
        if firsts:
            left_out.append(
                f"'{profile.name}' holds {step} times too; '{firsts[0]}' says it is the first"
            )
            continue
        kept.append((step, profile, word))
    return kept
