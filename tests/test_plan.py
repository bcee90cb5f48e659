"""The Plan contract the engine relies on, and order invariance (hypothesis)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from backfill.cli.console import plan_text
from backfill.config import config_from_dict
from backfill.errors import ExitStatus
from backfill.model import (
    CASE,
    CASE_SEQ,
    INTERNAL_COLUMNS,
    OUTCOME,
    ROW,
    SOURCE,
)
from backfill.plan.build import build_plan, plan_from_table
from backfill.plan.files import PLAN_FILES, plan_table, write_plan_files
from tests.test_validation import NOW, make_table, row

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
        "happened_at (UTC)",
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

_statuses = st.sampled_from(["open", "progress", "closed", "In Progress", "Parked"])
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


_EVERY_KIND_OF_ROW = [
    (case, status, at, note, assignee)
    for case, status, at, note, assignee in zip(
        ["1", "2", "3", "", "1", "2", "3", "1", "2", "1", "3", "2"],
        [
            "open",
            "progress",
            "closed",
            "In Progress",
            "Waiting",
            "closed",
            "open",
            "progress",
            "open",
            "closed",
            "progress",
            "open",
        ],
        [
            "2023-05-01 10:00:00",
            "2023-05-01 10:00:00",
            "2023-05-02 08:30:00",
            "2023-05-03 09:00:00",
            "2023-03-31 23:00:00",
            "",
            "not a date",
            "2023-05-01 10:00:00",
            "2023-05-02 08:30:00",
            "2023-05-03 09:00:00",
            "2023-05-01 10:00:00",
            "2023-05-01 10:00:00",
        ],
        ["", "called", "called", "", "called", "", "called", "", "called", "", "", ""],
        [
            "",
            "alice@example.com",
            "bad@",
            "",
            "alice@example.com",
            "",
            "bad@",
            "",
            "",
            "",
            "alice@example.com",
            "",
        ],
        strict=True,
    )
]
_STRICTEST = {
    "validation": {
        "transitions": "progressive",
        "require_note": True,
        "duplicates": "drop",
        "require_happened_at": False,
    },
    "send": {"on_case_failure": "block", "assignee": "last"},
}


# Each example plans twice (about a tenth of a second each, whatever the size): 20 examples
# plus the two below, rows with every kind of problem under the strictest settings.
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=_rows, config=_configs, seed=st.randoms(use_true_random=False))
@example(rows=_EVERY_KIND_OF_ROW, config=_STRICTEST, seed=random.Random(1))
@example(
    rows=_EVERY_KIND_OF_ROW * 2,
    config={**_STRICTEST, "send": {"on_case_failure": "continue", "assignee": "every"}},
    seed=random.Random(2),
)
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


# --- the plan's files ----------------------------------------------------------------------


def _messy_rows() -> list[dict[str, Any]]:
    """40 cases with every kind of problem, note and warning, in shuffled file order."""
    rows: list[dict[str, Any]] = []
    notes = ["", 'said "fine, thanks"', "line 1\nline 2", "=1+1", "-3", "Zürich ✓", "a\rb"]
    for case in range(40):
        day = 1 + case % 27
        steps = [("open", 10), ("progress", 11), ("closed", 12), ("open", 13)][: 1 + case % 4]
        for i, (status, hour) in enumerate(steps):
            rows.append(
                row(
                    case=str(1000 + (case * 7919) % 40),
                    status=status,
                    at=f"2023-05-{day:02d} {hour:02d}:00:00",
                    note=notes[(case + i) % len(notes)],
                    assignee=["", "ann@example.com", "", "bo@example.com"][(case + i) % 4],
                )
            )
    rows += [
        row(case="", status="open"),  # missing id
        row(case="1003", status="Parked"),  # unknown status
        row(case="1004", at="next tuesday"),  # bad time
        row(case="1005", at="2024-07-01 08:00:00"),  # future
        row(case="1006", at="2023-03-01 08:00:00"),  # before the response date
        row(case="1008", assignee="bad@"),  # bad assignee
        dict(rows[5]),  # duplicate of a row
        row(case="1009", status="closed", at="2023-05-20 09:00:00"),  # ends without close time
    ]
    order = sorted(range(len(rows)), key=lambda i: (i * 37) % len(rows))
    return [{**rows[i], "row": n + 2} for n, i in enumerate(order)]


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)


@pytest.mark.parametrize(
    "options",
    [{}, {"send": {"assignee": "last"}}, {"send": {"on_case_failure": "continue"}}],
)
def test_plan_files_hold_every_row_case_and_problem(
    tmp_path: Path, options: dict[str, Any]
) -> None:
    plan = plan_from_table(make_table(_messy_rows()), config_from_dict(options), now=NOW)
    written = write_plan_files(plan, tmp_path)
    assert [p.name for p in written] == list(PLAN_FILES)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(PLAN_FILES)
    summary = plan.summary()
    assert plan.exit_status() == ExitStatus.ROWS_FAILED
    assert set(summary["by_code"]) == {
        "missing-id",
        "unknown-status",
        "bad-time",
        "future-time",
        "before-response",
        "bad-assignee",
    }
    assert summary["duplicate"] == 1
    assert {"reopen", "no-close-time"} <= set(summary["warnings"])
    shown = plan_text(summary, plan.sources, plan.config)
    assert shown.startswith(f"history.csv: {len(plan.frame)} rows, ")
    planned = _read(tmp_path / "plan.csv")
    assert len(planned) == summary["rows"]
    assert planned["outcome"].value_counts().to_dict() == {
        name: count
        for name, count in (
            ("send", summary["valid"]),
            ("invalid", summary["invalid"]),
            ("blocked", summary["blocked"]),
            ("duplicate", summary["duplicate"]),
        )
        if count
    }
    assert planned["plan_note"].tolist() == [
        "'=1+1" if note == "=1+1" else note for note in plan.frame["_note"]
    ]
    assert len(_read(tmp_path / "cases.csv")) == summary["cases"]
    invalid = _read(tmp_path / "invalid.csv")
    assert len(invalid) == summary["invalid"] + summary["blocked"]
    assert invalid["row"].astype(int).is_monotonic_increasing  # file order


def test_validate_writes_only_invalid_csv(tmp_path: Path) -> None:
    plan = plan_from_table(make_table(_messy_rows()), config_from_dict({}), now=NOW)
    assert write_plan_files(plan, tmp_path, files=("invalid.csv",)) == [tmp_path / "invalid.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["invalid.csv"]
    with pytest.raises(ValueError, match="unknown plan files"):
        write_plan_files(plan, tmp_path, files=("plans.csv",))


def test_invalid_rows_of_two_sources_are_in_file_order(tmp_path: Path) -> None:
    config = config_from_dict({})
    plan = build_plan([SAMPLE / "history.csv", SAMPLE / "history.xlsx"], config, now=NOW)
    write_plan_files(plan, tmp_path)
    invalid = _read(tmp_path / "invalid.csv")
    sources = invalid["source"].map(lambda s: Path(s).name).tolist()
    assert sources == sorted(sources, key=["history.csv", "history.xlsx"].index)
    assert sources[0] == "history.csv" and sources[-1] == "history.xlsx"
