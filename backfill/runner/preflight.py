"""Checks before anything is sent: what the API version can keep, and the user's go-ahead.

The go-ahead is a callback (`Confirm`): the CLI asks on the terminal, or answers yes for
``--yes``; the library itself never prompts.
"""

from __future__ import annotations

from collections.abc import Callable

from backfill import model
from backfill.config import Config
from backfill.errors import ConfigError
from backfill.plan.build import Plan

Confirm = Callable[[str], bool]  # the question -> go ahead?
Echo = Callable[[str], None]  # a line for the person running the command


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
