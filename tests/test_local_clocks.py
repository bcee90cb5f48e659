"""12-hour clocks with the locale's own day-period words (issue 25's corpus): Greek writes
them after the time ("3:05:09 μμ", Windows el-GR), Korean, Chinese and Japanese before it
("오후 3:05", "下午 3:05", "午後 3:05"). They read as AM/PM do, in plan and in init alike."""

from __future__ import annotations

import pandas as pd
import pytest

from backfill.codes import Code
from backfill.plan.time_columns import detect_convention
from backfill.plan.times import parse_times


def times(cells: list[str]) -> list[str]:
    parsed = parse_times(pd.Series(cells, dtype=object))
    return [str(t)[:19] if c == "" else c for t, c in zip(parsed.utc, parsed.code, strict=True)]


def test_greek_day_periods_after_the_clock() -> None:
    cells = ["20/4/2024 3:14:39 μμ", "1/5/2024 12:05:00 μμ", "2/5/2024 12:05:00 πμ",
             "3/5/2024 9:00:00 π.μ."]  # fmt: skip
    assert times(cells) == [
        "2024-04-20 15:14:39",  # 20 decides day first
        "2024-05-01 12:05:00",  # noon
        "2024-05-02 00:05:00",  # midnight
        "2024-05-03 09:00:00",
    ]


@pytest.mark.parametrize(
    ("morning", "afternoon"), [("오전", "오후"), ("上午", "下午"), ("午前", "午後")]
)
def test_east_asian_day_periods_before_the_clock(morning: str, afternoon: str) -> None:
    cells = [f"2024-05-14 {afternoon} 12:26", f"2024/5/19 {morning} 6:55",
             f"2024-05-19 {afternoon} 6:55:10"]  # fmt: skip
    assert times(cells) == ["2024-05-14 12:26:00", "2024-05-19 06:55:00", "2024-05-19 18:55:10"]


def test_a_word_that_is_no_clock_stays_text() -> None:
    # a note that happens to end in the word, an hour a 12-hour clock has not, a bare word
    assert times(["Zadzwonić 3:05 μμ?", "20/4/2024 13:14:39 μμ", "오후"]) == [Code.BAD_TIME] * 3


def test_init_finds_the_column_plan_reads() -> None:
    cells = ["20/4/2024 3:14:39 μμ", "21/4/2024 7:11:19 πμ", "", "22/4/2024 9:27:51 πμ"]
    convention = detect_convention(cells, header="Ημερομηνία")
    assert convention is not None
    assert (convention.readable, convention.filled, convention.dayfirst) == (3, 3, True)
    assert convention.example == "20/4/2024 3:14:39 μμ"  # shown as the file has it
