"""SPEC "Reading times": every cell of a time column is read with one convention, or the
column is refused (exit 2) with the setting that fixes it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from backfill.cli.main import cli
from backfill.config import config_from_dict
from backfill.model import CASE, HAPPENED_AT, STATUS
from backfill.plan.build import build_plan
from backfill.plan.time_convention import decide
from backfill.plan.times import parse_times

NOW = datetime(2026, 1, 1, tzinfo=UTC)
HEADER = "number_customergauge;status;happened_at\n"


def write(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_day_first_column_is_read_day_first_throughout(tmp_path: Path) -> None:
    # the case: New 07/03 -> Working 11/03 -> Solved 13/03 was planned closed ->
    # open -> progress, 07/03 and 11/03 read month first and 13/03 day first
    path = write(
        tmp_path / "export.csv",
        ["5;New;07/03/2024 09:00", "5;Working;11/03/2024 10:00", "5;Solved;13/03/2024 11:00"],
    )
    plan = build_plan([path], config_from_dict({}), now=NOW)
    rows = list(zip(plan.frame[CASE], plan.frame[STATUS], plan.frame[HAPPENED_AT], strict=True))
    assert rows == [
        ("5", "open", "2024-03-07 09:00:00"),
        ("5", "progress", "2024-03-11 10:00:00"),
        ("5", "closed", "2024-03-13 11:00:00"),
    ]


def test_a_column_needing_two_readings_exits_2_with_examples(tmp_path: Path) -> None:
    path = write(tmp_path / "export.csv", ["5;open;13/03/2024 09:00", "5;closed;03/14/2024 10:00"])
    result = CliRunner().invoke(cli, ["validate", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {path}: column 'happened_at' holds dates that need two readings: "
        "'13/03/2024 09:00' can only be day first, '03/14/2024 10:00' only month first; "
        "correct the cells that are wrong, or set the right reading, input.dayfirst: true or "
        "false (or input.date_format): the cells that do not fit it are then reported row by "
        "row\n"
    )


def test_an_undecided_column_exits_2_naming_the_setting(tmp_path: Path) -> None:
    path = write(tmp_path / "export.csv", ["5;open;03/04/2024 09:00", "5;closed;05/04/2024"])
    result = CliRunner().invoke(cli, ["validate", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "no cell decides whether '03/04/2024 09:00', '05/04/2024' is day first" in (
        result.output
    )
    assert "set input.dayfirst: true" in result.output
    # the setting settles it, and then every cell is read that way
    config = config_from_dict({"input": {"dayfirst": True}})
    plan = build_plan([path], config, now=NOW)
    assert sorted(plan.frame[HAPPENED_AT]) == ["2024-04-03 09:00:00", "2024-04-05 00:00:00"]


def test_a_set_order_reports_cells_that_do_not_fit_instead_of_swapping() -> None:
    parsed = parse_times(pd.Series(["13/03/2024", "03/12/2024"]), dayfirst=False)
    assert parsed.code.tolist() == ["bad-time", ""]
    assert parsed.text.tolist() == ["", "2024-03-12 00:00:00"]


def test_response_dates_are_one_column_of_their_own(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "number_customergauge,status,happened_at,response_date\n"
        "5,open,2024-03-14 09:00:00,03/13/2024\n",  # month first, decided by its own cell
        encoding="utf-8",
    )
    plan = build_plan([path], config_from_dict({}), now=NOW)
    assert str(plan.frame["_response_ts"].iloc[0]) == "2024-03-13 00:00:00+00:00"


# --- round trip: a strptime convention writes every parsed time back as its cell -----------

_FORMS = [
    "%d/%m/%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%m/%d/%Y %I:%M %p",
    "%m-%d-%y",
    "%d/%m/%Y",
    "%m/%d/%Y, %I:%M %p",
]


def _loose(text: str) -> str:
    """The cell up to leading zeros: "03/04/2024 09:05" -> "3/4/2024 9:5"."""
    return re.sub(r"(?<!\d)0+(?=\d)", "", text)


@settings(max_examples=40, deadline=None)
@given(
    form=st.sampled_from(_FORMS),
    moments=st.lists(
        # (from 2010: a two-digit year keeps both digits, as every export writes it)
        st.datetimes(min_value=datetime(2010, 1, 1), max_value=datetime(2030, 12, 31)),
        min_size=1,
        max_size=8,
    ),
    pad=st.booleans(),
)
def test_every_parsed_time_written_back_gives_its_cell(
    form: str, moments: list[datetime], pad: bool
) -> None:
    cells = [m.strftime(form) for m in moments]
    if not pad:
        cells = [_loose(c) for c in cells]  # exports often drop leading zeros
    decider = datetime(2024, 3, 13, 13, 0)  # a day over 12: the order is decided
    cells.append(decider.strftime(form))
    convention = decide(cells, column="At")
    assert convention.pattern is not None
    parsed = parse_times(pd.Series(cells, dtype=object))
    assert parsed.code.tolist() == [""] * len(cells)
    for cell, instant in zip(cells, parsed.utc, strict=True):
        written = instant.tz_localize(None).strftime(convention.pattern)
        assert _loose(written) == _loose(cell)
