"""Bad input: each case is one InputError (exit 2), one paragraph naming the file and the fix."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from backfill.config import InputConfig, load_config
from backfill.errors import ConfigError, ExitStatus, InputError
from backfill.read.table import read_inputs, read_table


def read_error(paths: list[Path], cfg: InputConfig | None = None) -> str:
    with pytest.raises(InputError) as caught:
        read_inputs(paths, cfg or InputConfig())
    assert caught.value.exit_status == ExitStatus.USAGE
    message = str(caught.value)
    assert "\n" not in message  # one paragraph
    assert "Traceback" not in message
    return message


def make_xlsx(path: Path, rows: list[list[object]], title: str = "Export") -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


GOOD_ROWS: list[list[object]] = [["number_customergauge", "status"], [1, "open"]]


def test_missing_file(tmp_path: Path) -> None:
    message = read_error([tmp_path / "nope.csv"])
    assert message.startswith(f"input file {tmp_path / 'nope.csv'} not found")
    assert "check the name and folder" in message


def test_folder_instead_of_file(tmp_path: Path) -> None:
    assert read_error([tmp_path]) == f"{tmp_path} is a folder; give the export file(s) inside it"


@pytest.mark.parametrize("content", [b"", b"\n\n  \r\n", b"\xef\xbb\xbf"])
def test_empty_text_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    assert read_error([path]) == (
        f"{path} is empty: it has no header row; export the data again with the column names "
        "in the first row"
    )


def test_empty_workbook_sheet(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "export.xlsx", [])
    assert read_error([path]) == (
        f"{path} (sheet 'Export') is empty: it has no header row; put the column names in the "
        "first row, or choose another sheet with input.sheet"
    )


def test_zero_byte_workbook(tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    path.write_bytes(b"")
    assert read_error([path]) == f"{path} is empty (0 bytes); export the workbook again"


@pytest.mark.parametrize(
    ("name", "where"),
    [("export.csv", "{path}"), ("export.xlsx", "{path} (sheet 'Export')")],
)
def test_header_only(tmp_path: Path, name: str, where: str) -> None:
    path = tmp_path / name
    if name.endswith(".csv"):
        path.write_text("number_customergauge,status\n\n,\n")  # blank rows are no data either
    else:
        make_xlsx(path, [["number_customergauge", "status"]])
    assert read_error([path]) == (
        f"{where.format(path=path)} has a header row but no data rows; export the data again, "
        "or leave this file out"
    )


def test_required_column_missing_shows_columns_and_mapping(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "export.xlsx", [["CG ID", "State", "Changed at"], [1, "New", "x"]])
    assert read_error([path]) == (
        f"columns 'number_customergauge', 'status' not found in {path} (sheet 'Export'); "
        "columns are: CG ID, State, Changed at; map them in the config: "
        'input: {columns: {number_customergauge: "CG ID", status: "State"}}'
    )


def test_one_required_column_missing(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("Ticket,status\n1,open\n")
    assert read_error([path]) == (
        f"column 'number_customergauge' not found in {path}; columns are: Ticket, status; map it "
        'in the config: input: {columns: {number_customergauge: "YOUR COLUMN"}}'
    )


def test_extra_required_fields_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("number_customergauge,status,Changed on\n1,open,x\n")
    with pytest.raises(InputError, match=r"column 'happened_at' not found .* \"Changed on\""):
        read_inputs(
            [path], InputConfig(), required=("number_customergauge", "status", "happened_at")
        )


def test_mapped_column_absent(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("CG ID,State\n1,open\n")
    cfg = InputConfig(columns={"number_customergauge": "CG ID", "status": "Ticket state"})
    assert read_error([path], cfg) == (
        f"input.columns.status is 'Ticket state' but there is no such column in {path}; "
        "columns are: CG ID, State; correct the mapping in the config (case and surrounding "
        "spaces do not matter)"
    )


def test_two_files_with_different_layouts(tmp_path: Path) -> None:
    first = tmp_path / "jan.csv"
    first.write_text("number_customergauge,status,note\n1,open,x\n")
    second = tmp_path / "feb.csv"
    second.write_text("number_customergauge,status,comment,agent\n2,open,y,z\n")
    assert read_error([first, second]) == (
        f"{first} and {second} have different columns (only {first} has note; only {second} "
        "has comment, agent); files read in one run must share one layout: rename the columns "
        "to match, or run them separately"
    )


def test_xlsx_that_is_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    path.write_text("number_customergauge,status\n1,open\n")
    assert read_error([path]) == (
        f"{path} is not an Excel workbook: an .xlsx file is a zip archive, but this one is text "
        "(perhaps a CSV export); if it is a CSV export, rename it to .csv, otherwise save it "
        "again from Excel as .xlsx"
    )


def test_password_protected_workbook(tmp_path: Path) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = make_xlsx(tmp_path / "plain.xlsx", GOOD_ROWS)
    path = tmp_path / "export.xlsx"
    with open(plain, "rb") as source, open(path, "wb") as target:
        OOXMLFile(source).encrypt("secret", target)
    assert read_error([path]) == (
        f"{path} is encrypted (password-protected); open it in Excel, remove the password "
        "(File > Info > Protect Workbook > Encrypt with Password, clear the box), save it, and "
        "run again"
    )


@pytest.mark.parametrize("damage", ["truncated", "broken sheet xml", "not a workbook zip"])
def test_corrupt_workbook(tmp_path: Path, damage: str) -> None:
    good = make_xlsx(tmp_path / "good.xlsx", GOOD_ROWS)
    path = tmp_path / "export.xlsx"
    if damage == "truncated":
        path.write_bytes(good.read_bytes()[:2000])
    elif damage == "broken sheet xml":
        with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
            for item in source.infolist():
                data = source.read(item.filename)
                if item.filename.startswith("xl/worksheets/"):
                    data = data[: len(data) // 2]
                target.writestr(item, data)
    else:
        with zipfile.ZipFile(path, "w") as target:
            target.writestr("readme.txt", "hello")
    message = read_error([path])
    assert message.startswith(f"{path} is damaged or not a complete Excel workbook (")
    assert message.endswith("); open it in Excel and save it again, or export it again")


def test_damaged_xls_container(tmp_path: Path, sample_data: Path) -> None:
    # calamine would abort the process on some damaged compound files; the check before it
    # turns them into the usual message.
    import struct

    data = bytearray((sample_data / "history.xls").read_bytes())
    directory = (struct.unpack_from("<i", data, 0x30)[0] + 1) * 512
    data[directory : directory + 512] = bytes(512)
    path = tmp_path / "export.xls"
    path.write_bytes(bytes(data))
    assert read_error([path]) == (
        f"{path} is damaged or not a complete Excel workbook (its internal file structure is "
        "broken); open it in Excel and save it again, or export it again"
    )


def test_office_file_without_a_workbook(tmp_path: Path, sample_data: Path) -> None:
    data = bytearray((sample_data / "history.xls").read_bytes())
    name = "Workbook".encode("utf-16-le")
    at = data.index(name)
    data[at : at + len(name)] = "Document".encode("utf-16-le")
    path = tmp_path / "export.xls"
    path.write_bytes(bytes(data))
    assert "is an Office file but holds no Excel workbook" in read_error([path])


def test_a_panic_inside_calamine_is_an_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import python_calamine

    class PanicException(BaseException):  # what pyo3 raises for a Rust panic
        pass

    def panic(path: str) -> None:
        raise PanicException("index out of bounds: the len is 18 but the index is 73")

    path = make_xlsx(tmp_path / "export.xlsx", GOOD_ROWS)
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", panic)
    assert read_error([path]) == (
        f"{path} is damaged or not a complete Excel workbook (index out of bounds: the len is "
        "18 but the index is 73); open it in Excel and save it again, or export it again"
    )


def test_interrupts_are_not_swallowed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import python_calamine

    def interrupted(path: str) -> None:
        raise KeyboardInterrupt

    path = make_xlsx(tmp_path / "export.xlsx", GOOD_ROWS)
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", interrupted)
    with pytest.raises(KeyboardInterrupt):
        read_table(path)


def test_xls_and_xlsx_swapped(tmp_path: Path, sample_data: Path) -> None:
    xls_named_xlsx = tmp_path / "old.xlsx"
    xls_named_xlsx.write_bytes((sample_data / "history.xls").read_bytes())
    assert "rename it to .xls" in read_error([xls_named_xlsx])
    xlsx_named_xls = tmp_path / "new.xls"
    xlsx_named_xls.write_bytes(make_xlsx(tmp_path / "x.xlsx", GOOD_ROWS).read_bytes())
    assert read_error([xlsx_named_xls]) == (
        f"{xlsx_named_xls} is an .xlsx workbook named .xls; rename it to .xlsx and run again"
    )


@pytest.mark.parametrize(("sheet", "what"), [("Exports", "'Exports'"), (5, "index 5 (0-based)")])
def test_unknown_sheet(tmp_path: Path, sheet: str | int, what: str) -> None:
    from openpyxl import load_workbook

    path = make_xlsx(tmp_path / "export.xlsx", GOOD_ROWS)
    workbook = load_workbook(path)
    workbook.create_sheet("Notes")
    workbook.save(path)
    assert read_error([path], InputConfig(sheet=sheet)) == (
        f"sheet {what} not found in {path}; its sheets are: 'Export', 'Notes'; set input.sheet "
        "to one of these names (or a 0-based index)"
    )


def test_undecodable_bytes(tmp_path: Path) -> None:
    # no encoding reads 'caf\xe9' and '\x81\x9d' as the text of one language: refused, with
    # the two likeliest readings side by side
    path = tmp_path / "export.csv"
    path.write_bytes(b"number_customergauge,note\n1,caf\xe9\n2,\x81\x9d\n")
    assert read_error([path]) == (
        f"{path} is not UTF-8, and its bytes read as different text in cp1256 and in cp1251, "
        "with nothing in the file to say clearly which one it was saved in; the same cells in "
        "both: line 2 'note': cp1256 'café' | cp1251 'cafй'; line 3 'note': cp1256 'پ\\u200c' "
        "| cp1251 'Ѓќ'; see which shows the text as it was written and name that encoding: "
        "input: {encoding: cp1256} (or cp1251); or save it as UTF-8 (in Excel: File > "
        'Save As > "CSV UTF-8") and run again'
    )


def test_bom_says_utf8_but_bytes_are_not(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(b"\xef\xbb\xbfid,note\n1,caf\xe9\n")
    assert read_error([path]) == (
        f"{path} starts with a UTF-8 byte-order mark but is not valid UTF-8: byte 0xE9 on line 2 "
        '(byte offset 16); save it as UTF-8 (in Excel: File > Save As > "CSV UTF-8") and run '
        "again"
    )


def test_truncated_utf16(tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    path.write_bytes("id\tnote\n1\tx\n".encode("utf-16") + b"\x00")  # odd number of bytes
    assert "starts with a UTF-16 byte-order mark" in read_error([path])


def test_row_with_more_cells_than_the_header(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text('number_customergauge,status,note\n1,open,"two\nlines"\n\n2,closed,a, b\n')
    assert read_error([path]) == (
        f"{path} row 4: 4 cells where the header has 3 (comma-separated); a value that "
        "contains a comma must be in double quotes: fix that row, or export the file again "
        "with quoting"
    )


def test_quote_never_closed(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text('number_customergauge,status,note\n1,open,ok\n\n2,closed,"oops\n3,open,x\n')
    assert read_error([path]) == (
        f"{path} row 4: a double quote opens a value that is never closed, so the rest of the "
        'file would be one cell; close the quote, or double a quote inside a value ("")'
    )


def test_bad_row_number_after_an_excel_sep_hint(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("sep=;\nnumber_customergauge;status\n1;open\n2;closed;x\n")
    assert read_error([path]).startswith(f"{path} row 3: 3 cells where the header has 2")


def test_unsupported_file_type(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text("[]")
    assert read_error([path]) == (
        f"{path}: unsupported file type '.json'; backfill reads .csv, .tsv, .txt (delimited "
        "text), .xlsx, .xlsm and .xls; save the export as one of these"
    )


def test_reserved_column_name(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("number_customergauge,status,_row\n1,open,7\n")
    assert read_error([path]) == (
        f"{path} has a column named _row, a name backfill keeps for itself; rename that column"
    )


def test_no_input_files() -> None:
    assert read_error([]) == "no input file given; name one or more .csv/.xlsx exports"


def test_read_table_errors_too(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        read_table(tmp_path / "failures.csv")


# --- the config that maps the input ----------------------------------------------------------


def test_config_with_an_unknown_key(tmp_path: Path) -> None:
    path = tmp_path / "backfill.yaml"
    path.write_text("input:\n  colums: {number_customergauge: CG ID}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert caught.value.exit_status == ExitStatus.USAGE
    assert "unknown key 'input.colums'" in message
    assert "columns" in message.split("allowed keys are:")[1]


def test_config_with_a_wrong_type(tmp_path: Path) -> None:
    path = tmp_path / "backfill.yaml"
    path.write_text("input:\n  dayfirst: sometimes\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "'input.dayfirst'" in str(caught.value)
    assert "sometimes" in str(caught.value)


def test_config_mapping_an_unknown_field(tmp_path: Path) -> None:
    path = tmp_path / "backfill.yaml"
    path.write_text("input:\n  columns: {case_id: CG ID}\n")
    with pytest.raises(ConfigError, match=r"unknown field.*case_id.*number_customergauge"):
        load_config(path)


def test_messages_name_the_file_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("export.csv").write_bytes(b"")
    assert read_error([Path("export.csv")]).startswith("export.csv is empty")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("xlsx", "is an Excel workbook (.xlsx), not delimited text; rename it to .xlsx"),
        ("xls", "is an Excel 97-2003 workbook (.xls), not delimited text; rename it to .xls"),
    ],
)
def test_workbook_saved_under_a_text_name(
    tmp_path: Path, sample_data: Path, source: str, expected: str
) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes((sample_data / f"history.{source}").read_bytes())
    assert expected in read_error([path])


def test_utf16_without_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    path.write_bytes("id\tnote\n1\tx\n".encode("utf-16-le"))
    assert read_error([path]) == (
        f"{path} contains NUL bytes (byte offset 1): it is not a text file, or UTF-16 text "
        'without a byte-order mark; save it as UTF-8 (in Excel: File > Save As > "CSV UTF-8") '
        "and run again"
    )


# --- end to end: exit status 2 and the message, never a traceback ----------------------------


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("missing.csv", None, "not found"),
        ("empty.csv", b"", "is empty"),
        ("header.csv", b"number_customergauge,status\n", "no data rows"),
        (
            "ids.csv",
            b"CG ID,status,happened_at\n1,open,2024-01-01 10:00:00\n",
            "map it in the config",
        ),
        ("text.xlsx", b"a,b\n1,2\n", "is not an Excel workbook"),
        ("latin.csv", b"number_customergauge,status\n1,\x81\n", "save it as UTF-8"),
    ],
)
def test_cli_exits_2_with_the_message(
    tmp_path: Path, name: str, content: bytes | None, expected: str
) -> None:
    from click.testing import CliRunner

    from backfill.cli.main import cli

    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = CliRunner().invoke(cli, ["validate", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert result.output.startswith("Error: ")
    assert str(path) in result.output
    assert result.output.count("\n") == 1  # one paragraph
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
