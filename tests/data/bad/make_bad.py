"""Write the bad-input corpus: files a real user could bring to `backfill validate`.

Run from anywhere: ``python tests/data/bad/make_bad.py`` rewrites the files next to this
script; ``make_bad.build(folder)`` writes them elsewhere (the 10 MB note is only written
there, so that the repository stays small). Each file's expected exit status and message
words are in tests/reliability/test_bad_inputs.py.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

HEADER = "number_customergauge,status,happened_at,note\n"
GOOD = [
    ("70000001", "open", "2023-02-01 10:00:00", "first"),
    ("70000001", "closed", "2023-02-02 11:00:00", "second"),
    ("70000002", "open", "2023-02-03 12:00:00", "third"),
]


def csv_text(rows: list[tuple[str, ...]], sep: str = ",", header: str = HEADER) -> str:
    head = header if sep == "," else header.replace(",", sep)
    return head + "".join(sep.join(r) + "\n" for r in rows)


def workbook(rows: list[list[object]], *, edit: Callable[..., None] | None = None) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Export"
    for row in rows:
        sheet.append(row)
    if edit is not None:
        edit(book, sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def header_list() -> list[object]:
    return HEADER.strip().split(",")


def good_rows() -> list[list[object]]:
    return [header_list(), *[list(r) for r in GOOD]]


def with_cached_formula_values(data: bytes) -> bytes:
    """openpyxl writes formulas without a cached value; Excel saves one: add <v> after <f>."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                text = content.decode()
                text = re.sub(
                    r'<c r="([A-Z]+\d+)"([^>]*)><f>([^<]*)</f><v\s*/?>(?:</v>)?</c>',
                    r'<c r="\1"\2 t="str"><f>\3</f><v>cached note</v></c>',
                    text,
                )
                content = text.encode()
            target.writestr(item, content)
    return out.getvalue()


def files() -> dict[str, bytes]:
    """File name -> content, for every file of the corpus but the 10 MB note."""
    good_csv = csv_text(GOOD)
    good_xlsx = workbook(good_rows())
    corpus: dict[str, bytes] = {}
    add = corpus.__setitem__

    # --- containers that are not what their name says -----------------------------------
    add("truncated.xlsx", good_xlsx[: len(good_xlsx) // 2])
    add("encrypted.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024)
    add("csv_renamed.xlsx", good_csv.encode())
    add("xlsx_renamed.csv", good_xlsx)
    add(
        "html_saved_as.xls",
        b"<html><body><table><tr><td>number_customergauge</td></tr>"
        b"<tr><td>1</td></tr></table></body></html>",
    )
    add("binary_garbage.csv", bytes(range(256)) * 8)
    add("empty.csv", b"")
    add("empty_sheet.xlsx", workbook([]))
    add("not_a_table.txt", b"Dear team,\nplease find the export attached.\nRegards\n")

    # --- encodings and separators --------------------------------------------------------
    add("utf16.csv", good_csv.encode("utf-16"))
    add(
        "cp1252.csv",
        csv_text([("70000001", "open", "2023-02-01 10:00:00", "café résumé")]).encode("cp1252"),
    )
    add("utf8_bom.csv", b"\xef\xbb\xbf" + good_csv.encode())
    add(
        "semicolons_decimal_commas.csv",
        (
            b"number_customergauge;status;happened_at;note;score\n"
            b"70000001;open;2023-02-01 10:00:00;eerste;8,5\n"
            b"70000002;closed;2023-02-02 10:00:00;tweede;9,0\n"
        ),
    )
    add("tabs.tsv", csv_text(GOOD, sep="\t").encode())
    add("cr_only_line_ends.csv", good_csv.replace("\n", "\r").encode())
    add(
        "emoji.csv", csv_text([("70000001", "open", "2023-02-01 10:00:00", "thanks 🎉🙏")]).encode()
    )

    # --- shapes of the table -------------------------------------------------------------
    add(
        "header_on_row_3.xlsx",
        workbook([["Customer export"], ["generated 2023-03-01"], *good_rows()]),
    )
    add("header_on_row_3.csv", ("Customer export\ngenerated 2023-03-01\n" + good_csv).encode())
    add(
        "blank_rows.csv",
        (
            HEADER + "70000001,open,2023-02-01 10:00:00,a\n,,,\n\n"
            "70000002,open,2023-02-02 10:00:00,b\n"
        ).encode(),
    )
    add(
        "duplicate_headers.csv",
        (
            b"number_customergauge,status,happened_at,note,note\n"
            b"70000001,open,2023-02-01 10:00:00,a,b\n"
        ),
    )
    add("missing_columns.csv", b"id,state,when\n1,open,2023-02-01\n")
    add("header_only.csv", HEADER.encode())

    def merge(book: object, sheet: object) -> None:
        sheet.merge_cells("A2:A3")  # type: ignore[attr-defined]

    add("merged_cells.xlsx", workbook(good_rows(), edit=merge))

    def hide_first(book: object, sheet: object) -> None:
        sheet.sheet_state = "hidden"  # type: ignore[attr-defined]
        visible = book.create_sheet("Data")  # type: ignore[attr-defined]
        for row in good_rows():
            visible.append(row)

    add("hidden_first_sheet.xlsx", workbook([["old", "junk"]], edit=hide_first))

    # --- cells ---------------------------------------------------------------------------
    add(
        "nul_and_control_chars.csv",
        (
            HEADER + "70000001,open,2023-02-01 10:00:00,a\x00b\n"
            "70000002,open,2023-02-01 10:00:00,form\x0cfeed\x1b\n"
        ).encode(),
    )
    add(
        "control_chars.csv",
        (
            HEADER + "70000001,open,2023-02-01 10:00:00,form\x0cfeed\n"
            "70000002,open,2023-02-01 10:00:00,esc\x1b[0m\n"
        ).encode(),
    )
    add(
        "ids_as_floats.xlsx",
        workbook(
            [
                header_list(),
                [70000001.0, "open", "2023-02-01 10:00:00", "whole"],
                [70000052.5, "open", "2023-02-01 10:00:00", "split"],
            ]
        ),
    )
    add(
        "ids_20_digits.xlsx",
        workbook([header_list(), [12345678901234567890, "open", "2023-02-01 10:00", "x"]]),
    )
    add(
        "ids_20_digits_as_text.csv",
        csv_text([("12345678901234567890", "open", "2023-02-01 10:00:00", "x")]).encode(),
    )
    formula_rows = [header_list(), ["70000001", "open", "2023-02-01 10:00:00", '=CONCAT("a","b")']]
    add("formula_without_cached_value.xlsx", workbook(formula_rows))
    add("formula_with_cached_value.xlsx", with_cached_formula_values(workbook(formula_rows)))
    add(
        "dates_in_many_styles.csv",
        (
            HEADER + "70000001,open,2023-02-01 10:00:00,a\n"
            "70000002,open,02/13/2023,b\n"
            "70000003,open,13/02/2023,c\n"
            "70000004,open,13.02.2023,d\n"
        ).encode(),
    )
    add(
        "dates_day_first.csv",
        (HEADER + "70000001,open,13/02/2023 10:00,a\n70000002,open,01/03/2023 10:00,b\n").encode(),
    )
    add("dates_undecidable.csv", (HEADER + "70000001,open,03/04/2023 10:00,a\n").encode())
    add("dates_excel_serials.csv", (HEADER + "70000001,open,44958.5,a\n").encode())
    add(
        "dates_as_excel_dates.xlsx",
        workbook(
            [
                header_list(),
                ["70000001", "open", __import__("datetime").datetime(2023, 2, 1, 10), "a"],
            ]
        ),
    )
    add("year_0001.csv", (HEADER + "70000001,open,0001-01-01 10:00:00,a\n").encode())
    add(
        "unknown_statuses.csv",
        (HEADER + "70000001,Parked,2023-02-01 10:00,a\n").encode(),
    )
    add("future_times.csv", (HEADER + "70000001,open,2999-01-01 10:00:00,a\n").encode())
    return corpus


def huge_note() -> bytes:
    return csv_text([("70000001", "open", "2023-02-01 10:00:00", "x" * 10_000_000)]).encode()


def build(folder: Path, *, huge: bool = True) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in files().items():
        (folder / name).write_bytes(content)
        written.append(folder / name)
    if huge:
        (folder / "note_of_10_mb.csv").write_bytes(huge_note())
        written.append(folder / "note_of_10_mb.csv")
    return written


if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    print(f"{len(build(here, huge=False))} files written to {here}", file=sys.stderr)
