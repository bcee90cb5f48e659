"""The journal: content identity, resume after a crash, order guard, batching, errors."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from backfill.errors import JournalError
from backfill.journal.reading import CaseLeft
from backfill.journal.store import Journal
from backfill.model import Action, Outcome, Result
from backfill.plan.identity import assign_identities, content_identity


def action_identities(cases: list[list[Action]]) -> dict[int, str]:
    """Identities of hand-built actions (their own fields; happened_at taken as given)."""
    return assign_identities(
        (a.key, a.case, a.status, a.happened_at, a.note, a.assignee) for case in cases for a in case
    )


def act(
    key: int,
    case: str = "1",
    seq: int = 1,
    status: str = "open",
    at: str | None = "2023-01-01 10:00:00",
    note: str | None = None,
    assignee: str | None = None,
) -> Action:
    return Action(
        key=key,
        source="f.csv",
        row=key + 1,
        case=case,
        case_seq=seq,
        status=status,
        happened_at=at,
        note=note,
        assignee=assignee,
    )


@pytest.fixture
def journal(tmp_path: Path):
    with Journal(tmp_path / "j" / "journal.sqlite") as j:
        yield j


def test_identity_depends_on_content_and_occurrence_not_on_row_or_file():
    a = content_identity("53499", "open", "2023-01-01 10:00:00", "hi", None, 1)
    assert a == content_identity("53499", "open", "2023-01-01 10:00:00", "hi", "", 1)
    different = [
        content_identity("53498", "open", "2023-01-01 10:00:00", "hi", None, 1),
        content_identity("53499", "closed", "2023-01-01 10:00:00", "hi", None, 1),
        content_identity("53499", "open", "2023-01-01 10:00:01", "hi", None, 1),
        content_identity("53499", "open", "2023-01-01 10:00:00", "hi!", None, 1),
        content_identity("53499", "open", "2023-01-01 10:00:00", "hi", "a@b.c", 1),
        content_identity("53499", "open", "2023-01-01 10:00:00", "hi", None, 2),
    ]
    assert len({a, *different}) == 7
    # the same actions read from another file with other rows/keys map to the same ids
    first = action_identities([[act(0), act(1, seq=2, status="closed")]])
    again = action_identities([[act(7), act(9, seq=2, status="closed")]])
    assert sorted(first.values()) == sorted(again.values())


def test_identical_actions_of_a_case_get_distinct_identities_by_occurrence():
    ids = assign_identities(
        [
            (0, "1", "open", None, "x", None),
            (1, "1", "open", None, "x", None),
            (2, "2", "open", None, "x", None),
        ]
    )
    assert len(set(ids.values())) == 3


def test_no_field_separator_ambiguity():
    assert content_identity("1", "open", None, "a|b", None, 1) != content_identity(
        "1", "open", None, "a", "b", 1
    )


def test_in_flight_then_result_round_trip(journal: Journal):
    a = act(0)
    ident = action_identities([[a]])[0]
    journal.mark_in_flight(ident, a, "run1", 1, "2023-01-01 10:00:00")
    assert [e.identity for e in journal.in_flight()] == [ident]
    journal.record_result(
        ident,
        a,
        "run1",
        Result(0, Outcome.SENT, http_status=200, attempts=1),
        "2023-01-01 10:00:00",
    )
    journal.flush()
    entry = journal.lookup([ident])[ident]
    assert (entry.state, entry.http_status, entry.attempts, entry.run_id) == (
        Outcome.SENT,
        200,
        1,
        "run1",
    )
    assert journal.in_flight() == []


def test_pending_result_leaves_the_in_flight_mark(journal: Journal):
    a = act(0)
    journal.mark_in_flight("id0", a, "r", 1, None)
    journal.record_result("id0", a, "r", Result(0, Outcome.PENDING), None)
    journal.flush()
    assert journal.lookup(["id0"])["id0"].state == "in_flight"


def test_last_sent_time_counts_only_accepted_actions(journal: Journal):
    for i, (at, outcome) in enumerate(
        [
            ("2023-01-01 10:00:00", Outcome.SENT),
            ("2023-01-03 10:00:00", Outcome.PARTIAL),
            ("2023-01-05 10:00:00", Outcome.FAILED),
        ]
    ):
        a = act(i, at=at, seq=i + 1)
        journal.mark_in_flight(f"id{i}", a, "r", 1, at)
        journal.record_result(f"id{i}", a, "r", Result(i, outcome, attempts=1), at)
    journal.mark_in_flight("id9", act(9, at="2023-02-01 00:00:00"), "r", 1, "2023-02-01 00:00:00")
    journal.flush()
    assert journal.last_sent_times(["1", "2"]) == {"1": "2023-01-03 10:00:00"}


def test_outcomes_are_batched_until_the_batch_is_full_or_the_interval_passes(tmp_path: Path):
    path = tmp_path / "journal.sqlite"
    with Journal(path, flush_every=3, flush_interval_s=3600) as j:
        j.begin_run("r", "run", [], "test")
        for i in range(2):
            j.record_result(f"id{i}", act(i), "r", Result(i, Outcome.SENT, attempts=1), None)
        # another connection sees nothing yet: the two outcomes wait in the batch
        other = sqlite3.connect(path)
        assert other.execute("select count(*) from actions").fetchone()[0] == 0
        j.record_result("id2", act(2), "r", Result(2, Outcome.SENT, attempts=1), None)
        for _ in range(200):  # the writer thread wakes on a full batch
            if other.execute("select count(*) from actions").fetchone()[0] == 3:
                break
            import time

            time.sleep(0.01)
        assert other.execute("select count(*) from actions").fetchone()[0] == 3
        other.close()


def test_an_in_flight_mark_is_committed_before_it_returns(tmp_path: Path):
    path = tmp_path / "journal.sqlite"
    with Journal(path, flush_every=1000, flush_interval_s=3600) as j:
        j.record_result("old", act(0), "r", Result(0, Outcome.SENT, attempts=1), None)
        j.mark_in_flight("new", act(1), "r", 1, None)
        other = sqlite3.connect(path)
        states = dict(other.execute("select identity, state from actions").fetchall())
        other.close()
    assert states == {"old": "sent", "new": "in_flight"}


def test_close_flushes_the_batch(tmp_path: Path):
    path = tmp_path / "journal.sqlite"
    with Journal(path, flush_every=1000, flush_interval_s=3600) as j:
        j.record_result("a", act(0), "r", Result(0, Outcome.SENT, attempts=1), None)
    with Journal(path, read_only=True) as j:
        assert j.state_counts()["sent"] == 1


def test_kill_9_leaves_in_flight_marks_and_loses_at_most_the_batch(tmp_path: Path):
    path = tmp_path / "journal.sqlite"
    script = textwrap.dedent(f"""
        import os, signal
        from backfill.journal.store import Journal
        from backfill.model import Action, Result
        j = Journal({str(path)!r}, flush_every=1000, flush_interval_s=3600)
        for i in range(5):
            a = Action(i, "f", i, "c", i + 1, "open", None, None, None)
            j.mark_in_flight(f"id{{i}}", a, "r", 1, None)
            j.record_result(f"id{{i}}", a, "r", Result(i, "sent", attempts=1), None)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == -9, proc.stderr
    with Journal(path) as j:
        states = {e: j.lookup([e])[e].state for e in [f"id{i}" for i in range(5)]}
    # each mark committed the outcomes before it; the last outcome was still in the batch,
    # so that action is still in flight: re-sent on resume as uncertain, never lost
    assert states == {
        "id0": "sent",
        "id1": "sent",
        "id2": "sent",
        "id3": "sent",
        "id4": "in_flight",
    }


def test_runs_cases_and_status_data(journal: Journal):
    journal.begin_run("r1", "run", ["a.csv"], "https://api.eu.customergauge.com")
    journal.update_cases("r1", {"1": (2, 1, 1), "2": (0, 0, 0)})
    journal.end_run("r1", 1, 10, {"sent": 8, "failed": 1, "pending": 1})
    runs = journal.runs()
    assert runs[0].run_id == "r1" and runs[0].exit_code == 1
    assert runs[0].inputs == ["a.csv"] and runs[0].outcomes["sent"] == 8
    assert runs[0].finished_at is not None and runs[0].error == ""
    assert journal.cases_left() == [
        CaseLeft(case_id="1", run_id="r1", rows_left=2, pending=1, failed=1)
    ]
    journal.update_cases("r2", {"1": (0, 0, 0)})
    assert journal.cases_left() == []


def test_runs_of_a_journal_without_their_error_column_read_as_no_error(tmp_path: Path):
    path = tmp_path / "old.sqlite"
    with Journal(path) as journal:
        journal.begin_run("r1", "run", ["a.csv"], "https://api.eu.customergauge.com")
        journal.end_run("r1", 0, 3, {"sent": 3})
    with sqlite3.connect(path) as conn:  # as schema 1 wrote it, opened read-only (`status`)
        conn.execute("ALTER TABLE runs DROP COLUMN error")
    conn.close()
    with Journal(path, read_only=True) as journal:
        (run,) = journal.runs()
    assert (run.run_id, run.exit_code, run.rows, run.outcomes, run.error) == (
        "r1",
        0,
        3,
        {"sent": 3},
        None,
    )


def test_response_dates_round_trip(journal: Journal):
    journal.put_response_dates({"53499": "2023-07-01 09:00:00", "1": "2020-01-01 00:00:00"})
    journal.put_response_dates({"1": "2021-01-01 00:00:00"})
    assert journal.get_response_dates(["53499", "1", "404"]) == {
        "53499": "2023-07-01 09:00:00",
        "1": "2021-01-01 00:00:00",
    }


def test_many_lookups_are_chunked(journal: Journal):
    for i in range(1200):
        journal.record_result(
            f"id{i}",
            act(i, case=str(i)),
            "r",
            Result(i, Outcome.SENT, attempts=1),
            "2023-01-01 00:00:00",
        )
    journal.flush()
    assert len(journal.lookup(f"id{i}" for i in range(1500))) == 1200
    assert len(journal.last_sent_times(str(i) for i in range(1200))) == 1200


def test_second_writer_is_refused_with_a_clear_message(tmp_path: Path):
    path = tmp_path / "journal.sqlite"
    with Journal(path):
        script = f"from backfill.journal.store import Journal; Journal({str(path)!r})"
        proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
        assert "is in use by another backfill run (pid" in proc.stderr
        # a reader (backfill status) is fine meanwhile
        with Journal(path, read_only=True) as reader:
            assert reader.runs() == []


def test_corrupt_journal(tmp_path: Path):
    path = tmp_path / "journal.sqlite"
    path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(JournalError, match=r"is damaged .*restore it from a backup"):
        Journal(path)


def test_unwritable_journal(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(JournalError, match=r"cannot write the journal .*--journal"):
        Journal(blocker / "journal.sqlite")


def test_status_of_a_missing_journal(tmp_path: Path):
    with pytest.raises(JournalError, match="no journal at"):
        Journal(tmp_path / "none.sqlite", read_only=True)


def test_journal_uses_wal(tmp_path: Path):
    path = tmp_path / "journal.sqlite"
    Journal(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"
    conn.close()


@pytest.mark.parametrize("how", ["same path", "symlink", "hard link"])
def test_every_way_to_the_journal_file_meets_its_lock_and_names_the_holder(
    tmp_path: Path, how: str
):
    """Two processes, one journal file: the second is refused, whatever path it takes."""
    path = tmp_path / "journal.sqlite"
    (tmp_path / "elsewhere").mkdir()
    other = tmp_path / "elsewhere" / "other.sqlite"
    script = "from backfill.journal.store import Journal; import sys; Journal(sys.argv[1])"
    with Journal(path):
        if how == "same path":
            other = path
        elif how == "symlink":
            other.symlink_to(path)
        else:
            os.link(path, other)
        proc = subprocess.run(
            [sys.executable, "-c", script, str(other)], capture_output=True, text=True
        )
        assert f"journal {other} is in use by another backfill run (pid {os.getpid()})" in (
            proc.stderr
        )
    # released with the journal: the other path can take it now
    proc = subprocess.run([sys.executable, "-c", script, str(other)], capture_output=True)
    assert proc.returncode == 0, proc.stderr


def test_an_empty_journal_file_is_refused_with_the_fix(tmp_path: Path):
    path = tmp_path / "journal.sqlite"
    path.touch()
    for read_only in (False, True):
        with pytest.raises(JournalError, match=r"is empty \(0 bytes\).*delete the empty"):
            Journal(path, read_only=read_only)
    assert path.stat().st_size == 0  # left as found


def test_states_by_scan_and_by_lookup_agree(journal: Journal):
    """A plan as large as the journal reads it whole; a small one looks its rows up; both
    give the same rows, and nothing for identities the journal does not know."""
    outcomes = [Outcome.SENT, Outcome.PARTIAL, Outcome.FAILED]
    for i in range(1200):
        if i % 4 == 3:
            journal.mark_in_flight(f"id{i}", act(i, case=str(i)), "r", 1, "2023-01-01 00:00:00")
            continue
        status = None if i % 7 == 0 else 200 + i % 3
        result = Result(i, outcomes[i % 4], http_status=status, attempts=1, answer_lost=i % 5 == 0)
        journal.record_result(f"id{i}", act(i, case=str(i)), "r", result, "2023-01-01 00:00:00")
    journal.flush()
    everything = journal.states([f"id{i}" for i in range(1500)]).set_index("identity")
    assert len(everything) == 1200
    some = [f"id{i}" for i in range(0, 1500, 7)]  # few beside the journal: looked up
    looked_up = journal.states(some).set_index("identity").sort_index()
    assert len(some) * 5 < 1200

    def records(frame: pd.DataFrame) -> list[tuple[object, ...]]:
        return [tuple(None if pd.isna(v) else v for v in row) for row in frame.itertuples()]

    assert records(looked_up) == records(everything.loc[looked_up.index].sort_index())
    assert set(looked_up.index) == {name for name in some if int(name[2:]) < 1200}
    entries = journal.lookup(some)
    for identity, row in looked_up.iterrows():
        entry = entries[str(identity)]
        assert row["state"] == entry.state
        assert (None if pd.isna(row["http_status"]) else row["http_status"]) == entry.http_status
        assert bool(row["maybe_applied"]) == entry.maybe_applied
