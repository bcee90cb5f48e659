"""The data that flows between the stages: plan rows, actions to send, outcomes, progress.

A plan is a pandas DataFrame with one row per input row (`Plan` in backfill/plan/build.py).
Besides the input's own columns it carries the internal columns below, whose names start
with an underscore so that they never clash with a user's column names.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from backfill.codes import Code, ResultCode

# --- internal plan columns -------------------------------------------------------------
SOURCE = "_source"  # input file name (str)
ROW = "_row"  # spreadsheet row number, header = 1 (int)
CASE = "_case"  # the case's number_customergauge as sent (str; "" when missing): plan/cells.py
STATUS = "_status"  # open | progress | closed, or "0".."99" (v4.1 extended set); "" = unknown
HAPPENED_AT = "_happened_at"  # "YYYY-mm-dd HH:MM:SS" in api.timezone, or "" when absent/invalid
HAPPENED_TS = "_happened_ts"  # the same instant as a tz-aware pandas Timestamp (UTC) or NaT
NOTE = "_note"  # note text verbatim, "" = no note
ASSIGNEE = "_assignee"  # e-mail as given (trimmed), "" = none
SEND_ASSIGNEE = "_send_assignee"  # the assignee actually sent under send.assignee, "" = none
RESPONSE_TS = "_response_ts"  # survey response date of the case (UTC Timestamp) or NaT
CASE_SEQ = "_case_seq"  # 1-based position of the action in its case's timeline; 0 = not placed
OUTCOME = "_outcome"  # "" = to be sent; or "invalid" | "duplicate" | "blocked" decided by the plan
ERROR = "_error"  # "code: message" items joined with " | " (why invalid/blocked/duplicate)
WARNING = "_warning"  # "code: message" items joined with " | " (sent anyway)

# retry: where a retried row first came from, as its failures file names it (the export's
# file and row, however many retries ago); only a retry's plan has these columns
ORIGIN_SOURCE = "_origin_source"
ORIGIN_ROW = "_origin_row"
ORIGIN_COLUMNS = (ORIGIN_SOURCE, ORIGIN_ROW)
# retry of a report.xlsx: which cells Excel held cut ("" = none); the plan makes the row invalid
CUT_BY_EXCEL = "_cut_by_excel"
# report.xlsx's Failures sheet: which cells Excel could not hold whole (retry refuses those rows)
EXCEL_CUT_COLUMN = "too_long_for_excel"
# --- how times and text are written (one definition for every stage) --------------------
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"  # how the API writes times, in api.timezone
# A UTC offset (or Z) that ends a written time: "10:00+02:00", "10:00:00.5Z", "10:00 -0500".
# It must follow the minutes, so that a date alone ("2024-01-05") never reads as "-05".
UTC_OFFSET = re.compile(r"\d:\d\d(?::\d\d(?:\.\d+)?)?\s*(?:Z|[+-]\d\d(?::?\d\d)?)\s*$", re.I)
# What an XLSX worksheet (XML 1.0) cannot hold: C0 controls but tab, line feed and return.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

# working columns while planning (not part of the finished plan)
CASE_KEY = "_case_key"  # the case as an integer; keys sort as the case ids do
IN_CASE = "_in_case"  # the row has a case id (CASE is not "")

INTERNAL_COLUMNS = (
    SOURCE,
    ROW,
    CASE,
    STATUS,
    HAPPENED_AT,
    HAPPENED_TS,
    NOTE,
    ASSIGNEE,
    SEND_ASSIGNEE,
    RESPONSE_TS,
    CASE_SEQ,
    OUTCOME,
    ERROR,
    WARNING,
)


# --- outcomes (SPEC.md) ----------------------------------------------------------------
class Outcome(StrEnum):
    """What happened to one row: the `outcome` column of results.csv (SPEC.md).

    A StrEnum, so a member equals its text (``Outcome.SENT == "sent"``) in frames and files.
    """

    SENT = "sent"
    PARTIAL = "partial"
    FAILED = "failed"
    INVALID = "invalid"
    BLOCKED = "blocked"
    ALREADY_SENT = "already_sent"
    DUPLICATE = "duplicate"
    PENDING = "pending"


OUTCOMES = tuple(Outcome)
FAILURE_OUTCOMES = frozenset({Outcome.FAILED, Outcome.INVALID, Outcome.BLOCKED, Outcome.PENDING})


@dataclass(frozen=True, slots=True)
class Action:
    """One close-loop action ready to send, in its case's order."""

    key: int  # index label of its row in the plan frame; unique within a run
    source: str
    row: int
    case: str
    case_seq: int
    status: str
    happened_at: str | None  # "YYYY-mm-dd HH:MM:SS" in api.timezone
    note: str | None
    assignee: str | None  # what is sent (after send.assignee policy)


@dataclass(slots=True)
class Result:
    """What happened to one plan row in a run.

    `code` is the register's code of what went wrong (backfill/codes.py: ``http-422``,
    ``out-of-order``, ``not-sent``; "" when nothing did), counted in summary.json; `error` is
    the text for people, written to results.csv and failures.csv as it is. What a program
    needs of that text is a field of its own (`refused`), never read back from it.
    """

    key: int
    outcome: Outcome
    http_status: int | None = None
    error: str = ""
    code: ResultCode = ""
    attempts: int = 0
    sent_at: str = ""  # ISO 8601 UTC of the last attempt
    resent_uncertain: bool = False  # re-sent after a crash or a lost answer
    answer_lost: bool = False  # an attempt's answer was lost: the server may have applied it
    # partial: the API's names of the fields it did not apply (v7 ``"assignee": false``);
    # the journal keeps them, and verify expects what CustomerGauge kept
    refused: tuple[str, ...] = ()

    @classmethod
    def blocked(cls, key: int, failed: Action) -> Result:
        """Not sent: `failed`, an earlier action of its case, failed (on_case_failure: block)."""
        earlier = f"row {failed.row} of {failed.source} (an earlier action of case {failed.case})"
        error = f"{Code.BLOCKED}: {earlier} failed"
        return cls(key, Outcome.BLOCKED, error=error, code=Code.BLOCKED)


# --- progress: the library calls on_progress(event); the CLI draws bars (backfill.cli.progress)
@dataclass(frozen=True, slots=True)
class ProgressEvent:
    """How far one stage has come: `done` of `total` `unit`s (total None when unknown)."""

    stage: str
    done: int
    total: int | None
    unit: str
    rate: float | None = None  # requests/s the sending is paced at now (None: not sending)


OnProgress = Callable[[ProgressEvent], None]
Echo = Callable[[str], None]  # a line for the person running the command; the CLI prints it


def no_progress(event: ProgressEvent) -> None:
    """The default callback: report nothing."""
