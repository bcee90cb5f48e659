"""A file whose shape contradicts its layout is refused before anything is planned or sent.

Read as `long` (one row per action), a ticket export sends each ticket as ONE action of its
current status at one of its times, and a status-change log sends owner and priority changes
as statuses: both look like success. So `long` is refused (SPEC.md "Input layouts") when
  - nearly every case is on one row and other columns hold times (a ticket export: `wide`), or
  - a column names what each row changed, a status field among others (a log: `audit`);
the message gives the lines that read the file right. `input.layout_check: false` trusts the
layout, for the file that really has one action per case.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from backfill.config import InputConfig
from backfill.errors import InputError
from backfill.plan.cells import as_text
from backfill.plan.time_columns import detect_convention
from backfill.plan.time_convention import TwoReadings
from backfill.plan.vocabulary import fold

if TYPE_CHECKING:
    from backfill.read.table import InputTable

SAMPLE = 2000  # rows looked at for the other columns' values
ONCE = 0.9  # share of rows whose case is on no other row: one row per case
# the names a helpdesk's log gives its status field, in the seven languages
STATUS_FIELDS = ("status", "state", "stage", "statut", "etat", "estado", "stato", "zustand")
_MAX_FIELDS = 60  # a field column names a few dozen fields at most


def check_shape(table: InputTable, cfg: InputConfig, case_keys: np.ndarray | None = None) -> None:
    """Refuse a `long` reading of a file shaped as a ticket export or a status-change log.
    `case_keys`: each row's case as an integer (-1: no id), when already worked out."""
    if cfg.layout != "long" or not cfg.layout_check or not len(table.frame):
        return
    where = ", ".join(dict.fromkeys(table.sources))
    mapped = {c for c in table.columns.values() if c}
    audit = _audit_shape(table, mapped)
    if audit is not None:
        raise InputError(f"{where} {audit}")
    wide = _wide_shape(table, mapped, bool(cfg.columns.get("status")), case_keys)
    if wide is not None:
        raise InputError(f"{where} {wide}")


def _wide_shape(
    table: InputTable, mapped: set[str], mapped_status: bool, case_keys: np.ndarray | None
) -> str | None:
    id_column = table.columns.get("number_customergauge")
    if id_column is None:
        return None
    if case_keys is None:
        case_keys = pd.factorize(as_text(table.frame[id_column]).str.strip().replace("", None))[0]
    keys = case_keys[case_keys >= 0]
    if len(keys) < 2:
        return None
    rows_of_case = np.bincount(keys)
    once = int((rows_of_case == 1).sum())
    if once < ONCE * len(keys):
        return None
    happened = table.columns.get("happened_at")
    response = table.columns.get("response_date")
    others = [
        c for c in table.original_columns if (c not in mapped or c == happened) and c != response
    ]
    sample = table.frame.head(SAMPLE).reset_index(drop=True)
    found = {c: _instants(sample[c], c) for c in others}
    times = {c: t for c, t in found.items() if t is not None}
    time_columns = list(times)
    if len([c for c in time_columns if c != happened]) < 1:
        return None
    ordered = _in_time_order(times)
    steps = _proposed_steps(ordered)
    step_text = ", ".join(f'{status}: "{column}"' for status, column in steps.items())
    status_line = (
        "\n    # and remove columns.status: the steps give the statuses" if mapped_status else ""
    )
    return (
        f"reads as one row per case, not one row per action: {once} of {len(keys)} rows are "
        f"the only row of their case ('{id_column}') and {len(time_columns)} columns hold "
        f"times ({', '.join(repr(c) for c in ordered)}), so each case would be sent as ONE "
        "action. Read it as a ticket export: add to the config\n"
        f"  input:\n    layout: wide\n    steps: {{{step_text}}}{status_line}\n"
        "(each status's column, earliest first; check them), or run `backfill init` on the "
        "file; if each case really has one action, set input.layout_check: false"
    )


def _instants(values: pd.Series, header: str) -> pd.Series | None:
    """The column's instants (NaT where none), when it is a time column; else None."""
    convention = detect_convention(values.tolist(), header=header)
    if convention is None:
        return None
    from backfill.plan.times import parse_times

    try:
        return parse_times(values, dayfirst=convention.dayfirst, column=header).utc
    except TwoReadings:
        return pd.Series(pd.NaT, index=values.index, dtype="datetime64[us, UTC]")


def _in_time_order(times: dict[str, pd.Series]) -> list[str]:
    """The columns ordered as their times usually are: a column before another when its time
    is the earlier on most rows where both have one (so tickets without a step do not skew
    it); file order between columns that never meet."""
    names = list(times)
    wins = dict.fromkeys(names, 0)
    for a in names:
        for b in names:
            both = times[a].notna() & times[b].notna()
            if (
                a != b
                and (times[a][both] < times[b][both]).sum()
                > (times[a][both] > times[b][both]).sum()
            ):
                wins[a] += 1
    return sorted(names, key=lambda n: (-wins[n], names.index(n)))


def _proposed_steps(ordered: list[str]) -> dict[str, str]:
    """Earliest time column -> open, latest -> closed, the one after open -> progress."""
    if len(ordered) == 1:
        return {"open": ordered[0]}
    steps = {"open": ordered[0]}
    if len(ordered) > 2:
        steps["progress"] = ordered[1]
    steps["closed"] = ordered[-1]
    return steps


def _audit_shape(table: InputTable, mapped: set[str]) -> str | None:
    """A column naming what each row changed, with a status field among other fields."""
    sample = table.frame.head(SAMPLE)
    for column in table.original_columns:
        if column in mapped:
            continue
        cells = as_text(sample[column]).str.strip()
        counts = cells[cells.ne("")].value_counts()
        if not 2 <= len(counts) <= _MAX_FIELDS or len(counts) * 4 > max(len(cells), 8):
            continue
        status_values = [
            str(v) for v in counts.index if fold(str(v).upper()).lower() in STATUS_FIELDS
        ]
        if not status_values:
            continue
        rows = int(counts[status_values].sum())
        other = [str(v) for v in counts.index if str(v) not in status_values][:3]
        status_column = table.columns.get("status", "status")
        fields = ", ".join(f'"{v}"' for v in status_values)
        return (
            f"reads as a status-change log, not one row per action: column '{column}' names "
            f"what each row changed ({status_values[0]!r} on {rows} of "
            f"{int(counts.sum())} rows, also {', '.join(repr(o) for o in other)}), so rows that "
            "change other fields would be sent as statuses. Read it as a log: add to the config\n"
            f'  input:\n    layout: audit\n    audit: {{field_column: "{column}", '
            f"status_fields: [{fields}]}}\n"
            f"(columns.status '{status_column}' then holds the new status of a change; name "
            "the old one with audit.old_status), or run `backfill init` on the file; if each "
            "row really is one action, set input.layout_check: false"
        )
    return None
