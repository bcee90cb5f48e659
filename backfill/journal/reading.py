"""The journal's reading side: what a run, a resume, `status` and `verify` ask of it.

`Journal` (store.py) inherits these queries; they hold the journal's lock only for the
query itself, so they may run while the writer thread commits a batch.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from backfill.errors import JournalError
from backfill.journal.connect import explain
from backfill.journal.schema import Entry, State, entry_from_row
from backfill.journal.target import Target


@dataclass(frozen=True, slots=True)
class Retried:
    """An accepted action a retry sent, and the export row it fixes (its origin)."""

    entry: Entry
    source: str
    row: int
    sent_assignee: str  # fingerprint of the assignee it sent ("" hashed when none)


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One run (or retry) as the journal recorded it: `backfill status`, verify's run dates."""

    run_id: str
    command: str  # run | retry
    inputs: list[str]  # the files it read
    target: str  # the URL its requests went to
    started_at: str
    finished_at: str | None  # None: it did not finish (killed?)
    exit_code: int | None
    rows: int | None
    outcomes: dict[str, int]  # rows by outcome
    error: str | None = None  # why it stopped (None in journals of schema 1)


@dataclass(frozen=True, slots=True)
class PilotCase:
    """A case of the pilot of `run --pilot N`, and what reading it back found."""

    run_id: str
    case_id: str
    covers: list[str]  # what the case was chosen to cover
    verdict: str  # "" until it is read back


@dataclass(frozen=True, slots=True)
class CaseLeft:
    """A case whose latest run left rows unsent: how many, of which pending and failed."""

    case_id: str
    run_id: str
    rows_left: int
    pending: int
    failed: int


# `states` reads the whole table for a plan of at least 1/SCAN_SHARE of the journal's rows
SCAN_SHARE = 5


class JournalReader:
    """The queries of `Journal`, over the connection and lock it opens."""

    path: Path
    _conn: sqlite3.Connection
    _lock: threading.Lock

    # --- reading ---------------------------------------------------------------------
    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        try:
            with self._lock:
                return self._conn.execute(sql, tuple(params)).fetchall()
        except sqlite3.DatabaseError as exc:
            raise JournalError(explain(self.path, exc)) from None

    def _chunked(self, sql: str, values: Iterable[str]) -> Iterator[sqlite3.Row]:
        """Run `sql` (with one ``{marks}`` placeholder list) over `values` in chunks."""
        items = list(dict.fromkeys(values))
        for start in range(0, len(items), 500):
            chunk = items[start : start + 500]
            yield from self._query(sql.format(marks=",".join("?" * len(chunk))), chunk)

    def lookup(self, identities: Iterable[str]) -> dict[str, Entry]:
        """What the journal knows about these identities (unknown ones are absent)."""
        rows = self._chunked("SELECT * FROM actions WHERE identity IN ({marks})", identities)
        return {row["identity"]: entry_from_row(row) for row in rows}

    def states(self, identities: Collection[str]) -> pd.DataFrame:
        """identity, state, http_status and maybe_applied of those of these identities the
        journal knows, one row each: what a resume needs of every action of its plan.

        Reading the whole table costs about what index look-ups for a fifth of its rows do,
        so a plan that is not small beside the journal reads it whole and keeps its own.
        """
        wanted = set(identities)
        columns = ["identity", "state", "http_status", "maybe_applied"]
        select = f"SELECT {', '.join(columns)} FROM actions"
        (total,) = self._tuples("SELECT count(*) FROM actions")[0]
        if len(wanted) * SCAN_SHARE >= total:
            rows = [row for row in self._tuples(select) if row[0] in wanted]
        else:  # by identity only: a condition on state would make SQLite scan its index
            ordered = sorted(wanted)  # neighbouring identities share the index's pages
            rows = []
            for start in range(0, len(ordered), 500):
                chunk = ordered[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows += self._tuples(f"{select} WHERE identity IN ({marks})", chunk)
        return pd.DataFrame.from_records(rows, columns=columns)

    def _tuples(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        """`_query` with plain tuples: cheaper than sqlite3.Row when there are many rows."""
        try:
            with self._lock:
                cursor = self._conn.cursor()
                cursor.row_factory = None
                return cursor.execute(sql, tuple(params)).fetchall()
        except sqlite3.DatabaseError as exc:
            raise JournalError(explain(self.path, exc)) from None

    def by_position(self, cases: Iterable[str]) -> dict[tuple[str, int, str], Entry]:
        """The actions of these cases by (case, case_seq, happened_at UTC), for the
        changed-after-sent check and for schema 1 actions whose identity has changed."""
        rows = self._chunked(
            "SELECT * FROM actions WHERE case_id IN ({marks}) AND happened_at IS NOT NULL "
            "ORDER BY updated_at",
            cases,
        )
        return {
            (row["case_id"], row["case_seq"], row["happened_at"]): entry_from_row(row)
            for row in rows
        }

    def last_sent_times(self, cases: Iterable[str]) -> dict[str, str]:
        """Per case, the latest happened_at (UTC) among its accepted actions."""
        rows = self._chunked(
            "SELECT case_id, max(happened_at) AS last FROM actions WHERE case_id IN ({marks}) "
            "AND state IN ('sent', 'partial') AND happened_at IS NOT NULL GROUP BY case_id",
            cases,
        )
        return {row["case_id"]: row["last"] for row in rows if row["last"]}

    def in_flight(self) -> list[Entry]:
        """Actions whose request went out but whose outcome was never recorded (a crash)."""
        rows = self._query("SELECT * FROM actions WHERE state = 'in_flight' ORDER BY updated_at")
        return [entry_from_row(row) for row in rows]

    def accepted_actions(self) -> list[Entry]:
        """Every action CustomerGauge accepted (sent/partial): `backfill verify --journal`."""
        rows = self._query(
            "SELECT * FROM actions WHERE state IN ('sent', 'partial') ORDER BY case_id, case_seq"
        )
        return [entry_from_row(row) for row in rows]

    def retried_actions(self) -> list[Retried]:
        """Every accepted action a retry sent, with the export row it fixes (`verify`)."""
        if not self._has_table("origins"):  # a journal of an older backfill, read-only
            return []
        rows = self._query(
            "SELECT actions.*, origins.source AS origin_source, origins.row AS origin_row, "
            "origins.sent_assignee FROM origins JOIN actions USING (identity) "
            "WHERE actions.state IN ('sent', 'partial') ORDER BY actions.case_id, actions.case_seq"
        )
        return [
            Retried(
                entry_from_row(row), row["origin_source"], row["origin_row"], row["sent_assignee"]
            )
            for row in rows
        ]

    def _has_table(self, name: str) -> bool:
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?"
        return bool(self._query(sql, (name,)))

    # --- response dates (issue #5: fetched from the API once, reused by later runs) ----
    def get_response_dates(self, cases: Iterable[str]) -> dict[str, str]:
        rows = self._chunked(
            "SELECT case_id, response_at FROM response_dates WHERE case_id IN ({marks})", cases
        )
        return {row["case_id"]: row["response_at"] for row in rows}

    def pilot_cases(self) -> list[PilotCase]:
        """Every pilot case of every run."""
        if not self._query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'pilot_cases'"
        ):  # a journal of an older backfill, opened read-only (`status`)
            return []
        rows = self._query("SELECT * FROM pilot_cases ORDER BY rowid")
        return [
            PilotCase(row["run_id"], row["case_id"], json.loads(row["covers"]), row["verdict"])
            for row in rows
        ]

    # --- the target the journal belongs to (journal/target.py) ------------------------
    def recorded_target(self) -> Target | None:
        """The target of the journal's first run; None before it (or in a journal of an
        earlier version, which recorded none)."""
        if not self._query("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'"):
            return None  # (a schema 1 journal opened read-only)
        rows = self._query("SELECT key, value FROM meta WHERE key LIKE 'target_%'")
        values = {row["key"]: row["value"] for row in rows}
        if "target_url" not in values:
            return None
        return Target(values["target_version"], values["target_url"], values["target_client"])

    def run_targets(self) -> set[str]:
        """The URLs the journal's runs went to."""
        return {row["target"] for row in self._query("SELECT DISTINCT target FROM runs")}

    def has_actions(self) -> bool:
        return bool(self._query("SELECT 1 FROM actions LIMIT 1"))

    # --- status ----------------------------------------------------------------------
    def runs(self) -> list[RunRecord]:
        """Every run the journal recorded, the earliest first."""
        rows = self._query("SELECT * FROM runs ORDER BY started_at, run_id")
        # (a schema 1 journal, read-only, has no error column; `in row` would look at values)
        has_error = bool(rows) and "error" in set(rows[0].keys())
        return [
            RunRecord(
                run_id=row["run_id"],
                command=row["command"],
                inputs=json.loads(row["inputs"] or "[]"),
                target=row["target"],
                started_at=row["started_at"],
                finished_at=row["finished_at"],
                exit_code=row["exit_code"],
                rows=row["rows"],
                outcomes=json.loads(row["outcomes"]) if row["outcomes"] else {},
                error=row["error"] if has_error else None,
            )
            for row in rows
        ]

    def state_counts(self) -> dict[str, int]:
        rows = self._query("SELECT state, count(*) AS n FROM actions GROUP BY state")
        counts: dict[str, int] = dict.fromkeys(State, 0)
        counts.update({row["state"]: row["n"] for row in rows})
        return counts

    def cases_left(self) -> list[CaseLeft]:
        """Cases whose latest run left rows unsent, with how many are pending and failed."""
        rows = self._query(
            "SELECT case_id, run_id, rows_left, pending, failed FROM cases WHERE rows_left > 0 "
            "ORDER BY case_id"
        )
        return [CaseLeft(*row) for row in rows]
