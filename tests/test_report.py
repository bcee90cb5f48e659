"""Reports: every row once, outcome counts add up, failures retry-ready, Excel-safe."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from backfill import model
from backfill.model import Outcome, Result
from backfill.report.files import (
    build_report,
    build_summary,
    count_errors,
    results_frame,
    write_reports,
)


def plan_frame(rows: list[dict], original: list[str]) -> pd.DataFrame:
    """A plan-shaped frame: original columns plus the internal ones reports read."""
    frame = pd.DataFrame(rows, columns=original)
    frame[model.SOURCE] = "history.csv"
    frame[model.ROW] = range(2, len(rows) + 2)
    frame[model.CASE_SEQ] = range(1, len(rows) + 1)
    frame.index = [10 * i for i in range(len(rows))]
    return frame


ORIGINAL = ["number_customergauge", "status", "note"]


def sample() -> tuple[pd.DataFrame, dict[int, Result]]:
    frame = plan_frame(
        [
            {"number_customergauge": "1", "status": "OPEN", "note": '=HYPERLINK("x")'},
            {"number_customergauge": "1", "status": "CLOSED", "note": "-3"},
            {"number_customergauge": "2", "status": "nope", "note": "@SUM(A1)"},
            {"number_customergauge": "2", "status": "CLOSED", "note": "+x"},
            {"number_customergauge": "3", "status": "OPEN", "note": ""},
        ],
        ORIGINAL,
    )
    results = {
        0: Result(0, Outcome.SENT, http_status=200, attempts=1, sent_at="2024-01-01T00:00:00Z"),
        10: Result(
            10,
            Outcome.FAILED,
            http_status=422,
            error="http-422: =cmd|' /C calc'!A0",
            code="http-422",
            attempts=1,
        ),
        20: Result(
            20,
            Outcome.INVALID,
            error="unknown-status: 'nope' | missing-note: x",
            code="unknown-status",
        ),
        30: Result(30, Outcome.BLOCKED, error="blocked: row 4 failed", code="blocked"),
        40: Result(40, Outcome.PENDING, error="not sent: the run was interrupted", code="not-sent"),
    }
    return frame, results


def test_results_have_every_row_original_columns_first():
    frame, results = sample()
    table = results_frame(frame, ORIGINAL, results)
    assert list(table.columns) == [
        *ORIGINAL,
        "source",
        "row",
        "case_seq",
        "outcome",
        "http_status",
        "error",
        "attempts",
        "sent_at",
        "resent_uncertain",
        "answer_lost",
    ]
    assert table["outcome"].tolist() == [
        Outcome.SENT,
        Outcome.FAILED,
        Outcome.INVALID,
        Outcome.BLOCKED,
        Outcome.PENDING,
    ]
    assert table["row"].tolist() == [2, 3, 4, 5, 6]


def test_results_in_input_order_whatever_the_send_order():
    frame, results = sample()
    shuffled = frame.iloc[[3, 0, 4, 2, 1]]
    assert results_frame(shuffled, ORIGINAL, results)["row"].tolist() == [2, 3, 4, 5, 6]


def test_missing_result_is_an_error():
    frame, results = sample()
    del results[40]
    with pytest.raises(ValueError, match="no result for 1 plan rows"):
        results_frame(frame, ORIGINAL, results)


def test_our_columns_never_clash_with_the_users():
    frame = plan_frame([{"outcome": "mine", "row": "r", "x": 1}], ["outcome", "row", "x"])
    table = results_frame(frame, ["outcome", "row", "x"], {0: Result(0, Outcome.SENT)})
    assert table["outcome"].tolist() == ["mine"]
    assert table["backfill_outcome"].tolist() == [Outcome.SENT]
    assert table["backfill_row"].tolist() == [2]


def test_summary_counts_add_up_and_name_every_outcome():
    frame, results = sample()
    report = build_report(
        frame,
        ORIGINAL,
        results,
        run_id="r1",
        cases=3,
        requests=4,
        elapsed_s=2.0,
        exit_code=1,
        notes=["v4.1: happened_at not kept"],
    )
    summary = report.summary.to_json()  # summary.json's content
    assert summary["rows"] == 5 == sum(summary["outcomes"].values())
    assert set(summary["outcomes"]) == set(model.OUTCOMES)
    assert summary["outcomes"][Outcome.SENT] == 1 and summary["outcomes"]["already_sent"] == 0
    assert summary["rate_per_s"] == 2.0
    assert summary["errors"] == {"http-422": 1, "unknown-status": 1, "blocked": 1, "not-sent": 1}
    assert summary["notes"] == ["v4.1: happened_at not kept"]


def test_summary_refuses_counts_that_do_not_add_up():
    frame, results = sample()
    table = results_frame(frame, ORIGINAL, results)
    table.loc[0, "outcome"] = "mystery"
    with pytest.raises(AssertionError, match="unknown outcomes"):
        build_summary(table, ORIGINAL, run_id="r", cases=1, requests=0, elapsed_s=0, exit_code=0)


def test_failures_are_retry_ready():
    frame, results = sample()
    report = build_report(
        frame, ORIGINAL, results, run_id="r", cases=3, requests=2, elapsed_s=1, exit_code=1
    )
    assert list(report.failures.columns) == [*ORIGINAL, "source", "row", "outcome", "error"]
    assert report.failures["row"].tolist() == [3, 4, 5, 6]
    assert report.failures["outcome"].tolist() == [
        Outcome.FAILED,
        Outcome.INVALID,
        Outcome.BLOCKED,
        Outcome.PENDING,
    ]


def test_errors_are_counted_by_code_not_by_their_text():
    results = [
        Result(0, Outcome.FAILED, error="The selected status is invalid.", code="http-422"),
        Result(1, Outcome.FAILED, error="note: too long", code="http-422"),
        Result(2, Outcome.FAILED, error="gave up after 3 attempts: HTTP 503", code="gave-up"),
        Result(3, Outcome.SENT),
    ]
    assert count_errors(results) == {"http-422": 2, "gave-up": 1}


def test_files_are_written_and_formula_safe(tmp_path: Path):
    frame, results = sample()
    report = build_report(
        frame, ORIGINAL, results, run_id="r", cases=3, requests=2, elapsed_s=1, exit_code=1
    )
    files = write_reports(report, tmp_path)
    assert sorted(p.name for p in files) == [
        "failures.csv",
        "report.xlsx",
        "results.csv",
        "summary.json",
    ]
    text = (tmp_path / "results.csv").read_text(encoding="utf-8-sig")
    notes = [row["note"] for row in csv.DictReader(io.StringIO(text))]
    assert notes == ['\'=HYPERLINK("x")', "-3", "'@SUM(A1)", "'+x", ""]  # -3: not a formula
    assert json.loads((tmp_path / "summary.json").read_text())["rows"] == 5
    book = load_workbook(tmp_path / "report.xlsx")
    assert book.sheetnames == ["Summary", "Results", "Failures"]
    results_sheet = book["Results"]
    assert results_sheet.freeze_panes == "A2"
    assert results_sheet.auto_filter.ref.startswith("A1:")
    assert results_sheet["A1"].font.bold
    for row in results_sheet.iter_rows(values_only=True):
        for value in row:
            assert not (isinstance(value, str) and value[:1] in "=+@\t\r")
    summary = [r[:3] for r in book["Summary"].iter_rows(values_only=True)]
    assert ("Sent", 1, 0.2) in summary and ("Total", 5, None) in summary
    # reason, what it means, rows
    why = "the API refused the action's content (column error names the field)"
    assert ("http-422", why, 1) in summary


def test_large_runs_keep_summary_and_failures_only(tmp_path: Path):
    frame, results = sample()
    report = build_report(
        frame, ORIGINAL, results, run_id="r", cases=3, requests=2, elapsed_s=1, exit_code=1
    )
    write_reports(report, tmp_path, xlsx_results_limit=4)
    book = load_workbook(tmp_path / "report.xlsx")
    assert book.sheetnames == ["Summary", "Failures"]
    cells = [c for r in book["Summary"].iter_rows(values_only=True) for c in r if c]
    assert any("results.csv (next to this file) has every row" in str(c) for c in cells)
    assert book["Failures"].max_row == 5  # header + 4 failures
    write_reports(report, tmp_path / "small", xlsx_results_limit=5)
    assert load_workbook(tmp_path / "small" / "report.xlsx").sheetnames == [
        "Summary",
        "Results",
        "Failures",
    ]


def test_xlsx_can_be_turned_off(tmp_path: Path):
    frame, results = sample()
    report = build_report(
        frame, ORIGINAL, results, run_id="r", cases=3, requests=2, elapsed_s=1, exit_code=1
    )
    write_reports(report, tmp_path, xlsx=False)
    assert not (tmp_path / "report.xlsx").exists()


def test_summary_json_reads_back_into_the_same_summary(tmp_path: Path):
    from backfill.report.summary import NextStep, Predicted, Summary, Verified

    frame, results = sample()
    report = build_report(
        frame, ORIGINAL, results, run_id="r", cases=3, requests=2, elapsed_s=1, exit_code=1
    )
    report.summary.verify = Verified(summary="3 cases match", exit_code=0, source="plan")
    report.summary.predicted = Predicted(
        cases=3,
        median_follow_up_h=1.5,
        median_close_h=None,
        cases_without_follow_up=0,
        cases_without_close=3,
        assignment_emails=2,
        assignee_policy="every",
    )
    report.summary.next_steps = [NextStep(text="Fix the rows", command="backfill retry f.csv")]
    write_reports(report, tmp_path, xlsx=False)
    written = json.loads((tmp_path / "summary.json").read_text())
    assert Summary.from_json(written) == report.summary
    assert "aborted" not in written  # left out when it does not apply
    assert written["config_file"] is None  # (kept: "none: built-in defaults")
    with pytest.raises(ValueError, match="unknown summary keys: \\['colour'\\]"):
        Summary.from_json({**written, "colour": "red"})


@pytest.mark.parametrize(
    ("sent", "outcomes", "verified", "stop", "status"),
    [
        ({}, ["sent", "already_sent"], None, {}, 0),
        ({}, ["sent", "invalid"], None, {}, 1),
        ({}, ["sent"], 1, {}, 1),
        ({"aborted": "interrupted", "requests": 4}, ["sent", "pending"], None, {}, 3),
        ({"aborted": "unreachable", "unreachable": True}, ["pending"], None, {}, 2),
        ({}, ["sent"], None, {"end_recorded": False}, 3),
        ({"requests": 0}, [], None, {"stopped_by": 2}, 2),  # nothing sent: the error's own
        ({"requests": 5}, ["sent"], None, {"stopped_by": 2}, 3),  # may have sent: aborted
    ],
)
def test_a_runs_exit_status_is_decided_in_one_place(
    sent: dict, outcomes: list[str], verified: int | None, stop: dict, status: int
) -> None:
    from backfill.errors import ExitStatus
    from backfill.report.summary import Verified
    from backfill.runner.finish import exit_status
    from backfill.runner.sending import Sent

    read_back = (
        None if verified is None else Verified(summary="", exit_code=verified, source="plan")
    )
    if "stopped_by" in stop:
        stop = {"stopped_by": ExitStatus(stop["stopped_by"])}
    decided = exit_status(Sent(**sent), [Outcome(o) for o in outcomes], read_back, **stop)
    assert decided == ExitStatus(status)
