"""Exports that do not start with their header (issue 19 item 6): a title block above the
column names (`input.header_row`, reader side), and a workbook whose data is on another
sheet than the first (every sheet listed with its rows, and the `input.sheet` line)."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from backfill.cli.main import cli

HEADER = ["number_customergauge", "status", "happened_at", "note"]
ROWS = [
    ["1000", "open", "2023-02-01 10:00:00", "first"],
    ["1000", "closed", "2023-02-02 10:00:00", "second"],
    ["1001", "nonsense", "2023-02-01 10:00:00", "an unknown status"],
]


def _workbook(path: Path, *, title_rows: int, cover: bool = False) -> Path:
    book = Workbook()
    data = book.active
    if cover:
        data.title = "Cover"
        data.append(["Case export"])
        data.append(["made by the helpdesk"])
        data = book.create_sheet("Data")
    for line in range(title_rows):
        data.append(["Monthly export of cases" if line == 0 else None])
    data.append(HEADER)
    for row in ROWS:
        data.append(row)
    book.save(path)
    return path


def _csv(path: Path, *, title_rows: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        handle.write("Monthly export of cases\r\n" + "\r\n" * (title_rows - 1))
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(ROWS)
    return path


def _validate(tmp_path: Path, data: Path, config: str = ""):
    args = ["validate", str(data), "--out", str(tmp_path / "out")]
    if config:
        (tmp_path / "backfill.yaml").write_text(config)
        args += ["-c", str(tmp_path / "backfill.yaml")]
    return CliRunner().invoke(cli, args)


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_header_row_reads_below_a_title_block_with_true_row_numbers(
    tmp_path: Path, kind: str
) -> None:
    data = (
        _workbook(tmp_path / "export.xlsx", title_rows=2)
        if kind == "xlsx"
        else _csv(tmp_path / "export.csv", title_rows=2)
    )
    result = _validate(tmp_path, data, "input:\n  header_row: 3\n")
    assert result.exit_code == 1, result.output  # one unknown status
    assert "3 rows, 2 cases" in result.output
    invalid = pd.read_csv(tmp_path / "out" / "invalid.csv", dtype=str, encoding="utf-8-sig")
    # the spreadsheet row of that line: title (1), blank (2), header (3), data 4..6
    assert invalid[["number_customergauge", "row"]].values.tolist() == [["1001", "6"]]
    assert invalid["error"][0].startswith("unknown-status")


def test_a_title_block_without_header_row_gets_the_line_that_reads_it(tmp_path: Path) -> None:
    result = _validate(tmp_path, _workbook(tmp_path / "export.xlsx", title_rows=2))
    assert result.exit_code == 2, result.output
    assert (
        "The column names seem to be on row 3 ('number_customergauge', 'status', "
        "'happened_at', 'note'), below a title block: set it in the config: "
        "input: {header_row: 3}"
    ) in result.output


def test_a_csv_title_line_points_to_header_row(tmp_path: Path) -> None:
    result = _validate(tmp_path, _csv(tmp_path / "export.csv", title_rows=2))
    assert result.exit_code == 2, result.output
    assert "set input.header_row to their row" in result.output


def test_a_header_row_on_an_empty_row_is_refused_with_where_the_data_starts(
    tmp_path: Path,
) -> None:
    data = _workbook(tmp_path / "export.xlsx", title_rows=2)
    result = _validate(tmp_path, data, "input:\n  header_row: 2\n")
    assert result.exit_code == 2, result.output
    assert "input.header_row is 2, but row 2 of" in result.output
    assert "the sheet's data starts at row 1" in result.output


def test_data_on_another_sheet_lists_every_sheet_with_its_rows(tmp_path: Path) -> None:
    data = _workbook(tmp_path / "export.xlsx", title_rows=0, cover=True)
    result = _validate(tmp_path, data)
    assert result.exit_code == 2, result.output
    assert (
        "The workbook's sheets: 'Cover' (2 rows), 'Data' (4 rows). To read another, set it in "
        'the config: input: {sheet: "Data"}'
    ) in result.output
    fixed = _validate(tmp_path, data, "input:\n  sheet: Data\n")
    assert fixed.exit_code == 1, fixed.output
    assert "3 rows, 2 cases" in fixed.output
