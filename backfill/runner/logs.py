"""run.log: one line per request (written by the ApiSession) and the run's milestones."""

from __future__ import annotations

import logging
from pathlib import Path


def run_logger(path: Path, run_id: str) -> logging.Logger:
    """run.log: one line per request (from the ApiSession) plus the run's own milestones."""
    logger = logging.getLogger(f"backfill.run.{run_id}")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    logger.addHandler(handler)
    return logger


def close_logger(logger: logging.Logger) -> None:
    for handler in list(logger.handlers):
        handler.close()
        logger.removeHandler(handler)
