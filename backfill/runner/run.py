"""`backfill run`, `retry` and `status` as library functions; the CLI only calls these.

A run: build the plan; refuse what cannot be sent faithfully (v4.1 with times); open the
journal and take out what it shows as already sent, refuse what would rewrite a case's
history backwards (``out-of-order``), flag what was in flight when an earlier run died; ask
before touching a real tenant; send in one event loop with a progress bar, a request log and
Ctrl-C handling; then write the reports and return the exit status of SPEC.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

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
from backfill.journal.schema import State
from backfill.journal.store import Journal
from backfill.model import Outcome
from backfill.plan.build import Plan
from backfill.runner.output import close_logger, output_error, run_logger
from backfill.runner.preflight import ask_confirmation, check_v41

Echo = Callable[[str], None]
Confirm = Callable[[str], bool]
Logger = logging.Logger


@dataclass
class RunOutcome:
    """What a run did: its exit status, where the reports are, and summary.json's content."""

    run_id: str
    exit_status: ExitStatus
    out_dir: Path
    summary: dict[str, Any]
    files: list[Path] = field(default_factory=list)
    aborted: str | None = None


# --- public API ----------------------------------------------------------------------------


def run(
    inputs: Sequence[Path | str],
    config: Config,
    *,
    out_dir: Path | None = None,
    journal_path: Path | None = None,
    sandbox: bool = False,
    yes: bool = False,
    verify: bool = False,
    allow_out_of_order: bool = False,
    confirm: Confirm | None = None,
    echo: Echo = print,
) -> RunOutcome:
    """Validate, plan, send and report INPUTS (``backfill run``)."""
    paths = [Path(p) for p in inputs]

    def make_plan(api: Any, journal: Journal | None) -> Any:
        return _plan_for_run(paths, config, api, journal, echo)

    return _Run(
        config,
        "run",
        [str(p) for p in paths],
        out_dir=out_dir,
        journal_path=journal_path,
        sandbox=sandbox,
        yes=yes,
        verify=verify,
        allow_out_of_order=allow_out_of_order,
        confirm=confirm,
        echo=echo,
    ).execute(make_plan)


def retry(
    failures_file: Path | str,
    config: Config,
    *,
    out_dir: Path | None = None,
    journal_path: Path | None = None,
    sandbox: bool = False,
    yes: bool = False,
    allow_out_of_order: bool = False,
    confirm: Confirm | None = None,
    echo: Echo = print,
) -> RunOutcome:
    """Re-send the (fixed) rows of a failures.csv or a report.xlsx's Failures sheet."""
    from backfill.plan.build import plan_from_table
    from backfill.read.failures import read_failures

    table = read_failures(Path(failures_file), config)

    async def make_plan(api: Any, journal: Journal | None) -> Plan:
        return plan_from_table(table, config)

    return _Run(
        config,
        "retry",
        [str(failures_file)],
        out_dir=out_dir,
        journal_path=journal_path,
        sandbox=sandbox,
        yes=yes,
        verify=False,
        allow_out_of_order=allow_out_of_order,
        confirm=confirm,
        echo=echo,
    ).execute(make_plan)


def status(journal_path: Path | str) -> str:
    """What the journal knows: runs, actions by state, cases left (``backfill status``)."""
    path = Path(journal_path)
    with Journal(path, read_only=True) as journal:
        runs = journal.runs()
        states = journal.state_counts()
        left = journal.cases_left()
    lines = [f"Journal {path}: {len(runs)} run(s)"]
    for item in runs:
        outcomes = ", ".join(f"{k} {v}" for k, v in item["outcomes"].items() if v) or "-"
        finished = (
            f"exit {item['exit_code']}" if item["finished_at"] else "did not finish (killed?)"
        )
        if item.get("error"):
            finished += f" ({item['error']})"
        lines.append(
            f"  {item['run_id']}  {item['command']:<5}  {item['started_at'][:19]}  {finished}"
            f"  rows {item['rows'] if item['rows'] is not None else '?'}: {outcomes}"
        )
    lines.append(
        "Actions: "
        + ", ".join(f"{name.replace('_', ' ')} {states[name]}" for name in states)
        + (
            " (in flight = outcome unknown: the next run re-sends them as uncertain)"
            if states.get(State.IN_FLIGHT)
            else ""
        )
    )
    if left:
        pending = sum(1 for c in left if c["pending"])
        failed = sum(1 for c in left if c["failed"])
        lines.append(
            f"Cases left: {len(left)} ({pending} with pending rows, {failed} with failed rows)"
        )
        for case in left[:20]:
            lines.append(
                f"  case {case['case_id']}: {case['rows_left']} row(s) left "
                f"(pending {case['pending']}, failed {case['failed']}; run {case['run_id']})"
            )
        if len(left) > 20:
            lines.append(f"  ... and {len(left) - 20} more")
    else:
        lines.append("Cases left: none")
    return "\n".join(lines)


# --- the --verify hook (issue #5) ------------------------------------------------------------


async def verify_hook(
    plan: Plan, config: Config, api: Any, journal: Journal, folder: Path, echo: Echo
) -> dict[str, Any] | None:
    """`run --verify`: after sending, read every case back and compare with the plan.

    The one place the runner calls verification (backfill.verify.compare.verify_plan), over the
    run's own session so that the reads share its rate limit. None when unavailable.
    """
    try:
        from backfill.verify.compare import verify_plan
    except ImportError:
        echo("--verify: this version of backfill has no verification; skipped")
        return None
    outcome = await verify_plan(plan, config, api, journal=journal, folder=folder)
    echo(outcome.summary)
    return {
        "summary": outcome.summary,
        "exit_code": int(outcome.exit_status),
        "source": outcome.source,
    }


# --- one run ---------------------------------------------------------------------------------


class _Run:
    """One run or retry, from plan to reports."""

    def __init__(
        self,
        config: Config,
        command: str,
        inputs: list[str],
        *,
        out_dir: Path | None,
        journal_path: Path | None,
        sandbox: bool,
        yes: bool,
        verify: bool,
        allow_out_of_order: bool,
        confirm: Confirm | None,
        echo: Echo,
    ) -> None:
        self.config = config
        self.command = command
        self.inputs = inputs
        self.run_id = new_run_id()
        self.out_dir = output_dir(config, out_dir, self.run_id)
        self.sandbox = sandbox
        if journal_path is not None:
            self.journal_path = Path(journal_path)
        elif sandbox:
            from backfill.runner.rehearsal import sandbox_journal

            self.journal_path = sandbox_journal(self.out_dir)
        else:
            self.journal_path = Path(config.journal)
        self.yes = yes
        self.verify = verify
        self.allow_out_of_order = allow_out_of_order
        self.confirm = confirm
        self.echo = echo
        self.notes: list[str] = []
        self.aborted: str | None = None
        self.target = config.api.api_base
        self.requests = 0
        self.elapsed_s = 0.0
        self.verified: dict[str, Any] | None = None

    def execute(self, make_plan: Callable[[Any, Journal | None], Any]) -> RunOutcome:
        journal = Journal(self.journal_path)
        try:
            try:
                return self._logged(make_plan, journal)
            finally:
                journal.close()
        except JournalError as exc:
            if self.requests:  # not "nothing sent": summary.json says 3 as well
                exc.exit_status = ExitStatus.ABORTED
            raise

    def _logged(self, make_plan: Callable[[Any, Journal | None], Any], journal: Journal) -> Any:
        try:
            log = run_logger(self.out_dir / "run.log", self.run_id)
        except OSError as exc:
            raise output_error(exc, self.out_dir, sent=False) from None
        try:
            plan, decisions, hooks = asyncio.run(self._main(make_plan, journal, log))
            return self._finish(plan, decisions, hooks, journal, log)
        finally:
            failed = close_logger(log)
            if failed is not None:
                self.echo(f"Note: run.log could not be written: {failed.strerror or failed}")

    def _credentials(self, config: Config) -> Any:
        from backfill.send.auth import Credentials

        try:
            return Credentials.from_env(config)
        except AuthError as exc:  # missing before anything was sent: a usage error (exit 2)
            raise ConfigError(str(exc)) from None

    async def _main(
        self, make_plan: Callable[[Any, Journal | None], Any], journal: Journal, log: Logger
    ) -> tuple[Plan, Decisions, JournalHooks]:
        from backfill.plan.build import format_summary
        from backfill.send.session import ApiSession
        from backfill.verify.responses import remember_response_dates

        config = self.config
        async with AsyncExitStack() as stack:
            api = None
            if config.responses.source == "api" and not self.sandbox:
                api = await stack.enter_async_context(
                    ApiSession(config, self._credentials(config), request_log=log)
                )
            plan = await make_plan(api, journal)
            remember_response_dates(plan, journal)  # for `backfill verify --journal` later
            self.echo(format_summary(plan))
            self.notes.extend(check_v41(plan, config))
            identities = {int(k): str(v) for k, v in plan_identities(plan).items()}
            happened = utc_times(plan)
            contents = plan_contents(plan)
            decisions = decide(
                plan,
                journal,
                identities,
                happened,
                allow_out_of_order=self.allow_out_of_order,
                contents=contents,
            )
            hooks = JournalHooks(
                journal, self.run_id, identities, happened, decisions.uncertain, contents
            )
            self._explain_decisions(decisions)
            actions = sum(len(case) for case in decisions.cases)
            if not decisions.cases and not self.verify:
                journal.begin_run(self.run_id, self.command, self.inputs, self.target)
                return plan, decisions, hooks
            if self.sandbox:
                from backfill.runner.rehearsal import SANDBOX_CREDENTIALS, started_sandbox

                config, self.target = await stack.enter_async_context(started_sandbox(plan, config))
                credentials = SANDBOX_CREDENTIALS
                self.echo(f"Sandbox: a local CustomerGauge emulator at {self.target}")
            else:
                credentials = self._credentials(config)
                if actions:
                    ask_confirmation(
                        f"Send {actions} action(s) of {len(decisions.cases)} case(s) to "
                        f"CustomerGauge region {config.api.region} at {self.target} "
                        f"(API {config.api.version})?",
                        yes=self.yes,
                        confirm=self.confirm,
                        url=self.target,
                    )
            if api is None or self.sandbox:
                api = await stack.enter_async_context(
                    ApiSession(config, credentials, request_log=log)
                )
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
                journal.flush()
                self.verified = await self._verify(plan, config, api, credentials, journal, log)
        return plan, decisions, hooks

    async def _send(
        self, api: Any, config: Config, decisions: Decisions, hooks: JournalHooks
    ) -> None:
        from tqdm import tqdm

        from backfill.runner.signals import Interrupts
        from backfill.send.lanes import send_cases

        total = sum(len(case) for case in decisions.cases)
        stop = asyncio.Event()
        bar = tqdm(total=total, unit="action", file=sys.stderr, dynamic_ncols=True, disable=None)
        bar.set_postfix(failed=0)
        started = time.monotonic()
        requests_before = api.requests
        try:
            with Interrupts(stop, self.echo) as interrupts:
                task = asyncio.create_task(
                    send_cases(
                        api, decisions.cases, send=config.send, hooks=hooks, stop=stop, progress=bar
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
                except (AuthError, BackfillError) as exc:
                    self.aborted = f"{type(exc).__name__}: {exc}"
                if self.aborted is None and interrupts.interrupted:
                    self.aborted = "interrupted (Ctrl-C or SIGTERM)"
        finally:
            bar.close()
            self.elapsed_s = time.monotonic() - started
            self.requests = api.requests - requests_before

    async def _verify(
        self,
        plan: Plan,
        config: Config,
        api: Any,
        credentials: Any,
        journal: Journal,
        log: Logger,
    ) -> dict[str, Any] | None:
        if config.api.version == "v7":
            return await verify_hook(plan, config, api, journal, self.out_dir, self.echo)
        from backfill.send.session import ApiSession
        from backfill.verify.compare import verify_config

        read_config = verify_config(config)  # reads use v7 whatever api.version sends with
        if not self.sandbox:
            try:
                credentials = self._credentials(read_config)
            except ConfigError as exc:
                self.echo(f"--verify skipped: reading back needs the v7 credentials: {exc}")
                return None
        async with ApiSession(read_config, credentials, request_log=log) as reader:
            return await verify_hook(plan, read_config, reader, journal, self.out_dir, self.echo)

    def _explain_decisions(self, decisions: Decisions) -> None:
        counts = pd.Series([r.outcome for r in decisions.results.values()]).value_counts()
        if counts.get(Outcome.ALREADY_SENT, 0):
            self.echo(
                f"Journal: {counts[Outcome.ALREADY_SENT]} action(s) already sent by earlier runs"
            )
        out_of_order = sum(
            1 for r in decisions.results.values() if r.error.startswith("out-of-order")
        )
        changed = sum(
            1 for r in decisions.results.values() if r.error.startswith("changed-after-sent")
        )
        if changed:
            self.echo(
                f"Journal: {changed} action(s) changed in the input after they were sent are "
                "not sent again (changed-after-sent; --allow-out-of-order sends them)"
            )
        if out_of_order:
            self.echo(
                f"Journal: {out_of_order} action(s) older than their case's last sent action "
                "are not sent (out-of-order; --allow-out-of-order overrides)"
            )
        if decisions.uncertain:
            self.echo(
                f"Journal: {len(decisions.uncertain)} action(s) may have been applied by an "
                "earlier run (in flight when it stopped, or their answer was lost); they are "
                "re-sent and marked resent_uncertain"
            )
        if decisions.stray_in_flight:
            self.notes.append(
                f"{decisions.stray_in_flight} action(s) in flight when an earlier run stopped "
                "are not in this input: their outcome is unknown (run that input again)"
            )

    def _finish(
        self,
        plan: Plan,
        decisions: Decisions,
        hooks: JournalHooks,
        journal: Journal,
        log: Logger,
    ) -> RunOutcome:
        from backfill.report.files import build_report, write_reports

        results = collect_results(plan, decisions, hooks, aborted=self.aborted)
        outcomes = [r.outcome for r in results.values()]
        if self.aborted is not None:
            exit_status = ExitStatus.ABORTED
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
            return build_report(
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
        summary = report.summary
        shown = ", ".join(f"{n} {c}" for n, c in summary["outcomes"].items() if c)
        self.echo(
            f"{summary['rows']} rows: {shown}; {summary['requests']} requests in "
            f"{summary['elapsed_s']} s ({summary['rate_per_s']}/s)"
        )
        for note in self.notes:
            self.echo(f"Note: {note}")
        self.echo(f"Reports in {self.out_dir}")
        return RunOutcome(
            self.run_id, exit_status, self.out_dir, summary, files=files, aborted=self.aborted
        )


def _plan_for_run(
    paths: list[Path], config: Config, api: Any, journal: Journal | None, echo: Echo
) -> Any:
    """The plan, with response dates from the API when responses.source is api."""
    if config.responses.source == "api" and api is not None:
        from backfill.verify.compare import plan_for_verify

        return plan_for_verify(paths, config, api, journal, progress=True, echo=echo)
    from backfill.plan.build import build_plan

    async def plan() -> Plan:
        return build_plan(paths, config)

    return plan()
