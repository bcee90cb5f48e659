"""Fatal errors (raised) and row problems (collected), and the exit statuses of SPEC.md."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum

from backfill.codes import Code


class ExitStatus(IntEnum):
    """Process exit codes, as promised in SPEC.md."""

    OK = 0
    ROWS_FAILED = 1
    USAGE = 2
    ABORTED = 3


class BackfillError(Exception):
    """A problem that stops the command; its message is shown to the user as is."""

    exit_status: ExitStatus = ExitStatus.USAGE

    def __init__(self, *args: object, exit_status: ExitStatus | None = None) -> None:
        # `exit_status`: where the situation, not the kind of error, decides it (a run that
        # may have sent something exits 3: backfill/runner/finish.py exit_status)
        super().__init__(*args)
        if exit_status is not None:
            self.exit_status = exit_status


class ConfigError(BackfillError):
    """The configuration file or an option is wrong."""


class InputError(BackfillError):
    """An input file cannot be read or does not have the expected shape."""


class AuthError(BackfillError):
    """Credentials are missing or refused."""

    exit_status = ExitStatus.ABORTED


class JournalError(BackfillError):
    """The journal cannot be opened or is inconsistent."""


class OutputError(BackfillError):
    """The reports or the run log cannot be written (full disk, read-only folder).

    Exit 2 when nothing was sent yet; a run that may have sent something exits 3.
    """


class AbortedError(BackfillError):
    """The run was stopped before it finished (outage, interrupt)."""

    exit_status = ExitStatus.ABORTED


class Severity(StrEnum):
    """How much a row problem weighs. A StrEnum: a member equals its text in frames and files."""

    ERROR = "error"  # the row is not sent
    WARNING = "warning"  # sent, but worth a look


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found on one input row: collected and reported, never raised.

    `code` is a member of the register (backfill/codes.py: ``unknown-status``); `message` is
    for people, about this row. `severity` says whether the row is still sent (`Severity`).
    """

    code: Code
    message: str
    source: str = ""
    row: int | None = None
    field: str | None = None
    severity: Severity = Severity.ERROR
