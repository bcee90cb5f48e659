"""Status words: CustomerGauge's own, and those of common helpdesks in seven languages.

`BUILTIN_STATUSES` is what the status normaliser accepts without a `status_map` entry:
whole status values that mean one thing in every helpdesk we know of (the products and
languages listed at `_WORDS`). `guess_status` reads an unknown value word by word, only to
suggest a `status_map` entry; it says so when the words point two ways or nowhere, and never
falls back to a default.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

import pandas as pd

from backfill.codes import Code

# The default statuses of Zendesk, Freshdesk, Jira Service Management, Salesforce,
# ServiceNow, HubSpot, Zoho Desk, Help Scout and Intercom, as each shows them in English,
# German, French, Spanish, Dutch, Portuguese and Italian. Keys are status_key forms without
# accents ("RESOLU" also matches "Résolu"): upper case, spaces and underscores as "-"; after
# a ":" the English meaning (for init's comments), "_" for a space.
_WORDS: dict[str, dict[str, str]] = {
    "English": {
        "open": "OPEN OPENED RE-OPEN REOPEN REOPENED RE-OPENED NEW CREATED RECEIVED SUBMITTED "
        "TO-DO TODO ACTIVE "
        "WAITING-FOR-SUPPORT",  # Jira Service Management's first status: no agent has acted yet
        "progress": "PROGRESS IN-PROGRESS INPROGRESS WORK-IN-PROGRESS WIP PENDING ON-HOLD HOLD "
        "WAITING WORKING ESCALATED ASSIGNED IN-REVIEW AWAITING-CUSTOMER WAITING-ON-CUSTOMER "
        "WAITING-FOR-CUSTOMER WAITING-ON-CONTACT WAITING-ON-THIRD-PARTY WAITING-FOR-THIRD-PARTY "
        "WAITING-ON-US WAITING-FOR-APPROVAL AWAITING-USER-INFO AWAITING-EVIDENCE SNOOZED",
        "closed": "CLOSE CLOSED SOLVED RESOLVED DONE COMPLETED COMPLETE CANCELLED CANCELED",
    },
    "German": {
        "open": "NEU:new OFFEN:open GEOFFNET:opened EROFFNET:opened "
        "WIEDER-GEOFFNET:reopened WIEDERGEOFFNET:reopened WIEDEREROFFNET:reopened "
        "AKTIV:active ZU-ERLEDIGEN:to_do WARTEN-AUF-SUPPORT:waiting_for_support",
        "progress": "IN-BEARBEITUNG:in_progress WARTEND:waiting AUSSTEHEND:pending "
        "ZURUCKGESTELLT:on_hold ESKALIERT:escalated IN-ARBEIT:in_progress ANGEHALTEN:on_hold "
        "IN-WARTESTELLUNG:on_hold ZUGEWIESEN:assigned WARTEN-AUF-KUNDEN:waiting_on_customer "
        "WARTEN-AUF-KUNDE:waiting_on_customer WARTET-AUF-KUNDEN:waiting_on_customer "
        "WARTET-AUF-KUNDE:waiting_on_customer WARTET-AUF-KONTAKT:waiting_on_contact "
        "WARTEN-AUF-DRITTANBIETER:waiting_on_third_party WARTEN-AUF-KONTAKT:waiting_on_contact "
        "WARTEN-AUF-UNS:waiting_on_us WARTET-AUF-ANTWORT:waiting_for_a_reply "
        "PAUSIERT:snoozed",
        "closed": "GESCHLOSSEN:closed GELOST:solved ERLEDIGT:done ABGESCHLOSSEN:completed "
        "STORNIERT:cancelled ABGEBROCHEN:cancelled BEHOBEN:resolved FERTIG:done",
    },
    "French": {
        "open": "NOUVEAU:new NOUVELLE:new OUVERT:open OUVERTE:open ROUVERT:reopened "
        "ROUVERTE:reopened REOUVERT:reopened REOUVERTE:reopened ACTIF:active A-FAIRE:to_do "
        "EN-ATTENTE-D'ASSISTANCE:waiting_for_support EN-ATTENTE-DU-SUPPORT:waiting_for_support",
        "progress": "EN-COURS:in_progress EN-ATTENTE:pending EN-TRAITEMENT:in_progress "
        "ESCALADE:escalated ESCALADEE:escalated SUSPENDU:on_hold EN-PAUSE:on_hold "
        "EN-SUSPENS:on_hold EN-ATTENTE-DU-CLIENT:waiting_on_customer "
        "EN-ATTENTE-D'UN-TIERS:waiting_on_third_party EN-ATTENTE-DE-TIERS:waiting_on_third_party "
        "EN-ATTENTE-DU-CONTACT:waiting_on_contact EN-ATTENTE-DE-NOTRE-PART:waiting_on_us "
        "ASSIGNE:assigned ATTRIBUE:assigned EN-VEILLE:snoozed REPORTE:snoozed",
        "closed": "FERME:closed FERMEE:closed CLOS:closed CLOTURE:closed CLOTUREE:closed "
        "RESOLU:resolved RESOLUE:resolved TERMINE:done TERMINEE:done ANNULE:cancelled "
        "ANNULEE:cancelled",
    },
    "Spanish": {
        "open": "NUEVO:new NUEVA:new ABIERTO:open ABIERTA:open REABIERTO:reopened "
        "REABIERTA:reopened ACTIVO:active POR-HACER:to_do "
        "ESPERANDO-SOPORTE:waiting_for_support ESPERANDO-POR-SOPORTE:waiting_for_support",
        "progress": "EN-PROGRESO:in_progress EN-CURSO:in_progress PENDIENTE:pending "
        "EN-ESPERA:on_hold ESCALADO:escalated ESCALADA:escalated EN-PROCESO:in_progress "
        "TRABAJANDO:working ASIGNADO:assigned EN-ESPERA-DEL-CLIENTE:waiting_on_customer "
        "ESPERANDO-AL-CLIENTE:waiting_for_customer ESPERANDO-CLIENTE:waiting_for_customer "
        "ESPERANDO-RESPUESTA:waiting_for_a_reply POSPUESTO:snoozed",
        "closed": "CERRADO:closed CERRADA:closed RESUELTO:resolved RESUELTA:resolved "
        "COMPLETADO:completed TERMINADO:done CANCELADO:cancelled CANCELADA:cancelled "
        "FINALIZADO:done LISTO:done",
    },
    "Dutch": {
        "open": "NIEUW:new GEOPEND:opened HEROPEND:reopened ACTIEF:active TE-DOEN:to_do "
        "WACHTEN-OP-SUPPORT:waiting_for_support",
        "progress": "IN-BEHANDELING:in_progress IN-AFWACHTING:pending WACHTEND:waiting "
        "GEESCALEERD:escalated BEZIG:in_progress LOPEND:in_progress IN-DE-WACHT:on_hold "
        "WACHTEN-OP-KLANT:waiting_on_customer WACHTEN-OP-DERDEN:waiting_on_third_party "
        "TOEGEWEZEN:assigned GESNOOZED:snoozed",
        "closed": "GESLOTEN:closed OPGELOST:solved AFGEHANDELD:done AFGEROND:completed "
        "KLAAR:done GEANNULEERD:cancelled VOLTOOID:completed",
    },
    "Portuguese": {
        "open": "NOVO:new NOVA:new ABERTO:open ABERTA:open REABERTO:reopened "
        "REABERTA:reopened ATIVO:active A-FAZER:to_do "
        "AGUARDANDO-SUPORTE:waiting_for_support",
        "progress": "EM-ANDAMENTO:in_progress EM-PROGRESSO:in_progress PENDENTE:pending "
        "EM-ESPERA:on_hold AGUARDANDO:waiting AGUARDANDO-CLIENTE:waiting_on_customer "
        "AGUARDANDO-O-CLIENTE:waiting_on_customer EM-ATENDIMENTO:in_progress "
        "ESCALONADO:escalated ATRIBUIDO:assigned EM-PAUSA:on_hold ADIADO:snoozed",
        "closed": "FECHADO:closed FECHADA:closed RESOLVIDO:resolved RESOLVIDA:resolved "
        "CONCLUIDO:completed CONCLUIDA:completed ENCERRADO:closed ENCERRADA:closed "
        "CANCELADO:cancelled",
    },
    "Italian": {
        "open": "NUOVO:new NUOVA:new APERTO:open APERTA:open RIAPERTO:reopened "
        "RIAPERTA:reopened ATTIVO:active DA-FARE:to_do IN-ATTESA-DI-SUPPORTO:waiting_for_support",
        "progress": "IN-CORSO:in_progress IN-SOSPESO:pending IN-ATTESA:waiting "
        "IN-LAVORAZIONE:in_progress IN-ELABORAZIONE:in_progress ESCALATO:escalated "
        "IN-ATTESA-DEL-CLIENTE:waiting_on_customer ASSEGNATO:assigned POSTICIPATO:snoozed "
        "IN-PAUSA:on_hold",
        "closed": "CHIUSO:closed CHIUSA:closed RISOLTO:resolved RISOLTA:resolved "
        "COMPLETATO:completed COMPLETATA:completed ANNULLATO:cancelled ANNULLATA:cancelled "
        "TERMINATO:done FATTO:done",
    },
}


def _entries() -> dict[str, tuple[str, str, str]]:
    """status_key -> (status, language, English meaning); the first language wins."""
    entries: dict[str, tuple[str, str, str]] = {}
    for language, statuses in _WORDS.items():
        for status, words in statuses.items():
            for item in words.split():
                key, _, meaning = item.partition(":")
                known = entries.get(key)
                if known is not None and known[0] != status:
                    raise ValueError(f"{key} is both {known[0]} and {status}")
                meaning = meaning.replace("_", " ") or key.replace("-", " ").lower()
                entries.setdefault(key, (status, language, meaning))
    return entries


_ENTRIES = _entries()
# ("d’un" is typed with either apostrophe)
BUILTIN_STATUSES: dict[str, str] = {
    spelling: entry[0]
    for key, entry in _ENTRIES.items()
    for spelling in dict.fromkeys((key, key.replace("'", "\u2019")))
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
    "ATTESA": "progress",
    "WARTEN": "progress",
    "WACHTEN": "progress",
    "AGUARDANDO": "progress",
    "ESPERANDO": "progress",
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
    return BUILTIN_STATUSES.get(fold(key).replace("’", "'"))


def status_meaning(key: str) -> str | None:
    """Why the vocabulary knows a status_key, in words: "German for waiting", "a helpdesk
    status in English"; None for a key it does not know."""
    entry = _ENTRIES.get(fold(key).replace("’", "'"))
    if entry is None:
        return None
    _, language, meaning = entry
    if language == "English":
        return "a helpdesk status in English"
    return f"{language} for {meaning}"


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
    flagged = problems[problems["code"].eq(Code.UNKNOWN_STATUS)]
    if flagged.empty:
        return {}
    column = str(flagged["field"].iloc[0])
    if column not in frame.columns:
        return {"": len(flagged)}
    cells = frame[column].reindex(flagged["label"]).astype(str).str.strip()
    counts = cells.value_counts(sort=False)
    return {str(k): int(n) for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))}
