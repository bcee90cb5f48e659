"""What the journal knows, as text: `backfill status`, and a run's resume decisions."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from backfill.journal.schema import State
from backfill.journal.store import Journal
from backfill.model import Outcome
from backfill.runner.resume import Decisions

CASES_SHOWN = 20


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
        totals = {
            name: sum(case[name] for case in left) for name in ("rows_left", "pending", "failed")
        }
        lines.append(f"Cases left: {len(left)} (rows not sent: {_rows_left(totals)})")
        for case in left[:CASES_SHOWN]:
            lines.append(f"  case {case['case_id']}: {_rows_left(case)} (run {case['run_id']})")
        if len(left) > CASES_SHOWN:
            lines.append(f"  ... and {len(left) - CASES_SHOWN} more")
    else:
        lines.append("Cases left: none")
    return "\n".join(lines)


def _rows_left(counts: dict[str, Any]) -> str:
    """ "invalid or blocked 2, failed 1": the rows not sent by outcome (the journal counts
    invalid and blocked rows together)."""
    by_outcome = {
        "invalid or blocked": counts["rows_left"] - counts["pending"] - counts["failed"],
        "failed": counts["failed"],
        "pending": counts["pending"],
    }
    return ", ".join(f"{name} {count:,}" for name, count in by_outcome.items() if count)


def explain_decisions(decisions: Decisions) -> tuple[list[str], list[str]]:
    """What the journal decided before sending: lines to show now, notes for the report."""
    lines: list[str] = []
    notes: list[str] = []
    results = decisions.results.values()
    already = Counter(r.outcome for r in results)[Outcome.ALREADY_SENT]
    if already:
        lines.append(f"Journal: {already} action(s) already sent by earlier runs")
    out_of_order = sum(1 for r in results if r.error.startswith("out-of-order"))
    if out_of_order:
        lines.append(
            f"Journal: {out_of_order} action(s) older than their case's last sent action "
            "are not sent (out-of-order; --allow-out-of-order overrides)"
        )
    changed = sum(1 for r in results if r.error.startswith("changed-after-sent"))
    if changed:
        lines.append(
            f"Journal: {changed} action(s) changed in the input after they were sent are not "
            "sent again (changed-after-sent; --allow-out-of-order sends them)"
        )
    if decisions.uncertain:
        lines.append(
            f"Journal: {len(decisions.uncertain)} action(s) may have been applied by an "
            "earlier run (in flight when it stopped, or their answer was lost); they are "
            "re-sent and marked resent_uncertain"
        )
    if decisions.stray_in_flight:
        notes.append(
            f"{decisions.stray_in_flight} action(s) in flight when an earlier run stopped "
            "are not in this input: their outcome is unknown (run that input again)"
        )
    return lines, notes
