"""Header words in English, German, French, Spanish, Dutch, Portuguese and Italian, and
(lexicon_world.py) in ten more languages.

Words are evidence, never the decision: the layout and the columns are chosen from the
values (starter/shape.py, starter/columns.py); a header word names a step, excludes a
subject column or tells old from new. Words are folded (lower case, no accents). A single
word of five letters or more also matches as the start of a header word, for compounds
("Erstellungsdatum", "Lösungszeit", "Fälligkeitsdatum"); a word in Chinese, Japanese or
Korean script matches inside a header word ("作成" in "作成日時").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from functools import lru_cache

from backfill.plan.vocabulary import fold
from backfill.starter import lexicon_world as world

Words = Mapping[str, Sequence[str]]  # language -> words

LANGUAGES = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "nl": "Dutch",
    "pt": "Portuguese",
    "it": "Italian",
    **world.LANGUAGES,
}

# wide layout: the step a time column's header names
OPEN: Words = {
    "en": ("created", "opened", "submitted", "create", "creation", "received", "reported",
           "started"),
    "de": ("erstellt", "erstellung", "angelegt", "eroffnet", "eingegangen", "eroffnung",
           "begonnen", "gestartet"),
    "fr": ("cree", "creee", "creation", "ouvert", "ouverture", "recu", "commence", "debut"),
    "es": ("creado", "creada", "creacion", "abierto", "apertura", "recibido", "iniciado",
           "inicio"),
    "nl": ("aangemaakt", "gemaakt", "aanmaak", "geopend", "ontvangen", "gestart"),
    "pt": ("criado", "criada", "criacao", "aberto", "abertura", "recebido", "iniciado",
           "inicio"),
    "it": ("creato", "creata", "creazione", "aperto", "apertura", "ricevuto", "iniziato",
           "inizio"),
    **world.OPEN,
}  # fmt: skip
PROGRESS: Words = {
    "en": ("first reply", "first response", "initial response", "responded", "assigned",
           "in progress", "replied", "reply", "acknowledged"),
    "de": ("erste antwort", "erstantwort", "zugewiesen", "zuweisung", "in bearbeitung",
           "beantwortet"),
    "fr": ("premiere reponse", "reponse", "assigne", "attribue", "prise en charge",
           "attribution"),
    "es": ("primera respuesta", "respuesta", "asignado", "asignacion", "respondido"),
    "nl": ("eerste reactie", "eerste antwoord", "toegewezen", "reactie", "beantwoord"),
    "pt": ("primeira resposta", "resposta", "atribuido", "atribuicao", "respondido"),
    "it": ("prima risposta", "risposta", "assegnato", "assegnazione", "risposto"),
    **world.PROGRESS,
}  # fmt: skip
CLOSED: Words = {
    "en": ("solved", "resolved", "closed", "completed", "close", "done", "resolution"),
    "de": ("gelost", "geschlossen", "erledigt", "abgeschlossen", "losung", "schliess",
           "abschluss"),
    "fr": ("resolu", "resolue", "resolution", "ferme", "fermee", "fermeture", "clos",
           "cloture", "termine"),
    "es": ("resuelto", "resuelta", "resolucion", "cerrado", "cerrada", "cierre"),
    "nl": ("opgelost", "gesloten", "afgesloten", "afgehandeld", "oplossing"),
    "pt": ("resolvido", "resolvida", "resolucao", "fechado", "fechada", "fechamento",
           "encerrado", "encerramento"),
    "it": ("risolto", "risolta", "risoluzione", "chiuso", "chiusa", "chiusura"),
    **world.CLOSED,
}  # fmt: skip
STEPS: dict[str, Words] = {"open": OPEN, "progress": PROGRESS, "closed": CLOSED}
# time columns that are no step of the case: a deadline or a next date, whatever else the
# header says ("Resolution due"), and a last touch unless the header names a step
# ("Last update time" is none, "Last closed at" is the closing)
DEADLINE: Words = {
    "en": ("due", "deadline", "next", "sla", "target", "snoozed until", "expected"),
    "de": ("fallig", "frist", "nachste", "soll", "zieldatum"),
    "fr": ("echeance", "prochaine", "prochain", "delai", "cible"),
    "es": ("vencimiento", "proximo", "proxima", "limite", "plazo"),
    "nl": ("vervaldatum", "volgende", "deadline", "uiterlijk"),
    "pt": ("vencimento", "proximo", "proxima", "prazo", "limite"),
    "it": ("scadenza", "prossimo", "prossima", "entro"),
    **world.DEADLINE,
}
NOT_STEP: Words = {
    "en": ("updated", "modified", "last", "changed", "update", "activity", "edited"),
    "de": ("aktualisiert", "geandert", "letzte", "letzter", "aktualisierung", "anderung"),
    "fr": ("mis a jour", "modifie", "modification", "derniere", "dernier", "mise a jour"),
    "es": ("actualizado", "actualizacion", "modificado", "ultimo", "ultima", "modificacion"),
    "nl": ("bijgewerkt", "gewijzigd", "laatste", "wijziging"),
    "pt": ("atualizado", "atualizacao", "modificado", "ultimo", "ultima", "modificacao"),
    "it": ("aggiornato", "aggiornamento", "modificato", "ultimo", "ultima", "modifica"),
    **world.NOT_STEP,
}
# the first of several times of one step ("Initially assigned at" beside "Assigned at")
FIRST: Words = {
    "en": ("first", "initial", "initially"),
    "de": ("erste", "erster", "erstmals", "initial"),
    "fr": ("premiere", "premier", "initial", "initiale"),
    "es": ("primera", "primer", "inicial"),
    "nl": ("eerste", "initieel"),
    "pt": ("primeira", "primeiro", "inicial"),
    "it": ("prima", "primo", "iniziale"),
    **world.FIRST,
}
# what a survey response date is called
RESPONSE: Words = {
    "en": ("survey", "nps", "feedback", "answered", "response date"),
    "de": ("umfrage", "befragung", "feedback"),
    "fr": ("enquete", "sondage", "questionnaire"),
    "es": ("encuesta",),
    "nl": ("enquete", "vragenlijst"),
    "pt": ("pesquisa", "questionario", "inquerito"),
    "it": ("sondaggio", "questionario", "indagine"),
    **world.RESPONSE,
}
# a short title of the case: never its note
TITLE: Words = {
    "en": ("subject", "title", "summary", "name", "short description", "topic", "tags",
           "company", "organization", "category"),
    "de": ("betreff", "titel", "zusammenfassung", "kurzbeschreibung", "thema", "name",
           "kategorie", "firma"),
    "fr": ("objet", "sujet", "titre", "resume", "nom", "description courte", "categorie",
           "societe"),
    "es": ("asunto", "titulo", "resumen", "nombre", "descripcion corta", "tema",
           "categoria", "empresa"),
    "nl": ("onderwerp", "titel", "samenvatting", "naam", "korte omschrijving",
           "categorie", "bedrijf"),
    "pt": ("assunto", "titulo", "resumo", "nome", "descricao curta", "tema", "categoria",
           "empresa"),
    "it": ("oggetto", "titolo", "riepilogo", "sommario", "nome", "descrizione breve",
           "categoria", "azienda"),
    **world.TITLE,
}  # fmt: skip
NOTE: Words = {
    "en": ("note", "notes", "comment", "comments", "work notes", "remark", "description",
           "body", "text", "message", "resolution notes"),
    "de": ("notiz", "notizen", "kommentar", "kommentare", "bemerkung", "beschreibung",
           "arbeitsnotizen", "text", "nachricht"),
    "fr": ("note", "notes", "commentaire", "commentaires", "remarque", "description",
           "texte", "message"),
    "es": ("nota", "notas", "comentario", "comentarios", "observacion", "descripcion",
           "texto", "mensaje"),
    "nl": ("notitie", "notities", "opmerking", "opmerkingen", "omschrijving",
           "beschrijving", "tekst", "bericht"),
    "pt": ("nota", "notas", "comentario", "comentarios", "observacao", "descricao",
           "texto", "mensagem"),
    "it": ("nota", "note", "commento", "commenti", "osservazione", "descrizione",
           "testo", "messaggio"),
    **world.NOTE,
}  # fmt: skip
ASSIGNEE: Words = {
    "en": ("assignee", "agent", "owner", "assigned", "handler", "responder"),
    "de": ("bearbeiter", "zustandig", "agent", "verantwortlich", "zugewiesen", "besitzer"),
    "fr": ("agent", "proprietaire", "assigne", "attribue", "responsable"),
    "es": ("agente", "propietario", "asignado", "responsable"),
    "nl": ("behandelaar", "medewerker", "eigenaar", "toegewezen", "agent"),
    "pt": ("agente", "proprietario", "atribuido", "responsavel"),
    "it": ("agente", "proprietario", "assegnatario", "assegnato", "responsabile"),
    **world.ASSIGNEE,
}
NOT_ASSIGNEE: Words = {
    "en": ("requester", "customer", "contact", "client", "author", "reporter", "caller",
           "from"),
    "de": ("anfragend", "kunde", "kontakt", "anrufer", "melder", "absender"),
    "fr": ("demandeur", "client", "contact", "auteur", "appelant"),
    "es": ("solicitante", "cliente", "contacto", "autor"),
    "nl": ("aanvrager", "klant", "contact", "melder", "auteur"),
    "pt": ("solicitante", "cliente", "contato", "contacto", "autor"),
    "it": ("richiedente", "cliente", "contatto", "autore", "chiamante"),
    **world.NOT_ASSIGNEE,
}  # fmt: skip
# audit layout: the column naming what a row changed, and the values before and after
FIELD: Words = {
    "en": ("field", "field name", "field event", "event", "property", "field changed"),
    "de": ("feld", "feldname", "ereignis", "eigenschaft"),
    "fr": ("champ", "evenement", "propriete"),
    "es": ("campo", "evento", "propiedad"),
    "nl": ("veld", "gebeurtenis", "eigenschap"),
    "pt": ("campo", "evento", "propriedade"),
    "it": ("campo", "evento", "proprieta"),
    **world.FIELD,
}
OLD: Words = {
    "en": ("old", "from", "fromstring", "previous", "before", "prior"),
    "de": ("alt", "alter", "alter wert", "vorher", "bisher", "von"),
    "fr": ("ancien", "ancienne", "precedent", "precedente", "avant"),
    "es": ("anterior", "antiguo", "antigua", "viejo"),
    "nl": ("oud", "oude", "vorige", "van"),
    "pt": ("antigo", "antiga", "anterior"),
    "it": ("vecchio", "vecchia", "precedente"),
    **world.OLD,
}
NEW: Words = {
    "en": ("new", "to", "tostring", "after", "value"),
    "de": ("neu", "neuer", "neue", "nachher", "nach", "wert"),
    "fr": ("nouveau", "nouvelle", "apres", "valeur"),
    "es": ("nuevo", "nueva", "valor"),
    "nl": ("nieuw", "nieuwe", "waarde", "naar"),
    "pt": ("novo", "nova", "valor"),
    "it": ("nuovo", "nuova", "valore"),
    **world.NEW,
}
# the values of a field column that mean the status
STATUS_FIELD: Words = {
    "en": ("status", "state", "ticket status", "case status", "incident state", "stage"),
    "de": ("status", "zustand", "ticketstatus"),
    "fr": ("statut", "etat", "statut du ticket"),
    "es": ("estado",),
    "nl": ("status",),
    "pt": ("estado", "status", "situacao"),
    "it": ("stato",),
    **world.STATUS_FIELD,
}
STATUS_HEADER: Words = STATUS_FIELD
ZONE: Words = {
    "en": ("local", "utc", "gmt", "cet", "cest", "est", "pst", "timezone", "time zone"),
    "de": ("ortszeit", "zeitzone", "mez", "mesz"),
    "fr": ("heure locale", "fuseau"),
    "es": ("hora local", "zona horaria"),
    "nl": ("lokale tijd", "tijdzone"),
    "pt": ("hora local", "fuso"),
    "it": ("ora locale", "fuso orario"),
}


def header_words(header: str) -> list[str]:
    """The header as folded lower-case words, in any script: "Gelöst am (UTC)" -> ["gelost",
    "am", "utc"], "Дата закрытия" -> ["дата", "закрытия"]."""
    folded = unicodedata.normalize("NFC", fold(str(header).upper()).casefold())
    return re.findall(r"[^\W_]+", folded)


def says(header: str, words: Words) -> tuple[str, str] | None:
    """(the header's words that say it, language) for the first entry of `words` the header
    holds, else None: "Gelöst am" -> ("Gelöst", "de")."""
    found = header_words(header)
    for language, entries in words.items():
        for entry in entries:
            span = _span(found, list(_folded(entry)))
            if span is not None:
                shown = entry if _east_asian(entry) else _shown(header, found, span, entry)
                return shown, language
    return None


def is_entry(value: str, words: Words) -> bool:
    """The value is one of the entries, whole: "Statut" of STATUS_FIELD, "Статус" too."""
    found = tuple(header_words(value))
    return any(found == _folded(entry) for entries in words.values() for entry in entries)


@lru_cache(maxsize=4096)
def _folded(entry: str) -> tuple[str, ...]:
    return tuple(header_words(entry))


@lru_cache(maxsize=4096)
def _east_asian(text: str) -> bool:
    """Chinese, Japanese or Korean script: words written together, without spaces."""
    return any(unicodedata.east_asian_width(c) in "WF" for c in text)


def said(header: str, words: Words) -> str:
    """Evidence text: "the header says 'Gelöst' (German)", or "" when it says none."""
    hit = says(header, words)
    if hit is None:
        return ""
    word, language = hit
    tongue = "" if language == "en" else f" ({LANGUAGES[language]})"
    return f"the header says {word!r}{tongue}"


def _span(found: list[str], entry: list[str]) -> tuple[int, int] | None:
    """Where the header words hold the entry's words in order, at most two words apart
    ("First agent email response date" holds "first response"): (first, last) index."""
    for start, word in enumerate(found):
        if not _same(word, entry[0]):
            continue
        position, ok = start, True
        for wanted in entry[1:]:
            ahead = found[position + 1 : position + 4]
            step = next((i for i, w in enumerate(ahead) if _same(w, wanted)), None)
            if step is None:
                ok = False
                break
            position += step + 1
        if ok:
            return start, position
    return None


def _shown(header: str, found: list[str], span: tuple[int, int], entry: str) -> str:
    """The header's own words of a span, accents and case kept (the entry where the header
    does not split into the same words)."""
    own = re.findall(r"[^\W_]+", str(header))
    if len(own) != len(found):
        return entry
    return " ".join(own[span[0] : span[1] + 1])


def _same(word: str, wanted: str) -> bool:
    if word == wanted:
        return True
    if _east_asian(wanted):  # a compound holds it ("作成日時"); one sign alone is too little
        return len(wanted) >= 2 and wanted in word
    return len(wanted) >= 5 and word.startswith(wanted)
