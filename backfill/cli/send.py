"""`backfill run` and `retry`: the commands that send, with bars, the prompt and the console."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from backfill.plan.build import Plan

from backfill.cli.common import (
    F,
    config_option,
    handle_errors,
    inputs_argument,
    journal_option,
    out_option,
)


def _send_options(func: F) -> F:
    func = click.option(
        "--yes", is_flag=True, help="Send without asking (needed when there is no terminal)."
    )(func)
    return click.option(
        "--sandbox",
        is_flag=True,
        help="Rehearse against a local CustomerGauge emulator (no credentials needed).",
    )(func)


@click.command()
@inputs_argument
@config_option
@out_option
@journal_option
@_send_options
@click.option(
    "--verify",
    is_flag=True,
    help="After sending, read every case back and compare (always done with --sandbox).",
)
@click.option(
    "--allow-out-of-order",
    is_flag=True,
    help="Send actions older than their case's last sent action anyway.",
)
@click.option(
    "--pilot",
    type=click.IntRange(min=0),
    default=0,
    metavar="N",
    help="Send N whole cases first, read them back, and send the rest only if they match.",
)
@handle_errors
def run(
    inputs: tuple[Path, ...],
    config_path: Path | None,
    out_dir: Path | None,
    journal_path: Path | None,
    sandbox: bool,
    yes: bool,
    verify: bool,
    allow_out_of_order: bool,
    pilot: int,
) -> int:
    """Validate, plan and send INPUTS to CustomerGauge; write the reports.

    Rate-limited, each case in order, resumable: the journal remembers what was sent, so
    running the same file again sends only the rest. With --sandbox, a rehearsal: nothing
    reaches CustomerGauge, and every case is read back from the emulator at the end. With
    --pilot N, N cases chosen to cover the plan's variety go first and are read back; a
    mismatch stops the run (exit 3) before the rest, and --yes never skips that check. Exit 0
    all sent, 1 some rows failed, invalid or blocked, 2 nothing sent (usage, config, input),
    3 aborted or interrupted.
    """
    from backfill.runner.run import run as run_backfill

    return _send(
        run_backfill,
        list(inputs),
        config_path,
        out_dir,
        journal_path,
        sandbox,
        yes,
        verify=verify,
        allow_out_of_order=allow_out_of_order,
        pilot=pilot,
    )


def _send(
    send: Callable[..., Any],
    what: Any,
    config_path: Path | None,
    out_dir: Path | None,
    journal_path: Path | None,
    sandbox: bool,
    yes: bool,
    **options: Any,
) -> int:
    """run or retry `what` with bars, the prompt and the console's account of it."""
    from backfill.cli import console
    from backfill.cli.progress import ProgressBars
    from backfill.cli.prompts import confirmation
    from backfill.config import load_config
    from backfill.runner.run import RunOptions

    if sandbox:
        click.echo(console.REHEARSAL_FIRST)
    with ProgressBars() as on_progress:
        chosen = RunOptions(
            out_dir=out_dir,
            journal_path=journal_path,
            sandbox=sandbox,
            confirm=confirmation(yes=yes),
            echo=click.echo,
            on_progress=on_progress,
            config_file=console.config_file_used(config_path),
            on_plan=_show_plan,
            **options,
        )
        outcome = send(what, load_config(config_path), chosen)
    click.echo(console.run_text(outcome))
    return int(outcome.exit_status)


def _show_plan(plan: Plan) -> None:
    from backfill.cli import console

    click.echo(console.plan_text(plan.summary(), plan.sources, plan.config))


@click.command()
@click.argument("failures_file", type=click.Path(path_type=Path))
@config_option
@out_option
@journal_option
@_send_options
@handle_errors
def retry(
    failures_file: Path,
    config_path: Path | None,
    out_dir: Path | None,
    journal_path: Path | None,
    sandbox: bool,
    yes: bool,
) -> int:
    """Re-send the fixed rows of FAILURES_FILE (failures.csv or report.xlsx of a run).

    Fix the rows in Excel, save, and retry: what the journal shows as sent is not sent again.
    """
    from backfill.runner.run import retry as retry_backfill

    return _send(retry_backfill, failures_file, config_path, out_dir, journal_path, sandbox, yes)
