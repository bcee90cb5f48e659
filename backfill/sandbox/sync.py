"""The GET readers: ``/v7/rest/sync/close-loop`` (changed cases) and ``sync/responses``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from backfill.sandbox import rules
from backfill.sandbox.answers import json_answer
from backfill.sandbox.state import RESPONSE_DATE_FIELDS, RequestRecord

if TYPE_CHECKING:
    from backfill.sandbox.app import Emulator

DEFAULT_PER_PAGE = 100


async def sync_close_loop(
    emulator: Emulator, request: web.Request, body: dict[str, Any], record: RequestRecord
) -> web.Response:
    query = request.query
    errors: dict[str, list[str]] = {}
    per_page = _per_page(query, errors)
    cursor = _cursor(query, errors)
    start = _query_date(query, "updated_at[start]", "updated at.start", errors)
    end = _query_date(query, "updated_at[end]", "updated at.end", errors)
    if errors:
        return json_answer({"message": rules.laravel_message(errors), "errors": errors}, 422)
    zone = emulator.settings.zone()
    rows: list[dict[str, Any]] = []
    next_cursor: int | None = None
    for case in emulator.state.changed_cases():
        if case.update_seq <= cursor or case.updated_at is None:
            continue
        day = case.updated_at.astimezone(zone).replace(tzinfo=None)
        day = day.replace(hour=0, minute=0, second=0, microsecond=0)
        if (start is not None and day < start) or (end is not None and day > end):
            continue
        if len(rows) == per_page:
            next_cursor = rows[-1]["_seq"]
            break
        rows.append(
            {
                "_seq": case.update_seq,
                "number_customergauge": case.number_customergauge,
                "status": case.status,
                "assignee": case.assignee,
                "time_to_follow_up": case.time_to_follow_up,
                "time_to_close": case.time_to_close,
                "updated_at": rules.format_local(case.updated_at, zone),
            }
        )
    for row in rows:
        del row["_seq"]
    return json_answer({"data": rows, "cursor": {"next": next_cursor}})


async def sync_responses(
    emulator: Emulator, request: web.Request, body: dict[str, Any], record: RequestRecord
) -> web.Response:
    query = request.query
    errors: dict[str, list[str]] = {}
    per_page = _per_page(query, errors)
    cursor = _cursor(query, errors)
    field = query.get("period[field]", "date_survey_response")
    if field not in RESPONSE_DATE_FIELDS:
        errors["period.field"] = ["The selected period.field is invalid."]
    start = _query_date(query, "period[start]", "period.start", errors)
    end = _query_date(query, "period[end]", "period.end", errors)
    if errors:
        return json_answer({"message": rules.laravel_message(errors), "errors": errors}, 422)
    zone = emulator.settings.zone()
    selected = []
    for response in emulator.state.responses.values():
        local = response.date(field).astimezone(zone).replace(tzinfo=None)
        day = local.replace(hour=0, minute=0, second=0, microsecond=0)
        if (start is not None and day < start) or (end is not None and day > end):
            continue
        selected.append((response.date(field), response.number_customergauge, response))
    selected.sort(key=lambda item: (item[0], item[1]))
    page = selected[cursor : cursor + per_page]
    more = cursor + per_page < len(selected)
    rows = [
        {
            "number_customergauge": response.number_customergauge,
            **{
                name: rules.format_local(response.date(name), zone) for name in RESPONSE_DATE_FIELDS
            },
        }
        for _, _, response in page
    ]
    return json_answer({"data": rows, "cursor": {"next": cursor + per_page if more else None}})


def _per_page(query: Mapping[str, str], errors: dict[str, list[str]]) -> int:
    raw = query.get("per_page")
    if raw is None:
        return DEFAULT_PER_PAGE
    if not raw.strip().isdigit() or not 1 <= int(raw) <= 1000:
        errors["per_page"] = ["The per page must be between 1 and 1000."]
        return DEFAULT_PER_PAGE
    return int(raw)


def _cursor(query: Mapping[str, str], errors: dict[str, list[str]]) -> int:
    raw = query.get("cursor")
    if raw is None or raw == "":
        return 0
    if not raw.strip().isdigit():
        errors["cursor"] = ["The cursor must be an integer."]
        return 0
    return int(raw)


def _query_date(
    query: Mapping[str, str], key: str, label: str, errors: dict[str, list[str]]
) -> datetime | None:
    raw = query.get(key)
    if raw is None or raw == "":
        return None
    parsed = rules.parse_date(raw.strip())
    if parsed is None:
        errors[label] = [f"The {label} does not match the format Y-m-d."]
    return parsed
