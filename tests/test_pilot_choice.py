"""`run --pilot N`: which cases go first, and what a mismatch most likely means."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backfill.codes import Code
from backfill.config import Config
from backfill.model import Action
from backfill.runner.pilot import ASSIGNEE, NOTE, REOPEN, choose_pilot
from backfill.verify.compare import compare
from backfill.verify.diagnose import likely_causes
from backfill.verify.expectation import UNCHECKED, Expected
from backfill.verify.readback import CaseState

KEY = iter(range(10**9))


def case(
    number: str,
    statuses: str,
    *,
    note: int | None = None,
    assignee: int | None = None,
    source: str = "history.csv",
) -> list[Action]:
    """A case from status letters: o=open p=progress c=closed."""
    words = {"o": "open", "p": "progress", "c": "closed"}
    return [
        Action(
            key=next(KEY),
            source=source,
            row=i + 2,
            case=number,
            case_seq=i + 1,
            status=words[letter],
            happened_at=f"2024-01-0{i + 1} 09:00:00",
            note="called back" if note == i else None,
            assignee="ann@example.com" if assignee == i else None,
        )
        for i, letter in enumerate(statuses)
    ]


def test_pilot_covers_the_variety_then_fills_in_send_order() -> None:
    cases = [
        case("1", "oc"),
        case("2", "opc", note=1),
        case("3", "ocoppc"),  # re-open, longest
        case("4", "oc", assignee=0),
        case("5", "oc"),
    ]
    pilot = choose_pilot(cases, 4, Config())
    assert pilot.case_ids == ["1", "2", "3", "4"]  # send order kept
    assert REOPEN in pilot.reasons["3"] and "the longest timeline (6 actions)" in pilot.reasons["3"]
    assert pilot.reasons["2"] == [NOTE]
    assert pilot.reasons["4"] == [ASSIGNEE]
    assert pilot.reasons["1"] == ["one more case"]  # nothing left to cover: send order
    assert [c[0].case for c in pilot.rest] == ["5"]


def test_each_input_file_time_column_is_covered() -> None:
    cases = [case("1", "oc"), case("2", "oc"), case("3", "oc", source="2024.csv")]
    pilot = choose_pilot(cases, 2, Config())
    assert pilot.case_ids == ["1", "3"]
    assert any("2024.csv" in item for item in pilot.reasons["3"])


def test_wide_files_cover_each_step_column() -> None:
    config = Config.model_validate(
        {"input": {"layout": "wide", "steps": {"open": "Created", "closed": "Solved"}}}
    )
    cases = [case("1", "o"), case("2", "o"), case("3", "oc")]
    pilot = choose_pilot(cases, 1, config)
    assert pilot.case_ids == ["3"]
    assert "time column 'Solved' of history.csv" in pilot.reasons["3"]


def test_no_pilot_or_a_pilot_larger_than_the_plan() -> None:
    cases = [case("1", "oc"), case("2", "oc")]
    assert choose_pilot(cases, 0, Config()).rest == cases
    assert choose_pilot(cases, 10, Config()).case_ids == ["1", "2"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(["o", "oc", "ocop", "opc", "ocopc"]), min_size=1, max_size=12),
    st.integers(1, 15),
)
def test_a_pilot_is_whole_cases_taken_once_and_deterministic(shapes: list[str], size: int) -> None:
    cases = [case(str(i), shape, note=0 if i % 3 == 0 else None) for i, shape in enumerate(shapes)]
    first = choose_pilot(cases, size, Config())
    again = choose_pilot(cases, size, Config())
    assert first.case_ids == again.case_ids
    assert len(first.cases) == min(size, len(cases))
    ids = first.case_ids + [c[0].case for c in first.rest]
    assert sorted(ids) == sorted(c[0].case for c in cases)  # every case once, whole
    assert all(len(c) == len(cases[int(c[0].case)]) for c in first.cases)


# --- what a mismatch means -------------------------------------------------------------------
SENT = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def _diagnose(found_close: dict[str, int], response_days_ago: dict[str, int]) -> list:
    expected = {
        number: Expected(number, "closed", UNCHECKED, 2, 24) for number in response_days_ago
    }
    found = {
        number: CaseState(number, "closed", None, 2, close) for number, close in found_close.items()
    }
    responses = {
        number: pd.Timestamp(SENT - timedelta(days=days))
        for number, days in response_days_ago.items()
    }
    comparison = compare(expected.values(), found)
    return likely_causes(comparison, expected, found, responses, SENT)


def test_times_equal_to_the_time_since_the_response_mean_happened_at_is_ignored() -> None:
    causes = _diagnose({"1": 10 * 24, "2": 30 * 24 + 1}, {"1": 10, "2": 30})
    assert [c.code for c in causes] == [Code.IGNORES_HAPPENED_AT]
    assert causes[0].cases == ("1", "2")
    assert "ignore happened_at" in causes[0].advice


def test_one_constant_offset_means_a_time_zone() -> None:
    causes = _diagnose({"1": 25, "2": 25}, {"1": 10, "2": 30})
    assert [(c.code, c.hours) for c in causes] == [(Code.TIME_ZONE_OFFSET, 1)]
    assert "the same 1 hour(s)" in causes[0].advice


@pytest.mark.parametrize(
    ("found", "codes"),
    [
        ({"1": 30, "2": 50}, [Code.TIMES_DIFFER]),
        ({"1": 30}, [Code.TIME_ZONE_OFFSET, Code.CASE_NOT_SHOWN]),
    ],
)
def test_other_patterns_are_named_as_such(found: dict[str, int], codes: list[Code]) -> None:
    assert [c.code for c in _diagnose(found, {"1": 10, "2": 30})] == codes


def test_matching_cases_have_no_cause() -> None:
    assert _diagnose({"1": 24, "2": 24}, {"1": 10, "2": 30}) == []
