"""The cell parsers of backfill/plan (statuses, times, ids, notes, assignees), over cell
values as real exports write them."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backfill.codes import Code
from backfill.plan import cells, statuses, times
from backfill.plan.vocabulary import status_hint


def _times(values, **options) -> times.ParsedTimes:
    return times.parse_times(pd.Series(values, dtype=object), **options)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("open", "open"),
        ("OPEN", "open"),
        (" Opened ", "open"),
        ("re-open", "open"),
        ("Reopened", "open"),
        ("progress", "progress"),
        ("IN-PROGRESS", "progress"),
        ("In Progress", "progress"),
        ("in_progress", "progress"),
        ("INPROGRESS", "progress"),
        ("in  progress", "progress"),
        ("CLOSE", "closed"),
        ("Closed", "closed"),
        ("closed\t", "closed"),
    ],
)
def test_builtin_status_aliases(raw: str, expected: str) -> None:
    status, bad = statuses.normalise_status(pd.Series([raw]))
    assert status.tolist() == [expected]
    assert not bad.any()


@pytest.mark.parametrize("raw", ["parked", "postponed", "", "5", "opn", "not solved"])
def test_unknown_statuses_are_reported_not_guessed(raw: str) -> None:
    status, bad = statuses.normalise_status(pd.Series([raw]))
    assert status.tolist() == [""]
    assert bad.tolist() == [True]


def test_status_map_is_case_insensitive_and_overrides_builtins() -> None:
    mapping = {"Solved": "closed", "Working on it": "progress", "OPEN": "progress"}
    status, bad = statuses.normalise_status(
        pd.Series(["solved", "WORKING ON IT", "working_on_it", "open", "closed"]), mapping
    )
    assert status.tolist() == ["closed", "progress", "progress", "progress", "closed"]
    assert not bad.any()


@pytest.mark.parametrize(("raw", "expected"), [("0", "0"), ("7", "7"), ("42", "42"), ("7.0", "7")])
def test_extended_statuses_pass_integers_through(raw: str, expected: str) -> None:
    status, bad = statuses.normalise_status(pd.Series([raw]), extended=True)
    assert status.tolist() == [expected]
    assert not bad.any()


def test_extended_statuses_refuse_three_digits() -> None:
    _, bad = statuses.normalise_status(pd.Series(["100"]), extended=True)
    assert bad.tolist() == [True]


def test_unknown_status_message_says_plainly_it_cannot_guess() -> None:
    assert status_hint("Parked") == (
        "unknown status 'Parked'; backfill cannot tell what it means: map it to open, "
        "progress or closed in the config (input.status_map)"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2023-07-31 08:50:15", "2023-07-31 08:50:15"),
        ("2023-07-31 08:50", "2023-07-31 08:50:00"),
        ("2023-07-31T08:50:15", "2023-07-31 08:50:15"),
        ("2023-07-31T08:50:15.987", "2023-07-31 08:50:15"),
        ("  2023-07-31 08:50:15 ", "2023-07-31 08:50:15"),
        ("2023-07-31T10:50:15+02:00", "2023-07-31 08:50:15"),
        ("2023-07-31T08:50:15Z", "2023-07-31 08:50:15"),
        ("2023-07-31 03:50:15-0500", "2023-07-31 08:50:15"),
        ("45138.5", "2023-07-31 12:00:00"),
        ("45138.36822917", "2023-07-31 08:50:15"),
        (datetime(2023, 7, 31, 8, 50, 15), "2023-07-31 08:50:15"),
        (pd.Timestamp("2023-07-31 08:50:15"), "2023-07-31 08:50:15"),
        (date(2023, 7, 31), "2023-07-31 00:00:00"),
        ("31 July 2023 8:50", "2023-07-31 08:50:00"),
    ],
)
def test_time_forms_in_utc(raw: object, expected: str) -> None:
    parsed = _times([raw])
    assert parsed.code.tolist() == [""]
    assert parsed.text.tolist() == [expected]


def test_mixed_offsets_and_naive_times_in_one_column() -> None:
    parsed = _times(["2023-07-31T10:50:15+02:00", "2023-07-31 08:50:15", "2023-07-31T08:50Z"])
    assert parsed.text.tolist() == [
        "2023-07-31 08:50:15",
        "2023-07-31 08:50:15",
        "2023-07-31 08:50:00",
    ]


@pytest.mark.parametrize(
    ("raw", "dayfirst", "expected"),
    [
        ("03/04/2023 10:00", True, "2023-04-03 10:00:00"),
        ("03/04/2023 10:00", False, "2023-03-04 10:00:00"),
        ("03-04-2023", True, "2023-04-03 00:00:00"),
        ("03.04.2023 10:00:05", True, "2023-04-03 10:00:05"),
        ("31/07/2023 08:50", None, "2023-07-31 08:50:00"),  # the cell decides: day first
        ("07/31/2023 8:50 PM", None, "2023-07-31 20:50:00"),
    ],
)
def test_day_month_forms(raw: str, dayfirst: bool | None, expected: str) -> None:
    assert _times([raw], dayfirst=dayfirst).text.tolist() == [expected]


def test_date_format_is_used_strictly() -> None:
    parsed = _times(["31/07/2023 08:50", "2023-07-31 08:50:15"], date_format="%d/%m/%Y %H:%M")
    assert parsed.text.tolist() == ["2023-07-31 08:50:00", ""]
    assert parsed.code.tolist() == ["", Code.BAD_TIME]


def test_date_format_with_offset_gives_exact_instants() -> None:
    parsed = _times(["31/07/2023 10:50 +0200"], date_format="%d/%m/%Y %H:%M %z", zone="Asia/Tokyo")
    assert parsed.text.tolist() == ["2023-07-31 08:50:00"]


def test_naive_times_are_read_in_the_input_zone_and_sent_in_the_api_zone() -> None:
    parsed = _times(
        ["2023-07-31 10:50:15", "2023-01-31 10:50:15"],
        zone="Europe/Amsterdam",
        output_zone="America/New_York",
    )
    assert parsed.text.tolist() == ["2023-07-31 04:50:15", "2023-01-31 04:50:15"]
    assert parsed.utc.tolist() == [
        pd.Timestamp("2023-07-31 08:50:15", tz="UTC"),
        pd.Timestamp("2023-01-31 09:50:15", tz="UTC"),
    ]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("2023-03-26 02:30:00", Code.NONEXISTENT_LOCAL_TIME),  # Amsterdam: 02:00 -> 03:00
        ("2023-10-29 02:30:00", Code.AMBIGUOUS_LOCAL_TIME),  # Amsterdam: 03:00 -> 02:00
        ("26/03/2023 02:15", Code.NONEXISTENT_LOCAL_TIME),
    ],
)
def test_dst_gaps_and_overlaps_are_reported_never_shifted(raw: str, code: str) -> None:
    parsed = _times([raw], zone="Europe/Amsterdam", dayfirst=True)
    assert parsed.code.tolist() == [code]
    assert parsed.text.tolist() == [""]
    assert parsed.utc.isna().all()


def test_an_offset_resolves_a_dst_overlap() -> None:
    parsed = _times(["2023-10-29T02:30:00+01:00"], zone="Europe/Amsterdam")
    assert parsed.code.tolist() == [""]
    assert parsed.text.tolist() == ["2023-10-29 01:30:00"]


@pytest.mark.parametrize(
    "raw",
    [
        "tomorrow",
        "2023",
        "31/31/2023",
        "2023-02-30 10:00",
        "12345x",
        # no day, or no year: dateutil would take the missing part from today
        "2023-07",
        "July 2023",
        "31 July",
        "7/2023",
    ],
)
def test_unreadable_times(raw: str) -> None:
    assert _times([raw]).code.tolist() == [Code.BAD_TIME]


def test_short_iso_texts_are_no_time_among_midnights() -> None:
    """ISO 8601 reads "2023" and "20230731" as midnights: short texts are refused, while
    real midnights (a date alone, 00:00:00, before 1970) stay, in one column or alone."""
    cells = ["2023-07-31", "2023", "2023-08-01 00:00:00", "20230731", "1969-12-31 00:00:00"]
    expected_codes = ["", Code.BAD_TIME, "", Code.BAD_TIME, ""]
    texts = ["2023-07-31 00:00:00", "", "2023-08-01 00:00:00", "", "1969-12-31 00:00:00"]
    parsed = _times(cells)
    assert parsed.code.tolist() == expected_codes
    assert parsed.text.tolist() == texts
    assert [_times([cell]).code.iloc[0] for cell in cells] == expected_codes


@pytest.mark.parametrize("raw", ["", "   ", None, float("nan")])
def test_empty_times_are_missing(raw: object) -> None:
    assert _times([raw]).code.tolist() == [Code.MISSING_TIME]


def test_time_messages_name_the_value_and_the_fix() -> None:
    assert times.time_message(
        Code.AMBIGUOUS_LOCAL_TIME, "2023-10-29 02:30", "Europe/Amsterdam", None
    ) == (
        "'2023-10-29 02:30' happened twice in Europe/Amsterdam (the clocks went back); "
        "give it with an offset such as +01:00 or +02:00 to say which"
    )
    assert "input.date_format" in times.time_message(Code.BAD_TIME, "x", "UTC", None)


@pytest.mark.parametrize(
    ("raw", "expected", "bad"),
    [
        (" alice.martin@example.com ", "alice.martin@example.com", False),
        ("Bram.de.Vries+cg@sub.example.co.uk", "Bram.de.Vries+cg@sub.example.co.uk", False),
        ("", "", False),
        ("alice.martin@", "alice.martin@", True),
        ("alice martin@example.com", "alice martin@example.com", True),
        ("Alice Martin", "Alice Martin", True),
    ],
)
def test_assignees_are_trimmed_and_syntax_checked(raw: str, expected: str, bad: bool) -> None:
    assignee, flagged, message = cells.normalise_assignees(pd.Series([raw]))
    assert assignee.tolist() == [expected]
    assert flagged.tolist() == [bad]
    assert bool(message.iloc[0]) is bad


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('Customer wrote back "thanks, all good"', 'Customer wrote back "thanks, all good"'),
        ("Zeile 1\nZeile 2\r\n  eingerückt", "Zeile 1\nZeile 2\r\n  eingerückt"),
        ("  leading and trailing  ", "  leading and trailing  "),
        ("Ünïcödé – 日本語 ✓", "Ünïcödé – 日本語 ✓"),
        ("", ""),
        ("   ", ""),
        (None, ""),
    ],
)
def test_notes_are_kept_verbatim(raw: object, expected: str) -> None:
    assert cells.normalise_notes(pd.Series([raw], dtype=object)).tolist() == [expected]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("00123", "00123"),
        (" 995262 ", "995262"),
        ("123456789012345678901", "123456789012345678901"),
    ],
)
def test_case_ids_keep_their_digits(raw: str, expected: str) -> None:
    assert cells.normalise_ids(pd.Series([raw])).tolist() == [expected]


@pytest.mark.parametrize(
    "values",
    [
        ["b", " a", "a ", "", "10", "9", "b"],
        ["Zürich", "zurich", "Ä", "a", "é"],
        ["x" * 80, "x" * 79, "y", "x" * 80],
        ["a\x00", "a", "a\x00b", "a"],
    ],
)
def test_case_keys_sort_as_the_ids_and_merge_trimmed_cells(values: list[str]) -> None:
    keys, ids = cells.case_keys(pd.Series(values, dtype=object))
    assert ids.tolist() == sorted({c.strip() for c in values})
    assert [ids[k] for k in keys] == [c.strip() for c in values]


def test_format_times_in_a_zone() -> None:
    stamps = pd.Series(
        [pd.Timestamp("2023-07-31 08:50:15", tz="UTC"), pd.NaT], dtype="datetime64[us, UTC]"
    )
    assert times.format_times(stamps, "Asia/Kolkata").tolist() == ["2023-07-31 14:20:15", ""]


def test_format_times_outside_four_digit_years() -> None:
    stamps = pd.Series(
        [pd.Timestamp("0999-12-31 23:59:59", tz="UTC"), pd.Timestamp("2000-02-29", tz="UTC")],
        dtype="datetime64[us, UTC]",
    )
    assert times.format_times(stamps, "UTC").tolist() == [
        "0999-12-31 23:59:59",
        "2000-02-29 00:00:00",
    ]


_MIXED_CELLS = [
    "2023-07-31 08:50:15",
    " 2023-07-31 08:50:15 ",
    "2023-07-31T08:50:15",
    "2023-07-31 08:50:15.75",
    "2023-07-31 08:50:15+02:00",
    "2023-07-31T06:50:15Z",
    "31/07/2023 08:50",
    "07/31/2023",
    "45000.25",
    "2021",
    "20230731",
    "2023-03-26 02:30:00",
    "2023-10-29 02:30:00",
    "2023-02-30 10:00:00",
    "31 July 2023 8:50",
    "",
    "garbage",
]


@settings(max_examples=60, deadline=None)
@given(
    cells=st.lists(st.sampled_from(_MIXED_CELLS), min_size=1, max_size=12),
    zone=st.sampled_from(["UTC", "Europe/Amsterdam"]),
    dayfirst=st.booleans(),
)
def test_a_column_parses_as_its_cells_would_alone(
    cells: list[str], zone: str, dayfirst: bool
) -> None:
    """The vectorised passes (ISO 8601 first, then serials, d/m/Y, dateutil) never let one
    cell change how another is read."""
    whole = _times(cells, zone=zone, dayfirst=dayfirst)
    for i, cell in enumerate(cells):
        alone = _times([cell], zone=zone, dayfirst=dayfirst)
        assert whole.code.iloc[i] == alone.code.iloc[0], cell
        assert whole.text.iloc[i] == alone.text.iloc[0], cell
        assert str(whole.utc.iloc[i]) == str(alone.utc.iloc[0]), cell


def test_assignees_and_notes_of_a_whole_column() -> None:
    """Repeated and padded cells, blanks and a bad address in one column: each row gets its
    own trimmed value and verdict (the values are worked out once per distinct cell)."""
    raw = [" ann@example.com", "ann@example.com ", "bad@", "", "  ", "bo@example.com", "bad@"]
    assignee, bad, message = cells.normalise_assignees(pd.Series(raw, dtype=object))
    assert assignee.tolist() == [v.strip() for v in raw]
    assert bad.tolist() == [False, False, True, False, False, False, True]
    assert message[bad].str.startswith("assignee 'bad@' is not a valid e-mail address").all()
    notes = pd.Series(["  ", "\n\t", "", "keep  ", " spaced ", "  "], dtype=object)
    assert cells.normalise_notes(notes).tolist() == ["", "", "", "keep  ", " spaced ", ""]
    assert notes.tolist()[0] == "  "  # the input column is not changed


@settings(max_examples=40, deadline=None)
@given(cells=st.lists(st.sampled_from(_MIXED_CELLS), min_size=1, max_size=12))
def test_unreadable_times_are_those_with_a_problem_other_than_missing(cells: list[str]) -> None:
    parsed = _times(cells, zone="Europe/Amsterdam", dayfirst=True)  # (07/31/2023: unreadable)
    codes = parsed.code.to_numpy()
    assert parsed.unreadable().tolist() == ((codes != "") & (codes != Code.MISSING_TIME)).tolist()
