"""Row checks: each rule turns a boolean mask into problem records, vectorised.

Problems are collected as small DataFrames with the columns of PROBLEM_COLUMNS (the row's
label in the plan frame, a `Code` of the register in backfill/codes.py, a message for people
about this row, the column and the severity) and only become `Problem` objects when someone
asks for them: a warning on every row of a large file is one table, not an object per row.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from backfill.codes import Code
from backfill.config import Config
from backfill.errors import Severity
from backfill.model import (
    ASSIGNEE,
    CASE,
    CASE_KEY,
    CONTROL_CHARACTERS,
    CUT_BY_EXCEL,
    HAPPENED_AT,
    HAPPENED_TS,
    IN_CASE,
    NOTE,
    RESPONSE_TS,
    STATUS,
)
from backfill.plan import cells, statuses, times, vocabulary

TIME_CODE = "_time_code"  # working column: the parse_times code of the row

PROBLEM_COLUMNS = ["label", "code", "message", "field", "severity"]


def problems_where(
    mask: pd.Series,
    code: Code,
    message: str | pd.Series,
    field: str | None,
    severity: Severity = Severity.ERROR,
) -> pd.DataFrame:
    """Problem rows for the labels where `mask` is true (message: one text or one per row)."""
    labels = mask.index[mask.to_numpy(dtype=bool)]
    if not len(labels):
        return empty_problems()

    def same(text: str) -> np.ndarray:
        return np.full(len(labels), text, dtype=object)

    messages = (
        message.reindex(labels).to_numpy(dtype=object)
        if isinstance(message, pd.Series)
        else same(message)
    )
    return pd.DataFrame(
        {
            "label": labels.to_numpy(),
            "code": same(code),
            "message": messages,
            "field": same(field or ""),
            "severity": same(severity),
        },
        index=pd.RangeIndex(len(labels)),
    )


def empty_problems() -> pd.DataFrame:
    return _NO_PROBLEMS.copy()  # (copy-on-write: a copy costs nothing until changed)


_NO_PROBLEMS = pd.DataFrame({name: pd.Series(dtype=object) for name in PROBLEM_COLUMNS})


def normalise_cells(
    frame: pd.DataFrame, columns: dict[str, str], config: Config
) -> tuple[pd.DataFrame, list[pd.DataFrame], int]:
    """Add the API values of the input's cells, and the problems found reading them.

    Adds CASE, CASE_KEY (integers that sort as the ids), IN_CASE, STATUS, HAPPENED_TS,
    HAPPENED_AT, TIME_CODE (the parse_times code), NOTE and ASSIGNEE; the problems are
    labelled by the frame's index. Also returns how many times were read without an offset
    (in input.timezone).
    """
    cfg = config.input
    id_column = columns.get("number_customergauge", "number_customergauge")
    keys, ids = cells.case_keys(input_cells(frame, columns, "number_customergauge"))
    frame[CASE_KEY] = keys
    frame[CASE] = pd.Series(ids.take(keys), index=frame.index, dtype="str")
    frame[IN_CASE] = frame[CASE].ne("")
    found = [
        problems_where(
            ~frame[IN_CASE],
            Code.MISSING_ID,
            f"the case id ({id_column}) is empty; every row needs the number_customergauge "
            "of its survey response",
            id_column,
        )
    ]

    found.append(_bad_ids(frame, id_column))
    found.append(_cut_by_excel(frame))
    found.append(_control_characters(frame))
    found.append(_formulas_without_value(frame))

    raw_status = input_cells(frame, columns, "status")
    frame[STATUS], bad_status = statuses.normalise_status(
        raw_status, cfg.status_map, extended=config.api.extended_statuses
    )
    if bad_status.any():
        flagged = raw_status[bad_status]  # messages for these rows only
        hints = {v: vocabulary.status_hint(v) for v in pd.unique(flagged)}
        column = columns.get("status", "status")
        found.append(problems_where(bad_status, Code.UNKNOWN_STATUS, flagged.map(hints), column))

    raw_times = input_cells(frame, columns, "happened_at")
    parsed = times.parse_times(
        raw_times,
        zone=cfg.timezone,
        output_zone=config.api.timezone,
        date_format=cfg.date_format,
        dayfirst=cfg.dayfirst,
        column=columns.get("happened_at", "happened_at"),
    )
    frame[HAPPENED_TS] = parsed.utc
    frame[HAPPENED_AT] = parsed.text
    frame[TIME_CODE] = parsed.code
    unplaced = [Code.NONEXISTENT_LOCAL_TIME, Code.AMBIGUOUS_LOCAL_TIME]  # read, but no one instant
    read = parsed.utc.notna().to_numpy(dtype=bool) | parsed.code.isin(unplaced).to_numpy(dtype=bool)
    offsets = parsed.offset if parsed.offset is not None else np.zeros(len(read), dtype=bool)
    naive_times = int(np.count_nonzero(read & ~offsets))
    time_column = columns.get("happened_at", "happened_at")
    reported = {Code.BAD_TIME, Code.NONEXISTENT_LOCAL_TIME, Code.AMBIGUOUS_LOCAL_TIME}
    if config.validation.require_happened_at:
        reported.add(Code.MISSING_TIME)
    present = set(parsed.code.unique())
    for code in sorted(c for c in reported if c in present):
        mask = parsed.code.eq(code)
        flagged = raw_times[mask].astype(str)  # messages for these rows only
        messages = {
            v: times.time_message(code, v, cfg.timezone, cfg.date_format)
            for v in pd.unique(flagged)
        }
        found.append(problems_where(mask, code, flagged.map(messages), time_column))

    frame[NOTE] = cells.normalise_notes(input_cells(frame, columns, "note"))
    found.append(_not_numbers(frame, id_column))
    found.append(_long_notes(frame, columns.get("note", "note"), config))
    frame[ASSIGNEE], bad_assignee, assignee_message = cells.normalise_assignees(
        input_cells(frame, columns, "assignee")
    )
    if bad_assignee.any():
        column = columns.get("assignee", "assignee")
        found.append(problems_where(bad_assignee, Code.BAD_ASSIGNEE, assignee_message, column))
    return frame, found, naive_times


# a number, not an id: a fraction, or an exponent (Excel's form of a rounded long number)
_NUMBER_NOT_ID = r"[+-]?\d*\.\d+|[+-]?\d+(?:\.\d*)?[eE][+-]?\d+"


def _bad_ids(frame: pd.DataFrame, id_column: str) -> pd.DataFrame:
    """Case ids Excel stored as numbers and so split (70000052.5) or rounded (20 digits)."""
    bad = frame[IN_CASE] & frame[CASE].astype(str).str.fullmatch(_NUMBER_NOT_ID)
    return problems_where(
        bad,
        Code.BAD_ID,
        frame.loc[bad, CASE].map(  # messages for these rows only
            lambda v: (
                f"the case id {v!r} is a number with a fraction or rounded beyond 15 "
                f"digits, not a CustomerGauge number: format the {id_column!r} column as text in "
                "the spreadsheet (or export it as CSV) and read the file again"
            )
        ),
        id_column,
    )


def _not_numbers(frame: pd.DataFrame, id_column: str) -> pd.DataFrame:
    """Ids that cannot be a CustomerGauge number: those are whole numbers (the survey
    response's id, "995262" in the API's documentation, an integer in v4.1), at most 20
    digits (the largest 64-bit integer). Refused before sending: the server would answer 422."""
    ids = frame[CASE].astype(str)
    odd = frame[IN_CASE] & ~ids.str.fullmatch(r"\d{1,20}") & ~ids.str.fullmatch(_NUMBER_NOT_ID)
    return problems_where(
        odd,
        Code.BAD_ID,
        ids[odd].map(
            lambda v: (
                f"the case id {_shown(v)} cannot be a CustomerGauge number (a whole number of "
                f"1 to 20 digits, such as 995262); check the {id_column!r} column: is it the "
                "number_customergauge of the survey response?"
            )
        ),
        id_column,
    )


def _long_notes(frame: pd.DataFrame, note_column: str, config: Config) -> pd.DataFrame:
    """Warn on notes longer than validation.max_note_chars (the API's limit is unknown)."""
    limit = config.validation.max_note_chars
    lengths = frame[NOTE].astype(str).str.len()
    long = lengths.gt(limit)
    return problems_where(
        long,
        Code.NOTE_TOO_LONG,
        lengths[long].map(
            lambda n: (
                f"the note has {n:,} characters, more than validation.max_note_chars "
                f"({limit:,}): the API may refuse it (HTTP 413/422); shorten it, or raise the "
                "setting if your tenant takes it"
            )
        ),
        note_column,
        severity=Severity.WARNING,
    )


def _shown(value: str) -> str:
    """A cell for a message: at most 40 characters of it."""
    return repr(value) if len(value) <= 40 else f"{value[:37]!r}… ({len(value):,} characters)"


def _cut_by_excel(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of a report.xlsx whose text Excel held cut: sending them would lose the rest."""
    if CUT_BY_EXCEL not in frame.columns:
        return empty_problems()
    marks = frame[CUT_BY_EXCEL].fillna("").astype(str)
    return problems_where(
        marks.ne(""),
        Code.CUT_BY_EXCEL,
        marks.map(
            lambda mark: (
                f"report.xlsx holds this row's text cut ({mark.split(', more than')[0]}; an "
                "Excel cell holds 32,767 characters): retry the failures.csv next to it, which "
                "holds the whole text, or shorten the text and clear its too_long_for_excel cell"
            )
        ),
        None,
    )


def _cells_where(
    frame: pd.DataFrame, hit: Callable[[pd.Series], pd.Series], message: Callable[[str, Any], str]
) -> tuple[pd.Series, pd.Series]:
    """Rows where `hit` marks a cell of one of the input's own text columns, and for each
    such row `message(column, cell)` of its first marked cell."""
    flagged = pd.Series(False, index=frame.index)
    messages = pd.Series("", index=frame.index, dtype=object)
    for name in (c for c in frame.columns if not str(c).startswith("_")):
        column = frame[name]
        if not (column.dtype == object or pd.api.types.is_string_dtype(column.dtype)):
            continue
        first = hit(column).fillna(False).astype(bool) & ~flagged
        for label in first.index[first.to_numpy()]:
            messages[label] = message(str(name), column[label])
        flagged |= first
    return flagged, messages


def _control_characters(frame: pd.DataFrame) -> pd.DataFrame:
    """Warn on cells with control characters: sent as they are (report.xlsx stores them in
    Excel's escaped form, so a retry from it sends them unchanged)."""
    flagged, messages = _cells_where(
        frame,
        lambda column: column.astype(str).str.contains(CONTROL_CHARACTERS, regex=True),
        lambda name, _: (
            f"column {name!r} holds a control character (such as NUL, form feed or ESC); it "
            "is sent as it is, and Excel shows it as _x000C_ or the like"
        ),
    )
    return problems_where(
        flagged, Code.CONTROL_CHARACTER, messages, None, severity=Severity.WARNING
    )


def _formulas_without_value(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with a formula no spreadsheet calculated: its cell reads as empty, so the note
    (or status, or time) would silently go missing. Only empty cells can be such formulas."""
    from backfill.read.excel import FormulaWithoutValue

    def hit(column: pd.Series) -> pd.Series:
        empty = column.eq("")
        if isinstance(column.dtype, pd.StringDtype) or not empty.any():
            return empty & False  # (text in pyarrow arrays: plain strings, never formulas)
        formula = column[empty].map(lambda v: type(v) is FormulaWithoutValue).astype(bool)
        return formula.reindex(column.index, fill_value=False)

    flagged, messages = _cells_where(
        frame,
        hit,
        lambda name, cell: (
            f"column {name!r} holds the formula {cell.formula} without a calculated value "
            "(the file was not saved by a spreadsheet program): open it in Excel and save "
            "it, or replace the formula by its value"
        ),
    )
    return problems_where(flagged, Code.FORMULA_WITHOUT_VALUE, messages, None)


def input_cells(frame: pd.DataFrame, columns: dict[str, str], field: str) -> pd.Series:
    """The input column mapped to `field`; empty text when the input has none."""
    name = columns.get(field)
    return frame[name] if name is not None else pd.Series("", index=frame.index, dtype=object)


def time_problems(
    frame: pd.DataFrame, columns: dict[str, str], config: Config, now: datetime
) -> list[pd.DataFrame]:
    """Times in the future and times before the case's survey response date."""
    time_column = columns.get("happened_at", "happened_at")
    found = []
    now_ts = pd.Timestamp(now)
    now_ts = now_ts.tz_localize("UTC") if now_ts.tzinfo is None else now_ts.tz_convert("UTC")
    future = frame[HAPPENED_TS].gt(now_ts)
    if future.any():
        now_text = times.format_times(pd.Series([now_ts]), config.api.timezone).iloc[0]
        found.append(
            problems_where(
                future,
                Code.FUTURE_TIME,
                "happened_at "
                + frame.loc[future, HAPPENED_AT].astype(object)
                + f" ({config.api.timezone}) is in the future (now: {now_text}); "
                "the API accepts only past times",
                time_column,
            )
        )
    early = frame[HAPPENED_TS].lt(frame[RESPONSE_TS])
    if early.any():
        response_text = times.format_times(frame.loc[early, RESPONSE_TS], config.api.timezone)
        found.append(
            problems_where(
                early,
                Code.BEFORE_RESPONSE,
                "happened_at "
                + frame.loc[early, HAPPENED_AT].astype(object)
                + " is before the survey response date "
                + response_text.astype(object)
                + f" ({config.api.timezone}) of case "
                + frame.loc[early, CASE].astype(object)
                + "; the API accepts only times between the response date and now",
                time_column,
            )
        )
    return found


def missing_response_problems(frame: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Cases without a response date: an error on every row (reject) or a warning per case."""
    has_case = frame[IN_CASE] if IN_CASE in frame else frame[CASE].ne("")
    missing = frame[RESPONSE_TS].isna() & has_case
    if not missing.any():
        return empty_problems()
    reject = config.validation.missing_response_date == "reject"
    flagged = missing if reject else missing & ~frame[CASE_KEY].duplicated()
    message = (  # built for the flagged rows only
        "no survey response date for case "
        + frame.loc[flagged, CASE].astype(object)
        + "; happened_at cannot be checked against it (add a response_date column or "
        "responses.file"
    )
    if reject:
        message = message + ", or set validation.missing_response_date: warn)"
        return problems_where(missing, Code.MISSING_RESPONSE_DATE, message, "response_date")
    return problems_where(
        flagged, Code.MISSING_RESPONSE_DATE, message + ")", "response_date", Severity.WARNING
    )


def response_date_problems(
    frame: pd.DataFrame, columns: dict[str, str], unreadable: pd.Series, conflicting: pd.Series
) -> list[pd.DataFrame]:
    """Warnings for response_date cells that cannot be read, and cases with several dates."""
    response_column = columns.get("response_date", "response_date")
    found = []
    if "response_date" in columns and unreadable.any():
        cells = frame.loc[unreadable, response_column].astype(str).astype(object)
        found.append(
            problems_where(
                unreadable,
                Code.BAD_RESPONSE_DATE,
                "cannot read the survey response date "
                + cells.map(repr)
                + "; the case is treated as having none",
                response_column,
                Severity.WARNING,
            )
        )
    if conflicting.any():
        found.append(
            problems_where(
                conflicting,
                Code.RESPONSE_DATE_CONFLICT,
                "case "
                + frame.loc[conflicting, CASE].astype(object)
                + " has several survey response dates; the earliest is used",
                response_column,
                Severity.WARNING,
            )
        )
    return found
