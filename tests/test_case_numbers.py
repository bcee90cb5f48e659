"""One case per number (issue 29): `0123` and `123` are one case, sent under one spelling
(its longest: 0123) in one lane in time order, across rows and input files; the reports keep
each row's id as written, and a journal written before still knows what it sent."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from backfill.config import config_from_dict
from backfill.errors import ExitStatus
from backfill.model import CASE, CASE_SEQ, STATUS
from backfill.plan.build import build_plan
from backfill.plan.cells import case_keys, case_numbers
from backfill.plan.files import plan_table
from backfill.plan.identity import content_identity, plan_identities
from backfill.runner.run import run
from backfill.sandbox import SandboxSettings, ThreadedSandbox
from tests.runner_helpers import (
    RESPONSE_AT,
    applied,
    puts,
    sandbox_config,
    use_credentials,
    write_rows,
    yes,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def action(case: str, status: str, at: str, note: str) -> dict[str, str]:
    return {"number_customergauge": case, "status": status, "happened_at": at, "note": note}


# the same survey response, once as the spreadsheet kept it and once as it dropped the zero
SPLIT = [
    action("123", "closed", "2023-03-03 10:00:00", "solved"),
    action("0123", "open", "2023-03-01 10:00:00", "opened"),
    action("987", "open", "2023-03-01 11:00:00", "another case"),
    action("0123", "progress", "2023-03-02 10:00:00", "working on it"),
]


def quiet(_: str) -> None:
    pass


@pytest.mark.parametrize(
    ("written", "number"),
    [
        ("0123", "123"),
        (" 00123 ", "123"),
        ("000", "0"),
        ("53499", "53499"),
        ("012345678901234567890123", "12345678901234567890123"),  # beyond int64: still text
        ("T-0123", "T-0123"),  # not digits only: as written
        ("١٢٣", "١٢٣"),  # other scripts' digits are no CustomerGauge number
        ("", ""),
    ],
)
def test_digit_ids_are_their_number(written: str, number: str) -> None:
    assert case_numbers(pd.Series([written], dtype=object)).tolist() == [number]


def test_zero_padded_and_plain_ids_are_one_case_in_time_order(tmp_path: Path) -> None:
    data = write_rows(tmp_path / "history.csv", SPLIT)
    plan = build_plan([data], config_from_dict({}), now=NOW)
    case = plan.frame[plan.frame[CASE].eq("0123")]
    assert case[STATUS].tolist() == ["open", "progress", "closed"]
    assert case[CASE_SEQ].tolist() == [1, 2, 3]
    assert case["number_customergauge"].tolist() == ["0123", "0123", "123"]  # as written
    lanes = plan.actions_by_case()
    assert [[a.case for a in lane] for lane in lanes] == [["0123"] * 3, ["987"]]
    assert plan.cases["number_customergauge"].tolist() == ["0123", "987"]
    # plan.csv keeps each row's id as written beside the id it is sent as
    table = plan_table(plan)
    assert table[["number_customergauge", "plan_number_customergauge"]].values.tolist()[:3] == [
        ["0123", "0123"],
        ["0123", "0123"],
        ["123", "0123"],
    ]


def test_a_case_is_sent_as_its_longest_spelling_and_one_spelling_as_written() -> None:
    ids = pd.Series(["123", "00123", " 0123", "7", "0000", "0", "T-01", "T-1"], dtype=object)
    keys, sent = case_keys(ids)
    assert [sent[k] for k in keys] == [
        "00123",
        "00123",
        "00123",
        "7",
        "0000",
        "0000",
        "T-01",
        "T-1",
    ]


def test_one_case_across_two_input_files(tmp_path: Path) -> None:
    padded = write_rows(tmp_path / "2023-q1.csv", [SPLIT[1], SPLIT[3]])
    plain = write_rows(tmp_path / "2023-q2.csv", [SPLIT[0]])
    plan = build_plan([plain, padded], config_from_dict({}), now=NOW)
    assert plan.frame[STATUS].tolist() == ["open", "progress", "closed"]
    assert [len(lane) for lane in plan.actions_by_case()] == [3]


def test_a_response_date_under_either_spelling_bounds_the_case(tmp_path: Path) -> None:
    responses = tmp_path / "responses.csv"
    responses.write_text("number_customergauge,date\n000123,2023-03-02 00:00:00\n", "utf-8")
    data = write_rows(tmp_path / "history.csv", SPLIT)
    config = config_from_dict({"responses": {"file": str(responses)}})
    plan = build_plan([data], config, now=NOW)
    early = [p for p in plan.problems if p.code == "before-response"]
    assert [p.row for p in early] == [3]  # the open of 2023-03-01
    dates = {"0123": datetime(2023, 3, 2, tzinfo=UTC)}  # as an API or a journal may key it
    plan = build_plan([data], config_from_dict({}), now=NOW, response_dates=dates)
    assert [p.row for p in plan.problems if p.code == "before-response"] == [3]


def test_identities_hash_each_rows_id_as_written(tmp_path: Path) -> None:
    data = write_rows(tmp_path / "history.csv", SPLIT)
    plan = build_plan([data], config_from_dict({}), now=NOW)
    identities = plan_identities(plan)
    row = plan.frame.index[plan.frame["number_customergauge"].eq("0123")][0]
    # the identity a journal written before issue 29 holds for this row
    assert identities[row] == content_identity(
        "0123", "open", "2023-03-01 10:00:00", "opened", None, 1
    )


# --- against the sandbox ----------------------------------------------------------------


@pytest.fixture
def sb():
    with ThreadedSandbox(SandboxSettings()) as sandbox:
        sandbox.seed_responses({"0123": RESPONSE_AT, "987": RESPONSE_AT})
        yield sandbox


def test_a_split_case_is_sent_in_one_lane_in_order(
    sb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_credentials(monkeypatch)
    padded = write_rows(tmp_path / "a.csv", [SPLIT[0], SPLIT[1]])
    plain = write_rows(tmp_path / "b.csv", [SPLIT[2], SPLIT[3]])
    config = sandbox_config(sb, tmp_path, send={"concurrency": 4})
    outcome = run([padded, plain], config, confirm=yes, echo=quiet)
    assert outcome.exit_status == ExitStatus.OK
    assert applied(sb) == {
        "0123": [("open", "opened"), ("progress", "working on it"), ("closed", "solved")],
        "987": [("open", "another case")],
    }
    # every request named the case one way, one after another in the case's order
    cases = [r.case_id for r in sb.state.requests if r.method == "PUT"]
    assert [c for c in cases if c != "987"] == ["0123", "0123", "0123"]
    results = pd.read_csv(outcome.out_dir / "results.csv", dtype=str, keep_default_na=False)
    assert sorted(results["number_customergauge"]) == ["0123", "0123", "123", "987"]
    assert set(results["outcome"]) == {"sent"}


def test_a_journal_written_before_still_knows_a_zero_padded_case(
    sb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_credentials(monkeypatch)
    config = sandbox_config(sb, tmp_path)
    padded = [SPLIT[1], SPLIT[3]]
    earlier = write_rows(tmp_path / "export-1.csv", padded)
    first = run([earlier], config, confirm=yes, echo=quiet)
    assert first.exit_status == ExitStatus.OK
    # the journal is as a version before issue 29 wrote it: its case as the rows wrote it,
    # and the identities of the ids as written (content_identity is their definition)
    before = {
        content_identity("0123", "open", "2023-03-01 10:00:00", "opened", None, 1),
        content_identity("0123", "progress", "2023-03-02 10:00:00", "working on it", None, 1),
    }
    with sqlite3.connect(config.journal) as db:
        assert db.execute("SELECT DISTINCT case_id FROM actions").fetchall() == [("0123",)]
        assert {i for (i,) in db.execute("SELECT identity FROM actions")} == before
    requests = puts(sb)

    # a later export of the same rows, plus the case's closing written without its zero
    later = write_rows(tmp_path / "export-2.csv", [*padded, SPLIT[0]])
    again = run([later], config, confirm=yes, echo=quiet)
    assert again.exit_status == ExitStatus.OK
    results = pd.read_csv(again.out_dir / "results.csv", dtype=str, keep_default_na=False)
    assert list(zip(results["number_customergauge"], results["outcome"], strict=True)) == [
        ("0123", "already_sent"),
        ("0123", "already_sent"),
        ("123", "sent"),
    ]
    assert puts(sb) == requests + 1  # only the new row went out
    assert [s for s, _ in applied(sb)["0123"]] == ["open", "progress", "closed"]
