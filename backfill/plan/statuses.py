"""Status cells -> open | progress | closed (or the v4.1 integer statuses "0".."99")."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from backfill.plan.cells import as_text

# CustomerGauge's own words only (v7 and v4.1 documents), so that a typo is reported rather
# than guessed; anything else goes through input.status_map.
BUILTIN_STATUSES: dict[str, str] = {
    "OPEN": "open",
    "OPENED": "open",
    "RE-OPEN": "open",
    "REOPEN": "open",
    "REOPENED": "open",
    "RE-OPENED": "open",
    "PROGRESS": "progress",
    "IN-PROGRESS": "progress",
    "INPROGRESS": "progress",
    "CLOSE": "closed",
    "CLOSED": "closed",
}

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
    lookup = dict(BUILTIN_STATUSES)
    lookup.update({status_key(k): v for k, v in (status_map or {}).items()})
    codes, uniques = pd.factorize(as_text(values))
    mapping: list[str] = []
    for raw in uniques:
        key = status_key(raw)
        if key in lookup:
            mapping.append(lookup[key])
        elif extended and _EXTENDED.match(key):
            mapping.append(str(int(float(key))))
        else:
            mapping.append("")
    status = pd.Series(pd.array(mapping, dtype="str").take(codes), index=values.index)
    return status, status.eq("")


def status_hint(value: str) -> str:
    """Message for an unknown status value: what was found and how to map it."""
    if not str(value).strip():
        return "status is empty; every row needs open, progress or closed"
    return (
        f"unknown status {str(value).strip()!r}; use open, progress or closed, "
        f"or map it in the config: input.status_map: {{{str(value).strip()!r}: closed}}"
    )
