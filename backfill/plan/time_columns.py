"""Which columns hold times, and how each is read: the one answer `init` and `plan` share.

A column is a time column when most of its non-empty cells read as times under one
convention (time_convention.py: one day/month order for the whole column), read by the very
parser `plan` uses (times.parse_times), so `init` never misses a column `plan` would read,
nor maps one `plan` would refuse. When no cell decides the day/month order, the convention
says so (`question`): `init` asks the user, `plan` refuses the column with the setting that
answers it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime

import numpy as np
import pandas as pd

from backfill.codes import Code
from backfill.plan.time_convention import Convention, TwoReadings
from backfill.plan.time_forms import epoch_unit
from backfill.plan.times import ParsedTimes, parse_times

MOST = 0.8  # share of a column's non-empty cells that must read as times
# a bare number is as likely an id, a count or an amount as an Excel serial date: it is no
# evidence of a time column (plan still reads one in a column mapped as a time)
_NUMBER = r"^\d+(?:[.,]\d+)?$"


def read_convention(
    cells: Iterable[object],
    *,
    header: str = "",
    dayfirst: bool | None = None,
    date_format: str | None = None,
) -> Convention:
    """How the cells of the column `header` read as times, with the counts: never raises."""
    values = pd.Series(list(cells) if not isinstance(cells, pd.Series) else cells, dtype=object)
    values = values.reset_index(drop=True)
    question = ""
    try:
        parsed = parse_times(values, date_format=date_format, dayfirst=dayfirst, column=header)
    except TwoReadings as exc:
        question = str(exc)
        # (counted under either order: which one holds is the question)
        parsed = max(
            (
                parse_times(values, dayfirst=order, column=header, date_format=date_format)
                for order in (True, False)
            ),
            key=lambda p: int(p.code.eq("").sum()),
        )
    filled = parsed.code.ne(Code.MISSING_TIME).to_numpy(dtype=bool)
    read = (parsed.code.ne(Code.MISSING_TIME) & parsed.code.ne(Code.BAD_TIME)).to_numpy(dtype=bool)
    evidence = read & _evidence(values, header)
    offsets = read & (parsed.offset if parsed.offset is not None else False)
    example = str(values[evidence].iloc[0]).strip() if evidence.any() else ""
    convention = parsed.convention
    return replace(
        convention,
        dayfirst=None if question else convention.dayfirst,
        evidence="" if question else convention.evidence,
        date_format=date_format,
        filled=int(filled.sum()),
        readable=int(evidence.sum()),
        offsets=int(np.count_nonzero(offsets)),
        example=example,
        question=question,
    )


def detect_convention(
    cells: Iterable[object],
    *,
    header: str = "",
    dayfirst: bool | None = None,
    date_format: str | None = None,
) -> Convention | None:
    """The column's convention when it is a time column (most non-empty cells read as times
    under it), else None. A convention with a `question` is a time column whose day/month
    order no cell decides (or whose cells need both)."""
    convention = read_convention(cells, header=header, dayfirst=dayfirst, date_format=date_format)
    if not convention.filled or convention.readable < MOST * convention.filled:
        return None
    return convention


def read_times(
    cells: pd.Series,
    convention: Convention,
    *,
    zone: str = "UTC",
    output_zone: str = "UTC",
    column: str = "time",
) -> ParsedTimes:
    """The cells' instants under a convention detect_convention found (or the settings
    gave); a convention with an open question is refused (TwoReadings)."""
    if convention.question:
        raise TwoReadings(convention.question)
    return parse_times(
        cells,
        zone=zone,
        output_zone=output_zone,
        date_format=convention.date_format,
        dayfirst=convention.dayfirst,
        column=column,
    )


def time_evidence(convention: Convention) -> str:
    """ "412 of 420 values are times such as '25/Mar/23 9:00 AM'; <the order's evidence>"."""
    text = f"{convention.readable} of {convention.filled} values are times"
    if convention.example:
        text += f" such as {convention.example!r}"
    if convention.evidence:
        text += f"; {convention.evidence}"
    return text


def _evidence(values: pd.Series, header: str) -> np.ndarray:
    """Cells whose reading as a time says the column holds times: dates, and text but bare
    numbers (unless the header says they are Unix epochs)."""
    is_date: np.ndarray = values.map(lambda v: isinstance(v, datetime | date)).to_numpy(dtype=bool)
    is_text: np.ndarray = values.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    if epoch_unit(header) is not None:
        evidence: np.ndarray = is_date | is_text
        return evidence
    text = values.where(is_text, "").astype(str).str.strip()
    number = text.str.match(_NUMBER).to_numpy(dtype=bool)
    evidence = is_date | (is_text & ~number)
    return evidence
