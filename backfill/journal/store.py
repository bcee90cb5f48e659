"""The journal: what was sent, so that a re-run or a resume never sends an action twice.

One SQLite file (WAL mode) at ``journal:``. Each action is known by a *content identity*:
the sha256 of its case, status, happened_at (UTC), note, assignee and its occurrence among
identical actions of that case. The same or an overlapping file run again therefore finds
what is already sent (``already_sent``) without relying on row numbers or file names.

States of an action: ``in_flight`` (its request may be on the wire), then ``sent``,
``partial`` or ``failed``. Blocked, invalid and pending rows are never recorded: nothing was
sent for them, so a later run simply sends them.

Durability trade-off
--------------------
The journal runs with ``synchronous=NORMAL``: a commit is an append to the WAL file in the
OS page cache (about 20 µs), without an fsync. Two kinds of records are written:

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
the content identity, case, sequence, time, status, state, HTTP status and error text.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from backfill.errors import JournalError
from backfill.model import FAILED, PARTIAL, SENT, Action, Result

# 2: maybe_applied, note/assignee fingerprints (identity from the input), runs.error
SCHEMA_VERSION = 2
IN_FLIGHT = "in_flight"
STATES = (IN_FLIGHT, SENT, PARTIAL, FAILED)
DONE_STATES = (SENT, PARTIAL)  # accepted by CustomerGauge: never send again

_SCHEMA = """
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
    assignee_hash TEXT
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
CREATE TABLE IF NOT EXISTS response_dates (
    case_id TEXT PRIMARY KEY,
    response_at TEXT NOT NULL,
    fetched_at TEXT NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class Entry:
    """What the journal knows about one action."""

    identity: str
    case: str
    case_seq: int
    happened_at: str | None
    status: str
    state: str
    run_id: str
    attempts: int
    http_status: int | None
    error: str
    updated_at: str
    maybe_applied: bool = False  # some attempt's answer was lost: the API may have applied it
    note_hash: str | None = None  # fingerprints of the input's note and assignee; None in
    assignee_hash: str | None = None  # actions recorded by schema 1 journals


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Journal:
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
    ) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.flush_every = max(1, flush_every)
        self.flush_interval_s = flush_interval_s
        self._lock = threading.Lock()
        self._pending: list[tuple[Any, ...]] = []
        self._wake = threading.Event()
        self._closing = False
        self._writer_error: BaseException | None = None
        self._lock_file: Any = None
        self._conn = self._connect()
        self._writer: threading.Thread | None = None
        if not read_only:
            self._writer = threading.Thread(
                target=self._write_loop, name="backfill-journal", daemon=True
            )
            self._writer.start()

    # --- opening ---------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        if self.read_only and not self.path.exists():
            raise JournalError(
                f"no journal at {self.path}: nothing has been sent with it yet "
                "(pass the journal of an earlier run with --journal)"
            )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise JournalError(self._unwritable(exc)) from None
        if not self.read_only:
            self._take_lock()
        try:
            if self.read_only:
                uri = f"file:{self.path.resolve()}?mode=ro"
                conn = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=5)
            else:
                conn = sqlite3.connect(
                    self.path, check_same_thread=False, timeout=5, isolation_level=None
                )
            conn.row_factory = sqlite3.Row
            if not self.read_only:
                mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise JournalError(
                        f"journal {self.path} cannot use WAL mode (got {mode}); "
                        "put it on a local disk, not a network share"
                    )
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.executescript(_SCHEMA)
                _add_missing_columns(conn)
                self._check_version(conn)
            else:
                conn.execute("SELECT count(*) FROM actions").fetchone()
        except sqlite3.DatabaseError as exc:
            self._release_lock()
            raise JournalError(self._explain(exc)) from None
        return conn

    def _check_version(self, conn: sqlite3.Connection) -> None:
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
        elif int(row[0]) > SCHEMA_VERSION:
            raise JournalError(
                f"journal {self.path} was written by a newer backfill (schema {row[0]}); "
                "upgrade backfill to continue this migration"
            )
        elif int(row[0]) < SCHEMA_VERSION:
            # schema 1 actions keep their identities; their missing fingerprints are matched
            # by case position instead (resume.decide)
            conn.execute(
                "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),)
            )

    def _take_lock(self) -> None:
        """One writer per journal: two runs on one journal could send the same action twice."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: SQLite's own locking still applies
            return
        lock_path = self.path.with_name(self.path.name + ".lock")
        try:
            handle = open(lock_path, "a+")  # noqa: SIM115 - held open for the journal's lifetime
        except OSError as exc:
            raise JournalError(self._unwritable(exc)) from None
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise JournalError(
                f"journal {self.path} is in use by another backfill run ({holder}); "
                "wait for it to finish, or give this run its own journal with --journal"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        self._lock_file = handle

    def _release_lock(self) -> None:
        if self._lock_file is not None:
            with contextlib.suppress(OSError):
                self._lock_file.close()
            self._lock_file = None

    def _unwritable(self, exc: OSError) -> str:
        return (
            f"cannot write the journal {self.path}: {exc.strerror or exc}; "
            "choose a writable place with --journal or the journal: key"
        )

    def _explain(self, exc: sqlite3.DatabaseError) -> str:
        text = str(exc)
        if "locked" in text or "busy" in text:
            return (
                f"journal {self.path} is locked by another process; wait for it to finish, "
                "or give this run its own journal with --journal"
            )
        if "not a database" in text or "malformed" in text or "corrupt" in text:
            return (
                f"journal {self.path} is damaged ({text}); restore it from a backup, or move "
                "it away to start a new one (a new journal forgets what was sent: re-sent "
                "actions may be applied twice)"
            )
        if "readonly" in text or "unable to open" in text or "disk" in text:
            return (
                f"cannot write the journal {self.path} ({text}); choose a writable place "
                "with --journal or the journal: key"
            )
        return f"journal {self.path}: {text}"

    # --- lifecycle -------------------------------------------------------------------
    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Flush every batched outcome, stop the writer thread, release the journal."""
        if self._conn is None:  # type: ignore[comparison-overlap]
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
            self._conn = None  # type: ignore[assignment]
            self._release_lock()
        if self._writer_error is not None:
            raise JournalError(self._explain_any(self._writer_error))

    def _explain_any(self, exc: BaseException) -> str:
        if isinstance(exc, sqlite3.DatabaseError):
            return self._explain(exc)
        return f"journal {self.path}: {exc}"

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
            raise JournalError(self._explain(exc)) from None

    def _flush_pending(self) -> None:
        """Write the batched outcomes in one transaction (caller holds the lock)."""
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(_UPSERT, batch)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            self._pending = batch + self._pending
            raise

    def flush(self) -> None:
        """Commit every batched outcome now (also done by close())."""
        self._raise_writer_error()
        self._flush_locked_checked()

    def _raise_writer_error(self) -> None:
        if self._writer_error is not None:
            raise JournalError(self._explain_any(self._writer_error))

    # --- recording a run -------------------------------------------------------------
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
            (_now(), int(exit_code), int(rows), json.dumps(dict(outcomes)), error, run_id),
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
        record = (
            identity,
            action.case,
            action.case_seq,
            happened_utc,
            action.status,
            IN_FLIGHT,
            run_id,
            attempt,
            None,
            "",
            _now(),
            0,
            *(content or (None, None)),
        )
        try:
            with self._lock:
                self._pending.append(record)
                self._flush_pending()
        except sqlite3.DatabaseError as exc:
            raise JournalError(self._explain(exc)) from None

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
        state = {SENT: SENT, PARTIAL: PARTIAL, FAILED: FAILED}.get(result.outcome)
        if state is None and result.attempts > 0:
            state = FAILED
        if state is None:
            return  # blocked, or pending before any attempt: nothing was sent
        self._raise_writer_error()
        record = (
            identity,
            action.case,
            action.case_seq,
            happened_utc,
            action.status,
            state,
            run_id,
            result.attempts,
            result.http_status,
            result.error,
            _now(),
            int(result.answer_lost),
            *(content or (None, None)),
        )
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
                    self._conn.execute("ROLLBACK")
                    raise
        except sqlite3.DatabaseError as exc:
            raise JournalError(self._explain(exc)) from None

    # --- reading ---------------------------------------------------------------------
    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        try:
            with self._lock:
                return self._conn.execute(sql, tuple(params)).fetchall()
        except sqlite3.DatabaseError as exc:
            raise JournalError(self._explain(exc)) from None

    def _chunked(self, sql: str, values: Iterable[str]) -> Iterator[sqlite3.Row]:
        """Run `sql` (with one ``{marks}`` placeholder list) over `values` in chunks."""
        items = list(dict.fromkeys(values))
        for start in range(0, len(items), 500):
            chunk = items[start : start + 500]
            yield from self._query(sql.format(marks=",".join("?" * len(chunk))), chunk)

    def lookup(self, identities: Iterable[str]) -> dict[str, Entry]:
        """What the journal knows about these identities (unknown ones are absent)."""
        rows = self._chunked("SELECT * FROM actions WHERE identity IN ({marks})", identities)
        return {row["identity"]: _entry(row) for row in rows}

    def by_position(self, cases: Iterable[str]) -> dict[tuple[str, int, str], Entry]:
        """The actions of these cases by (case, case_seq, happened_at UTC), for the
        changed-after-sent check and for schema 1 actions whose identity has changed."""
        rows = self._chunked(
            "SELECT * FROM actions WHERE case_id IN ({marks}) AND happened_at IS NOT NULL "
            "ORDER BY updated_at",
            cases,
        )
        return {(row["case_id"], row["case_seq"], row["happened_at"]): _entry(row) for row in rows}

    def last_sent_times(self, cases: Iterable[str]) -> dict[str, str]:
        """Per case, the latest happened_at (UTC) among its accepted actions."""
        rows = self._chunked(
            "SELECT case_id, max(happened_at) AS last FROM actions WHERE case_id IN ({marks}) "
            "AND state IN ('sent', 'partial') AND happened_at IS NOT NULL GROUP BY case_id",
            cases,
        )
        return {row["case_id"]: row["last"] for row in rows if row["last"]}

    def last_sent_time(self, case: str) -> str | None:
        """The latest happened_at (UTC) among the case's accepted actions, for the order guard."""
        return self.last_sent_times([case]).get(case)

    def in_flight(self) -> list[Entry]:
        """Actions whose request went out but whose outcome was never recorded (a crash)."""
        rows = self._query("SELECT * FROM actions WHERE state = 'in_flight' ORDER BY updated_at")
        return [_entry(row) for row in rows]

    def accepted_actions(self) -> list[Entry]:
        """Every action CustomerGauge accepted (sent/partial): `backfill verify --journal`."""
        rows = self._query(
            "SELECT * FROM actions WHERE state IN ('sent', 'partial') ORDER BY case_id, case_seq"
        )
        return [_entry(row) for row in rows]

    # --- response dates (issue #5: fetched from the API once, reused by later runs) ----
    def get_response_dates(self, cases: Iterable[str]) -> dict[str, str]:
        rows = self._chunked(
            "SELECT case_id, response_at FROM response_dates WHERE case_id IN ({marks})", cases
        )
        return {row["case_id"]: row["response_at"] for row in rows}

    def put_response_dates(self, dates: Mapping[str, str]) -> None:
        now = _now()
        self._write_many(
            "INSERT OR REPLACE INTO response_dates (case_id, response_at, fetched_at) "
            "VALUES (?, ?, ?)",
            [(str(case), str(when), now) for case, when in dates.items()],
        )

    # --- status ----------------------------------------------------------------------
    def runs(self) -> list[dict[str, Any]]:
        rows = self._query("SELECT * FROM runs ORDER BY started_at, run_id")
        out = []
        for row in rows:
            item = dict(row)
            item["inputs"] = json.loads(item["inputs"] or "[]")
            item["outcomes"] = json.loads(item["outcomes"]) if item["outcomes"] else {}
            out.append(item)
        return out

    def state_counts(self) -> dict[str, int]:
        rows = self._query("SELECT state, count(*) AS n FROM actions GROUP BY state")
        counts = dict.fromkeys(STATES, 0)
        counts.update({row["state"]: row["n"] for row in rows})
        return counts

    def cases_left(self) -> list[dict[str, Any]]:
        """Cases whose latest run left rows unsent, with how many are pending and failed."""
        rows = self._query(
            "SELECT case_id, run_id, rows_left, pending, failed FROM cases WHERE rows_left > 0 "
            "ORDER BY case_id"
        )
        return [dict(row) for row in rows]


_UPSERT = (
    "INSERT INTO actions (identity, case_id, case_seq, happened_at, status, state, run_id, "
    "attempts, http_status, error, updated_at, maybe_applied, note_hash, assignee_hash) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (identity) DO UPDATE SET case_id = excluded.case_id, "
    "case_seq = excluded.case_seq, happened_at = excluded.happened_at, "
    "status = excluded.status, state = excluded.state, run_id = excluded.run_id, "
    "attempts = excluded.attempts, http_status = excluded.http_status, "
    "error = excluded.error, updated_at = excluded.updated_at, "
    "maybe_applied = max(actions.maybe_applied, excluded.maybe_applied), "
    "note_hash = coalesce(excluded.note_hash, actions.note_hash), "
    "assignee_hash = coalesce(excluded.assignee_hash, actions.assignee_hash)"
)

_ADDED_COLUMNS = {
    "actions": (
        ("maybe_applied", "INTEGER NOT NULL DEFAULT 0"),
        ("note_hash", "TEXT"),
        ("assignee_hash", "TEXT"),
    ),
    "runs": (("error", "TEXT"),),
}


def _add_missing_columns(conn: sqlite3.Connection) -> None:
    """Bring a schema 1 journal's tables up to date (CREATE IF NOT EXISTS leaves them)."""
    for table, columns in _ADDED_COLUMNS.items():
        have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        for name, kind in columns:
            if name not in have:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")


def _entry(row: sqlite3.Row) -> Entry:
    # a schema 1 journal opened read-only (`status`) is not migrated: no added columns
    added = {"maybe_applied": 0, "note_hash": None, "assignee_hash": None}
    columns = set(row.keys())  # `name in row` would look among the values
    added.update({name: row[name] for name in added if name in columns})
    return Entry(
        identity=row["identity"],
        case=row["case_id"],
        case_seq=row["case_seq"],
        happened_at=row["happened_at"],
        status=row["status"],
        state=row["state"],
        run_id=row["run_id"],
        attempts=row["attempts"],
        http_status=row["http_status"],
        error=row["error"],
        updated_at=row["updated_at"],
        maybe_applied=bool(added["maybe_applied"]),
        note_hash=added["note_hash"],
        assignee_hash=added["assignee_hash"],
    )
