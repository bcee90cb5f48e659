"""`backfill run` and `retry` as library functions; the CLI only calls these.

A run: build the plan; refuse what cannot be sent faithfully (v4.1 with times); open the
journal and take out what it shows as already sent, refuse what would rewrite a case's
history backwards (``out-of-order``), flag what was in flight when an earlier run died; ask
`confirm` before touching a real tenant; send in one event loop with progress reported to
`on_progress`, a request log and Ctrl-C handling; then write the reports and return the
exit status of SPEC.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from backfill import model
from backfill.config import Config, new_run_id, output_dir
from backfill.errors import AuthError, BackfillError, ConfigError, ExitStatus, JournalError
from backfill.journal.identity import plan_contents, plan_identities
from backfill.journal.resume import (
    Decisions,
    JournalHooks,
    case_counts,
    collect_results,
    decide,
    utc_times,
)
from backfill.journal.store import Journal
from backfill.model import OnProgress, no_progress
from backfill.plan.build import Plan
from backfill.runner.logs import close_logger, run_logger
from backfill.runner.output import output_error
from backfill.runner.preflight import Confirm, Echo, check_v41, require_confirmation
from backfill.runner.status import explain_decisions, status
from backfill.send.auth import Credentials
from backfill.send.retry_policy import RetryPolicy
from backfill.send.session import ApiSession

__all__ = ["RunOutcome", "retry", "run", "status"]

# The plan of a run, made once the run's session (for response dates from the API) is open.
MakePlan = Callable[[ApiSession | None, Journal], Awaitable[Plan]]


def _quiet(line: str) -> None:
    """The default `echo`: the library says nothing unless the caller wants to hear it."""


@dataclass
class RunOutcome:
    """What a run did: its exit status, where the reports are, and summary.json's content."""

    run_id: str
    exit_status: ExitStatus
    out_dir: Path
    summary: dict[str, Any]
    files: list[Path] = field(default_factory=list)
    aborted: str | None = None


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
        self.aborted: str | None = None
        self.target = config.api.api_base
        self.requests = 0
        self.unreachable = False  # stopped at a host it never reached: nothing was sent
        self.elapsed_s = 0.0
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
            if self.requests:  # not "nothing sent": summary.json says 3 as well
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
            return self._finish(plan, decisions, hooks, journal, log)
        finally:
            failed = close_logger(log)  # never raises: the journal must still be closed
            if failed is not None:
                self.echo(f"Note: run.log could not be written: {failed.strerror or failed}")

    def _session(self, config: Config, credentials: Credentials, log: logging.Logger) -> ApiSession:
        return ApiSession(config, credentials, request_log=log, retry=self.options.retry_policy)

    async def _main(
        self, make_plan: MakePlan, journal: Journal, log: logging.Logger
    ) -> tuple[Plan, Decisions, JournalHooks]:
        from backfill.plan.build import format_summary
        from backfill.report.facts import sending_time
        from backfill.verify.responses import remember_response_dates

        config = self.config
        async with AsyncExitStack() as stack:
            api = None
            if config.responses.source == "api" and not self.sandbox:
                api = await stack.enter_async_context(
                    self._session(config, _credentials(config), log)
                )
            plan = await make_plan(api, journal)
            remember_response_dates(plan, journal)  # for `backfill verify --journal` later
            if self.options.on_plan is not None:
                self.options.on_plan(plan)
            else:
                self.echo(format_summary(plan))
            self.notes.extend(check_v41(plan, config))
            keys = plan_identities(plan)
            identities = {int(k): str(v) for k, v in zip(keys.index, keys, strict=True)}
            happened = utc_times(plan)
            contents = plan_contents(plan)
            decisions = decide(
                plan,
                journal,
                identities,
                happened,
                allow_out_of_order=self.options.allow_out_of_order,
                contents=contents,
            )
            hooks = JournalHooks(
                journal, self.run_id, identities, happened, decisions.uncertain, contents
            )
            lines, notes = explain_decisions(decisions)
            for line in lines:
                self.echo(line)
            self.notes.extend(notes)
            actions = sum(len(case) for case in decisions.cases)
            if not decisions.cases and not self.verify:
                self.began = True
                journal.begin_run(self.run_id, self.command, self.inputs, self.target)
                return plan, decisions, hooks
            sandbox_credentials: Credentials | None = None
            if self.sandbox:
                from backfill.runner.rehearsal import SANDBOX_CREDENTIALS, started_sandbox

                config, self.target = await stack.enter_async_context(started_sandbox(plan, config))
                credentials = sandbox_credentials = SANDBOX_CREDENTIALS
                self.echo(f"Sandbox: a local CustomerGauge emulator at {self.target}")
            else:
                credentials = _credentials(config)
                if actions:
                    emails = sum(1 for case in decisions.cases for a in case if a.assignee)
                    require_confirmation(
                        f"Send {actions:,} action(s) of {len(decisions.cases):,} case(s) to "
                        f"CustomerGauge region {config.api.region} at {self.target} "
                        f"(API {config.api.version})? "
                        f"{sending_time(actions, config.send.rate_limit)}; "
                        f"{emails:,} assignment e-mail(s).",
                        self.options.confirm,
                        self.target,
                    )
            if api is None or self.sandbox:
                api = await stack.enter_async_context(self._session(config, credentials, log))
            self.began = True
            journal.begin_run(self.run_id, self.command, self.inputs, self.target)
            log.info(
                "run %s: %s action(s) of %s case(s) to %s (API %s, rate %s/s, concurrency %s)",
                self.run_id,
                actions,
                len(decisions.cases),
                self.target,
                config.api.version,
                config.send.rate_limit,
                config.send.concurrency,
            )
            await self._send(api, config, decisions, hooks)
            if self.verify and self.aborted is None:
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

    async def _send(
        self, api: ApiSession, config: Config, decisions: Decisions, hooks: JournalHooks
    ) -> None:
        from backfill.runner.signals import Interrupts
        from backfill.send.lanes import send_cases

        stop = asyncio.Event()
        started = time.monotonic()
        requests_before = api.requests
        try:
            with Interrupts(stop, self.echo) as interrupts:
                task = asyncio.create_task(
                    send_cases(
                        api,
                        decisions.cases,
                        send=config.send,
                        hooks=hooks,
                        stop=stop,
                        on_progress=self.options.on_progress,
                        earlier_lost=decisions.lost_at,
                    )
                )
                interrupts.task = task
                try:
                    report = await task
                    self.aborted = report.aborted
                except asyncio.CancelledError:
                    if interrupts.count < 2:
                        raise
                    self.aborted = "interrupted twice: stopped at once"
                except BackfillError as exc:
                    self.aborted = f"{type(exc).__name__}: {exc}"
                if self.aborted is None and interrupts.interrupted:
                    self.aborted = "interrupted (Ctrl-C or SIGTERM)"
        finally:
            self.elapsed_s = time.monotonic() - started
            self.requests = api.requests - requests_before
            self.unreachable = api.nothing_reached

    def _finish(
        self,
        plan: Plan,
        decisions: Decisions,
        hooks: JournalHooks,
        journal: Journal,
        log: logging.Logger,
    ) -> RunOutcome:
        from backfill.report.facts import describe_run
        from backfill.report.files import build_report, write_reports

        results = collect_results(plan, decisions, hooks, aborted=self.aborted)
        outcomes = [r.outcome for r in results.values()]
        if self.aborted is not None:
            # a wrong region or no network before anything was sent: a setting to fix (2)
            exit_status = ExitStatus.USAGE if self.unreachable else ExitStatus.ABORTED
        elif any(o in model.FAILURE_OUTCOMES for o in outcomes) or (
            self.verified is not None and self.verified["exit_code"] != 0
        ):
            exit_status = ExitStatus.ROWS_FAILED
        else:
            exit_status = ExitStatus.OK
        if self.aborted is not None:
            self.notes.append(f"aborted: {self.aborted}; a re-run resumes with the pending rows")
        lost = {str(plan.frame.at[k, model.CASE]) for k, r in results.items() if r.answer_lost}
        if lost:
            self.notes.append(
                f"{len(lost)} case(s) had an answer lost (answer_lost in results.csv): the API "
                "may have applied those requests late or twice; run `backfill verify` on the "
                "same input to check their final state"
            )
        extra: dict[str, Any] = {
            "command": self.command,
            "target": self.target,
            "sandbox": self.sandbox,
            "journal": str(self.journal_path),
        }
        if self.aborted is not None:
            extra["aborted"] = self.aborted
        if self.verified is not None:
            extra["verify"] = self.verified

        def report_for(status: ExitStatus) -> Any:
            report = build_report(
                plan.frame,
                plan.original_columns,
                results,
                run_id=self.run_id,
                cases=len(plan.cases),
                requests=self.requests,
                elapsed_s=self.elapsed_s,
                exit_code=int(status),
                notes=self.notes,
                extra=extra,
            )
            describe_run(
                report.summary,
                plan,
                {key: str(result.outcome) for key, result in results.items()},
                command=self.command,
                inputs=self.inputs,
                config_file=self.options.config_file,
                out_dir=self.out_dir,
                started_at=self.started_at,
            )
            return report

        report = report_for(exit_status)
        # The journal first, so that summary.json states the exit status the run really has.
        journal_error: JournalError | None = None
        try:
            journal.update_cases(self.run_id, case_counts(plan, results))
            journal.end_run(self.run_id, int(exit_status), len(results), report.summary["outcomes"])
        except JournalError as exc:
            journal_error, exit_status = exc, ExitStatus.ABORTED
            self.notes.append(f"the journal could not record this run's end: {exc}")
            report = report_for(exit_status)
        try:
            files = write_reports(report, self.out_dir, xlsx=self.config.output.xlsx)
        except OSError as exc:
            error = output_error(
                exc, self.out_dir, sent=self.requests > 0, journal=self.journal_path
            )
            with contextlib.suppress(JournalError):
                journal.end_run(
                    self.run_id,
                    int(error.exit_status),
                    len(results),
                    report.summary["outcomes"],
                    error=str(error),
                )
            raise error from None
        if journal_error is not None:
            journal_error.exit_status = ExitStatus.ABORTED
            raise journal_error
        log.info("finished: exit %s, outcomes %s", int(exit_status), report.summary["outcomes"])
        summary = report.summary  # (the CLI prints it: backfill/cli/console.py)
        return RunOutcome(
            self.run_id, exit_status, self.out_dir, summary, files=files, aborted=self.aborted
        )


def _credentials(config: Config) -> Credentials:
    try:
        return Credentials.from_env(config)
    except AuthError as exc:  # missing before anything was sent: a usage error (exit 2)
        raise ConfigError(str(exc)) from None
