"""Resume start-up on a journal in which every action is already sent (run_all.py's
"resume" piece): open the journal and decide what is left, in a process of its own.

    python benchmarks/resume_startup.py CSV JOURNAL   (the child: prints its figures as JSON)
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from plan_speed import history


def resume_child(csv_path: Path, journal_path: Path) -> dict[str, Any]:
    """In a child process: plan the input, journal every action as sent, then time what a
    resumed run does before its first request: open the journal and decide."""
    from backfill.config import config_from_dict
    from backfill.journal.store import Journal
    from backfill.model import Outcome, Result
    from backfill.plan.build import build_plan
    from backfill.plan.identity import plan_contents, plan_identities
    from backfill.runner.resume import decide, utc_times

    config = config_from_dict({})
    started = time.perf_counter()
    plan = build_plan([csv_path], config)
    planned = time.perf_counter() - started
    keys = plan_identities(plan)
    identities = {int(k): str(v) for k, v in zip(keys.index, keys, strict=True)}
    happened = utc_times(plan)
    started = time.perf_counter()
    with Journal(journal_path, flush_every=10_000) as journal:
        journal.begin_run("filled", "run", [str(csv_path)], "sandbox")
        for case in plan.actions_by_case():
            for action in case:
                result = Result(action.key, Outcome.SENT, http_status=200, attempts=1)
                journal.record_result(
                    identities[action.key], action, "filled", result, happened[action.key]
                )
    filled = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    with Journal(journal_path) as journal:
        opened = time.perf_counter()
        keys = plan_identities(plan)  # as the runner's prepare phase (decide_plan) does
        identities = dict(zip(keys.index.tolist(), keys.tolist(), strict=True))
        happened, contents = utc_times(plan), plan_contents(plan)
        known = time.perf_counter()
        decisions = decide(
            plan, journal, identities, happened, allow_out_of_order=False, contents=contents
        )
    decided, cpu = time.perf_counter(), time.process_time() - cpu
    return {
        "actions": len(identities),
        "plan_s": planned,
        "fill_s": filled,
        "open_and_decide_s": decided - started,
        "open_and_decide_cpu_s": cpu,
        "open_s": opened - started,
        "identities_s": known - opened,  # the content identities of the plan's actions
        "decide_s": decided - known,  # journal look-ups and the decisions
        "left_to_send": sum(len(case) for case in decisions.cases),
        "already_sent": sum(
            1 for r in decisions.all_results().values() if r.outcome == "already_sent"
        ),
    }


def resume_piece(
    sizes: Any, work: Path, inputs: Path, say: Callable[[str], None]
) -> dict[str, Any]:
    rows, cases = sizes.resume_actions
    say(f"resume: journal of {rows:,} actions")
    data = history(inputs, rows, cases)
    journal = work / "resume-journal.sqlite"
    journal.unlink(missing_ok=True)
    command = [sys.executable, str(Path(__file__).resolve()), str(data), str(journal)]
    before = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"resume child failed ({child.returncode}): {err[-2000:]}")
    figures = json.loads(out)
    figures["child_wall_s"] = time.perf_counter() - before
    figures["journal_mib"] = journal.stat().st_size / 2**20
    return figures


if __name__ == "__main__":
    print(json.dumps(resume_child(Path(sys.argv[1]), Path(sys.argv[2]))))
