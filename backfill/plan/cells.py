"""Text cells -> API values: case ids, notes and assignees.

Each function works on a whole column. What needs Python per value (e-mail syntax) runs
once per distinct value: a column holds a few dozen addresses, repeated on every row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def as_text(values: pd.Series) -> pd.Series:
    """Cells as str, empty for missing; non-text cells (numbers from odd sources) as text."""
    if pd.api.types.infer_dtype(values, skipna=False) in ("string", "empty"):
        return values  # (every cell of a CSV export: nothing to convert)
    return values.fillna("").astype(str).astype(object)


def case_keys(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each row's case as an integer, and the case ids (trimmed text) that the integers index.

    The ids are sorted, so comparing keys compares ids; " 12" and "12" are one case.
    """
    trimmed = as_text(values).str.strip().to_numpy(dtype=object)
    keys, ids = pd.factorize(trimmed, sort=True)
    return keys.astype(np.int64), np.asarray(ids, dtype=object)


def normalise_ids(values: pd.Series) -> pd.Series:
    """Case ids as trimmed text: leading zeros and long digit strings are kept as given."""
    return as_text(values).str.strip().astype(object)


def normalise_notes(values: pd.Series) -> pd.Series:
    """Notes verbatim (unicode, quotes, line breaks kept); blank cells mean no note."""
    notes = as_text(values)
    return notes.mask(notes.str.strip().eq(""), "")


def normalise_assignees(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Trim assignee cells and check their e-mail syntax (offline, no DNS).

    Returns (assignee, bad, message): assignee is the trimmed text ("" = none); bad marks
    rows whose address is not a valid e-mail address, and message says why.
    """
    from email_validator import EmailNotValidError, validate_email

    assignee = as_text(values).str.strip().astype(object)
    codes, uniques = pd.factorize(assignee)
    reasons: list[str] = []
    for value in uniques:
        try:
            if value:
                validate_email(value, check_deliverability=False)
            reasons.append("")
        except EmailNotValidError as exc:
            reasons.append(f"assignee {value!r} is not a valid e-mail address: {exc}")
    message = pd.Series(
        np.asarray(reasons, dtype=object)[codes] if len(codes) else [],
        index=values.index,
        dtype=object,
    )
    return assignee, message.ne(""), message
