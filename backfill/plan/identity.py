"""Content identities of actions, computed from the plan's input columns: how the journal
(which stores them) recognises an action it has seen before.

An action is known by the sha256 of its case (the id as its row writes it: `case_as_written`),
status, happened_at (UTC), note, assignee and its occurrence among identical actions of that
case; not by row numbers or file names, and
never by a setting: the assignee is the input's, not the one `send.assignee` sends. So
the same or an overlapping file run again maps to the same identities, and two identical
actions of one case (``duplicates: keep``) stay two. The runner (what to send) and verify
(what was accepted) both use these functions, so they always agree.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from backfill.model import (
    ASSIGNEE,
    CASE,
    HAPPENED_TS,
    NOTE,
    OUTCOME,
    STATUS,
)
from backfill.plan.cells import normalise_ids

if TYPE_CHECKING:
    from backfill.plan.build import Plan


def content_identity(
    case: str,
    status: str,
    happened_at: str | None,
    note: str | None,
    assignee: str | None,
    occurrence: int,
) -> str:
    """The identity of one action: same content and same occurrence within its case → same id.

    `happened_at` should be the UTC instant (``YYYY-mm-dd HH:MM:SS``) so that changing
    ``api.timezone`` between runs does not make old actions look new.
    """
    content = [case, status, happened_at or "", note or "", assignee or "", int(occurrence)]
    text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def assign_identities(
    items: Iterable[tuple[int, str, str, str | None, str | None, str | None]],
) -> dict[int, str]:
    """Identities for (key, case, status, happened_at, note, assignee) given in send order.

    The occurrence counter makes two identical actions of a case (``duplicates: keep``) two
    different identities, while the same rows read again later map to the same ones.
    """
    seen: dict[tuple[Any, ...], int] = {}
    out: dict[int, str] = {}
    for key, case, status, happened_at, note, assignee in items:
        content = (case, status, happened_at or "", note or "", assignee or "")
        occurrence = seen.get(content, 0) + 1
        seen[content] = occurrence
        out[key] = content_identity(case, status, happened_at, note, assignee, occurrence)
    return out


def utc_text(stamps: pd.Series) -> pd.Series:
    """Instants as the journal keeps them: UTC "YYYY-mm-dd HH:MM:SS", "" where absent.

    Identities, the out-of-order guard and stored response dates all compare this form, so
    changing ``api.timezone`` between runs changes none of them.
    """
    # pyarrow writes a column of whole seconds without a time zone as "YYYY-mm-dd HH:MM:SS"
    # at once (pandas' strftime goes cell by cell); tests/test_identity_columns.py pins it
    instants = pd.to_datetime(stamps, utc=True).dt.tz_localize(None).dt.floor("s")
    text = pa.array(instants).cast(pa.timestamp("s")).cast(pa.string())
    return pd.Series(text, index=stamps.index, dtype="str").fillna("")


def json_escaped(values: pd.Series) -> pd.Series:
    """Each text as `json.dumps(text, ensure_ascii=False)` writes it between its quotes.

    Only quotes, backslashes and control characters are escaped by that call, so the cells
    without one stay as they are, and the rare cells with one go through `json.dumps`.
    """
    text = values.fillna("").astype("str")
    odd = text.str.contains(r'[\x00-\x1f"\\]', regex=True)
    if not odd.any():
        return text
    escaped = [json.dumps(value, ensure_ascii=False)[1:-1] for value in text[odd].tolist()]
    return text.mask(odd, pd.Series(escaped, index=text.index[odd], dtype="str"))


def plan_identities(plan: Plan) -> pd.Series:
    """The journal identity of each to-send row of the plan (the runner's identities).

    Built from the input's assignee, so that changing `send.assignee` between runs does not
    make sent actions look new. Column by column, the same text `content_identity` hashes:
    the JSON list without its occurrence, which also keys the occurrence count.
    """
    rows = plan.frame[plan.frame[OUTCOME].eq("")]
    case, status, happened, note, assignee = (
        json_escaped(column)
        for column in (
            case_as_written(plan, rows),
            rows[STATUS],
            utc_text(rows[HAPPENED_TS]),
            rows[NOTE],
            rows[ASSIGNEE],
        )
    )
    content = '["' + case + '","' + status + '","' + happened + '","' + note
    content = content + '","' + assignee + '"'
    occurrence = content.groupby(content, sort=False).cumcount() + 1
    texts = content + "," + occurrence.astype("str") + "]"
    digests = [hashlib.sha256(text.encode("utf-8")).hexdigest() for text in texts.tolist()]
    return pd.Series(digests, index=rows.index, dtype=object)


def case_as_written(plan: Plan, rows: pd.DataFrame) -> pd.Series:
    """The case text an identity hashes: each row's id as written (trimmed), not the id its
    case is sent as ("0123" and "123" are one case since issue 29, sent as 0123), so that
    journals written before still recognise what they sent."""
    column = plan.columns.get("number_customergauge")
    if column is None or column not in rows:
        return rows[CASE]
    return normalise_ids(rows[column])


def fingerprint(text: str | None) -> str:
    """A short digest of a note or an assignee: the journal can tell that it changed
    without keeping the text itself."""
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()[:16]


def fingerprints(values: pd.Series) -> list[str]:
    """`fingerprint` of each cell, hashing each distinct text once."""
    codes, uniques = pd.factorize(values.fillna(""))
    digests = np.array([fingerprint(str(text)) for text in uniques], dtype=object)
    return list(digests[codes].tolist())


def plan_contents(plan: Plan) -> dict[int, tuple[str, str]]:
    """Key -> (note, assignee) fingerprints of each to-send row, as the input has them."""
    rows = plan.frame[plan.frame[OUTCOME].eq("")]
    notes, assignees = fingerprints(rows[NOTE]), fingerprints(rows[ASSIGNEE])
    return dict(zip(rows.index.tolist(), zip(notes, assignees, strict=True), strict=True))
