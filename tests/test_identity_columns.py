"""Identities computed column by column are byte for byte those of the per-row code.

Journals written by released versions must still recognise their actions, so the columnar
`plan_identities` is checked against the per-row path it replaced (kept here as the oracle,
over `content_identity`, which is the definition) on an input made to be awkward: unicode,
quotes, backslashes, line breaks and control characters in notes, empty assignees, UTC
offsets and another `api.timezone`, and identical actions kept twice.
"""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backfill.config import config_from_dict
from backfill.model import ASSIGNEE, CASE, HAPPENED_TS, NOTE, OUTCOME, STATUS, TIME_FORMAT
from backfill.plan.build import Plan, build_plan
from backfill.plan.identity import (
    assign_identities,
    fingerprint,
    json_escaped,
    plan_contents,
    plan_identities,
    utc_text,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)
HEADER = ["number_customergauge", "status", "happened_at", "note", "assignee", "response_date"]
NOTES = [
    "",
    "plain",
    'she said "fine"',
    "back\\slash and C:\\temp\\",
    "two\nlines",
    "windows\r\nbreak",
    "tab\there",
    "bell\x07 and escape\x1b",
    "form\x0cfeed",
    "Café Rösti — 25 €",
    "中文备注",
    "party 🎉 time",
    "line\u2028separator",
    "   leading spaces kept",
    'ends with a quote"',
    "/slashes/ and <html> & 'single'",
]
ASSIGNEES = ["alice.martin@example.com", "", "bram.devries@example.com", "zoë@example.com"]
STAMPS = [
    "2023-01-29 10:20:44",
    "2023-02-03T18:09:46Z",
    "2023-03-26 01:30:00",  # the night European clocks go forward
    "2023-10-29 02:30:00",  # and back
    "2023-06-01T12:00:00+02:00",
    "2023-07-04 09:15:00 -05:00",
]


def _varied_input(folder: Path) -> Path:
    path = folder / "varied.csv"
    rows: list[list[str]] = []
    for case in range(40):
        number = str(53_000 + case)
        for step in range(6):
            index = case * 6 + step
            rows.append(
                [
                    number,
                    ["open", "progress", "closed"][step % 3],
                    f"2023-0{1 + step}-{10 + case % 18:02d} 0{step}:1{case % 10}:00",
                    NOTES[index % len(NOTES)],
                    ASSIGNEES[index % len(ASSIGNEES)],
                    "2023-01-01 08:00:00",
                ]
            )
        if case % 4 == 0:  # the same action twice: `duplicates: keep` sends both
            rows.append(list(rows[-1]))
    for index, stamp in enumerate(STAMPS):
        rows.append(["60001", "progress", stamp, NOTES[index], ASSIGNEES[index % 2], ""])
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def per_row_identities(plan: Plan) -> pd.Series:
    """The released `plan_identities`, one row at a time: the oracle."""
    rows = plan.frame[plan.frame[OUTCOME].eq("")]
    happened = utc_text(rows[HAPPENED_TS])
    items = zip(
        rows.index,
        rows[CASE],
        rows[STATUS],
        happened.where(happened.ne(""), None),
        rows[NOTE],
        rows[ASSIGNEE],
        strict=True,
    )
    identities = assign_identities(
        (int(key), str(case), str(status), when, note or None, assignee or None)
        for key, case, status, when, note, assignee in items
    )
    return pd.Series(identities, dtype=object)


SETTINGS: list[dict[str, Any]] = [
    {"validation": {"duplicates": "keep"}},
    {"validation": {"duplicates": "keep"}, "api": {"timezone": "Europe/Amsterdam"}},
    {"validation": {"duplicates": "keep"}, "api": {"timezone": "America/New_York"}},
    {"validation": {"duplicates": "drop"}, "send": {"assignee": "never"}},
]


@pytest.fixture(scope="module")
def varied(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _varied_input(tmp_path_factory.mktemp("varied"))


@pytest.mark.parametrize("settings", SETTINGS, ids=str)
def test_columnar_identities_equal_the_per_row_ones(varied: Path, settings: dict[str, Any]) -> None:
    plan = build_plan([varied], config_from_dict(settings), now=NOW)
    expected = per_row_identities(plan)
    found = plan_identities(plan)
    assert len(expected) > 200
    assert found.index.tolist() == expected.index.tolist()
    assert found.tolist() == expected.tolist()
    # the input really is awkward: every note reaches an identity, and some twice
    sent_notes = set(plan.frame.loc[found.index, NOTE])
    assert sent_notes >= {note for note in NOTES if note.strip()}


def test_identities_are_those_the_released_version_wrote(varied: Path) -> None:
    """The digest of every identity of the varied input under Amsterdam time, as the
    released (per-row) version computed them: a journal it wrote is still recognised."""
    config = config_from_dict(SETTINGS[1])
    identities = plan_identities(build_plan([varied], config, now=NOW))
    together = hashlib.sha256("\n".join(identities.tolist()).encode()).hexdigest()
    assert together == RELEASED_DIGEST


RELEASED_DIGEST = "7b8bebbf5f38fe16e1af976b7881cb5d8120174635b10084c8814250880ee05b"


def test_kept_duplicates_get_their_own_identity(varied: Path) -> None:
    plan = build_plan([varied], config_from_dict(SETTINGS[0]), now=NOW)
    identities = plan_identities(plan)
    assert identities.is_unique
    rows = plan.frame.loc[identities.index, [CASE, STATUS, HAPPENED_TS, NOTE, ASSIGNEE]]
    assert rows.duplicated().sum() == 10  # one per fourth case of the 40


def test_contents_are_the_per_row_fingerprints(varied: Path) -> None:
    plan = build_plan([varied], config_from_dict(SETTINGS[0]), now=NOW)
    rows = plan.frame[plan.frame[OUTCOME].eq("")]
    expected = {
        int(key): (fingerprint(note), fingerprint(assignee))
        for key, note, assignee in zip(rows.index, rows[NOTE], rows[ASSIGNEE], strict=True)
    }
    assert plan_contents(plan) == expected


@given(st.lists(st.text(), max_size=30))
def test_json_escaped_writes_what_json_dumps_writes(texts: list[str]) -> None:
    written = json_escaped(pd.Series(texts, dtype="str"))
    assert [f'"{text}"' for text in written] == [json.dumps(t, ensure_ascii=False) for t in texts]


@given(
    st.lists(
        st.none()
        | st.datetimes(
            min_value=datetime(1, 1, 2),
            max_value=datetime(9999, 12, 30),
            timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30))]),
        ),
        max_size=20,
    )
)
def test_utc_text_writes_what_pandas_strftime_writes(stamps: list[datetime | None]) -> None:
    column = pd.to_datetime(pd.Series(stamps, dtype=object), utc=True)
    expected = column.dt.strftime(TIME_FORMAT).fillna("")
    assert utc_text(column).tolist() == expected.tolist()
