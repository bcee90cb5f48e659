"""Checks before anything is sent: what the API version can keep, and the user's go-ahead."""

from __future__ import annotations

import sys
from collections.abc import Callable

from backfill import model
from backfill.config import Config
from backfill.errors import ConfigError
from backfill.plan.build import Plan

Confirm = Callable[[str], bool]


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


def ask_confirmation(message: str, *, yes: bool, confirm: Confirm | None, url: str) -> None:
    """The prompt before a real tenant is touched; refuses without a terminal or --yes."""
    if yes:
        return
    if confirm is None:
        if not (sys.stdin is not None and sys.stdin.isatty()):
            raise ConfigError(
                f"not sending to {url} without confirmation: there is no terminal to ask "
                "(stdin is not a TTY); pass --yes to confirm in a script, or use --sandbox "
                "for a rehearsal"
            )
        confirm = _ask_terminal
    if not confirm(message):
        raise ConfigError("cancelled at the confirmation prompt; nothing was sent")


def _ask_terminal(message: str) -> bool:
    sys.stderr.write(f"{message} [y/N] ")
    sys.stderr.flush()
    answer = sys.stdin.readline().strip().lower()
    return answer in ("y", "yes")
