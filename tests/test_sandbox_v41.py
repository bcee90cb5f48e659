"""POST /v4.1/workflow.json and .xml over real HTTP: seed 003's fields, statuses, answers
and error codes (API-NOTES.md), with the tenant settings shared with v7."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest
from sandbox_fixtures import RawClient

from backfill.sandbox import Sandbox, SandboxSettings

NOW = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
async def sb(make_sandbox: Callable[..., Sandbox]) -> AsyncIterator[Sandbox]:
    async with make_sandbox(SandboxSettings(), clock=lambda: NOW) as sandbox:
        sandbox.seed_responses({"12": "2024-05-01 08:00:00", "CG-77": "2024-05-01 08:00:00"})
        sandbox.add_users(["des.patch@directness.net"])
        yield sandbox


@pytest.fixture
def cg(sb: Sandbox, raw_client: Callable[[Sandbox], RawClient]) -> RawClient:
    return raw_client(sb)


async def test_document_example_closes_the_case(cg: RawClient, sb: Sandbox) -> None:
    form = {
        "number_customergauge": "12",
        "status": "CLOSE",
        "comment": "Solved the issue",
        "assigned_to": "des.patch@directness.net",
    }
    status, text = await cg.workflow(form)
    assert (status, json.loads(text)) == (200, {"Data": {"number_customergauge": 12}})
    case = sb.state.cases["12"]
    assert (case.status, case.assignee) == ("closed", "des.patch@directness.net")
    entry = case.history[0]
    assert (entry.api, entry.note, entry.at, entry.happened_at_given) == (
        "v4.1",
        "Solved the issue",
        NOW,
        False,
    )
    assert sb.state.emails == {"des.patch@directness.net": 1}


@pytest.mark.parametrize(
    ("given", "stored"),
    [("OPEN", "open"), ("IN-PROGRESS", "progress"), ("PROGRESS", "progress"), ("CLOSED", "closed")],
)
async def test_standard_statuses(cg: RawClient, sb: Sandbox, given: str, stored: str) -> None:
    assert (await cg.workflow({"number_customergauge": "12", "status": given}))[0] == 200
    assert sb.state.cases["12"].status == stored


async def test_v41_stamps_times_at_now(cg: RawClient, sb: Sandbox) -> None:
    for status in ("OPEN", "PROGRESS", "CLOSE"):
        await cg.workflow({"number_customergauge": "12", "status": status})
    case = sb.state.cases["12"]
    assert (case.follow_up_at, case.closed_at) == (NOW, NOW)
    assert (case.time_to_follow_up, case.time_to_close) == (748, 748)


async def test_a_non_numeric_id_is_answered_as_text(cg: RawClient) -> None:
    status, text = await cg.workflow({"number_customergauge": "CG-77", "comment": "hello"})
    assert status == 200
    assert json.loads(text) == {"Data": {"number_customergauge": "CG-77"}}


@pytest.mark.parametrize(
    ("form", "key", "http_status", "code", "message"),
    [
        ({"number_customergauge": "12"}, "wrong", 401, 200000, "Invalid API key"),
        (
            {"status": "OPEN"},
            None,
            400,
            300004,
            "Required field not supplied: number_customergauge",
        ),
        (
            {"number_customergauge": "12", "status": "DONE"},
            None,
            400,
            400011,
            "Workflow status does not exist",
        ),
        (
            {"number_customergauge": "12", "status": "3"},
            None,
            400,
            400011,
            "Workflow status does not exist",
        ),
        (
            {"number_customergauge": "999", "status": "OPEN"},
            None,
            400,
            400200,
            "Workflow not found",
        ),
        (
            {"number_customergauge": "12", "happened_at": "2024-01-01 00:00:00"},
            None,
            400,
            300000,
            "Too many parameters: happened_at",
        ),
    ],
)
async def test_documented_errors(
    cg: RawClient,
    sb: Sandbox,
    form: dict[str, str],
    key: str | None,
    http_status: int,
    code: int,
    message: str,
) -> None:
    status, text = await cg.workflow(form, key=key)
    assert (status, json.loads(text)) == (
        http_status,
        {"Error": {"Message": message, "Code": code}},
    )
    assert sb.state.cases == {}


async def test_extended_statuses_when_switched_on(cg: RawClient, sb: Sandbox) -> None:
    sb.settings.extended_statuses = True
    assert (await cg.workflow({"number_customergauge": "12", "status": "42"}))[0] == 200
    assert sb.state.cases["12"].status == "42"
    status, text = await cg.workflow({"number_customergauge": "12", "status": "100"})
    assert (status, json.loads(text)["Error"]["Code"]) == (400, 400011)
    assert (await cg.workflow({"number_customergauge": "12", "status": "OPEN"}))[0] == 200


async def test_xml_answers(cg: RawClient) -> None:
    status, text = await cg.workflow({"number_customergauge": "12", "status": "OPEN"}, xml=True)
    root = ET.fromstring(text)
    assert (status, root.tag, root.findtext("number_customergauge")) == (200, "Data", "12")
    status, text = await cg.workflow({"number_customergauge": "404"}, xml=True)
    root = ET.fromstring(text)
    assert (status, root.tag) == (400, "Error")
    assert (root.findtext("Message"), root.findtext("Code")) == ("Workflow not found", "400200")


async def test_other_methods_are_refused(cg: RawClient, sb: Sandbox) -> None:
    async with cg.session.get(sb.base_url + "/v4.1/workflow.json") as answer:
        assert answer.status == 405
        assert (await answer.json())["Error"]["Code"] == 300003


async def test_unknown_assignee_is_noted_not_assigned(cg: RawClient, sb: Sandbox) -> None:
    form = {"number_customergauge": "12", "status": "OPEN", "assigned_to": "ghost@x.org"}
    assert (await cg.workflow(form))[0] == 200
    case = sb.state.cases["12"]
    assert case.assignee is None
    assert case.history[0].system_notes == ["Attempt to assign the case to ghost@x.org failed"]


async def test_tenant_settings_apply_to_v41(cg: RawClient, sb: Sandbox) -> None:
    sb.settings.progressive = True
    status, text = await cg.workflow({"number_customergauge": "12", "status": "CLOSED"})
    assert (status, json.loads(text)["Error"]["Code"]) == (400, 300001)
    sb.settings.progressive, sb.settings.require_note = False, True
    status, text = await cg.workflow({"number_customergauge": "12", "status": "OPEN"})
    assert json.loads(text)["Error"] == {
        "Message": "Required field not supplied: comment",
        "Code": 300004,
    }
    form = {"number_customergauge": "12", "status": "OPEN", "comment": "picked up"}
    assert (await cg.workflow(form))[0] == 200


async def test_unknown_v41_resource_is_300002(cg: RawClient, sb: Sandbox) -> None:
    async with cg.session.post(sb.base_url + "/v4.1/workflows.json") as answer:
        assert answer.status == 404
        assert await answer.json() == {"Error": {"Message": "Resource not found", "Code": 300002}}


async def test_multipart_form_is_accepted(cg: RawClient, sb: Sandbox) -> None:
    import aiohttp

    form = aiohttp.FormData(default_to_multipart=True)
    form.add_field("number_customergauge", "12")
    form.add_field("status", "OPEN")
    headers = {"Authorization": "api_key sandbox-key"}
    async with cg.session.post(
        sb.base_url + "/v4.1/workflow.json", data=form, headers=headers
    ) as answer:
        assert answer.status == 200
    assert sb.state.cases["12"].status == "open"
