"""Which column is which field (or wide step, or audit part), each guess with its evidence.

A guess needs header words or values that justify it; none is made otherwise.
"""

from __future__ import annotations

import pandas as pd

from backfill.plan.statuses import status_key
from backfill.plan.time_convention import TwoReadings
from backfill.plan.vocabulary import builtin_status, fold, guess_status
from backfill.starter.profiles import (
    ASSIGNEE_WORDS,
    CHANGE_WORDS,
    FIELD_WORDS,
    ID_WORDS,
    NOT_ASSIGNEE,
    NOT_NOTE,
    NOTE_WORDS,
    RESPONSE_WORDS,
    STATUS_WORDS,
    STEP_WORDS,
    Guess,
    Profile,
    header_says,
    header_words,
)


def guess_id(profiles: dict[str, Profile]) -> Guess | None:
    for profile in profiles.values():
        if header_words(profile.name) == " number customergauge ":
            return Guess(profile.name, "the field's own name")
    for profile in profiles.values():
        word = header_says(profile.name, ID_WORDS)
        if word is not None and profile.filled:
            share = profile.share(profile.digits)
            return Guess(profile.name, f"the header says {word!r}; {share} are numbers")
    return None


def guess_status_column(profiles: dict[str, Profile], taken: set[str]) -> Guess | None:
    best: tuple[int, Guess] | None = None
    for profile in profiles.values():
        if profile.name in taken or not profile.filled or profile.distinct > 40:
            continue
        distinct = list(dict.fromkeys(str(v) for v in profile.values))
        known = [v for v in distinct if _status_of(v) is not None]
        word = header_says(profile.name, STATUS_WORDS)
        if word is None and len(known) * 2 <= len(distinct):
            continue
        evidence = f"{len(known)} of its {len(distinct)} distinct values are status words"
        if word is not None:
            evidence = f"the header says {word!r}; {evidence}"
        score = len(known) * 2 + (3 if word else 0)
        if best is None or score > best[0]:
            best = (score, Guess(profile.name, evidence))
    return best[1] if best else None


def _status_of(value: str) -> str | None:
    whole = builtin_status(status_key(value))
    if whole is not None:
        return whole
    guess = guess_status(value)
    return guess[0] if guess else None


def guess_time(times: list[Profile], taken: set[str]) -> Guess | None:
    free = [p for p in times if p.name not in taken]
    if not free:
        return None
    # the best word wins ("Changed at" over "Created at"), then the column order
    named = [p for p in free if header_says(p.name, CHANGE_WORDS)]
    named.sort(key=lambda p: CHANGE_WORDS.index(header_says(p.name, CHANGE_WORDS) or ""))
    chosen = (named or free)[0]
    evidence = f"{chosen.share(chosen.times)} are times"
    word = header_says(chosen.name, CHANGE_WORDS)
    if word:
        evidence = f"the header says {word!r}; {evidence}"
    if len(free) > 1:
        others = ", ".join(repr(p.name) for p in free if p is not chosen)
        evidence += f" (other time columns: {others})"
    return Guess(chosen.name, evidence)


def guess_response(times: list[Profile], taken: set[str]) -> Guess | None:
    for word in RESPONSE_WORDS:
        for profile in times:
            steps = [w for words in STEP_WORDS.values() for w in words]
            if profile.name in taken or header_says(profile.name, steps) is not None:
                continue  # "First response time" is a helpdesk step, not a survey
            if header_says(profile.name, (word,)):
                return Guess(
                    profile.name,
                    f"the header says {word!r}; {profile.share(profile.times)} are times",
                )
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
    free = [p for p in profiles.values() if p.name not in taken and p.filled]
    for profile in free:
        word = header_says(profile.name, NOTE_WORDS)
        if word and profile.times < profile.filled / 2:
            return Guess(
                profile.name,
                f"the header says {word!r}; free text (on average "
                f"{profile.mean_length:.0f} characters)",
            )
    texts = [
        p
        for p in free
        if p.mean_length >= 20
        and p.spaced >= 0.5 * p.filled
        and p.times == 0
        and not p.emails
        and header_says(p.name, NOT_NOTE) is None
    ]
    if texts:
        best = max(texts, key=lambda p: p.mean_length)
        return Guess(
            best.name,
            f"{best.share(best.spaced)} are free text (on average {best.mean_length:.0f} "
            "characters)",
        )
    return None


def guess_assignee(profiles: dict[str, Profile], taken: set[str]) -> Guess | None:
    mails = [
        p
        for p in profiles.values()
        if p.name not in taken and p.filled and p.emails >= 0.6 * p.filled
    ]
    # an address is the agent's only where the header says so: a bare "Email" column of a
    # ticket export is usually the requester's
    named = [
        p
        for p in mails
        if header_says(p.name, ASSIGNEE_WORDS) and not header_says(p.name, NOT_ASSIGNEE)
    ]
    if not named:
        return None
    chosen = named[0]
    word = header_says(chosen.name, ASSIGNEE_WORDS)
    return Guess(
        chosen.name, f"the header says {word!r}; {chosen.share(chosen.emails)} are e-mail addresses"
    )


def possible_assignee(profiles: dict[str, Profile], taken: set[str]) -> Guess | None:
    """A column of e-mail addresses whose header does not say whose (not mapped: a TODO)."""
    for p in profiles.values():
        if p.name in taken or not p.filled or p.emails < 0.6 * p.filled:
            continue
        if header_says(p.name, NOT_ASSIGNEE) is None:
            return Guess(
                p.name,
                f"{p.share(p.emails)} are e-mail addresses, but the header does not say "
                "whose: map it only if they are the agents'",
            )
    return None


def guess_audit(
    profiles: dict[str, Profile], taken: set[str]
) -> tuple[Guess, list[str], Guess, Guess | None] | None:
    """A "field" column whose values name the status, and the new (and old) value columns."""
    for profile in profiles.values():
        if not header_says(profile.name, FIELD_WORDS) or profile.distinct > 60:
            continue
        named = sorted({str(v) for v in profile.values if fold(str(v).upper()) == "STATUS"})
        if not named:
            continue
        new = next(
            (p for p in profiles.values() if p.name not in taken and _new_header(p.name)), None
        )
        if new is None:
            continue
        old = next(
            (p for p in profiles.values() if p.name not in taken and _old_header(p.name)), None
        )
        rows = sum(1 for v in profile.values if str(v) in named)
        field_guess = Guess(profile.name, f"{profile.share(rows)} say {named[0]!r}")
        new_guess = Guess(new.name, "the header names the new value of a change")
        old_guess = Guess(old.name, "the header names the old value") if old else None
        return field_guess, named, new_guess, old_guess
    return None


def _new_header(name: str) -> bool:
    words = header_words(name).split()
    return bool(words) and (words[0] in ("new", "to", "tostring", "value") or words == ["value"])


def _old_header(name: str) -> bool:
    words = header_words(name).split()
    return bool(words) and words[0] in ("old", "from", "fromstring", "previous")


def guess_steps(times: list[Profile], taken: set[str]) -> dict[str, Guess]:
    steps: dict[str, Guess] = {}
    used: set[str] = set()
    for status, words in STEP_WORDS.items():
        for profile in times:
            word = header_says(profile.name, words)
            if profile.name in taken or profile.name in used or word is None:
                continue
            steps[status] = Guess(
                profile.name,
                f"the header says {word!r}; {profile.share(profile.times)} are times",
            )
            used.add(profile.name)
            break
    return steps
