"""The layout of an export from its shape, not from its header's language.

- audit: a change log. A column whose few values repeat across cases as the names of
  fields, beside two value columns that chain (a change's new value is the old value of the
  same field's next change of the case, in time order, so rows exported newest first are
  read right); its status field is the field present in (nearly) every case with the most
  changes and few distinct values. Or two columns that chain alone: a status-only log.
  Where the shape does not show, header and status words may (the seven languages' log
  formats of lexicon.py);
- wide: each case id on one row (or nearly) and two or more time columns (steps.py);
- long: anything else, one row per action.

Header words (lexicon.py) confirm a decision or tell old from new: evidence, written beside
each decision.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from backfill.starter import lexicon
from backfill.starter.cases import Cases
from backfill.starter.columns import is_status_word
from backfill.starter.profiles import Guess, Profile

NEARLY_ONE = 0.95  # share of distinct ids among rows that makes a file one row per case
CHAINED = 0.8  # share of a field's consecutive changes that chain in a change log
NEARLY_EVERY = 0.5  # share of cases the status field of a log is at least present in
MAX_FIELDS = 60  # a field column names a few dozen fields at most
FEW_STATUSES = 20  # distinct values of a log's status field


@dataclass
class Audit:
    """The parts of a status-change log, each with its evidence."""

    new: Guess
    evidence: str
    field_column: Guess | None = None
    status_fields: list[str] = field(default_factory=list)
    old: Guess | None = None


@dataclass(frozen=True)
class _Chain:
    old: Profile
    new: Profile
    pairs: int  # consecutive changes of the fields that chain
    linked: int  # ... where a change's new value is the next one's old value
    fields: frozenset[str]  # the fields whose changes chain


def counts(rows: int, ids: int | None, times: int) -> str:
    """ "80 rows, 80 distinct ids, 4 time columns" """
    parts = [f"{rows} row{'s' if rows != 1 else ''}"]
    if ids is not None:
        parts.append(f"{ids} distinct id{'s' if ids != 1 else ''}")
    parts.append(f"{times} time column{'s' if times != 1 else ''}")
    return ", ".join(parts)


def one_row_per_case(rows: int, ids: int) -> bool:
    return rows > 0 and ids >= NEARLY_ONE * rows


def find_audit(
    sample: pd.DataFrame, profiles: dict[str, Profile], taken: set[str], cases: Cases | None
) -> Audit | None:
    """A status-change log's field, new and old value columns: by the shape of its values
    (`cases`: the rows by case in time order), else by their words."""
    free = [
        p for p in profiles.values() if p.name not in taken and p.filled and p.times < p.filled / 2
    ]
    if cases is not None and cases.count >= 2:
        found = _log_by_shape(free, cases)
        if found is not None:
            return found
    return _log_by_words(sample, free)


def _log_by_shape(free: list[Profile], cases: Cases) -> Audit | None:
    changing = [p for p in free if cases.moves(p.cells or []).share >= 0.5]
    fields = [p for p in changing if 2 <= p.distinct <= MAX_FIELDS and p.distinct * 2 <= p.filled]
    best: tuple[int, Profile, _Chain] | None = None
    for candidate in fields:
        chain = _chain(changing, cases, candidate)
        if chain is not None and (best is None or chain.linked > best[0]):
            best = (chain.linked, candidate, chain)
    if best is not None:
        _, field_column, chain = best
        status = _status_field(field_column, chain, cases)
        if status is not None:
            return _field_log(field_column, chain, status, cases)
    statuses = [p for p in changing if p.distinct <= MAX_FIELDS]
    chain = _chain(statuses, cases, None)
    if chain is None or not (
        _status_share(pd.Series(chain.new.values, dtype=object)) >= 0.5
        or (_old_or_new(chain.old.name), _old_or_new(chain.new.name)) == ("old", "new")
    ):
        return None
    evidence = (
        f"'{chain.old.name}' and '{chain.new.name}' chain: each change's new value is the "
        f"next change's old value in {chain.linked} of {chain.pairs} changes"
        f"{_newest_first(cases)}: "
        "the status before and after each change"
    )
    old, new = _chain_guesses(chain, "the status")
    return Audit(new=new, evidence=evidence, old=old)


def _chain(columns: list[Profile], cases: Cases, by: Profile | None) -> _Chain | None:
    """The two columns (other than `by`, the field column) that chain best in time order:
    for the fields whose consecutive changes chain, most of them."""
    rows = len(columns[0].cells or []) if columns else 0
    fields: list[object] = list(by.cells or []) if by is not None else [""] * rows
    best: _Chain | None = None
    for old in columns:
        for new in columns:
            if by in (old, new) or old is new or not _may_chain(old, new, cases):
                continue
            per_field = cases.chain(old.cells or [], new.cells or [], fields)
            chained = {f: n for f, n in per_field.items() if n[0] >= 2 and n[1] >= CHAINED * n[0]}
            pairs, linked = sum(n[0] for n in chained.values()), sum(n[1] for n in chained.values())
            if pairs >= 3 and (best is None or linked > best.linked):
                best = _Chain(old, new, pairs, linked, frozenset(chained))
    return best


def _may_chain(old: Profile, new: Profile, cases: Cases) -> bool:
    """Cheap test before the chain: the values overlap, and a row's two values differ."""
    olds, news = {str(v) for v in old.values}, {str(v) for v in new.values}
    if len(olds & news) < max(1, 0.3 * min(len(olds), len(news))):
        return False
    before, after = cases.texts(old.cells or []), cases.texts(new.cells or [])
    both = before.ne("") & after.ne("")
    return bool(both.any()) and (before[both] != after[both]).mean() >= 0.8


def _status_field(column: Profile, chain: _Chain, cases: Cases) -> str | None:
    """The field present in (nearly) every case, with the most changes and few values; a
    field whose changes chain first."""
    frame = pd.DataFrame(
        {
            "field": cases.texts(column.cells or []).to_numpy(),
            "new": cases.texts(chain.new.cells or []).to_numpy(),
            "case": cases.case,
        }
    )
    frame = frame[frame["field"].ne("")]
    grouped = frame.groupby("field", sort=False)
    facts = pd.DataFrame(
        {
            "cases": grouped["case"].nunique(),
            "changes": grouped.size(),
            "values": grouped["new"].agg(lambda v: v[v.ne("")].nunique()),
            "words": grouped["new"].agg(_status_share),
        }
    )
    facts["chains"] = [name in chain.fields for name in facts.index]
    fit = facts[(facts["values"] > 0) & (facts["values"] <= FEW_STATUSES)]
    nearly = fit[fit["cases"] >= NEARLY_EVERY * cases.count]
    if nearly.empty:
        return None
    order = ["chains", "changes", "words"]
    return str(nearly.sort_values(order, ascending=False, kind="stable").index[0])


def _field_log(column: Profile, chain: _Chain, status: str, cases: Cases) -> Audit:
    rows = cases.texts(column.cells or [])
    on = rows[rows.eq(status)]
    in_cases = int(on.index.nunique())
    evidence = (
        f"'{column.name}' repeats {column.distinct} field names across cases, and "
        f"'{chain.old.name}' and '{chain.new.name}' chain: a change's new value is the old "
        f"value of the field's next change in {chain.linked} of {chain.pairs} changes"
        f"{_newest_first(cases)}"
    )
    field_evidence = (
        f"{status!r}, the status field: in {in_cases} of {cases.count} cases, with the most "
        f"changes ({len(on)} rows)"
    )
    if _is_status_field(status):
        field_evidence += f"; {status!r} is a status field's name"
    old, new = _chain_guesses(chain, "the value")
    return Audit(
        new=new,
        evidence=evidence,
        field_column=Guess(column.name, field_evidence),
        status_fields=[status],
        old=old,
    )


def _chain_guesses(chain: _Chain, what: str) -> tuple[Guess, Guess]:
    old_word = lexicon.said(chain.old.name, lexicon.OLD)
    new_word = lexicon.said(chain.new.name, lexicon.NEW)
    return (
        Guess(
            chain.old.name,
            (f"{old_word}; " if old_word else "")
            + f"{what} before: the new value of the previous change",
        ),
        Guess(
            chain.new.name,
            (f"{new_word}; " if new_word else "")
            + f"{what} after: the old value of the next change",
        ),
    )


def _newest_first(cases: Cases) -> str:
    return "; the rows come newest first" if cases.newest_first else ""


def _log_by_words(sample: pd.DataFrame, free: list[Profile]) -> Audit | None:
    """A log in the formats of the seven languages: a status field's name among a column's
    values, status words beside it; or two columns of status words headed old and new."""
    for candidate in free:
        if candidate.distinct > MAX_FIELDS or candidate.distinct * 2 > candidate.filled:
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
    statuses = [
        p for p in free if p.distinct <= MAX_FIELDS and _status_share(sample[p.name]) >= 0.6
    ]
    said = [p for p in statuses if _old_or_new(p.name) is not None]
    if len(said) >= 2 and {_old_or_new(p.name) for p in said} == {"old", "new"}:
        old, new = _old_and_new(said)
        evidence = f"{_listed(said)} hold status words: the status before and after each change"
        return Audit(new=new, evidence=evidence, old=old)
    return None


def _is_status_field(value: str) -> bool:
    return lexicon.is_entry(value, lexicon.STATUS_FIELD)


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
