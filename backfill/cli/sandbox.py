"""`backfill sandbox`: the local CustomerGauge emulator in the foreground, with its faults."""

from __future__ import annotations

from pathlib import Path

import click

from backfill.cli.common import config_option, handle_errors


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
