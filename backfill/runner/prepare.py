"""The prepare phase of a run: the plan shown, refusals before anything is sent, what the
journal says of the plan, and the user's go-ahead.

v4.1 cannot keep happened_at: a plan with times is refused unless told to ignore them. The
journal takes out what it shows as already sent, refuses what would rewrite a case's
history backwards (``out-of-order``) and flags what was in flight when an earlier run died
(backfill/runner/resume.py). A real tenant is touched only after `confirm` said yes: the
go-ahead is a callback; the CLI asks on the terminal, or answers yes for ``--yes``; the
library itself never prompts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from backfill import model
from backfill.codes import Code
from backfill.config import Config
from backfill.errors import AuthError, ConfigError
from backfill.journal.store import Journal
from backfill.model import Action, Echo, Outcome
from backfill.plan.build import Plan
from backfill.plan.identity import plan_contents, plan_identities
from backfill.runner.resume import Decisions, decide, utc_times
from backfill.send.auth import Credentials

Confirm = Callable[[str], bool]  # the question -> go ahead?


def check_v41(plan: Plan, config: Config) -> list[str]:
    """v4.1 cannot keep happened_at: refuse a plan with times unless told to ignore them."""
    if config.api.version != "v4.1":
        return []
    rows = plan.frame[plan.frame[model.OUTCOME].eq("") & plan.frame[model.HAPPENED_AT].ne("")]
    if rows.empty:
        return []
    if not config.api.v41_ignore_happened_at:
        first = rows.iloc[0]
        raise ConfigError(
            f"api.version v4.1 cannot keep happened_at, but {len(rows)} action(s) to send have "
            f"a time (first: row {first[model.ROW]} of {first[model.SOURCE]}): CustomerGauge "
            "would record them all at the moment of sending. Use api.version: v7 to keep the "
            "times, or set api.v41_ignore_happened_at: true to send them in order anyway "
            "(the report will say that the times were not kept)"
        )
    return [
        f"v4.1: happened_at not kept: {len(rows)} action(s) were recorded by CustomerGauge at "
        "the time they were sent (in timeline order), not at their happened_at"
    ]


def require_confirmation(message: str, confirm: Confirm | None, url: str) -> None:
    """Go ahead only when `confirm` says yes; without a `confirm` nothing is sent."""
    if confirm is None:
        raise ConfigError(
            f"not sending to {url} without confirmation; pass --yes to confirm in a script "
            "(confirm= in the library), or use --sandbox for a rehearsal"
        )
    if not confirm(message):
        raise ConfigError("cancelled at the confirmation prompt; nothing was sent")


def credentials(config: Config) -> Credentials:
    try:
        return Credentials.from_env(config)
    except AuthError as exc:  # missing before anything was sent: a usage error (exit 2)
        raise ConfigError(str(exc)) from None


def decide_plan(
    plan: Plan,
    config: Config,
    journal: Journal,
    *,
    allow_out_of_order: bool,
    echo: Echo,
    on_plan: Callable[[Plan], None] | None,
) -> tuple[Decisions, list[str]]:
    """Show `plan` (to `on_plan`: the CLI words it), then the journal's decisions on it: what
    to send, and report notes."""
    if on_plan is not None:
        on_plan(plan)
    notes = check_v41(plan, config)
    keys = plan_identities(plan)
    identities = dict(zip(keys.index.tolist(), keys.tolist(), strict=True))
    decisions = decide(
        plan,
        journal,
        identities,
        utc_times(plan),
        allow_out_of_order=allow_out_of_order,
        contents=plan_contents(plan),
    )
    lines, more = explain_decisions(decisions)
    for line in lines:
        echo(line)
    return decisions, [*notes, *more]


def confirm_sending(
    cases: list[list[Action]],
    config: Config,
    target: str,
    confirm: Confirm | None,
    *,
    stage: str = "",
) -> None:
    """Ask before a real tenant is touched; raises if the answer is not yes. `stage` names
    a pilot's part ("the pilot: ", "the rest: ") in the question."""
    from backfill.report.facts import sending_time

    actions = sum(len(case) for case in cases)
    if not actions:
        return
    emails = sum(1 for case in cases for a in case if a.assignee)
    where = (
        f"{target} (api.base_url"
        + (f"; tokens from {config.api.token_url})" if config.api.version == "v7" else ")")
        if config.api.base_url
        else f"CustomerGauge region {config.api.region} at {target}"
    )
    require_confirmation(
        f"Send {stage}{actions:,} action(s) of {len(cases):,} case(s) to {where} "
        f"(API {config.api.version})? "
        f"{sending_time(actions, config.send)}; "
        f"{emails:,} assignment e-mail(s).",
        confirm,
        target,
    )


def explain_decisions(decisions: Decisions) -> tuple[list[str], list[str]]:
    """What the journal decided before sending: lines to show now, notes for the report."""
    lines: list[str] = []
    notes: list[str] = []
    results = decisions.results.values()
    already = len(decisions.accepted) + Counter(r.outcome for r in results)[Outcome.ALREADY_SENT]
    if already:
        lines.append(f"Journal: {already} action(s) already sent by earlier runs")
    out_of_order = sum(1 for r in results if r.code == Code.OUT_OF_ORDER)
    if out_of_order:
        lines.append(
            f"Journal: {out_of_order} action(s) older than their case's last sent action "
            f"are not sent ({Code.OUT_OF_ORDER}; --allow-out-of-order overrides)"
        )
    changed = sum(1 for r in results if r.code == Code.CHANGED_AFTER_SENT)
    if changed:
        lines.append(
            f"Journal: {changed} action(s) changed in the input after they were sent are not "
            f"sent again ({Code.CHANGED_AFTER_SENT}; --allow-out-of-order sends them)"
        )
    if decisions.uncertain:
        lines.append(
            f"Journal: {len(decisions.uncertain)} action(s) may have been applied by an "
            "earlier run (in flight when it stopped, or their answer was lost); they are "
            "re-sent and marked resent_uncertain"
        )
    if decisions.stray_in_flight:
        notes.append(
            f"{decisions.stray_in_flight} action(s) in flight when an earlier run stopped "
            "are not in this input: their outcome is unknown (run that input again)"
        )
    return lines, notes
