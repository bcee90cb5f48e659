"""The run's reports when the disk says no: one clear error with the right exit status.

A full disk or a read-only output folder must not turn a finished backfill into a traceback
(or hundreds of "Logging error" blocks): the journal already holds every outcome, so the
user needs one paragraph saying what failed, whether anything was sent, and that a re-run
sends nothing twice and writes the reports.
"""

from __future__ import annotations

from pathlib import Path

from backfill.errors import ExitStatus, OutputError


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
