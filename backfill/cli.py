"""The `backfill` command line: parse options, load the config, call one library function.

Everything that does work lives in the library; this module maps `BackfillError` to a
one-paragraph message and an exit status (SPEC.md), and shows tracebacks only with --debug.
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

INPUT_HELP = "CSV/TSV/TXT or Excel (.xlsx/.xlsm/.xls) export; several may be given."


def _handle_errors(func: F) -> F:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = click.get_current_context().find_root().params.get("debug", False)
        try:
            status = func(*args, **kwargs)
        except BackfillError as exc:
            if debug:
                raise
            click.echo(f"Error: {exc}", err=True)
            sys.exit(int(exc.exit_status))
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(int(ExitStatus.ABORTED))
        sys.exit(int(status) if status is not None else 0)

    return wrapper  # type: ignore[return-value]


def _inputs_argument(func: F) -> F:
    return click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))(func)


def _config_option(func: F) -> F:
    return click.option(
        "-c",
        "--config",
        "config_path",
        type=click.Path(path_type=Path),
        default=None,
        help="YAML config (default: ./backfill.yaml when it exists, else built-in defaults).",
    )(func)


def _out_option(func: F) -> F:
    return click.option(
        "--out",
        "out_dir",
        type=click.Path(path_type=Path),
        default=None,
        help="Folder for the reports (default: output.dir of the config).",
    )(func)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.version_option(package_name="backfill")
def cli(debug: bool) -> None:
    """Replay historical Close the Loop actions into CustomerGauge: in order, once, with proof."""


@cli.command()
@_inputs_argument
@_config_option
@_out_option
@_handle_errors
def validate(inputs: tuple[Path, ...], config_path: Path | None, out_dir: Path | None) -> int:
    """Read, map and validate INPUTS; write the invalid rows with reasons (invalid.csv).

    Sends nothing. Exit 0 when every row is valid, 1 when some are not, 2 on unusable input.
    """
    from backfill.commands import validate_command

    return validate_command(list(inputs), config_path, out_dir, echo=click.echo)


@cli.command()
@_inputs_argument
@_config_option
@_out_option
@_handle_errors
def plan(inputs: tuple[Path, ...], config_path: Path | None, out_dir: Path | None) -> int:
    """Validate INPUTS and order every case's timeline; write plan.csv and cases.csv.

    plan.csv holds the rows in send order; cases.csv the follow-up and close times
    CustomerGauge is predicted to show per case. Sends nothing.
    """
    from backfill.commands import plan_command

    return plan_command(list(inputs), config_path, out_dir, echo=click.echo)


def main() -> None:
    cli(prog_name="backfill")


if __name__ == "__main__":  # pragma: no cover
    main()
