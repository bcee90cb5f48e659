"""Before a run sends: what the journal says of the plan, and refusals before sending.

The journal takes out what it shows as already sent, refuses what would rewrite a case's
history backwards (``out-of-order``) and flags what was in flight when an earlier run died;
a real tenant is touched only after `confirm` said yes.
"""

from __future__ import annotations

from collections.abc import Callable

from backfill.config import Config
from backfill.errors import AuthError, ConfigError
from backfill.journal.store import Journal
from backfill.plan.build import Plan
from backfill.plan.identity import plan_contents, plan_identities
from backfill.runner.preflight import Confirm, Echo, check_v41, require_confirmation
from backfill.runner.resume import Decisions, JournalHooks, decide, utc_times
from backfill.runner.status import explain_decisions
from backfill.send.auth import Credentials


def credentials(config: Config) -> Credentials:
    try:
        return Credentials.from_env(config)
    except AuthError as exc:  # missing before anything was sent: a usage error (exit 2)
        raise ConfigError(str(exc)) from None


def decide_plan(
    plan: Plan,
    config: Config,
    journal: Journal,
    run_id: str,
    *,
    allow_out_of_order: bool,
    echo: Echo,
    on_plan: Callable[[Plan], None] | None,
) -> tuple[Decisions, JournalHooks, list[str]]:
    """Show `plan`, then the journal's decisions on it: what to send, hooks, report notes."""
    from backfill.plan.build import format_summary

    if on_plan is not None:
        on_plan(plan)
    else:
        echo(format_summary(plan))
    notes = check_v41(plan, config)
    keys = plan_identities(plan)
    identities = {int(k): str(v) for k, v in zip(keys.index, keys, strict=True)}
    happened = utc_times(plan)
    contents = plan_contents(plan)
    decisions = decide(
        plan,
        journal,
        identities,
        happened,
        allow_out_of_order=allow_out_of_order,
        contents=contents,
    )
    hooks = JournalHooks(journal, run_id, identities, happened, decisions.uncertain, contents)
    lines, more = explain_decisions(decisions)
    for line in lines:
        echo(line)
    return decisions, hooks, [*notes, *more]


def confirm_sending(
    decisions: Decisions, config: Config, target: str, confirm: Confirm | None
) -> None:
    """Ask before a real tenant is touched; raises if the answer is not yes."""
    from backfill.report.facts import sending_time

    actions = sum(len(case) for case in decisions.cases)
    if not actions:
        return
    emails = sum(1 for case in decisions.cases for a in case if a.assignee)
    require_confirmation(
        f"Send {actions:,} action(s) of {len(decisions.cases):,} case(s) to "
        f"CustomerGauge region {config.api.region} at {target} "
        f"(API {config.api.version})? "
        f"{sending_time(actions, config.send.rate_limit)}; "
        f"{emails:,} assignment e-mail(s).",
        confirm,
        target,
    )
