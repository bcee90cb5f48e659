"""The journal: what was sent, so that a re-run or a resume never sends an action twice.

One SQLite file (WAL mode) at ``journal:``. Each action is known by a *content identity*:
the sha256 of its case, status, happened_at (UTC), note, assignee and its occurrence among
identical actions of that case, all as the input gives them (never the assignee as sent). The
same or an overlapping file run again therefore finds what is already sent (``already_sent``)
without relying on row numbers, file names or settings. Fingerprints of the note and the
assignee let a later run tell that a sent row was edited (``changed-after-sent``).

States of an action: ``in_flight`` (its request may be on the wire), then ``sent``,
``partial`` or ``failed`` (a pending action whose attempts went out is kept as ``failed``).
``maybe_applied`` marks an action one of whose requests may have been applied although no
answer said so (an answer lost, or a re-send after such a loss): later runs flag it
``resent_uncertain``. Blocked, invalid and never-attempted rows are not recorded: nothing
was sent for them, so a later run simply sends them.

Durability trade-off
--------------------
The journal runs with ``synchronous=NORMAL``: a commit is an append to the WAL file in the
OS page cache, without an fsync. Two kinds of records are written:

* **in-flight marks** are committed *before* the request goes out (`mark_in_flight`, called
  on the event loop; one tiny commit that also carries any outcomes waiting in the batch).
  A process that dies at any moment (kill -9, crash, Ctrl-C twice) therefore leaves every
  action whose request may have left the machine marked ``in_flight``. On resume those are
  re-sent and counted as ``resent_uncertain``: nothing is lost and the only possible
  duplicates are exactly these actions.
* **outcomes** are batched: a writer thread commits them every `flush_every` records or
  `flush_interval_s` seconds, whichever comes first, so that the journal is never the
  bottleneck of a run at hundreds of requests per second. A crash loses at most that last
  batch; its actions are still marked ``in_flight`` and are re-sent as uncertain, which
  costs a possible duplicate, never a lost action.

What is *not* covered: a power cut or OS crash (not a process crash) may roll back the
transactions since the last WAL checkpoint, because there is no fsync per commit. Actions
then unknown to the journal are re-sent without being flagged. Backups of the journal
should be taken between runs, not during one.

The journal never stores secrets: no credentials, tokens, headers or request bodies; only
the content identity, case, sequence, time, status, state, HTTP status, error text, the
names of the fields a partial answer refused and the note/assignee fingerprints (truncated
sha256, not the text).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from backfill.errors import JournalError
from backfill.journal.connect import connect, explain, release_lock
from backfill.journal.reading import JournalReader
from backfill.journal.schema import DONE_STATES, UPSERT, Entry, State, stored_refused
from backfill.journal.target import Target
from backfill.model import Action, Outcome, Result
from backfill.redact import redact

# How long a write waits for another process's lock before the run stops with "locked".
BUSY_TIMEOUT_S = 5.0

__all__ = ["DONE_STATES", "Entry", "Journal", "State"]

# The states a sent action's outcome is recorded under; the others were never applied.
_RECORDED = {
    Outcome.SENT: State.SENT,
    Outcome.PARTIAL: State.PARTIAL,
    Outcome.FAILED: State.FAILED,
}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Journal(JournalReader):
    """The SQLite journal of one migration (see the module docstring for the guarantees).

    Use as a context manager, or call `close()`; closing flushes every batched outcome.
    `read_only=True` opens it for `backfill status` while a run may be writing.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        read_only: bool = False,
        flush_every: int = 50,
        flush_interval_s: float = 0.5,
        busy_timeout_s: float | None = None,
    ) -> None:
        """`busy_timeout_s`: how long a write waits for another process's lock (None: the
        module's BUSY_TIMEOUT_S, read when the journal opens, so a test can shorten it)."""
        self.path = Path(path)
        self.read_only = read_only
        self.flush_every = max(1, flush_every)
        self.flush_interval_s = flush_interval_s
        self._lock = threading.Lock()
        self._pending: list[tuple[Any, ...]] = []
        self._wake = threading.Event()
        self._closing = False
        self._writer_error: BaseException | None = None
        if busy_timeout_s is None:
            busy_timeout_s = BUSY_TIMEOUT_S
        self._conn, self._lock_file = connect(
            self.path, read_only=read_only, busy_timeout_s=busy_timeout_s
        )
        self._writer: threading.Thread | None = None
        if not read_only:
            self._writer = threading.Thread(
                target=self._write_loop, name="backfill-journal", daemon=True
            )
            self._writer.start()

    # --- lifecycle -------------------------------------------------------------------
    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Flush every batched outcome, stop the writer thread, release the journal."""
        if self._closing:
            return
        self._closing = True
        self._wake.set()
        if self._writer is not None:
            self._writer.join()
        try:
            if not self.read_only:
                self._flush_locked_checked()
                with contextlib.suppress(sqlite3.DatabaseError):
                    self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            self._conn.close()
            release_lock(self._lock_file)
            self._lock_file = None
        if self._writer_error is not None:
            raise JournalError(explain(self.path, self._writer_error))

    def _write_loop(self) -> None:
        while not self._closing:
            self._wake.wait(self.flush_interval_s)
            self._wake.clear()
            try:
                with self._lock:
                    self._flush_pending()
            except sqlite3.DatabaseError as exc:
                self._writer_error = exc
                return

    def _flush_locked_checked(self) -> None:
        try:
            with self._lock:
                self._flush_pending()
        except sqlite3.DatabaseError as exc:
            raise JournalError(explain(self.path, exc)) from None

    def _flush_pending(self) -> None:
        """Write the batched outcomes in one transaction (caller holds the lock)."""
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(UPSERT, batch)
            conn.execute("COMMIT")
        except BaseException:
            _roll_back(conn)
            self._pending = batch + self._pending
            raise

    def flush(self) -> None:
        """Commit every batched outcome now (also done by close())."""
        self._raise_writer_error()
        self._flush_locked_checked()

    def _raise_writer_error(self) -> None:
        if self._writer_error is not None:
            raise JournalError(explain(self.path, self._writer_error))

    # --- recording a run -------------------------------------------------------------
    def record_target(self, target: Target) -> None:
        """The journal belongs to `target` from now on (its first run; journal/target.py)."""
        if target.client is None:
            raise JournalError(f"journal {self.path}: a target without its client is not recorded")
        self._write_many(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
            [
                ("target_version", target.version),
                ("target_url", target.url),
                ("target_client", target.client),
            ],
        )

    def begin_run(self, run_id: str, command: str, inputs: Iterable[str], target: str) -> None:
        self._write(
            "INSERT OR REPLACE INTO runs (run_id, command, inputs, target, started_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (run_id, command, json.dumps(list(inputs)), target, _now()),
        )

    def end_run(
        self,
        run_id: str,
        exit_code: int,
        rows: int,
        outcomes: Mapping[str, int],
        error: str = "",
    ) -> None:
        self.flush()
        self._write(
            "UPDATE runs SET finished_at = ?, exit_code = ?, rows = ?, outcomes = ?, error = ? "
            "WHERE run_id = ?",
            (_now(), int(exit_code), int(rows), json.dumps(dict(outcomes)), redact(error), run_id),
        )

    def update_cases(self, run_id: str, cases: Mapping[str, tuple[int, int, int]]) -> None:
        """Per case of a run: (rows left to send, of which pending, of which failed)."""
        now = _now()
        self._write_many(
            "INSERT OR REPLACE INTO cases (case_id, run_id, rows_left, pending, failed, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (case, run_id, left, pending, failed, now)
                for case, (left, pending, failed) in cases.items()
            ],
        )

    def mark_in_flight(
        self,
        identity: str,
        action: Action,
        run_id: str,
        attempt: int,
        happened_utc: str | None,
        content: tuple[str, str] | None = None,
    ) -> None:
        """Record that `action`'s request is about to go out; committed before returning.

        Also commits any outcomes waiting in the batch (they are older, so order is kept).
        """
        self._raise_writer_error()
        record = _row(
            identity, action, run_id, happened_utc, content, _State(State.IN_FLIGHT, attempt)
        )
        try:
            with self._lock:
                self._pending.append(record)
                self._flush_pending()
        except sqlite3.DatabaseError as exc:
            raise JournalError(explain(self.path, exc)) from None

    def record_result(
        self,
        identity: str,
        action: Action,
        run_id: str,
        result: Result,
        happened_utc: str | None,
        content: tuple[str, str] | None = None,
    ) -> None:
        """Queue the final state of a sent action; the writer thread commits it in a batch.

        A pending action that was attempted (the run stopped between its retries) is kept
        as ``failed``: not in flight any more, and uncertain only if an answer was lost.
        """
        state = _RECORDED.get(result.outcome)
        if state is None and result.attempts > 0:
            state = State.FAILED
        if state is None:
            return  # blocked, or pending before any attempt: nothing was sent
        self._raise_writer_error()
        outcome = _State(
            state,
            result.attempts,
            result.http_status,
            result.error,
            # some attempt may have been applied: its answer was lost, or it was re-sent after
            # an earlier run may have applied it; later runs keep flagging the row
            uncertain=result.answer_lost or result.resent_uncertain,
            refused=result.refused,
        )
        record = _row(identity, action, run_id, happened_utc, content, outcome)
        with self._lock:
            self._pending.append(record)
            wake = len(self._pending) >= self.flush_every
        if wake:
            self._wake.set()

    def _write(self, sql: str, params: tuple[Any, ...]) -> None:
        self._write_many(sql, [params])

    def _write_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if self.read_only:
            raise JournalError(f"journal {self.path} was opened read-only")
        self._raise_writer_error()
        try:
            with self._lock:
                self._flush_pending()
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    self._conn.executemany(sql, rows)
                    self._conn.execute("COMMIT")
                except BaseException:
                    _roll_back(self._conn)
                    raise
        except sqlite3.DatabaseError as exc:
            raise JournalError(explain(self.path, exc)) from None

    # --- the pilot of `run --pilot N`: which cases went first, and what reading back found
    def record_pilot(self, run_id: str, covers: Mapping[str, Iterable[str]]) -> None:
        self._write_many(
            "INSERT OR REPLACE INTO pilot_cases (run_id, case_id, covers) VALUES (?, ?, ?)",
            [(run_id, str(case), json.dumps(list(items))) for case, items in covers.items()],
        )

    def record_pilot_verdicts(self, run_id: str, verdicts: Mapping[str, str]) -> None:
        self._write_many(
            "UPDATE pilot_cases SET verdict = ? WHERE run_id = ? AND case_id = ?",
            [(str(verdict), run_id, str(case)) for case, verdict in verdicts.items()],
        )

    # --- a retry's provenance: which export row each of its actions fixes --------------
    def record_origins(self, run_id: str, origins: Iterable[tuple[str, str, int, str]]) -> None:
        """(identity, source, row, sent-assignee fingerprint) of each action a retry sends."""
        self._write_many(
            "INSERT OR REPLACE INTO origins (identity, run_id, source, row, sent_assignee) "
            "VALUES (?, ?, ?, ?, ?)",
            [
                (identity, run_id, str(source), int(row), hint)
                for identity, source, row, hint in origins
            ],
        )

    # --- response dates (issue #5: fetched from the API once, reused by later runs) ----
    def put_response_dates(self, dates: Mapping[str, str]) -> None:
        now = _now()
        self._write_many(
            "INSERT OR REPLACE INTO response_dates (case_id, response_at, fetched_at) "
            "VALUES (?, ?, ?)",
            [(str(case), str(when), now) for case, when in dates.items()],
        )


def _roll_back(conn: sqlite3.Connection) -> None:
    """Undo a failed transaction, if SQLite has not already (it has, on a full disk): the
    error to report is the one that failed it, not "cannot rollback"."""
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


@dataclass(frozen=True, slots=True)
class _State:
    """Where an action stands, as one row of the actions table records it."""

    state: State
    attempts: int
    http_status: int | None = None
    error: str = ""
    uncertain: bool = False  # some attempt may have been applied without an answer saying so
    refused: tuple[str, ...] = ()  # the fields a partial answer did not apply


def _row(
    identity: str,
    action: Action,
    run_id: str,
    happened_utc: str | None,
    content: tuple[str, str] | None,
    at: _State,
) -> tuple[Any, ...]:
    """One row of the actions table, in the column order of schema.UPSERT."""
    return (
        identity,
        action.case,
        action.case_seq,
        happened_utc,
        action.status,
        at.state,
        run_id,
        at.attempts,
        at.http_status,
        redact(at.error),
        _now(),
        int(at.uncertain),
        *(content or (None, None)),
        stored_refused(at.refused),
    )
