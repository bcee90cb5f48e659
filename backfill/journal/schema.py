"""The journal's SQLite schema, its states and the rows read back from it.

Kept apart from the store so that the layout of the file can be read in one place; a schema
change raises SCHEMA_VERSION, and a newer file is refused by an older backfill.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from enum import StrEnum

# 2: maybe_applied, note/assignee fingerprints (identity from the input), runs.error
# 3: meta's target_version, target_url, target_client: the target the journal belongs to
#    (journal/target.py); an older backfill, which would not check it, refuses the file
# 4: actions.refused: the fields a partial answer did not apply, as data (JSON list); the
#    partial rows of older journals get theirs from their error text, once (connect.py)
SCHEMA_VERSION = 4


class State(StrEnum):
    """Where an action stands in the journal (blocked, invalid and pending are never stored)."""

    IN_FLIGHT = "in_flight"  # its request may be on the wire; outcome unknown
    SENT = "sent"
    PARTIAL = "partial"
    FAILED = "failed"


DONE_STATES = frozenset({State.SENT, State.PARTIAL})  # accepted by CustomerGauge: never again

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    command TEXT NOT NULL,
    inputs TEXT NOT NULL,
    target TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    exit_code INTEGER,
    rows INTEGER,
    outcomes TEXT,
    error TEXT
);
CREATE TABLE IF NOT EXISTS actions (
    identity TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    case_seq INTEGER NOT NULL,
    happened_at TEXT,
    status TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('in_flight', 'sent', 'partial', 'failed')),
    run_id TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    http_status INTEGER,
    error TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    maybe_applied INTEGER NOT NULL DEFAULT 0,
    note_hash TEXT,
    assignee_hash TEXT,
    refused TEXT
);
CREATE INDEX IF NOT EXISTS actions_by_case ON actions (case_id, state);
CREATE INDEX IF NOT EXISTS actions_by_state ON actions (state);
CREATE TABLE IF NOT EXISTS cases (
    case_id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    rows_left INTEGER NOT NULL,
    pending INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pilot_cases (
    run_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    covers TEXT NOT NULL,
    verdict TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, case_id)
);
-- a retried action: the export's file and row it fixes (as its failures file names them) and
-- the fingerprint of the assignee it sent, so that `verify EXPORT` puts it in that row's place
CREATE TABLE IF NOT EXISTS origins (
    identity TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    source TEXT NOT NULL,
    row INTEGER NOT NULL,
    sent_assignee TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS response_dates (
    case_id TEXT PRIMARY KEY,
    response_at TEXT NOT NULL,
    fetched_at TEXT NOT NULL
);
"""


UPSERT = (
    "INSERT INTO actions (identity, case_id, case_seq, happened_at, status, state, run_id, "
    "attempts, http_status, error, updated_at, maybe_applied, note_hash, assignee_hash, "
    "refused) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (identity) DO UPDATE SET case_id = excluded.case_id, "
    "case_seq = excluded.case_seq, happened_at = excluded.happened_at, "
    "status = excluded.status, state = excluded.state, run_id = excluded.run_id, "
    "attempts = excluded.attempts, http_status = excluded.http_status, "
    "error = excluded.error, updated_at = excluded.updated_at, refused = excluded.refused, "
    "maybe_applied = max(actions.maybe_applied, excluded.maybe_applied), "
    "note_hash = coalesce(excluded.note_hash, actions.note_hash), "
    "assignee_hash = coalesce(excluded.assignee_hash, actions.assignee_hash)"
)

# columns added since schema 1, which CREATE TABLE IF NOT EXISTS leaves out of old files
ADDED_COLUMNS = {
    "actions": (
        ("maybe_applied", "INTEGER NOT NULL DEFAULT 0"),
        ("note_hash", "TEXT"),
        ("assignee_hash", "TEXT"),
        ("refused", "TEXT"),
    ),
    "runs": (("error", "TEXT"),),
}


@dataclass(frozen=True, slots=True)
class Entry:
    """What the journal knows about one action."""

    identity: str
    case: str
    case_seq: int
    happened_at: str | None
    status: str
    state: State
    run_id: str
    attempts: int
    http_status: int | None
    error: str
    updated_at: str
    maybe_applied: bool = False  # some attempt's answer was lost: the API may have applied it
    note_hash: str | None = None  # fingerprints of the input's note and assignee; None in
    assignee_hash: str | None = None  # actions recorded by schema 1 journals
    # the API's names of the fields a partial answer did not apply (v7 ``data.assignee:
    # false``): what CustomerGauge did not take of an accepted action
    refused: tuple[str, ...] = ()


def entry_from_row(row: sqlite3.Row) -> Entry:
    # a schema 1 journal opened read-only (`status`) is not migrated: no added columns
    columns = set(row.keys())  # `name in row` would look among the values
    maybe_applied = bool(row["maybe_applied"]) if "maybe_applied" in columns else False
    note_hash: str | None = row["note_hash"] if "note_hash" in columns else None
    assignee_hash: str | None = row["assignee_hash"] if "assignee_hash" in columns else None
    stored = row["refused"] if "refused" in columns else None
    if stored is None:  # written before schema 4 (and not migrated: opened read-only)
        refused = refused_in_text(row["error"]) if row["state"] == State.PARTIAL else ()
    else:
        refused = tuple(json.loads(stored))
    return Entry(
        identity=row["identity"],
        case=row["case_id"],
        case_seq=row["case_seq"],
        happened_at=row["happened_at"],
        status=row["status"],
        state=State(row["state"]),
        run_id=row["run_id"],
        attempts=row["attempts"],
        http_status=row["http_status"],
        error=row["error"],
        updated_at=row["updated_at"],
        maybe_applied=maybe_applied,
        note_hash=note_hash,
        assignee_hash=assignee_hash,
        refused=refused,
    )


# How send/protocol.py has always worded a partial answer: "not applied by the API:
# assignee, note (data.* false)". Read only for rows written before schema 4.
_PARTIAL_TEXT = re.compile(r"not applied by the API: (.+) \(data\.\* false\)")


def refused_in_text(error: str) -> tuple[str, ...]:
    """The refused fields a partial row of a journal before schema 4 names in its error
    text; other wording is read as verify read it then: an "assignee" in it was refused."""
    found = _PARTIAL_TEXT.search(error)
    if found is not None:
        return tuple(name.strip() for name in found.group(1).split(","))
    return ("assignee",) if "assignee" in error else ()


def stored_refused(refused: tuple[str, ...]) -> str:
    """The refused column's text: a JSON list ("[]" when the API took every field)."""
    return json.dumps(list(refused))
