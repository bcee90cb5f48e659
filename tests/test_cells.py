"""Odd cells, both ways (issue 12): what backfill writes reads back exactly, and what a
spreadsheet did to a cell (rounded ids, impossible years, control characters) is reported
as a row problem, never a crash."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from backfill.config import config_from_dict
from backfill.formula_guard import neutralise, unneutralise, write_csv
from backfill.plan.build import build_plan
from backfill.read.failures import read_failures

ODD_NOTES = [
    "bare\rcarriage return",
    "line\nfeed",
    "crlf\r\nboth",
    'a "quoted" word',
    "comma, semicolon; tab\there",
    "=1+1",
    "'=already quoted by the user",
    "''=two quotes",
    "'",
    "'plain apostrophe",
    "-3",
    "@mention",
    "+31 20 123",
    "emoji 🎉 and ünïcödé",
]


@pytest.mark.parametrize("note", ODD_NOTES)
def test_the_formula_guard_is_its_own_inverse(note: str) -> None:
    assert unneutralise(neutralise(note)) == note


def test_csv_quotes_cr_lf_quote_and_delimiter_and_reads_back_exactly(tmp_path: Path) -> None:
    frame = pd.DataFrame({"note": ODD_NOTES, "n": range(len(ODD_NOTES))})
    path = write_csv(frame, tmp_path / "odd.csv")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == len(ODD_NOTES) + 1  # no record split by a bare CR
    assert [unneutralise(r[0]) for r in rows[1:]] == ODD_NOTES
    raw = path.read_bytes().decode("utf-8-sig")
    assert '"bare\rcarriage return"' in raw  # quoted, so Excel keeps it in one cell


def test_retry_reads_back_every_odd_note_from_failures_csv(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "number_customergauge": [str(100 + i) for i in range(len(ODD_NOTES))],
            "status": "open",
            "happened_at": "2023-02-01 10:00:00",
            "note": ODD_NOTES,
            "outcome": "failed",
            "error": "x",
        }
    )
    path = write_csv(frame, tmp_path / "failures.csv")
    table = read_failures(path, config_from_dict({}))
    notes = table.frame[table.columns["note"]].tolist()
    assert notes == ODD_NOTES


def test_control_characters_are_written_visibly_to_the_workbook(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from backfill.report.summary import Summary
    from backfill.report.workbook import write_workbook

    frame = pd.DataFrame({"note": ["form\x0cfeed", "nul\x00 esc\x1b", "tab\tand\nline"]})
    summary = {"rows": 3, "outcomes": {}, "exit_code": 0, "notes": ["esc\x1b in a note"]}
    path = write_workbook(Summary.from_json(summary), frame, frame, tmp_path / "report.xlsx")
    book = load_workbook(path)
    for name in ("Results", "Failures"):
        cells = [row[0].value for row in book[name].iter_rows(min_row=2)]
        assert cells == ["form␌feed", "nul␀ esc␛", "tab\tand\nline"]
    summary_cells = [c for row in book["Summary"].iter_rows(values_only=True) for c in row]
    assert "esc␛ in a note" in summary_cells


def _write(path: Path, rows: list[list[object]]) -> Path:
    pd.DataFrame(rows[1:], columns=rows[0]).to_csv(path, index=False)
    return path


HEADER = ["number_customergauge", "status", "happened_at", "note"]


def _outcome(plan, case: str) -> tuple[str, str]:
    frame = plan.frame
    row = frame[frame["number_customergauge"].astype(str) == case].iloc[0]
    return str(row["_outcome"]), str(row["_error"])


def test_ids_that_excel_rounded_or_split_are_invalid_with_the_fix(tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append([12345678901234567890, "open", "2023-02-01 10:00:00", "rounded"])
    sheet.append([70000052.5, "open", "2023-02-01 10:00:00", "split"])
    sheet.append([70000053, "open", "2023-02-01 10:00:00", "fine"])
    workbook.save(tmp_path / "ids.xlsx")
    plan = build_plan([tmp_path / "ids.xlsx"], config_from_dict({}))
    outcomes = dict(zip(plan.frame["note"], plan.frame["_outcome"], strict=True))
    errors = dict(zip(plan.frame["note"], plan.frame["_error"], strict=True))
    assert outcomes == {"rounded": "invalid", "split": "invalid", "fine": ""}
    assert errors["rounded"].startswith("bad-id: the case id '1.23456789012345")
    assert "format the 'number_customergauge' column as text" in errors["split"]


def test_a_20_digit_id_given_as_text_is_kept_exactly(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "ids.csv", [HEADER, ["12345678901234567890", "open", "2023-02-01 10:00", "x"]]
    )
    plan = build_plan([path], config_from_dict({}))
    assert plan.frame["_case"].tolist() == ["12345678901234567890"]
    assert plan.frame["_outcome"].tolist() == [""]


@pytest.mark.parametrize("when", ["0001-01-01 10:00:00", "1899-12-31 23:00:00", "0000-00-00"])
def test_impossible_years_are_bad_time(tmp_path: Path, when: str) -> None:
    path = _write(
        tmp_path / "old.csv",
        [HEADER, ["1", "open", when, "old"], ["2", "open", "2023-02-01 10:00:00", "new"]],
    )
    plan = build_plan([path], config_from_dict({}), now=datetime(2024, 1, 1))
    outcomes = dict(zip(plan.frame["note"], plan.frame["_outcome"], strict=True))
    errors = dict(zip(plan.frame["note"], plan.frame["_error"], strict=True))
    assert outcomes == {"old": "invalid", "new": ""}
    assert errors["old"].startswith("bad-time: ")


def test_validate_warns_on_rows_with_control_characters(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "c.csv",
        [HEADER, ["1", "open", "2023-02-01 10:00:00", "form\x0cfeed"], ["2", "open", "2023", "ok"]],
    )
    plan = build_plan([path], config_from_dict({}))
    warnings = plan.frame["_warning"].tolist()
    assert "control-character: column 'note' holds a control character" in warnings[0]
    assert "control-character" not in warnings[1]
