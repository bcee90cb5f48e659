"""What each file row became (issue 17 items 8 and 10): counts a person understands for wide
and audit exports, and no audit case dropped quietly."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from backfill.cli.main import cli
from backfill.config import config_from_dict
from backfill.model import CASE, HAPPENED_AT, NOTE, STATUS
from backfill.plan.build import build_plan
from backfill.plan.layouts import rows_became

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((210,), "210 rows"),
        ((1,), "1 row"),
        ((207, "wide", 80, 0), "80 tickets → 207 actions"),
        ((3, "wide", 2, 1), "2 tickets → 3 actions (1 ticket has no step time)"),
        ((352, "audit", 540, 188), "540 file rows → 352 actions (188 rows change no status)"),
        ((1, "audit", 2, 1), "2 file rows → 1 action (1 row changes no status)"),
        ((12, "wide", None, 0), "12 rows"),  # a failures file of a wide export: actions
    ],
)
def test_rows_became_in_words(args: tuple[Any, ...], expected: str) -> None:
    assert rows_became(*args) == expected


# --- audit: every case becomes something --------------------------------------------------

AUDIT_CONFIG: dict[str, Any] = {
    "input": {
        "layout": "audit",
        "timezone": "UTC",
        "columns": {
            "number_customergauge": "Case",
            "status": "New Value",
            "happened_at": "Edit Date",
            "note": "Comment",
        },
        "audit": {"field_column": "Field", "old_status": "Old Value"},
        "status_map": {"New": "open", "Working": "progress", "Closed": "closed"},
    }
}


def _log(rows: list[tuple[str, str, str, str, str, str]]) -> list[dict[str, str]]:
    keys = ("Case", "Field", "Old Value", "New Value", "Edit Date", "Comment")
    return [dict(zip(keys, row, strict=True)) for row in rows]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        pytest.param(
            [("11", "Created.", "", "", "2024-03-01 09:00", "")],
            [("open", "2024-03-01 09:00:00", "")],
            id="a creation row alone",
        ),
        pytest.param(
            [
                ("11", "Created.", "", "", "2024-03-01 09:00", ""),
                ("11", "Owner", "ann", "bob", "2024-03-01 10:00", ""),
                ("11", "Priority", "Low", "High", "2024-03-01 11:00", ""),
            ],
            [("open", "2024-03-01 09:00:00", "")],
            id="created, then other fields",
        ),
        pytest.param(
            [
                ("11", "Created.", "", "", "2024-03-01 09:00", ""),
                ("11", "Comment", "", "", "2024-03-02 09:00", "Called the customer"),
            ],
            [
                ("open", "2024-03-01 09:00:00", ""),
                ("open", "2024-03-02 09:00:00", "Called the customer"),
            ],
            id="created, then a comment",
        ),
        pytest.param(
            [("11", "Comment", "", "", "2024-03-02 09:00", "First words")],
            [("open", "2024-03-02 09:00:00", "First words")],
            id="a comment alone",
        ),
        pytest.param(
            [
                ("11", "Created.", "", "", "2024-03-01 09:00", ""),
                ("11", "Status", "New", "Working", "2024-03-01 10:00", ""),
                ("11", "Status", "Working", "Closed", "2024-03-02 10:00", ""),
            ],
            [
                ("open", "2024-03-01 09:00:00", ""),
                ("progress", "2024-03-01 10:00:00", ""),
                ("closed", "2024-03-02 10:00:00", ""),
            ],
            id="a case with status changes, as before",
        ),
    ],
)
def test_no_audit_case_is_dropped_quietly(
    tmp_path: Path, rows: list[tuple[str, ...]], expected: list[tuple[str, str, str]]
) -> None:
    data = write_csv(tmp_path / "history.csv", _log(rows))  # type: ignore[arg-type]
    plan = build_plan([data], config_from_dict(AUDIT_CONFIG), now=NOW)
    timeline = list(zip(plan.frame[STATUS], plan.frame[HAPPENED_AT], plan.frame[NOTE], strict=True))
    assert timeline == expected
    assert plan.frame[CASE].unique().tolist() == ["11"]
    assert plan.summary()["invalid"] == 0
    counts = plan.file_counts()
    assert counts["file_rows"] == len(rows)
    assert counts["without_action"] == len(rows) - len(expected)


def test_audit_counts_on_the_console(tmp_path: Path) -> None:
    rows = [
        ("11", "Created.", "", "", "2024-03-01 09:00", ""),
        ("11", "Owner", "ann", "bob", "2024-03-01 10:00", ""),
        ("11", "Status", "New", "Closed", "2024-03-02 10:00", ""),
        ("12", "Created.", "", "", "2024-03-03 09:00", ""),
        ("12", "Priority", "Low", "High", "2024-03-03 10:00", ""),
    ]
    data = write_csv(tmp_path / "history.csv", _log(rows))  # type: ignore[arg-type]
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump(AUDIT_CONFIG), encoding="utf-8")
    code, output = invoke("plan", str(data), "-c", str(config), "--out", str(tmp_path / "o"))
    assert code == 0, output
    assert output.splitlines()[0] == (
        "history.csv: 5 file rows → 3 actions (2 rows change no status), 2 cases"
    )


# --- wide: tickets to actions, through a rehearsal ------------------------------------------


def test_wide_counts_in_console_summary_json_and_summary_sheet(tmp_path: Path) -> None:
    data = write_csv(
        tmp_path / "tickets.csv",
        [
            {
                "CG": "101",
                "Created": "2024-03-01 09:00",
                "Replied": "2024-03-01 10:00",
                "Solved": "2024-03-02 09:00",
                "Survey": "2024-02-28 09:00",
            },
            {
                "CG": "102",
                "Created": "2024-03-03 09:00",
                "Replied": "",
                "Solved": "2024-03-04 09:00",
                "Survey": "2024-02-28 09:00",
            },
            {"CG": "103", "Created": "", "Replied": "", "Solved": "", "Survey": "2024-02-28 09:00"},
        ],
    )
    config = tmp_path / "c.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "input": {
                    "layout": "wide",
                    "timezone": "UTC",
                    "columns": {"number_customergauge": "CG", "response_date": "Survey"},
                    "steps": {"open": "Created", "progress": "Replied", "closed": "Solved"},
                }
            }
        ),
        encoding="utf-8",
    )
    code, output = invoke("plan", str(data), "-c", str(config), "--out", str(tmp_path / "p"))
    assert code == 0, output
    assert output.splitlines()[0] == (
        "tickets.csv: 3 tickets → 5 actions (1 ticket has no step time), 2 cases"
    )

    out = tmp_path / "run"
    code, output = invoke(
        "run",
        str(data),
        "-c",
        str(config),
        "--sandbox",
        "--out",
        str(out),
        "--journal",
        str(tmp_path / "j.sqlite"),
    )
    assert code == 0, output
    assert "3 tickets → 5 actions (1 ticket has no step time): sent 5" in output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert (summary["rows"], summary["file_rows"], summary["without_action"]) == (5, 3, 1)
    assert list(summary)[1:5] == ["rows", "file_rows", "without_action", "layout"]
    sheet = openpyxl.load_workbook(out / "report.xlsx", read_only=True)["Summary"]
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "3 tickets → 5 actions (1 ticket has no step time)" in cells


def test_long_files_keep_their_row_counts(tmp_path: Path) -> None:
    data = write_csv(
        tmp_path / "h.csv",
        [{"number_customergauge": "1", "status": "open", "happened_at": "2024-03-01 09:00"}],
    )
    plan = build_plan([data], config_from_dict({}), now=NOW)
    assert plan.file_counts() == {}
    assert "file_rows" not in plan.summary()


def test_a_long_run_has_as_many_file_rows_as_rows(tmp_path: Path) -> None:
    data = write_csv(
        tmp_path / "h.csv",
        [
            {"number_customergauge": "1", "status": "open", "happened_at": "2024-03-01 09:00"},
            {"number_customergauge": "1", "status": "closed", "happened_at": "2024-03-02 09:00"},
        ],
    )
    out = tmp_path / "run"
    code, output = invoke(
        "run", str(data), "--sandbox", "--out", str(out), "--journal", str(tmp_path / "j.db")
    )
    assert code == 0, output
    assert "2 rows: sent 2" in output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert (summary["rows"], summary["file_rows"], summary["layout"]) == (2, 2, "long")
