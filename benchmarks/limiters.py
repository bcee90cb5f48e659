"""The send limiter before and after issue 27, swapped into the client one run at a time.

- **after**: this checkout's own `backfill.send.ratelimit` (aiolimiter's leaky bucket paces,
  the sliding-window cap guarantees).
- **before**: main's limiter before issue 27, the hand-written GCRA schedule with the same
  window cap. It is read from git history when the benchmark runs, never copied into the
  package: ``git show 45acacc:backfill/send/ratelimit.py`` is executed as a module of its
  own, and its `pacing_limiter` replaces `backfill.send.session.pacing_limiter` for that
  run. Only the limiter changes; the lanes, the session and the retries are this checkout's.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent
BEFORE_COMMIT = "45acacc"  # main's last commit with the GCRA schedule
BEFORE_PATH = "backfill/send/ratelimit.py"
NAMES = ("before", "after")
DESCRIBED = {
    "before": f"GCRA schedule + window cap (main before issue 27, {BEFORE_COMMIT})",
    "after": "aiolimiter's bucket + window cap (this checkout)",
}


class HistoryMissing(RuntimeError):
    """The 'before' limiter cannot be read from this checkout's git history."""


@cache
def before_module(repository: Path = REPOSITORY) -> ModuleType:
    """The limiter module as it was at BEFORE_COMMIT, loaded from git history."""
    where = f"{BEFORE_COMMIT}:{BEFORE_PATH}"
    try:
        shown = subprocess.run(
            ["git", "-C", str(repository), "show", where],
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        shown = None
    if shown is None or shown.returncode != 0:
        why = "git is not installed" if shown is None else shown.stderr.strip()
        raise HistoryMissing(
            f"The 'before' limiter is read from git history ({where}) and {repository} "
            f"cannot show it ({why}). Run the benchmark from a full clone (git fetch "
            "--unshallow), or measure this checkout's limiter alone with --limiters after."
        )
    module = ModuleType(f"ratelimit_{BEFORE_COMMIT}")
    module.__file__ = where
    exec(compile(shown.stdout, where, "exec"), module.__dict__)
    return module


@contextmanager
def swapped(name: str) -> Iterator[None]:
    """Runs inside use the limiter `name` ("before" or "after"); fails when the client
    never made one of the swapped-in limiters (the session no longer builds it there)."""
    if name == "after":
        yield
        return
    if name != "before":
        raise ValueError(f"no limiter {name!r}: choose from {', '.join(NAMES)}")
    import backfill.send.session as session

    if not hasattr(session, "pacing_limiter"):
        raise RuntimeError(
            "backfill.send.session no longer imports pacing_limiter: the benchmark cannot "
            "swap the 'before' limiter in (benchmarks/limiters.py)"
        )
    old = before_module().pacing_limiter
    made: list[float] = []

    def pacing_limiter(rate: float) -> Any:
        made.append(rate)
        return old(rate)

    ours = session.pacing_limiter
    session.pacing_limiter = pacing_limiter
    try:
        yield
    finally:
        session.pacing_limiter = ours
    if not made:
        raise RuntimeError("the client made no limiter through the swapped pacing_limiter")
