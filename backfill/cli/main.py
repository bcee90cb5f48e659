"""The `backfill` command line: parse options, load the config, call one library function.

Everything that does work lives in the library; this module maps `BackfillError` to a
one-paragraph message and an exit status (SPEC.md), and shows tracebacks only with --debug.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from backfill.cli.workflow import WorkflowGroup
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
            click.echo(f"Error: {_explained(exc)}", err=True)
            sys.exit(int(exc.exit_status))
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(int(ExitStatus.ABORTED))
        except OSError as exc:
            # a file the library did not expect to fail (full disk, read-only folder): one
            # line, not a traceback; the library's own writes raise OutputError with more
            if debug:
                raise
            click.echo(f"Error: {exc.filename or 'a file'}: {exc.strerror or exc}", err=True)
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
@_handle_errors
def init(inputs: tuple[Path, ...], output: Path, example: bool) -> int:
    """Look at INPUTS and write a starting config: columns, statuses, dates, layout.

    Each setting is commented with its evidence, and a TODO marks what cannot be decided.
    Sends nothing; never overwrites a file (exit 2).
    """
    from backfill.cli.init import init_command

    return init_command(list(inputs), output, example=example, echo=click.echo)


@cli.command()
@_inputs_argument
@_config_option
@_out_option
@_handle_errors
def validate(inputs: tuple[Path, ...], config_path: Path | None, out_dir: Path | None) -> int:
    """Read, map and validate INPUTS; write the invalid rows with reasons (invalid.csv).

    Sends nothing. Writes to --out, else to output.dir with <input-name>-plan as its run id
    (backfill-reports/history-plan/ for history.csv), replacing the files of the previous
    validate or plan of that input; invalid.csv only when a row is invalid. Exit 0 when every
    row is valid, 1 when some are not (expected until they are fixed), 2 on unusable input.
    """
    from backfill.cli.planning import validate_command

    return validate_command(list(inputs), config_path, out_dir, echo=click.echo)


@cli.command()
@_inputs_argument
@_config_option
@_out_option
@_handle_errors
def plan(inputs: tuple[Path, ...], config_path: Path | None, out_dir: Path | None) -> int:
    """Validate INPUTS and order every case's timeline; write plan.csv and cases.csv.

    plan.csv holds the rows in send order; cases.csv the follow-up and close times
    CustomerGauge is predicted to show per case; requests.jsonl each request a run would
    send, its body exactly as it goes out. Prints how long sending will take at
    send.rate_limit and how many assignment e-mails it will cause. Sends nothing; writes
    where validate does.
    """
    from backfill.cli.planning import plan_command

    return plan_command(list(inputs), config_path, out_dir, echo=click.echo)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, help="Port (0 picks a free one).")
@click.option(
    "--responses",
    "responses_file",
    type=click.Path(path_type=Path),
    default=None,
    help="Export or file with number_customergauge and survey response dates (CSV/XLSX; "
    "columns mapped by -c) to seed.",
)
@_config_option
@click.option(
    "--users",
    "users_file",
    type=click.Path(path_type=Path),
    default=None,
    help="File of active users' e-mail addresses, one a line.",
)
@click.option("--accept-any-assignee", is_flag=True, help="Treat every valid e-mail as a user.")
@click.option("--progressive", is_flag=True, help="Tenant: statuses only go open→progress→closed.")
@click.option("--require-note", is_flag=True, help="Tenant: a status change needs a note.")
@click.option("--extended-statuses", is_flag=True, help="Tenant: v4.1 integer statuses 0-99.")
@click.option("--timezone", default="UTC", show_default=True, help="Tenant time zone.")
@click.option("--token-ttl", default=3600.0, show_default=True, help="Token lifetime, seconds.")
@click.option("--latency-ms", default=0.0, show_default=True, help="Fixed delay per answer.")
@click.option("--jitter-ms", default=0.0, show_default=True, help="Plus a random delay up to this.")
@click.option("--rate-limit", default=0, show_default=True, help="Requests/s (sliding); 0 = none.")
@click.option("--error-rate", default=0.0, show_default=True, help="Share answered 500/502/503.")
@click.option("--drop-before", default=0.0, show_default=True, help="Share dropped, not applied.")
@click.option("--drop-after", default=0.0, show_default=True, help="Share applied, answer lost.")
@click.option("--early-expiry", default=0.0, show_default=True, help="Share: token expires early.")
@click.option("--late-apply", default=0.0, show_default=True, help="Share applied late.")
@click.option("--late-apply-s", default=2.5, show_default=True, help="Delay of a late apply, s.")
@click.option("--no-retry-after", is_flag=True, help="429 answers without Retry-After.")
@click.option("--token-errors", default=0.0, show_default=True, help="Token share: 500.")
@click.option("--token-latency-ms", default=0.0, show_default=True, help="Token endpoint delay.")
@click.option("--seed", default=0, show_default=True, help="Seed of every injected fault.")
@_handle_errors
def sandbox(
    host: str,
    port: int,
    responses_file: Path | None,
    config_path: Path | None,
    users_file: Path | None,
    accept_any_assignee: bool,
    progressive: bool,
    require_note: bool,
    extended_statuses: bool,
    timezone: str,
    token_ttl: float,
    latency_ms: float,
    jitter_ms: float,
    rate_limit: int,
    error_rate: float,
    drop_before: float,
    drop_after: float,
    early_expiry: float,
    late_apply: float,
    late_apply_s: float,
    no_retry_after: bool,
    token_errors: float,
    token_latency_ms: float,
    seed: int,
) -> int:
    """Run the local CustomerGauge emulator in the foreground until Ctrl-C.

    Point backfill at it with api.base_url and api.auth_url (printed on start) and the
    throwaway credentials it prints. Sends nothing anywhere: a rehearsal, with faults.
    """
    from backfill.sandbox import Faults, SandboxSettings, serve

    faults = Faults(
        latency_ms=latency_ms,
        jitter_ms=jitter_ms,
        rate_limit=rate_limit or None,
        error_rate=error_rate,
        drop_before_rate=drop_before,
        drop_after_rate=drop_after,
        early_expiry_rate=early_expiry,
        late_apply_rate=late_apply,
        late_apply_s=late_apply_s,
        retry_after=not no_retry_after,
        token_error_rate=token_errors,
        token_latency_ms=token_latency_ms,
        seed=seed,
    )
    settings = SandboxSettings(
        token_ttl_s=token_ttl,
        progressive=progressive,
        require_note=require_note,
        extended_statuses=extended_statuses,
        accept_any_assignee=accept_any_assignee,
        timezone=timezone,
        faults=faults,
    )
    from backfill.cli.sandbox_seed import NO_RESPONSES, response_dates

    responses = None
    if responses_file is None:
        click.echo(NO_RESPONSES, err=True)
    else:
        responses = response_dates(responses_file, config_path, timezone)
        click.echo(f"Seeded {len(responses)} survey responses from {responses_file}.")
    return serve(settings, host, port, users_file=users_file, echo=click.echo, responses=responses)


@cli.command()
@click.argument("inputs", nargs=-1, required=False, type=click.Path(path_type=Path))
@_config_option
@_out_option
@click.option(
    "--journal",
    "journal_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Journal of the run (default: journal: of the config, when it exists). "
    "Without INPUTS, verify every case the journal shows as sent.",
)
@_handle_errors
def verify(
    inputs: tuple[Path, ...],
    config_path: Path | None,
    out_dir: Path | None,
    journal_path: Path | None,
) -> int:
    """Read back each case (GET close-loop) and compare it with the plan's prediction.

    Compares final status, assignee, and time to follow up / close (whole hours); writes
    verify.csv (case, expected, found, verdict). Sends nothing. Exit 0 when every case
    matches, 1 when any mismatches or is missing, 2 on unusable input or config.
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
            echo=click.echo,
        )
    return outcome.exit_status


_JOURNAL_HELP = (
    "SQLite journal of the migration (default: journal: of the config; with "
    "--sandbox a throwaway journal next to the reports)."
)


def _journal_option(func: F, help: str = _JOURNAL_HELP) -> F:
    return click.option(
        "--journal", "journal_path", type=click.Path(path_type=Path), default=None, help=help
    )(func)


def _send_options(func: F) -> F:
    func = click.option(
        "--yes", is_flag=True, help="Send without asking (needed when there is no terminal)."
    )(func)
    return click.option(
        "--sandbox",
        is_flag=True,
        help="Rehearse against a local CustomerGauge emulator (no credentials needed).",
    )(func)


@cli.command()
@_inputs_argument
@_config_option
@_out_option
@_journal_option
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
@_handle_errors
def run(
    inputs: tuple[Path, ...],
    config_path: Path | None,
    out_dir: Path | None,
    journal_path: Path | None,
    sandbox: bool,
    yes: bool,
    verify: bool,
    allow_out_of_order: bool,
) -> int:
    """Validate, plan and send INPUTS to CustomerGauge; write the reports.

    Rate-limited, each case in order, resumable: the journal remembers what was sent, so
    running the same file again sends only the rest. With --sandbox, a rehearsal: nothing
    reaches CustomerGauge, and every case is read back from the emulator at the end. Exit 0
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

    if sandbox:
        click.echo(console.REHEARSAL_FIRST)
    with ProgressBars() as on_progress:
        outcome = send(
            what,
            load_config(config_path),
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
    click.echo(console.run_text(outcome))
    return int(outcome.exit_status)


def _show_plan(plan: Any) -> None:
    from backfill.cli import console

    click.echo(console.plan_text(plan.summary(), plan.sources, plan.config))


@cli.command()
@click.argument("failures_file", type=click.Path(path_type=Path))
@_config_option
@_out_option
@_journal_option
@_send_options
@_handle_errors
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


@cli.command()
@_config_option
@functools.partial(
    _journal_option, help="SQLite journal to read (default: journal: of the config)."
)
@_handle_errors
def status(config_path: Path | None, journal_path: Path | None) -> int:
    """Show what the journal knows: runs, actions by state, and the rows left by outcome."""
    from backfill.config import load_config
    from backfill.runner.run import status as journal_status

    click.echo(journal_status(journal_path or load_config(config_path).journal))
    return 0


def main() -> None:
    """The console script."""
    cli(prog_name="backfill")


if __name__ == "__main__":  # pragma: no cover
    main()
