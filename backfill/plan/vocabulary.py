"""Status words: CustomerGauge's own, and those of common helpdesks in five languages.

`BUILTIN_STATUSES` is what the status normaliser accepts without a `status_map` entry:
whole status values that mean one thing in every helpdesk we know of (Zendesk, Freshdesk,
Salesforce, HubSpot, Jira Service Management and their translations). `guess_status`
reads an unknown value word by word, only to suggest a `status_map` entry; it says so when
the words point two ways or nowhere, and never falls back to a default.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

import pandas as pd

# Keys are status_key forms without accents ("RESOLU" also matches "Résolu"): upper case,
# spaces and underscores as "-".
_OPEN = (
    "OPEN OPENED RE-OPEN REOPEN REOPENED RE-OPENED NEW CREATED RECEIVED SUBMITTED TO-DO TODO "
    "WAITING-FOR-SUPPORT "  # Jira Service Management's first status: no agent has acted yet
    # German, French, Dutch, Spanish
    "NEU OFFEN GEOFFNET EROFFNET WIEDER-GEOFFNET WIEDERGEOFFNET WIEDEREROFFNET "
    "NOUVEAU NOUVELLE OUVERT OUVERTE ROUVERT ROUVERTE REOUVERT REOUVERTE "
    "NIEUW GEOPEND HEROPEND "
    "NUEVO NUEVA ABIERTO ABIERTA REABIERTO REABIERTA"
)
_PROGRESS = (
    "PROGRESS IN-PROGRESS INPROGRESS WORK-IN-PROGRESS WIP PENDING ON-HOLD HOLD WAITING "
    "WORKING ESCALATED ASSIGNED IN-REVIEW AWAITING-CUSTOMER WAITING-ON-CUSTOMER "
    "WAITING-FOR-CUSTOMER WAITING-ON-CONTACT WAITING-ON-THIRD-PARTY "
    "IN-BEARBEITUNG WARTEND AUSSTEHEND ZURUCKGESTELLT ESKALIERT IN-ARBEIT "
    "EN-COURS EN-ATTENTE EN-TRAITEMENT ESCALADE SUSPENDU "
    "IN-BEHANDELING IN-AFWACHTING WACHTEND GEESCALEERD BEZIG LOPEND "
    "EN-PROGRESO EN-CURSO PENDIENTE EN-ESPERA ESCALADO EN-PROCESO"
)
_CLOSED = (
    "CLOSE CLOSED SOLVED RESOLVED DONE COMPLETED COMPLETE CANCELLED CANCELED "
    "GESCHLOSSEN GELOST ERLEDIGT ABGESCHLOSSEN STORNIERT ABGEBROCHEN "
    "FERME FERMEE CLOS CLOTURE CLOTUREE RESOLU RESOLUE TERMINE TERMINEE ANNULE ANNULEE "
    "GESLOTEN OPGELOST AFGEHANDELD AFGEROND KLAAR GEANNULEERD "
    "CERRADO CERRADA RESUELTO RESUELTA COMPLETADO TERMINADO CANCELADO"
)

BUILTIN_STATUSES: dict[str, str] = {
    word: status
    for words, status in ((_OPEN, "open"), (_PROGRESS, "progress"), (_CLOSED, "closed"))
    for word in words.split()
}

# Single words that carry a status inside a longer value ("Working on it", "Closed -
# duplicate"), for guesses only.
_WORD_HINTS: dict[str, str] = {
    **{w: s for w, s in BUILTIN_STATUSES.items() if "-" not in w},
    "COURS": "progress",
    "ATTENTE": "progress",
    "BEARBEITUNG": "progress",
    "BEHANDELING": "progress",
    "AFWACHTING": "progress",
    "ESPERA": "progress",
    "INVESTIGATING": "progress",
    "REPLIED": "progress",
    "ANSWERED": "progress",
    "FIXED": "closed",
    "FINISHED": "closed",
    "ARCHIVED": "closed",
}
_NEGATIONS = {"NOT", "NO", "NICHT", "KEIN", "PAS", "NIET", "GEEN", "SIN", "UN", "NON"}


def fold(key: str) -> str:
    """A status_key without accents: "RÉSOLU" -> "RESOLU"."""
    decomposed = unicodedata.normalize("NFKD", key)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def builtin_status(key: str) -> str | None:
    """The status of a status_key the vocabulary knows as a whole, else None."""
    return BUILTIN_STATUSES.get(fold(key))


def guess_status(value: str) -> tuple[str, str] | None:
    """(status, the word that says so) for an unknown value whose words agree, else None."""
    words = [fold(w) for w in re.findall(r"[^\W\d_]+", str(value).upper())]
    if any(w in _NEGATIONS for w in words):
        return None  # "not solved": the opposite of its word
    whole = builtin_status("-".join(words)) if words else None
    if whole is not None:
        return whole, str(value).strip()
    found = {(_WORD_HINTS[w], w) for w in words if w in _WORD_HINTS}
    statuses = {status for status, _ in found}
    if len(statuses) != 1:
        return None
    status = statuses.pop()
    word = next(w for s, w in sorted(found) if s == status)
    return status, word.lower()


def status_hint(value: str) -> str:
    """Message for an unknown status value: what was found and the mapping it needs."""
    shown = str(value).strip()
    if not shown:
        return "status is empty; every row needs open, progress or closed"
    guess = guess_status(shown)
    if guess is None:
        return (
            f"unknown status {shown!r}; backfill cannot tell what it means: map it to open, "
            f"progress or closed in the config (input.status_map)"
        )
    status, word = guess
    return (
        f"unknown status {shown!r}; it reads as {status} ({word!r}): map it in the config: "
        f"input.status_map: {{{shown!r}: {status}}}"
    )


def unknown_statuses_text(counts: Mapping[str, int]) -> str:
    """The unknown status values with their counts and the status_map that maps them:
    "unknown status values: 'Working on it' 16, 'Foo' 2; map them in the config:
    input: {status_map: {'Working on it': progress}}; 'Foo': cannot tell, map it yourself"."""
    if not counts:
        return ""
    listed = ", ".join(f"{word!r} {n}" for word, n in counts.items())
    guessed: list[str] = []
    unsure: list[str] = []
    for word in counts:
        guess = guess_status(word) if word.strip() else None
        if guess is not None:
            guessed.append(f"{word!r}: {guess[0]}")
        elif word.strip():
            unsure.append(repr(word))
    text = f"unknown status values: {listed}"
    if guessed:
        text += f"; they read as: input: {{status_map: {{{', '.join(guessed)}}}}}"
    if unsure:
        text += (
            f"; backfill cannot tell what {', '.join(unsure)} mean"
            f"{'s' if len(unsure) == 1 else ''}: map "
            f"{'it' if len(unsure) == 1 else 'them'} to open, progress or closed yourself"
        )
    return text


def unknown_status_counts(frame: pd.DataFrame, problems: pd.DataFrame) -> dict[str, int]:
    """The distinct unknown status values of a plan with their row counts, most first: the
    rows are those of its `unknown-status` problems, the cells those of the column named."""
    flagged = problems[problems["code"].eq("unknown-status")]
    if flagged.empty:
        return {}
    column = str(flagged["field"].iloc[0])
    if column not in frame.columns:
        return {"": len(flagged)}
    cells = frame[column].reindex(flagged["label"]).astype(str).str.strip()
    counts = cells.value_counts(sort=False)
    return {str(k): int(n) for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))}
