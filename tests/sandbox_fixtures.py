"""pytest plugin: the CustomerGauge sandbox on a free loopback port.

- ``sandbox``: a started `Sandbox` with default settings (no responses, no users seeded).
- ``make_sandbox``: ``async with make_sandbox(settings, clock=...) as sb:`` for custom
  settings; any sandbox it made that is still running is stopped at teardown.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

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
