"""backfill: replay historical Close the Loop actions into CustomerGauge.

The public API is importable from here; modules load lazily so that `backfill --help`
and small commands start fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    "Config": "backfill.config",
    "load_config": "backfill.config",
    "config_from_dict": "backfill.config",
    "BackfillError": "backfill.errors",
    "ConfigError": "backfill.errors",
    "InputError": "backfill.errors",
    "AuthError": "backfill.errors",
    "JournalError": "backfill.errors",
    "AbortedError": "backfill.errors",
    "ExitStatus": "backfill.errors",
    "Problem": "backfill.errors",
    "Code": "backfill.codes",
    "Action": "backfill.model",
    "Result": "backfill.model",
    "Outcome": "backfill.model",
    "Plan": "backfill.plan.build",
    "build_plan": "backfill.plan.build",
    "plan_from_table": "backfill.plan.build",
    "write_plan_files": "backfill.plan.files",
    "ProgressEvent": "backfill.model",
    "ApiSession": "backfill.send.session",
    "Credentials": "backfill.send.auth",
    "send_cases": "backfill.send.lanes",
    "SendReport": "backfill.send.lanes",
    "Sandbox": "backfill.sandbox",
    "SandboxSettings": "backfill.sandbox",
    "Faults": "backfill.sandbox",
    "ThreadedSandbox": "backfill.sandbox",
    "verify_plan": "backfill.verify.check",
    "VerifyOutcome": "backfill.verify.check",
    "read_close_loop": "backfill.verify.readback",
    "CaseState": "backfill.verify.readback",
    "run": "backfill.runner.run",
    "retry": "backfill.runner.run",
    "status": "backfill.runner.status",
    "RunOutcome": "backfill.runner.run",
    "RunOptions": "backfill.runner.run",
    "Summary": "backfill.report.summary",
    "write_plan": "backfill.runner.planning",
    "Journal": "backfill.journal.store",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'backfill' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
