"""A local CustomerGauge emulator for rehearsals and tests (``backfill sandbox``).

Written from the API documents (``seeds/000`` PUT Close the Loop v7, ``seeds/003`` v4.1
workflow) and API-NOTES.md, never from backfill's client code, so that a client that
misreads the documents fails against it. See the module docstrings for every decision
taken where the documents are silent.
"""

from __future__ import annotations

from backfill.sandbox.server import Sandbox, ThreadedSandbox, serve
from backfill.sandbox.settings import Faults, SandboxSettings

__all__ = ["Faults", "Sandbox", "SandboxSettings", "ThreadedSandbox", "serve"]
