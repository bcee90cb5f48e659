"""Everything a person opens in Excel is inert: CSV and XLSX writers neutralise formulas."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from backfill.tables import neutralise, neutralise_frame, write_csv, write_xlsx

DANGEROUS = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=x", "\r=x", '=HYPERLINK("x")']


@pytest.mark.parametrize("value", DANGEROUS)
def test_formula_like_text_is_quoted(value: str) -> None:
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["-3", "+31", "-2.5", "1e5", "plain", "", "a=b", "e-mail"])
def test_numbers_and_plain_text_stay(value: str) -> None:
    assert neutralise(value) == value


def test_non_text_untouched() -> None:
    assert neutralise(5) == 5
    assert neutralise(None) is None


def test_frame_neutralises_text_columns_and_headers() -> None:
    frame = pd.DataFrame({"=bad": ["=1", "ok", None], "n": [1, 2, 3]})
    out = neutralise_frame(frame)
    assert list(out.columns) == ["'=bad", "n"]
    assert out["'=bad"].tolist()[:2] == ["'=1", "ok"]
    assert pd.isna(out["'=bad"].tolist()[2])
    assert frame["=bad"].tolist()[0] == "=1"  # the input frame is not modified


def test_csv_is_utf8_with_bom_and_neutralised(tmp_path: Path) -> None:
    frame = pd.DataFrame({"note": ["=cmd()", 'Grüße, "quoted"\nline 2']})
    path = write_csv(frame, tmp_path / "sub" / "out.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
    assert back["note"].tolist() == ["'=cmd()", 'Grüße, "quoted"\nline 2']


def test_xlsx_has_styled_frozen_filtered_header_and_inert_cells(tmp_path: Path) -> None:
    frame = pd.DataFrame({"case": ["1", "2"], "note": ["@evil", "fine"], "n": [1, 2]})
    path = write_xlsx(
        [("Results", frame), ("Summary", [["what", "count"], ["rows", 2]])],
        tmp_path / "report.xlsx",
        notes={"Summary": "=not a formula"},
    )
    book = openpyxl.load_workbook(path)
    sheet = book["Results"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:C3"
    assert sheet["A1"].font.bold
    assert [c.value for c in sheet[2]] == ["1", "'@evil", 1]
    summary = book["Summary"]
    values = [c.value for row in summary.iter_rows() for c in row if c.value is not None]
    assert "'=not a formula" in values
    assert all(not (isinstance(v, str) and v.startswith("=")) for v in values)
