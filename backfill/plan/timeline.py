"""Each case's timeline: send order, duplicates, blocking, transitions, and the prediction of
what CustomerGauge will show afterwards.

Everything works on the whole plan frame at once. In the send order (`send_order`) the rows
of one case are contiguous and in timeline order, so "the previous action of the case" is a
shift by one within a case and "every action after the first invalid one" a comparison with
a per-case minimum: no Python loop over cases, which keeps 200,000 cases fast.

Send order (documented in the README): cases by their earliest valid time, then by case id;
cases without any valid time after those; within a case by happened_at, equal times
open < progress < closed < extended integer statuses (by number), then file order (the
order of the inputs on the command line, then row number). A case with an action that has
no time (allowed by `validation.require_happened_at: false`) cannot be ordered by time and
is sent in file order. Rows without a case id come last, in file order. Every key is a
value of the row itself, so shuffling the input rows never changes the plan.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from backfill.config import Config
from backfill.model import (
    ASSIGNEE,
    CASE,
    CASE_KEY,
    CASE_SEQ,
    HAPPENED_AT,
    HAPPENED_TS,
    IN_CASE,
    NOTE,
    OUTCOME,
    RESPONSE_TS,
    ROW,
    SEND_ASSIGNEE,
    SOURCE,
    STATUS,
)
from backfill.plan import normalise, per_case
from backfill.plan.validation import (
    BLOCKED,
    DUPLICATE,
    FILE_ORDER,
    NO_CLOSE_TIME,
    NO_FOLLOW_UP_TIME,
    NOTE_REQUIRED,
    REOPEN,
    TRANSITION_NOT_ALLOWED,
    WARNING,
    empty_problems,
    problems_where,
    text_column,
)

TIME_CODE = "_time_code"  # working column: the parse_times code of the row
UNPLACED = "_unplaced"  # working column: the row's time is unusable, so it has no place

_RANK = {"open": 0.0, "progress": 1.0, "closed": 2.0}
_ALLOWED_PROGRESSIVE = {
    ("", "open"),
    ("closed", "open"),
    ("open", "progress"),
    ("progress", "closed"),
}
_LAST = np.iinfo(np.int64).max


ORDER_COLUMNS = (TIME_CODE, IN_CASE, CASE_KEY, HAPPENED_TS, STATUS, SOURCE, ROW)


class SendOrder:
    """The send order of a frame's rows, and what the sorted rows need to know of it."""

    def __init__(
        self,
        order: np.ndarray,
        unplaced: np.ndarray,
        case_codes: np.ndarray,
        file_order_case: np.ndarray,
    ) -> None:
        self.order = order  # positions of the rows, in send order
        self._unplaced = unplaced[order]
        self._codes = case_codes[order]
        self._file_order_case = file_order_case[order]

    def number(self, out: pd.DataFrame) -> None:
        """Add CASE_SEQ, UNPLACED and _file_order_case to `out`, the rows in send order."""
        placed = ~self._unplaced
        sorted_codes = self._codes
        # position within the case = position - position of its first row (rows contiguous)
        positions = np.arange(len(out))
        starts = np.r_[True, sorted_codes[1:] != sorted_codes[:-1]] if len(out) else np.array([])
        first_position = (
            np.maximum.accumulate(np.where(starts, positions, 0)) if len(out) else positions
        )
        out[CASE_SEQ] = np.where(placed, positions - first_position + 1, 0).astype(np.int64)
        out[UNPLACED] = ~placed
        out["_file_order_case"] = self._file_order_case


def send_order(frame: pd.DataFrame, sources: list[str], config: Config) -> SendOrder:
    """The send order of `frame`'s rows; it reads ORDER_COLUMNS only."""
    keys = _OrderKeys(frame, config)
    unplaced, case_codes = keys.unplaced, keys.case_codes
    file_order_case, stamps = keys.file_order_case, keys.stamps
    time_key = np.where(file_order_case, 0, np.where(unplaced, _LAST, stamps))
    rank = np.where(file_order_case, 0, _status_rank(frame[STATUS]))
    if len(set(sources)) > 1:
        source_position = {name: i for i, name in enumerate(sources)}
        source_key = frame[SOURCE].map(source_position).fillna(len(sources))
        source_key = source_key.to_numpy(dtype=np.int64)
    else:
        source_key = np.zeros(len(frame), dtype=np.int64)
    row_key = frame[ROW].to_numpy(dtype=np.int64)

    # The order is (no case, case's first time, case id | unplaced, time | status rank,
    # source, row). Keys that depend on the case only are ranked once per case, and small
    # keys are packed into one integer. Times are whole seconds: in seconds they usually
    # pack with the case too, and one sort pass (ties re-sorted alone) does instead of eight.
    major = keys.case_rank()[case_codes] * 2 + unplaced
    minor = _packed(rank, source_key, row_key)
    timed = time_key != _LAST
    case_and_time = None
    if timed.any() and bool((time_key[timed] % 1_000_000 == 0).all()):
        seconds = time_key // 1_000_000
        seconds[~timed] = seconds[timed].max() + 1  # untimed rows last, as _LAST puts them
        case_and_time = _packed(major, seconds)
    if minor is None:
        order = np.lexsort((row_key, source_key, rank, time_key, major))
    elif case_and_time is None:
        order = np.lexsort((minor, time_key, major))
    else:
        order = _sorted_then_ties(case_and_time, minor)
    return SendOrder(order, unplaced, case_codes, file_order_case)


def _sorted_then_ties(key: np.ndarray, tie_break: np.ndarray) -> np.ndarray:
    """The order np.lexsort((tie_break, key)) gives, in one sort pass over all rows: only
    runs of equal `key` (two actions of a case in the same second, rare) are sorted again,
    by `tie_break`."""
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    tied = ordered[1:] == ordered[:-1]
    if tied.any():
        in_run = np.zeros(len(order), dtype=bool)
        in_run[1:] |= tied
        in_run[:-1] |= tied
        at = np.flatnonzero(in_run)  # whole runs, in key order
        rows = order[at]
        order[at] = rows[np.lexsort((tie_break[rows], key[rows]))]
    return order


class _OrderKeys:
    """The per-row facts the send order is built from (see send_order)."""

    def __init__(self, frame: pd.DataFrame, config: Config) -> None:
        code = frame[TIME_CODE].to_numpy()
        self.no_case = ~in_case(frame).to_numpy()
        allowed_missing = (code == normalise.MISSING) & (not config.validation.require_happened_at)
        self.unplaced = ((code != "") & ~allowed_missing) | self.no_case
        self.case_codes = frame[CASE_KEY].to_numpy(dtype=np.int64)
        codes = self.case_codes
        self.n_keys = int(codes.max()) + 1 if len(codes) else 0
        case_in_file_order = np.bincount(codes, weights=allowed_missing, minlength=self.n_keys) > 0
        self.file_order_case = case_in_file_order[codes] & ~self.no_case
        happened = frame[HAPPENED_TS]
        stamps = happened.dt.tz_localize(None).to_numpy().astype("datetime64[us]").view(np.int64)
        self.stamps = np.where(happened.notna().to_numpy(), stamps, _LAST)

    def case_rank(self) -> np.ndarray:
        """Per case key, its place in the send order: cases with an id first, by their
        earliest usable time, then by id (keys sort as ids do)."""
        n_keys = self.n_keys
        case_first = np.full(n_keys, _LAST, dtype=np.int64)
        np.minimum.at(case_first, self.case_codes, self.stamps)
        case_no_id = np.zeros(n_keys, dtype=bool)
        case_no_id[self.case_codes[self.no_case]] = True
        rank = np.empty(n_keys, dtype=np.int64)
        rank[np.lexsort((np.arange(n_keys), case_first, case_no_id))] = np.arange(n_keys)
        return rank


def case_ranks(frame: pd.DataFrame, config: Config) -> np.ndarray:
    """Per case key (CASE_KEY), the case's place in the send order that send_order makes:
    the cases of a range of ranks are a contiguous stretch of the plan."""
    return _OrderKeys(frame, config).case_rank()


def in_case(frame: pd.DataFrame) -> pd.Series:
    """Rows that have a case id: the working column when the plan made it (comparing a
    million scattered strings with "" costs a fifth of a second each time), else computed."""
    if IN_CASE in frame:
        return frame[IN_CASE]
    return frame[CASE].ne("")


def _packed(*keys: np.ndarray) -> np.ndarray | None:
    """Non-negative integer keys, most significant first, packed into one int64 that sorts
    the same way; None when they could not fit."""
    packed = np.zeros(len(keys[0]), dtype=np.int64)
    span = 1
    for key in reversed(keys):
        low = int(key.min()) if len(key) else 0
        width = (int(key.max()) if len(key) else 0) - low + 1
        if span * width >= 2**62:
            return None
        packed += (key - low) * span
        span *= width
    return packed


def _status_rank(status: pd.Series) -> np.ndarray:
    """open < progress < closed < extended statuses by number < anything else, as small
    integers (ranked once per distinct value)."""
    codes, values = pd.factorize(status.to_numpy(dtype=object))
    ranks = []
    for value in values:
        if value in _RANK:
            ranks.append(_RANK[value])
        elif str(value).isdigit():
            ranks.append(3.0 + int(value) / 100.0)
        else:
            ranks.append(9.0)
    dense = np.unique(np.asarray(ranks, dtype=float), return_inverse=True)[1]
    return dense[codes].astype(np.int64) if len(codes) else np.zeros(0, dtype=np.int64)


def file_order_warnings(frame: pd.DataFrame) -> pd.DataFrame:
    missing = frame["_file_order_case"] & frame[TIME_CODE].eq(normalise.MISSING)
    if not missing.any():
        return empty_problems()
    return problems_where(
        missing,
        FILE_ORDER,
        "no happened_at: sent without a time (CustomerGauge uses the time of sending), and "
        "case " + frame.loc[missing, CASE].astype(object) + " is sent in file order",
        "happened_at",
        WARNING,
    )


def mark_duplicates(frame: pd.DataFrame, zone: str = "UTC") -> pd.DataFrame:
    """Rows identical to an earlier to-send row of the same case become `duplicate`.

    `zone` is api.timezone, the zone of HAPPENED_AT: the same text is the same wall-clock
    time there, so rows can only be identical if they share case and wall-clock time. That
    cheap integer check narrows the text comparison to the few rows that do.
    """
    candidate = (frame[OUTCOME].to_numpy() == "") & (frame[CASE_SEQ].to_numpy() > 0)
    rows = np.flatnonzero(candidate)
    wall = frame[HAPPENED_TS].iloc[rows].dt.tz_convert(zone).dt.tz_localize(None)
    case, ticks = frame[CASE_KEY].to_numpy()[rows], wall.to_numpy().view(np.int64)
    # one integer per (case, wall-clock second) when they fit, else the two columns
    packed = _packed(case, ticks // 1_000_000 - ticks.min() // 1_000_000) if len(rows) else None
    narrow = pd.Series(packed) if packed is not None else pd.DataFrame({"c": case, "t": ticks})
    rows = rows[narrow.duplicated(keep=False).to_numpy()]
    subset = [CASE, STATUS, HAPPENED_AT, NOTE, ASSIGNEE]
    dup = pd.Series(False, index=frame.index)
    if len(rows):
        dup.iloc[rows] = frame.iloc[rows][subset].duplicated(keep="first").to_numpy()
    if not dup.any():
        return empty_problems()
    maybe = pd.Series(False, index=frame.index)
    maybe.iloc[rows] = True
    firsts = frame.loc[maybe & ~dup, [*subset, SOURCE, ROW]]
    matched = frame.loc[dup, subset].reset_index().merge(firsts, on=subset, how="left")
    matched = matched.set_index("index")
    frame.loc[dup, OUTCOME] = "duplicate"
    return problems_where(
        dup,
        DUPLICATE,
        "identical to row "
        + matched[ROW].astype(str).astype(object)
        + " of case "
        + matched[CASE].astype(object)
        + " (same status, time, note and assignee); not sent (validation.duplicates: drop)",
        None,
        "error",
    ).assign(severity="duplicate")


def block_after_invalid(frame: pd.DataFrame, *, multi_source: bool) -> pd.DataFrame:
    """With on_case_failure: block, the actions after a case's first invalid one are blocked.

    Where an invalid action has no usable time, its place is unknown, so the whole case is.
    """
    has_case = in_case(frame)
    invalid = frame[OUTCOME].eq("invalid") & has_case
    if not invalid.any():
        return empty_problems()
    seq = frame[CASE_SEQ]
    bad_seq = seq.where(invalid & seq.gt(0))
    first_bad = bad_seq.groupby(frame[CASE_KEY]).transform("min")
    unplaced_bad = invalid & frame[UNPLACED]
    case_unplaced = unplaced_bad.groupby(frame[CASE_KEY]).transform("any")
    target = frame[OUTCOME].eq("") & has_case & (case_unplaced | seq.gt(first_bad))
    if not target.any():
        return empty_problems()
    where = _row_names(frame, multi_source)
    # the reason: the first unplaced invalid row of the case, else its first invalid row
    reason_label = pd.Series(frame.index, index=frame.index).where(
        unplaced_bad | (invalid & seq.eq(first_bad))
    )
    unplaced_first = reason_label.where(unplaced_bad).groupby(frame[CASE_KEY]).transform("min")
    placed_first = reason_label.where(~unplaced_bad).groupby(frame[CASE_KEY]).transform("min")
    reason = unplaced_first.where(case_unplaced, placed_first)
    text = where.reindex(reason[target].astype(np.int64).to_numpy()).to_numpy()
    message = pd.Series(
        np.where(
            case_unplaced[target].to_numpy(),
            "the case cannot be ordered: action (" + text + ") has no usable time",
            "earlier action (" + text + ") is invalid",
        ),
        index=frame.index[target.to_numpy()],
    )
    frame.loc[target, OUTCOME] = "blocked"
    return problems_where(target, BLOCKED, message, None)


def sequence_problems(frame: pd.DataFrame, config: Config, *, multi_source: bool) -> list:
    """`transitions: progressive` and `require_note` need each action's previous status.

    With block, the first offending action of a case is invalid and the rest blocked; with
    continue, offending actions drop one per case per round (dropping one changes the
    previous status of the next) until the timeline is consistent.
    """
    progressive = config.validation.transitions == "progressive"
    need_note = config.validation.require_note
    if not (progressive or need_note):
        return []
    found: list[pd.DataFrame] = []
    block = config.send.on_case_failure == "block"
    while True:
        todo = frame[OUTCOME].eq("") & frame[CASE_SEQ].gt(0)
        rows = frame.loc[todo, [CASE_KEY, STATUS, NOTE]]
        same_case = rows[CASE_KEY].eq(rows[CASE_KEY].shift(1))
        previous = rows[STATUS].shift(1).where(same_case, "").astype(str)
        bad_transition = pd.Series(False, index=rows.index)
        if progressive:
            pairs = pd.Series(list(zip(previous, rows[STATUS], strict=True)), index=rows.index)
            named = previous.isin(["", *_RANK]) & rows[STATUS].isin(list(_RANK))
            allowed = pairs.isin(_ALLOWED_PROGRESSIVE) | previous.eq(rows[STATUS])
            bad_transition = named & ~allowed
        bad_note = pd.Series(False, index=rows.index)
        if need_note:
            bad_note = rows[STATUS].ne(previous) & rows[NOTE].eq("")
        bad = bad_transition | bad_note
        # only the first offence of each case is certain: with block what follows it is
        # blocked; with continue, dropping it changes the previous status of the next action
        bad &= bad.groupby(rows[CASE_KEY]).cumsum().eq(1)
        if not bad.any():
            return found
        shown_previous = previous.replace("", "no status")
        labels = rows.index
        found.append(
            problems_where(
                bad_transition.reindex(labels) & bad,
                TRANSITION_NOT_ALLOWED,
                shown_previous.astype(object)
                + " → "
                + rows[STATUS].astype(object)
                + " is not allowed with validation.transitions: progressive "
                "(none or closed → open → progress → closed; repeats allowed)",
                "status",
            )
        )
        found.append(
            problems_where(
                bad_note & bad,
                NOTE_REQUIRED,
                "the status changes to "
                + rows[STATUS].astype(object)
                + " without a note; validation.require_note: true needs one",
                "note",
            )
        )
        frame.loc[bad[bad].index, OUTCOME] = "invalid"
        if block:
            found.append(block_after_invalid(frame, multi_source=multi_source))
            return found


def assign_senders(frame: pd.DataFrame, policy: str) -> None:
    """SEND_ASSIGNEE per send.assignee: every action, only the case's last action, or never."""
    to_send = frame[OUTCOME].eq("")
    if policy == "every":
        frame[SEND_ASSIGNEE] = frame[ASSIGNEE].where(to_send, "")
        return
    frame[SEND_ASSIGNEE] = text_column("", frame.index)
    if policy == "never":
        return
    named = frame[ASSIGNEE].where(to_send & frame[ASSIGNEE].ne(""))
    latest = named.groupby(frame[CASE_KEY]).ffill()
    last_to_send = to_send & ~to_send[::-1].groupby(frame[CASE_KEY][::-1]).cumsum().gt(1)[::-1]
    last_to_send &= in_case(frame)
    frame.loc[last_to_send, SEND_ASSIGNEE] = latest[last_to_send].fillna("")


def assignment_emails(frame: pd.DataFrame) -> dict[str, int]:
    """How many assignment e-mails each send.assignee policy would cause."""
    to_send = frame[OUTCOME].eq("") & in_case(frame)
    named = to_send & frame[ASSIGNEE].ne("")
    return {
        "every": int(named.sum()),
        "last": int(frame.loc[named, CASE_KEY].nunique()),
        "never": 0,
    }


def predict(frame: pd.DataFrame, config: Config) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Replay each case's to-send actions from "no status" the way CustomerGauge does.

    open→progress stamps the follow-up time, progress→closed the close time, closed→open or
    closed→progress clears both. Returns the cases table and the timeline warnings.

    Rows are in timeline order (the frame's index is the row's position), so "the latest
    action of a case" is its last row; each per-case figure is one numpy reduction over
    integer case numbers.
    """
    zone = config.api.timezone
    rows = np.flatnonzero(in_case(frame).to_numpy())  # positions of the rows of a case
    case, keys = pd.factorize(frame[CASE_KEY].to_numpy()[rows])  # cases in send order
    count = len(keys)
    is_sent = frame[OUTCOME].to_numpy()[rows] == ""
    sent = rows[is_sent]
    sent_case = case[is_sent]
    status = frame[STATUS].to_numpy(dtype=object)[sent]
    is_open, is_progress, is_closed = (
        (status == "open"),
        (status == "progress"),
        (status == "closed"),
    )
    same_case = np.zeros(len(sent), dtype=bool)
    same_case[1:] = sent_case[1:] == sent_case[:-1]

    def after(flag: np.ndarray) -> np.ndarray:  # the previous action of the case had `flag`
        out = np.zeros(len(flag), dtype=bool)
        out[1:] = flag[:-1]
        return out & same_case

    stamp_follow_up = after(is_open) & is_progress
    stamp_close = after(is_progress) & is_closed
    clear = after(is_closed) & (is_open | is_progress)
    last_clear = per_case.last(sent_case, count, clear)
    last_follow_up = per_case.last(sent_case, count, stamp_follow_up)
    last_close = per_case.last(sent_case, count, stamp_close)
    last_sent = per_case.last(sent_case, count, np.ones(len(sent), dtype=bool))
    follow_set = (last_follow_up >= 0) & (last_follow_up > last_clear)
    close_set = (last_close >= 0) & (last_close > last_clear)

    happened = per_case.ticks(frame[HAPPENED_TS])
    response = per_case.ticks(frame[RESPONSE_TS])
    first_row = np.full(count, len(rows), dtype=np.int64)
    np.minimum.at(first_row, case, np.arange(len(rows)))
    final_status = normalise.filled_texts(count, "")
    has_sent = last_sent >= 0
    final_status[has_sent] = status[last_sent[has_sent]]
    assignee = frame[SEND_ASSIGNEE].to_numpy(dtype=object)[sent]
    last_named = per_case.last(sent_case, count, assignee != "")
    final_assignee = normalise.filled_texts(count, "")
    final_assignee[last_named >= 0] = assignee[last_named[last_named >= 0]]
    first_response = per_case.first(case, count, response[rows] != per_case.NAT)
    first_ts = per_case.extreme(case, count, happened[rows], np.minimum)
    last_ts = per_case.extreme(case, count, happened[rows], np.maximum)
    follow_up_row = np.where(follow_set, last_follow_up, -1)
    closed_row = np.where(close_set, last_close, -1)
    # The text of a predicted time is the happened_at text of the row it comes from (the
    # same instant in api.timezone): formatting 200,000 times four times over costs more.
    if HAPPENED_AT in frame:
        texts = frame[HAPPENED_AT].to_numpy(dtype=object)
    else:  # a frame rebuilt from the journal has the instants only
        texts = normalise.format_times(frame[HAPPENED_TS], zone).to_numpy(dtype=object)
    case_time_texts = {
        "first_at": _text_at(
            texts, rows, per_case.first(case, count, happened[rows] == first_ts[case])
        ),
        "last_at": _text_at(
            texts, rows, per_case.first(case, count, happened[rows] == last_ts[case])
        ),
        "follow_up_at": _text_at(texts, sent, follow_up_row),
        "closed_at": _text_at(texts, sent, closed_row),
    }
    cases = pd.DataFrame(
        {
            "case": frame[CASE].to_numpy(dtype=object)[rows[first_row]],
            "actions": np.bincount(case, minlength=count),
            "to_send": np.bincount(sent_case, minlength=count),
            "first_ts": per_case.instants(first_ts),
            "last_ts": per_case.instants(last_ts),
            "final_status": final_status,
            "final_assignee": final_assignee,
            "response_ts": per_case.instants(per_case.pick(response[rows], first_response)),
            "follow_up_ts": per_case.instants(per_case.pick(happened[sent], follow_up_row)),
            "closed_ts": per_case.instants(per_case.pick(happened[sent], closed_row)),
            "reopens": np.bincount(sent_case[clear], minlength=count),
        },
        index=pd.Index(keys, name=CASE_KEY),
    )

    labels = frame.index.to_numpy()
    reopen_message = normalise.filled_texts(int(clear.sum()), _REOPEN_MESSAGE["progress"])
    reopen_message[is_open[clear]] = _REOPEN_MESSAGE["open"]
    warnings = [
        problems_where(
            pd.Series(clear, index=labels[sent]),
            REOPEN,
            pd.Series(reopen_message, index=labels[sent[clear]], dtype=object),
            "status",
            WARNING,
        )
    ]
    ends_open = (final_status == "progress") | (final_status == "closed")
    no_follow = ends_open & ~follow_set
    no_close = (final_status == "closed") & ~close_set
    for mask, code, text in (
        (no_follow, NO_FOLLOW_UP_TIME, "follow-up time (no open → progress step)"),
        (no_close, NO_CLOSE_TIME, "close time (no progress → closed step)"),
    ):
        flags = np.zeros(len(frame), dtype=bool)
        flags[sent[last_sent[mask]]] = True
        warnings.append(
            problems_where(
                pd.Series(flags, index=frame.index),
                code,
                "case "
                + frame.loc[flags, CASE].astype(object)
                + f" ends {'' if code == NO_CLOSE_TIME else 'in progress or closed '}"
                + f"without a {text}: CustomerGauge will leave it empty",
                "status",
                WARNING,
            )
        )
    return _cases_table(cases, zone, case_time_texts), warnings


_REOPEN_MESSAGE = {
    status: f"closed → {status} re-opens the closed case: "
    "CustomerGauge clears its follow-up and close times"
    for status in ("open", "progress")
}


def _text_at(texts: np.ndarray, rows: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """texts[rows[positions]], "" where a position is -1."""
    out = normalise.filled_texts(len(positions), "")
    chosen = positions >= 0
    out[chosen] = texts[rows[positions[chosen]]]
    return out


def _cases_table(cases: pd.DataFrame, zone: str, texts: dict[str, np.ndarray]) -> pd.DataFrame:
    def text(column: str) -> np.ndarray:
        return normalise.format_times(cases[column].astype("datetime64[us, UTC]"), zone).to_numpy()

    def hours(column: str) -> pd.Series:
        delta = cases[column] - cases["response_ts"]
        return (delta // pd.Timedelta(hours=1)).astype("Int64")

    def objects(values: np.ndarray | pd.Series) -> pd.Series:  # text kept as objects
        return text_column(np.asarray(values, dtype=object), cases.index)

    return pd.DataFrame(
        {
            "number_customergauge": objects(cases["case"]),
            "actions": cases["actions"].astype(np.int64).to_numpy(),
            "to_send": cases["to_send"].to_numpy(),
            "first_at": objects(texts["first_at"]),
            "last_at": objects(texts["last_at"]),
            "final_status": objects(cases["final_status"]),
            "final_assignee": objects(cases["final_assignee"]),
            "response_at": objects(text("response_ts")),
            "follow_up_at": objects(texts["follow_up_at"]),
            "closed_at": objects(texts["closed_at"]),
            "time_to_follow_up_h": hours("follow_up_ts").array,
            "time_to_close_h": hours("closed_ts").array,
            "reopens": cases["reopens"].astype(np.int64).to_numpy(),
        },
        index=cases.index,
    )


def _row_names(frame: pd.DataFrame, multi_source: bool) -> pd.Series:
    """'row 12' (or 'orders.csv row 12' when several files are planned together)."""
    rows = "row " + frame[ROW].astype(str).astype(object)
    if multi_source:
        return frame[SOURCE].astype(object) + " " + rows
    return rows
