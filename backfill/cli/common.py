"""What every `backfill` command shares: its options and how its errors reach a person.

A `BackfillError` becomes a one-paragraph message and an exit status (SPEC.md); tracebacks
only with --debug.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from backfill.errors import BackfillError, ExitStatus

F = TypeVar("F", bound=Callable[..., Any])


def say(message: object = "", err: bool = False) -> None:
    """Print a line for the person at the terminal: every line passes the redaction step."""
    from backfill.redact import redact

    click.echo(redact(str(message)), err=err)


def handle_errors(func: F) -> F:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = click.get_current_context().find_root().params.get("debug", False)
        try:
            status = func(*args, **kwargs)
        except BackfillError as exc:
            if debug:
                raise
            say(f"Error: {_explained(exc)}", err=True)
            sys.exit(int(exc.exit_status))
        except KeyboardInterrupt:
            say("Interrupted.", err=True)
            sys.exit(int(ExitStatus.ABORTED))
        except OSError as exc:
            # a file the library did not expect to fail (full disk, read-only folder): one
            # line, not a traceback; the library's own writes raise OutputError with more
            if debug:
                raise
            say(f"Error: {exc.filename or 'a file'}: {exc.strerror or exc}", err=True)
            sys.exit(int(ExitStatus.USAGE))
        sys.exit(int(status) if status is not None else 0)

    return wrapper  # type: ignore[return-value]


def _explained(exc: BackfillError) -> str:
    """The error's message; for a mapping the export does not fit, plus what its other
    columns look like (backfill/starter/inspect.py)."""
    from backfill.read.table import MissingColumns

    if not isinstance(exc, MissingColumns):
        return str(exc)
    from backfill.config import load_config
    from backfill.starter.inspect import with_column_hints

    params = click.get_current_context().params
    return with_column_hints(str(exc), exc.frame, load_config(params.get("config_path")).input)


def inputs_argument(func: F) -> F:
    return click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))(func)


def config_option(func: F) -> F:
    return click.option(
        "-c",
        "--config",
        "config_path",
        type=click.Path(path_type=Path),
        default=None,
        help="YAML config (default: ./backfill.yaml when it exists, else built-in defaults).",
    )(func)


def out_option(func: F) -> F:
    return click.option(
        "--out",
        "out_dir",
        type=click.Path(path_type=Path),
        default=None,
        help="Folder for the reports (default: output.dir of the config).",
    )(func)


_JOURNAL_HELP = (
    "SQLite journal of the migration (default: journal: of the config, else one per target "
    "under .backfill/; with --sandbox a throwaway journal next to the reports). A journal "
    "belongs to the target of its first run: another target is refused."
)


def journal_option(func: F, help: str = _JOURNAL_HELP) -> F:
    return click.option(
        "--journal", "journal_path", type=click.Path(path_type=Path), default=None, help=help
    )(func)
