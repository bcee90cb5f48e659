"""Expected vs found: verdicts, named differences, fields the answer lacks, verify.csv."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from backfill.errors import ExitStatus
from backfill.verify.compare import (
    VERIFY_COLUMNS,
    Verdict,
    compare,
    compare_case,
    summary_line,
    write_verify_csv,
)
from backfill.verify.expectation import UNCHECKED, Expected
from backfill.verify.readback import CaseState, parse_case

EXPECTED = Expected("1", "closed", "a@b.com", 5, 30)
FOUND = CaseState("1", "closed", "a@b.com", 5, 30)


def test_equal_state_matches() -> None:
    row = compare_case(EXPECTED, FOUND)
    assert row["verdict"] == Verdict.MATCH
    assert row["differs"] == ""
    assert row["expected"] == row["found"]
    assert row["expected"] == (
        "status=closed; assignee=a@b.com; time_to_follow_up=5; time_to_close=30"
    )


def test_each_differing_field_is_named() -> None:
    found = CaseState("1", "progress", "c@d.com", 5, None)
    row = compare_case(EXPECTED, found)
    assert row["verdict"] == Verdict.MISMATCH
    assert row["differs"] == "status, assignee, time_to_close"
    assert "time_to_close=(none)" in row["found"]


def test_status_and_assignee_compare_like_people_do() -> None:
    found = CaseState("1", "CLOSED", " A@B.com ", 5, 30)
    assert compare_case(EXPECTED, found)["verdict"] == Verdict.MATCH


def test_unset_matches_unset_and_not_zero() -> None:
    expected = Expected("1", "open", None, None, None)
    assert (
        compare_case(expected, CaseState("1", "open", None, None, None))["verdict"] == Verdict.MATCH
    )
    row = compare_case(expected, CaseState("1", "open", None, 0, None))
    assert row["differs"] == "time_to_follow_up"


def test_unchecked_fields_are_shown_not_compared() -> None:
    expected = Expected("1", "closed", UNCHECKED, UNCHECKED, UNCHECKED)
    row = compare_case(expected, CaseState("1", "closed", "x@y.com", 1, 2))
    assert row["verdict"] == Verdict.MATCH
    assert "assignee=(not checked)" in row["expected"]


def test_missing_case() -> None:
    row = compare_case(EXPECTED, None)
    assert row["verdict"] == Verdict.MISSING
    assert row["found"] == "(not in CustomerGauge's answer)"


def test_field_absent_from_answer_is_noted_not_a_mismatch() -> None:
    found = parse_case({"number_customergauge": "1", "status": "closed", "assignee": "a@b.com"})
    assert isinstance(found, CaseState)
    row = compare_case(EXPECTED, found)
    assert row["verdict"] == Verdict.MATCH
    assert row["note"] == (
        "time_to_follow_up not in the answer: not compared; "
        "time_to_close not in the answer: not compared"
    )
    assert "time_to_close=(not in answer)" in row["found"]


def test_compare_counts_summary_and_exit_status() -> None:
    expected = [
        Expected("1", "closed", None, 1, 2),
        Expected("2", "open", None, None, None),
        Expected("3", "progress", None, 4, None),
        Expected("4", "closed", None, 1, 9),
    ]
    found = {
        "1": CaseState("1", "closed", None, 1, 2),
        "2": CaseState("2", "closed", None, None, None),
        "4": CaseState("4", "closed", None, 1, 8),
        "99": CaseState("99", "open"),  # another case of the tenant: not ours, ignored
    }
    result = compare(expected, found)
    assert list(result.frame.columns) == VERIFY_COLUMNS
    assert list(result.frame["case"]) == ["1", "2", "3", "4"]
    assert list(result.frame["verdict"]) == [
        Verdict.MATCH,
        Verdict.MISMATCH,
        Verdict.MISSING,
        Verdict.MISMATCH,
    ]
    assert result.counts == {Verdict.MATCH: 1, Verdict.MISMATCH: 2, Verdict.MISSING: 1}
    assert result.exit_status is ExitStatus.ROWS_FAILED
    assert summary_line(result) == (
        "verify: 4 cases; 1 match, 2 mismatch (status 1, time_to_close 1), 1 missing"
    )


def test_all_match_exits_zero() -> None:
    result = compare([EXPECTED], {"1": FOUND})
    assert result.exit_status is ExitStatus.OK
    assert summary_line(result) == "verify: 1 cases; 1 match, 0 mismatch, 0 missing"


def test_missing_alone_fails_the_verification() -> None:
    assert compare([EXPECTED], {}).exit_status is ExitStatus.ROWS_FAILED


def test_summary_names_fields_the_answer_lacks() -> None:
    found = parse_case({"number_customergauge": "1", "status": "closed", "assignee": "a@b.com"})
    assert isinstance(found, CaseState)
    result = compare([EXPECTED], {"1": found})
    assert summary_line(result).endswith(
        "; not in CustomerGauge's answer, so not compared: time_to_close 1, time_to_follow_up 1"
    )


def test_verify_csv_is_written_safely(tmp_path: Path) -> None:
    expected = [Expected("=cmd()", "open", "a@b.com", None, None)]
    path = write_verify_csv(compare(expected, {}), tmp_path)
    assert path == tmp_path / "verify.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(frame.columns) == [*VERIFY_COLUMNS, "likely_cause"]
    assert frame.loc[0, "case"] == "'=cmd()"
    assert frame.loc[0, "verdict"] == Verdict.MISSING


def test_verify_csv_says_the_likely_cause_formula_safe(tmp_path: Path) -> None:
    comparison = compare(
        [Expected("100", "closed"), Expected("200", "closed")],
        {"100": CaseState("100", "open"), "200": CaseState("200", "closed")},
    )
    path = write_verify_csv(comparison, tmp_path, {"100": "=HYPERLINK(x) the tenant changed it"})
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(frame.columns) == [*comparison.frame.columns, "likely_cause"]
    assert frame["likely_cause"].tolist() == ["'=HYPERLINK(x) the tenant changed it", ""]
