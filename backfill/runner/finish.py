"""The end of a run: its exit status (SPEC.md), the journal's record of it, and the reports."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from backfill import model
from backfill.errors import ExitStatus, JournalError
from backfill.journal.store import Journal
from backfill.plan.build import Plan
from backfill.runner.output import output_error
from backfill.runner.resume import Decisions, JournalHooks, case_counts, collect_results
from backfill.runner.sending import Sent


@dataclass
class RunOutcome:
    """What a run did: its exit status, where the reports are, and summary.json's content."""

    run_id: str
    exit_status: ExitStatus
    out_dir: Path
    summary: dict[str, Any]
    files: list[Path] = field(default_factory=list)
    aborted: str | None = None


@dataclass
class Ran:
    """What a run was and what it did, as its report states it."""

    run_id: str
    command: str
    inputs: list[str]
    target: str
    sandbox: bool
    journal_path: Path
    out_dir: Path
    started_at: datetime
    config_file: Path | None
    xlsx: bool
    notes: list[str]
    sent: Sent
    verified: dict[str, Any] | None


def finish(
    ran: Ran,
    plan: Plan,
    decisions: Decisions,
    hooks: JournalHooks,
    journal: Journal,
    log: logging.Logger,
) -> RunOutcome:
    """Record the run's end in the journal, write its reports and return its outcome."""
    from backfill.report.facts import describe_run
    from backfill.report.files import build_report, write_reports

    sent, notes = ran.sent, ran.notes
    results = collect_results(plan, decisions, hooks, aborted=sent.aborted)
    outcomes = [r.outcome for r in results.values()]
    if sent.aborted is not None:
        # a wrong region or no network before anything was sent: a setting to fix (2)
        exit_status = ExitStatus.USAGE if sent.unreachable else ExitStatus.ABORTED
    elif any(o in model.FAILURE_OUTCOMES for o in outcomes) or (
        ran.verified is not None and ran.verified["exit_code"] != 0
    ):
        exit_status = ExitStatus.ROWS_FAILED
    else:
        exit_status = ExitStatus.OK
    if sent.aborted is not None:
        notes.append(f"aborted: {sent.aborted}; a re-run resumes with the pending rows")
    lost = {str(plan.frame.at[k, model.CASE]) for k, r in results.items() if r.answer_lost}
    if lost:
        notes.append(
            f"{len(lost)} case(s) had an answer lost (answer_lost in results.csv): the API "
            "may have applied those requests late or twice; run `backfill verify` on the "
            "same input to check their final state"
        )
    extra: dict[str, Any] = {
        "command": ran.command,
        "target": ran.target,
        "sandbox": ran.sandbox,
        "journal": str(ran.journal_path),
    }
    if sent.aborted is not None:
        extra["aborted"] = sent.aborted
    if ran.verified is not None:
        extra["verify"] = ran.verified

    def report_for(status: ExitStatus) -> Any:
        report = build_report(
            plan.frame,
            plan.original_columns,
            results,
            run_id=ran.run_id,
            cases=len(plan.cases),
            requests=sent.requests,
            elapsed_s=sent.elapsed_s,
            exit_code=int(status),
            notes=notes,
            extra=extra,
        )
        describe_run(
            report.summary,
            plan,
            {key: str(result.outcome) for key, result in results.items()},
            command=ran.command,
            inputs=ran.inputs,
            config_file=ran.config_file,
            out_dir=ran.out_dir,
            started_at=ran.started_at,
        )
        return report

    report = report_for(exit_status)
    # The journal first, so that summary.json states the exit status the run really has.
    journal_error: JournalError | None = None
    try:
        journal.update_cases(ran.run_id, case_counts(plan, results))
        journal.end_run(ran.run_id, int(exit_status), len(results), report.summary["outcomes"])
    except JournalError as exc:
        journal_error, exit_status = exc, ExitStatus.ABORTED
        notes.append(f"the journal could not record this run's end: {exc}")
        report = report_for(exit_status)
    try:
        files = write_reports(report, ran.out_dir, xlsx=ran.xlsx)
    except OSError as exc:
        error = output_error(exc, ran.out_dir, sent=sent.requests > 0, journal=ran.journal_path)
        with contextlib.suppress(JournalError):
            journal.end_run(
                ran.run_id,
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
        ran.run_id, exit_status, ran.out_dir, summary, files=files, aborted=sent.aborted
    )
