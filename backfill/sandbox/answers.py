"""Reading request bodies and writing answers, shared by every sandbox endpoint."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from aiohttp import web

from backfill.sandbox.state import RequestRecord, SandboxState

JSON = "application/json"

AnyResponse = TypeVar("AnyResponse", bound=web.StreamResponse)


def json_answer(payload: Any, status: int = 200) -> web.Response:
    return web.Response(body=json.dumps(payload).encode(), status=status, content_type=JSON)


def finish(state: SandboxState, record: RequestRecord, response: AnyResponse) -> AnyResponse:
    """Log the status of the answer about to be sent."""
    record.status = response.status
    state.counters[f"status:{response.status}"] += 1
    return response


def parse_form(text: str) -> dict[str, str]:
    # PHP semantics: of repeated keys the last one wins
    return dict(parse_qsl(text, keep_blank_values=True))


async def read_v7_body(request: web.Request) -> dict[str, Any]:
    """JSON or x-www-form-urlencoded, as the Content-Type says (both are documented).

    A body that cannot be read counts as empty, as Laravel does: the answer is then a 422
    naming the required fields.
    """
    content_type = request.content_type
    if content_type == "multipart/form-data":
        return await read_form(request)
    raw = await request.text()
    if content_type == JSON or content_type.endswith("+json"):
        try:
            parsed = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return parse_form(raw)


async def read_form(request: web.Request) -> dict[str, Any]:
    """x-www-form-urlencoded (what curl -d sends) or multipart/form-data (files ignored)."""
    if request.content_type == "multipart/form-data":
        fields = await request.post()
        return {key: value for key, value in fields.items() if isinstance(value, str)}
    return parse_form(await request.text())


def server_error(status: int) -> web.Response:
    if status == 500:
        return json_answer({"message": "Server Error"}, 500)
    # a load balancer's answer: not JSON, as clients meet it in the wild
    reason = {502: "Bad Gateway", 503: "Service Temporarily Unavailable"}[status]
    html = f"<html><head><title>{status} {reason}</title></head><body><h1>{status} {reason}</h1>"
    return web.Response(text=html + "</body></html>", status=status, content_type="text/html")


def drop(request: web.Request, record: RequestRecord, how: str) -> web.Response:
    """Close the connection without answering: the client sees it disconnected."""
    record.status = how
    transport = request.transport
    if transport is not None:
        transport.close()
    # aiohttp fails to write this to the closed transport and drops it quietly
    return web.Response(status=204)


def _is_xml(request: web.Request) -> bool:
    return request.path.endswith(".xml")


def _xml(root: str, fields: Mapping[str, Any]) -> str:
    inner = "".join(f"<{key}>{escape(str(value))}</{key}>" for key, value in fields.items())
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{root}>{inner}</{root}>\n'


def v41_data(request: web.Request, data: Mapping[str, Any]) -> web.Response:
    if _is_xml(request):
        return web.Response(text=_xml("Data", data), content_type="application/xml")
    return json_answer({"Data": dict(data)})


def v41_error(request: web.Request, status: int, code: int, message: str) -> web.Response:
    if _is_xml(request):
        return web.Response(
            text=_xml("Error", {"Message": message, "Code": code}),
            status=status,
            content_type="application/xml",
        )
    return json_answer({"Error": {"Message": message, "Code": code}}, status)
