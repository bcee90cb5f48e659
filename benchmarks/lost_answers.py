"""Answers lost after the request was applied (run_all.py's "lost" piece).

At 0, 1 and 5 % of answers dropped by the sandbox after applying the request: the run's
wall time against the bound of actions / rate, when the last case started (the lanes never
idle while one is ready) and the floor the settle rule sets (bench_send.settle_figures).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import bench_send
from sandbox_runs import engine, write_responses

LOST_RATE, LOST_CONCURRENCY = 60.0, 8


def lost_piece(sizes: Any, work: Path, say: Callable[[str], None]) -> list[dict[str, Any]]:
    """Answers lost after the request was applied: how far past the N/rate bound a run ends."""
    cases = bench_send.make_cases(sizes.lost_actions, max(1, sizes.lost_actions // 4))
    responses = write_responses(work / "responses-lost.csv", cases)
    runs = []
    for share in (0.0, 0.01, 0.05):
        say(f"lost answers: {share:.0%} of {sizes.lost_actions} at {LOST_RATE:g}/s")
        run = engine(
            responses, f"lost {share:.0%}", cases, LOST_RATE, "--drop-after", f"{share:g}",
            concurrency=LOST_CONCURRENCY, settle_s=sizes.settle_s, max_attempts=8,
        )  # fmt: skip
        bound = sizes.lost_actions / LOST_RATE
        runs.append(
            {
                "lost_share": share,
                "actions": sizes.lost_actions,
                "rate_limit": LOST_RATE,
                "concurrency": LOST_CONCURRENCY,
                "settle_s": sizes.settle_s,
                "bound_s": bound,
                "wall_s": run.figures["elapsed_s"],
                "wall_over_bound": run.figures["elapsed_s"] / bound,
                "requests": run.figures["requests"],
                "last_case_started_s": run.figures["last_case_started_s"],
                "settle_floor_s": run.figures["settle_floor_s"],
                "outcomes": run.figures["outcomes"],
                "accepted_per_s": run.accepted_per_s,
            }
        )
    return runs
