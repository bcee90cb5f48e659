"""Which column is which field, each guess with its evidence (and the runner-up, where two
columns compete): chosen by the values, the header words only as evidence.

A guess needs values that justify it; none is made otherwise.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from backfill.plan.statuses import status_key
from backfill.plan.vocabulary import builtin_status, guess_status
from backfill.starter import lexicon
from backfill.starter.cases import Cases, Moves
from backfill.starter.profiles import Guess, Profile, header_words

_NUMBER = re.compile(r"[\d\s.,:%+-]+")
_ID_WORDS = (" customergauge ", " cg ", " cg id ", " cg number ", " cg nr ")


def guess_id(profiles: dict[str, Profile]) -> Guess | None:
    for profile in profiles.values():
        if header_words(profile.name) == " number customergauge ":
            return Guess(profile.name, "the field's own name")
    for profile in profiles.values():
        folded = header_words(profile.name)
        word = next((w.strip() for w in _ID_WORDS if w in folded), None)
        if word is not None and profile.filled:
            share = profile.share(profile.digits)
            return Guess(profile.name, f"the header says {word!r}; {share} are numbers")
    return None


def is_status_word(value: object) -> bool:
    return status_of(str(value)) is not None


def status_of(value: str) -> str | None:
    whole = builtin_status(status_key(value))
    if whole is not None:
        return whole
    guess = guess_status(value)
    return guess[0] if guess else None


def guess_status_column(
    profiles: dict[str, Profile], taken: set[str], cases: Cases | None = None
) -> Guess | None:
    """The column of few distinct values that changes within cases along their time order
    (a priority or a category stays the same within most cases); status words among its
    values and a header word are evidence, and decide where no case has several rows."""
    best: tuple[tuple[int, int, float, float], Guess] | None = None
    steady: list[tuple[Profile, Moves]] = []  # few values, the same within most cases
    for profile in profiles.values():
        if profile.name in taken or not profile.filled or profile.distinct > 40:
            continue
        if _not_words(profile):
            continue
        distinct = list(dict.fromkeys(str(v) for v in profile.values))
        known = [v for v in distinct if status_of(v) is not None]
        word = lexicon.said(profile.name, lexicon.STATUS_HEADER)
        moves = cases.moves(profile.cells or []) if cases is not None else None
        moving = moves is not None and moves.multi >= 3 and moves.share >= 0.5
        few = 1 < profile.distinct <= max(2, 0.5 * (cases.count if cases else 0))
        if moves is not None and moves.multi >= 3 and not moving and few:
            steady.append((profile, moves))  # (few: not a case's own number or subject)
        mostly = len(known) * 2 > len(distinct)
        if not (word or mostly or moving):
            continue
        parts = [word] if word else []
        if moves is not None and moves.multi:
            parts.append(
                f"it changes within {moves.moved} of the {moves.multi} cases with several rows"
            )
        if known or not parts:
            parts.append(f"{len(known)} of its {len(distinct)} distinct values are status words")
        evidence = "; ".join(parts)
        concentration = _first_share(profile, cases) if moving else 0.0
        score = (
            2 * moving + 2 * mostly + bool(word),
            len(known),
            moves.share if moves else 0.0,
            concentration,
        )
        if best is None or score > best[0]:
            best = (score, Guess(profile.name, evidence))
    if best is None:
        return None
    if best[0][0] >= 2 and steady:  # (it moves, or its words are status words)
        other, moves = min(steady, key=lambda pm: pm[0].distinct)
        text = f"{best[1].evidence}; not {other.name!r} (the same within {moves.same} of "
        text += f"{moves.multi} cases: a fact of the case, such as a priority)"
        return Guess(best[1].column, text)
    return best[1]


def _not_words(profile: Profile) -> bool:
    """Times, addresses or numbers ("1,50", "3"): no status."""
    half = profile.filled / 2
    numbers = sum(1 for v in profile.values if _NUMBER.fullmatch(str(v)))
    return profile.times >= half or profile.emails >= half or numbers >= half


def _first_share(profile: Profile, cases: Cases | None) -> float:
    """How many cases start with the same value (a status starts as new or open)."""
    if cases is None:
        return 0.0
    firsts = cases.firsts(profile.cells or [])
    return float(firsts.value_counts().iloc[0] / len(firsts)) if len(firsts) else 0.0


def guess_time(
    sample: pd.DataFrame, times: list[Profile], taken: set[str], id_column: str | None
) -> Guess | None:
    """The time of each action: the time column whose times differ most between the rows of
    a case (a creation time repeats on every row of its case); header words break ties."""
    free = [p for p in times if p.name not in taken]
    if not free:
        return None

    def varying(profile: Profile) -> int:
        if id_column is None:
            return profile.distinct
        cells = sample[[id_column, profile.name]].astype(str)
        return int(cells.drop_duplicates().shape[0])

    scored = sorted(
        free, key=lambda p: (-varying(p), lexicon.says(p.name, lexicon.NOT_STEP) is None)
    )
    chosen = scored[0]
    evidence = f"{chosen.share(chosen.times)} are times"
    if chosen.convention is not None and chosen.convention.example:
        evidence += f" such as {chosen.convention.example!r}"
    if id_column is not None and len(free) > 1:
        evidence += f", {varying(chosen)} different times of a case"
    if len(free) > 1:
        others = ", ".join(f"{p.name!r} ({varying(p)} different)" for p in scored[1:])
        evidence += f"; runner-up {others}"
    return Guess(chosen.name, evidence)


def guess_response(times: list[Profile], taken: set[str]) -> Guess | None:
    for profile in times:
        if profile.name in taken or any(
            lexicon.says(profile.name, words) for words in lexicon.STEPS.values()
        ):
            continue  # "First response time" is a helpdesk step, not a survey
        word = lexicon.said(profile.name, lexicon.RESPONSE)
        if word:
            return Guess(profile.name, f"{word}; {profile.share(profile.times)} are times")
    return None


def guess_earlier(
    sample: pd.DataFrame,
    times: list[Profile],
    happened: str,
    id_column: str | None,
    taken: set[str],
    left_out: list[str] | None = None,
) -> Guess | None:
    """A time column whose dates are never after the actions' and the same on every row of a
    case: what a survey response date looks like; unless it is each case's first action's
    time, its creation (said in `left_out`)."""
    from backfill.plan.time_convention import TwoReadings
    from backfill.plan.times import parse_times

    try:
        actions = parse_times(sample[happened].reset_index(drop=True)).utc
    except TwoReadings:
        return None  # (said where the dates are inspected)
    for profile in times:
        if profile.name in taken or profile.name == happened:
            continue
        try:
            other = parse_times(sample[profile.name].reset_index(drop=True)).utc
        except TwoReadings:
            continue
        both = actions.notna() & other.notna()
        if not both.any():
            continue
        earlier = int((other[both] <= actions[both]).sum())
        constant = id_column is None or bool(
            sample[profile.name].groupby(sample[id_column]).nunique().le(1).all()
        )
        if earlier != int(both.sum()) or not constant:
            continue
        created = _creation(sample, id_column, actions, other) if id_column else None
        if created is not None:
            if left_out is not None:
                left_out.append(
                    f"'{profile.name}' is no survey response date: it is the time of each "
                    f"case's first action ({happened!r}) in {created[0]} of {created[1]} cases, "
                    "the case's creation"
                )
            continue
        return Guess(
            profile.name,
            f"its dates are before the actions' ({happened!r}) in {earlier} of "
            f"{int(both.sum())} rows and the same on every row of a case",
        )
    return None


def _creation(
    sample: pd.DataFrame, id_column: str, actions: pd.Series, other: pd.Series
) -> tuple[int, int] | None:
    """(cases whose column equals their first action's time, cases) when most do."""
    ids = sample[id_column].astype(str).str.strip().reset_index(drop=True)
    frame = pd.DataFrame({"case": ids, "action": actions, "other": other})
    per_case = frame.groupby("case", sort=False).agg(first=("action", "min"), at=("other", "min"))
    per_case = per_case.dropna()
    same = int((per_case["first"] == per_case["at"]).sum())
    return (same, len(per_case)) if len(per_case) and same >= 0.8 * len(per_case) else None


def guess_note(
    profiles: dict[str, Profile], taken: set[str], cases: Cases | None = None
) -> Guess | None:
    """The column of the longest, most varied free text: multi-line work notes beat a
    one-line title. A note varies within a case: a column that is the same on every row of
    most cases (a subject, a title, a category) is never the note, in any language; nor is a
    column whose header says it is a title. Text is measured by its display width, so that
    Chinese, Japanese and Korean are not judged short."""
    texts = [
        p
        for p in profiles.values()
        if p.name not in taken
        and p.filled
        and p.times < p.filled / 2
        and p.emails < p.filled / 2
        and p.spaced >= 0.5 * p.filled
        and p.digits < p.filled / 2
    ]
    same = {p.name: m for p in texts if (m := _same_in_cases(p, cases)) is not None}
    titles = [p for p in texts if lexicon.says(p.name, lexicon.TITLE) or p.name in same]
    # a few words each (a category, a name) is no note, unless the header says so; nor is
    # one of two texts on every row (a pipeline's name), nor a text in nearly every case (a
    # system user's name on each case's creation)
    notes = [
        p
        for p in texts
        if p not in titles
        and (p.mean_width >= 15 or lexicon.says(p.name, lexicon.NOTE))
        and p.distinct >= 3
        and not _in_nearly_every_case(p, cases)
    ]
    if not notes:
        return None
    ranked = sorted(notes, key=_note_score, reverse=True)
    best = ranked[0]
    evidence = _text_evidence(best)
    word = lexicon.said(best.name, lexicon.NOTE)
    if word:
        evidence += f"; {word}"
    for other in ranked[1:2]:
        evidence += f"; runner-up {other.name!r} ({_text_evidence(other, short=True)})"
    for title in titles[:1]:
        moves = same.get(title.name)
        if moves is not None:
            why = f"the same on every row of {moves.same} of {moves.multi} cases: a fact of "
            why += "the case, such as its subject, never an action's note"
        else:
            why = f"{lexicon.said(title.name, lexicon.TITLE)}: a title, never the note"
        evidence += f"; not {title.name!r} ({why})"
    return Guess(best.name, evidence)


def _in_nearly_every_case(profile: Profile, cases: Cases | None) -> bool:
    """A few texts (a quarter as many as cases), one of them in 80% of the cases or more:
    names or categories, such as the system user on each case's creation; no notes."""
    if cases is None or cases.count < 5 or profile.distinct > cases.count / 4:
        return False
    filled = cases.filled(profile.cells or [])
    if filled.empty:
        return False
    top = filled.value_counts().index[0]
    return filled[filled.eq(top)].index.nunique() >= 0.8 * cases.count


def _same_in_cases(profile: Profile, cases: Cases | None) -> Moves | None:
    """How a column stays the same within cases, when it does in most of them."""
    if cases is None:
        return None
    moves = cases.moves(profile.cells or [])
    return moves if moves.multi >= 3 and moves.same * 2 > moves.multi else None


def _note_score(profile: Profile) -> tuple[bool, float]:
    # (the root: notes written from a few templates still vary more than a name's length)
    variety = math.sqrt(profile.distinct / profile.filled)
    return profile.lines >= 0.2 * profile.filled, profile.mean_width * variety


def _text_evidence(profile: Profile, *, short: bool = False) -> str:
    text = f"{profile.mean_length:.0f} characters on average"
    if profile.mean_width >= 1.5 * profile.mean_length:
        text = f"{profile.mean_length:.0f} East Asian characters on average"
    if profile.lines:
        text += f", {profile.lines} of several lines"
    if short:
        return text
    return f"{profile.share(profile.spaced)} are free text, {text}, {profile.distinct} distinct"


def guess_assignee(
    profiles: dict[str, Profile], taken: set[str], cases: Cases | None = None
) -> Guess | None:
    """The column of e-mail addresses of few distinct people (the agents, each working many
    cases; the customers' addresses are nearly one per case)."""
    mails = [
        p
        for p in profiles.values()
        if p.name not in taken and p.filled and p.emails >= 0.6 * p.filled
    ]
    agents = [
        p
        for p in mails
        if not lexicon.says(p.name, lexicon.NOT_ASSIGNEE)
        and (_few_people(p, cases) or lexicon.says(p.name, lexicon.ASSIGNEE))
    ]
    if not agents:
        return None
    agents.sort(key=lambda p: (not lexicon.says(p.name, lexicon.ASSIGNEE), p.distinct))
    chosen = agents[0]
    evidence = f"{chosen.share(chosen.emails)} are e-mail addresses of {chosen.distinct} people"
    word = lexicon.said(chosen.name, lexicon.ASSIGNEE)
    if word:
        evidence = f"{word}; {evidence}"
    rest = [p for p in mails if p is not chosen]
    if rest:
        other = rest[0]
        evidence += f"; runner-up {other.name!r} ({other.distinct} people"
        why = lexicon.said(other.name, lexicon.NOT_ASSIGNEE)
        evidence += f"; {why})" if why else ")"
    return Guess(chosen.name, evidence)


def _few_people(profile: Profile, cases: Cases | None) -> bool:
    worked = cases.cases_with(profile.cells or []) if cases is not None else profile.filled
    return worked >= 4 and profile.distinct <= max(2, 0.3 * worked)


def possible_assignee(profiles: dict[str, Profile], taken: set[str]) -> Guess | None:
    """A column of e-mail addresses whose values and header do not say whose (a TODO)."""
    for p in profiles.values():
        if p.name in taken or not p.filled or p.emails < 0.6 * p.filled:
            continue
        if lexicon.says(p.name, lexicon.NOT_ASSIGNEE) is None:
            return Guess(
                p.name,
                f"{p.share(p.emails)} are e-mail addresses, but the header does not say "
                "whose: map it only if they are the agents'",
            )
    return None
