"""Opening the journal file: one writer at a time, WAL mode, the schema, and messages that
say what to do when SQLite refuses (locked, damaged, unwritable)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from typing import IO

from backfill.errors import JournalError
from backfill.journal.schema import ADDED_COLUMNS, SCHEMA, SCHEMA_VERSION


def connect(
    path: Path, *, read_only: bool, busy_timeout_s: float
) -> tuple[sqlite3.Connection, IO[str] | None]:
    """The connection, and the held lock file of a writer (None when read-only)."""
    if read_only and not path.exists():
        raise JournalError(
            f"no journal at {path}: nothing has been sent with it yet "
            "(pass the journal of an earlier run with --journal)"
        )
    if path.is_file() and path.stat().st_size == 0:
        raise JournalError(
            f"journal {path} exists but is empty (0 bytes): it is not a journal backfill wrote, "
            "or it was truncated. If it held this migration's history, restore it from a "
            "backup; if it is new, delete the empty file and run again (backfill creates it)"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise JournalError(unwritable(path, exc)) from None
    lock = None if read_only else _take_lock(path)
    try:
        if read_only:
            uri = f"file:{path.resolve()}?mode=ro"
            conn = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=busy_timeout_s)
        else:
            conn = sqlite3.connect(
                path, check_same_thread=False, timeout=busy_timeout_s, isolation_level=None
            )
        conn.row_factory = sqlite3.Row
        if not read_only:
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise JournalError(
                    f"journal {path} cannot use WAL mode (got {mode}); "
                    "put it on a local disk, not a network share"
                )
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.executescript(SCHEMA)
            _add_missing_columns(conn)
            _check_version(conn, path)
        else:
            conn.execute("SELECT count(*) FROM actions").fetchone()
    except sqlite3.DatabaseError as exc:
        release_lock(lock)
        raise JournalError(explain(path, exc)) from None
    except JournalError:
        release_lock(lock)
        raise
    return conn, lock


def _check_version(conn: sqlite3.Connection, path: Path) -> None:
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if row is None:
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
        )
    elif int(row[0]) > SCHEMA_VERSION:
        raise JournalError(
            f"journal {path} was written by a newer backfill (schema {row[0]}); "
            "upgrade backfill to continue this migration"
        )
    elif int(row[0]) < SCHEMA_VERSION:
        # schema 1 actions keep their identities; lacking fingerprints, they are matched
        # by their place in the case (resume.decide)
        conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),)
        )


def _add_missing_columns(conn: sqlite3.Connection) -> None:
    for table, columns in ADDED_COLUMNS.items():
        have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        for name, kind in columns:
            if name not in have:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")


def _take_lock(path: Path) -> IO[str] | None:
    """One writer per journal: two runs on one journal could send the same action twice."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: SQLite's own locking still applies
        return None
    # next to the file itself: a symlink or another spelling of the path takes the same lock
    real = path.resolve()
    lock_path = real.with_name(real.name + ".lock")
    try:
        handle = open(lock_path, "a+")  # noqa: SIM115 - held open for the journal's lifetime
    except OSError as exc:
        raise JournalError(unwritable(path, exc)) from None
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise JournalError(
            f"journal {path} is in use by another backfill run ({holder}); "
            "wait for it to finish, or give this run its own journal with --journal"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}")
    handle.flush()
    return handle


def release_lock(lock: IO[str] | None) -> None:
    if lock is not None:
        with contextlib.suppress(OSError):
            lock.close()


def unwritable(path: Path, exc: OSError) -> str:
    return (
        f"cannot write the journal {path}: {exc.strerror or exc}; "
        "choose a writable place with --journal or the journal: key"
    )


def explain(path: Path, exc: BaseException) -> str:
    """What a failure of SQLite (or of the writer thread) means for the user, and the fix."""
    text = str(exc)
    if not isinstance(exc, sqlite3.DatabaseError):
        return f"journal {path}: {text}"
    if "locked" in text or "busy" in text:
        return (
            f"journal {path} is locked by another process; wait for it to finish, "
            "or give this run its own journal with --journal"
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return (
            f"journal {path} is damaged ({text}); restore it from a backup, or move "
            "it away to start a new one (a new journal forgets what was sent: re-sent "
            "actions may be applied twice)"
        )
    if "readonly" in text or "unable to open" in text or "disk" in text:
        return (
            f"cannot write the journal {path} ({text}); choose a writable place "
            "with --journal or the journal: key"
        )
    return f"journal {path}: {text}"
