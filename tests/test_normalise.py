"""Parsers of backfill/plan/normalise.py, over cell values as real exports write them."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backfill.plan import normalise
from backfill.plan.vocabulary import status_hint


def _times(values, **options) -> normalise.ParsedTimes:
    return normalise.parse_times(pd.Series(values, dtype=object), **options)


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
    status, bad = normalise.normalise_statuses(pd.Series([raw]))
    assert status.tolist() == [expected]
    assert not bad.any()


@pytest.mark.parametrize("raw", ["snoozed", "postponed", "", "5", "opn", "not solved"])
def test_unknown_statuses_are_reported_not_guessed(raw: str) -> None:
    status, bad = normalise.normalise_statuses(pd.Series([raw]))
    assert status.tolist() == [""]
    assert bad.tolist() == [True]


def test_status_map_is_case_insensitive_and_overrides_builtins() -> None:
    mapping = {"Solved": "closed", "Working on it": "progress", "OPEN": "progress"}
    status, bad = normalise.normalise_statuses(
        pd.Series(["solved", "WORKING ON IT", "working_on_it", "open", "closed"]), mapping
    )
    assert status.tolist() == ["closed", "progress", "progress", "progress", "closed"]
    assert not bad.any()


@pytest.mark.parametrize(("raw", "expected"), [("0", "0"), ("7", "7"), ("42", "42"), ("7.0", "7")])
def test_extended_statuses_pass_integers_through(raw: str, expected: str) -> None:
    status, bad = normalise.normalise_statuses(pd.Series([raw]), extended=True)
    assert status.tolist() == [expected]
    assert not bad.any()


def test_extended_statuses_refuse_three_digits() -> None:
    _, bad = normalise.normalise_statuses(pd.Series(["100"]), extended=True)
    assert bad.tolist() == [True]


def test_unknown_status_message_says_plainly_it_cannot_guess() -> None:
    assert status_hint("Snoozed") == (
        "unknown status 'Snoozed'; backfill cannot tell what it means: map it to open, "
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
        ("31/07/2023 08:50", False, "2023-07-31 08:50:00"),  # only one reading possible
    ],
)
def test_day_month_forms(raw: str, dayfirst: bool, expected: str) -> None:
    assert _times([raw], dayfirst=dayfirst).text.tolist() == [expected]


def test_date_format_is_used_strictly() -> None:
    parsed = _times(["31/07/2023 08:50", "2023-07-31 08:50:15"], date_format="%d/%m/%Y %H:%M")
    assert parsed.text.tolist() == ["2023-07-31 08:50:00", ""]
    assert parsed.code.tolist() == ["", normalise.BAD]


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
        ("2023-03-26 02:30:00", normalise.NONEXISTENT),  # Amsterdam: 02:00 -> 03:00
        ("2023-10-29 02:30:00", normalise.AMBIGUOUS),  # Amsterdam: 03:00 -> 02:00
        ("26/03/2023 02:15", normalise.NONEXISTENT),
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
    assert _times([raw]).code.tolist() == [normalise.BAD]


def test_short_iso_texts_are_no_time_among_midnights() -> None:
    """ISO 8601 reads "2023" and "20230731" as midnights: short texts are refused, while
    real midnights (a date alone, 00:00:00, before 1970) stay, in one column or alone."""
    cells = ["2023-07-31", "2023", "2023-08-01 00:00:00", "20230731", "1969-12-31 00:00:00"]
    expected_codes = ["", normalise.BAD, "", normalise.BAD, ""]
    texts = ["2023-07-31 00:00:00", "", "2023-08-01 00:00:00", "", "1969-12-31 00:00:00"]
    parsed = _times(cells)
    assert parsed.code.tolist() == expected_codes
    assert parsed.text.tolist() == texts
    assert [_times([cell]).code.iloc[0] for cell in cells] == expected_codes


@pytest.mark.parametrize("raw", ["", "   ", None, float("nan")])
def test_empty_times_are_missing(raw: object) -> None:
    assert _times([raw]).code.tolist() == [normalise.MISSING]


def test_time_messages_name_the_value_and_the_fix() -> None:
    assert normalise.time_message(
        normalise.AMBIGUOUS, "2023-10-29 02:30", "Europe/Amsterdam", None
    ) == (
        "'2023-10-29 02:30' happened twice in Europe/Amsterdam (the clocks went back); "
        "give it with an offset such as +01:00 or +02:00 to say which"
    )
    assert "input.date_format" in normalise.time_message(normalise.BAD, "x", "UTC", None)


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
    assignee, flagged, message = normalise.normalise_assignees(pd.Series([raw]))
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
    assert normalise.normalise_notes(pd.Series([raw], dtype=object)).tolist() == [expected]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("00123", "00123"),
        (" 995262 ", "995262"),
        ("123456789012345678901", "123456789012345678901"),
    ],
)
def test_case_ids_keep_their_digits(raw: str, expected: str) -> None:
    assert normalise.normalise_ids(pd.Series([raw])).tolist() == [expected]


@pytest.mark.parametrize(
    "cells",
    [
        ["b", " a", "a ", "", "10", "9", "b"],
        ["Zürich", "zurich", "Ä", "a", "é"],
        ["x" * 80, "x" * 79, "y", "x" * 80],  # too long for the fixed-width sort
        ["a\x00", "a", "a\x00b", "a"],  # NUL: numpy's strings would drop the trailing one
    ],
)
def test_case_keys_sort_as_the_ids_and_merge_trimmed_cells(cells: list[str]) -> None:
    keys, ids = normalise.case_keys(pd.Series(cells, dtype=object))
    assert ids.tolist() == sorted({c.strip() for c in cells})
    assert [ids[k] for k in keys] == [c.strip() for c in cells]


_NUMBER_IDS = st.one_of(
    st.integers(0, 10**17).map(str),
    st.integers(10**7, 10**8 - 1).map(str),  # one width, as most exports have
    st.integers(0, 10**19).map(str),  # too long for the arithmetic
    st.sampled_from(["", "0", "007", "00", " 12", "12 ", "1", "10", "9", "1e3", "٣"]),
)


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.lists(st.text(max_size=6), max_size=30),
        st.lists(_NUMBER_IDS, max_size=40),  # the arithmetic path for plain numbers, or not
        st.lists(st.integers(10**7, 10**8 - 1).map(str), min_size=1, max_size=40),
    )
)
def test_case_keys_match_a_sorted_factorize(cells: list[str]) -> None:
    keys, ids = normalise.case_keys(pd.Series(cells, dtype=object))
    expected_keys, expected_ids = pd.factorize(
        np.array([c.strip() for c in cells], dtype=object), sort=True
    )
    assert ids.tolist() == list(expected_ids)
    assert keys.tolist() == expected_keys.tolist()


def test_plain_number_ids_take_the_arithmetic_path() -> None:
    cells = np.array(["10", "9", "", "1", "10", "10000000000000000"], dtype=object)
    keys, ids = normalise._number_case_keys(cells)
    assert ids.tolist() == ["", "1", "10", "10000000000000000", "9"]
    assert keys.tolist() == [2, 4, 0, 1, 2, 3]
    for other in (["007", "1"], [" 1", "2"], ["1", "x"], ["1" * 18]):
        assert normalise._number_case_keys(np.array(other, dtype=object)) is None


def test_format_times_in_a_zone() -> None:
    stamps = pd.Series(
        [pd.Timestamp("2023-07-31 08:50:15", tz="UTC"), pd.NaT], dtype="datetime64[us, UTC]"
    )
    assert normalise.format_times(stamps, "Asia/Kolkata").tolist() == ["2023-07-31 14:20:15", ""]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31)),
        ),
        max_size=30,
    )
)
def test_format_times_writes_what_numpy_writes(moments: list[datetime | None]) -> None:
    """The digits computed by arithmetic are numpy's ISO text, "T" made a space (leap days,
    centuries, times before 1970 included)."""
    stamps = pd.Series(
        [pd.Timestamp(m, tz="UTC") if m else pd.NaT for m in moments],
        dtype="datetime64[us, UTC]",
    )
    seconds = stamps.dt.tz_localize(None).to_numpy().astype("datetime64[s]")
    expected = [
        "" if pd.isna(m) else text.replace("T", " ")
        for m, text in zip(moments, np.datetime_as_string(seconds, unit="s"), strict=True)
    ]
    assert normalise.format_times(stamps, "UTC").tolist() == expected


def test_format_times_outside_four_digit_years() -> None:
    stamps = pd.Series(
        [pd.Timestamp("0999-12-31 23:59:59", tz="UTC"), pd.Timestamp("2000-02-29", tz="UTC")],
        dtype="datetime64[us, UTC]",
    )
    assert normalise.format_times(stamps, "UTC").tolist() == [
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
    assignee, bad, message = normalise.normalise_assignees(pd.Series(raw, dtype=object))
    assert assignee.tolist() == [v.strip() for v in raw]
    assert bad.tolist() == [False, False, True, False, False, False, True]
    assert message[bad].str.startswith("assignee 'bad@' is not a valid e-mail address").all()
    notes = pd.Series(["  ", "\n\t", "", "keep  ", " spaced ", "  "], dtype=object)
    assert normalise.normalise_notes(notes).tolist() == ["", "", "", "keep  ", " spaced ", ""]
    assert notes.tolist()[0] == "  "  # the input column is not changed


@settings(max_examples=40, deadline=None)
@given(cells=st.lists(st.sampled_from(_MIXED_CELLS), min_size=1, max_size=12))
def test_unreadable_times_are_those_with_a_problem_other_than_missing(cells: list[str]) -> None:
    parsed = _times(cells, zone="Europe/Amsterdam")
    codes = parsed.code.to_numpy()
    assert parsed.unreadable().tolist() == ((codes != "") & (codes != normalise.MISSING)).tolist()


@settings(max_examples=40, deadline=None)
@given(
    cells=st.lists(st.sampled_from(_MIXED_CELLS), min_size=1, max_size=12),
    zones=st.sampled_from(
        [("UTC", "UTC"), ("Europe/Amsterdam", "Europe/Amsterdam"), ("UTC", "Asia/Tokyo")]
    ),
    data=st.data(),
)
def test_text_of_some_rows_is_their_text_prepared_or_not(
    cells: list[str], zones: tuple[str, str], data: st.DataObject
) -> None:
    rows = np.array(
        data.draw(st.lists(st.integers(0, len(cells) - 1), max_size=len(cells))), dtype=np.intp
    )
    zone, output_zone = zones
    lazy = _times(cells, zone=zone, output_zone=output_zone)
    prepared = _times(cells, zone=zone, output_zone=output_zone)
    prepared.prepare_text()
    whole = lazy.text.tolist()
    assert prepared.text_of(None).tolist() == whole
    assert (
        lazy.text_of(rows).tolist() == prepared.text_of(rows).tolist() == [whole[i] for i in rows]
    )
    expected = normalise.format_times(lazy.utc, output_zone).tolist()
    assert whole == expected
