"""report.xlsx round trips exactly (issue 19 item 5): any text written to its Failures sheet
comes back from `backfill retry report.xlsx` byte for byte, or its row is refused (a cell
Excel cannot hold whole), pointing to failures.csv, which holds it whole."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from backfill.cli.main import cli
from backfill.config import Config
from backfill.model import CUT_BY_EXCEL
from backfill.read.failures import read_failures
from backfill.report.excel_text import EXCEL_CELL_LIMIT, stored
from backfill.report.summary import Summary
from backfill.report.workbook import write_workbook
from backfill.sandbox import SandboxSettings, ThreadedSandbox
from tests.runner_helpers import (
    RESPONSE_AT,
    sandbox_config,
    use_credentials,
    write_config,
    write_rows,
)

ORIGINAL = ["number_customergauge", "status", "happened_at", "note"]
SUMMARY = Summary(rows=1, outcomes={"failed": 1}, exit_code=1)

# the troublemakers, mixed into arbitrary text: CR, CRLF, Excel's escapes written literally,
# the characters that make a cell a formula, controls an XML sheet cannot hold as they are
_PIECES = st.sampled_from(
    [
        "\r",
        "\r\n",
        "\n",
        "_x000D_",
        "_x005F_",
        "_x000d_",
        "_X000D_",
        "_x41_",
        "'",
        "=",
        "-",
        "@",
        "\t",
        " ",
        "\x00",
        "\x0b",
        "\x1f",
        "é",
        "😀",
        "_",
        "x",
    ]
)
_TEXT = st.lists(
    st.one_of(_PIECES, st.text(st.characters(exclude_categories=["Cs"]), max_size=8)),
    max_size=12,
).map("".join)


def _failures(notes: list[str]) -> pd.DataFrame:
    count = len(notes)
    return pd.DataFrame(
        {
            "number_customergauge": [str(1000 + i) for i in range(count)],
            "status": ["closed"] * count,
            "happened_at": ["2023-02-01 10:00:00"] * count,
            "note": notes,
            "source": ["history.csv"] * count,
            "row": list(range(2, count + 2)),
            "outcome": ["failed"] * count,
            "error": ["HTTP 422: The selected number customergauge is invalid."] * count,
        }
    )


def _round_trip(notes: list[str], path: Path) -> pd.DataFrame:
    write_workbook(SUMMARY, _failures(notes), _failures(notes), path, retried=ORIGINAL)
    return read_failures(path, Config()).frame


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(notes=st.lists(_TEXT, min_size=1, max_size=40))
def test_any_text_comes_back_from_report_xlsx_byte_for_byte(
    tmp_path: Path, notes: list[str]
) -> None:
    """Many texts per workbook: writing one costs far more than a row of it."""
    back = _round_trip([*notes, "plain"], tmp_path / "report.xlsx")["note"].tolist()
    assert len(back) == len(notes) + 1 and back[-1] == "plain"
    for written, read in zip(notes, back[:-1], strict=True):
        # a blank cell is no note at all, in any file: it may come back empty
        assert read == written or (not written.strip() and read == "")


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@example(size=32755, returns=2)  # the quote before a leading CR tips it over
@given(
    size=st.integers(EXCEL_CELL_LIMIT - 20, EXCEL_CELL_LIMIT + 20),
    returns=st.integers(0, 5),
)
def test_text_near_the_cell_limit_is_exact_or_refused(
    tmp_path: Path, size: int, returns: int
) -> None:
    note = "\r" * returns + "n" * (size - returns)
    back = _round_trip([note], tmp_path / "report.xlsx")
    if len(stored(note)) <= EXCEL_CELL_LIMIT:
        assert back["note"][0] == note
        assert CUT_BY_EXCEL not in back.columns
    else:
        assert back[CUT_BY_EXCEL][0].startswith(f"note: {size:,} characters")


def test_the_readme_cases_exactly(tmp_path: Path) -> None:
    """The cases of the issue: a note starting with CR, CRLF inside, a literal escape."""
    notes = ["\rstarts with CR", "line one\r\nline two", "literally _x000D_ here", "'=1+1"]
    assert _round_trip(notes, tmp_path / "report.xlsx")["note"].tolist() == notes


def test_retry_of_report_xlsx_sends_exact_notes_and_refuses_only_the_cut_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Against the sandbox: a run fails three cases the tenant does not know yet; after the
    tenant knows them, `retry report.xlsx` sends the CR/CRLF/escape notes exactly and refuses
    the 40,000-character one (invalid, cut-by-excel, pointing to failures.csv); `retry
    failures.csv` then sends that one whole."""
    use_credentials(monkeypatch)
    long_note = "long " * 8_000  # 40,000 characters
    notes = {
        "2001": "first line\r\nsecond line\rthird",
        "2002": "literally _x000D_ and _x005F_ stay",
        "2003": long_note,
    }
    rows = [
        {
            "number_customergauge": case,
            "status": "closed",
            "happened_at": "2023-02-01 10:00:00",
            "note": note,
        }
        for case, note in notes.items()
    ]
    data = write_rows(tmp_path / "history.csv", rows)
    with ThreadedSandbox(SandboxSettings()) as sb:
        config = sandbox_config(sb, tmp_path)
        config_file = write_config(config, tmp_path / "backfill.yaml")
        first = CliRunner().invoke(cli, ["run", str(data), "-c", str(config_file), "--yes"])
        assert first.exit_code == 1, first.output  # unknown cases: all three failed
        reports = sorted((tmp_path / "reports").iterdir())[-1]
        sb.seed_responses({case: RESPONSE_AT for case in notes})  # the tenant knows them now

        second = CliRunner().invoke(
            cli, ["retry", str(reports / "report.xlsx"), "-c", str(config_file), "--yes"]
        )
        assert second.exit_code == 1, second.output
        cases = {case.number_customergauge: case for case in sb.state.cases.values()}
        assert set(cases) == {"2001", "2002"}
        for case in ("2001", "2002"):
            assert cases[case].history[-1].note == notes[case].strip()  # (the API trims)
        retried = sorted((tmp_path / "reports").iterdir())[-1]
        failures = pd.read_csv(retried / "failures.csv", dtype=str, keep_default_na=False)
        [refused] = failures.to_dict("records")
        assert refused["number_customergauge"] == "2003"
        assert refused["error"].startswith("cut-by-excel: report.xlsx holds this row's text cut")
        assert "failures.csv" in refused["error"]

        third = CliRunner().invoke(
            cli, ["retry", str(reports / "failures.csv"), "-c", str(config_file), "--yes"]
        )
        assert third.exit_code == 0, third.output
        assert sb.state.cases["2003"].history[-1].note == long_note.strip()
