"""Shared pytest configuration. Fixtures live in plugin modules owned by their subsystem."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["sandbox_fixtures"]

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DATA = ROOT / "sample_data"


@pytest.fixture
def sample_data() -> Path:
    return SAMPLE_DATA
