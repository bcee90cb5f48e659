"""`backfill sandbox`: the local CustomerGauge emulator in the foreground, with its faults."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any, TypeVar

import click

from backfill.cli.common import config_option, handle_errors
from backfill.sandbox.settings import Faults

F = TypeVar("F", bound=Callable[..., Any])


def fault_options(command: F) -> F:
    """One option per field of `Faults`, named and explained by the field's metadata, in
    the fields' order. A field whose default is None takes 0 for "none"; a flag that is on
    by default (retry_after) is an option that turns it off."""
    for spec in reversed(fields(Faults)):
        option, help_text = spec.metadata["option"], spec.metadata["help"]
        if isinstance(spec.default, bool):
            decorator = click.option(
                option, spec.name, flag_value=not spec.default, default=spec.default, help=help_text
            )
        else:
            default = 0 if spec.default is None else spec.default
            decorator = click.option(
                option,
                spec.name,
                type=type(default),
                default=default,
                show_default=True,
                help=help_text,
            )
        command = decorator(command)
    return command


def faults_from_options(values: dict[str, Any]) -> dict[str, Any]:
    """The Faults fields from the options' values: 0 for a field whose default is None is
    None."""
    out = dict(values)
    for spec in fields(Faults):
        if spec.default is None and not out.get(spec.name):
            out[spec.name] = None
    return out


@click.command()
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
@config_option
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
@click.option(
    "--ignore-happened-at", is_flag=True, help="Tenant fault: stamp arrival time, not happened_at."
)
@click.option("--timezone", default="UTC", show_default=True, help="Tenant time zone.")
@click.option("--token-ttl", default=3600.0, show_default=True, help="Token lifetime, seconds.")
@fault_options
@handle_errors
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
    ignore_happened_at: bool,
    timezone: str,
    token_ttl: float,
    **fault_values: Any,
) -> int:
    """Run the local CustomerGauge emulator in the foreground until Ctrl-C.

    Point backfill at it with api.base_url and api.auth_url (printed on start) and the
    throwaway credentials it prints. Sends nothing anywhere: a rehearsal, with faults.
    """
    from backfill.sandbox import SandboxSettings, serve

    faults = Faults(**faults_from_options(fault_values))
    settings = SandboxSettings(
        token_ttl_s=token_ttl,
        progressive=progressive,
        require_note=require_note,
        extended_statuses=extended_statuses,
        ignore_happened_at=ignore_happened_at,
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
