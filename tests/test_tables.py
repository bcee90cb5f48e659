"""Everything a person opens in Excel is inert: CSV and XLSX writers neutralise formulas."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backfill.formula_guard import (
    neutralise,
    unneutralise,
    write_csv,
)

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


def test_csv_neutralises_text_cells_and_headers_only(tmp_path: Path) -> None:
    frame = pd.DataFrame({"=bad": ["=1", "ok", None], "n": [1, -2, 3], "when": ["-3", "", "@"]})
    back = pd.read_csv(
        write_csv(frame, tmp_path / "out.csv"),
        encoding="utf-8-sig",
        dtype=str,
        keep_default_na=False,
    )
    assert list(back.columns) == ["'=bad", "n", "when"]
    assert back.to_dict("list") == {
        "'=bad": ["'=1", "ok", ""],
        "n": ["1", "-2", "3"],
        "when": ["-3", "", "'@"],
    }
    assert frame["=bad"].tolist()[0] == "=1"  # the input frame is not modified


def test_csv_is_utf8_with_bom_and_neutralised(tmp_path: Path) -> None:
    frame = pd.DataFrame({"note": ["=cmd()", 'Grüße, "quoted"\nline 2']})
    path = write_csv(frame, tmp_path / "sub" / "out.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
    assert back["note"].tolist() == ["'=cmd()", 'Grüße, "quoted"\nline 2']


# --- RFC 4180: what a CSV reader (and Excel) reads back is what was written ----------------


def test_text_fields_are_quoted_numbers_bare_lines_end_in_crlf(tmp_path: Path) -> None:
    """Every text field is quoted, so a line break inside one, a bare CR included (which
    Excel would take for the end of the record), never ends a record."""
    notes = ["a\rb", "a\nb", "a\r\nb", 'say "hi"', "a,b", "plain", " padded ", "", None]
    frame = pd.DataFrame({"note": notes, "n": range(len(notes))})
    raw = write_csv(frame, tmp_path / "out.csv").read_bytes()
    assert raw == (
        b'\xef\xbb\xbf"note","n"\r\n"a\rb",0\r\n"a\nb",1\r\n"a\r\nb",2\r\n"say ""hi""",3\r\n'
        b'"a,b",4\r\n"plain",5\r\n" padded ",6\r\n"",7\r\n,8\r\n'
    )


_CELL_TEXT = st.one_of(
    st.text(alphabet=list("ab1-+=@'\",;\t\r\n \x85\u2028é€."), max_size=6),
    st.sampled_from(["-3", "+31 6 1234", "=SUM(A1)", "-2.5e3", "fine", "\r", "\n"]),
)


@settings(max_examples=150, deadline=None)
@given(
    texts=st.lists(_CELL_TEXT, min_size=1, max_size=8),
    numbers=st.lists(st.integers(-5, 5), min_size=8, max_size=8),
)
def test_every_cell_reads_back_as_written_neutralised(texts: list[str], numbers: list[int]) -> None:
    """Read back by the csv module (RFC 4180), every record has every field, each text cell
    is its neutralised self, and un-neutralising gives the original (the retry round trip)."""
    frame = pd.DataFrame(
        {
            "=text": pd.Series(texts, dtype=object),
            "str": pd.Series(texts[::-1], dtype="str"),
            "n": numbers[: len(texts)],
        }
    )
    with tempfile.TemporaryDirectory() as folder:
        text = write_csv(frame, Path(folder) / "out.csv").read_bytes().decode("utf-8-sig")
    records = list(csv.reader(io.StringIO(text, newline="")))
    assert records[0] == ["'=text", "str", "n"]
    assert [r[0] for r in records[1:]] == [neutralise(t) for t in texts]
    assert [r[1] for r in records[1:]] == [neutralise(t) for t in texts[::-1]]
    assert [r[2] for r in records[1:]] == [str(n) for n in numbers[: len(texts)]]
    assert [unneutralise(r[0]) for r in records[1:]] == texts


def test_csv_neutralises_only_the_dangerous_cells_of_a_long_column(tmp_path: Path) -> None:
    notes = ["fine, thanks"] * 50_000 + ["=HYPERLINK(1)", "-3", "@x"] + ['said "ok"'] * 10
    frame = pd.DataFrame({"note": notes, "row": range(len(notes))})
    back = pd.read_csv(
        write_csv(frame, tmp_path / "long.csv"),
        dtype=str,
        keep_default_na=False,
        encoding="utf-8-sig",
    )
    assert back["note"].tolist() == [*notes[:50_000], "'=HYPERLINK(1)", "-3", "'@x", *notes[-10:]]


@pytest.mark.parametrize(
    "value", [*DANGEROUS, "-3", "plain", "'quoted by the user", "'", "", "'=x", "''-3", "'-3"]
)
def test_unneutralise_gives_back_what_was_written(value: str) -> None:
    assert unneutralise(neutralise(value)) == value
