"""What a happened_at text in api.timezone means to the tenant: the hour its clocks repeat.

happened_at goes out as "YYYY-mm-dd HH:MM:SS" in api.timezone, without an offset. Where the
clocks go back, such a text names two instants: Europe/Berlin's 2023-10-29 02:15:00 is
00:15 UTC (+02:00) and 01:15 UTC (+01:00). `fold_rows` finds the rows whose instant is
written so (and the two instants, and where that hour ends); api_zone_order.py keeps each
case's order through it.

`tenant_times` reads sent texts the way the tenant does, for the KPI preview (predict.py) and
so for the pilot's and verify's comparisons: a repeated wall-clock time as its earlier
instant, as PHP's DateTime reads it (its DST offset: PHP's "DateTime and Daylight Saving Time
Transitions" RFC) and as the sandbox's Python does (fold=0). The order rule does not depend
on that choice (api_zone_order.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from backfill.model import CASE, HAPPENED_AT, HAPPENED_TS, TIME_FORMAT


def fold_rows(utc: pd.Series, zone: str) -> pd.DataFrame:
    """The rows whose instant, written in `zone`, is a wall-clock time that zone shows twice.

    Columns: `local` (the wall-clock time), `first` and `second` (the two instants it names),
    `later` (the row's own instant is the second), `fold` (the instant the clocks went back)
    and `end` (the first instant after the repeated stretch, whose wall-clock time is the
    first one after it).
    """
    timed = utc.dropna()
    local = timed.dt.tz_convert(zone).dt.tz_localize(None)
    unique = local.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
    local = local[unique.isna()]
    if local.empty:
        return pd.DataFrame(
            columns=["local", "first", "second", "later", "fold", "end"], index=local.index
        )
    first, second = readings(local, zone)
    fold = _fold_instants(first, second, zone)
    return pd.DataFrame(
        {
            "local": local,
            "first": first,
            "second": second,
            "later": timed[local.index].eq(second),
            "fold": fold,
            "end": fold + (second - first),
        },
        index=local.index,
    )


def tenant_times(frame: pd.DataFrame, zone: str) -> pd.Series:
    """The instant the tenant reads from each row's sent text (HAPPENED_AT; where a row has
    none, as the journal's rows, HAPPENED_TS written in `zone`): a repeated wall-clock time is
    read as its earlier instant. NaT where nothing is sent."""
    local: pd.Series = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us]")
    if HAPPENED_TS in frame:
        stamps = frame[HAPPENED_TS].astype("datetime64[us, UTC]")
        local = stamps.dt.tz_convert(zone).dt.tz_localize(None).astype("datetime64[us]")
    if HAPPENED_AT in frame:
        # pyarrow's strptime, a fifth of pandas' time; "" (no time) reads as null
        texts = pa.array(frame[HAPPENED_AT].fillna("").astype("str"), pa.string())
        read_texts = pc.strptime(texts, format=TIME_FORMAT, unit="us", error_is_null=True)
        sent = pd.Series(read_texts.to_numpy(zero_copy_only=False), index=frame.index)
        local = sent.astype("datetime64[us]").where(sent.notna(), local)
    read = local.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")
    repeated = read.isna() & local.notna()
    if repeated.any():
        first, _ = readings(local[repeated], zone)
        read = read.where(~repeated, first)
    tenant: pd.Series = read.astype("datetime64[us, UTC]")
    return tenant


def readings(local: pd.Series, zone: str) -> tuple[pd.Series, pd.Series]:
    """The earlier and the later instant of repeated wall-clock times (as UTC)."""
    marks = np.ones(len(local), dtype=bool)
    one = local.dt.tz_localize(zone, ambiguous=marks).dt.tz_convert("UTC")
    other = local.dt.tz_localize(zone, ambiguous=~marks).dt.tz_convert("UTC")
    # (pandas' DST flag names the earlier pass in every usual zone; min/max whatever it says)
    return one.where(one.le(other), other), one.where(one.gt(other), other)


def _fold_instants(first: pd.Series, second: pd.Series, zone: str) -> pd.Series:
    """When the clocks went back between `first` and `second` (each the two instants of one
    repeated wall-clock time): the first second with the later offset, found by halving."""

    def offsets(seconds: np.ndarray) -> np.ndarray:
        stamps = pd.DatetimeIndex(seconds.astype("datetime64[s]")).tz_localize("UTC")
        wall = stamps.tz_convert(zone).tz_localize(None).as_unit("s").asi8
        return np.asarray(wall - seconds)

    low = first.dt.as_unit("s").astype("int64").to_numpy()  # still the earlier offset
    high = second.dt.as_unit("s").astype("int64").to_numpy()  # already the later offset
    later_offset = offsets(high)
    while (high - low > 1).any():
        middle = low + (high - low) // 2
        moved = offsets(middle) == later_offset
        high = np.where(moved, middle, high)
        low = np.where(moved, low, middle)
    return pd.Series(pd.to_datetime(high, unit="s", utc=True), index=first.index).astype(
        "datetime64[us, UTC]"
    )


def repeated_texts(frame: pd.DataFrame, zone: str) -> pd.Index:
    """The labels of rows whose sent text (HAPPENED_AT) names two instants in `zone`."""
    folds = fold_rows(frame[HAPPENED_TS], zone)
    if folds.empty:
        return folds.index
    written = folds["local"].dt.strftime(TIME_FORMAT)
    unshifted = frame.loc[folds.index, HAPPENED_AT].astype("str").eq(written).to_numpy()
    labels: pd.Index = folds.index[unshifted]
    return labels


def reads_no_later(text: str, newest: str, newest_sent: str | None, zone: str) -> str:
    """Why an action sent as `text`, a wall-clock time `zone` repeats and that happened after
    its case's last accepted action (at `newest`, UTC, sent as `newest_sent` where known),
    could read no later than that one; "" when it cannot. Without the sent text, an action
    of the second pass of the same hour may have been shifted past it by an earlier run.
    """
    last = pd.Series([pd.Timestamp(newest, tz="UTC")]).astype("datetime64[us, UTC]")
    if newest_sent is None:
        folds = fold_rows(last, zone)
        if len(folds) and bool(folds["later"].iloc[0]):
            first, _ = readings(pd.Series([pd.Timestamp(text)]).astype("datetime64[us]"), zone)
            if last.iloc[0] >= first.iloc[0]:
                return (
                    f"happened in the same repeated hour of {zone}, and an earlier run may "
                    "have sent it after that hour (validation.ambiguous_api_times: shift)"
                )
        newest_sent = last.dt.tz_convert(zone).dt.strftime(TIME_FORMAT).iloc[0]
    if newest_sent >= text:  # texts of one fixed format compare as the times they write
        return f"was sent as {newest_sent} ({zone})"
    return ""


def sent_text_at(frame: pd.DataFrame, case: str, utc: str) -> str | None:
    """The text a plan sends for its case's action at `utc` (UTC text); None if it has none."""
    at = pd.Timestamp(utc, tz="UTC")
    rows = frame.loc[frame[CASE].eq(case).to_numpy() & frame[HAPPENED_TS].eq(at).to_numpy()]
    return str(rows[HAPPENED_AT].iloc[0]) if len(rows) else None
