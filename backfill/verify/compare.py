"""Verify a backfill: does CustomerGauge now hold what the plan predicted?

Expected state per case comes from the plan (the same prediction `backfill plan` writes to
cases.csv), narrowed to what the journal shows as accepted, or from the journal alone for
runs made earlier (backfill.verify.expectation); never from a second reading of the input or a
second state machine. What CustomerGauge holds comes from
GET close-loop via backfill.verify.readback, the one place that parses that answer. Each case gets a
verdict:

- ``match``: every compared field equals the prediction;
- ``mismatch``: the fields that differ are named in ``differs``;
- ``missing``: the case is not in the answer at all (nothing of it reached CustomerGauge, or
  it was last updated outside the range read back).

Fields are compared only where a prediction exists: the assignee is not compared when the run
sent no assignee for the case (``send.assignee: never``, or none in the input), because
CustomerGauge keeps whatever it had; hours are not compared when the plan does not know the
case's response date. A field the answer does not carry is reported in ``note`` and not
compared, so an API that leaves out a field cannot produce false mismatches.
Exit status: 0 when every case matches, 1 on any mismatch or missing case.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from backfill.errors import AuthError, ConfigError, ExitStatus
from backfill.model import HAPPENED_TS, OUTCOME
from backfill.verify.expectation import (
    UNCHECKED,
    Expected,
    expected_cases,
    expected_from_cases,
    journal_cases,
    untimed_cases,
)
from backfill.verify.readback import (
    ASSIGNEE,
    FIELDS,
    STATUS,
    CaseState,
    normalise_status,
)

if TYPE_CHECKING:
    from backfill.config import Config
    from backfill.journal.store import Journal
    from backfill.plan.build import Plan

MATCH = "match"
MISMATCH = "mismatch"
MISSING = "missing"
VERDICTS = (MATCH, MISMATCH, MISSING)
VERIFY_COLUMNS = ["case", "expected", "found", "verdict", "differs", "note"]


@dataclass
class Comparison:
    """The verdict per case (frame with VERIFY_COLUMNS) and the counts."""

    frame: pd.DataFrame
    counts: dict[str, int]
    not_in_answer: Counter[str] = field(default_factory=Counter)  # field -> cases lacking it
    differs: Counter[str] = field(default_factory=Counter)  # field -> cases where it differs

    @property
    def exit_status(self) -> ExitStatus:
        failed = self.counts.get(MISMATCH, 0) + self.counts.get(MISSING, 0)
        return ExitStatus.ROWS_FAILED if failed else ExitStatus.OK


def _same(field_name: str, expected: Any, found: Any) -> bool:
    if field_name == ASSIGNEE:
        return (expected or "").strip().lower() == (found or "").strip().lower()
    if field_name == STATUS:
        return normalise_status(expected) == normalise_status(found)
    return expected == found


def _show(value: Any) -> str:
    if value is UNCHECKED:
        return "(not checked)"
    if value is None:
        return "(none)"
    return str(value)


def describe(values: Mapping[str, Any]) -> str:
    """`status=closed; assignee=(none); ...` for one side of a comparison."""
    return "; ".join(f"{name}={_show(values.get(name, UNCHECKED))}" for name in FIELDS)


def compare_case(expected: Expected, found: CaseState | None) -> dict[str, Any]:
    """One row of verify.csv."""
    want = {name: getattr(expected, name) for name in FIELDS}
    if found is None:
        return {
            "case": expected.case,
            "expected": describe(want),
            "found": "(not in CustomerGauge's answer)",
            "verdict": MISSING,
            "differs": "",
            "note": "",
        }
    got: dict[str, Any] = {}
    differs: list[str] = []
    notes: list[str] = []
    for name in FIELDS:
        if name in found.missing:
            got[name] = "(not in answer)"
            if want[name] is not UNCHECKED:
                notes.append(f"{name} not in the answer: not compared")
            continue
        got[name] = getattr(found, name)
        if want[name] is not UNCHECKED and not _same(name, want[name], got[name]):
            differs.append(name)
    if found.unreadable:
        notes.append("unreadable: " + ", ".join(found.unreadable))
    return {
        "case": expected.case,
        "expected": describe(want),
        "found": describe(got),
        "verdict": MISMATCH if differs else MATCH,
        "differs": ", ".join(differs),
        "note": "; ".join(notes),
    }


def compare(expected: Iterable[Expected], found: Mapping[str, CaseState]) -> Comparison:
    """Compare every expected case with what was found (cases found but not expected: ignored)."""
    rows = []
    not_in_answer: Counter[str] = Counter()
    differs: Counter[str] = Counter()
    for item in expected:
        state = found.get(item.case)
        row = compare_case(item, state)
        rows.append(row)
        if state is not None:
            not_in_answer.update(
                name for name in state.missing if getattr(item, name) is not UNCHECKED
            )
        differs.update(name for name in row["differs"].split(", ") if name)
    frame = pd.DataFrame(rows, columns=VERIFY_COLUMNS)
    counts = {verdict: int((frame["verdict"] == verdict).sum()) for verdict in VERDICTS}
    return Comparison(frame, counts, not_in_answer, differs)


def summary_line(comparison: Comparison) -> str:
    """`verify: 998 cases; 995 match, 2 mismatch (status 1, time_to_close 1), 1 missing`."""
    counts = comparison.counts
    total = sum(counts.values())
    text = f"verify: {total} cases; {counts[MATCH]} match, {counts[MISMATCH]} mismatch"
    if comparison.differs:
        detail = ", ".join(f"{name} {n}" for name, n in sorted(comparison.differs.items()))
        text += f" ({detail})"
    text += f", {counts[MISSING]} missing"
    if comparison.not_in_answer:
        lacking = ", ".join(f"{name} {n}" for name, n in sorted(comparison.not_in_answer.items()))
        text += f"; not in CustomerGauge's answer, so not compared: {lacking}"
    return text


def write_verify_csv(comparison: Comparison, folder: Path) -> Path:
    from backfill.report.tables import write_csv

    return write_csv(comparison.frame, Path(folder) / "verify.csv")


# --- reading back and verifying ------------------------------------------------------


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
    api: Any,
    expected: list[Expected],
    start: date,
    end: date,
    *,
    folder: Path | None = None,
    source: str = "plan",
    progress: bool = False,
) -> VerifyOutcome:
    """Read back GET close-loop over [start, end], compare, write verify.csv to `folder`."""
    from backfill.verify.readback import read_close_loop

    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(desc="reading back", unit=" cases", file=sys.stderr, leave=False)
    requests_before = getattr(api, "requests", 0)
    try:
        found = await read_close_loop(api, start, end, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    comparison = compare(expected, found.cases)
    path = write_verify_csv(comparison, folder) if folder is not None else None
    return VerifyOutcome(
        comparison=comparison,
        path=path,
        start=start,
        end=end,
        pages=found.pages,
        records=found.records,
        requests=getattr(api, "requests", 0) - requests_before,
        source=source,
        summary=summary_line(comparison),
    )


def verify_config(config: Config) -> Config:
    """Verification reads with the v7 API (OAuth2) whatever api.version sends with."""
    if config.api.version == "v7":
        return config
    return config.model_copy(update={"api": config.api.model_copy(update={"version": "v7"})})


# --- entry points: the runner's --verify hook, the library function, the CLI -------------


async def verify_plan(
    plan: Plan,
    config: Config,
    api: Any,
    *,
    journal: Journal | None = None,
    folder: Path | None = None,
    progress: bool = False,
    today: date | None = None,
) -> VerifyOutcome:
    """Verify what `plan` predicts against CustomerGauge, over an open ApiSession `api`.

    `backfill run --verify` calls this after sending, with the run's session (so the reads
    share its rate limiter and retry policy) and its journal; `verify` calls it for a file
    given now. Writes verify.csv into `folder` when given.
    """
    cases, source, run_start = expected_cases(plan, journal)
    expected = expected_from_cases(cases, untimed=untimed_cases(plan))
    earliest = run_start
    if earliest is None:
        times = plan.frame.loc[plan.frame[OUTCOME].eq(""), HAPPENED_TS].dropna()
        earliest = times.min() if len(times) else None
    start, end = read_range(earliest, today=today)
    return await verify_expected(
        api, expected, start, end, folder=folder, source=source, progress=progress
    )


async def verify_journal(
    journal: Journal,
    config: Config,
    api: Any,
    *,
    folder: Path | None = None,
    progress: bool = False,
    today: date | None = None,
) -> VerifyOutcome:
    """Verify every case the journal shows as sent, without the input files."""
    cases, run_start, untimed = journal_cases(journal, config)
    start, end = read_range(run_start, today=today)
    return await verify_expected(
        api,
        expected_from_cases(cases, assignee_known=False, untimed=untimed),
        start,
        end,
        folder=folder,
        source="journal",
        progress=progress,
    )


def verify(
    inputs: Sequence[Path],
    config: Config,
    *,
    out_dir: Path | None = None,
    journal_path: Path | None = None,
    progress: bool = False,
    now: datetime | None = None,
    echo: Callable[[str], None] = print,
) -> VerifyOutcome:
    """`backfill verify`: read back each case and compare it with the expected final state.

    With INPUT files the expectation is their plan (narrowed to what the journal shows as
    accepted, when the journal knows the run); with only a journal, its accepted actions.
    Credentials: the v7 OAuth2 pair, from the variables the config names.
    """
    from backfill.config import new_run_id, output_dir
    from backfill.send.session import ApiSession

    inputs = [Path(p) for p in inputs]
    read_config = verify_config(config)
    journal = _open_journal(journal_path, config, required=not inputs)
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
                return await verify_journal(journal, config, api, folder=folder, progress=progress)
            plan = await plan_for_verify(
                inputs, config, api, journal, now=now, progress=progress, echo=echo
            )
            return await verify_plan(
                plan, config, api, journal=journal, folder=folder, progress=progress
            )

    try:
        outcome = asyncio.run(main())
    finally:
        if journal is not None:
            journal.close()
    echo(outcome.summary)
    echo(
        f"read back {outcome.records} cases updated {outcome.start} to {outcome.end} "
        f"({outcome.pages} pages, {outcome.requests} requests); expected from the "
        f"{outcome.source.replace('+', ' and the ')}"
    )
    if outcome.path is not None:
        echo(f"verify.csv written to {outcome.path}")
    return outcome


def _credentials(config: Config) -> Any:
    """The v7 pair verify reads with; missing ones are a usage error (exit 2, as for run)."""
    from backfill.send.auth import Credentials

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


async def plan_for_verify(
    inputs: Sequence[Path],
    config: Config,
    api: Any,
    journal: Journal | None,
    *,
    now: datetime | None = None,
    progress: bool = False,
    echo: Callable[[str], None] | None = None,
) -> Plan:
    """The plan of `inputs`, with response dates from the API when responses.source is api."""
    from backfill.config import required_fields
    from backfill.plan.build import build_plan, plan_from_table
    from backfill.read.table import read_inputs

    if config.responses.source != "api":
        return build_plan(inputs, config, now=now, progress=progress)
    from backfill.verify.responses import api_response_dates

    table = read_inputs(
        list(inputs), config.input, required=required_fields(config), progress=progress
    )
    dates = await api_response_dates(
        table, config, api, journal, now=now, progress=progress, echo=echo
    )
    return plan_from_table(table, config, now=now, response_dates=dates)


def _open_journal(path: Path | None, config: Config, *, required: bool) -> Journal | None:
    """The journal to narrow or replace the expectation: --journal, else journal: if present.

    Read-only, unless response dates fetched from the API are to be kept in it; then it is
    created when missing, so that the next run or verify does not fetch them again.
    """
    from backfill.journal.store import Journal

    target = Path(path) if path is not None else Path(config.journal)
    keeps_dates = config.responses.source == "api" and not required
    if not target.exists() and not keeps_dates:
        if path is not None or required:
            raise ConfigError(
                f"journal {target} not found; give the journal of the run with --journal, "
                "or the INPUT files to verify against their plan"
            )
        return None
    return Journal(target, read_only=not keeps_dates)


def verify_command(
    inputs: Sequence[Path],
    config_path: Path | None,
    out_dir: Path | None,
    journal_path: Path | None,
    echo: Callable[[str], None] = print,
) -> ExitStatus:
    """What the `backfill verify` command runs: 0 all match, 1 mismatch or missing."""
    from backfill.config import load_config

    config = load_config(config_path)
    outcome = verify(
        inputs, config, out_dir=out_dir, journal_path=journal_path, progress=True, echo=echo
    )
    return outcome.exit_status
