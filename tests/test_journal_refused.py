"""The fields a partial answer refused are data in the journal (schema 4), not its text; a
journal written before that gets them from its text once, when it is migrated, or when it is
read without being migrated (read-only)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from backfill.journal.schema import SCHEMA_VERSION
from backfill.journal.store import Journal
from backfill.model import Action, Outcome, Result

WHEN = "2023-01-01 10:00:00"
# what send/protocol.py has always written for a partial answer
TWO_REFUSED = "not applied by the API: assignee, note (data.* false)"


def act(key: int, seq: int = 1) -> Action:
    return Action(key, "f.csv", key + 2, "1", seq, "open", WHEN, "n", "a@example.com")


def record(journal: Journal, identity: str, result: Result, seq: int = 1) -> None:
    action = act(result.key, seq)
    journal.mark_in_flight(identity, action, "r", 1, WHEN)
    journal.record_result(identity, action, "r", result, WHEN)


def test_the_refused_fields_are_stored_as_data_whatever_the_text_says(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        record(journal, "partial", Result(0, Outcome.PARTIAL, 200, "some words", refused=("note",)))
        record(journal, "sent", Result(1, Outcome.SENT, 200), seq=2)
        journal.mark_in_flight("flying", act(2, 3), "r", 1, WHEN)
        journal.flush()
        entries = journal.lookup(["partial", "sent", "flying"])
    assert entries["partial"].refused == ("note",)
    assert entries["partial"].error == "some words"  # the text is the people's, kept as it is
    assert entries["sent"].refused == ()
    assert entries["flying"].refused == ()


def _schema_3(path: Path) -> None:
    """A journal as backfill wrote it before schema 4: the refused fields only in the text."""
    with Journal(path) as journal:
        record(journal, "two", Result(0, Outcome.PARTIAL, 200, TWO_REFUSED))
        # worded otherwise: read as verify read it then, an "assignee" in it was refused
        record(journal, "odd", Result(1, Outcome.PARTIAL, 200, "assignee refused"), seq=2)
        record(journal, "sent", Result(2, Outcome.SENT, 200, "assignee, note"), seq=3)
    with sqlite3.connect(path) as conn:
        conn.execute("ALTER TABLE actions DROP COLUMN refused")
        conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    conn.close()


def _stored(path: Path, *columns: str) -> dict[str, str | None]:
    """The journal's schema version, and these columns of each action by identity."""
    with sqlite3.connect(path) as conn:
        version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        names = ", ".join(("identity", *columns))
        rows = conn.execute(f"SELECT {names} FROM actions").fetchall() if columns else []
    conn.close()
    return {"version": version[0], **{row[0]: row[1] for row in rows}}


def test_a_schema_3_journal_read_only_reads_the_refused_fields_from_its_text(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite"
    _schema_3(path)
    with Journal(path, read_only=True) as journal:
        entries = journal.lookup(["two", "odd", "sent"])
        accepted = {e.identity: e.refused for e in journal.accepted_actions()}
    assert entries["two"].refused == ("assignee", "note")
    assert entries["odd"].refused == ("assignee",)
    assert entries["sent"].refused == ()  # only a partial answer refuses anything
    assert accepted == {"two": ("assignee", "note"), "odd": ("assignee",), "sent": ()}
    assert _stored(path)["version"] == "3"  # read-only: not migrated


def test_a_schema_3_journal_is_migrated_once_into_the_refused_column(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    _schema_3(path)
    with Journal(path):
        pass
    stored = _stored(path, "refused")
    assert stored == {
        "version": str(SCHEMA_VERSION),
        "two": '["assignee", "note"]',
        "odd": '["assignee"]',
        "sent": None,  # refused nothing: left as it was, read as none
    }
    # the column, not the text, is read from now on
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE actions SET error = 'reworded' WHERE identity = 'two'")
    conn.close()
    with Journal(path) as journal:
        entries = journal.lookup(["two", "sent"])
    assert entries["two"].refused == ("assignee", "note")
    assert entries["sent"].refused == ()
