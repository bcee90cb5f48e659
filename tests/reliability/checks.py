"""What every reliability test checks after a run, from the sandbox's own record.

The sandbox logs every action it applied, per case, in the order it applied them. Against
the input that gives three figures: rows lost (an input action the sandbox never applied and
no report shows as not sent), duplicates (an action applied more than once) and order
violations (an action applied after a later action of its case). A duplicate is acceptable
only when results.csv flagged it (resent_uncertain or answer_lost) in some run.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Figures:
    """The closing note's figures for one scenario."""

    rows: int = 0
    applied: int = 0
    lost: list[str] = field(default_factory=list)  # notes never applied
    duplicates: list[str] = field(default_factory=list)  # notes applied more than once
    unflagged: list[str] = field(default_factory=list)  # duplicates no report flagged
    order_violations: list[str] = field(default_factory=list)  # cases applied out of order

    def assert_sound(self) -> None:
        assert not self.lost, f"rows lost: {self.lost[:5]}"
        assert not self.unflagged, f"unflagged duplicates: {self.unflagged[:5]}"
        assert not self.order_violations, f"order violated in cases {self.order_violations[:5]}"


def expected_order(rows: list[dict[str, str]]) -> dict[str, list[str]]:
    """Per case, its notes in timeline order (the test data gives every action a unique note)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        out.setdefault(row["number_customergauge"], []).append((row["happened_at"], row["note"]))
    return {case: [note for _, note in sorted(items)] for case, items in out.items()}


def flagged_notes(out_dirs: list[Path]) -> set[str]:
    """Notes of the rows any run flagged as possibly applied twice."""
    flagged: set[str] = set()
    for folder in out_dirs:
        path = folder / "results.csv"
        if not path.exists():
            continue
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row.get("resent_uncertain") == "True" or row.get("answer_lost") == "True":
                    flagged.add(row["note"])
    return flagged


def figures(sb: Any, rows: list[dict[str, str]], out_dirs: list[Path]) -> Figures:
    """Compare what the sandbox applied with the input: every action once, in order."""
    want = expected_order(rows)
    result = Figures(rows=len(rows))
    flagged = flagged_notes(out_dirs)
    for case, notes in want.items():
        position = {note: i for i, note in enumerate(notes)}
        state = sb.state.cases.get(case)
        got = [entry.note for entry in state.history] if state is not None else []
        result.applied += len(got)
        seen: dict[str, int] = {}
        highest = -1
        for note in got:
            seen[note] = seen.get(note, 0) + 1
            index = position[note]
            if index < highest:
                result.order_violations.append(case)
            highest = max(highest, index)
        for note in notes:
            if note not in seen:
                result.lost.append(note)
            elif seen[note] > 1:
                result.duplicates.append(note)
                if note not in flagged:
                    result.unflagged.append(note)
    result.order_violations = sorted(set(result.order_violations))
    return result
