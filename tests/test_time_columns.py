"""One reader of times for init and plan: the forms helpdesks, CRMs and spreadsheets write,
and which columns are time columns (plan/time_columns.py, plan/time_forms.py)."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backfill.codes import Code
from backfill.plan import times
from backfill.plan.time_columns import detect_convention, read_convention, read_times
from backfill.plan.time_convention import TwoReadings
from backfill.starter.inspect import inspect_frame


def _read(cells: list[object], **options: object) -> times.ParsedTimes:
    return times.parse_times(pd.Series(cells, dtype=object), **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        # ISO 8601: with or without T, seconds, fraction, offset or Z, a zone word
        ("2024-03-05T09:00:00Z", "2024-03-05 09:00:00"),
        ("2024-03-05 09:00", "2024-03-05 09:00:00"),
        ("2024-03-05T10:00:00.123+01:00", "2024-03-05 09:00:00"),
        ("2024-03-05 09:00:00 UTC", "2024-03-05 09:00:00"),
        ("2024-03-05 9:00 PM", "2024-03-05 21:00:00"),
        ("2024/03/05 09:00", "2024-03-05 09:00:00"),
        # numbers with . / - and two-digit years, 12-hour clocks
        ("15.03.2024 09:00", "2024-03-15 09:00:00"),
        ("25/03/23 9:00 PM", "2023-03-25 21:00:00"),
        # month names and abbreviations (Jira, German, French, Help Scout, Excel long dates)
        ("25/Mar/23 9:00 AM", "2023-03-25 09:00:00"),
        ("25/Mar/23 12:30 AM", "2023-03-25 00:30:00"),
        ("5. März 2024 09:00", "2024-03-05 09:00:00"),
        ("15 janv. 2024 14:05", "2024-01-15 14:05:00"),
        ("Mar 5, 2024 9:00 AM", "2024-03-05 09:00:00"),
        ("Tuesday, March 5, 2024 9:00 PM", "2024-03-05 21:00:00"),
        ("Di, 5. Mrz 2024 14:05 Uhr", "2024-03-05 14:05:00"),
        ("5 de marzo de 2024 14:05", "2024-03-05 14:05:00"),
        ("5 de março de 2024 14:05", "2024-03-05 14:05:00"),
        ("5 mrt. 2024 14:05", "2024-03-05 14:05:00"),
        ("5 mag 2024 14:05", "2024-05-05 14:05:00"),
        ("1er août 2024 08:00", "2024-08-01 08:00:00"),
        ("March 5th, 2024", "2024-03-05 00:00:00"),
        ("05-MAR-24 09.00.00", "2024-03-05 09:00:00"),
        ("Mar 5, 2024 10:00 AM +0100", "2024-03-05 09:00:00"),
        ("5 Mar 2024 09:00 GMT", "2024-03-05 09:00:00"),
        # Excel: real date cells and serials
        (datetime(2024, 3, 5, 9, 0), "2024-03-05 09:00:00"),
        (date(2024, 3, 5), "2024-03-05 00:00:00"),
        ("45356.375", "2024-03-05 09:00:00"),
    ],
)
def test_forms_are_read(cell: object, expected: str) -> None:
    parsed = _read([cell])
    assert parsed.code.tolist() == [""]
    assert parsed.text.tolist() == [expected]


@pytest.mark.parametrize(
    "cell",
    [
        "Ticket 12 March 2024",  # text before a date is not a weekday
        "12 jui 2024",  # juin or juillet: not said
        "29 Feb 2023",
        "31 Apr 2024 10:00",
        "Mar 2024",
        "5 March",
        "25/Mar/23 13:00 PM",
        "5 Smarch 2024",
        "Mon 2024-03-05",
        "5 Mar 2024 09:00 +2500",
    ],
)
def test_what_is_no_time_is_refused(cell: str) -> None:
    assert _read([cell]).code.tolist() == [Code.BAD_TIME]


@pytest.mark.parametrize(
    ("header", "cells", "expected"),
    [
        ("Created (epoch)", ["1709629200"], ["2024-03-05 09:00:00"]),
        ("created_unix_ms", ["1709629200000"], ["2024-03-05 09:00:00"]),
        ("Unix time", ["1709629200123"], ["2024-03-05 09:00:00"]),  # 13 digits: ms
        # one unit for the column: a seconds cell among milliseconds is no time
        ("epoch ms", ["1709629200000", "1709629200"], ["2024-03-05 09:00:00", ""]),
        ("Created at", ["1709629200"], [""]),  # the header does not say epoch
    ],
)
def test_unix_epochs_where_the_header_says_so(
    header: str, cells: list[str], expected: list[str]
) -> None:
    parsed = _read(cells, column=header, zone="Europe/Berlin")  # epochs are UTC instants
    assert parsed.text.tolist() == expected


# --- the month names of seven languages, as their products abbreviate them (CLDR) ---------

_ABBREVIATED = {
    "en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec",
    "de": "Jan. Feb. März Apr. Mai Juni Juli Aug. Sep. Okt. Nov. Dez.",
    "fr": "janv. févr. mars avr. mai juin juil. août sept. oct. nov. déc.",
    "es": "ene. feb. mar. abr. may. jun. jul. ago. sept. oct. nov. dic.",
    "nl": "jan. feb. mrt. apr. mei jun. jul. aug. sep. okt. nov. dec.",
    "pt": "jan. fev. mar. abr. mai. jun. jul. ago. set. out. nov. dez.",
    "it": "gen feb mar apr mag giu lug ago set ott nov dic",
}
_FULL = {
    "en": "January February March April May June July August September October November December",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
    "diciembre",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro "
    "dezembro",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre "
    "novembre dicembre",
}
_LAYOUTS = [
    "{d}/{mon}/{yy} {h12}:{mm} {ampm}",  # Jira
    "{d}. {mon} {yyyy} {HH}:{mm}",  # German
    "{d} {mon} {yyyy} {HH}:{mm}",  # French, Dutch, Italian
    "{d} de {mon} de {yyyy} {HH}:{mm}",  # Spanish, Portuguese
    "{mon} {d}, {yyyy} {h12}:{mm} {ampm}",  # US English
    "{dd}-{mon}-{yyyy} {HH}:{mm}:{ss}",
]


def _write(moment: datetime, layout: str, month: str) -> str:
    return layout.format(
        d=moment.day,
        dd=f"{moment.day:02}",
        mon=month,
        yy=f"{moment.year % 100:02}",
        yyyy=moment.year,
        h12=(moment.hour % 12) or 12,
        HH=f"{moment.hour:02}",
        mm=f"{moment.minute:02}",
        ss=f"{moment.second:02}",
        ampm="AM" if moment.hour < 12 else "PM",
    )


@settings(max_examples=80, deadline=None)
@given(
    language=st.sampled_from(sorted(_FULL)),
    full=st.booleans(),
    layout=st.sampled_from(_LAYOUTS),
    moments=st.lists(
        st.datetimes(min_value=datetime(2010, 1, 1), max_value=datetime(2030, 12, 31)),
        min_size=1,
        max_size=6,
    ),
)
def test_month_names_in_seven_languages_read_back_exactly(
    language: str, full: bool, layout: str, moments: list[datetime]
) -> None:
    names = (_FULL if full else _ABBREVIATED)[language].split()
    cells = [_write(m, layout, names[m.month - 1]) for m in moments]
    convention = detect_convention(cells, header="Created")
    assert convention is not None, cells
    assert convention.readable == len(cells)
    parsed = read_times(pd.Series(cells, dtype=object), convention)
    has_seconds = "{ss}" in layout
    expected = [m.replace(microsecond=0, second=m.second if has_seconds else 0) for m in moments]
    assert [t.to_pydatetime().replace(tzinfo=None) for t in parsed.utc] == expected


# --- which columns are time columns --------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "cells"),
    [
        ("Created", ["25/Mar/23 9:00 AM", "26/Mar/23 10:15 PM", "", "27/Mar/23 8:05 AM"]),
        ("Erstellt", ["5. März 2024 09:00", "6. März 2024 10:00", "7. März 2024 11:00"]),
        ("Date", ["2024-03-05T09:00:00Z", "2024-03-05 10:00", "2024-03-06 08:00:00.5"]),
        ("Opened", [datetime(2024, 3, 5, 9), datetime(2024, 3, 6, 9), None]),
        ("Created (epoch ms)", ["1709629200000", "1709715600000"]),
        # most cells: a stray text does not make the column less of a time column
        ("When", [*["13/03/2024 09:00"] * 9, "n/a"]),
    ],
)
def test_time_columns_are_detected(header: str, cells: list[object]) -> None:
    convention = detect_convention(cells, header=header)
    assert convention is not None
    assert convention.question == ""
    parsed = read_times(pd.Series(cells, dtype=object), convention, column=header)
    assert int(parsed.code.eq("").sum()) == convention.readable


@pytest.mark.parametrize(
    ("header", "cells"),
    [
        ("Subject", ["Printer on fire since 5 March 2024", "Refund for order 12", "Hi"]),
        ("Ticket ID", ["10234", "10235", "10236"]),  # bare numbers are ids, not serials
        ("Amount", ["45356.5", "12.25", "300"]),
        ("Requester", ["ann@example.com", "bob@example.com"]),
        ("When", ["13/03/2024 09:00", "n/a", "later", "soon"]),  # not most
        ("Empty", ["", "", None]),
    ],
)
def test_other_columns_are_not_time_columns(header: str, cells: list[object]) -> None:
    assert detect_convention(cells, header=header) is None


def test_an_undecided_order_is_a_question_and_plan_refuses_it() -> None:
    cells = ["03/04/2024 10:00", "05/06/2024 11:00"]
    convention = detect_convention(cells, header="Changed")
    assert convention is not None and convention.readable == 2
    assert convention.dayfirst is None
    assert "input.dayfirst" in convention.question
    with pytest.raises(TwoReadings, match=r"input\.dayfirst"):
        read_times(pd.Series(cells), convention)
    answered = detect_convention(cells, header="Changed", dayfirst=True)
    assert answered is not None and answered.question == ""
    assert read_times(pd.Series(cells), answered).text.tolist() == [
        "2024-04-03 10:00:00",
        "2024-06-05 11:00:00",
    ]


def test_the_convention_counts_offsets_and_shows_an_example() -> None:
    convention = read_convention(
        ["2024-03-05T09:00:00Z", "2024-03-05T09:00:00+01:00", "2024-03-05 09:00"],
        header="Updated",
    )
    assert (convention.filled, convention.readable, convention.offsets) == (3, 3, 2)
    assert convention.example == "2024-03-05T09:00:00Z"


@settings(max_examples=40, deadline=None)
@given(
    cells=st.lists(
        st.sampled_from(
            [
                "25/Mar/23 9:00 AM",
                "5. März 2024 09:00",
                "13/03/2024 10:00",
                "2024-03-05T09:00:00Z",
                "Mar 5, 2024 9:00 AM",
                "Refund for order 12",
                "12345",
                "",
                "n/a",
            ]
        ),
        min_size=1,
        max_size=10,
    )
)
def test_init_and_plan_agree_on_every_column(cells: list[str]) -> None:
    """What init counts as times is what plan reads: a column init takes for a time column
    has at least that many cells plan reads without a problem."""
    convention = read_convention(cells, header="At")
    parsed = _read(cells, column="At", dayfirst=True)
    assert convention.readable <= int(parsed.code.eq("").sum())
    detected = detect_convention(cells, header="At")
    if detected is not None:
        assert detected.readable >= 0.8 * detected.filled


def test_init_maps_a_jira_changelog_time_column() -> None:
    """Jira's own date form is a time column to init as it is to plan (issue 17)."""
    frame = pd.DataFrame(
        {
            "Issue key": ["SD-1", "SD-1", "SD-2", "SD-2"],
            "Field": ["status", "status", "status", "assignee"],
            "From": ["Open", "In Progress", "Open", ""],
            "To": ["In Progress", "Resolved", "Resolved", "ann"],
            "Created": [
                "25/Mar/23 9:00 AM",
                "26/Mar/23 2:15 PM",
                "27/Mar/23 10:00 AM",
                "27/Mar/23 11:30 AM",
            ],
        }
    )
    inspection = inspect_frame(frame)
    assert inspection.columns["happened_at"].column == "Created"
    assert not any("happened_at" in todo for todo in inspection.todos)
