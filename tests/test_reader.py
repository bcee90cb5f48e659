"""The reader: encodings, delimiters, multi-line notes, row numbers, Excel cell types, mapping."""

from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backfill.config import InputConfig
from backfill.model import ROW, SOURCE, ProgressEvent
from backfill.read.delimited import sniff_delimiter
from backfill.read.excel import cell_value
from backfill.read.table import InputTable, map_columns, read_inputs, read_table
from backfill.read.text_encoding import detect_encoding

HEADER = ["number_customergauge", "status", "happened_at", "note"]


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[object]], title: str = "Export", **sheets) -> Path:  # type: ignore[no-untyped-def]
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for name, extra in sheets.items():
        other = workbook.create_sheet(name)
        for row in extra:
            other.append(row)
    workbook.save(path)
    return path


def records(frame: pd.DataFrame) -> list[dict[str, object]]:
    return frame.drop(columns=[SOURCE]).to_dict("records")


# --- encodings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "written", "detected"),
    [
        ("utf-8", "utf-8", "utf-8"),
        ("utf-8 with BOM (Excel's CSV UTF-8)", "utf-8-sig", "utf-8-sig"),
        ("utf-16 LE with BOM (Excel's Unicode text)", "utf-16", "utf-16"),
        ("utf-16 BE with BOM", "utf-16-be-bom", "utf-16"),
        ("Windows-1252 (Excel's plain CSV on Windows)", "cp1252", "cp1252"),
    ],
)
def test_encodings_are_detected_and_text_kept(
    tmp_path: Path, encoding: str, written: str, detected: str
) -> None:
    text = 'id,note\n0042,"Café Müller, €12 ""refund"""\n'
    if written == "utf-16-be-bom":
        data = b"\xfe\xff" + text.encode("utf-16-be")
    else:
        data = text.encode(written)
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    assert detect_encoding(path) == detected
    frame = read_table(path)
    assert records(frame) == [{"id": "0042", "note": 'Café Müller, €12 "refund"', ROW: 2}]
    assert list(frame.columns[:2]) == ["id", "note"]  # no BOM left on the first name


def test_utf8_is_preferred_over_cp1252_for_multibyte_text(tmp_path: Path) -> None:
    # "Ã©" would be the cp1252 reading of UTF-8 "é": UTF-8 must win when it decodes.
    path = write_csv(tmp_path / "a.csv", "id,note\n1,Zürich ø 🙂\n")
    assert read_table(path)["note"].tolist() == ["Zürich ø 🙂"]


def test_non_ascii_far_into_a_large_file_is_still_checked(tmp_path: Path) -> None:
    body = "".join(f"{i},plain ascii note number {i}\n" for i in range(60_000))
    path = tmp_path / "big.csv"
    path.write_bytes(("id,note\n" + body).encode() + "99,Grüße aus Köln\n".encode("cp1252"))
    assert detect_encoding(path) == "cp1252"
    assert read_table(path)["note"].iloc[-1] == "Grüße aus Köln"


def test_a_cp1252_byte_met_while_reading_in_chunks_rereads_the_file_as_cp1252(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file is read as UTF-8 until a byte says otherwise, then whole again as cp1252:
    also when the byte comes in a later chunk of a large file."""
    body = "".join(f"{i},plain ascii note number {i}\n" for i in range(3_000))
    path = tmp_path / "big.csv"
    path.write_bytes(("id,note\n" + body).encode() + "99,Grüße aus Köln €\n".encode("cp1252"))
    frame, events = _read_in_chunks(path, 500, monkeypatch)
    assert events[-1].done == 3_001
    assert len(frame) == 3_001 and frame["note"].iloc[-1] == "Grüße aus Köln \u20ac"
    assert frame["note"].iloc[0] == "plain ascii note number 0"


# --- delimiters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("a,b,c\n1,2,3\n", ","),
        ("a;b;c\n1;2,5;3\n4;5;6\n", ";"),  # decimal commas inside a semicolon file
        ("a\tb\tc\n1\tx, y\tz\n", "\t"),
        ("a|b|c\n1|2|3\n", "|"),
        ('id;note\n1;"one, two, three, four"\n2;"x,y"\n', ";"),
        ('id,note\n1,"a;b;c;d"\n2,"x"\n', ","),
        ('id,note\n1,"line one\nline two; with; semicolons"\n', ","),
        ("CG ID;Ticket state;Changed at (local)\n1;New;02/01/2025 21:03\n", ";"),
        ("single column\nvalue\n", ","),
    ],
)
def test_sniff_delimiter(sample: str, expected: str) -> None:
    assert sniff_delimiter(sample) == expected


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_delimiter_reads_the_same_frame(tmp_path: Path, delimiter: str) -> None:
    quote = '"'
    note = f'{quote}Called, then e-mailed; "done" | ok{quote}'.replace('"done"', '""done""')
    lines = [delimiter.join(HEADER), delimiter.join(["007", "open", "2024-01-02 10:00:00", note])]
    path = write_csv(tmp_path / "export.txt", "\n".join(lines) + "\n")
    frame = read_table(path)
    assert frame.attrs["delimiter"] == delimiter
    assert records(frame) == [
        {
            "number_customergauge": "007",
            "status": "open",
            "happened_at": "2024-01-02 10:00:00",
            "note": 'Called, then e-mailed; "done" | ok',
            ROW: 2,
        }
    ]


def test_tsv_is_always_tab_separated(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "export.tsv", "id\tnote\n1\ta,b,c,d,e\n2\tf,g,h,i,j\n")
    assert read_table(path)["note"].tolist() == ["a,b,c,d,e", "f,g,h,i,j"]


# --- rows ------------------------------------------------------------------------------------


def test_multiline_notes_are_one_row_and_rows_are_spreadsheet_numbers(tmp_path: Path) -> None:
    text = (
        "number_customergauge,status,note\r\n"
        '1,open,"first line\r\nsecond line, with ""quotes"""\r\n'
        "\r\n"  # a blank row still counts
        ",,\r\n"  # so does a row of empty cells
        '2,closed,"a\nb\nc"\r\n'
        "3,progress,\r\n"
        "\r\n"
    )
    frame = read_table(write_csv(tmp_path / "a.csv", text))
    assert frame[ROW].tolist() == [2, 5, 6]
    assert frame["note"].tolist() == ['first line\r\nsecond line, with "quotes"', "a\nb\nc", ""]
    assert frame[ROW].dtype == "int64"


def test_leading_blank_lines_before_the_header(tmp_path: Path) -> None:
    frame = read_table(write_csv(tmp_path / "a.csv", "\n\nid,status\n1,open\n"))
    assert records(frame) == [{"id": "1", "status": "open", ROW: 4}]


@pytest.mark.parametrize("value", ["0012345", "NA", "null", "nan", "N/A", " padded ", "1e5", "-"])
def test_cells_are_text_exactly_as_written(tmp_path: Path, value: str) -> None:
    frame = read_table(write_csv(tmp_path / "a.csv", f'id,note\n"{value}",\n'))
    assert frame["id"].tolist() == [value]
    assert frame["note"].tolist() == [""]


def test_header_names_are_stripped_and_empty_trailing_columns_dropped(tmp_path: Path) -> None:
    frame = read_table(write_csv(tmp_path / "a.csv", " id , Status ,\n1,open,\n2,closed,\n"))
    assert list(frame.columns) == ["id", "Status", SOURCE, ROW]


def test_no_nan_anywhere_even_for_short_rows(tmp_path: Path) -> None:
    frame = read_table(write_csv(tmp_path / "a.csv", "a,b,c\n1\n2,x\n"))
    assert frame[["a", "b", "c"]].to_numpy().tolist() == [["1", "", ""], ["2", "x", ""]]


def test_source_is_the_path_as_given(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", "id\n1\n")
    assert read_table(path)[SOURCE].tolist() == [str(path)]


# --- Excel -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (12345.0, "12345"),
        (1.5, "1.5"),
        (0.1, "0.1"),
        (-3.0, "-3"),
        (7, "7"),
        (True, "TRUE"),
        ("0012", "0012"),
        ("123456789012345678", "123456789012345678"),
        (dt.datetime(2024, 5, 6, 7, 8, 9), dt.datetime(2024, 5, 6, 7, 8, 9)),
        (dt.date(2024, 5, 6), dt.datetime(2024, 5, 6)),
        (dt.time(7, 8, 9), "07:08:09"),
        ("", ""),
    ],
)
def test_excel_cell_values(cell: object, expected: object) -> None:
    value = cell_value(cell)
    assert value == expected
    assert type(value) is type(expected)


def test_xlsx_cells_keep_their_kind(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "export.xlsx",
        [
            ["number_customergauge", "status", "happened_at", "note"],
            [12345, "open", dt.datetime(2024, 1, 2, 3, 4, 5), 'a\nb, "c" é 🙂'],
            ["0012", "closed", "2024-01-03 10:00:00", ""],
            ["123456789012345678", "progress", dt.date(2024, 1, 4), None],
            [12.5, "open", None, "  spaces kept  "],
        ],
    )
    frame = read_table(path)
    assert frame.attrs["sheet"] == "Export"
    assert frame["number_customergauge"].tolist() == ["12345", "0012", "123456789012345678", "12.5"]
    assert frame["happened_at"].tolist() == [
        dt.datetime(2024, 1, 2, 3, 4, 5),
        "2024-01-03 10:00:00",
        dt.datetime(2024, 1, 4),
        "",
    ]
    assert frame["note"].tolist() == ['a\nb, "c" é 🙂', "", "", "  spaces kept  "]
    assert frame[ROW].tolist() == [2, 3, 4, 5]


def test_xlsx_row_numbers_count_leading_and_blank_rows(tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet["B3"], sheet["C3"] = "id", "status"  # data starts at B3
    sheet["B4"], sheet["C4"] = "1", "open"
    sheet["B6"], sheet["C6"] = "2", "closed"  # row 5 is blank
    workbook.save(tmp_path / "a.xlsx")
    frame = read_table(tmp_path / "a.xlsx")
    assert records(frame) == [
        {"id": "1", "status": "open", ROW: 4},
        {"id": "2", "status": "closed", ROW: 6},
    ]


@pytest.mark.parametrize(("sheet", "expected"), [(None, "a"), ("Second", "b"), (1, "b"), (0, "a")])
def test_sheet_selection(tmp_path: Path, sheet: str | int | None, expected: str) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", [["id"], ["a"]], title="First", Second=[["id"], ["b"]])
    assert read_table(path, sheet=sheet)["id"].tolist() == [expected]


def test_sheet_name_match_ignores_case_and_spaces(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", [["id"], ["a"]], title="Export 2024")
    assert read_table(path, sheet=" export 2024")["id"].tolist() == ["a"]


def test_xlsm_and_repeated_header_names(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "a.xlsm", [["id", "note", "note"], ["1", "x", "y"]])
    frame = read_table(path)
    assert records(frame) == [{"id": "1", "note": "x", "note.1": "y", ROW: 2}]


# --- several files, mapping ------------------------------------------------------------------


def test_read_inputs_concatenates_files_in_order(tmp_path: Path) -> None:
    first = write_csv(tmp_path / "jan.csv", "number_customergauge,status,x\n1,open,a\n2,closed,b\n")
    second = write_xlsx(
        tmp_path / "feb.xlsx", [["status", "number_customergauge", "x"], ["open", 3, "c"]]
    )
    table = read_inputs([first, second], InputConfig())
    assert isinstance(table, InputTable)
    assert table.sources == [str(first), str(second)]
    assert table.original_columns == ["number_customergauge", "status", "x"]
    assert table.frame[SOURCE].tolist() == [str(first), str(first), str(second)]
    assert table.frame[ROW].tolist() == [2, 3, 2]
    assert table.frame["number_customergauge"].tolist() == ["1", "2", "3"]
    assert list(table.frame.columns) == ["number_customergauge", "status", "x", SOURCE, ROW]


def test_mapping_from_config(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "a.csv", "CG ID;State;Changed at;Comment;Queue\n001;New;01/02/2024 10:00;hi;NL\n"
    )
    cfg = InputConfig(
        columns={
            "number_customergauge": "CG ID",
            "status": "state",  # case does not matter
            "happened_at": " Changed at ",
            "note": "Comment",
        }
    )
    table = read_inputs([path], cfg)
    assert table.columns == {
        "number_customergauge": "CG ID",
        "status": "State",
        "happened_at": "Changed at",
        "note": "Comment",
    }
    assert table.original_columns == ["CG ID", "State", "Changed at", "Comment", "Queue"]


@pytest.mark.parametrize(
    "header",
    [
        "number_customergauge",
        "Number_CustomerGauge",
        " NUMBER CUSTOMERGAUGE ",
        "number-customergauge",
    ],
)
def test_default_names_match_loosely(header: str) -> None:
    found = [header, "Status", "HAPPENED_AT", "Assignee", "x"]
    assert map_columns(found, {}, ("number_customergauge", "status"), where="a.csv") == {
        "number_customergauge": header,
        "status": "Status",
        "happened_at": "HAPPENED_AT",
        "assignee": "Assignee",
    }


def test_optional_fields_absent_are_simply_not_mapped(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", "number_customergauge,status\n1,open\n")
    assert read_inputs([path], InputConfig()).columns == {
        "number_customergauge": "number_customergauge",
        "status": "status",
    }


# --- progress and chunked reading ------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_chunked_read_with_progress_gives_the_same_frame(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = ["id,status,note"]
    for i in range(1, 2_001):
        lines.append(f'{i:05d},open,"n{i}\nsecond line"' if i % 7 == 0 else f"{i:05d},closed,")
        if i % 100 == 0:
            lines.append("")  # blank rows across chunk boundaries
    path = write_csv(tmp_path / "big.csv", "\n".join(lines) + "\n")
    plain = read_table(path)
    chunked, events = _read_in_chunks(path, 333, monkeypatch)
    pd.testing.assert_frame_equal(chunked, plain)
    assert plain[ROW].iloc[-1] == 2_001 + 19  # 19 blank rows before the last record
    assert {e.stage for e in events} == {"reading big.csv"} and {e.unit for e in events} == {"rows"}
    assert events[0].done == 0 and events[0].total is not None
    done = [e.done for e in events]
    assert done == sorted(done) and len(events) >= 2_020 // 333
    assert events[-1].done == events[-1].total == 2_020  # the estimate counted lines
    assert all(e.total is not None and e.done <= e.total for e in events)


def _read_in_chunks(
    path: Path, rows: int, monkeypatch: pytest.MonkeyPatch
) -> tuple[pd.DataFrame, list[ProgressEvent]]:
    """read_table of `path` as a large file read `rows` rows at a time: the frame, and the
    progress events it reported."""
    import backfill.read.delimited as reader_csv

    monkeypatch.setattr(reader_csv, "LARGE_FILE_BYTES", 1_000)
    monkeypatch.setattr(reader_csv, "_CHUNK_ROWS", rows)
    events: list[ProgressEvent] = []
    return read_table(path, on_progress=events.append), events


def test_reading_does_not_depend_on_the_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same events whether stderr is a terminal or not, and the library itself writes
    nothing there."""
    import backfill.read.delimited as reader_csv
    import backfill.read.excel as reader_excel

    monkeypatch.setattr(reader_csv, "LARGE_FILE_BYTES", 10)
    monkeypatch.setattr(reader_excel, "LARGE_WORKBOOK_BYTES", 10)
    csv_path = write_csv(tmp_path / "a.csv", "id\n1\n2\n")
    xlsx_path = write_xlsx(tmp_path / "a.xlsx", [["id"], ["1"]])
    seen = []
    for stderr in (io.StringIO(), _Terminal()):
        monkeypatch.setattr(sys, "stderr", stderr)
        events: list[ProgressEvent] = []
        read_table(csv_path, on_progress=events.append)
        read_table(xlsx_path, on_progress=events.append)
        assert stderr.getvalue() == ""
        seen.append(events)
    assert seen[0] == seen[1]
    assert seen[0][-1] == ProgressEvent("reading a.xlsx", 2, 2, "rows")  # (header included)


def test_workbook_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import backfill.read.excel as reader_excel

    rows: list[list[object]] = [["id", "when"]]
    rows += [[i, dt.datetime(2024, 1, 1) + dt.timedelta(hours=i)] for i in range(25_000)]
    path = write_xlsx(tmp_path / "big.xlsx", rows)
    plain = read_table(path)
    monkeypatch.setattr(reader_excel, "LARGE_WORKBOOK_BYTES", 10)
    events: list[ProgressEvent] = []
    pd.testing.assert_frame_equal(read_table(path, on_progress=events.append), plain)
    # first "parsing the sheet" (size unknown), then rows counted against the sheet height
    assert events[0] == ProgressEvent("reading big.xlsx", 0, None, "rows")
    assert [e.done for e in events[1:]] == [10_000, 20_000, 25_001]
    assert [e.total for e in events[1:]] == [25_001, 25_001, 25_001]  # (the header row too)


def test_the_cli_draws_the_events_as_bars_on_a_terminal_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import tqdm

    from backfill.cli.progress import ProgressBars

    # draw every update, not 10 per second; TQDM_MININTERVAL alone is read when tqdm is
    # first imported, which an earlier test may have done
    monkeypatch.setenv("TQDM_MININTERVAL", "0")
    real = tqdm.tqdm
    monkeypatch.setattr(tqdm, "tqdm", lambda *a, **k: real(*a, **{"mininterval": 0, **k}))
    for stderr, drawn in ((_Terminal(), True), (io.StringIO(), False)):
        monkeypatch.setattr(sys, "stderr", stderr)
        with ProgressBars() as bars:
            bars(ProgressEvent("reading big.csv", 0, 4_000, "rows"))
            bars(ProgressEvent("reading big.csv", 2_000, 4_000, "rows"))
            bars(ProgressEvent("reading big.csv", 4_000, 4_000, "rows"))
            bars(ProgressEvent("sending", 3, None, "actions"))
        text = stderr.getvalue()
        assert ("reading big.csv" in text and "100%" in text and "sending" in text) is drawn
        assert (text == "") is not drawn


def test_default_sheet_is_the_first_visible_one(tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    hidden = workbook.active
    hidden.title = "Lookup"
    hidden.append(["code"])
    hidden.append(["x"])
    hidden.sheet_state = "hidden"
    shown = workbook.create_sheet("Export")
    shown.append(["id"])
    shown.append(["1"])
    workbook.save(tmp_path / "a.xlsx")
    frame = read_table(tmp_path / "a.xlsx")
    assert frame.attrs["sheet"] == "Export"
    assert frame["id"].tolist() == ["1"]
    assert read_table(tmp_path / "a.xlsx", sheet=0)["code"].tolist() == ["x"]  # still reachable


@pytest.mark.parametrize("hint", ["sep=;\n", "sep=;\r\n", "SEP=;\n"])
def test_excel_sep_hint_line_names_the_delimiter_and_is_not_a_row(
    tmp_path: Path, hint: str
) -> None:
    # Excel hides the hint: the header shows as row 1 and the first record as row 2.
    path = write_csv(tmp_path / "a.csv", f"{hint}id;note\n1;a,b,c\n\n2;d\n", encoding="utf-8-sig")
    frame = read_table(path)
    assert frame.attrs["delimiter"] == ";"
    assert records(frame) == [
        {"id": "1", "note": "a,b,c", ROW: 2},
        {"id": "2", "note": "d", ROW: 4},
    ]


# --- property: whatever text a CSV writer puts in a cell comes back verbatim -----------------

_cell_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=20,
)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.lists(_cell_text, min_size=3, max_size=3), min_size=1, max_size=8),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_csv_cells_round_trip_verbatim(
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[list[str]],
    delimiter: str,
    encoding: str,
) -> None:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(["id", "status", "note"])
    writer.writerows(rows)
    path = tmp_path_factory.mktemp("roundtrip") / "export.csv"
    path.write_bytes(buffer.getvalue().encode(encoding))
    frame = read_table(path)
    kept = [(number, row) for number, row in enumerate(rows, start=2) if any(row)]
    assert frame[["id", "status", "note"]].to_numpy().tolist() == [row for _, row in kept]
    assert frame[ROW].tolist() == [number for number, _ in kept]


# --- pyarrow's reader and pandas' C engine ---------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        'id,status,note\r\n1,open,\r\n\r\n2,closed,"a, b""c""\r\nd"\r\n3,open,z\r\n',  # CRLF
        '\ufeffid;status;note\n007;open;x"y"\n\n\n3;closed;  spaced  \n',  # BOM, literal quotes
        'id,status,,note\n1,open,,"multi\nline"\n2,NA,,null\n',  # nameless empty column
        "sep=|\nid|status\n1|open\n",  # Excel's delimiter line
        'id,status\n1,"open"x\n2,5" screen\n',  # odd quotes: read_csv reads it
        "id,status\n1,open,extra\n2\n",  # ragged rows: read_csv's way
        "\nid,status\n1,open\n",  # a leading blank line
    ],
)
def test_pyarrow_reads_what_read_csv_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    """Cells, column names and spreadsheet row numbers are the same whichever reader read the
    file (pyarrow's, or pandas' C engine where pyarrow steps aside)."""
    import backfill.read.delimited as reader_csv

    path = write_csv(tmp_path / "a.csv", text)
    try:
        fast = read_table(path)
    except Exception as exc:
        fast = exc
    monkeypatch.setattr(reader_csv, "read_arrow", lambda *args: None)
    try:
        plain = read_table(path)
    except Exception as exc:
        assert repr(exc) == repr(fast)
        return
    assert isinstance(fast, pd.DataFrame)
    pd.testing.assert_frame_equal(fast, plain)


def test_pyarrow_reader_steps_aside_for_an_open_quote(tmp_path: Path) -> None:
    """pyarrow would read an unclosed quote to the end of the file as one cell."""
    from backfill.read.arrow_csv import read_arrow
    from backfill.read.delimited import _Progress

    path = write_csv(tmp_path / "a.csv", 'id,note\n1,"x\n2,y\n3,"z"\n')
    sample = path.read_text()
    assert read_arrow(path, ",", sample, 0, 0, "utf-8", _Progress("", None, print)) is None
    path = write_csv(tmp_path / "b.csv", 'id,note\n1,"x\n2,y""\n')  # even quotes, still open
    assert (
        read_arrow(path, ",", path.read_text(), 0, 0, "utf-8", _Progress("", None, print)) is None
    )
    path = write_csv(tmp_path / "c.csv", 'id,note\n1,"x\ny"\n2,z\n')
    frame = read_arrow(path, ",", path.read_text(), 0, 0, "utf-8", _Progress("", None, print))
    assert frame is not None and frame["note"].tolist() == ["x\ny", "z"]
