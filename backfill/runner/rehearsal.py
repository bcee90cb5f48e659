"""`--sandbox`: run against the local CustomerGauge emulator instead of the real API.

The emulator is started in the run's own event loop on a free loopback port, with throwaway
credentials, and set up as the tenant the config describes (time zone, progressive
transitions, required notes, extended v4.1 statuses). Every case of the plan is seeded with
its survey response date, or, when the input has none, with a date before the case's first
action, so that the dress rehearsal accepts exactly what CustomerGauge would accept. Any
syntactically valid e-mail counts as an active user: the sandbox does not know the tenant's
colleagues, and a rehearsal should not report every assignment as partial.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path

from backfill.config import Config
from backfill.model import TIME_FORMAT
from backfill.plan.build import Plan
from backfill.sandbox.settings import Faults, SandboxSettings
from backfill.send.auth import Credentials

# The emulator's throwaway credentials: those SandboxSettings starts it with.
_TENANT = SandboxSettings()
SANDBOX_CREDENTIALS = Credentials(
    client_id=_TENANT.client_id, client_secret=_TENANT.client_secret, api_key=_TENANT.api_key
)
# For a case without any time at all (happened_at optional): any date in the past will do.
_LONG_AGO = "2000-01-01 00:00:00"


def sandbox_journal(out_dir: Path) -> Path:
    """A rehearsal's journal: next to its reports, never the migration's real journal.

    Each --sandbox run starts a fresh, empty emulator; remembering its sends in the real
    journal would make the real run skip them as already sent.
    """
    return out_dir / "sandbox-journal.sqlite"


def seed_dates(plan: Plan) -> dict[str, str]:
    """Case -> response date to seed (naive, in api.timezone like the plan's case table)."""
    dates: dict[str, str] = {}
    cases = plan.cases
    for case, response_at, first_at in zip(
        cases["number_customergauge"], cases["response_at"], cases["first_at"], strict=True
    ):
        case = str(case)
        if not case:
            continue
        if isinstance(response_at, str) and response_at:
            dates[case] = response_at
        elif isinstance(first_at, str) and first_at:
            first = datetime.strptime(first_at[:19], TIME_FORMAT)
            dates[case] = (first - timedelta(days=1)).strftime(TIME_FORMAT)
        else:
            dates[case] = _LONG_AGO
    return dates


@asynccontextmanager
async def started_sandbox(plan: Plan, config: Config) -> AsyncIterator[tuple[Config, str]]:
    """Start the emulator for `plan`; yields (config pointed at it, its base URL)."""
    from backfill.sandbox import Sandbox

    settings = SandboxSettings(
        progressive=config.validation.transitions == "progressive",
        require_note=config.validation.require_note,
        extended_statuses=config.api.extended_statuses,
        accept_any_assignee=True,
        timezone=config.api.timezone,
        faults=Faults(
            server_rate=config.sandbox.server_rate,
            server_rate_headers=config.sandbox.server_rate_headers,
        ),
    )
    async with Sandbox(settings, host="127.0.0.1", port=0) as sb:
        sb.seed_responses(seed_dates(plan))
        api = config.api.model_copy(update={"base_url": sb.base_url, "auth_url": sb.token_url})
        yield config.model_copy(update={"api": api}), sb.base_url
