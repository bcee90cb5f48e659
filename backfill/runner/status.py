"""What the journal knows, as text: `backfill status`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from backfill.journal.schema import State
from backfill.journal.store import Journal

CASES_SHOWN = 20


def status(journal_path: Path | str) -> str:
    """What the journal knows: runs, actions by state, cases left (``backfill status``)."""
    path = Path(journal_path)
    with Journal(path, read_only=True) as journal:
        runs = journal.runs()
        states = journal.state_counts()
        left = journal.cases_left()
        pilots: dict[str, list[dict[str, Any]]] = {}
        for item in journal.pilot_cases():
            pilots.setdefault(item["run_id"], []).append(item)
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
        pilot = pilots.get(item["run_id"])
        if pilot:
            verdicts = ", ".join(f"{c['case_id']} {c['verdict'] or 'not read back'}" for c in pilot)
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
