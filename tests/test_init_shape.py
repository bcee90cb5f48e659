"""`backfill init` decides from the values, in any of seven languages: the layout from the
file's shape, the steps from their times, the note and the assignee from what their cells
hold; header words are evidence only, written beside each decision."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from backfill.cli.main import cli
from backfill.plan.vocabulary import builtin_status, status_meaning
from backfill.starter.inspect import NO_OFFSET


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def init(export: Path, tmp_path: Path) -> tuple[dict, list[str], str]:
    """The config init writes for `export`: as data, its lines, and the console output."""
    target = tmp_path / "backfill.yaml"
    result = CliRunner().invoke(cli, ["init", str(export), "-o", str(target)])
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    return yaml.safe_load(text)["input"], text.splitlines(), result.output


def comment(lines: list[str], start: str) -> str:
    return next(line for line in lines if line.strip().startswith(start)).split(" # ", 1)[1]


# --- wide: one row per case, a time column per step -------------------------------------------

# id, subject, created, first reply, solved, updated, CustomerGauge id
WIDE_HEADERS = {
    "en": ["Ticket ID", "Subject", "Created at", "First response at", "Resolved at",
           "Updated at", "CustomerGauge ID"],
    "de": ["Ticket-ID", "Betreff", "Erstellt am", "Erste Antwort am", "Gelöst am",
           "Aktualisiert am", "CustomerGauge-ID"],
    "fr": ["ID du ticket", "Objet", "Créé le", "Première réponse le", "Résolu le",
           "Mis à jour le", "ID CustomerGauge"],
    "es": ["ID del ticket", "Asunto", "Creado el", "Primera respuesta", "Resuelto el",
           "Actualizado el", "ID CustomerGauge"],
    "nl": ["Ticket-ID", "Onderwerp", "Aangemaakt op", "Eerste reactie op", "Opgelost op",
           "Bijgewerkt op", "CustomerGauge-ID"],
    "pt": ["ID do ticket", "Assunto", "Criado em", "Primeira resposta em", "Resolvido em",
           "Atualizado em", "ID CustomerGauge"],
    "it": ["ID ticket", "Oggetto", "Creato il", "Prima risposta il", "Risolto il",
           "Aggiornato il", "ID CustomerGauge"],
}  # fmt: skip


def wide_rows(count: int = 6) -> list[list[str]]:
    rows = []
    for i in range(count):
        day = f"2024-03-{10 + i:02d}"
        solved = f"{day} 17:{i:02d}:00" if i % 3 else ""  # some tickets are still open
        rows.append(
            [str(4100 + i), f"Parcel {i} arrived late", f"{day} 09:{i:02d}:00",
             f"{day} 11:{i:02d}:00", solved, solved or f"{day} 11:{i:02d}:00",
             str(70000000 + i)]
        )  # fmt: skip
    return rows


@pytest.mark.parametrize("language", sorted(WIDE_HEADERS))
def test_a_ticket_export_is_wide_by_its_shape_in_any_language(
    language: str, tmp_path: Path
) -> None:
    header = WIDE_HEADERS[language]
    config, lines, _ = init(write_csv(tmp_path / "t.csv", header, wide_rows()), tmp_path)
    assert config["layout"] == "wide"
    assert comment(lines, "layout:") == (
        "6 rows, 6 distinct ids, 4 time columns: one row per case, a time column per step"
    )
    assert config["steps"] == {"open": header[2], "progress": header[3], "closed": header[4]}
    assert list(config["steps"]) == ["open", "progress", "closed"]  # their times' order
    assert config["columns"] == {"number_customergauge": header[6]}  # no subject as note
    assert f"    # '{header[5]}' holds times too; " in "\n".join(lines)


def test_steps_are_ordered_by_their_times_not_by_the_columns(tmp_path: Path) -> None:
    header = ["CustomerGauge ID", "Solved at", "First reply at", "Created at"]
    rows = [[str(70 + i), f"2024-03-0{i + 1} 17:00", f"2024-03-0{i + 1} 11:00",
             f"2024-03-0{i + 1} 09:00"] for i in range(5)]  # fmt: skip
    config, lines, _ = init(write_csv(tmp_path / "t.csv", header, rows), tmp_path)
    assert list(config["steps"].items()) == [
        ("open", "Created at"), ("progress", "First reply at"), ("closed", "Solved at")
    ]  # fmt: skip
    assert comment(lines, "closed:") == (
        "the header says 'Solved'; 5 of 5 values are times, after 'First reply at' in 5 of 5 rows"
    )
    assert comment(lines, "open:") == (
        "the header says 'Created'; 5 of 5 values are times, before 'First reply at' in 5 of 5 rows"
    )


def test_a_deadline_is_never_a_step_and_the_first_of_a_step_wins(tmp_path: Path) -> None:
    header = ["CustomerGauge ID", "Created at", "Assigned at", "Initially assigned at",
              "Resolution due", "Last closed at"]  # fmt: skip
    rows = [[str(70 + i), f"2024-03-0{i + 1} 09:00", f"2024-03-0{i + 1} 15:00",
             f"2024-03-0{i + 1} 10:00", f"2024-03-0{i + 3} 09:00", f"2024-03-0{i + 2} 09:00"]
            for i in range(5)]  # fmt: skip
    config, lines, _ = init(write_csv(tmp_path / "t.csv", header, rows), tmp_path)
    assert config["steps"] == {
        "open": "Created at", "progress": "Initially assigned at", "closed": "Last closed at"
    }  # fmt: skip
    text = "\n".join(lines)
    assert "    # 'Resolution due' holds times too; the header says 'due': no step" in text
    assert (
        "    # 'Assigned at' holds progress times too; 'Initially assigned at' says it is the first"
    ) in text


def test_resolved_and_closed_columns_both_close_the_case(tmp_path: Path) -> None:
    header = ["CustomerGauge ID", "Created time", "Resolved time", "Closed time"]
    rows = [[str(70 + i), f"2024-03-0{i + 1} 09:00", f"2024-03-0{i + 1} 17:00" if i else "",
             f"2024-03-0{i + 4} 09:00"] for i in range(5)]  # fmt: skip
    config, lines, _ = init(write_csv(tmp_path / "t.csv", header, rows), tmp_path)
    assert config["steps"]["closed"] == ["Resolved time", "Closed time"]
    assert comment(lines, "closed:") == (
        "2 columns hold closed times: the earliest non-empty one of each row is the step"
    )
    assert "    #   'Closed time': the header says 'Closed'; 5 of 5 values are times, after " in (
        "\n".join(lines)
    )


def test_headers_in_no_known_language_still_make_a_wide_file(tmp_path: Path) -> None:
    header = ["CustomerGauge ID", "Zeitpunkt A", "Zeitpunkt B"]
    rows = [[str(70 + i), f"2024-03-0{i + 1} 09:00", f"2024-03-0{i + 1} 12:00"] for i in range(5)]
    config, lines, out = init(write_csv(tmp_path / "t.csv", header, rows), tmp_path)
    assert config["layout"] == "wide"
    assert config["steps"] == {"open": "Zeitpunkt A", "closed": "Zeitpunkt B"}  # by their order
    assert comment(lines, "open:") == (
        "5 of 5 values are times, before 'Zeitpunkt B' in 5 of 5 rows; only the order decided "
        "(no header word names the step)"
    )
    assert comment(lines, "closed:").endswith("; only the order decided (no header word names "
                                              "the step)")  # fmt: skip
    assert "2 TODO(s)" in out  # no progress column, and the time zone


# --- audit: a status-change log ---------------------------------------------------------------

# case, id, field, old, new, date; the status field's name; three statuses
AUDIT = {
    "en": (["Case", "CustomerGauge ID", "Field", "Old value", "New value", "Date"], "Status",
           ["New", "Working", "Closed"]),
    "de": (["Vorgang", "CustomerGauge-ID", "Feld", "Alter Wert", "Neuer Wert", "Datum"],
           "Status", ["Neu", "In Bearbeitung", "Geschlossen"]),
    "fr": (["Requête", "ID CustomerGauge", "Champ/Événement", "Ancienne valeur",
            "Nouvelle valeur", "Date"], "Statut", ["Nouveau", "En cours", "Fermé"]),
    "es": (["Caso", "ID CustomerGauge", "Campo", "Valor anterior", "Valor nuevo", "Fecha"],
           "Estado", ["Nuevo", "En curso", "Cerrado"]),
    "nl": (["Zaak", "CustomerGauge-ID", "Veld", "Oude waarde", "Nieuwe waarde", "Datum"],
           "Status", ["Nieuw", "In behandeling", "Gesloten"]),
    "pt": (["Caso", "ID CustomerGauge", "Campo", "Valor antigo", "Valor novo", "Data"],
           "Status", ["Novo", "Em andamento", "Fechado"]),
    "it": (["Caso", "ID CustomerGauge", "Campo", "Valore precedente", "Nuovo valore", "Data"],
           "Stato", ["Nuovo", "In corso", "Chiuso"]),
}  # fmt: skip


@pytest.mark.parametrize("language", sorted(AUDIT))
def test_a_change_log_is_audit_by_its_values_in_any_language(language: str, tmp_path: Path) -> None:
    header, status_field, (new, working, closed) = AUDIT[language]
    rows = []
    for case in range(4):
        number, cg, day = f"0000{case}", str(61000100 + case), f"2024-03-1{case}"
        rows += [
            [number, cg, "Owner", "Queue", "Dana Kim", f"{day} 09:00"],
            [number, cg, status_field, new, working, f"{day} 10:00"],
            [number, cg, "Priority", "Low", "High", f"{day} 11:00"],
            [number, cg, status_field, working, closed, f"{day} 16:00"],
        ]
    config, lines, _ = init(write_csv(tmp_path / "h.csv", header, rows), tmp_path)
    assert config["layout"] == "audit"
    assert config["columns"]["status"] == header[4]
    assert config["columns"]["happened_at"] == header[5]
    assert config["audit"] == {
        "field_column": header[2], "status_fields": [status_field], "old_status": header[3]
    }  # fmt: skip
    assert comment(lines, "layout:") == (
        f"16 rows, 4 distinct ids, 1 time column; '{header[2]}' repeats 3 names, "
        f"{status_field!r} on 8 of 16 rows, and on those rows '{header[3]}' and '{header[4]}' "
        "hold status words: a status-change log"
    )
    assert config["status_map"] == {new: "open", working: "progress", closed: "closed"}


def test_a_status_only_log_is_audit_by_its_old_and_new_columns(tmp_path: Path) -> None:
    header = ["CustomerGauge ID", "Von Status", "Nach Status", "Geändert am"]
    rows = [
        [str(70 + c), old, new, f"2024-03-1{c} 1{i}:00"]
        for c in range(3)
        for i, (old, new) in enumerate([("Neu", "In Bearbeitung"), ("In Bearbeitung", "Gelöst")])
    ]
    config, _, _ = init(write_csv(tmp_path / "h.csv", header, rows), tmp_path)
    assert config["layout"] == "audit"
    assert config["columns"]["status"] == "Nach Status"
    assert config["audit"]["old_status"] == "Von Status"


def test_repeating_ids_with_one_time_column_are_long(tmp_path: Path) -> None:
    header = ["CustomerGauge ID", "Estado", "Fecha de cambio"]
    rows = [[str(70 + c), s, f"2024-03-1{c} 1{i}:00"] for c in range(3)
            for i, s in enumerate(["Abierto", "Pendiente", "Resuelto"])]  # fmt: skip
    config, lines, _ = init(write_csv(tmp_path / "l.csv", header, rows), tmp_path)
    assert config["layout"] == "long"
    assert comment(lines, "layout:") == (
        "9 rows, 3 distinct ids, 1 time column: ids repeat, one row per action"
    )
    assert config["columns"]["status"] == "Estado"
    assert config["columns"]["happened_at"] == "Fecha de cambio"


# --- the note and the assignee, by their values -------------------------------------------------

TITLE_AND_NOTES = {
    "en": ("Short description", "Work notes"),
    "de": ("Kurzbeschreibung", "Arbeitsnotizen"),
    "fr": ("Description courte", "Notes de travail"),
    "es": ("Descripción corta", "Notas de trabajo"),
    "nl": ("Korte omschrijving", "Werknotities"),
    "pt": ("Descrição curta", "Notas de trabalho"),
    "it": ("Descrizione breve", "Note di lavoro"),
}


@pytest.mark.parametrize("language", sorted(TITLE_AND_NOTES))
def test_work_notes_beat_a_longer_one_line_title(language: str, tmp_path: Path) -> None:
    title, notes = TITLE_AND_NOTES[language]
    header = ["CustomerGauge ID", "Status", "Changed", title, notes]
    rows = [
        [str(70 + i % 4), "Open", f"2024-03-1{i} 09:00",
         f"The customer's order number {i} never arrived at the warehouse in time",
         f"Called back.\nRefund {i} approved."]
        for i in range(8)
    ]  # fmt: skip
    config, lines, _ = init(write_csv(tmp_path / "n.csv", header, rows), tmp_path)
    assert config["columns"]["note"] == notes
    assert "8 of several lines" in comment(lines, "note:")
    assert f"; not '{title}' (the header says " in comment(lines, "note:")
    assert comment(lines, "note:").endswith(": a title, never the note)")


def test_a_title_alone_is_never_the_note(tmp_path: Path) -> None:
    header = ["CustomerGauge ID", "Status", "Changed", "Betreff"]
    rows = [[str(70 + i % 4), "Offen", f"2024-03-1{i} 09:00",
             f"Bestellung {i} ist nicht angekommen, bitte prüfen"] for i in range(8)]  # fmt: skip
    config, _, _ = init(write_csv(tmp_path / "n.csv", header, rows), tmp_path)
    assert "note" not in config["columns"]


AGENT_AND_REQUESTER = {
    "en": ("Assignee email", "Requester email"),
    "de": ("Bearbeiter E-Mail", "E-Mail des Anfragenden"),
    "fr": ("E-mail de l'agent", "E-mail du demandeur"),
    "es": ("Correo del agente", "Correo del solicitante"),
    "nl": ("E-mail behandelaar", "E-mail aanvrager"),
    "pt": ("E-mail do agente", "E-mail do solicitante"),
    "it": ("E-mail dell'agente", "E-mail del richiedente"),
}


@pytest.mark.parametrize("language", sorted(AGENT_AND_REQUESTER))
def test_the_assignee_is_the_addresses_of_few_people(language: str, tmp_path: Path) -> None:
    agent, requester = AGENT_AND_REQUESTER[language]
    header = ["CustomerGauge ID", requester, "Status", "Changed", agent]
    rows = [[str(70 + i), f"customer{i}@example.net", "Open", f"2024-03-1{i} 09:00",
             f"agent{i % 2}@acme.example"] for i in range(8)]  # fmt: skip
    config, lines, _ = init(write_csv(tmp_path / "a.csv", header, rows), tmp_path)
    assert config["columns"]["assignee"] == agent
    assert "8 of 8 values are e-mail addresses of 2 people" in comment(lines, "assignee:")
    assert f"runner-up '{requester}' (8 people; the header says" in comment(lines, "assignee:")


def test_addresses_of_few_people_are_the_assignee_whatever_the_header(tmp_path: Path) -> None:
    header = ["CustomerGauge ID", "Status", "Changed", "Wer"]
    rows = [[str(70 + i), "Open", f"2024-03-1{i} 09:00", f"agent{i % 2}@acme.example"]
            for i in range(8)]  # fmt: skip
    config, lines, _ = init(write_csv(tmp_path / "a.csv", header, rows), tmp_path)
    assert config["columns"]["assignee"] == "Wer"
    assert comment(lines, "assignee:") == "8 of 8 values are e-mail addresses of 2 people"


# --- status words and the time zone ----------------------------------------------------------


def test_each_status_line_says_its_count_and_why(tmp_path: Path) -> None:
    header = ["CustomerGauge ID", "Status", "Geändert am"]
    words = ["Neu"] * 3 + ["Wartend"] * 14 + ["Gelöst"] * 2 + ["Geparkt"] * 2
    rows = [[str(70 + i % 5), w, f"2024-03-{1 + i:02d} 09:00"] for i, w in enumerate(words)]
    config, lines, _ = init(write_csv(tmp_path / "s.csv", header, rows), tmp_path)
    assert comment(lines, '"Wartend":') == "14 rows; German for waiting → progress"
    assert comment(lines, '"Neu":') == "3 rows; German for new → open"
    assert (
        '    # TODO "Geparkt": open | progress | closed  (not a word backfill knows; last status '
        "of 2 of 4 finished cases: closed?; 2 rows)" in (lines)
    )
    assert config["status_map"] == {"Neu": "open", "Wartend": "progress", "Gelöst": "closed"}


def test_times_without_an_offset_ask_for_the_zone(tmp_path: Path) -> None:
    header = ["CustomerGauge ID", "Status", "Changed"]
    rows = [[str(70 + i), "Open", f"2024-03-1{i} 09:00"] for i in range(3)]
    config, lines, out = init(write_csv(tmp_path / "z.csv", header, rows), tmp_path)
    # asked, never assumed: a commented key, so that validate and plan say which zone they read
    assert "timezone" not in config
    assert comment(lines, "# timezone: UTC").split(" # ", 1)[1] == f"TODO: {NO_OFFSET}"
    assert NO_OFFSET.startswith(
        "times carry no offset; a helpdesk exports in its account's zone, shown in its settings"
    )
    assert "1 TODO(s) to do first" in out


def test_times_with_an_offset_need_no_zone(tmp_path: Path) -> None:
    header = ["CustomerGauge ID", "Status", "Changed"]
    rows = [[str(70 + i), "Open", f"2024-03-1{i}T09:00:00+01:00"] for i in range(3)]
    config, lines, out = init(write_csv(tmp_path / "z.csv", header, rows), tmp_path)
    assert config["timezone"] == "UTC"
    assert comment(lines, "timezone:") == (
        "the times of 'Changed' carry their offset; input.timezone applies only to times "
        "without one"
    )
    assert "TODO" not in out


# the default statuses of each product, in the seven languages, as its UI shows them
PRODUCT_STATUSES = [
    # Zendesk
    ("New", "open"), ("Open", "open"), ("Pending", "progress"), ("On-hold", "progress"),
    ("Solved", "closed"), ("Closed", "closed"),
    ("Neu", "open"), ("Offen", "open"), ("Wartend", "progress"), ("Angehalten", "progress"),
    ("Gelöst", "closed"), ("Geschlossen", "closed"),
    ("Nouveau", "open"), ("Ouvert", "open"), ("En attente", "progress"),
    ("En pause", "progress"), ("Résolu", "closed"), ("Clos", "closed"),
    ("Nuevo", "open"), ("Abierto", "open"), ("Pendiente", "progress"),
    ("En espera", "progress"), ("Resuelto", "closed"), ("Cerrado", "closed"),
    ("Nieuw", "open"), ("In afwachting", "progress"), ("In de wacht", "progress"),
    ("Opgelost", "closed"), ("Gesloten", "closed"),
    ("Novo", "open"), ("Aberto", "open"), ("Pendente", "progress"), ("Em espera", "progress"),
    ("Resolvido", "closed"), ("Fechado", "closed"),
    ("Nuovo", "open"), ("Aperto", "open"), ("In sospeso", "progress"),
    ("In attesa", "progress"), ("Risolto", "closed"), ("Chiuso", "closed"),
    # Freshdesk
    ("Waiting on Customer", "progress"), ("Waiting on Third Party", "progress"),
    ("Resolved", "closed"), ("Ausstehend", "progress"), ("Warten auf Kunden", "progress"),
    ("Warten auf Drittanbieter", "progress"), ("En attente du client", "progress"),
    ("En attente d'un tiers", "progress"), ("En attente d’un tiers", "progress"),
    ("Fermé", "closed"),
    # Jira Service Management
    ("Waiting for support", "open"), ("Waiting for customer", "progress"),
    ("In Progress", "progress"), ("Escalated", "progress"), ("Canceled", "closed"),
    ("Done", "closed"), ("To Do", "open"), ("Warten auf Support", "open"),
    ("In Arbeit", "progress"), ("Erledigt", "closed"), ("Abgebrochen", "closed"),
    # Salesforce
    ("Working", "progress"), ("In Bearbeitung", "progress"), ("Eskaliert", "progress"),
    ("En cours", "progress"), ("Escaladé", "progress"), ("En curso", "progress"),
    ("Escalado", "progress"), ("In behandeling", "progress"), ("Em andamento", "progress"),
    ("In corso", "progress"), ("In lavorazione", "progress"),
    # ServiceNow
    ("Zurückgestellt", "progress"), ("Annulé", "closed"), ("Cancelado", "closed"),
    ("Annullato", "closed"), ("Geannuleerd", "closed"),
    # HubSpot
    ("Waiting on contact", "progress"), ("Waiting on us", "progress"),
    ("Warten auf Kontakt", "progress"), ("En attente du contact", "progress"),
    # Zoho Desk
    ("On Hold", "progress"), ("Escalated", "progress"),
    # Help Scout
    ("Active", "open"), ("Aktiv", "open"), ("Actif", "open"), ("Activo", "open"),
    ("Actief", "open"), ("Ativo", "open"), ("Attivo", "open"),
    # Intercom
    ("Snoozed", "progress"),
]  # fmt: skip


@pytest.mark.parametrize(("word", "status"), PRODUCT_STATUSES)
def test_the_default_statuses_of_nine_products_are_built_in(word: str, status: str) -> None:
    from backfill.plan.statuses import status_key

    assert builtin_status(status_key(word)) == status
    assert status_meaning(status_key(word))


def test_a_status_says_its_language_and_meaning() -> None:
    assert status_meaning("WARTEND") == "German for waiting"
    assert status_meaning("EN-ATTENTE-DU-CLIENT") == "French for waiting on customer"
    assert status_meaning("SOLVED") == "a helpdesk status in English"
    assert status_meaning("GEPARKT") is None


def test_hints_never_name_backfill_s_own_columns(tmp_path: Path) -> None:
    export = write_csv(
        tmp_path / "s.csv",
        ["number_customergauge", "status", "happened_at"],
        [["1001", "open", "2024-01-01 10:00:00"], ["1001", "closed", "2024-01-02 10:00:00"]],
    )
    result = CliRunner().invoke(cli, ["validate", str(export), "--out", str(tmp_path / "o")])
    assert "'_" not in result.output, result.output


# --- workbooks: the sheet with the data, a header below title rows --------------------------------


def test_the_sheet_with_the_data_and_a_header_below_a_title(tmp_path: Path) -> None:
    from datetime import datetime

    import openpyxl

    from backfill.starter.config_text import HEADER_ROW_KEY

    book = openpyxl.Workbook()
    about = book.active
    about.title = "Info"
    about.append(["Exported by the service desk"])
    data = book.create_sheet("Nachverfolgung")
    data.append(["Kundenrückmeldungen 2024"])
    data.append(["Eine Zeile pro Schritt"])
    data.append([])
    data.append(["CG-Nr.", "Status", "Wann", "Bearbeiter (E-Mail)"])
    for i in range(6):
        data.append([str(18009880 + i // 2), ["Offen", "Gelöst"][i % 2],
                     datetime(2024, 1, 8 + i, 9, 30), f"agent{i % 2}@acme.example"])  # fmt: skip
    path = tmp_path / "log.xlsx"
    book.save(path)
    target = tmp_path / "c.yaml"
    result = CliRunner().invoke(cli, ["init", str(path), "-o", str(target)])
    assert result.exit_code == 0, result.output
    lines = target.read_text(encoding="utf-8").splitlines()
    assert comment(lines, "sheet:") == "9 non-empty rows; the other sheets: 'Info' 1"
    assert yaml.safe_load("\n".join(lines))["input"]["sheet"] == "Nachverfolgung"
    why = "rows 1-3 hold a title ('Kundenrückmeldungen 2024') and notes; row 4 names every column"
    if HEADER_ROW_KEY:
        assert comment(lines, "header_row:") == why
    else:
        assert any(line.startswith(f"  # TODO header_row: 4  ({why};") for line in lines)
    config = yaml.safe_load("\n".join(lines))["input"]
    assert config["columns"]["number_customergauge"] == "CG-Nr."
    assert config["columns"]["happened_at"] == "Wann"
    assert config["columns"]["assignee"] == "Bearbeiter (E-Mail)"
    assert config["status_map"] == {"Offen": "open", "Gelöst": "closed"}


def test_with_step_lists_both_closing_columns_are_proposed() -> None:
    from backfill.starter.config_text import starting_config
    from backfill.starter.inspect import Inspection
    from backfill.starter.profiles import profile_of
    from backfill.starter.steps import find_steps

    columns = {
        "Created time": [f"2024-03-0{i + 1} 09:00" for i in range(5)],
        "Resolved time": [f"2024-03-0{i + 1} 17:00" if i else "" for i in range(5)],
        "Closed time": [f"2024-03-0{i + 4} 09:00" for i in range(5)],
    }
    profiles = [profile_of(name, cells) for name, cells in columns.items()]
    steps = find_steps(profiles, set())
    assert {s: [g.column for g in gs] for s, gs in steps.columns.items()} == {
        "open": ["Created time"], "closed": ["Resolved time", "Closed time"]
    }  # fmt: skip
    text = starting_config(
        Inspection(rows=5, layout="wide", layout_evidence="", steps=steps.columns), ["t.csv"]
    )
    assert '    closed: ["Resolved time", "Closed time"]' in text
    assert (
        "# 2 columns hold closed times: the earliest non-empty one of each row is the step"
    ) in text
    assert yaml.safe_load(text)["input"]["steps"]["closed"] == ["Resolved time", "Closed time"]


def test_old_and_new_columns_without_telling_headers_go_by_their_order(tmp_path: Path) -> None:
    header = ["CustomerGauge ID", "Feld", "Wert 1", "Wert 2", "Zeitstempel"]
    rows = []
    for c in range(3):
        rows += [
            [str(70 + c), "Status", "Neu", "In Bearbeitung", f"2024-03-1{c} 10:00"],
            [str(70 + c), "Priorität", "Niedrig", "Hoch", f"2024-03-1{c} 11:00"],
            [str(70 + c), "Status", "In Bearbeitung", "Gelöst", f"2024-03-1{c} 12:00"],
        ]
    config, lines, _ = init(write_csv(tmp_path / "h.csv", header, rows), tmp_path)
    assert config["layout"] == "audit"
    assert config["columns"]["status"] == "Wert 2"
    assert config["audit"]["old_status"] == "Wert 1"
    assert comment(lines, "old_status:") == "the value before: the new value of the previous change"


def test_the_german_freshdesk_export_says_why_in_its_own_words(tmp_path: Path) -> None:
    export = Path(__file__).resolve().parent / "exports" / "freshdesk_de.csv"
    config, lines, out = init(export, tmp_path)
    assert comment(lines, "layout:") == (
        "64 rows, 64 distinct ids, 6 time columns: one row per case, a time column per step"
    )
    assert comment(lines, "open:") == (
        "the header says 'Erstellungszeit' (German); 64 of 64 values are times, before 'Zeit der "
        "ersten Antwort' in 50 of 50 rows with both"
    )
    assert comment(lines, "closed:") == (
        "2 columns hold closed times: the earliest non-empty one of each row is the step"
    )
    assert (
        "    # 'Fällig am' holds times too; it falls before 'Lösungszeit' in 22 and after it in 20 "
        "of 42 rows, before 'Letzte Aktualisierung' in 33 and after it in 31 of 64 rows; always 2 "
        "days after 'Erstellungszeit': a due date or a target, no step (the header says 'Fällig' "
        "(German))"
    ) in lines
    assert config["steps"]["closed"] == ["Lösungszeit", "Schließzeit"]
    assert "note" not in config["columns"]  # 'Betreff' is the subject
    assert out.startswith("Wrote ") and "layout wide" in out
