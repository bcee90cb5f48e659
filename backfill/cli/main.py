"""The `backfill` command line: parse options, load the config, call one library function.

Everything that does work lives in the library; errors reach a person through
backfill/cli/common.py. The commands that send are in send.py, the emulator in sandbox.py;
--help lists every command in workflow order (workflow.py), wherever it is defined.
"""

from __future__ import annotations

import functools
from pathlib import Path

import click

from backfill.cli.common import (
    config_option,
    handle_errors,
    inputs_argument,
    journal_option,
    out_option,
    say,
)
from backfill.cli.sandbox import sandbox
from backfill.cli.send import retry, run
from backfill.cli.workflow import WorkflowGroup


@click.group(cls=WorkflowGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.version_option(package_name="backfill")
def cli(debug: bool) -> None:
    """Replay historical Close the Loop actions into CustomerGauge: in order, once, with proof."""


@cli.command()
@click.argument("inputs", nargs=-1, required=False, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=Path("backfill.yaml"),
    show_default=True,
    help="Config file to write (never overwritten).",
)
@click.option("--example", is_flag=True, help="Write the documented example config instead.")
@click.option(
    "--encoding",
    default=None,
    help="The encoding CSV/TSV/TXT exports were saved in (a Python codec name such as cp1250); "
    "default: decided from the bytes.",
)
@handle_errors
def init(inputs: tuple[Path, ...], output: Path, example: bool, encoding: str | None) -> int:
    """Look at INPUTS and write a starting config: columns, statuses, dates, layout.

    Each setting is commented with its evidence, and a TODO marks what cannot be decided.
    Sends nothing; never overwrites a file (exit 2).
    """
    from backfill.cli.init import init_command

    return init_command(list(inputs), output, example=example, echo=say, encoding=encoding)


@cli.command()
@inputs_argument
@config_option
@out_option
@handle_errors
def validate(inputs: tuple[Path, ...], config_path: Path | None, out_dir: Path | None) -> int:
    """Read, map and validate INPUTS; write the invalid rows with reasons (invalid.csv).

    Sends nothing. Writes to --out, else to output.dir with <input-name>-plan as its run id
    (backfill-reports/history-plan/ for history.csv), replacing the files of the previous
    validate or plan of that input; invalid.csv only when a row is invalid. Exit 0 when every
    row is valid, 1 when some are not (expected until they are fixed), 2 on unusable input.
    """
    from backfill.cli.planning import validate_command

    return validate_command(list(inputs), config_path, out_dir, echo=say)


@cli.command()
@inputs_argument
@config_option
@out_option
@handle_errors
def plan(inputs: tuple[Path, ...], config_path: Path | None, out_dir: Path | None) -> int:
    """Validate INPUTS and order every case's timeline; write plan.csv and cases.csv.

    plan.csv holds the rows in send order; cases.csv the follow-up and close times
    CustomerGauge is predicted to show per case; requests.jsonl each request a run would
    send, its body exactly as it goes out. Prints how long sending will take at
    send.rate_limit and how many assignment e-mails it will cause. Sends nothing; writes
    where validate does.
    """
    from backfill.cli.planning import plan_command

    return plan_command(list(inputs), config_path, out_dir, echo=say)


@cli.command()
@click.argument("inputs", nargs=-1, required=False, type=click.Path(path_type=Path))
@config_option
@out_option
@click.option(
    "--journal",
    "journal_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Journal of the run (default: journal: of the config, else the journal of the "
    "config's target under .backfill/, when it exists; another target's is refused). "
    "Without INPUTS, verify every case the journal shows as sent.",
)
@handle_errors
def verify(
    inputs: tuple[Path, ...],
    config_path: Path | None,
    out_dir: Path | None,
    journal_path: Path | None,
) -> int:
    """Read back each case (GET close-loop) and compare it with the plan's prediction.

    Compares final status, assignee, and time to follow up / close (whole hours) with what
    every run and retry the journal records should have left (retried rows in the place of
    the rows they fixed); writes verify.csv (case, expected, found, verdict, likely cause).
    Sends nothing. Exit 0 when every case matches, 1 when any mismatches or is missing, 2 on
    unusable input or config.
    """
    from backfill.cli.progress import ProgressBars
    from backfill.config import load_config
    from backfill.verify.check import verify as verify_backfill

    with ProgressBars() as on_progress:
        outcome = verify_backfill(
            list(inputs),
            load_config(config_path),
            out_dir=out_dir,
            journal_path=journal_path,
            on_progress=on_progress,
            echo=say,
        )
    return outcome.exit_status


@cli.command()
@config_option
@functools.partial(
    journal_option,
    help="SQLite journal to read (default: journal: of the config, else the journal of the "
    "config's target under .backfill/). A journal of another target than the config's is "
    "refused; without a config file, any journal is shown.",
)
@handle_errors
def status(config_path: Path | None, journal_path: Path | None) -> int:
    """Show what the journal knows: runs, actions by state, and the rows left by outcome."""
    from backfill.cli.console import config_file_used
    from backfill.config import load_config
    from backfill.runner.run import status as journal_status

    # without a config file there is no target to hold an explicit journal to
    named = config_file_used(config_path) is not None or journal_path is None
    say(journal_status(journal_path, load_config(config_path) if named else None))
    return 0


for _command in (run, retry, sandbox):
    cli.add_command(_command)


def main() -> None:
    """The console script."""
    cli(prog_name="backfill")


if __name__ == "__main__":  # pragma: no cover
    main()
