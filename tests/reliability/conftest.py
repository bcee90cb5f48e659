"""Fixtures of the reliability suite: sandbox credentials in the environment."""

from __future__ import annotations

import pytest

from tests.runner_helpers import CREDENTIALS


@pytest.fixture
def creds(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
