"""The layout of an export from its shape, not from its header's language.

- audit: a column repeating a few names, one of them the status field, with the new (and
  old) value beside it holding status words; or two columns of status words, the old and
  the new of each change;
- wide: each case id on one row (or nearly) and two or more time columns: the steps are
  the time columns, ordered by their typical (median) times, the earliest being open;
- long: anything else, one row per action.

Header words (starter/lexicon.py, seven languages) name the steps and tell old from new:
evidence, written beside each decision.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from backfill.starter import lexicon
from backfill.starter.columns import is_status_word
from backfill.starter.profiles import Guess, Profile

NEARLY_ONE = 0.95  # share of distinct ids among rows that makes a file one row per case


@dataclass
class Audit:
    """The parts of a status-change log, each with its evidence."""

    new: Guess
    evidence: str
    field_column: Guess | None = None
    status_fields: list[str] = field(default_factory=list)
    old: Guess | None = None


@dataclass
class Steps:
    """The wide layout's steps: status -> its time columns (earliest median first)."""

    columns: dict[str, list[Guess]]
    left_out: list[str]  # time columns that are no step, each with why
    todos: list[str]


def counts(rows: int, ids: int | None, times: int) -> str:
    """ "80 rows, 80 distinct ids, 4 time columns" """
    parts = [f"{rows} row{'s' if rows != 1 else ''}"]
    if ids is not None:
        parts.append(f"{ids} distinct id{'s' if ids != 1 else ''}")
    parts.append(f"{times} time column{'s' if times != 1 else ''}")
    return ", ".join(parts)


def one_row_per_case(rows: int, ids: int) -> bool:
    return rows > 0 and ids >= NEARLY_ONE * rows


def find_audit(sample: pd.DataFrame, profiles: dict[str, Profile], taken: set[str]) -> Audit | None:
    """A status-change log's field, new and old value columns, found by their values."""
    free = [
        p for p in profiles.values() if p.name not in taken and p.filled and p.times < p.filled / 2
    ]
    for candidate in free:
        if candidate.distinct > 60 or candidate.distinct * 2 > candidate.filled:
            continue  # a field column repeats a few names
        names = sorted(v for v in {str(v) for v in candidate.values} if _is_status_field(v))
        if not names:
            continue
        rows = sample[candidate.name].astype(str).str.strip().isin(names)
        values = [
            p for p in free if p is not candidate and _status_share(sample.loc[rows, p.name]) >= 0.6
        ]
        if not values:
            continue
        old, new = _old_and_new(values)
        on = int(rows.sum())
        evidence = (
            f"'{candidate.name}' repeats {candidate.distinct} names, {names[0]!r} on {on} of "
            f"{len(sample)} rows, and on those rows {_listed(values)} hold status words"
        )
        return Audit(
            new=new,
            evidence=evidence,
            field_column=Guess(candidate.name, f"{names[0]!r} on {on} rows: the status changes"),
            status_fields=names,
            old=old,
        )
    # a status-only log: two columns of status words, the old and the new of each change
    statuses = [p for p in free if p.distinct <= 60 and _status_share(sample[p.name]) >= 0.6]
    said = [p for p in statuses if _old_or_new(p.name) is not None]
    if len(said) >= 2 and {_old_or_new(p.name) for p in said} == {"old", "new"}:
        old, new = _old_and_new(said)
        evidence = f"{_listed(said)} hold status words: the status before and after each change"
        return Audit(new=new, evidence=evidence, old=old)
    return None


def _is_status_field(value: str) -> bool:
    words = " ".join(lexicon.header_words(value))
    return any(words == entry for entries in lexicon.STATUS_FIELD.values() for entry in entries)


def _status_share(cells: pd.Series) -> float:
    counts = Counter(c.strip() for c in cells if isinstance(c, str) and c.strip())
    if not counts:
        return 0.0
    known = sum(n for text, n in counts.items() if is_status_word(text))
    return known / sum(counts.values())


def _old_or_new(name: str) -> str | None:
    # "Old Value" holds "value" too: the old words are looked for first
    if lexicon.says(name, lexicon.OLD):
        return "old"
    if lexicon.says(name, lexicon.NEW):
        return "new"
    return None


def _old_and_new(values: list[Profile]) -> tuple[Guess | None, Guess]:
    """The new value column (and the old one): by their headers, else the left one is old."""
    if len(values) == 1:
        only = values[0]
        return None, Guess(only.name, "its values are status words")
    named = {_old_or_new(p.name): p for p in values}
    if "old" in named and "new" in named:
        old, new = named["old"], named["new"]
        return (
            Guess(old.name, f"{lexicon.said(old.name, lexicon.OLD)}: the status before"),
            Guess(new.name, f"{lexicon.said(new.name, lexicon.NEW)}: the status after"),
        )
    old, new = values[0], values[1]
    return (
        Guess(old.name, f"status words, left of '{new.name}': the status before"),
        Guess(new.name, f"status words, right of '{old.name}': the status after"),
    )


def _listed(profiles: list[Profile]) -> str:
    return " and ".join(f"'{p.name}'" for p in profiles)


def _in_time_order(profiles: list[Profile]) -> list[Profile]:
    """The columns by their typical time: a column comes before those it precedes on most
    rows where both have a time (their medians over different rows could mislead)."""

    def wins(profile: Profile) -> int:
        return sum(
            1 for other in profiles if other is not profile and _after(other, profile)[1] * 2 >
            _after(other, profile)[0]
        )  # fmt: skip

    return sorted(profiles, key=lambda p: (-wins(p), p.median))


def _after(later: Profile, earlier: Profile) -> tuple[int, int]:
    """(rows where both have a time, rows where `later`'s is not before `earlier`'s)."""
    a, b = later.instants.to_numpy(), earlier.instants.to_numpy()
    both = ~pd.isna(a) & ~pd.isna(b)
    return int(both.sum()), int((a[both] >= b[both]).sum())


def _first_of_each(
    named: list[tuple[str, Profile, str]], left_out: list[str]
) -> list[tuple[str, Profile, str]]:
    """Where one header of a step says it is the first ("Initially assigned at"), the others
    of that step ("Assigned at", the latest) are no step."""
    kept = []
    for step, profile, word in named:
        firsts = [p.name for s, p, _ in named if s == step and lexicon.says(p.name, lexicon.FIRST)]
        if firsts and profile.name not in firsts:
            left_out.append(
                f"'{profile.name}' holds {step} times too; '{firsts[0]}' says it is the first"
            )
            continue
        kept.append((step, profile, word))
    return kept


def find_steps(times: list[Profile], taken: set[str]) -> Steps:
    """The steps of a wide file: its time columns in time order, named by their headers.

    A column whose header names no step, or a deadline or a last touch ("Due by", "Last
    update"), is left out and said so. Several columns of one step are all kept ("Resolved
    time", "Closed time": the earliest non-empty time of a row is the step).
    """
    columns: dict[str, list[Guess]] = {}
    left_out: list[str] = []
    todos: list[str] = []
    ordered = _in_time_order([p for p in times if p.name not in taken and p.median is not None])
    named: list[tuple[str, Profile, str]] = []
    for profile in ordered:
        deadline = lexicon.said(profile.name, lexicon.DEADLINE)
        step = next(
            (s for s, words in lexicon.STEPS.items() if lexicon.says(profile.name, words)), None
        )
        touch = lexicon.said(profile.name, lexicon.NOT_STEP) if step is None else ""
        if deadline or touch or step is None:
            why = f"{deadline or touch}: no step" if deadline or touch else "it names no step"
            left_out.append(f"'{profile.name}' holds times too; {why}")
            continue
        named.append((step, profile, lexicon.said(profile.name, lexicon.STEPS[step])))
    named = _first_of_each(named, left_out)
    rank = {"open": 0, "progress": 1, "closed": 2}
    for position, (step, profile, word) in enumerate(named):
        evidence = f"{word}; {profile.share(profile.times)} are times"
        if position:
            before = named[position - 1][1]
            rows, after = _after(profile, before)
            evidence += f", after '{before.name}' in {after} of {rows} rows with both"
        later = [p.name for s, p, _ in named[:position] if rank[s] > rank[step]]
        if later:
            todos.append(
                f"'{profile.name}' names the step {step}, but its typical time is after "
                f"that of {', '.join(repr(n) for n in later)}: check input.steps"
            )
        columns.setdefault(step, []).append(Guess(profile.name, evidence))
    if ordered and "open" not in columns:
        todos.append(
            f"no time column's header names the opening; the earliest is '{ordered[0].name}': "
            "add it to input.steps as open if it is"
        )
    return Steps(columns, left_out, todos)
