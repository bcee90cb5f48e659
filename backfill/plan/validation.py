"""Row checks: each rule turns a boolean mask into problem records, vectorised.

Problems are collected as small DataFrames with the columns of PROBLEM_COLUMNS (the row's
label in the plan frame, a stable kebab-case code, a message for people, the column and the
severity) and only become `Problem` objects when someone asks for them: a million-row file
with a warning on every row must not build a million Python objects to be planned.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import numpy as np
import pandas as pd

from backfill.config import Config
from backfill.model import (
    ASSIGNEE,
    CASE,
    CASE_KEY,
    HAPPENED_AT,
    HAPPENED_TS,
    IN_CASE,
    NOTE,
    RESPONSE_TS,
)
from backfill.plan import normalise, vocabulary

PROBLEM_COLUMNS = ["label", "code", "message", "field", "severity"]
ERROR = "error"
WARNING = "warning"

# stable codes (docs and tests refer to them)
MISSING_ID = "missing-id"
UNKNOWN_STATUS = "unknown-status"
FUTURE_TIME = "future-time"
BEFORE_RESPONSE = "before-response"
MISSING_RESPONSE_DATE = "missing-response-date"
BAD_RESPONSE_DATE = "bad-response-date"
RESPONSE_DATE_CONFLICT = "response-date-conflict"
BAD_ASSIGNEE = "bad-assignee"
DUPLICATE = "duplicate"
TRANSITION_NOT_ALLOWED = "transition-not-allowed"
NOTE_REQUIRED = "note-required"
BLOCKED = "blocked"
FILE_ORDER = "file-order"
REOPEN = "reopen"
NO_FOLLOW_UP_TIME = "no-follow-up-time"
NO_CLOSE_TIME = "no-close-time"


def problems_where(
    mask: pd.Series,
    code: str,
    message: str | pd.Series,
    field: str | None,
    severity: str = ERROR,
) -> pd.DataFrame:
    """Problem rows for the labels where `mask` is true (message: one text or one per row)."""
    labels = mask.index[mask.to_numpy(dtype=bool)]
    if isinstance(message, pd.Series):
        messages = message.reindex(labels).astype(object).to_numpy()
    else:
        messages = normalise.filled_texts(len(labels), message)
    index = pd.RangeIndex(len(labels))
    return pd.DataFrame(
        {
            "label": labels.to_numpy(),
            "code": text_column(code, index),
            "message": text_column(messages, index),
            "field": text_column(field or "", index),
            "severity": text_column(severity, index),
        },
        columns=PROBLEM_COLUMNS,
    )


def text_column(values: np.ndarray | str, index: pd.Index) -> pd.Series:
    """Text cells (an array, or one text for every row) as an object column for `index`.

    Assigned as a bare array, pandas 3 would give the column its "str" dtype, checking every
    cell to do so, and its comparisons are slower than those of objects.
    """
    if isinstance(values, str):
        values = normalise.filled_texts(len(index), values)
    return pd.Series(values, index=index, dtype=object, copy=False)


def empty_problems() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=object) for name in PROBLEM_COLUMNS})


CaseKeys = tuple[np.ndarray, np.ndarray]  # normalise.case_keys: per-row key, sorted ids


def normalise_keys_and_times(
    frame: pd.DataFrame,
    columns: dict[str, str],
    config: Config,
    case_keys: Callable[[], CaseKeys] | None = None,
) -> tuple[pd.DataFrame, list[pd.DataFrame], normalise.ParsedTimes]:
    """The fields that decide the send order: case (CASE, CASE_KEY, IN_CASE) and time
    (HAPPENED_TS, _time_code). Problems: [missing id, *time problems]. The parsed times are
    returned too: their text (HAPPENED_AT) is made later, for the rows that need it.

    `case_keys`, when given, returns what normalise.case_keys gives for the id cells (made
    elsewhere, e.g. in another process while this one parses the times: it is called last).
    """
    cfg = config.input
    found: list[pd.DataFrame] = []

    time_column = columns.get("happened_at", "happened_at")
    raw_times = input_cells(frame, columns, "happened_at")
    times = normalise.parse_times(
        raw_times,
        zone=cfg.timezone,
        output_zone=config.api.timezone,
        date_format=cfg.date_format,
        dayfirst=cfg.dayfirst,
    )
    frame[HAPPENED_TS] = times.utc
    problem_codes = set(pd.unique(times.code)) - {""}
    for code in (normalise.BAD, normalise.NONEXISTENT, normalise.AMBIGUOUS, normalise.MISSING):
        if code not in problem_codes:
            continue
        mask = times.code.eq(code)
        if code == normalise.MISSING and not config.validation.require_happened_at:
            continue
        if mask.any():
            flagged = raw_times[mask.to_numpy()].astype(str)  # messages for these rows only
            messages = {
                v: normalise.time_message(code, v, cfg.timezone, cfg.date_format)
                for v in pd.unique(flagged)
            }
            found.append(
                problems_where(mask, code, flagged.map(messages).astype(object), time_column)
            )
    frame["_time_code"] = times.code
    times.prepare_text()  # (while the case keys may still be in the making elsewhere)

    id_column = columns.get("number_customergauge", "number_customergauge")
    if case_keys is None:
        keys, ids = normalise.case_keys(input_cells(frame, columns, "number_customergauge"))
    else:
        keys, ids = case_keys()
    frame[CASE_KEY] = keys
    # the case ids as a categorical whose codes are the keys: no text per row is made here
    # (a million scattered references cost a tenth of a second); plan.finish_plan makes
    # the text column once the rows are in send order, one string object per case
    frame[CASE] = pd.Categorical.from_codes(keys, categories=ids)
    frame[IN_CASE] = (ids != "")[keys]
    missing_id = problems_where(
        ~frame[IN_CASE],
        MISSING_ID,
        f"the case id ({id_column}) is empty; every row needs the number_customergauge "
        "of its survey response",
        id_column,
    )
    return frame, [missing_id, *found], times


def normalise_status(
    raw_status: pd.Series, columns: dict[str, str], config: Config
) -> tuple[pd.Series, pd.DataFrame]:
    """STATUS from the status cells, and the unknown-status problems (labels = positions)."""
    status, bad_status = normalise.normalise_statuses(
        raw_status, config.input.status_map, extended=config.api.extended_statuses
    )
    if not bad_status.any():
        return status, empty_problems()
    flagged = raw_status[bad_status.to_numpy()]  # messages for these rows only
    hints = {v: vocabulary.status_hint(v) for v in pd.unique(flagged)}
    problems = problems_where(
        bad_status,
        UNKNOWN_STATUS,
        flagged.map(hints).astype(object),
        columns.get("status", "status"),
    )
    return status, problems


def normalise_notes_and_assignees(
    frame: pd.DataFrame, columns: dict[str, str], config: Config
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add NOTE and ASSIGNEE; the bad-assignee problems (labels = positions in `frame`)."""
    frame[NOTE] = normalise.normalise_notes(input_cells(frame, columns, "note"))
    frame[ASSIGNEE], bad_assignee, assignee_message = normalise.normalise_assignees(
        input_cells(frame, columns, "assignee")
    )
    if not bad_assignee.any():
        return frame, empty_problems()
    column = columns.get("assignee", "assignee")
    return frame, problems_where(bad_assignee, BAD_ASSIGNEE, assignee_message, column)


def input_cells(frame: pd.DataFrame, columns: dict[str, str], field: str) -> pd.Series:
    """The input column mapped to `field`; empty text when the input has none."""
    name = columns.get(field)
    return frame[name] if name is not None else pd.Series("", index=frame.index, dtype=str)


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
        now_text = normalise.format_times(pd.Series([now_ts]), config.api.timezone).iloc[0]
        found.append(
            problems_where(
                future,
                FUTURE_TIME,
                "happened_at "
                + frame.loc[future, HAPPENED_AT].astype(object)
                + f" ({config.api.timezone}) is in the future (now: {now_text}); "
                "the API accepts only past times",
                time_column,
            )
        )
    early = frame[HAPPENED_TS].lt(frame[RESPONSE_TS])
    if early.any():
        response_text = normalise.format_times(frame.loc[early, RESPONSE_TS], config.api.timezone)
        found.append(
            problems_where(
                early,
                BEFORE_RESPONSE,
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
        return problems_where(missing, MISSING_RESPONSE_DATE, message, "response_date")
    return problems_where(flagged, MISSING_RESPONSE_DATE, message + ")", "response_date", WARNING)
