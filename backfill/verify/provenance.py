"""Retried rows in the place of the rows they fixed: what a retry records, what verify reads.

A retry reads a failures file whose `source` and `row` name the export row each line came
from (read/failures.py keeps them as model.ORIGIN_SOURCE/ORIGIN_ROW, through any number of
retries). The retry records, per action it sends, that origin and a fingerprint of the
assignee it sent (`origins_to_record`, Journal.record_origins). `verify EXPORT` then expects
what CustomerGauge holds after every run and retry: the export's rows the journal shows as
accepted, plus the accepted retried actions whose origin is one of the export's files
(`retried_rows`), the fixes in the place of the invalid, failed or blocked rows they replace.
A retried row's status and time come from the journal; its assignee is known when it is one
the export names (the journal keeps only fingerprints), else that case's assignee is not
compared.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from backfill.errors import InputError
from backfill.model import (
    ASSIGNEE,
    CASE,
    CASE_SEQ,
    HAPPENED_AT,
    HAPPENED_TS,
    ORIGIN_ROW,
    ORIGIN_SOURCE,
    OUTCOME,
    RESPONSE_TS,
    ROW,
    SEND_ASSIGNEE,
    SOURCE,
    STATUS,
)
from backfill.plan.identity import fingerprint, fingerprints
from backfill.plan.order import status_rank
from backfill.send.protocol import V7_ASSIGNEE

if TYPE_CHECKING:
    from backfill.journal.reading import Retried
    from backfill.plan.build import Plan

# a retried action's assignee the export does not name: the case's assignee is not compared
UNKNOWN_ASSIGNEE = "\x00unknown assignee"
_NO_ASSIGNEE = fingerprint("")


def origins_to_record(plan: Plan, identities: Mapping[int, str]) -> list[tuple[str, str, int, str]]:
    """(identity, origin source, origin row, sent-assignee fingerprint) of each action of a
    retry's plan to send; nothing for a plan read from an export (it has no origins)."""
    frame = plan.frame
    if ORIGIN_SOURCE not in frame or not identities:
        return []
    keys = [key for key in identities if key in frame.index]
    rows = frame.loc[keys]
    hints = fingerprints(rows[SEND_ASSIGNEE])
    return [
        (identities[key], str(source), int(row), hint)
        for key, source, row, hint in zip(
            keys, rows[ORIGIN_SOURCE].tolist(), rows[ORIGIN_ROW].tolist(), hints, strict=True
        )
    ]


@dataclass
class RetriedRows:
    """Accepted retried actions of an export, as rows of plan columns (`retried_rows`)."""

    frame: pd.DataFrame  # CASE, STATUS, HAPPENED_TS, SEND_ASSIGNEE, OUTCOME, SOURCE, ROW, ...
    run_ids: set[str] = field(default_factory=set)
    sent_at: dict[str, str] = field(default_factory=dict)  # case -> latest recorded (UTC)


def retried_rows(
    plan: Plan,
    retried: Sequence[Retried],
    known: Collection[str] = (),
    inputs: Mapping[str, Sequence[str]] | None = None,
) -> RetriedRows:
    """The accepted retried actions whose origin is one of `plan`'s files, except those of
    the identities in `known` (the plan's own rows already stand for them). `inputs`: the
    files each run read (run id -> paths), where an assignee the export does not name may
    be found (a fixed one)."""
    chosen = []
    exclude = set(known)
    for item in retried:
        source = same_file(item.source, plan.sources)
        if source is not None and item.entry.identity not in exclude:
            chosen.append((item, source))
    if not chosen:
        return RetriedRows(pd.DataFrame(columns=[CASE, STATUS, HAPPENED_TS]))
    names = _assignee_names(plan)
    if any(item.sent_assignee not in names for item, _ in chosen):
        runs = {item.entry.run_id for item, _ in chosen}
        files = [path for run, paths in (inputs or {}).items() if run in runs for path in paths]
        names.update(_names_in(files))
    sent_at: dict[str, str] = {}
    for item, _ in chosen:  # per case, when its latest retried action was recorded
        case = item.entry.case
        sent_at[case] = max(sent_at.get(case, ""), item.entry.updated_at)
    frame = pd.DataFrame(
        {
            CASE: [item.entry.case for item, _ in chosen],
            STATUS: [item.entry.status for item, _ in chosen],
            HAPPENED_TS: pd.to_datetime(
                pd.Series([item.entry.happened_at for item, _ in chosen], dtype=object), utc=True
            ).astype("datetime64[us, UTC]"),
            SEND_ASSIGNEE: [_assignee(item, names) for item, _ in chosen],
            OUTCOME: "",
            SOURCE: [source for _, source in chosen],
            ROW: [int(item.row) for item, _ in chosen],
            CASE_SEQ: [item.entry.case_seq for item, _ in chosen],
        }
    )
    return RetriedRows(frame, {item.entry.run_id for item, _ in chosen}, sent_at)


def same_file(origin: str, sources: Sequence[str]) -> str | None:
    """The source of `sources` that `origin` names: the same text, else the only one with
    the same file name (a retry may have been run from another folder than the export)."""
    if origin in sources:
        return origin
    name = PurePath(origin).name
    alike = [source for source in sources if PurePath(source).name == name]
    return alike[0] if len(alike) == 1 else None


def _assignee_names(plan: Plan) -> dict[str, str]:
    """Fingerprint -> assignee, for every assignee the export names (any row, any outcome)."""
    values = pd.concat([plan.frame[ASSIGNEE], plan.frame[SEND_ASSIGNEE]]).fillna("")
    distinct = [str(value) for value in values.unique()]
    return {fingerprint(value): value for value in distinct}


def _names_in(files: Sequence[str]) -> dict[str, str]:
    """Fingerprint -> text of every cell of these files that can still be read: the retry's
    own failures files, where a fixed assignee is written (a fingerprint proves the match,
    so a file edited since costs nothing but the match)."""
    from backfill.formula_guard import unneutralise
    from backfill.read.table import EXCEL_SUFFIXES, read_table

    names: dict[str, str] = {}
    for name in dict.fromkeys(files):
        path = Path(name)
        sheet = "Failures" if path.suffix.lower() in EXCEL_SUFFIXES else None
        try:
            frame = read_table(path, sheet=sheet)
        except (InputError, OSError, ValueError):
            continue
        cells = frame.drop(columns=[SOURCE, ROW]).to_numpy().ravel()
        for cell in pd.unique(pd.Series(cells, dtype=object).dropna().astype(str)):
            text = unneutralise(cell).strip()
            names[fingerprint(text)] = text
    return names


def _assignee(item: Retried, names: Mapping[str, str]) -> str:
    """The assignee a retried action left in CustomerGauge: "" when it sent none (or the API
    refused it), the export's spelling when the export names it, else UNKNOWN_ASSIGNEE."""
    if V7_ASSIGNEE in item.entry.refused or item.sent_assignee == _NO_ASSIGNEE:
        return ""
    return names.get(item.sent_assignee, UNKNOWN_ASSIGNEE)


def with_retried(
    frame: pd.DataFrame,
    retried: pd.DataFrame,
    sources: Sequence[str],
    response_dates: Mapping[str, pd.Timestamp],
) -> pd.DataFrame:
    """The plan's rows and the retried ones together, each case in timeline order (as the
    plan orders it: time, open < progress < closed, then file order; a case with an action
    without a time in file order). Retried rows take their case's response date."""
    if retried.empty:
        return frame
    columns = [CASE, STATUS, HAPPENED_TS, SEND_ASSIGNEE, OUTCOME, RESPONSE_TS, SOURCE, ROW]
    extra = retried.assign(**{RESPONSE_TS: retried[CASE].map(response_dates)})
    extra[RESPONSE_TS] = extra[RESPONSE_TS].astype("datetime64[us, UTC]")
    # the plan's rows keep the texts they are sent as (a retried row's is read from its time)
    sent_as = [HAPPENED_AT] if HAPPENED_AT in frame else []
    both = pd.concat([frame[columns + sent_as], extra[columns]], ignore_index=True).astype(
        {HAPPENED_TS: "datetime64[us, UTC]", RESPONSE_TS: "datetime64[us, UTC]"}
    )
    case = both[CASE]
    stamps = both[HAPPENED_TS].dt.tz_localize(None).astype("datetime64[us]").astype(np.int64)
    # (a row without a time that is not sent, bad-time, leaves its case ordered by time)
    untimed = (both[HAPPENED_TS].isna() & both[OUTCOME].eq("")).groupby(case).transform("any")
    place = {name: i for i, name in enumerate(sources)}
    keys = [  # most significant first
        pd.factorize(case, sort=True)[0],
        stamps.where(~untimed, 0),
        status_rank(both[STATUS]).where(~untimed, 0),
        both[SOURCE].map(place).fillna(len(place)),
        both[ROW],
    ]
    order = np.lexsort([np.asarray(key) for key in reversed(keys)])
    return both.take(order).reset_index(drop=True)
