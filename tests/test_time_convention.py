"""One column, one reading: the day/month order is decided from all cells, or refused."""

from __future__ import annotations

import random
import re
from datetime import datetime

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backfill.plan.time_convention import TwoReadings, decide
from backfill.plan.times import parse_times


def test_a_day_over_twelve_decides_day_first() -> None:
    convention = decide(["01/02/2024 10:00", "31/01/2024 09:15"], column="At")
    assert convention.dayfirst is True
    assert convention.pattern == "%d/%m/%Y %H:%M"
    assert convention.evidence == (
        "1 of 2 dates such as '31/01/2024 09:15' have a number over 12 in first place: day first"
    )


def test_a_month_first_column_with_iso_cells() -> None:
    convention = decide(["2024-03-13 10:00:00", "03/13/2024", "04/01/2024"], column="At")
    assert (convention.dayfirst, convention.pattern) == (False, "%m/%d/%Y")


def test_both_orders_in_one_column_are_refused_with_examples() -> None:
    with pytest.raises(TwoReadings) as caught:
        decide(["13/03/2024", "03/13/2024", "01/01/2024"], column="Changed at")
    assert str(caught.value) == (
        "column 'Changed at' holds dates that need two readings: '13/03/2024' can only be day "
        "first, '03/13/2024' only month first; correct the cells that are wrong, or set the "
        "right reading, input.dayfirst: true or false (or input.date_format): the cells that "
        "do not fit it are then reported row by row"
    )


def test_an_undecidable_column_is_refused_naming_the_setting() -> None:
    with pytest.raises(TwoReadings, match=r"set input\.dayfirst: true"):
        decide(["03/04/2024", "05/06/2024 10:00"], column="At")


def test_settings_decide_and_iso_needs_nothing() -> None:
    assert decide(["03/04/2024"], column="At", dayfirst=False).dayfirst is False
    assert decide(["03/04/2024"], column="At", date_format="%d/%m/%Y").pattern == "%d/%m/%Y"
    assert decide(["2024-03-04 10:00:00", ""], column="At").dayfirst is None


@pytest.mark.parametrize(
    ("cells", "pattern"),
    [
        (["28/02/2025 02:16", "01/03/2025 10:00"], "%d/%m/%Y %H:%M"),
        (["28.02.2025 02:16:09"], "%d.%m.%Y %H:%M:%S"),
        (["2/28/25 2:16 PM", "3/1/25 10:00 AM"], "%m/%d/%y %I:%M %p"),
        (["28-02-2025"], "%d-%m-%Y"),
    ],
)
def test_the_pattern_writes_every_cell_back(cells: list[str], pattern: str) -> None:
    convention = decide(cells, column="At")
    assert convention.pattern == pattern
    for cell in cells:
        assert _same_up_to_zeros(datetime.strptime(cell, pattern).strftime(pattern), cell)


def _same_up_to_zeros(written: str, source: str) -> bool:
    def strip(text: str) -> str:
        return re.sub(r"(?<!\d)0(\d)", r"\1", text)

    return strip(written) == strip(source)


# --- property: one reading throughout, or refused; never both -----------------------------

_dates = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2030, 12, 31))


@settings(max_examples=120, deadline=None)
@given(
    day_first=st.lists(_dates, max_size=6),
    month_first=st.lists(_dates, max_size=6),
    iso=st.lists(_dates, max_size=4),
    seed=st.integers(0, 1000),
)
def test_a_column_is_read_one_way_or_refused(
    day_first: list[datetime], month_first: list[datetime], iso: list[datetime], seed: int
) -> None:
    cells = (
        [d.strftime("%d/%m/%Y %H:%M") for d in day_first]
        + [d.strftime("%m/%d/%Y %H:%M") for d in month_first]
        + [d.strftime("%Y-%m-%d %H:%M:%S") for d in iso]
    )
    random.Random(seed).shuffle(cells)
    only_day = [d for d in day_first if d.day > 12]
    only_month = [d for d in month_first if d.day > 12]
    slashed = day_first + month_first
    try:
        convention = decide(cells, column="At")
    except TwoReadings:
        # refused only when the cells really need two readings, or nothing decides; and
        # the parser refuses the column too, rather than read it some way
        assert (only_day and only_month) or (slashed and not only_day and not only_month)
        with pytest.raises(TwoReadings):
            parse_times(pd.Series(cells, dtype=object))
        return
    parsed = parse_times(pd.Series(cells, dtype=object))
    if not slashed:
        assert convention.dayfirst is None
        return
    assert convention.dayfirst is not None
    assert not (only_day and only_month)
    # every numeric cell reads in the one convention, and those that decided agree with it
    for cell in cells:
        if "/" in cell:
            datetime.strptime(cell, convention.pattern or "")
    assert convention.dayfirst is bool(only_day)
    form = "%d/%m/%Y %H:%M" if convention.dayfirst else "%m/%d/%Y %H:%M"
    kept = day_first if convention.dayfirst else month_first
    for date in kept:
        assert datetime.strptime(date.strftime(form), convention.pattern or "") == date.replace(
            second=0, microsecond=0
        )
    # the parser reads every numeric cell in that one order
    for cell, instant in zip(cells, parsed.utc, strict=True):
        if "/" in cell:
            assert instant.tz_localize(None) == datetime.strptime(cell, form)


def test_cells_that_are_no_date_either_way_decide_nothing() -> None:
    convention = decide(["2024-01-01 10:00:00", "31/02/2024 25:61"], column="At")
    assert convention.dayfirst is None
    assert decide(["31/02/2024", "13/01/2024"], column="At").dayfirst is True
