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
import limiters  # noqa: E402
import memory_run  # noqa: E402
import results_chart  # noqa: E402
import results_table  # noqa: E402
import run_all  # noqa: E402
import sandbox_runs  # noqa: E402
import send_rates  # noqa: E402
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


def test_memory_piece_runs_a_checkout_and_its_figures_add_up(tmp_path: Path) -> None:
    sizes = run_all.Sizes(**{**SMOKE.__dict__, "memory_actions": (60, 12)})
    (run,) = run_all.memory_piece(sizes, tmp_path, tmp_path, lambda _: None)
    assert run["package"] == str(BENCHMARKS.parent / "backfill")
    assert run["exit_status"] == 0
    # every action went out once and was answered: as the client and the sandbox saw it
    assert run["requests_at_client"] == run["answers_at_client"] == 60
    assert run["requests_at_sandbox"] == run["accepted"] == 60
    assert run["peak_rss_mib"] > 0
    assert 0 < run["longest_pause_s"] <= run["sending_s"]
    assert run["longest_pause_cause"] in ("client", "sandbox", "none")
    assert sum(run["pauses_over_limit"].values()) <= 60 - 1
    assert run["end_of_run_s"] >= 0
    assert "results.csv" in run["written_after_last_answer_s"]
    assert sum(run["collections_per_generation"]) > 0  # gc.callbacks saw the client collect
    rows = results_table.table({"memory": [run]})
    assert any(row.startswith("| run of 60 actions, unlimited") for row in rows)


def test_a_pause_is_put_down_to_the_collector_that_ran_through_it() -> None:
    arrivals = [0.0, 0.01, 0.5, 0.51, 0.8, 0.81, 1.5]  # gaps of 0.49, 0.29 and 0.69 s
    client = [[2, 0.05, 0.45, 0], [0, 0.505, 0.506, 0]]  # covers the first gap
    sandbox = [[2, 0.52, 0.7, 0]]  # covers most of the second
    found = memory_run.pauses(arrivals, client, sandbox)
    assert found["longest_pause_s"] == pytest.approx(0.69)
    assert found["longest_pause_after_s"] == pytest.approx(0.81)
    assert found["longest_pause_cause"] == "none"
    assert found["pauses_over_limit"] == {"client": 1, "sandbox": 1, "none": 1}
    assert found["longest_pause_from_client_collector_s"] == pytest.approx(0.49)


def test_the_limiter_before_issue_27_is_swapped_in_from_git_history() -> None:
    import backfill.send.session as session
    from backfill.send import ratelimit

    try:
        before = limiters.before_module()
    except limiters.HistoryMissing as missing:
        pytest.skip(str(missing))  # a shallow clone
    assert before.RateLimiter is not ratelimit.RateLimiter
    assert hasattr(before, "CATCH_UP_S") and not hasattr(ratelimit, "CATCH_UP_S")  # the GCRA
    with limiters.swapped("before"):
        assert isinstance(session.pacing_limiter(5), before.RateLimiter)
    assert isinstance(session.pacing_limiter(5), ratelimit.RateLimiter)
    with pytest.raises(RuntimeError, match="made no limiter"), limiters.swapped("before"):
        pass  # nothing sent: the swap cannot have been measured


def test_without_the_history_the_before_limiter_says_how_to_go_on(tmp_path: Path) -> None:
    with pytest.raises(limiters.HistoryMissing, match="--limiters after"):
        limiters.before_module(tmp_path)


def test_each_limiter_paces_a_fixed_rate_run(tmp_path: Path) -> None:
    try:
        limiters.before_module()
    except limiters.HistoryMissing as missing:
        pytest.skip(str(missing))
    sizes = run_all.Sizes(**{**SMOKE.__dict__, "rates": (25,), "seconds_per_rate": 0.5})
    cases = bench_send.make_cases(40, 20)
    responses = sandbox_runs.write_responses(tmp_path / "responses.csv", cases)
    runs = send_rates.fixed_rates(sizes, cases, responses, limiters.NAMES, lambda _: None)
    assert [run.figures["limiter"] for run in runs] == ["before", "after"]
    for run in runs:
        assert run.figures["accepted"] == sandbox_runs.count_actions(
            sandbox_runs.first_actions(cases, 12)
        )
        assert run.figures["answers_429"] == 0
        assert run.figures["busiest_1s_window"] <= 25


def test_the_limiters_side_by_side_mark_a_missed_target() -> None:
    def fixed(limiter: str, share: float, window: int) -> dict[str, object]:
        return {"name": "x", "limiter": limiter, "rate_limit": 100, "share_of_limit": share,
                "busiest_1s_window": window, "answers_429": 0}  # fmt: skip

    auto = {"name": "auto", "limiter": "after", "steady_share": 0.95, "share_429": 0.001,
            "found_after_s": 4.2}  # fmt: skip
    send = {
        "limiters": limiters.DESCRIBED,
        "contenders": [fixed("before", 0.961, 99), fixed("after", 0.93, 98), auto],
    }
    rows = results_table.limiters_table(send)
    before = next(row for row in rows if row.startswith("| before:"))
    after = next(row for row in rows if row.startswith("| after:"))
    assert "96.1% / 99 |" in before and before.endswith("| - |")  # no auto run: a dash
    assert "93.0% / 98 ✗ |" in after and after.endswith("95.0% / 0.1% / 4.2 s |")
    assert rows[-1] == "| target | ≥ 95% / ≤ 100 | ≥ 90% / ≤ 2% |"
    only_after = {**send, "limiters": {"after": limiters.DESCRIBED["after"]}}
    assert results_table.limiters_table(only_after) == []
