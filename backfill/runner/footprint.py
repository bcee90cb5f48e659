"""What a run leaves on disk besides its reports: run.log, and nothing at all when refused.

A run refused before it sends (no confirmation, missing credentials, a plan v4.1 cannot
keep) leaves nothing behind: the report folder and journal it created are taken away again.
Only what did not exist before the run is removed: an existing folder keeps everything but
the files this run added, an existing journal is never touched.

run.log: one line per request (written by the ApiSession) and the run's milestones. A full
disk or a read-only folder must not turn into a "Logging error" block per request, nor keep
the journal from being closed: run.log stops at its first write error and says so.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import sys
from pathlib import Path

# SQLite's and the journal's companions of a journal file
_JOURNAL_COMPANIONS = ("-wal", "-shm", "-journal", ".lock")


def first_missing(path: Path) -> Path | None:
    """The outermost of `path` and its parents that does not exist: what creating `path`
    creates. None when `path` exists."""
    missing = None
    for candidate in [path, *path.parents]:
        if candidate.exists():
            break
        missing = candidate
    return missing


class Footprint:
    """What a run is about to create: its report folder and its journal (call before)."""

    def __init__(self, out_dir: Path, journal: Path) -> None:
        self.out_dir = out_dir
        self.journal = journal
        self.new_folder = first_missing(out_dir)
        self.new_journal = first_missing(journal)
        self.old_files = set(out_dir.iterdir()) if out_dir.is_dir() else set()

    def remove(self) -> None:
        """Take away what the run created (its files closed)."""
        if self.new_journal is not None:
            _remove(self.new_journal)
            if self.new_journal == self.journal:
                for suffix in _JOURNAL_COMPANIONS:
                    _remove(self.journal.with_name(self.journal.name + suffix))
        if self.new_folder is not None:
            _remove(self.new_folder)
        elif self.out_dir.is_dir():
            for path in set(self.out_dir.iterdir()) - self.old_files:
                _remove(path)


def _remove(path: Path) -> None:
    """Best effort: the error that refused the run is the one to report, not this one."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


class RunLogHandler(logging.FileHandler):
    """run.log's handler: on the first write error it stops writing and remembers why."""

    failed: OSError | None = None

    def handleError(self, record: logging.LogRecord) -> None:
        exc = sys.exc_info()[1]
        if self.failed is None and isinstance(exc, OSError):
            self.failed = exc
        self.setLevel(logging.CRITICAL + 1)  # nothing more: one failure says it all


def run_logger(path: Path, run_id: str) -> logging.Logger:
    """run.log: one line per request (from the ApiSession) plus the run's own milestones."""
    logger = logging.getLogger(f"backfill.run.{run_id}")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = RunLogHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    logger.addHandler(handler)
    return logger


def close_logger(logger: logging.Logger) -> OSError | None:
    """Close run.log without ever raising (it runs in `finally`, before the journal closes);
    the write error run.log met, if any."""
    failed: OSError | None = None
    for handler in list(logger.handlers):
        failed = failed or getattr(handler, "failed", None)
        try:
            handler.close()
        except OSError as exc:
            failed = failed or exc
        with contextlib.suppress(Exception):
            logger.removeHandler(handler)
    return failed
