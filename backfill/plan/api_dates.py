"""Planning with survey response dates from the API (`responses.source: api`): GET
/v7/rest/sync/responses, asked between reading the input's cells and the rest of planning.

Response dates are the lower bound of every `happened_at` (API-NOTES.md), so the plan needs
them before it can validate. This module pages through GET responses with
`period[field]` = `responses.api_date_field` over a period that covers the input, keeps only
the ids of the input, and stores what it found in the journal so that a re-run (or `verify`
later) does not fetch them again. Ids the API does not return are simply absent from the
result: the plan then applies `validation.missing_response_date` to them, like to any case
without a date.

The period: a survey response precedes the actions on its case, so the period ends on the
day of the input's latest `happened_at` and starts `LOOKBACK_DAYS` before its earliest one.
The look-back is a module constant, not a config key (SPEC.md fixes the keys): a case first
handled more than a year after its survey is rare, and such a case is reported as missing,
never silently misdated.

Every request goes through the caller's ApiSession, so it shares the run's rate limiter and
retry policy with the sends; the pager stops early once every wanted id has been seen.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd
from pandas.api.typing import NaTType

from backfill.model import TIME_FORMAT, Echo, OnProgress, ProgressEvent, no_progress
from backfill.plan.identity import utc_text
from backfill.read.sync_pages import (
    PER_PAGE,
    Answer,
    Cursor,
    JsonGetter,
    case_id,
    pages,
)

if TYPE_CHECKING:
    from backfill.config import Config
    from backfill.plan.build import Cells, Plan

RESPONSES_PATH = "/v7/rest/sync/responses"
RESPONSE_DATES_STAGE = "response dates"
LOOKBACK_DAYS = 365  # how long before the earliest action the period starts (see docstring)


@dataclass
class ResponsePage:
    dates: dict[str, str]  # case -> the date text as answered
    next_cursor: Cursor | None
    size: int  # records in `data`, usable or not: 0 ends the paging
    skipped: list[str] = field(default_factory=list)


@dataclass
class FetchedDates:
    dates: dict[str, pd.Timestamp]  # case -> response date (UTC)
    pages: int = 0
    records: int = 0
    unreadable: list[str] = field(default_factory=list)  # "case: value" the API sent unparseable


def response_period(
    happened: Iterable[Any], *, today: date, lookback_days: int = LOOKBACK_DAYS
) -> tuple[date, date]:
    """(start, end) dates covering the responses of actions that happened at `happened`.

    `happened` holds timestamps (NaT/None ignored). With no usable time at all the period ends
    today, so that every response up to now is searched.
    """
    stamps = pd.to_datetime(pd.Series(list(happened), dtype=object), errors="coerce", utc=True)
    stamps = stamps.dropna()
    if stamps.empty:
        first = last = today
    else:
        first, last = stamps.min().date(), min(stamps.max().date(), today)
    return first - timedelta(days=lookback_days), last


def parse_response_date(text: Any, timezone: str) -> pd.Timestamp | None:
    """A response date as the API answers it -> a UTC Timestamp; None when unset/unreadable.

    Times without an offset are read in `timezone` (api.timezone: the tenant's zone, the same
    in which happened_at is sent), so the comparison with happened_at is like for like.
    """
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    try:
        stamp: pd.Timestamp | NaTType = pd.Timestamp(text)
    except (ValueError, TypeError):
        return None
    if not isinstance(stamp, pd.Timestamp):  # NaT
        return None
    if stamp.tzinfo is None:
        try:
            local = stamp.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
        except (ValueError, TypeError):
            return None
        if not isinstance(local, pd.Timestamp):  # a time that does not exist there, or twice
            return None
        stamp = local
    return stamp.tz_convert("UTC")


def parse_responses_page(answer: Answer, date_field: str) -> ResponsePage:
    """One GET responses answer (read_answer's) -> {case: date text}, the next cursor,
    skipped records."""
    dates: dict[str, str] = {}
    skipped: list[str] = [answer.problem] if answer.problem else []
    for record in answer.records:
        if not isinstance(record, Mapping):
            skipped.append(f"record is {type(record).__name__}, not an object")
            continue
        case = case_id(record.get("number_customergauge"))
        if case is None:
            skipped.append("record without number_customergauge")
            continue
        value = record.get(date_field)
        if value is None or not str(value).strip():
            skipped.append(f"{case}: no {date_field}")
            continue
        dates.setdefault(case, str(value).strip())
    return ResponsePage(dates, answer.next_cursor, len(answer.records), skipped)


async def fetch_response_dates(
    api: JsonGetter,
    wanted: Collection[str],
    *,
    date_field: str,
    start: date,
    end: date,
    timezone: str,
    per_page: int = PER_PAGE,
    on_progress: OnProgress = no_progress,
) -> FetchedDates:
    """Page through GET responses; keep the dates of `wanted` ids only.

    Stops when the API has no next page, a page is empty, a cursor repeats, or every wanted id
    has been found. `on_progress` hears stage ``response dates``: wanted ids found of all.
    """
    result = FetchedDates({})
    remaining = set(wanted)
    if not remaining:
        return result
    params = {
        "per_page": str(per_page),
        "period[field]": date_field,
        "period[start]": start.isoformat(),
        "period[end]": end.isoformat(),
    }
    on_progress(ProgressEvent(RESPONSE_DATES_STAGE, 0, len(remaining), "case"))
    async with aclosing(pages(api, RESPONSES_PATH, params)) as answers:
        async for answer in answers:
            page = parse_responses_page(answer, date_field)
            result.pages += 1
            result.records += page.size
            for case, text in page.dates.items():
                if case not in remaining:
                    continue
                stamp = parse_response_date(text, timezone)
                if stamp is None:
                    result.unreadable.append(f"{case}: {text!r}")
                    continue
                result.dates[case] = stamp
                remaining.discard(case)
            on_progress(ProgressEvent(RESPONSE_DATES_STAGE, len(result.dates), len(wanted), "case"))
            if not remaining:
                break
    return result


def stored_text(stamp: pd.Timestamp) -> str:
    """How a response date is kept in the journal: UTC, like the journal's happened_at."""
    return stamp.tz_convert("UTC").strftime(TIME_FORMAT)


class ResponseDateStore(Protocol):
    """Where response dates fetched once are kept for later runs (the journal)."""

    read_only: bool

    def get_response_dates(self, cases: Iterable[str]) -> dict[str, str]: ...

    def put_response_dates(self, dates: Mapping[str, str]) -> None: ...


async def plan_inputs(
    inputs: Sequence[Path],
    config: Config,
    api: JsonGetter | None,
    store: ResponseDateStore | None,
    *,
    now: datetime | None = None,
    on_progress: OnProgress = no_progress,
    echo: Echo | None = None,
) -> Plan:
    """The plan of `inputs`; with `responses.source: api` and an `api` to ask, its response
    dates come from the API (and `store`), looked up between reading the cells and the rest
    of planning: the input is planned once."""
    from backfill.config import required_fields
    from backfill.plan.build import build_plan, plan_cells, read_shaped_cells
    from backfill.read.table import read_inputs

    if config.responses.source != "api" or api is None:
        return build_plan(inputs, config, now=now, on_progress=on_progress)
    table = read_inputs(
        list(inputs), config.input, required=required_fields(config), on_progress=on_progress
    )
    cells = read_shaped_cells(table, config)  # (as build_plan: before anything is asked)
    dates = await api_response_dates(
        cells, config, api, store, now=now, on_progress=on_progress, echo=echo
    )
    return plan_cells(cells, config, now=now, response_dates=dates)


async def api_response_dates(
    cells: Cells,
    config: Config,
    api: JsonGetter,
    store: ResponseDateStore | None,
    *,
    now: datetime | None = None,
    on_progress: OnProgress = no_progress,
    echo: Echo | None = None,
) -> dict[str, pd.Timestamp]:
    """Response dates of the input's cases for `responses.source: api`.

    The cases and the period come from the input's cells as the planner reads them; dates
    the store (the journal) already holds are not fetched again; the fetched ones are kept
    in it (unless it is read-only).
    """
    from backfill.model import HAPPENED_TS

    wanted = cells.case_ids()
    dates: dict[str, pd.Timestamp] = {}
    if store is not None:
        for case, text in store.get_response_dates(wanted).items():
            stamp = pd.to_datetime(text, utc=True, errors="coerce")
            if isinstance(stamp, pd.Timestamp):
                dates[case] = stamp
    missing = wanted - set(dates)
    fetched = FetchedDates({})
    if missing:
        today = (now or datetime.now(UTC)).date()
        start, end = response_period(cells.frame[HAPPENED_TS], today=today)
        fetched = await fetch_response_dates(
            api,
            missing,
            date_field=config.responses.api_date_field,
            start=start,
            end=end,
            timezone=config.api.timezone,
            on_progress=on_progress,
        )
        dates.update(fetched.dates)
        if store is not None and not store.read_only and fetched.dates:
            store.put_response_dates(
                {case: stored_text(stamp) for case, stamp in fetched.dates.items()}
            )
    if echo is not None:
        not_found = len(wanted) - len(dates)
        echo(
            f"response dates ({config.responses.api_date_field}): {len(wanted) - len(missing)} "
            f"from the journal, {len(fetched.dates)} from the API ({fetched.pages} pages), "
            f"{not_found} not found"
            + (
                f" (validation.missing_response_date: {config.validation.missing_response_date})"
                if not_found
                else ""
            )
        )
    return dates


def remember_response_dates(plan: Plan, journal: ResponseDateStore) -> int:
    """Keep the response dates of the plan's cases to send in the journal; return how many.

    Whatever their source (input column, responses.file, the API), they are what the run
    validated against, and what `backfill verify --journal` needs later to check the hours
    of follow-up and close without the input files.
    """
    from backfill.model import CASE, OUTCOME, RESPONSE_TS

    rows = plan.frame[plan.frame[OUTCOME].eq("") & plan.frame[RESPONSE_TS].notna()]
    if rows.empty:
        return 0
    first = rows.groupby(CASE, sort=False)[RESPONSE_TS].first()
    text = utc_text(first)
    journal.put_response_dates(dict(zip(first.index.astype(str), text, strict=True)))
    return len(first)
