"""`backfill run` and `retry` as library functions; the CLI only calls these.

A run: build the plan; refuse what cannot be sent faithfully (v4.1 with times); open the
journal and take out what it shows as already sent, refuse what would rewrite a case's
history backwards (``out-of-order``), flag what was in flight when an earlier run died; ask
`confirm` before touching a real tenant; send in one event loop with progress reported to
`on_progress`, a request log and Ctrl-C handling; then write the reports and return the
exit status of SPEC.md. The phases live in prepare.py (journal decisions, confirmation),
sending.py (the event loop's sending) and finish.py (exit status, journal end, reports).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from backfill.config import Config, new_run_id, output_dir
from backfill.errors import ExitStatus, JournalError
from backfill.journal.store import Journal
from backfill.model import OnProgress, no_progress
from backfill.plan.build import Plan
from backfill.runner.finish import Ran, RunOutcome, finish
from backfill.runner.logs import close_logger, run_logger
from backfill.runner.output import output_error
from backfill.runner.preflight import Confirm, Echo
from backfill.runner.prepare import confirm_sending, credentials, decide_plan
from backfill.runner.resume import Decisions, JournalHooks
from backfill.runner.sending import Sent, send_decided
from backfill.runner.status import status
from backfill.send.auth import Credentials
from backfill.send.retry_policy import RetryPolicy
from backfill.send.session import ApiSession

__all__ = ["RunOutcome", "retry", "run", "status"]

# The plan of a run, made once the run's session (for response dates from the API) is open.
MakePlan = Callable[[ApiSession | None, Journal], Awaitable[Plan]]


def _quiet(line: str) -> None:
    """The default `echo`: the library says nothing unless the caller wants to hear it."""


@dataclass(frozen=True)
class _Options:
    out_dir: Path | None
    journal_path: Path | None
    sandbox: bool
    verify: bool
    allow_out_of_order: bool
    confirm: Confirm | None
    echo: Echo
    on_progress: OnProgress
    retry_policy: RetryPolicy | None
    config_file: Path | None = None  # where `config` was read from (report, next steps)
    on_plan: Callable[[Plan], None] | None = None  # shows the plan before sending


# --- public API ----------------------------------------------------------------------------


def run(
    inputs: Sequence[Path | str],
    config: Config,
    *,
    out_dir: Path | None = None,
    journal_path: Path | None = None,
    sandbox: bool = False,
    verify: bool = False,
    allow_out_of_order: bool = False,
    confirm: Confirm | None = None,
    echo: Echo = _quiet,
    on_progress: OnProgress = no_progress,
    retry_policy: RetryPolicy | None = None,
    config_file: Path | None = None,
    on_plan: Callable[[Plan], None] | None = None,
) -> RunOutcome:
    """Validate, plan, send and report INPUTS (``backfill run``).

    `confirm` is asked before a real tenant is touched (None: refuse; ``--yes`` passes one
    that always says yes); `retry_policy` replaces the default backoff (tests shrink it).
    `config_file` is where `config` was read from, for the report and its next steps;
    `on_plan` shows the plan's summary before sending (default: one line through `echo`).
    With `sandbox`, the run is verified at its end whatever `verify` says.
    """
    paths = [Path(p) for p in inputs]

    async def make_plan(api: ApiSession | None, journal: Journal) -> Plan:
        if config.responses.source == "api" and api is not None:
            from backfill.verify.check import plan_for_verify

            return await plan_for_verify(
                paths, config, api, journal, on_progress=on_progress, echo=echo
            )
        from backfill.plan.build import build_plan

        return build_plan(paths, config, on_progress=on_progress)

    options = _Options(
        out_dir,
        journal_path,
        sandbox,
        verify,
        allow_out_of_order,
        confirm,
        echo,
        on_progress,
        retry_policy,
        config_file,
        on_plan,
    )
    return _Run(config, "run", [str(p) for p in paths], options).execute(make_plan)


def retry(
    failures_file: Path | str,
    config: Config,
    *,
    out_dir: Path | None = None,
    journal_path: Path | None = None,
    sandbox: bool = False,
    allow_out_of_order: bool = False,
    confirm: Confirm | None = None,
    echo: Echo = _quiet,
    on_progress: OnProgress = no_progress,
    retry_policy: RetryPolicy | None = None,
    config_file: Path | None = None,
    on_plan: Callable[[Plan], None] | None = None,
) -> RunOutcome:
    """Re-send the (fixed) rows of a failures.csv or a report.xlsx's Failures sheet."""
    from backfill.plan.build import plan_from_table
    from backfill.read.failures import read_failures

    table = read_failures(Path(failures_file), config)

    async def make_plan(api: ApiSession | None, journal: Journal) -> Plan:
        return plan_from_table(table, config)

    options = _Options(
        out_dir,
        journal_path,
        sandbox,
        False,
        allow_out_of_order,
        confirm,
        echo,
        on_progress,
        retry_policy,
        config_file,
        on_plan,
    )
    return _Run(config, "retry", [str(failures_file)], options).execute(make_plan)


# --- one run ---------------------------------------------------------------------------------


class _Run:
    """One run or retry, from plan to reports."""

    def __init__(self, config: Config, command: str, inputs: list[str], options: _Options) -> None:
        self.config = config
        self.command = command
        self.inputs = inputs
        self.options = options
        self.echo = options.echo
        self.run_id = new_run_id()
        self.out_dir = output_dir(config, options.out_dir, self.run_id)
        self.sandbox = options.sandbox
        if options.journal_path is not None:
            self.journal_path = Path(options.journal_path)
        elif options.sandbox:
            from backfill.runner.rehearsal import sandbox_journal

            self.journal_path = sandbox_journal(self.out_dir)
        else:
            self.journal_path = Path(config.journal)
        self.notes: list[str] = []
        self.target = config.api.api_base
        self.sent = Sent()
        self.verified: dict[str, Any] | None = None
        # a rehearsal proves itself: the emulator is gone afterwards, so it reads back now
        self.verify = options.verify or options.sandbox
        self.started_at = datetime.now(UTC)
        self.began = False  # the journal knows of this run: it may have sent something

    def execute(self, make_plan: MakePlan) -> RunOutcome:
        from backfill.runner.tidy import Footprint

        footprint = Footprint(self.out_dir, self.journal_path)
        journal = Journal(self.journal_path)
        refused = False
        try:
            try:
                return self._logged(make_plan, journal)
            finally:
                journal.close()
        except JournalError as exc:
            if self.sent.requests:  # not "nothing sent": summary.json says 3 as well
                exc.exit_status = ExitStatus.ABORTED
            refused = not self.began
            raise
        except BaseException:  # (refused, cancelled, Ctrl-C at the prompt: all before sending)
            refused = not self.began
            raise
        finally:
            if refused:  # nothing was sent: the folder and journal it made go again
                footprint.remove()

    def _logged(self, make_plan: MakePlan, journal: Journal) -> RunOutcome:
        try:
            log = run_logger(self.out_dir / "run.log", self.run_id)
        except OSError as exc:
            raise output_error(exc, self.out_dir, sent=False) from None
        try:
            plan, decisions, hooks = asyncio.run(self._main(make_plan, journal, log))
            ran = Ran(
                self.run_id,
                self.command,
                self.inputs,
                self.target,
                self.sandbox,
                self.journal_path,
                self.out_dir,
                self.started_at,
                self.options.config_file,
                self.config.output.xlsx,
                self.notes,
                self.sent,
                self.verified,
            )
            return finish(ran, plan, decisions, hooks, journal, log)
        finally:
            failed = close_logger(log)  # never raises: the journal must still be closed
            if failed is not None:
                self.echo(f"Note: run.log could not be written: {failed.strerror or failed}")

    def _session(self, config: Config, credentials: Credentials, log: logging.Logger) -> ApiSession:
        return ApiSession(config, credentials, request_log=log, retry=self.options.retry_policy)

    async def _main(
        self, make_plan: MakePlan, journal: Journal, log: logging.Logger
    ) -> tuple[Plan, Decisions, JournalHooks]:
        from backfill.verify.responses import remember_response_dates

        config = self.config
        async with AsyncExitStack() as stack:
            api = None
            if config.responses.source == "api" and not self.sandbox:
                api = await stack.enter_async_context(
                    self._session(config, credentials(config), log)
                )
            plan = await make_plan(api, journal)
            remember_response_dates(plan, journal)  # for `backfill verify --journal` later
            decisions, hooks, notes = decide_plan(
                plan,
                config,
                journal,
                self.run_id,
                allow_out_of_order=self.options.allow_out_of_order,
                echo=self.echo,
                on_plan=self.options.on_plan,
            )
            self.notes.extend(notes)
            if not decisions.cases and not self.verify:
                self.began = True
                journal.begin_run(self.run_id, self.command, self.inputs, self.target)
                return plan, decisions, hooks
            sandbox_credentials: Credentials | None = None
            if self.sandbox:
                from backfill.runner.rehearsal import SANDBOX_CREDENTIALS, started_sandbox

                config, self.target = await stack.enter_async_context(started_sandbox(plan, config))
                sending_as = sandbox_credentials = SANDBOX_CREDENTIALS
                self.echo(f"Sandbox: a local CustomerGauge emulator at {self.target}")
            else:
                sending_as = credentials(config)
                confirm_sending(decisions, config, self.target, self.options.confirm)
            if api is None or self.sandbox:
                api = await stack.enter_async_context(self._session(config, sending_as, log))
            self.began = True
            journal.begin_run(self.run_id, self.command, self.inputs, self.target)
            log.info(
                "run %s: %s action(s) of %s case(s) to %s (API %s, rate %s/s, concurrency %s)",
                self.run_id,
                sum(len(case) for case in decisions.cases),
                len(decisions.cases),
                self.target,
                config.api.version,
                config.send.rate_limit,
                config.send.concurrency,
            )
            await send_decided(
                api,
                config,
                decisions,
                hooks,
                self.sent,
                echo=self.echo,
                on_progress=self.options.on_progress,
            )
            if self.verify and self.sent.aborted is None:
                from backfill.runner.verify_after import verify_after_send

                journal.flush()
                self.verified = await verify_after_send(
                    plan,
                    config,
                    api,
                    journal,
                    self.out_dir,
                    sandbox_credentials=sandbox_credentials,
                    log=log,
                    retry_policy=self.options.retry_policy,
                    on_progress=self.options.on_progress,
                    echo=self.echo,
                )
        return plan, decisions, hooks
