"""The confirmation prompt before a real tenant is touched (the library takes a callback)."""

from __future__ import annotations

import sys

import click

from backfill.errors import ConfigError
from backfill.runner.prepare import Confirm


def confirmation(*, yes: bool) -> Confirm:
    """What answers the run's question: always yes with --yes, else the person at the terminal.

    Without a terminal (a script, a pipe) there is nobody to ask: refuse rather than hang.
    """
    if yes:
        return _always_yes

    def ask(message: str) -> bool:
        if sys.stdin is None or not sys.stdin.isatty():
            raise ConfigError(
                "not sending without confirmation: there is no terminal to ask "
                "(stdin is not a TTY); pass --yes to confirm in a script, or use --sandbox "
                "for a rehearsal"
            )
        return click.confirm(message, default=False, err=True)

    return ask


def _always_yes(message: str) -> bool:
    return True
