"""A generated Close the Loop history with the timelines that make prediction hard.

Shared by the verify tests: re-opens, notes while in progress, open→closed shortcuts,
none→progress starts, cases left open or in progress, assignees changing hands, and ties at
the same second (which the plan orders open < progress < closed). Rows are shuffled so that
the file order says nothing about the timeline.
"""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

USERS = [f"agent{n}@example.com" for n in range(6)]

# Each pattern is a list of (status, seconds after the previous action); 0 = a tie.
PATTERNS: dict[str, list[str]] = {
    "standard": ["open", "progress", "closed"],
    "reopen": ["open", "progress", "closed", "open", "progress", "closed"],
    "reopen-left-open": ["open", "progress", "closed", "open"],
    "reopen-via-progress": ["open", "progress", "closed", "progress", "closed"],
    "notes-in-progress": ["open", "progress", "progress", "progress", "closed"],
    "shortcut": ["open", "closed"],
    "shortcut-then-reopen": ["open", "closed", "open", "progress"],
    "starts-in-progress": ["progress", "closed"],
    "left-in-progress": ["open", "progress"],
    "left-open": ["open"],
}
TIED = {
    "tie-open-progress": ["open", "progress", "closed"],
    "tie-all": ["open", "progress", "closed"],
}


def generate_history(path: Path, cases: int, *, seed: int = 5) -> dict[str, str]:
    """Write `cases` cases to a CSV at `path`; return case id -> pattern name."""
    rng = random.Random(seed)
    names = [*PATTERNS, *TIED]
    rows: list[dict[str, str]] = []
    patterns: dict[str, str] = {}
    base = datetime(2023, 1, 1)
    for n in range(cases):
        case = f"{4_000_000 + n * 7:08d}"
        name = names[n % len(names)]
        patterns[case] = name
        statuses = PATTERNS.get(name) or TIED[name]
        response = base + timedelta(minutes=rng.randrange(0, 600 * 24 * 60))
        at = response + timedelta(minutes=rng.randrange(1, 3 * 24 * 60))
        assignee = rng.choice(USERS)
        for i, status in enumerate(statuses):
            if i:
                tie = (name == "tie-all") or (name == "tie-open-progress" and i == 1)
                if not tie:
                    at += timedelta(seconds=rng.randrange(1, 5 * 24 * 3600))
            if rng.random() < 0.3:
                assignee = rng.choice(USERS)
            note = ""
            if status == "progress" or rng.random() < 0.3:
                note = f'note {i} on {case}: "called", résumé; {rng.randrange(10**6)}'
            rows.append(
                {
                    "number_customergauge": case,
                    "status": status.upper() if rng.random() < 0.2 else status,
                    "happened_at": at.strftime("%Y-%m-%d %H:%M:%S"),
                    "note": note,
                    "assignee": assignee if rng.random() < 0.7 else "",
                    "response_date": response.strftime("%Y-%m-%d %H:%M:%S"),
                }
            )
    rng.shuffle(rows)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return patterns
