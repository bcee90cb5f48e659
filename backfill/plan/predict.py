"""What CustomerGauge will show per case once the plan is sent: cases.csv.

Each case's to-send actions are replayed from "no status" the way CustomerGauge does, at the
times it reads from the texts sent (backfill/plan/api_zone.py tenant_times):
open → progress stamps the follow-up time, progress → closed the close time, and closed →
open or closed → progress (a re-open) clears both. The rows are in timeline order, so each
figure is a groupby over the case.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from backfill.codes import Code
from backfill.config import Config
from backfill.errors import Severity
from backfill.model import (
    CASE,
    CASE_KEY,
    HAPPENED_TS,
    OUTCOME,
    RESPONSE_TS,
    SEND_ASSIGNEE,
    STATUS,
)
from backfill.plan.api_zone import tenant_times
from backfill.plan.timeline import in_case
from backfill.plan.times import format_times
from backfill.plan.validation import problems_where

CASE_COLUMNS = [
    "number_customergauge",
    "actions",
    "to_send",
    "first_at",
    "last_at",
    "final_status",
    "final_assignee",
    "response_at",
    "follow_up_at",
    "closed_at",
    "time_to_follow_up_h",
    "time_to_close_h",
    "reopens",
]

_REOPEN_MESSAGE = " re-opens the closed case: CustomerGauge clears its follow-up and close times"


def predict(frame: pd.DataFrame, config: Config) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """The cases table (one row per case, in send order, indexed by CASE_KEY) and the
    timeline warnings (re-opens, cases ending without a follow-up or close time)."""
    needed = [CASE, CASE_KEY, HAPPENED_TS, OUTCOME, RESPONSE_TS, SEND_ASSIGNEE, STATUS]
    has_case = in_case(frame)
    # every time as the tenant reads the text sent (a repeated wall-clock time: its earlier
    # instant), so the hours are those CustomerGauge will compute
    read = tenant_times(frame, config.api.timezone)
    rows = frame[needed].assign(**{HAPPENED_TS: read})
    rows = rows if has_case.all() else rows[has_case]
    case = rows[CASE_KEY]
    to_send = rows[OUTCOME].eq("")
    sent = rows if to_send.all() else rows[to_send]
    sent_case = sent[CASE_KEY]
    status = sent[STATUS]
    previous = status.groupby(sent_case).shift(1)
    stamp_follow_up = previous.eq("open") & status.eq("progress")
    stamp_close = previous.eq("progress") & status.eq("closed")
    clear = previous.eq("closed") & status.isin(["open", "progress"])

    cases = pd.DataFrame(index=pd.Index(case.unique(), name=CASE_KEY))
    position = pd.Series(np.arange(len(sent)), index=sent.index)

    def last_where(flag: pd.Series) -> pd.Series:  # per case, position of its last flagged row
        return position[flag].groupby(sent_case[flag]).max().reindex(cases.index)

    last_clear = last_where(clear).fillna(-1)
    follow_up_at = last_where(stamp_follow_up)
    close_at = last_where(stamp_close)
    follow_set = follow_up_at.gt(last_clear)
    close_set = close_at.gt(last_clear)
    happened = sent[HAPPENED_TS].reset_index(drop=True)

    def happened_at(at: pd.Series, is_set: pd.Series) -> pd.Series:
        chosen = at.where(is_set).dropna().astype(np.int64)
        taken = happened.take(chosen.to_numpy())
        return pd.Series(taken.array, index=chosen.index).reindex(cases.index)

    last_rows = sent.groupby(sent_case).tail(1)
    last_sent = last_rows.set_index(CASE_KEY)
    last_label = pd.Series(last_rows.index, index=last_sent.index)
    named = sent[sent[SEND_ASSIGNEE].ne("")]
    all_rows = rows.groupby(case)
    cases["case"] = all_rows[CASE].first()
    cases["actions"] = all_rows.size()
    cases["to_send"] = sent_case.value_counts().reindex(cases.index, fill_value=0)
    cases["first_ts"] = all_rows[HAPPENED_TS].min()
    cases["last_ts"] = all_rows[HAPPENED_TS].max()
    cases["final_status"] = last_sent[STATUS].reindex(cases.index).fillna("")
    cases["final_assignee"] = (
        named.groupby(named[CASE_KEY])[SEND_ASSIGNEE].last().reindex(cases.index).fillna("")
    )
    cases["response_ts"] = all_rows[RESPONSE_TS].first()  # (first() skips NaT)
    cases["follow_up_ts"] = happened_at(follow_up_at, follow_set)
    cases["closed_ts"] = happened_at(close_at, close_set)
    cases["reopens"] = clear.groupby(sent_case).sum().reindex(cases.index, fill_value=0)

    reopen_message = "closed → " + status[clear].astype(object) + _REOPEN_MESSAGE
    reopen = problems_where(clear, Code.REOPEN, reopen_message, "status", Severity.WARNING)
    ends_open = cases["final_status"].isin(["progress", "closed"])
    warnings = [reopen]
    for no_time, code, text in (
        (
            ends_open & ~follow_set,
            Code.NO_FOLLOW_UP_TIME,
            "follow-up time (no open → progress step)",
        ),
        (
            cases["final_status"].eq("closed") & ~close_set,
            Code.NO_CLOSE_TIME,
            "close time (no progress → closed step)",
        ),
    ):
        flags = pd.Series(
            frame.index.isin(last_label.reindex(no_time[no_time].index)), index=frame.index
        )
        state = "" if code == Code.NO_CLOSE_TIME else "in progress or closed "
        warnings.append(
            problems_where(
                flags,
                code,
                "case "
                + frame.loc[flags, CASE].astype(object)
                + f" ends {state}without a {text}: CustomerGauge will leave it empty",
                "status",
                Severity.WARNING,
            )
        )
    return _cases_table(cases, config.api.timezone), warnings


def _cases_table(cases: pd.DataFrame, zone: str) -> pd.DataFrame:
    def text(column: str) -> pd.Series:
        return format_times(cases[column].astype("datetime64[us, UTC]"), zone)

    return pd.DataFrame(
        {
            "number_customergauge": cases["case"].astype(object),
            "actions": cases["actions"].astype(np.int64),
            "to_send": cases["to_send"].astype(np.int64),
            "first_at": text("first_ts"),
            "last_at": text("last_ts"),
            "final_status": cases["final_status"].astype(object),
            "final_assignee": cases["final_assignee"].astype(object),
            "response_at": text("response_ts"),
            "follow_up_at": text("follow_up_ts"),
            "closed_at": text("closed_ts"),
            "time_to_follow_up_h": whole_hours(cases["follow_up_ts"] - cases["response_ts"]),
            "time_to_close_h": whole_hours(cases["closed_ts"] - cases["response_ts"]),
            "reopens": cases["reopens"].astype(np.int64),
        },
        index=cases.index,
    )


def whole_hours(delta: pd.Series) -> pd.Series:
    """Time spans in whole hours, rounded down (as CustomerGauge shows them); <NA> if unknown."""
    hours: pd.Series = delta.dt.floor("h").div(pd.Timedelta(hours=1)).astype("Int64")
    return hours
