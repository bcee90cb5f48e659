"""The bad-input corpus (tests/data/bad/, written by make_bad.py): what `backfill validate`
says about each file a real user could bring. Every file gets its exit status and the
words its message must contain; none may end in a traceback."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from backfill.cli.main import cli

pytestmark = pytest.mark.reliability

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
sys.path.insert(0, str(BAD))
import make_bad  # noqa: E402 - the corpus's own generator, beside the files

# file -> (exit status of `backfill validate`, words the output must contain)
EXPECTED: dict[str, tuple[int, list[str]]] = {
    "truncated.xlsx": (2, ["is damaged or not a complete Excel workbook", "save it again"]),
    "encrypted.xlsx": (2, ["encrypted Office file", "remove it in Excel"]),
    "csv_renamed.xlsx": (2, ["is not an Excel workbook", "rename it to .csv"]),
    "xlsx_renamed.csv": (2, ["is an Excel workbook (.xlsx)", "rename it to .xlsx"]),
    "html_saved_as.xls": (2, ["not a complete Excel workbook", "open it in Excel"]),
    "binary_garbage.csv": (2, ["contains NUL bytes", "CSV UTF-8"]),
    "empty.csv": (2, ["is empty", "header row"]),
    "empty_sheet.xlsx": (2, ["(sheet 'Export') is empty", "input.sheet"]),
    "not_a_table.txt": (2, ["not found in", "columns are: Dear team"]),
    "utf16.csv": (0, ["3 rows, 2 cases", "to send:  3"]),
    "cp1252.csv": (0, ["1 row, 1 case", "to send:  1"]),
    "utf8_bom.csv": (0, ["3 rows, 2 cases", "to send:  3"]),
    "semicolons_decimal_commas.csv": (0, ["2 rows, 2 cases", "to send:  2"]),
    "tabs.tsv": (0, ["3 rows, 2 cases", "to send:  3"]),
    "cr_only_line_ends.csv": (0, ["3 rows, 2 cases", "to send:  3"]),
    "emoji.csv": (0, ["1 row, 1 case", "to send:  1"]),
    "header_on_row_3.xlsx": (2, ["not found in", "Customer export", "input: {columns"]),
    "header_on_row_3.csv": (2, ["row 3: 4 cells where the header has 1", "fix that row"]),
    "blank_rows.csv": (0, ["2 rows, 2 cases", "to send:  2"]),
    "duplicate_headers.csv": (0, ["1 row, 1 case", "to send:  1"]),
    "missing_columns.csv": (2, ["not found in", "columns are: id, state, when"]),
    "header_only.csv": (2, ["has a header row but no data rows"]),
    "merged_cells.xlsx": (1, ["invalid:  1 (missing-id 1)"]),
    "hidden_first_sheet.xlsx": (0, ["3 rows, 2 cases", "to send:  3"]),
    "nul_and_control_chars.csv": (2, ["contains NUL bytes (byte offset", "CSV UTF-8"]),
    "control_chars.csv": (0, ["to send:  2", "control-character 2"]),
    "ids_as_floats.xlsx": (1, ["to send:  1", "invalid:  1 (bad-id 1)"]),
    "ids_20_digits.xlsx": (1, ["to send:  0", "invalid:  1 (bad-id 1)"]),
    "ids_20_digits_as_text.csv": (0, ["1 row, 1 case", "to send:  1"]),
    "formula_without_cached_value.xlsx": (1, ["invalid:  1 (formula-without-value 1)"]),
    "formula_with_cached_value.xlsx": (0, ["1 row, 1 case", "to send:  1"]),
    "dates_in_many_styles.csv": (2, ["input.dayfirst"]),
    "dates_day_first.csv": (0, ["2 rows, 2 cases", "to send:  2"]),
    "dates_undecidable.csv": (2, ["input.dayfirst"]),
    "dates_excel_serials.csv": (0, ["1 row, 1 case", "to send:  1"]),
    "dates_as_excel_dates.xlsx": (0, ["1 row, 1 case", "to send:  1"]),
    "year_0001.csv": (1, ["invalid:  1 (bad-time 1)"]),
    "unknown_statuses.csv": (1, ["invalid:  1 (unknown-status 1)"]),
    "future_times.csv": (1, ["invalid:  1 (future-time 1)"]),
    "note_of_10_mb.csv": (0, ["1 row, 1 case", "to send:  1"]),
}


def test_the_corpus_is_complete() -> None:
    on_disk = {p.name for p in BAD.iterdir() if p.name != "make_bad.py" and p.is_file()}
    generated = set(make_bad.files())
    assert on_disk == generated  # the committed files are what make_bad.py writes
    assert set(EXPECTED) == generated | {"note_of_10_mb.csv"}
    assert len(EXPECTED) >= 30


@pytest.fixture(scope="module")
def huge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("huge") / "note_of_10_mb.csv"
    path.write_bytes(make_bad.huge_note())
    return path


@pytest.mark.parametrize("name", list(EXPECTED))
def test_bad_input(name: str, huge: Path, tmp_path: Path) -> None:
    path = huge if name == huge.name else BAD / name
    result = CliRunner().invoke(cli, ["validate", str(path), "--out", str(tmp_path)])
    status, words = EXPECTED[name]
    # exit 0 leaves no exception; any other exception than SystemExit is a traceback
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert result.exit_code == status, result.output
    for word in words:
        assert word in result.output, result.output
