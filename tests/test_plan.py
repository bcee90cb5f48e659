"""The Plan contract the engine relies on, and order invariance (hypothesis)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backfill.config import config_from_dict
from backfill.model import (
    CASE,
    CASE_SEQ,
    INTERNAL_COLUMNS,
    OUTCOME,
    ROW,
    SOURCE,
)
from backfill.plan.build import build_plan, plan_from_table, plan_table
from tests.test_validation import NOW, make_table

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"


def test_sample_history_plan_keeps_every_row_once() -> None:
    plan = build_plan([SAMPLE / "history.csv"], config_from_dict({}), now=NOW)
    frame = plan.frame
    assert list(frame.columns) == [*plan.original_columns, *INTERNAL_COLUMNS]
    assert frame.index.is_unique and list(frame.index) == list(range(len(frame)))
    assert sorted(frame[ROW]) == list(range(2, len(frame) + 2))
    summary = plan.summary()
    total = summary["valid"] + summary["duplicate"] + summary["invalid"] + summary["blocked"]
    assert total == summary["rows"] == len(frame)
    actions = plan.actions_by_case()
    assert sum(len(a) for a in actions) == summary["valid"]
    for case_actions in actions:
        assert len({a.case for a in case_actions}) == 1
        seqs = [a.case_seq for a in case_actions]
        assert seqs == sorted(seqs) and seqs[0] >= 1
        stamps = [a.happened_at for a in case_actions]
        assert stamps == sorted(stamps)
    assert len({a[0].case for a in actions}) == len(actions)  # a case is one group


def test_sample_excel_and_csv_plan_alike() -> None:
    config = config_from_dict({})
    csv = build_plan([SAMPLE / "history.csv"], config, now=NOW)
    xlsx = build_plan([SAMPLE / "history.xlsx"], config, now=NOW)
    columns = [CASE, "_status", "_happened_at", "_note", "_send_assignee", OUTCOME]
    assert csv.frame[columns].equals(xlsx.frame[columns])
    assert csv.cases.equals(xlsx.cases)


def test_plan_file_names_internal_columns_readably_without_clashes() -> None:
    plan = build_plan([SAMPLE / "history.csv"], config_from_dict({}), now=NOW)
    table = plan_table(plan)
    assert list(table.columns[: len(plan.original_columns)]) == plan.original_columns
    assert list(table.columns[len(plan.original_columns) :]) == [
        "source",
        "row",
        "plan_number_customergauge",
        "plan_status",
        "plan_happened_at",
        "plan_note",
        "plan_assignee",
        "case_seq",
        "outcome",
        "error",
        "warning",
    ]
    assert set(table["outcome"]) <= {"send", "invalid", "blocked", "duplicate"}


def test_problems_are_records_with_source_and_row() -> None:
    plan = build_plan([SAMPLE / "history.csv"], config_from_dict({}), now=NOW)
    errors = [p for p in plan.problems if p.severity == "error" and p.code != "blocked"]
    assert {p.code for p in errors} >= {"unknown-status", "bad-time", "missing-id"}
    assert all(p.source.endswith("history.csv") and p.row >= 2 for p in plan.problems)


def test_empty_input_plans_nothing() -> None:
    plan = plan_from_table(make_table([]), config_from_dict({}), now=NOW)
    assert len(plan.frame) == 0 and len(plan.cases) == 0
    assert plan.actions_by_case() == []
    assert plan.exit_status() == 0


# --- order invariance --------------------------------------------------------------------

_statuses = st.sampled_from(["open", "progress", "closed", "In Progress", "Snoozed"])
_times = st.sampled_from(
    [
        "2023-05-01 10:00:00",
        "2023-05-01 10:00:00",
        "2023-05-02 08:30:00",
        "2023-05-03 09:00:00",
        "2023-03-31 23:00:00",  # before the response date
        "",
        "not a date",
    ]
)
_rows = st.lists(
    st.tuples(
        st.sampled_from(["1", "2", "3", ""]),
        _statuses,
        _times,
        st.sampled_from(["", "called", "called"]),
        st.sampled_from(["", "alice@example.com", "bad@"]),
    ),
    min_size=1,
    max_size=25,
)
_configs = st.fixed_dictionaries(
    {
        "validation": st.fixed_dictionaries(
            {
                "transitions": st.sampled_from(["free", "progressive"]),
                "require_note": st.booleans(),
                "duplicates": st.sampled_from(["drop", "keep"]),
                "require_happened_at": st.booleans(),
            }
        ),
        "send": st.fixed_dictionaries(
            {
                "on_case_failure": st.sampled_from(["block", "continue"]),
                "assignee": st.sampled_from(["every", "last", "never"]),
            }
        ),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=_rows, config=_configs, seed=st.randoms(use_true_random=False))
def test_shuffling_the_input_rows_never_changes_the_plan(rows, config, seed) -> None:
    records = [
        {
            "number_customergauge": case,
            "status": status,
            "happened_at": at,
            "note": note,
            "assignee": assignee,
            "response_date": "2023-04-01 00:00:00",
            "row": i + 2,
        }
        for i, (case, status, at, note, assignee) in enumerate(rows)
    ]
    shuffled = list(records)
    seed.shuffle(shuffled)
    cfg = config_from_dict(config)
    first = plan_from_table(make_table(records), cfg, now=NOW)
    second = plan_from_table(make_table(shuffled), cfg, now=NOW)
    pd.testing.assert_frame_equal(first.frame, second.frame)
    pd.testing.assert_frame_equal(first.cases, second.cases)
    assert first.summary() == second.summary()
    assert sorted(map(repr, first.problems)) == sorted(map(repr, second.problems))
    # conservation: every row has exactly one outcome and the counts add up
    assert sorted(first.frame[ROW]) == [r["row"] for r in records]
    placed = first.frame[first.frame[CASE_SEQ] > 0]
    assert placed.groupby(CASE)[CASE_SEQ].apply(lambda s: s.is_unique).all()
    assert set(first.frame[SOURCE]) == {"history.csv"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=_rows, config=_configs)
def test_the_packed_and_the_plain_send_order_agree(rows, config) -> None:
    """send_order sorts on (case, time in seconds) packed into one key when it can; the
    plain three-key sort gives the same plan."""
    from unittest import mock

    from backfill.plan import timeline

    records = [
        {"number_customergauge": case, "status": status, "happened_at": at, "note": note}
        for case, status, at, note, _ in rows
    ]
    cfg = config_from_dict(config)
    packed = plan_from_table(make_table(records), cfg, now=NOW)
    real_packed = timeline._packed
    with mock.patch.object(
        timeline, "_packed", lambda *keys: None if len(keys) == 2 else real_packed(*keys)
    ):
        plain = plan_from_table(make_table(records), cfg, now=NOW)
    pd.testing.assert_frame_equal(packed.frame, plain.frame)


def test_plan_writer_matches_the_safe_rule(tmp_path: Path) -> None:
    from backfill.report.tables import neutralise_frame, write_csv

    plan = build_plan([SAMPLE / "history.csv"], config_from_dict({}), now=NOW)
    table = plan_table(plan)
    table.loc[0, "note"] = "=1+2"
    table.loc[1, "note"] = "-3"
    table.loc[2, "note"] = "@SUM(A1)"
    table.loc[3, "note"] = "\tx"
    table["=odd header"] = "+31 6 1234"
    neutralise_frame(table).to_csv(tmp_path / "slow.csv", index=False, encoding="utf-8-sig")
    write_csv(table, tmp_path / "fast.csv")
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "slow.csv").read_bytes()
    assert "'=1+2" in (tmp_path / "fast.csv").read_text(encoding="utf-8-sig")


def test_joined_pairs_are_each_rows_texts() -> None:
    from backfill.plan.build import _joined_pairs

    first = pd.Series(
        ["reopen", "dup", "reopen", "reopen", None], index=[5, 3, 9, 1, 2], dtype=object
    )
    second = pd.Series([1, 2, 1, 10, 1], index=first.index)
    assert _joined_pairs(first[:4], second[:4], " ").tolist() == [
        "reopen 1",
        "dup 2",
        "reopen 1",
        "reopen 10",
    ]
    assert _joined_pairs(first[:4], second[:4], " ").index.tolist() == [5, 3, 9, 1]
    assert _joined_pairs(first, second, ": ").tolist()[-1] == "None: 1"
    assert _joined_pairs(first[:0], second[:0], " ").tolist() == []
