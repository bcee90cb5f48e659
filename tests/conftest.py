"""Shared pytest configuration. Fixtures live in plugin modules owned by their subsystem."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["sandbox_fixtures", "codes_seen"]

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DATA = ROOT / "sample_data"


@pytest.fixture
def sample_data() -> Path:
    return SAMPLE_DATA


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sessions the test cannot reach (made by a CLI command) back off in milliseconds:
    the test is about what is retried, not about waiting a second per retry."""
    from backfill.send import session
    from backfill.send.retry_policy import RetryPolicy

    monkeypatch.setattr(session, "RetryPolicy", lambda: RetryPolicy(base_s=0.01, cap_s=0.1))


@pytest.fixture
def creds(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sandbox's throwaway credentials in the environment, as a user exports them."""
    from tests.runner_helpers import CREDENTIALS

    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(autouse=True)
def _forget_secrets() -> None:
    """Each test starts with no remembered secret: the redaction registry lives as long as
    the process (one command), and a test worker runs many."""
    from backfill.redact import forget_secrets

    forget_secrets()
