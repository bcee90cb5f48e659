"""The finish phase of a run: a Result for every input row, the run's exit status (SPEC.md),
the journal's record of the run's end, and the reports.

The exit status is decided in one place, `exit_status`, for a run that ends and for one that
stops on an error alike. A full disk or a read-only output folder must not turn a finished
backfill into a traceback: the journal already holds every outcome, so the user gets one
paragraph saying what failed, whether anything was sent, and that a re-run sends nothing
twice and writes the reports.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from backfill import model
from backfill.codes import Code
from backfill.errors import ExitStatus, JournalError, OutputError
from backfill.journal.store import Journal
from backfill.model import Outcome, Result
from backfill.plan.build import Plan
from backfill.report.files import RunReport
from backfill.report.summary import PilotReport, Summary, Verified
from backfill.runner.resume import Decisions
from backfill.runner.sending import JournalHooks, Sent


@dataclass
class RunOutcome:
    """What a run did: its exit status, where the reports are, and its summary."""

    run_id: str
    exit_status: ExitStatus
    out_dir: Path
    summary: Summary
    files: list[Path] = field(default_factory=list)
    aborted: str | None = None


@dataclass(kw_only=True)
class RunRecord:
    """What a run is and what it did, as its report states it (filled in phase by phase)."""

    run_id: str
    command: str  # "run" or "retry"
    inputs: list[str]
    out_dir: Path
    journal_path: Path
    sandbox: bool
    target: str  # the API's base URL, or the emulator's
    started_at: datetime
    config_file: Path | None = None  # where the config was read from (report, next steps)
    notes: list[str] = field(default_factory=list)
    sent: Sent = field(default_factory=Sent)
    verified: Verified | None = None
    pilot: PilotReport | None = None


def exit_status(
    sent: Sent,
    outcomes: Iterable[Outcome] = (),
    verified: Verified | None = None,
    *,
    stopped_by: ExitStatus | None = None,
    end_recorded: bool = True,
) -> ExitStatus:
    """The exit status of a run (SPEC.md): decided here and nowhere else.

    `stopped_by`: the status of an error that stops the run (the journal, the disk): 3 once
    the run may have sent something, else that error's own. A run whose end the journal
    could not record exits 3, as its summary.json says. Otherwise: sending aborted 3 (2 when
    it stopped at a host it never reached: a setting to fix); a row not sent, or a case read
    back different, 1; else 0.
    """
    if stopped_by is not None:
        return ExitStatus.ABORTED if sent.requests else stopped_by
    if not end_recorded:
        return ExitStatus.ABORTED
    if sent.aborted is not None:
        return ExitStatus.USAGE if sent.unreachable else ExitStatus.ABORTED
    if any(o in model.FAILURE_OUTCOMES for o in outcomes) or (
        verified is not None and verified.exit_code != 0
    ):
        return ExitStatus.ROWS_FAILED
    return ExitStatus.OK


def finish(
    record: RunRecord,
    plan: Plan,
    decisions: Decisions,
    hooks: JournalHooks,
    journal: Journal,
    log: logging.Logger,
) -> RunOutcome:
    """Record the run's end in the journal, write its reports and return its outcome."""
    from backfill.report.files import write_reports

    sent, notes = record.sent, record.notes
    results = collect_results(plan, decisions, hooks, aborted=sent.aborted)
    outcomes = [r.outcome for r in results.values()]
    if sent.aborted is not None:
        notes.append(f"aborted: {sent.aborted}; a re-run resumes with the pending rows")
    lost = {str(plan.frame.at[k, model.CASE]) for k, r in results.items() if r.answer_lost}
    if lost:
        notes.append(
            f"{len(lost)} case(s) had an answer lost (answer_lost in results.csv): the API "
            "may have applied those requests late or twice; run `backfill verify` on the "
            "same input to check their final state"
        )
    status = exit_status(sent, outcomes, record.verified)
    report = _report(record, plan, results, status)
    # The journal first, so that summary.json states the exit status the run really has.
    journal_error: JournalError | None = None
    try:
        journal.update_cases(record.run_id, case_counts(plan, results))
        journal.end_run(record.run_id, int(status), len(results), report.summary.outcomes)
    except JournalError as exc:
        journal_error = exc
        status = exit_status(sent, outcomes, record.verified, end_recorded=False)
        notes.append(f"the journal could not record this run's end: {exc}")
        report = _report(record, plan, results, status)
    try:
        files = write_reports(report, record.out_dir, xlsx=plan.config.output.xlsx)
    except OSError as exc:
        made = sent.requests > 0
        error = OutputError(
            cannot_write(exc, record.out_dir, sent=made, journal=record.journal_path),
            exit_status=exit_status(sent, stopped_by=OutputError.exit_status),
        )
        with contextlib.suppress(JournalError):
            journal.end_run(
                record.run_id,
                int(error.exit_status),
                len(results),
                report.summary.outcomes,
                error=str(error),
            )
        raise error from None
    if journal_error is not None:
        raise JournalError(str(journal_error), exit_status=status) from None
    log.info("finished: exit %s, outcomes %s", int(status), report.summary.outcomes)
    return RunOutcome(
        record.run_id,
        status,
        record.out_dir,
        report.summary,  # (the CLI prints it: backfill/cli/console.py)
        files=files,
        aborted=sent.aborted,
    )


def _report(
    record: RunRecord, plan: Plan, results: dict[int, Result], status: ExitStatus
) -> RunReport:
    """The run's report with `status` as its exit status."""
    from backfill.report.facts import describe_run
    from backfill.report.files import build_report

    sent = record.sent
    report = build_report(
        plan.frame,
        plan.original_columns,
        results,
        run_id=record.run_id,
        cases=len(plan.cases),
        requests=sent.requests,
        elapsed_s=sent.elapsed_s,
        exit_code=int(status),
        notes=record.notes,
    )
    summary = report.summary
    summary.command = record.command
    summary.target = record.target
    summary.sandbox = record.sandbox
    summary.journal = str(record.journal_path)
    summary.aborted = sent.aborted
    summary.rate_per_s = sent.pace  # (as the requests left, comparable with the limit)
    summary.rate_found = sent.rate_found
    summary.rate_over_time = [list(point) for point in sent.rate_over_time or []]
    summary.verify = record.verified
    summary.pilot = record.pilot
    describe_run(
        summary,
        plan,
        {key: str(result.outcome) for key, result in results.items()},
        command=record.command,
        inputs=record.inputs,
        config_file=record.config_file,
        out_dir=record.out_dir,
        started_at=record.started_at,
    )
    return report


def collect_results(
    plan: Plan, decisions: Decisions, hooks: JournalHooks, *, aborted: str | None
) -> dict[int, Result]:
    """A Result for every plan row: the plan's own verdicts, the journal's, the sender's."""
    frame = plan.frame
    results: dict[int, Result] = {}
    decided = frame[frame[model.OUTCOME].ne("")]
    codes = plan.error_codes().reindex(decided.index, fill_value="")
    for key, outcome, error, code in zip(
        decided.index, decided[model.OUTCOME], decided[model.ERROR], codes, strict=True
    ):
        results[int(key)] = Result(
            int(key), Outcome(outcome), error=str(error or ""), code=Code(code) if code else ""
        )
    results.update(decisions.all_results())
    results.update(hooks.results)
    reason = (
        f"not attempted: the run stopped before sending it ({aborted})"
        if aborted
        else "not attempted: the run stopped before sending it"
    )
    for key in frame.index[frame[model.OUTCOME].eq("")]:
        key = int(key)
        if key not in results:
            lost = key in hooks.in_flight
            results[key] = Result(
                key,
                Outcome.PENDING,
                code=Code.IN_FLIGHT if lost else Code.NOT_SENT,
                error=(
                    "in flight when the run stopped at once: its outcome is unknown, the "
                    "next run re-sends it as uncertain"
                    if lost
                    else reason
                ),
            )
    return results


def case_counts(plan: Plan, results: dict[int, Result]) -> dict[str, tuple[int, int, int]]:
    """Per case: rows left to send, of which pending, of which failed (journal `cases`)."""
    counts: dict[str, list[int]] = {}
    for key, case in zip(plan.frame.index, plan.frame[model.CASE], strict=True):
        if not case:
            continue
        entry = counts.setdefault(str(case), [0, 0, 0])
        outcome = results[int(key)].outcome
        if outcome in model.FAILURE_OUTCOMES:
            entry[0] += 1
            entry[1] += outcome == Outcome.PENDING
            entry[2] += outcome == Outcome.FAILED
    return {case: (a, b, c) for case, (a, b, c) in counts.items()}


def cannot_write(exc: OSError, out_dir: Path, *, sent: bool, journal: Path | None = None) -> str:
    """One paragraph: which file, why, what was sent, and what to do."""
    where = exc.filename or out_dir
    why = exc.strerror or str(exc)
    if sent:
        done = (
            f"Every outcome is recorded in the journal {journal}: after freeing space or "
            "choosing a writable folder (--out or output.dir), run the same command again; "
            "it sends nothing twice and writes the reports."
        )
    else:
        done = (
            "Nothing was sent. Free some space or choose a writable folder with --out or "
            "output.dir, and run again."
        )
    return f"cannot write {where}: {why}. {done}"
