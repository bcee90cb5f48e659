"""What the journal costs a run per action (run_all.py's "journal" piece)."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bench_send


def journal_piece(actions: int, say: Callable[[str], None]) -> dict[str, Any]:
    """What the journal costs a run per action: the in-flight mark before each request (a
    commit) and the outcome after (batched by the writer thread), timed on their own."""
    from backfill.journal.store import Journal
    from backfill.model import Outcome, Result

    say(f"journal: {actions:,} actions")
    cases = bench_send.make_cases(actions, max(1, actions // 4))
    flat = [a for case in cases for a in case]
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        with Journal(Path(folder) / "journal.sqlite") as journal:
            journal.begin_run("bench", "run", ["bench.csv"], "sandbox")
            for action in flat:
                identity = f"{action.case}:{action.case_seq}"
                journal.mark_in_flight(identity, action, "bench", 1, action.happened_at)
                result = Result(action.key, Outcome.SENT, http_status=200, attempts=1)
                journal.record_result(identity, action, "bench", result, action.happened_at)
        elapsed = time.perf_counter() - started
    per_action = elapsed / len(flat)
    return {
        "actions": len(flat),
        "seconds": elapsed,
        "per_action_ms": per_action * 1000,
        "share_of_a_request_at_200_per_s": per_action / (1 / 200),
    }
