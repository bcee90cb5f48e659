"""Fixtures of the reliability suite: sandbox credentials in the environment."""

from __future__ import annotations

import pytest

from backfill.send import session
from backfill.send.retry_policy import RetryPolicy
from tests.runner_helpers import CREDENTIALS


@pytest.fixture
def creds(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Backoff in tens of milliseconds instead of seconds: the same policy, shrunk."""

    def policy() -> RetryPolicy:
        return RetryPolicy(base_s=0.02, cap_s=0.2, seed=1)

    monkeypatch.setattr(session, "RetryPolicy", policy)
