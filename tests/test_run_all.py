"""benchmarks/run_all.py's pieces run at tiny sizes: figures that add up, files written.

No timing is asserted: only that each piece measures what it says (every request answered
and counted in the per-second series, a resumed journal leaves nothing to send).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import bench_send  # noqa: E402
import results_chart  # noqa: E402
import results_table  # noqa: E402
import run_all  # noqa: E402
import sandbox_runs  # noqa: E402
from results_table import README_BEGIN, README_END, with_figures  # noqa: E402

SMOKE = run_all.Sizes(
    seconds_per_rate=1,
    rates=(),
    unlimited_actions=30,
    auto_actions=0,
    naive_actions=0,
    lost_actions=0,
    settle_s=0,
    plan_csv=(),
    plan_xlsx=(),
    journal_actions=40,
    resume_actions=(120, 30),
)


def test_unlimited_contender_counts_every_accepted_request(tmp_path: Path) -> None:
    responses = tmp_path / "responses.csv"
    cases = bench_send.make_cases(SMOKE.unlimited_actions, 10)
    responses.write_text(
        "number_customergauge,date_survey_response\n"
        + "".join(f"{case[0].case},2023-01-01 00:00:00\n" for case in cases)
    )
    run = sandbox_runs.engine(responses, "unlimited", cases, 1_000_000)
    assert run.figures["accepted"] == SMOKE.unlimited_actions == sum(run.accepted_per_s)
    assert run.figures["answers_429"] == 0


def test_journal_and_resume_pieces_write_the_results(tmp_path: Path) -> None:
    results = run_all.run(SMOKE, ("journal", "resume"), tmp_path, None, lambda _: None)
    saved = json.loads((tmp_path / "latest.json").read_text())
    assert saved["journal"]["actions"] == SMOKE.journal_actions
    resume = saved["resume"]
    assert resume["left_to_send"] == 0  # every action was journaled as sent
    assert resume["already_sent"] == resume["actions"] > 0
    rows = results_table.table(results)
    assert any(row.startswith("| journal, per action |") for row in rows)
    assert any(row.startswith("| resume start-up") for row in rows)


def test_chart_of_every_contender(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    results = {
        "machine": results_table.machine(),
        "send": {"contenders": [{"name": "a", "accepted_per_s": [3, 5, 5, 1]}]},
        "lost": [{"lost_share": 0.01, "accepted_per_s": [2, 2]}],
    }
    assert results_chart.chart(results, tmp_path / "chart.png") == ""
    assert (tmp_path / "chart.png").read_bytes().startswith(b"\x89PNG")


def test_readme_block_is_replaced_between_its_markers() -> None:
    readme = f"intro\n{README_BEGIN}\nold\n{README_END}\nrest\n"
    updated = with_figures(readme, "| what | figure |")
    assert updated == f"intro\n{README_BEGIN}\n| what | figure |\n{README_END}\nrest\n"
    assert with_figures(updated, "| what | figure |") == updated
