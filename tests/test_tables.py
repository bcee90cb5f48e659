"""Everything a person opens in Excel is inert: CSV and XLSX writers neutralise formulas."""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from unittest import mock

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backfill.plan.forking import ChildFailed
from backfill.report import tables
from backfill.report.tables import neutralise, neutralise_frame, write_csv, write_xlsx

_CAN_FORK = hasattr(os, "fork") and sys.platform == "linux"
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


# --- the fast CSV writer writes exactly what pandas writes --------------------------------

_CELL_TEXT = st.one_of(
    st.text(alphabet=list("ab1-+=@'\",;\t\r\n \x00é€."), max_size=6),
    st.sampled_from(["-3", "+31 6 1234", "=SUM(A1)", "-2.5e3", "fine"]),
)


def _pandas_bytes(frame: pd.DataFrame, path: Path) -> bytes:
    neutralise_frame(frame).to_csv(path, index=False, encoding="utf-8-sig")
    return path.read_bytes()


@settings(max_examples=150, deadline=None)
@given(
    texts=st.lists(_CELL_TEXT, min_size=0, max_size=8),
    mixed=st.lists(
        st.one_of(
            _CELL_TEXT,
            st.none(),
            st.integers(-5, 5),
            st.floats(allow_nan=True, allow_infinity=True),
            st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2030, 1, 1)),
        ),
        min_size=8,
        max_size=8,
    ),
)
def test_csv_bytes_match_pandas_for_any_cells(texts: list[str], mixed: list[object]) -> None:
    """Text, numbers, missing values, dates among text, formula-like and quoted cells."""
    n = len(texts)
    frame = pd.DataFrame(
        {
            "=text": pd.Series(texts, dtype=object),
            "a,b": pd.Series(mixed[:n], dtype=object),
            "n": pd.Series(range(n), dtype="int64") - 2,
            "f": pd.Series([0.1 * i - 0.2 if i % 3 else None for i in range(n)], dtype=float),
            "nullable": pd.Series([i if i % 2 else None for i in range(n)], dtype="Int64"),
            "flag": pd.Series([i % 2 == 0 for i in range(n)], dtype=bool),
            "str": pd.Series([t if i % 4 else None for i, t in enumerate(texts)], dtype="str"),
        }
    )
    with tempfile.TemporaryDirectory() as folder:
        expected = _pandas_bytes(frame, Path(folder) / "pandas.csv")
        assert write_csv(frame, Path(folder) / "ours.csv").read_bytes() == expected
        if n and _CAN_FORK:  # the second half written by a forked process
            with mock.patch.dict(os.environ, {"BACKFILL_PROCESSES": "2"}):
                split = write_csv(frame, Path(folder) / "split.csv", parallel_rows=1)
            assert split.read_bytes() == expected
            assert sorted(p.name for p in Path(folder).iterdir()) == [
                "ours.csv",
                "pandas.csv",
                "split.csv",
            ]


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"only": ["", "=1", "a,b"]}),  # one column: the csv module quotes "" alone
        pd.DataFrame({"when": pd.to_datetime(["2023-07-31 08:50", None]), "note": ["=x", "y"]}),
        pd.DataFrame({"a": pd.Series([], dtype=object), "b": pd.Series([], dtype="int64")}),
        pd.DataFrame({"kind": pd.Categorical(["=a", "b"]), "note": ["-x", "+31 6 1234"]}),
        pd.DataFrame(  # nullable integers of every width, missing ones among them
            {
                "hours": pd.Series([-5, None, 7, 10**12, None], dtype="Int64"),
                "small": pd.Series([-128, None, 127, 0, 1], dtype="Int8"),
                "unsigned": pd.Series([2**64 - 1, None, 3, 0, 1], dtype="UInt64"),
            }
        ),
    ],
)
def test_csv_bytes_match_pandas_for_other_frames(frame: pd.DataFrame, tmp_path: Path) -> None:
    expected = _pandas_bytes(frame, tmp_path / "pandas.csv")
    assert write_csv(frame, tmp_path / "ours.csv").read_bytes() == expected


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


@pytest.mark.parametrize("value", [*DANGEROUS, "-3", "plain", "'quoted by the user", "'", ""])
def test_unneutralise_gives_back_what_was_written(value: str) -> None:
    from backfill.report.tables import unneutralise

    assert unneutralise(neutralise(value)) == value


# --- the two-process path writes the same bytes -------------------------------------------


needs_fork = pytest.mark.skipif(not _CAN_FORK, reason="the split path needs fork (Linux)")


@pytest.fixture
def forking(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The children write_csv forks (with the split path switched on)."""
    monkeypatch.delenv("BACKFILL_PROCESSES", raising=False)
    forks: list[int] = []
    real_fork = os.fork

    def counted_fork() -> int:
        pid = real_fork()
        if pid:  # (in the parent: the child's list is its own copy)
            forks.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", counted_fork)
    return forks


def _mixed_frame(rows: int) -> pd.DataFrame:
    texts = ["=1+1", 'say "hi", then\nleave', "plain", "-3", "@x", "", "\r=x", "été → ok", "a,b"]
    return pd.DataFrame(
        {
            "note": pd.Series([texts[i % len(texts)] for i in range(rows)], dtype=object),
            "mixed": pd.Series(
                [[None, 1.5, "+cmd", 7, float("nan")][i % 5] for i in range(rows)], dtype=object
            ),
            "row": pd.Series([(i * 7919) % 100_003 - 50 for i in range(rows)], dtype="int64"),
            "seq": pd.Series([i % 4 for i in range(rows)], dtype="int64"),
            "f": pd.Series([i / 3 if i % 3 else None for i in range(rows)], dtype=float),
            "flag": pd.Series([i % 2 == 0 for i in range(rows)], dtype=bool),
            "nullable": pd.Series([i if i % 2 else None for i in range(rows)], dtype="Int64"),
            "str": pd.Series([texts[(i * 5) % len(texts)] for i in range(rows)], dtype="str"),
        }
    )


@needs_fork
@pytest.mark.parametrize("rows", [0, 1, 2, 3, 4, 7, 10, 45_001])
def test_split_write_gives_the_same_bytes(
    rows: int, tmp_path: Path, forking: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # small chunks, and number blocks that end inside a chunk
    monkeypatch.setattr(tables, "_CHUNK_ROWS", 1_000 if rows > 100 else 2)
    monkeypatch.setattr(tables, "_BLOCK_ROWS", 4_999 if rows > 100 else 5)
    frame = _mixed_frame(rows)
    expected = _pandas_bytes(frame, tmp_path / "pandas.csv")
    one = write_csv(frame, tmp_path / "one.csv", parallel_rows=None).read_bytes()
    assert forking == []
    for threshold in (1, 3):
        split = write_csv(frame, tmp_path / f"split{threshold}.csv", parallel_rows=threshold)
        assert split.read_bytes() == one == expected
    assert len(forking) == (rows >= 1) + (rows >= 3)
    assert expected.startswith(b"\xef\xbb\xbf") and expected.count(b"\xef\xbb\xbf") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "one.csv",
        "pandas.csv",
        "split1.csv",
        "split3.csv",
    ]


@needs_fork
def test_small_frames_and_switched_off_writes_stay_in_one_process(
    tmp_path: Path, forking: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    frame = _mixed_frame(10)
    expected = _pandas_bytes(frame, tmp_path / "pandas.csv")
    assert write_csv(frame, tmp_path / "a.csv").read_bytes() == expected  # under 200_000 rows
    assert write_csv(frame, tmp_path / "b.csv", parallel_rows=0).read_bytes() == expected
    assert write_csv(frame, tmp_path / "c.csv", parallel_rows=11).read_bytes() == expected
    monkeypatch.setenv("BACKFILL_PROCESSES", "1")
    assert write_csv(frame, tmp_path / "d.csv", parallel_rows=1).read_bytes() == expected
    assert forking == []
    monkeypatch.setenv("BACKFILL_PROCESSES", "2")
    assert write_csv(frame, tmp_path / "f.csv", parallel_rows=1).read_bytes() == expected
    assert len(forking) == 1


@needs_fork
def test_a_failed_fork_writes_in_one_process(
    tmp_path: Path, forking: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_fork() -> int:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    frame = _mixed_frame(9)
    expected = _pandas_bytes(frame, tmp_path / "pandas.csv")
    assert write_csv(frame, tmp_path / "out.csv", parallel_rows=1).read_bytes() == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "pandas.csv"]


@needs_fork
@pytest.mark.parametrize("how", ["raises", "killed"])
def test_a_failing_child_makes_the_write_fail_and_leaves_no_part(
    how: str, tmp_path: Path, forking: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    parent = os.getpid()
    real_integer_cells = tables._integer_cells

    def second_half_fails(values):  # type: ignore[no-untyped-def]
        if os.getpid() != parent:  # only in the child, which renders the second half
            if how == "killed":
                os.kill(os.getpid(), 9)
            raise ValueError("cannot render these integers")
        return real_integer_cells(values)

    monkeypatch.setattr(tables, "_integer_cells", second_half_fails)
    frame = _mixed_frame(40)
    # the child's own exception, or that it was killed
    error, expected = (
        (ValueError, "cannot render these integers")
        if how == "raises"
        else (ChildFailed, "SIGKILL")
    )
    with pytest.raises(error, match=expected):
        write_csv(frame, tmp_path / "out.csv", parallel_rows=3)
    assert len(forking) == 1
    assert not [p.name for p in tmp_path.iterdir() if ".part" in p.name]
    with pytest.raises(ChildProcessError):  # the child was waited for
        os.waitpid(forking[0], os.WNOHANG)


@needs_fork
def test_a_failing_parent_ends_the_child_and_leaves_no_part(
    tmp_path: Path, forking: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    parent = os.getpid()
    real_integer_cells = tables._integer_cells

    def first_half_fails(values):  # type: ignore[no-untyped-def]
        if os.getpid() == parent:
            raise ValueError("parent cannot render")
        return real_integer_cells(values)

    monkeypatch.setattr(tables, "_integer_cells", first_half_fails)
    with pytest.raises(ValueError, match="parent cannot render"):
        write_csv(_mixed_frame(40), tmp_path / "out.csv", parallel_rows=3)
    assert len(forking) == 1
    assert not [p.name for p in tmp_path.iterdir() if ".part" in p.name]
    with pytest.raises(ChildProcessError):  # the child was waited for
        os.waitpid(forking[0], os.WNOHANG)


@pytest.mark.parametrize("processes", ["1", "2"])
@pytest.mark.parametrize(
    "frame",
    [
        _mixed_frame(23),
        pd.DataFrame({"when": pd.to_datetime(["2023-01-01", "2023-01-02"]), "n": [1, 2]}),
    ],
    ids=["rendered", "pandas"],
)
def test_rows_only_are_the_file_less_its_bom_and_header(
    frame: pd.DataFrame, processes: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKFILL_PROCESSES", processes)
    whole = write_csv(frame, tmp_path / "whole.csv", parallel_rows=3).read_bytes()
    rows = write_csv(frame, tmp_path / "rows.csv", parallel_rows=3, header=False).read_bytes()
    header = write_csv(frame.iloc[:0], tmp_path / "header.csv").read_bytes()
    assert header.startswith(b"\xef\xbb\xbf") and not rows.startswith(b"\xef\xbb\xbf")
    assert whole == header + rows


@pytest.mark.parametrize("chunk", [1, 3, 1_000])
def test_a_column_repeating_another_is_written_as_itself(
    chunk: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Columns that repeat an earlier one (plan_note and note) reuse its fields chunk by
    chunk only where the cells are the same plain texts: quoting, formulas, missing cells
    and equal numbers of other types (1, 1.0, True) are still their own."""
    monkeypatch.setattr(tables, "_CHUNK_ROWS", chunk)
    monkeypatch.setattr(tables, "_SAMPLE_ROWS", 3)  # twins are told by their first 3 rows
    texts = [f"t{i}" for i in range(12)]
    changed = list(texts)
    changed[4], changed[7], changed[9] = "a,b", "=1+1", None
    mixed = [1, 2, 3] * 4
    frame = pd.DataFrame(
        {
            "note": pd.Series(texts, dtype=object),
            "plan_note": pd.Series(list(texts), dtype=object),
            "changed": pd.Series(changed, dtype=object),
            "as_str": pd.Series(texts, dtype="str"),
            "ints": pd.Series(mixed, dtype=object),
            "floats": pd.Series([float(v) for v in mixed], dtype=object),
            "flags": pd.Series([v == 1 for v in mixed], dtype=object),
            "ones": pd.Series([1.0 if v == 1 else True for v in mixed], dtype=object),
        }
    )
    expected = _pandas_bytes(frame, tmp_path / "pandas.csv")
    assert write_csv(frame, tmp_path / "ours.csv").read_bytes() == expected
    renderers = tables._with_twins(
        [tables._csv_renderer(frame.iloc[:, i]) for i in range(frame.shape[1])]
    )
    assert isinstance(renderers[0], tables._TextColumn)
    # plan_note, changed and as_str start as note does: they are its twins
    assert [isinstance(r, tables._TextColumn) for r in renderers[:4]] == [True, False, False, False]
