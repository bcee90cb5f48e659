"""Verify a backfill: does CustomerGauge now hold what the plan predicted?

Expected state per case comes from the plan (the same prediction `backfill plan` writes to
cases.csv), narrowed to what the journal shows as accepted, or from the journal alone for
runs made earlier (backfill.verify.expectation); never from a second reading of the input
or a second state machine. What CustomerGauge holds comes from GET close-loop via
backfill.verify.readback, the one place that parses that answer. Each case gets a verdict:

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

This module compares; backfill.verify.check reads back and runs the comparison.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import pandas as pd

from backfill.errors import ExitStatus
from backfill.verify.expectation import UNCHECKED, Expected
from backfill.verify.readback import (
    ASSIGNEE,
    FIELDS,
    STATUS,
    CaseState,
    normalise_status,
)


class Verdict(StrEnum):
    """What verify says of one case (module docstring)."""

    MATCH = "match"
    MISMATCH = "mismatch"
    MISSING = "missing"


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
        failed = self.counts.get(Verdict.MISMATCH, 0) + self.counts.get(Verdict.MISSING, 0)
        return ExitStatus.ROWS_FAILED if failed else ExitStatus.OK


def _same(field_name: str, expected: Any, found: Any) -> bool:
    if field_name == ASSIGNEE:
        return (expected or "").strip().lower() == (found or "").strip().lower()
    if field_name == STATUS:
        return normalise_status(expected) == normalise_status(found)
    return bool(expected == found)


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
            "verdict": Verdict.MISSING,
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
        "verdict": Verdict.MISMATCH if differs else Verdict.MATCH,
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
    counts = {str(verdict): int((frame["verdict"] == verdict).sum()) for verdict in Verdict}
    return Comparison(frame, counts, not_in_answer, differs)


def summary_line(comparison: Comparison) -> str:
    """`verify: 998 cases; 995 match, 2 mismatch (status 1, time_to_close 1), 1 missing`."""
    counts = comparison.counts
    total = sum(counts.values())
    text = (
        f"verify: {total} cases; {counts[Verdict.MATCH]} match, {counts[Verdict.MISMATCH]} mismatch"
    )
    if comparison.differs:
        detail = ", ".join(f"{name} {n}" for name, n in sorted(comparison.differs.items()))
        text += f" ({detail})"
    text += f", {counts[Verdict.MISSING]} missing"
    if comparison.not_in_answer:
        lacking = ", ".join(f"{name} {n}" for name, n in sorted(comparison.not_in_answer.items()))
        text += f"; not in CustomerGauge's answer, so not compared: {lacking}"
    return text


def write_verify_csv(
    comparison: Comparison, folder: Path, causes: Mapping[str, str] | None = None
) -> Path:
    """verify.csv: VERIFY_COLUMNS, then `likely_cause`, what a case's mismatch most likely
    means and what to do (`causes`: case -> advice, backfill.verify.diagnose.by_case)."""
    from backfill.formula_guard import write_csv

    advice = dict(causes or {})
    frame = comparison.frame.assign(
        likely_cause=[advice.get(str(case), "") for case in comparison.frame["case"]]
    )
    return write_csv(frame, Path(folder) / "verify.csv")
