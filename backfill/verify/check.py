"""Verifying: read CustomerGauge back over an ApiSession and compare it with the expected
final state of each case (backfill.verify.compare), for `run --verify` and `backfill verify`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from backfill.config import Config
from backfill.errors import AuthError, ConfigError, ExitStatus
from backfill.journal.store import Journal
from backfill.model import HAPPENED_TS, OUTCOME, Echo, OnProgress, no_progress
from backfill.plan.api_dates import plan_inputs
from backfill.plan.build import Plan
from backfill.send.auth import Credentials
from backfill.send.session import ApiSession
from backfill.verify.compare import Comparison, compare, summary_line, write_verify_csv
from backfill.verify.diagnose import Cause, likely_causes
from backfill.verify.diagnose import by_case as causes_by_case
from backfill.verify.expectation import (
    Expectation,
    Expected,
    expected_cases,
    expected_from_cases,
    journal_cases,
)
from backfill.verify.readback import CaseState, read_close_loop


def _quiet(line: str) -> None:
    """The default `echo`: the library says nothing unless the caller wants to hear it."""


@dataclass
class VerifyOutcome:
    """What `verify` found: the comparison, where verify.csv went, how much was read."""

    comparison: Comparison
    path: Path | None
    start: date
    end: date
    pages: int
    records: int
    requests: int
    source: str  # "plan", "plan+journal" or "journal": where the expectation came from
    summary: str
    expected: dict[str, Expected] = field(default_factory=dict)  # by case
    found: dict[str, CaseState] = field(default_factory=dict)  # every case read back
    causes: list[Cause] = field(default_factory=list)  # what the mismatches likely mean
    retried: int = 0  # retried actions expected in the place of the rows they fixed

    @property
    def exit_status(self) -> ExitStatus:
        return self.comparison.exit_status

    @property
    def counts(self) -> dict[str, int]:
        return self.comparison.counts


def read_range(
    earliest: Any, *, today: date | None = None, margin_days: int = 1
) -> tuple[date, date]:
    """The updated_at range to read back: from `earliest` (a run's start, or the earliest
    planned action) to today, widened by a day on both ends because the API filters by the
    tenant's local date, which may differ from UTC by up to a day."""
    today = today or datetime.now(UTC).date()
    stamp = pd.Timestamp(earliest) if earliest is not None else pd.NaT
    first = today if stamp is pd.NaT or pd.isna(stamp) else stamp.date()
    return first - timedelta(days=margin_days), today + timedelta(days=margin_days)


async def verify_expected(
    api: ApiSession,
    expected: list[Expected],
    start: date,
    end: date,
    *,
    folder: Path | None = None,
    expectation: Expectation | None = None,
    on_progress: OnProgress = no_progress,
) -> VerifyOutcome:
    """Read back GET close-loop over [start, end], compare, say what the mismatches most
    likely mean (from `expectation`'s send and response times), write verify.csv to `folder`."""
    about = expectation or Expectation(pd.DataFrame(), "plan")
    requests_before = api.requests
    found = await read_close_loop(api, start, end, on_progress=on_progress)
    comparison = compare(expected, found.cases)
    by_case = {item.case: item for item in expected}
    sent_at = {case: pd.Timestamp(when).to_pydatetime() for case, when in about.sent_at.items()}
    causes = likely_causes(comparison, by_case, found.cases, about.response_ts, sent_at)
    path = None
    if folder is not None:
        path = write_verify_csv(comparison, folder, causes_by_case(causes))
    return VerifyOutcome(
        comparison=comparison,
        path=path,
        start=start,
        end=end,
        pages=found.pages,
        records=found.records,
        requests=api.requests - requests_before,
        source=about.source,
        summary=summary_line(comparison),
        expected=by_case,
        found=found.cases,
        causes=causes,
        retried=about.retried,
    )


def verify_config(config: Config) -> Config:
    """Verification reads with the v7 API (OAuth2) whatever api.version sends with."""
    if config.api.version == "v7":
        return config
    return config.model_copy(update={"api": config.api.model_copy(update={"version": "v7"})})


# --- entry points: the runner's --verify hook, the library function, the CLI -------------


async def verify_plan(
    plan: Plan,
    api: ApiSession,
    *,
    journal: Journal | None = None,
    folder: Path | None = None,
    on_progress: OnProgress = no_progress,
    today: date | None = None,
    cases: Collection[str] | None = None,
) -> VerifyOutcome:
    """Verify what `plan` predicts against CustomerGauge, over an open ApiSession `api`;
    only `cases` when given (a pilot).

    `backfill run --verify` calls this after sending, with the run's session (so the reads
    share its rate limiter and retry policy) and its journal; `verify` calls it for a file
    given now. Writes verify.csv into `folder` when given.
    """
    expectation = expected_cases(plan, journal)
    expected = expected_from_cases(expectation.cases, untimed=expectation.untimed)
    if cases is not None:
        wanted = set(cases)
        expected = [item for item in expected if item.case in wanted]
    earliest = expectation.run_start
    if earliest is None:
        times = plan.frame.loc[plan.frame[OUTCOME].eq(""), HAPPENED_TS].dropna()
        earliest = times.min() if len(times) else None
    start, end = read_range(earliest, today=today)
    return await verify_expected(
        api,
        expected,
        start,
        end,
        folder=folder,
        expectation=expectation,
        on_progress=on_progress,
    )


async def verify_journal(
    journal: Journal,
    config: Config,
    api: ApiSession,
    *,
    folder: Path | None = None,
    on_progress: OnProgress = no_progress,
    today: date | None = None,
) -> VerifyOutcome:
    """Verify every case the journal shows as sent, without the input files."""
    expectation = journal_cases(journal, config)
    start, end = read_range(expectation.run_start, today=today)
    return await verify_expected(
        api,
        expected_from_cases(expectation.cases, assignee_known=False, untimed=expectation.untimed),
        start,
        end,
        folder=folder,
        expectation=expectation,
        on_progress=on_progress,
    )


def verify(
    inputs: Sequence[Path],
    config: Config,
    *,
    out_dir: Path | None = None,
    journal_path: Path | None = None,
    on_progress: OnProgress = no_progress,
    now: datetime | None = None,
    echo: Echo = _quiet,
) -> VerifyOutcome:
    """`backfill verify`: read back each case and compare it with the expected final state.

    With INPUT files the expectation is their plan (narrowed to what the journal shows as
    accepted, when the journal knows the run); with only a journal, its accepted actions.
    Credentials: the v7 OAuth2 pair, from the variables the config names.
    """
    from backfill.config import new_run_id, output_dir

    inputs = [Path(p) for p in inputs]
    journal = _open_journal(journal_path, config, required=not inputs)
    read_config = verify_config(config)
    try:
        credentials = _credentials(read_config)
    except ConfigError:
        if journal is not None:
            journal.close()
        raise
    folder = output_dir(config, out_dir, new_run_id())

    async def main() -> VerifyOutcome:
        async with ApiSession(read_config, credentials) as api:
            if not inputs:
                assert journal is not None
                return await verify_journal(
                    journal, config, api, folder=folder, on_progress=on_progress
                )
            plan = await plan_inputs(
                inputs, config, api, journal, now=now, on_progress=on_progress, echo=echo
            )
            return await verify_plan(
                plan, api, journal=journal, folder=folder, on_progress=on_progress
            )

    try:
        outcome = asyncio.run(main())
    finally:
        if journal is not None:
            journal.close()
    for line in outcome_lines(outcome):
        echo(line)
    return outcome


def outcome_lines(outcome: VerifyOutcome) -> list[str]:
    """What `backfill verify` says: the counts, what was read and expected, what the
    mismatches most likely mean, and where verify.csv went."""
    expected_from = f"expected from the {outcome.source.replace('+', ' and the ')}"
    if outcome.retried:
        expected_from += (
            f", with {outcome.retried} action(s) sent by retries in the place of the rows "
            "they fixed"
        )
    lines = [
        outcome.summary,
        f"read back {outcome.records} cases updated {outcome.start} to {outcome.end} "
        f"({outcome.pages} pages, {outcome.requests} requests); {expected_from}",
    ]
    for cause in outcome.causes:
        named = ", ".join(cause.cases[:5]) + (" …" if len(cause.cases) > 5 else "")
        lines.append(f"likely cause ({len(cause.cases)} case(s): {named}): {cause.advice}")
    if outcome.path is not None:
        lines.append(f"verify.csv written to {outcome.path}")
    return lines


def _credentials(config: Config) -> Credentials:
    """The v7 pair verify reads with; missing ones are a usage error (exit 2, as for run)."""
    try:
        return Credentials.from_env(config)
    except AuthError as exc:
        # (the generic hint names run's --sandbox, which verify has not: a rehearsal
        # verifies itself at its end)
        reason = str(exc).split(", or use --sandbox", 1)[0]
        raise ConfigError(
            f"{reason}. verify reads CustomerGauge back with the v7 OAuth2 credentials "
            "(also when sending with v4.1); a rehearsal needs none: `backfill run --sandbox` "
            "reads the emulator back at its end"
        ) from None


def _open_journal(path: Path | None, config: Config, *, required: bool) -> Journal | None:
    """The journal to narrow or replace the expectation: --journal, else journal:, else the
    target's own under .backfill/, if present.

    Read-only, unless response dates fetched from the API are to be kept in it; then it is
    created when missing, so that the next run or verify does not fetch them again.
    """
    from backfill.errors import JournalError
    from backfill.journal.target import check_target, choose_journal, target_of

    # the target's own journal (another target's is refused: its sends are not this one's)
    aim = target_of(config, client_required=False)
    choice = choose_journal(path, config, aim)
    target = choice.path
    keeps_dates = config.responses.source == "api" and not required
    if not target.exists() and not keeps_dates:
        if path is not None or required:
            raise ConfigError(
                f"journal {target} not found; give the journal of the run with --journal, "
                "or the INPUT files to verify against their plan"
            )
        return None
    journal = Journal(target, read_only=not keeps_dates)
    try:
        check_target(journal, aim, choice)
    except JournalError:
        journal.close()
        raise
    return journal
