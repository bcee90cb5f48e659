"""`backfill run` and `retry` as library functions; the CLI only calls these.

A run goes through three phases, each a module of its own:

1. prepare (prepare.py, resume.py): build the plan; refuse what cannot be sent faithfully
   (v4.1 with times); open the journal and take out what it shows as already sent, refuse
   what would rewrite a case's history backwards (``out-of-order``), flag what was in flight
   when an earlier run died; ask `confirm` before touching a real tenant;
2. send (sending.py, verify_after.py): send in one event loop with progress reported to
   `on_progress`, a request log and Ctrl-C handling; read every case back when asked;
3. finish (finish.py): a Result for every row, the exit status of SPEC.md, the journal's
   record of the run's end, the reports.

A run refused before it sends leaves nothing behind (footprint.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from backfill.config import Config, new_run_id, output_dir
from backfill.errors import AuthError, ConfigError, JournalError, OutputError
from backfill.journal.store import Journal
from backfill.journal.target import Choice, Source, Target, check_target, choose_journal, target_of
from backfill.model import Action, Echo, OnProgress, no_progress
from backfill.plan.build import Plan
from backfill.runner.finish import RunOutcome, RunRecord, cannot_write, exit_status, finish
from backfill.runner.footprint import close_logger, run_logger
from backfill.runner.pilot import Pilot, choose_pilot, judge, naming_line, pilot_lines
from backfill.runner.prepare import Confirm, confirm_sending, credentials, decide_plan
from backfill.runner.resume import Decisions
from backfill.runner.sending import JournalHooks, send_decided
from backfill.runner.status import status
from backfill.runner.verify_after import verified, verify_after_send
from backfill.send.auth import Credentials
from backfill.send.retry_policy import RetryPolicy
from backfill.send.session import ApiSession
from backfill.verify.check import VerifyOutcome
from backfill.verify.provenance import origins_to_record

__all__ = ["RunOptions", "RunOutcome", "retry", "run", "status"]

# The plan of a run, made once the run's session (for response dates from the API) is open.
MakePlan = Callable[[ApiSession | None, Journal], Awaitable[Plan]]


def _quiet(line: str) -> None:
    """The default `echo`: the library says nothing unless the caller wants to hear it."""


@dataclass(frozen=True, kw_only=True)
class RunOptions:
    """How to run or retry, beyond the config: one set of options for both."""

    out_dir: Path | None = None  # the reports' folder (default: output.dir)
    journal_path: Path | None = None  # default: `journal:` of the config, else the target's own
    sandbox: bool = False  # rehearse against the local emulator; verified at its end
    verify: bool = False  # read every case back after sending
    allow_out_of_order: bool = False  # send what the journal would refuse as out of order
    confirm: Confirm | None = None  # asked before a real tenant is touched (None: refuse)
    echo: Echo = _quiet  # a line for the person running it
    on_progress: OnProgress = no_progress
    retry_policy: RetryPolicy | None = None  # replaces the default backoff (tests shrink it)
    config_file: Path | None = None  # where the config was read from (report, next steps)
    on_plan: Callable[[Plan], None] | None = None  # shows the plan (the CLI words it)
    pilot: int = 0  # send this many whole cases first; the rest only once they read back right


# --- public API ----------------------------------------------------------------------------


def run(
    inputs: Sequence[Path | str],
    config: Config,
    options: RunOptions | None = None,
    **changes: Any,
) -> RunOutcome:
    """Validate, plan, send and report INPUTS (``backfill run``).

    `options` (or the same names as keywords: ``run(paths, config, confirm=yes)``) say how;
    see `RunOptions`. With `sandbox`, the run is verified at its end whatever `verify` says.
    """
    chosen = replace(options or RunOptions(), **changes)
    paths = [Path(p) for p in inputs]

    async def make_plan(api: ApiSession | None, journal: Journal) -> Plan:
        from backfill.plan.api_dates import plan_inputs

        return await plan_inputs(
            paths, config, api, journal, on_progress=chosen.on_progress, echo=chosen.echo
        )

    return _Run(config, "run", [str(p) for p in paths], chosen).execute(make_plan)


def retry(
    failures_file: Path | str,
    config: Config,
    options: RunOptions | None = None,
    **changes: Any,
) -> RunOutcome:
    """Re-send the (fixed) rows of a failures.csv or a report.xlsx's Failures sheet; options
    as for `run`."""
    from backfill.plan.build import plan_from_table
    from backfill.read.failures import read_failures

    chosen = replace(options or RunOptions(), **changes)
    table = read_failures(Path(failures_file), config)

    async def make_plan(api: ApiSession | None, journal: Journal) -> Plan:
        return plan_from_table(table, config)

    return _Run(config, "retry", [str(failures_file)], chosen).execute(make_plan)


# --- one run ---------------------------------------------------------------------------------


class _Run:
    """One run or retry, from plan to reports: prepare, send, finish."""

    def __init__(
        self, config: Config, command: str, inputs: list[str], options: RunOptions
    ) -> None:
        self.config = config
        self.options = options
        self.echo = options.echo
        run_id = new_run_id()
        out_dir = output_dir(config, options.out_dir, run_id)
        self.journal_target, self.journal_choice = _journal(config, options, out_dir)
        self.record = RunRecord(
            run_id=run_id,
            command=command,
            inputs=inputs,
            out_dir=out_dir,
            journal_path=self.journal_choice.path,
            sandbox=options.sandbox,
            target=config.api.api_base,
            started_at=datetime.now(UTC),
            config_file=options.config_file,
        )
        # a rehearsal proves itself: the emulator is gone afterwards, so it reads back now
        self.verify = options.verify or options.sandbox
        self.began = False  # the journal knows of this run: it may have sent something
        self.origins: list[tuple[str, str, int, str]] = []  # journal.record_origins's rows

    def execute(self, make_plan: MakePlan) -> RunOutcome:
        from backfill.runner.footprint import Footprint

        record = self.record
        footprint = Footprint(record.out_dir, record.journal_path)
        if record.journal_path.is_file():  # another target's journal is refused untouched
            with Journal(record.journal_path, read_only=True) as peek:
                check_target(peek, self.journal_target, self.journal_choice)
        journal = Journal(record.journal_path)
        refused = False
        try:
            try:
                self._say_journal(check_target(journal, self.journal_target, self.journal_choice))
                return self._logged(make_plan, journal)
            finally:
                journal.close()
        except JournalError as exc:
            refused = not self.began
            decided = exit_status(record.sent, stopped_by=exc.exit_status)
            if decided != exc.exit_status:  # summary.json says 3 as well
                raise JournalError(str(exc), exit_status=decided) from None
            raise
        except BaseException:  # (refused, cancelled, Ctrl-C at the prompt: all before sending)
            refused = not self.began
            raise
        finally:
            if refused:  # nothing was sent: the folder and journal it made go again
                footprint.remove()

    def _logged(self, make_plan: MakePlan, journal: Journal) -> RunOutcome:
        record = self.record
        try:
            log = run_logger(record.out_dir / "run.log", record.run_id)
        except OSError as exc:
            raise OutputError(cannot_write(exc, record.out_dir, sent=False)) from None
        try:
            plan, decisions, hooks = asyncio.run(self._phases(make_plan, journal, log))
            return finish(record, plan, decisions, hooks, journal, log)
        finally:
            failed = close_logger(log)  # never raises: the journal must still be closed
            if failed is not None:
                self.echo(f"Note: run.log could not be written: {failed.strerror or failed}")

    def _session(self, config: Config, credentials: Credentials, log: logging.Logger) -> ApiSession:
        return ApiSession(config, credentials, request_log=log, retry=self.options.retry_policy)

    async def _phases(
        self, make_plan: MakePlan, journal: Journal, log: logging.Logger
    ) -> tuple[Plan, Decisions, JournalHooks]:
        """Prepare and send (the finish phase runs after the event loop)."""
        from backfill.plan.api_dates import remember_response_dates

        options, record = self.options, self.record
        config = self.config
        async with AsyncExitStack() as stack:
            # -- prepare: the plan, the journal's decisions, the go-ahead
            api = None
            if config.responses.source == "api" and not options.sandbox:
                api = await stack.enter_async_context(
                    self._session(config, credentials(config), log)
                )
            plan = await make_plan(api, journal)
            remember_response_dates(plan, journal)  # for `backfill verify --journal` later
            decisions, notes = decide_plan(
                plan,
                config,
                journal,
                allow_out_of_order=options.allow_out_of_order,
                echo=self.echo,
                on_plan=options.on_plan,
            )
            hooks = JournalHooks(journal, record.run_id, decisions)
            # a retry's rows: which export row each action fixes (`verify EXPORT` reads it)
            self.origins = origins_to_record(plan, decisions.identities)
            record.notes.extend(notes)
            if not decisions.cases and not self.verify:
                self._begin(journal)
                return plan, decisions, hooks
            sandbox_credentials: Credentials | None = None
            if options.sandbox:
                from backfill.runner.rehearsal import SANDBOX_CREDENTIALS, started_sandbox

                config, record.target = await stack.enter_async_context(
                    started_sandbox(plan, config)
                )
                sending_as = sandbox_credentials = SANDBOX_CREDENTIALS
                self.echo(f"Sandbox: a local CustomerGauge emulator at {record.target}")
            else:
                sending_as = credentials(config)
            pilot = choose_pilot(decisions.cases, options.pilot, config)
            if not options.sandbox:
                confirm_sending(
                    pilot.cases or decisions.cases,
                    config,
                    record.target,
                    options.confirm,
                    stage="the pilot first (then a read-back), " if pilot.cases else "",
                )
            if api is None or options.sandbox:
                api = await stack.enter_async_context(self._session(config, sending_as, log))
            # -- send
            self._begin(journal)
            log.info(
                "run %s: %s action(s) of %s case(s) to %s (API %s, rate %s/s, concurrency %s)",
                record.run_id,
                sum(len(case) for case in decisions.cases),
                len(decisions.cases),
                record.target,
                config.api.version,
                config.send.rate_limit,
                config.send.concurrency,
            )

            async def send(cases: list[list[Action]]) -> None:
                await send_decided(
                    api,
                    replace(decisions, cases=cases),
                    hooks,
                    record.sent,
                    echo=self.echo,
                    on_progress=options.on_progress,
                )

            async def read_back(cases: list[str] | None) -> VerifyOutcome | None:
                return await verify_after_send(
                    plan,
                    config,
                    api,
                    journal,
                    record.out_dir,
                    sandbox_credentials=sandbox_credentials,
                    log=log,
                    retry_policy=options.retry_policy,
                    on_progress=options.on_progress,
                    echo=self.echo,
                    cases=cases,
                )

            rest = decisions.cases
            if pilot.cases:
                rest = await self._pilot(pilot, plan, config, journal, send, read_back)
            if record.sent.aborted is None:
                await send(rest)
            if self.verify and record.sent.aborted is None:
                record.verified = verified(await read_back(None))
        return plan, decisions, hooks

    async def _pilot(
        self,
        pilot: Pilot,
        plan: Plan,
        config: Config,
        journal: Journal,
        send: Callable[[list[list[Action]]], Awaitable[None]],
        read_back: Callable[[list[str] | None], Awaitable[VerifyOutcome | None]],
    ) -> list[list[Action]]:
        """Send the pilot, read it back, and say whether the rest may go (SPEC "Pilot run");
        the rest to send, unless the run stops here (`record.sent.aborted`)."""
        record, sent = self.record, self.record.sent
        self.echo(naming_line(pilot))
        journal.record_pilot(record.run_id, pilot.reasons)
        sent_at = datetime.now(UTC)
        await send(pilot.cases)
        if sent.aborted is not None:
            return []
        outcome = await read_back(pilot.case_ids)
        record.pilot = report = judge(pilot, outcome, plan, sent_at)
        journal.record_pilot_verdicts(record.run_id, report.verdicts)
        for line in pilot_lines(report, outcome):
            self.echo(line)
        if not report.passed:
            sent.aborted = "the pilot did not verify: nothing beyond it was sent"
            return []
        if not self.options.sandbox:
            try:
                confirm_sending(
                    pilot.rest, config, record.target, self.options.confirm, stage="the rest: "
                )
            except ConfigError:
                sent.aborted = "stopped after the pilot: the rest was not confirmed"
                return []
        return pilot.rest

    def _say_journal(self, adopting: str) -> None:
        """The journal's lines, said once: a new journal beside a legacy one, an adoption."""
        for line in (self.journal_choice.note, adopting):
            if line:
                self.echo(line)

    def _begin(self, journal: Journal) -> None:
        """From here the run may send: the journal knows of it, and a refusal keeps its files."""
        record = self.record
        self.began = True
        if journal.recorded_target() is None:  # its first run (or a legacy journal's next)
            journal.record_target(self.journal_target)
        journal.begin_run(record.run_id, record.command, record.inputs, record.target)
        if self.origins:
            journal.record_origins(record.run_id, self.origins)


def _journal(config: Config, options: RunOptions, out_dir: Path) -> tuple[Target, Choice]:
    """The target this run sends to, and its journal (--journal, journal:, the target's own;
    a rehearsal's own next to its reports)."""
    if options.sandbox:
        target = target_of(config, sandbox=True)
        if options.journal_path is None:
            from backfill.runner.rehearsal import sandbox_journal

            return target, Choice(sandbox_journal(out_dir), Source.DEFAULT)
    else:
        try:
            target = target_of(config)
        except AuthError as exc:  # before anything was sent: a usage error (exit 2)
            raise ConfigError(str(exc)) from None
    return target, choose_journal(options.journal_path, config, target)
