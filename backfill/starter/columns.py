"""Which column is which field, each guess with its evidence (and the runner-up, where two
columns compete): chosen by the values, the header words only as evidence.

A guess needs values that justify it; none is made otherwise.
"""

from __future__ import annotations

import pandas as pd

from backfill.plan.statuses import status_key
from backfill.plan.vocabulary import builtin_status, guess_status
from backfill.starter import lexicon
from backfill.starter.profiles import Guess, Profile, header_words

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


def guess_status_column(profiles: dict[str, Profile], taken: set[str]) -> Guess | None:
    """The column of few distinct values most of which are status words."""
    best: tuple[int, Guess] | None = None
    for profile in profiles.values():
        if profile.name in taken or not profile.filled or profile.distinct > 40:
            continue
        distinct = list(dict.fromkeys(str(v) for v in profile.values))
        known = [v for v in distinct if status_of(v) is not None]
        word = lexicon.said(profile.name, lexicon.STATUS_HEADER)
        if not word and len(known) * 2 <= len(distinct):
            continue
        evidence = f"{len(known)} of its {len(distinct)} distinct values are status words"
        if word:
            evidence = f"{word}; {evidence}"
        score = len(known) * 2 + (3 if word else 0)
        if best is None or score > best[0]:
            best = (score, Guess(profile.name, evidence))
    return best[1] if best else None


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
) -> Guess | None:
    """A time column whose dates are never after the actions' and the same on every row of a
    case: what a survey response date looks like."""
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
        if earlier == int(both.sum()) and constant:
            return Guess(
                profile.name,
                f"its dates are before the actions' ({happened!r}) in {earlier} of "
                f"{int(both.sum())} rows and the same on every row of a case",
            )
    return None


def guess_note(profiles: dict[str, Profile], taken: set[str]) -> Guess | None:
    """The column of the longest, most varied free text: multi-line work notes beat a
    one-line title, and a subject, title or summary column is never the note."""
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
    titles = [p for p in texts if lexicon.says(p.name, lexicon.TITLE)]
    notes = [p for p in texts if p not in titles]
    if not notes:
        return None
    ranked = sorted(notes, key=_note_score, reverse=True)
    best = ranked[0]
    if best.mean_length < 15 and not lexicon.says(best.name, lexicon.NOTE):
        return None  # a few words each: a category, not a note
    evidence = _text_evidence(best)
    word = lexicon.said(best.name, lexicon.NOTE)
    if word:
        evidence += f"; {word}"
    for other in ranked[1:2]:
        evidence += f"; runner-up {other.name!r} ({_text_evidence(other, short=True)})"
    for title in titles[:1]:
        why = lexicon.said(title.name, lexicon.TITLE)
        evidence += f"; not {title.name!r} ({why}: a title, never the note)"
    return Guess(best.name, evidence)


def _note_score(profile: Profile) -> tuple[bool, float]:
    variety = profile.distinct / profile.filled
    return profile.lines >= 0.2 * profile.filled, profile.mean_length * variety


def _text_evidence(profile: Profile, *, short: bool = False) -> str:
    text = f"{profile.mean_length:.0f} characters on average"
    if profile.lines:
        text += f", {profile.lines} of several lines"
    if short:
        return text
    return f"{profile.share(profile.spaced)} are free text, {text}, {profile.distinct} distinct"


def guess_assignee(profiles: dict[str, Profile], taken: set[str]) -> Guess | None:
    """The column of e-mail addresses of few distinct people (the agents; the customers'
    addresses are nearly one per case)."""
    mails = [
        p
        for p in profiles.values()
        if p.name not in taken and p.filled and p.emails >= 0.6 * p.filled
    ]
    agents = [
        p
        for p in mails
        if not lexicon.says(p.name, lexicon.NOT_ASSIGNEE)
        and (_few_people(p) or lexicon.says(p.name, lexicon.ASSIGNEE))
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


def _few_people(profile: Profile) -> bool:
    return profile.filled >= 4 and profile.distinct <= max(2, 0.3 * profile.filled)


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
