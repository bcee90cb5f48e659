"""Status cells -> open | progress | closed (or the v4.1 integer statuses "0".."99")."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from backfill.plan.cells import as_text
from backfill.plan.vocabulary import BUILTIN_STATUSES, fold

_EXTENDED = re.compile(r"^\d{1,2}(?:\.0+)?$")


def status_key(value: str) -> str:
    """The comparison form of a status: trimmed, upper case, '_' and runs of spaces as '-'."""
    return re.sub(r"[\s_]+", "-", str(value).strip()).upper()


def normalise_status(
    values: pd.Series, status_map: Mapping[str, str] | None = None, *, extended: bool = False
) -> tuple[pd.Series, pd.Series]:
    """Map raw status cells to open | progress | closed (or "0".."99" with `extended`).

    Returns (status, bad): status is "" where the value is unknown or empty; bad marks the
    rows to report as `unknown-status`. The lookup runs once per distinct value.
    """
    lookup = dict(BUILTIN_STATUSES)  # helpdesk words of seven languages: plan/vocabulary.py
    lookup.update({fold(status_key(k)): v for k, v in (status_map or {}).items()})
    codes, uniques = pd.factorize(as_text(values))
    mapping: list[str] = []
    for raw in uniques:
        key = fold(status_key(raw))
        if key in lookup:
            mapping.append(lookup[key])
        elif extended and _EXTENDED.match(key):
            mapping.append(str(int(float(key))))
        else:
            mapping.append("")
    status = pd.Series(pd.array(mapping, dtype="str").take(codes), index=values.index)
    return status, status.eq("")
