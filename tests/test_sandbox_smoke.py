"""First end-to-end checks of the sandbox over real loopback HTTP: token, PUT, threaded."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Callable

import aiohttp

from backfill.sandbox import Sandbox, SandboxSettings, ThreadedSandbox

CREDENTIALS = {
    "grant_type": "client_credentials",
    "client_id": "sandbox-client",
    "client_secret": "sandbox-secret",
}


async def test_token_then_put_close_loop(sandbox: Sandbox) -> None:
    sandbox.seed_responses({"53499": "2023-07-01 09:00:00"})
    sandbox.add_users(["john.doe@company.com"])
    async with aiohttp.ClientSession() as session:
        async with session.post(sandbox.token_url, data=CREDENTIALS) as answer:
            assert answer.status == 200
            token = (await answer.json())["access_token"]
        async with session.put(
            sandbox.base_url + "/v7/rest/close-loop/status",
            json={
                "number_customergauge": "53499",
                "status": "progress",
                "happened_at": "2023-07-31 08:50:15",
                "note": "Will get in touch about this",
                "assignee": "john.doe@company.com",
            },
            headers={"Authorization": f"Bearer {token}"},
        ) as answer:
            assert answer.status == 200
            assert await answer.json() == {"data": {"status": True, "note": True, "assignee": True}}
    case = sandbox.state.cases["53499"]
    assert case.status == "progress"
    assert case.assignee == "john.doe@company.com"
    assert sandbox.state.emails["john.doe@company.com"] == 1


async def test_make_sandbox_factory(make_sandbox: Callable[..., Sandbox]) -> None:
    async with (
        make_sandbox(SandboxSettings(client_secret="other")) as sb,
        aiohttp.ClientSession() as session,
        session.post(sb.token_url, data=CREDENTIALS) as answer,
    ):
        assert answer.status == 400
        assert await answer.json() == {"error": "invalid_client"}


def test_threaded_sandbox_serves_synchronous_callers() -> None:
    with ThreadedSandbox(SandboxSettings()) as sb:
        sb.seed_responses({"1": "2023-01-01 00:00:00"})
        assert "1" in sb.state.responses
        request = urllib.request.Request(
            sb.token_url,
            data=urllib.parse.urlencode(CREDENTIALS).encode(),
            method="POST",
        )
        with urllib.request.urlopen(request) as answer:
            assert json.load(answer)["expires_in"] == 3600
    assert not sb.running


def test_sandbox_imports_nothing_from_the_client_side() -> None:
    # the sandbox is written from the API documents: a shared misreading must not pass
    import ast
    from pathlib import Path

    import backfill.sandbox

    allowed_backfill = {"backfill.errors", "backfill.sandbox"}
    package = Path(backfill.sandbox.__file__).parent
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                if name == "backfill" or name.startswith("backfill."):
                    root = ".".join(name.split(".")[:2])
                    assert root in allowed_backfill, f"{source.name} imports {name}"


def test_seeding_a_bad_date_names_the_case() -> None:
    import pytest

    from backfill.errors import InputError

    sandbox = Sandbox()
    with pytest.raises(InputError, match="cannot seed the sandbox with case 7"):
        sandbox.seed_responses({"7": "last tuesday"})


def test_threaded_sandbox_clock_can_be_replaced() -> None:
    from datetime import UTC, datetime

    with ThreadedSandbox() as sb:
        sb.clock = lambda: datetime(2020, 1, 1, tzinfo=UTC)
        assert sb.emulator.now() == datetime(2020, 1, 1, tzinfo=UTC)
