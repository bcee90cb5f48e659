"""What the journal knows, as text: `backfill status`."""

from __future__ import annotations

from pathlib import Path

from backfill.config import Config
from backfill.errors import JournalError
from backfill.journal.reading import PilotCase
from backfill.journal.schema import State
from backfill.journal.store import Journal
from backfill.journal.target import (
    JOURNAL_DIR,
    Choice,
    Source,
    Target,
    check_target,
    choose_journal,
    target_of,
)

CASES_SHOWN = 20


def status(journal_path: Path | str | None = None, config: Config | None = None) -> str:
    """What the journal knows: its target, runs, actions by state, cases left (``backfill
    status``). With `config`, the journal is its target's (the default one without a path)
    and a journal of another target is refused."""
    choice, target = _chosen(journal_path, config)
    path = choice.path
    with Journal(path, read_only=True) as journal:
        if target is not None:
            check_target(journal, target, choice)
        recorded = journal.recorded_target()
        runs = journal.runs()
        states = journal.state_counts()
        left = journal.cases_left()
        pilots: dict[str, list[PilotCase]] = {}
        for chosen in journal.pilot_cases():
            pilots.setdefault(chosen.run_id, []).append(chosen)
    lines = [f"Journal {path}: {len(runs)} run(s)"]
    if recorded is not None:
        lines.append(f"Target: {recorded.describe()}")
    elif runs:
        lines.append(
            "Target: not recorded (a journal of an earlier version): its next run's becomes its own"
        )
    for item in runs:
        outcomes = ", ".join(f"{k} {v}" for k, v in item.outcomes.items() if v) or "-"
        finished = f"exit {item.exit_code}" if item.finished_at else "did not finish (killed?)"
        if item.error:
            finished += f" ({item.error})"
        lines.append(
            f"  {item.run_id}  {item.command:<5}  {item.started_at[:19]}  {finished}"
            f"  rows {item.rows if item.rows is not None else '?'}: {outcomes}"
        )
        pilot = pilots.get(item.run_id)
        if pilot:
            verdicts = ", ".join(f"{c.case_id} {c.verdict or 'not read back'}" for c in pilot)
            lines.append(f"    pilot: {verdicts}")
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
        totals = [sum(case.rows_left for case in left)]
        totals += [sum(case.pending for case in left), sum(case.failed for case in left)]
        lines.append(f"Cases left: {len(left)} (rows not sent: {_rows_left(*totals)})")
        for case in left[:CASES_SHOWN]:
            counts = _rows_left(case.rows_left, case.pending, case.failed)
            lines.append(f"  case {case.case_id}: {counts} (run {case.run_id})")
        if len(left) > CASES_SHOWN:
            lines.append(f"  ... and {len(left) - CASES_SHOWN} more")
    else:
        lines.append("Cases left: none")
    return "\n".join(lines)


def _rows_left(rows_left: int, pending: int, failed: int) -> str:
    """ "invalid or blocked 2, failed 1": the rows not sent by outcome (the journal counts
    invalid and blocked rows together)."""
    by_outcome = {
        "invalid or blocked": rows_left - pending - failed,
        "failed": failed,
        "pending": pending,
    }
    return ", ".join(f"{name} {count:,}" for name, count in by_outcome.items() if count)


def _chosen(journal_path: Path | str | None, config: Config | None) -> tuple[Choice, Target | None]:
    """The journal to show, and the target to hold it to (None: no config, nothing to hold)."""
    if config is None:
        if journal_path is None:
            raise ValueError("status needs a journal path or a config")
        return Choice(Path(journal_path), Source.OPTION), None
    # status reads, never sends: it finds the journal without the client id when it must
    target = target_of(config, client_required=False)
    explicit = Path(journal_path) if journal_path is not None else None
    choice = choose_journal(explicit, config, target)
    if choice.source in (Source.DEFAULT, Source.LEGACY) and not choice.path.exists():
        raise JournalError(
            f"no journal for {target.describe()} in {JOURNAL_DIR}/ ({choice.path} does not "
            "exist): nothing has been sent to this target from this folder. Pass the journal "
            "of an earlier run with --journal, or the config of its target with -c"
        )
    return choice, target
