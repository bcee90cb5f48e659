"""pytest plugin: the CustomerGauge sandbox on a free loopback port.

- ``sandbox``: a started `Sandbox` with default settings (no responses, no users seeded).
- ``make_sandbox``: ``async with make_sandbox(settings, clock=...) as sb:`` for custom
  settings; any sandbox it made that is still running is stopped at teardown.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest

from backfill.sandbox import Sandbox, SandboxSettings


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(SandboxSettings(), host="127.0.0.1", port=0) as sb:
        yield sb


@pytest.fixture
async def make_sandbox() -> AsyncIterator[Callable[..., Sandbox]]:
    made: list[Sandbox] = []

    def factory(settings: SandboxSettings | None = None, **kwargs: Any) -> Sandbox:
        sb = Sandbox(settings, host="127.0.0.1", port=0, **kwargs)
        made.append(sb)
        return sb

    yield factory
    for sb in made:
        if sb.running:
            await sb.stop()


class RawClient:
    """Raw HTTP calls to a sandbox for its own tests: plain aiohttp, none of backfill's
    client code, so the sandbox is checked against the documents alone."""

    def __init__(self, sb: Sandbox, session: aiohttp.ClientSession) -> None:
        self.sb = sb
        self.session = session
        self._token: str | None = None

    async def token(self, **form: str) -> tuple[int, Any]:
        data = {
            "grant_type": "client_credentials",
            "client_id": self.sb.settings.client_id,
            "client_secret": self.sb.settings.client_secret,
            **form,
        }
        async with self.session.post(self.sb.token_url, data=data) as answer:
            return answer.status, await answer.json()

    async def bearer(self) -> dict[str, str]:
        if self._token is None:
            status, body = await self.token()
            assert status == 200, body
            self._token = body["access_token"]
        return {"Authorization": f"Bearer {self._token}"}

    async def put(
        self, body: dict[str, Any], *, form: bool = False, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        headers = headers if headers is not None else await self.bearer()
        payload = {"data": body} if form else {"json": body}
        async with self.session.put(
            self.sb.base_url + "/v7/rest/close-loop/status", headers=headers, **payload
        ) as answer:
            return answer.status, await answer.json(content_type=None)

    async def get(self, path: str, params: dict[str, str] | None = None) -> tuple[int, Any]:
        async with self.session.get(
            self.sb.base_url + path, params=params or {}, headers=await self.bearer()
        ) as answer:
            return answer.status, await answer.json(content_type=None)

    async def workflow(
        self, form: dict[str, str], *, key: str | None = None, xml: bool = False
    ) -> tuple[int, str]:
        key = self.sb.settings.api_key if key is None else key
        url = self.sb.base_url + ("/v4.1/workflow.xml" if xml else "/v4.1/workflow.json")
        async with self.session.post(
            url, data=form, headers={"Authorization": f"api_key {key}"}
        ) as answer:
            return answer.status, await answer.text()


@pytest.fixture
async def raw_client() -> AsyncIterator[Callable[[Sandbox], RawClient]]:
    """``raw_client(sb)``: a `RawClient` on one aiohttp session closed at teardown."""
    async with aiohttp.ClientSession() as session:
        yield lambda sb: RawClient(sb, session)
