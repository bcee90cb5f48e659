"""Text cells -> API values: case ids, notes and assignees.

Each function works on a whole column. What needs Python per value (e-mail syntax) runs
once per distinct value: a column holds a few dozen addresses, repeated on every row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def as_text(values: pd.Series) -> pd.Series:
    """Cells in pandas' string dtype (pyarrow arrays, so the string methods run in pyarrow's
    kernels), empty for missing; non-text cells (numbers from odd sources) as their text."""
    if isinstance(values.dtype, pd.StringDtype):
        return values.fillna("") if values.hasnans else values  # (a CSV export's cells)
    if pd.api.types.infer_dtype(values, skipna=False) in ("string", "empty"):
        return values.astype("str")
    return values.fillna("").astype(str).astype("str")


def case_keys(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Each row's case as an integer, and the case ids (trimmed text) that the integers index.

    The ids are sorted, so comparing keys compares ids; " 12" and "12" are one case.
    """
    keys, ids = pd.factorize(as_text(values).str.strip(), sort=True)
    return keys.astype(np.int64), ids


def normalise_ids(values: pd.Series) -> pd.Series:
    """Case ids as trimmed text: leading zeros and long digit strings are kept as given."""
    return as_text(values).str.strip()


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

    assignee = as_text(values).str.strip()
    codes, uniques = pd.factorize(assignee)
    reasons: list[str] = []
    for value in uniques:
        try:
            if value:
                validate_email(value, check_deliverability=False)
            reasons.append("")
        except EmailNotValidError as exc:
            reasons.append(f"assignee {value!r} is not a valid e-mail address: {exc}")
    message = pd.Series(pd.array(reasons, dtype="str").take(codes), index=values.index)
    return assignee, message.ne(""), message
