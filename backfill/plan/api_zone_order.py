"""Each case's order through the hour api.timezone repeats in autumn (api_zone.py).

Every row whose sent text is a repeated wall-clock time carries a warning naming both
instants (`ambiguous-api-time`). The order rule holds for any tenant that reads a wall-clock
time one way throughout (the earlier instant, as PHP and the sandbox do, or the later): a
case's sent texts, compared as wall-clock times, keep the plan's order, and two texts are
equal only where the plan has one instant (a tie between two instants is one the tenant
could order either way). Only an action in the second pass of a repeated hour can break it,
against an action of its case in the first pass whose text is no earlier; and a text of the
second pass, read as the first, can fall before the case's survey response date. Either is
`order-lost-in-api-zone`: a row error (the rest of the case is then blocked as after any
invalid row), unless `validation.ambiguous_api_times: shift`, which sends the case's later
actions at the first time after the repeated hour, one second apart while they would tie,
each listed (`api-time-shifted`). Only rows in a repeated hour are looked at one by one.
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
    CASE_SEQ,
    HAPPENED_AT,
    HAPPENED_TS,
    OUTCOME,
    RESPONSE_TS,
    ROW,
    SOURCE,
    TIME_FORMAT,
)
from backfill.plan.api_zone import fold_rows
from backfill.plan.times import format_times
from backfill.plan.validation import empty_problems, problems_where

_SECOND = np.int64(1_000_000)  # in the microseconds of datetime64[us]


def fold_problems(frame: pd.DataFrame, config: Config, *, multi_source: bool) -> list[pd.DataFrame]:
    """The warnings and errors of times sent in a repeated hour of api.timezone.

    `frame` is in send order with CASE_SEQ and OUTCOME; rows already invalid are left out of
    the order check (they are not sent). Lost rows become invalid (reject), or their sent
    text moves past the repeated hour (shift: HAPPENED_AT is rewritten, never HAPPENED_TS,
    which the identity and the journal keep).
    """
    zone = config.api.timezone
    folds = fold_rows(frame[HAPPENED_TS], zone)
    if folds.empty:
        return []
    lost = _lost(frame, folds)
    shift = config.validation.ambiguous_api_times == "shift"
    found: list[pd.DataFrame] = []
    if len(lost) and shift:
        sent = _shifted(frame, folds, lost)
        found.append(_shift_warnings(frame, folds, sent, zone))
        frame.loc[sent.index, HAPPENED_AT] = format_times(sent, zone)
        folds = folds.drop(sent.index.intersection(folds.index))
    elif len(lost):
        found.append(_lost_errors(frame, folds, lost, zone, multi_source=multi_source))
        frame.loc[lost.index, OUTCOME] = "invalid"
    found.append(_ambiguous_warnings(frame, folds, zone))
    return found


def _lost(frame: pd.DataFrame, folds: pd.DataFrame) -> pd.DataFrame:
    """The to-send rows whose sent text loses their case's order, indexed by label: `other`
    (the label of the action they read as no later than, -1 for the response date)."""
    todo = frame[OUTCOME].eq("") & frame[CASE_SEQ].gt(0)
    rows = folds[todo.reindex(folds.index).to_numpy(dtype=bool)]
    rows = rows.assign(case=frame.loc[rows.index, CASE_KEY].to_numpy())
    earlier = rows[~rows["later"]].sort_values("local", kind="stable").rename_axis("label")
    latest = earlier.reset_index().groupby(["case", "fold"]).last()  # the first pass's latest
    later = rows[rows["later"]]
    keys = pd.MultiIndex.from_frame(later[["case", "fold"]])
    bound = latest.reindex(keys)
    reads_before = later["local"].to_numpy() <= bound["local"].to_numpy()
    reads_before &= bound["local"].notna().to_numpy()
    response = frame.loc[later.index, RESPONSE_TS]
    before_response = later["first"].lt(response).to_numpy(dtype=bool)
    other = np.where(reads_before, bound["label"].fillna(-1).to_numpy(), -1).astype(np.int64)
    lost = reads_before | before_response
    return pd.DataFrame({"other": other[lost]}, index=later.index[lost])


def _shifted(frame: pd.DataFrame, folds: pd.DataFrame, lost: pd.DataFrame) -> pd.Series:
    """The instants the shifted rows are sent at, by label (only rows whose instant moves).

    In each case with a lost row, every to-send action from its first lost one on in the same
    repeated hour (second pass) moves to the end of that hour; then each action keeps at
    least one second after the one before (equal instants stay equal), so moved actions
    never tie, nor run past an action that followed them.
    """
    todo = frame[OUTCOME].eq("") & frame[CASE_SEQ].gt(0) & frame[HAPPENED_TS].notna()
    keys = frame.loc[lost.index, CASE_KEY]
    lost_folds = pd.DataFrame({"case": keys.to_numpy(), "fold": folds.loc[lost.index, "fold"]})
    starts = (
        lost_folds.assign(at=frame.loc[lost.index, HAPPENED_TS].to_numpy())
        .groupby(["case", "fold"])["at"]
        .min()
    )
    later = folds[folds["later"] & todo.reindex(folds.index).to_numpy(dtype=bool)]
    later_keys = pd.MultiIndex.from_arrays([frame.loc[later.index, CASE_KEY], later["fold"]])
    start = starts.reindex(later_keys).to_numpy()
    at = frame.loc[later.index, HAPPENED_TS].to_numpy()
    is_moved = ~pd.isna(start) & (at >= start)
    target = pd.Series(later["end"].to_numpy()[is_moved], index=later.index[is_moved])

    rows = frame.loc[todo & frame[CASE_KEY].isin(keys.unique()), [CASE_KEY, HAPPENED_TS]]
    first_moved = frame.loc[target.index, HAPPENED_TS].groupby(frame.loc[target.index, CASE_KEY])
    begin = rows[CASE_KEY].map(first_moved.min())
    rows = rows[rows[HAPPENED_TS].ge(begin)].sort_values([CASE_KEY, HAPPENED_TS], kind="stable")
    wanted = target.reindex(rows.index).fillna(rows[HAPPENED_TS])
    micros = wanted.astype("datetime64[us, UTC]").dt.tz_localize(None).astype("int64")
    step = rows.groupby(CASE_KEY)[HAPPENED_TS].rank(method="dense").astype("int64") - 1
    slack = (micros - step * _SECOND).groupby(rows[CASE_KEY]).cummax()
    sent = pd.to_datetime(slack + step * _SECOND, unit="us", utc=True)
    sent = sent.astype("datetime64[us, UTC]")
    return sent[sent.ne(rows[HAPPENED_TS])].sort_index()


def _ambiguous_warnings(frame: pd.DataFrame, folds: pd.DataFrame, zone: str) -> pd.DataFrame:
    if folds.empty:
        return empty_problems()
    later = folds["later"].to_numpy(dtype=bool)
    whose = np.where(
        later,
        ", this action's time; the KPI preview counts with the first, as PHP reads such a time",
        ", the first being this action's time",
    )
    message = (
        "sent as "
        + _text(folds["local"])
        + f" ({zone}), a time the clocks show twice: it names "
        + _named(folds["first"], folds["local"])
        + " and "
        + _named(folds["second"], folds["local"])
        + whose
    )
    mask = pd.Series(frame.index.isin(folds.index), index=frame.index)
    return problems_where(mask, Code.AMBIGUOUS_API_TIME, message, "happened_at", Severity.WARNING)


def _lost_errors(
    frame: pd.DataFrame, folds: pd.DataFrame, lost: pd.DataFrame, zone: str, *, multi_source: bool
) -> pd.DataFrame:
    rows = folds.loc[lost.index]
    other = lost["other"].to_numpy()
    against = other >= 0
    other_labels = np.where(against, other, lost.index.to_numpy())
    names = _row_names(frame.loc[other_labels], multi_source)
    other_local = frame.loc[other_labels, HAPPENED_TS].dt.tz_convert(zone).dt.tz_localize(None)
    other_text = (
        names.to_numpy()
        + "'s "
        + _text(other_local).to_numpy()
        + " ("
        + _utc(frame.loc[other_labels, HAPPENED_TS]).to_numpy()
        + ")"
    )
    response = frame.loc[lost.index, RESPONSE_TS]
    why = np.where(
        against,
        "reads no later than " + other_text,
        "reads as early as "
        + _utc(rows["first"]).to_numpy()
        + ", before the survey response date "
        + _utc(response).fillna("").to_numpy(),  # (only where it is known)
    )
    case = frame.loc[lost.index, CASE].astype(object)
    message = (
        "sent as "
        + _text(rows["local"])
        + f" ({zone}), this action ("
        + _utc(frame.loc[lost.index, HAPPENED_TS])
        + ") "
        + pd.Series(why, index=lost.index)
        + ": the clocks show that hour twice, so CustomerGauge would put case "
        + case
        + "'s times out of order; set api.timezone: UTC if your tenant allows it, or "
        "validation.ambiguous_api_times: shift to send it at "
        + _text(rows["end"].dt.tz_convert(zone).dt.tz_localize(None))
        + ", the first time after the repeated hour"
    )
    mask = pd.Series(frame.index.isin(lost.index), index=frame.index)
    return problems_where(mask, Code.ORDER_LOST_IN_API_ZONE, message, "happened_at")


def _shift_warnings(
    frame: pd.DataFrame, folds: pd.DataFrame, sent: pd.Series, zone: str
) -> pd.DataFrame:
    true = frame.loc[sent.index, HAPPENED_TS]
    local = true.dt.tz_convert(zone).dt.tz_localize(None)
    sent_local = sent.dt.tz_convert(zone).dt.tz_localize(None)
    in_fold = sent.index.isin(folds.index)
    late = (sent - true).dt.total_seconds().astype("int64").astype(str)
    case = frame.loc[sent.index, CASE].astype(object)
    because = np.where(
        in_fold,
        ", a time the clocks show twice: sent as "
        + _text(sent_local).to_numpy()
        + ", after the repeated hour, so that CustomerGauge keeps case "
        + case.to_numpy()
        + "'s order",
        ": sent as "
        + _text(sent_local).to_numpy()
        + ", "
        + late.to_numpy()
        + " s later, to stay after case "
        + case.to_numpy()
        + "'s actions moved out of the repeated hour",
    )
    message = (
        "happened at "
        + _utc(true)
        + ", "
        + _text(local)
        + f" in {zone}"
        + pd.Series(because, index=sent.index)
        + " (validation.ambiguous_api_times: shift)"
    )
    mask = pd.Series(frame.index.isin(sent.index), index=frame.index)
    return problems_where(mask, Code.API_TIME_SHIFTED, message, "happened_at", Severity.WARNING)


def _text(local: pd.Series) -> pd.Series:
    """Wall-clock times as the API writes them."""
    text: pd.Series = local.dt.strftime(TIME_FORMAT).astype(object)
    return text


def _utc(instants: pd.Series) -> pd.Series:
    text: pd.Series = instants.dt.tz_convert("UTC").dt.strftime(f"{TIME_FORMAT} UTC")
    return text.astype(object)


def _named(instants: pd.Series, local: pd.Series) -> pd.Series:
    """An instant with the offset that makes `local` of it: "2023-10-29 00:15:00 UTC (+02:00)"."""
    minutes = ((local - instants.dt.tz_localize(None)).dt.total_seconds() // 60).astype("int64")
    sign = np.where(minutes < 0, "-", "+")
    hours, rest = np.divmod(np.abs(minutes.to_numpy()), 60)
    offset = [f"{s}{h:02d}:{m:02d}" for s, h, m in zip(sign, hours, rest, strict=True)]
    return _utc(instants) + " (" + pd.Series(offset, index=instants.index, dtype=object) + ")"


def _row_names(frame: pd.DataFrame, multi_source: bool) -> pd.Series:
    """'row 12' (or 'orders.csv row 12' when several files are planned together)."""
    rows = "row " + frame[ROW].astype(str).astype(object)
    if multi_source:
        return frame[SOURCE].astype(object) + " " + rows
    return rows
