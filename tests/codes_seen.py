"""Every code the suite's plans, runs and read-backs make, held against the register.

For the whole session the constructors of what carries a code are watched: `Result` (a
run's rows), `Problem` and the `Plan` (its problem table: every row error and warning),
and verify's `Cause`. After each test, every code it made must be one backfill/codes.py
explains, with a weight that fits where it was made (a warning-kind code never stops a
row, a result never comes from the plan): otherwise that test fails, naming the code.
With BACKFILL_CODES_SEEN=<file> the codes the session made are appended to that file (the
closing figures of issue 26).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from backfill.codes import Kind, meaning
from backfill.errors import Severity

# (where it was made: "result" | "problem" | "cause", the code, a problem's severity or "")
Made = tuple[str, str, str]
MADE: list[Made] = []
EVER: set[Made] = set()


def unexplained(made: Iterable[Made]) -> list[str]:
    """What is wrong with the codes made: each line names a code and why it fails."""
    wrong = []
    for where, code, severity in sorted(set(made)):
        found = meaning(code)
        if found is None or not found.why.strip():
            wrong.append(f"{code!r} ({where}): the register does not explain it")
        elif not _fits(where, found.kind, severity, bool(found.warns_by)):
            wrong.append(f"{code!r} made as a {where} ({severity or '-'}), kind {found.kind}")
    return wrong


def _fits(where: str, kind: Kind, severity: str, may_warn: bool) -> bool:
    if where == "cause":
        return kind == Kind.CAUSE
    if where == "result":  # a plan's invalid row carries its first error's code
        return kind in (Kind.ERROR, Kind.RESULT)
    if kind == Kind.WARNING:
        return severity == Severity.WARNING
    return kind == Kind.ERROR and (severity == Severity.ERROR or may_warn)


def _watch(cls: type, codes_of: Callable[[Any], Iterable[Made]]) -> None:
    original = cls.__init__  # type: ignore[misc]

    @functools.wraps(original)
    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        MADE.extend(codes_of(self))

    cls.__init__ = init  # type: ignore[misc]


def _problem_table(plan: Any) -> Iterator[Made]:
    pairs = plan.problem_table[["code", "severity"]].astype(str).drop_duplicates()
    for code, severity in zip(pairs["code"], pairs["severity"], strict=True):
        yield "problem", code, severity


def pytest_configure(config: pytest.Config) -> None:
    from backfill.errors import Problem
    from backfill.model import Result
    from backfill.plan.build import Plan
    from backfill.verify.diagnose import Cause

    _watch(Result, lambda r: [("result", str(r.code), "")] if r.code else [])
    _watch(Problem, lambda p: [("problem", str(p.code), str(p.severity))])
    _watch(Plan, _problem_table)
    _watch(Cause, lambda c: [("cause", str(c.code), "")])


@pytest.fixture(autouse=True)
def _codes_made_are_explained() -> Iterator[None]:
    start = len(MADE)
    yield
    made = MADE[start:]
    del MADE[start:]
    EVER.update(made)
    wrong = unexplained(made)
    if wrong:
        pytest.fail("codes made that backfill/codes.py does not explain:\n" + "\n".join(wrong))


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = os.environ.get("BACKFILL_CODES_SEEN")
    if path and EVER:
        with open(path, "a", encoding="utf-8") as out:
            out.writelines(f"{where}\t{code}\t{severity}\n" for where, code, severity in EVER)
