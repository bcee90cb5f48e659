"""run.log: one line per request (written by the ApiSession) and the run's milestones.

A full disk or a read-only folder must not turn into a "Logging error" block per request,
nor keep the journal from being closed: run.log stops at its first write error and says so.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from pathlib import Path

from backfill.redact import redact


class RunLogHandler(logging.FileHandler):
    """run.log's handler: on the first write error it stops writing and remembers why."""

    failed: OSError | None = None

    def handleError(self, record: logging.LogRecord) -> None:
        exc = sys.exc_info()[1]
        if self.failed is None and isinstance(exc, OSError):
            self.failed = exc
        self.setLevel(logging.CRITICAL + 1)  # nothing more: one failure says it all


class _RedactingFormatter(logging.Formatter):
    """run.log's lines pass the one redaction step, like every text backfill writes."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def run_logger(path: Path, run_id: str) -> logging.Logger:
    """run.log: one line per request (from the ApiSession) plus the run's own milestones."""
    logger = logging.getLogger(f"backfill.run.{run_id}")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = RunLogHandler(path, encoding="utf-8")
    handler.setFormatter(_RedactingFormatter("%(asctime)s %(message)s"))
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
