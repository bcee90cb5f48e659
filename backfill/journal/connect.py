"""Opening the journal file: one writer at a time, WAL mode, the schema, and messages that
say what to do when SQLite refuses (locked, damaged, unwritable)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from typing import IO

from backfill.errors import JournalError
from backfill.journal.schema import (
    ADDED_COLUMNS,
    SCHEMA,
    SCHEMA_VERSION,
    refused_in_text,
    stored_refused,
)


def connect(
    path: Path, *, read_only: bool, busy_timeout_s: float
) -> tuple[sqlite3.Connection, IO[bytes] | None]:
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
        # by their place in the case (resume.decide). A journal before schema 3 records no
        # target: it takes the target of its next run (journal/target.py check_target)
        _migrate(conn, int(row[0]))


def _migrate(conn: sqlite3.Connection, version: int) -> None:
    """Bring a journal of schema `version` to SCHEMA_VERSION, in one transaction.

    Before schema 4 the fields a partial answer refused were only in its error text: each
    partial row's are read from it here, once (other rows refused nothing; their NULL reads
    as none).
    """
    partial = []
    if version < 4:
        partial = conn.execute(
            "SELECT identity, error FROM actions WHERE state = 'partial' AND refused IS NULL"
        ).fetchall()
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.executemany(
            "UPDATE actions SET refused = ? WHERE identity = ?",
            [(stored_refused(refused_in_text(error)), identity) for identity, error in partial],
        )
        conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),)
        )
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # (SQLite has rolled back already after some failures)
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        raise


def _add_missing_columns(conn: sqlite3.Connection) -> None:
    for table, columns in ADDED_COLUMNS.items():
        have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        for name, kind in columns:
            if name not in have:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")


def _take_lock(path: Path) -> IO[bytes] | None:
    """One writer per journal: two runs on one journal could send the same action twice.

    The lock is an OS lock (flock) on the journal file itself, so every way of reaching the
    file sees it: the same path, a symlink, a hard link. SQLite's own locks are POSIX record
    locks, which flock does not touch.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: SQLite's own locking still applies
        return None
    try:
        handle = open(path, "a+b")  # noqa: SIM115 - held open for the journal's lifetime
    except OSError as exc:
        raise JournalError(unwritable(path, exc)) from None
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        holder = _holder(os.fstat(handle.fileno()))
        handle.close()
        raise JournalError(
            f"journal {path} is in use by another backfill run ({holder}); "
            "wait for it to finish, or give this run its own journal with --journal"
        ) from None
    return handle


def _holder(stat: os.stat_result) -> str:
    """The process holding the flock on this file (Linux: /proc/locks), as "pid N"."""
    device = f"{os.major(stat.st_dev):02x}:{os.minor(stat.st_dev):02x}:{stat.st_ino}"
    try:
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return "another process"
    for line in lines:
        fields = line.split()
        # "1: FLOCK  ADVISORY  WRITE 4242 fe:00:2146945 0 EOF"
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5] == device:
            return f"pid {fields[4]}"
    return "another process"


def release_lock(lock: IO[bytes] | None) -> None:
    if lock is not None:
        with contextlib.suppress(OSError):
            lock.close()


def unwritable(path: Path, exc: OSError) -> str:
    return (
        f"cannot write the journal {path}: {exc.strerror or exc}; "
        "choose a writable place with --journal or the journal: key"
    )


def disk_full(path: Path) -> str:
    """One paragraph for a journal that cannot grow: where, how much room, what a re-run does."""
    import shutil

    try:
        room = shutil.disk_usage(path.resolve().parent).free
        free = f"{room / 2**20:,.1f} MB free" if room >= 2**20 else f"{room // 1024} KB free"
    except OSError:
        free = "free space unknown"
    return (
        f"the disk holding the journal {path} is full ({free}): the journal cannot record "
        "what is sent, so backfill stopped sending. Everything it recorded is kept. Free some "
        "space on that disk (or move the journal and its -wal file to a disk with room, and "
        "point --journal or the journal: key at it), then run the same command again: it "
        "sends only what the journal does not show as sent, and an action whose outcome "
        "could not be recorded is sent again and flagged resent_uncertain"
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
    if "full" in text:  # SQLITE_FULL: "database or disk is full"
        return disk_full(path)
    if "readonly" in text or "unable to open" in text or "disk" in text:
        return (
            f"cannot write the journal {path} ({text}); choose a writable place "
            "with --journal or the journal: key"
        )
    return f"journal {path}: {text}"
