"""`run --verify` and `run --pilot`: after sending, read the cases back and compare them with
the plan."""

from __future__ import annotations

import logging
from collections.abc import Collection
from pathlib import Path

from backfill.config import Config
from backfill.errors import AuthError
from backfill.journal.store import Journal
from backfill.model import Echo, OnProgress
from backfill.plan.build import Plan
from backfill.report.summary import Verified
from backfill.send.auth import Credentials
from backfill.send.retry_policy import RetryPolicy
from backfill.send.session import ApiSession
from backfill.verify.check import VerifyOutcome, verify_config, verify_plan


async def verify_after_send(
    plan: Plan,
    config: Config,
    api: ApiSession,
    journal: Journal,
    folder: Path,
    *,
    sandbox_credentials: Credentials | None,
    log: logging.Logger,
    retry_policy: RetryPolicy | None,
    on_progress: OnProgress,
    echo: Echo,
    cases: Collection[str] | None = None,
) -> VerifyOutcome | None:
    """Read back (only `cases` when given) and compare; None when it cannot be read back.

    v7 runs read over their own session, so the reads share its rate limit; a v4.1 run reads
    with v7 (the only API that answers GET close-loop) and its credentials.
    """
    journal.flush()
    if config.api.version != "v7":
        read_config = verify_config(config)
        credentials = sandbox_credentials
        if credentials is None:
            try:
                credentials = Credentials.from_env(read_config)
            except AuthError as exc:
                echo(f"--verify skipped: reading back needs the v7 credentials: {exc}")
                return None
        async with ApiSession(
            read_config, credentials, request_log=log, retry=retry_policy
        ) as reader:
            return await verify_plan(
                plan, reader, journal=journal, folder=folder, on_progress=on_progress, cases=cases
            )
    return await verify_plan(
        plan, api, journal=journal, folder=folder, on_progress=on_progress, cases=cases
    )


def verified(outcome: VerifyOutcome | None) -> Verified | None:
    """What the run's summary keeps of a read-back (the CLI prints it: cli/console.py)."""
    if outcome is None:
        return None
    return Verified(
        summary=outcome.summary, exit_code=int(outcome.exit_status), source=outcome.source
    )
