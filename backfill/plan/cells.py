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
    """Each row's case as an integer, and the id each case is sent as, which the integers
    index. Rows are one case when their ids are (case_numbers): " 12", "12" and "012"; the
    keys sort as those numbers do.

    A case written one way is sent as written. A case written with and without leading zeros
    is sent as its longest spelling ("0123" for "0123" and "123"): a spreadsheet drops such
    zeros, it never adds them, so the longest is the export's own.
    """
    # each distinct spelling is looked at once: a case's id repeats on each of its rows
    codes, spellings = pd.factorize(as_text(values).str.strip())
    written = pd.Series(spellings, dtype="str")
    numbers = case_numbers(written)
    number_keys, ids = pd.factorize(numbers, sort=True)
    padded = written.ne(numbers).to_numpy()  # (digit ids with leading zeros only)
    if padded.any():
        zeros = pd.DataFrame({"key": number_keys[padded], "id": written[padded].to_numpy()})
        zeros["length"] = zeros["id"].str.len()
        longest = zeros.sort_values(["key", "length"]).drop_duplicates("key", keep="last")
        sent = ids.to_numpy(dtype=object)
        sent[longest["key"].to_numpy()] = longest["id"].to_numpy()
        ids = pd.Index(pd.array(sent, dtype="str"))
    return number_keys[codes].astype(np.int64), ids


def case_numbers(values: pd.Series) -> pd.Series:
    """Case ids as what compares them: trimmed, and an id of ASCII digits only as its number,
    without leading zeros ("0123" -> "123", "000" -> "0"), since a spreadsheet keeps or drops
    such zeros; any other id as written. Long digit strings stay text (no int64 limit)."""
    ids = as_text(values).str.strip()
    digits = ids.str.fullmatch(r"[0-9]+")
    if not digits.any():
        return ids
    number = ids.str.lstrip("0")
    number = number.mask(number.eq(""), "0")
    return number.where(digits, ids)


def normalise_ids(values: pd.Series) -> pd.Series:
    """Case ids as written, trimmed: leading zeros and long digit strings are kept as given."""
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
