"""The run's own files when the disk says no: run.log that stops quietly, one clear error.

A full disk or a read-only output folder must not turn a finished backfill into a traceback
(or hundreds of "Logging error" blocks): the journal already holds every outcome, so the
user needs one paragraph saying what failed, whether anything was sent, and that a re-run
sends nothing twice and writes the reports.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

from backfill.errors import ExitStatus, OutputError


class RunLogHandler(logging.FileHandler):
    """run.log: on the first write error it stops writing and remembers why."""

    failed: OSError | None = None

    def handleError(self, record: logging.LogRecord) -> None:
        import sys

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
    """Close run.log; never raises (it runs in `finally`, before the journal is closed).

    Returns the write error run.log met, if any.
    """
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


def cannot_write(exc: OSError, out_dir: Path, *, sent: bool, journal: Path | None = None) -> str:
    """One paragraph: which file, why, what was sent, and what to do."""
    where = exc.filename or out_dir
    why = exc.strerror or str(exc)
    if sent:
        done = (
            f"Every outcome is recorded in the journal {journal}: after freeing space or "
            "choosing a writable folder (--out or output.dir), run the same command again; "
            "it sends nothing twice and writes the reports."
        )
    else:
        done = (
            "Nothing was sent. Free some space or choose a writable folder with --out or "
            "output.dir, and run again."
        )
    return f"cannot write {where}: {why}. {done}"


def output_error(
    exc: OSError, out_dir: Path, *, sent: bool, journal: Path | None = None
) -> OutputError:
    error = OutputError(cannot_write(exc, out_dir, sent=sent, journal=journal))
    if sent:
        error.exit_status = ExitStatus.ABORTED
    return error
