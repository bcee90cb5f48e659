"""What each status word of an export means: the vocabulary's built-in words, a reading of
its words, or (for a word in no known language) a TODO with what its place in the
timelines suggests (timelines.py), for a person to confirm."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from backfill.plan.statuses import status_key
from backfill.plan.vocabulary import builtin_status, guess_status, status_meaning


@dataclass
class StatusGuess:
    """A distinct status value of the export, how often it occurs, and what it maps to."""

    value: str
    rows: int
    status: str | None  # None: cannot tell
    evidence: str


def status_guesses(counts: pd.Series, places: Mapping[str, str]) -> list[StatusGuess]:
    """One guess per word of `counts` (word -> rows, most first); `places`: word -> what its
    place suggests, for the words whose place is clear."""
    guesses = []
    for value, rows_of in counts.items():
        word, rows = str(value), int(rows_of)
        whole = builtin_status(status_key(word))
        if whole is not None:
            why = status_meaning(status_key(word)) or "a built-in status word"
            guesses.append(StatusGuess(word, rows, whole, f"{why} → {whole}"))
        elif (meaning := guess_status(word)) is not None:
            why = f"reads as {meaning[0]} ({meaning[1]!r})"
            guesses.append(StatusGuess(word, rows, meaning[0], why))
        elif word in places:
            guesses.append(
                StatusGuess(word, rows, None, f"not a word backfill knows; {places[word]}")
            )
        else:
            guesses.append(StatusGuess(word, rows, None, "cannot tell what it means"))
    return guesses
