"""report.xlsx as a document, checked through openpyxl: the Summary sheet's words, banner and
charts; Results and Failures readable (widths, colours, date cells, print setup); Failures
read back by retry exactly as written."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook

from backfill import model
from backfill.config import config_from_dict
from backfill.model import Outcome, Result
from backfill.read.failures import read_failures
from backfill.report.facts import duration_text, next_steps, sending_time
from backfill.report.files import build_report, write_reports
from backfill.report.summary import Summary

ORIGINAL = ["number_customergauge", "status", "note"]
LONG_ERROR = "http-422: " + "the assignee is not an active user of the tenant; " * 4


def sample_frame() -> tuple[pd.DataFrame, dict[int, Result]]:
    rows = [
        {"number_customergauge": "00042", "status": "OPEN", "note": '=HYPERLINK("x")'},
        {"number_customergauge": "00042", "status": "CLOSED", "note": "-3"},
        {"number_customergauge": "7", "status": "nope", "note": "  spaced  "},
        {"number_customergauge": "7", "status": "CLOSED", "note": "@SUM(A1), é"},
        {"number_customergauge": "8", "status": "OPEN", "note": ""},
    ]
    frame = pd.DataFrame(rows, columns=ORIGINAL)
    frame[model.SOURCE] = "history.csv"
    frame[model.ROW] = range(2, 7)
    frame[model.CASE_SEQ] = [1, 2, 1, 2, 1]
    frame[model.HAPPENED_AT] = [
        "2023-01-05 10:00:00",
        "2023-02-01 09:00:00",
        "",
        "2023-02-03 10:00:00",
        "2023-02-04 10:00:00",
    ]
    frame.index = [10 * i for i in range(len(rows))]
    results = {
        0: Result(
            0, Outcome.SENT, http_status=200, attempts=1, sent_at="2026-11-30T21:36:56.685+00:00"
        ),
        10: Result(
            10, Outcome.FAILED, http_status=422, error=LONG_ERROR, code="http-422", attempts=1
        ),
        20: Result(
            20,
            Outcome.INVALID,
            error="unknown-status: unknown status 'nope'",
            code="unknown-status",
        ),
        30: Result(
            30, Outcome.BLOCKED, error="blocked: row 4 of history.csv failed", code="blocked"
        ),
        40: Result(40, Outcome.PENDING, error="not sent", code="not-sent"),
    }
    return frame, results


def summary_fields(*, sandbox: bool) -> dict[str, Any]:
    extra: dict[str, Any] = {
        "command": "run",
        "target": "http://127.0.0.1:5555" if sandbox else "https://api.eu.customergauge.com",
        "sandbox": sandbox,
        "region": "eu",
        "api_version": "v7",
        "rate_limit": 5,
        "inputs": [{"file": "history.csv", "rows": 5}],
        "config_file": "backfill.yaml",
        "started_at": "2026-11-30T21:36:55+00:00",
        "finished_at": "2026-11-30T21:37:01+00:00",
        "predicted": {
            "cases": 3,
            "median_follow_up_h": 12.5,
            "median_close_h": 40.0,
            "cases_without_follow_up": 1,
            "cases_without_close": 2,
            "assignment_emails": 4,
            "assignee_policy": "every",
        },
        "sent_per_month": {"2023-01": 1, "2023-02": 0},
    }
    return {
        "run_id": "20261130-213655-abcd",
        "cases": 3,
        "requests": 2,
        "elapsed_s": 6.0,
        "exit_code": 1,
        "extra": extra,
    }


def write_sample(folder: Path, *, sandbox: bool) -> Path:
    frame, results = sample_frame()
    report = build_report(frame, ORIGINAL, results, **summary_fields(sandbox=sandbox))
    report.summary.next_steps = next_steps(
        report.summary,
        command="run",
        inputs=["history.csv"],
        config_file="backfill.yaml",
        out_dir=folder,
        sandbox=sandbox,
    )
    write_reports(report, folder)
    return folder / "report.xlsx"


def labels(sheet) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}


def test_the_banner_says_rehearsal_or_names_the_tenant(tmp_path: Path) -> None:
    rehearsal = load_workbook(write_sample(tmp_path / "a", sandbox=True))["Summary"]
    real = load_workbook(write_sample(tmp_path / "b", sandbox=False))["Summary"]
    assert rehearsal["A1"].value == "SANDBOX REHEARSAL: nothing was sent to CustomerGauge"
    assert real["A1"].value == "CustomerGauge EU: https://api.eu.customergauge.com"
    assert rehearsal["A1"].fill.fgColor.rgb != real["A1"].fill.fgColor.rgb
    assert (real["A1"].font.size, real.row_dimensions[1].height) == (16, 26)
    assert "A1:C1" in {str(r) for r in real.merged_cells.ranges}
    where = labels(real)
    assert where["Target"] == (
        "CustomerGauge region eu, API v7, at https://api.eu.customergauge.com"
    )
    assert labels(rehearsal)["Target"].startswith("a local CustomerGauge emulator at")


def test_summary_reads_top_down_in_plain_words(tmp_path: Path) -> None:
    sheet = load_workbook(write_sample(tmp_path, sandbox=False))["Summary"]
    found = labels(sheet)
    assert found["Input file"] == "history.csv (5 rows)"
    assert found["Config file"] == "backfill.yaml"
    assert found["Started"] == datetime(2026, 11, 30, 21, 36, 55)
    assert sheet.cell(row=_row_of(sheet, "Started"), column=2).number_format == (
        "yyyy-mm-dd hh:mm:ss"
    )
    assert found["Time spent sending"] == "6.0 s"
    assert found["Achieved rate"] == "0.33 requests/s (limit: 5/s)"
    assert found["Median time to follow up"] == "12.5 h"
    assert found["Median time to close"] == "40 h"
    assert found["Cases left without a close time"] == 2
    assert found["Assignment e-mails caused"] == "4 (send.assignee: every)"
    reason = _row_of(sheet, "unknown-status")
    assert [c.value for c in sheet[reason]][:3] == [
        "unknown-status",
        "status value not known (map it in input.status_map)",
        1,
    ]
    target = _row_of(sheet, "Target")  # long text wraps in a row tall enough for it
    assert sheet.row_dimensions[target].height == 30
    assert found["Step 1"].startswith("1 row(s) were not attempted (the run stopped).")
    assert found["Step 2"].startswith(f"Fix the 3 row(s) in {tmp_path / 'failures.csv'}")
    step = _row_of(sheet, "Step 2")
    command = sheet.cell(row=step + 1, column=2).value
    assert command == f"backfill retry {tmp_path / 'failures.csv'} -c backfill.yaml"
    titles = [row[0] for row in sheet.iter_rows(values_only=True) if row and row[0]]
    order = [
        "Where the actions went",
        "When and how fast (times in UTC)",
        "What happened to the rows",
        "Why rows were not sent (each row's reason: the error column of Failures)",
        "What CustomerGauge will show (predicted from the plan)",
        "What to do next",
        "Actions sent per month (month of happened_at)",
    ]
    assert [t for t in titles if t in order] == order


def _row_of(sheet, label: str) -> int:  # type: ignore[no-untyped-def]
    for row in sheet.iter_rows():
        if row[0].value == label:
            return int(row[0].row)
    raise AssertionError(f"no row {label!r}")


def test_outcomes_are_counted_shared_and_coloured(tmp_path: Path) -> None:
    book = load_workbook(write_sample(tmp_path, sandbox=False))
    summary = book["Summary"]
    sent = _row_of(summary, "Sent")
    assert [c.value for c in summary[sent]][:3] == ["Sent", 1, 0.2]
    assert summary.cell(row=sent, column=3).number_format == "0.0%"
    fills = {
        label: summary.cell(row=_row_of(summary, label), column=1).fill.fgColor.rgb
        for label in ("Sent", "Partly applied (partial)", "Failed", "Pending: not attempted")
    }
    assert fills == {
        "Sent": "00C6EFCE",
        "Partly applied (partial)": "00FFEB9C",
        "Failed": "00FFC7CE",
        "Pending: not attempted": "00D9D9D9",
    }
    results = book["Results"]
    header = [c.value for c in results[1]]
    outcome = header.index("outcome") + 1
    colours = {
        results.cell(row=r, column=outcome).value: results.cell(
            row=r, column=outcome
        ).fill.fgColor.rgb
        for r in range(2, results.max_row + 1)
    }
    assert colours == {
        "sent": "00C6EFCE",
        "failed": "00FFC7CE",
        "invalid": "00FFC7CE",
        "blocked": "00FFC7CE",
        "pending": "00D9D9D9",
    }


def test_native_charts_of_outcomes_and_months(tmp_path: Path) -> None:
    summary = load_workbook(write_sample(tmp_path, sandbox=False))["Summary"]
    titles = sorted(
        "".join(r.t for p in chart.title.tx.rich.p for r in p.r) for chart in summary._charts
    )
    assert titles == ["Actions sent per month", "Rows by outcome"]


def test_tables_are_readable_and_print_one_page_wide(tmp_path: Path) -> None:
    book = load_workbook(write_sample(tmp_path, sandbox=False))
    for name, rows in (("Results", 5), ("Failures", 4)):
        sheet = book[name]
        assert sheet.freeze_panes == "A2"
        last = sheet.cell(1, sheet.max_column).column_letter
        assert sheet.auto_filter.ref == f"A1:{last}{rows + 1}"
        assert sheet.page_setup.orientation == "landscape"
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_title_rows == "$1:$1"
        assert sheet["A1"].font.bold
    results = book["Results"]
    header = [c.value for c in results[1]]
    width = {name: results.column_dimensions[chr(65 + i)].width for i, name in enumerate(header)}
    assert width["error"] == 40  # capped
    assert width["status"] == 8  # "CLOSED" and the header, plus a margin
    error = results.cell(row=3, column=header.index("error") + 1)
    assert error.value == LONG_ERROR.strip() or error.value == LONG_ERROR
    assert error.alignment.wrap_text
    assert results.row_dimensions[3].height == 15 * 6  # 207 characters at 38 a line
    assert results.row_dimensions[2].height is None  # nothing wraps: Excel's default
    sent_at = results.cell(row=2, column=header.index("sent_at") + 1)
    assert sent_at.value == datetime(2026, 11, 30, 21, 36, 56, 685000)
    assert sent_at.number_format == "yyyy-mm-dd hh:mm:ss"
    assert results.cell(row=2, column=1).value == "00042"  # ids stay text


def test_ids_stored_as_text_are_not_flagged(tmp_path: Path) -> None:
    path = write_sample(tmp_path, sandbox=False)
    with zipfile.ZipFile(path) as book:
        for sheet in ("sheet2.xml", "sheet3.xml"):  # Results, Failures
            xml = book.read(f"xl/worksheets/{sheet}").decode()
            assert '<ignoredError sqref="A1:' in xml and 'numberStoredAsText="1"' in xml


def test_failures_have_source_and_row_and_read_back_exactly(tmp_path: Path) -> None:
    frame, _ = sample_frame()
    path = write_sample(tmp_path, sandbox=False)
    failures = load_workbook(path)["Failures"]
    header = [c.value for c in failures[1]]
    assert header == [*ORIGINAL, "source", "row", "outcome", "error"]
    assert [c.value for c in failures["E"][1:]] == [3, 4, 5, 6]
    for cell in (c for row in failures.iter_rows() for c in row):
        assert not (isinstance(cell.value, str) and cell.value[:1] in "=+@")
    for source in (path, tmp_path / "failures.csv"):
        table = read_failures(
            source, config_from_dict({"validation": {"require_happened_at": False}})
        )
        assert table.original_columns == ORIGINAL
        back = table.frame[ORIGINAL].fillna("").astype(str)
        assert back.to_dict("records") == frame[ORIGINAL].iloc[1:].to_dict("records"), source


@pytest.mark.parametrize(
    ("requests", "rate", "text"),
    [
        (195, 5, "195 requests at 5/s: about 40 s"),
        (1_000_000, 20, "1,000,000 requests at 20/s: about 14 h"),
        (3, 5, "3 requests at 5/s: under 10 s"),
        (1, 5, "1 request at 5/s: under 10 s"),
        (2_000, 5, "2,000 requests at 5/s: about 7 min"),
        (45_000, 5, "45,000 requests at 5/s: about 2.5 h"),
        (5_000_000, 5, "5,000,000 requests at 5/s: about 11.5 days"),
    ],
)
def test_sending_time(requests: int, rate: float, text: str) -> None:
    assert sending_time(requests, rate) == text


def test_duration_text_rounds_like_a_person() -> None:
    assert [duration_text(s) for s in (9.9, 39, 59, 61, 3599, 3600)] == [
        "under 10 s",
        "about 40 s",
        "about 60 s",
        "about 1 min",
        "about 60 min",
        "about 1 h",
    ]


READ_BACK_SAME = {"summary": "", "exit_code": 0, "source": "plan"}
READ_BACK_DIFFERENT = {"summary": "", "exit_code": 1, "source": "plan"}


def _steps(outcomes: dict[str, int], *, sandbox: bool, **summary: Any) -> list[tuple[str, str]]:
    steps = next_steps(
        Summary.from_json({"outcomes": outcomes, **summary}),
        command="run",
        inputs=["my export.xlsx"],
        config_file="backfill.yaml",
        out_dir=Path("reports/r1"),
        sandbox=sandbox,
    )
    return [(step.text, step.command) for step in steps]


def test_next_steps_name_the_command_to_run() -> None:
    assert _steps({"sent": 3}, sandbox=True) == [
        (
            "The rehearsal is clean. Send for real (backfill asks before sending):",
            "backfill run 'my export.xlsx' -c backfill.yaml",
        )
    ]
    assert _steps({"sent": 3}, sandbox=False) == [
        (
            "Check that CustomerGauge now holds each case as planned:",
            "backfill verify 'my export.xlsx' -c backfill.yaml",
        )
    ]
    assert _steps({"sent": 3}, sandbox=False, verify=READ_BACK_SAME) == [
        ("Nothing left to do.", "")
    ]
    [(text, command)] = _steps({"sent": 1, "blocked": 2}, sandbox=False)
    assert text.startswith("Fix the 2 row(s) in reports/r1/failures.csv")
    assert command == "backfill retry reports/r1/failures.csv -c backfill.yaml"
    [(text, command)] = _steps({"sent": 1, "pending": 4}, sandbox=False)
    assert text.startswith("4 row(s) were not attempted (the run stopped).")
    assert command == "backfill run 'my export.xlsx' -c backfill.yaml"
    [(text, command)] = _steps({"sent": 3}, sandbox=False, verify=READ_BACK_DIFFERENT)
    assert text.startswith("Some cases read back differ from the plan: see verify.csv")


def test_the_inputs_times_are_date_cells_in_results_and_text_in_failures(tmp_path: Path) -> None:
    from backfill.report.workbook import write_workbook

    results = pd.DataFrame(
        {
            "happened_at": ["2023-01-29T10:20:44", "31/02/2024 25:61", "2023-01-29 10:20:44+02:00"],
            "outcome": ["sent", "invalid", "sent"],
        }
    )
    failures = results.iloc[[1]]
    summary = {"rows": 3, "outcomes": {"sent": 2, "invalid": 1}, "exit_code": 1}
    summary["time_columns"] = ["happened_at"]
    book = load_workbook(
        write_workbook(Summary.from_json(summary), results, failures, tmp_path / "r.xlsx")
    )
    cells = [book["Results"].cell(row=r, column=1) for r in (2, 3, 4)]
    assert [c.value for c in cells] == [
        datetime(2023, 1, 29, 10, 20, 44),  # as written: no zone to convert from
        "31/02/2024 25:61",  # not a time: the text it is
        "2023-01-29 10:20:44+02:00",  # an offset: text, not silently moved to UTC
    ]
    assert cells[0].number_format == "yyyy-mm-dd hh:mm:ss"
    assert book["Failures"]["A2"].value == "31/02/2024 25:61"
