"""Paging through CustomerGauge's GET sync endpoints (close-loop and responses): one pager
and one reader of an answer's records, for both.

Both endpoints answer ``{"data": [...], "cursor": {"next": ...}}``. Paging follows
``cursor.next`` until it is null/absent, a page is empty, or a cursor repeats (a defensive
stop: an API that hands back the same cursor would otherwise loop forever). An answer that is
not of that shape ends the paging, and says why.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

PER_PAGE = 1000  # the documented maximum: fewest requests against the shared rate limit

Cursor = int | str


class JsonGetter(Protocol):
    """What the pager needs from ApiSession: one rate-limited, retried GET."""

    async def get_json(self, path: str, params: Mapping[str, str]) -> Any: ...


@dataclass(frozen=True, slots=True)
class Answer:
    """One page: the records of `data`, the next cursor (None = last page), and, when the
    answer was not a page at all, why (`problem`)."""

    records: list[Any]
    next_cursor: Cursor | None
    problem: str = ""


def read_answer(body: Any) -> Answer:
    """The records and the next cursor of one answer; a bare object in `data` is one record."""
    if not isinstance(body, Mapping):
        return Answer([], None, f"answer is {type(body).__name__}, not an object")
    data = body.get("data")
    if data is None:
        data = []
    if isinstance(data, Mapping):
        data = [data]
    if not isinstance(data, list):
        return Answer([], None, f"'data' is {type(data).__name__}, not a list")
    return Answer(data, next_cursor(body))


def next_cursor(body: Mapping[str, Any]) -> Cursor | None:
    """The cursor of the next page: `cursor.next` (or a bare `cursor`), None when done."""
    cursor = body.get("cursor")
    if isinstance(cursor, Mapping):
        cursor = cursor.get("next")
    if cursor is None or cursor is False or cursor == "":
        return None
    if isinstance(cursor, float) and cursor.is_integer():
        return int(cursor)
    return cursor if isinstance(cursor, int | str) else None


def case_id(value: Any) -> str | None:
    """number_customergauge as text: ids may come as numbers; None when unusable."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not value.is_integer():
            return None
        value = int(value)
    text = str(value).strip()
    return text or None


async def pages(
    api: JsonGetter, path: str, params: Mapping[str, str]
) -> AsyncGenerator[Answer, None]:
    """Every page of GET `path` with `params`, following the cursor (module docstring).

    A caller that has what it needs stops iterating; no further page is requested.
    """
    seen: set[Cursor] = set()
    cursor: Cursor | None = None
    while True:
        query = dict(params) if cursor is None else {**params, "cursor": str(cursor)}
        answer = read_answer(await api.get_json(path, query))
        yield answer
        cursor = answer.next_cursor
        if cursor is None or not answer.records or cursor in seen:
            return
        seen.add(cursor)
