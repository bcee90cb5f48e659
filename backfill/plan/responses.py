"""Survey response dates per case: the lower bound of every happened_at of the case.

They come from the input's `response_date` column, or from `responses.file` (a CSV/XLSX with
`number_customergauge` and a date column), or from the API (`responses.source: api`,
backfill/plan/api_dates.py, passed to the plan as `response_dates`). A case with several
different dates keeps the earliest, with a `response-date-conflict` warning on the rows
that disagree: the earliest is the one that rejects nothing the API would accept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from backfill.codes import Code
from backfill.config import Config
from backfill.errors import ConfigError, InputError
from backfill.model import CASE, CASE_KEY, IN_CASE, ROW
from backfill.plan import times
from backfill.plan.cells import case_numbers, normalise_ids

if TYPE_CHECKING:
    pass

_DATE_COLUMN_GUESSES = (
    "response_date",
    "date_survey_response",
    "survey_response_date",
    "survey_date",
    "date",
)


@dataclass
class CaseResponseDates:
    """Per-row response dates (UTC, NaT = unknown) and what was odd about them."""

    per_row: pd.Series  # the case's earliest known date on every row of the case
    conflicting: pd.Series  # bool: the row's own date (or the file's) is later than that
    unreadable: pd.Series  # bool: the row's response_date cell cannot be read
    known: bool = True  # False when the dates come from the API at run time (not here)
    notes: list[str] = field(default_factory=list)


def case_response_dates(
    frame: pd.DataFrame,
    columns: Mapping[str, str],
    config: Config,
    response_dates: Mapping[str, datetime] | None = None,
) -> CaseResponseDates:
    """Response dates for the rows of `frame` (which has CASE), from every source configured."""
    index = frame.index
    own = pd.Series(pd.NaT, index=index, dtype="datetime64[us, UTC]")
    unreadable = pd.Series(False, index=index)
    source = config.responses.source
    if "response_date" in columns and source in ("auto", "file"):
        # a case's date is repeated on each of its rows: each distinct cell is read once
        codes, cells = pd.factorize(frame[columns["response_date"]], use_na_sentinel=False)
        parsed = times.parse_times(
            pd.Series(cells),
            zone=config.input.timezone,
            dayfirst=config.input.dayfirst,
            column=columns["response_date"],
        )
        own = pd.Series(parsed.utc.array.take(codes), index=index)
        unreadable = pd.Series(parsed.unreadable()[codes], index=index)
    extra: dict[str, pd.Timestamp] = {}
    known = True
    if config.responses.file is not None and source in ("auto", "file"):
        extra.update(read_response_file(config.responses.file, config))
    if response_dates is not None:
        for case, stamp in response_dates.items():
            extra[str(case)] = min(_utc(stamp), extra.get(str(case), _utc(stamp)))
    elif source == "api":
        known = False
    if extra:
        # by number: "0123" in the file (or the API) is the case written 123
        given = pd.Series(extra, dtype="datetime64[us, UTC]")
        by_number = given.groupby(case_numbers(pd.Series(given.index)).to_numpy()).min()
        from_map = case_numbers(frame[CASE]).astype(object).map(by_number)
        own = own.where(own.notna() & ~(from_map < own), from_map)
    keys = frame[CASE_KEY] if CASE_KEY in frame else pd.factorize(frame[CASE])[0]
    earliest = own.groupby(keys, sort=False).transform("min")
    has_case = frame[IN_CASE] if IN_CASE in frame else frame[CASE].ne("")
    earliest = earliest.where(has_case)
    conflicting = own.notna() & own.gt(earliest)
    return CaseResponseDates(
        per_row=earliest.astype("datetime64[us, UTC]"),
        conflicting=conflicting,
        unreadable=unreadable,
        known=known,
    )


def read_response_file(path: Path, config: Config) -> dict[str, pd.Timestamp]:
    """Read responses.file: one row per survey response, the earliest date per case kept."""
    from backfill.read.table import read_table

    frame = read_table(Path(path))
    names = [c for c in frame.columns if not str(c).startswith("_")]
    id_column = _find(
        names,
        [
            "number_customergauge",
            config.input.columns.get("number_customergauge") or "number_customergauge",
        ],
    )
    if id_column is None:
        raise InputError(
            f"{path}: no number_customergauge column in the responses file; columns are: "
            f"{', '.join(names)}; rename the id column to number_customergauge"
        )
    wanted = config.responses.date_column
    if wanted is not None:
        date_column = _find(names, [wanted])
        if date_column is None:
            raise InputError(
                f"{path}: column {wanted!r} (responses.date_column) not found; columns are: "
                f"{', '.join(names)}"
            )
    else:
        mapped = config.input.columns.get("response_date")  # the export itself, read with -c
        date_column = _find(names, [*([mapped] if mapped else []), *_DATE_COLUMN_GUESSES])
        others = [c for c in names if c != id_column]
        if date_column is None and len(others) == 1:
            date_column = others[0]
        if date_column is None:
            raise InputError(
                f"{path}: cannot tell which column holds the survey response date; columns "
                f"are: {', '.join(names)}; name it with responses.date_column"
            )
    parsed = times.parse_times(
        frame[date_column],
        zone=config.responses.timezone or config.input.timezone,
        dayfirst=config.input.dayfirst,
        column=f"{date_column} of {path}",
    )
    bad = parsed.code.ne("") & parsed.code.ne(Code.MISSING_TIME)
    if bad.any():
        rows = frame.loc[bad, ROW].head(5).tolist()
        values = frame.loc[bad, date_column].head(5).astype(str).tolist()
        shown = ", ".join(f"row {r}: {v!r}" for r, v in zip(rows, values, strict=True))
        raise InputError(
            f"{path}: column {date_column!r} has {int(bad.sum())} date(s) that cannot be read "
            f"({shown}); use ISO 8601 such as 2023-07-31 08:50:15, or set input.date_format"
        )
    cases = normalise_ids(frame[id_column])
    keep = cases.ne("") & parsed.utc.notna()
    earliest = parsed.utc[keep].groupby(cases[keep]).min()
    return {str(k): v for k, v in earliest.items()}


def check_source(config: Config, response_dates: Mapping[str, datetime] | None) -> None:
    """`responses.source: file` without a file is a config mistake worth stopping for."""
    if config.responses.source == "file" and config.responses.file is None:
        raise ConfigError(
            "responses.source is 'file' but responses.file is not set; give the path of a "
            "CSV/XLSX with number_customergauge and the survey response date"
        )


def _find(names: list[str], wanted: list[str]) -> str | None:
    folded = {str(n).strip().lower().replace(" ", "_"): n for n in names}
    for name in wanted:
        hit = folded.get(str(name).strip().lower().replace(" ", "_"))
        if hit is not None:
            return hit
    return None


def _utc(value: datetime) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
