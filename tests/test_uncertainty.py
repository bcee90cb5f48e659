"""Exact uncertainty and identities from the input (issue 12), against the real sandbox.

- `resent_uncertain` exactly when an earlier attempt may have been applied: across runs, and
  never for attempts that could not have reached the API;
- `send.assignee` is a setting, not part of an action's identity;
- a row changed after it was sent is not sent again silently (`changed-after-sent`);
- schema 1 journals keep working.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from backfill.errors import ExitStatus
from backfill.journal.schema import SCHEMA_VERSION
from backfill.journal.store import Journal
from backfill.model import Action, Outcome, Result
from backfill.plan.identity import content_identity
from backfill.runner.run import run
from backfill.sandbox import Faults, SandboxSettings, ThreadedSandbox
from tests.runner_helpers import applied, puts, sandbox_config, seed, write_rows, yes


@pytest.fixture
def sb():
    with ThreadedSandbox(SandboxSettings(accept_any_assignee=True)) as sandbox:
        yield sandbox


def quiet(_: str) -> None:
    pass


def results_of(outcome) -> pd.DataFrame:
    return pd.read_csv(outcome.out_dir / "results.csv", dtype=str, keep_default_na=False)


def cases(n: int = 3) -> list[dict]:
    rows = []
    for c in range(n):
        for step, status in enumerate(("open", "progress", "closed")):
            rows.append(
                {
                    "number_customergauge": str(500 + c),
                    "status": status,
                    "happened_at": f"2023-02-0{step + 1} 10:00:00",
                    "note": f"case {500 + c} {status}",
                    "assignee": f"agent{c}@example.com",
                }
            )
    return rows


def test_answers_lost_on_every_attempt_make_the_next_run_flag_the_resend(sb, creds, tmp_path):
    rows = cases(2)
    seed(sb, rows)
    data = write_rows(tmp_path / "in.csv", rows)
    config = sandbox_config(
        sb, tmp_path, send={"max_attempts": 2, "settle_s": 0}, api={"timeout_s": 2}
    )
    sb.set_faults(Faults(drop_after_rate=1.0))
    first = run([data], config, confirm=yes, echo=quiet)
    assert first.exit_status == ExitStatus.ROWS_FAILED
    assert first.summary.outcomes["failed"] == 2  # each case's first action, applied twice
    sb.set_faults(Faults())
    second = run([data], config, confirm=yes, echo=quiet)
    assert second.exit_status == ExitStatus.OK
    flagged = results_of(second).set_index("note")["resent_uncertain"]
    assert flagged["case 500 open"] == "True" and flagged["case 501 open"] == "True"
    assert flagged["case 500 progress"] == "False"
    assert second.summary.resent_uncertain == 2


def test_attempts_that_could_not_connect_are_not_uncertain(sb, creds, tmp_path):
    rows = cases(1)
    seed(sb, rows)
    data = write_rows(tmp_path / "in.csv", rows)
    config = sandbox_config(sb, tmp_path)
    action = Action(1, "in.csv", 2, "500", 1, "open", "2023-02-01 10:00:00", "x", None)
    with Journal(config.journal) as journal:  # a run that met only "connection refused"
        journal.mark_in_flight("refused", action, "r0", 1, "2023-02-01 10:00:00")
        refused = Result(1, Outcome.PENDING, attempts=3, error="cannot connect")
        journal.record_result("refused", action, "r0", refused, None)
    with Journal(config.journal, read_only=True) as journal:
        entry = journal.lookup(["refused"])["refused"]
    assert (entry.state, entry.maybe_applied) == ("failed", False)
    outcome = run([data], config, confirm=yes, echo=quiet)
    assert outcome.summary.resent_uncertain == 0


def test_send_assignee_is_not_part_of_the_identity(sb, creds, tmp_path):
    rows = cases(3)
    seed(sb, rows)
    data = write_rows(tmp_path / "in.csv", rows)
    first = run([data], sandbox_config(sb, tmp_path), confirm=yes, echo=quiet)
    assert first.summary.outcomes["sent"] == 9
    requests = puts(sb)
    for policy in ("last", "never"):
        again = run(
            [data], sandbox_config(sb, tmp_path, send={"assignee": policy}), confirm=yes, echo=quiet
        )
        assert again.exit_status == ExitStatus.OK
        assert again.summary.outcomes["already_sent"] == 9
    assert puts(sb) == requests


def test_a_row_changed_after_it_was_sent_is_refused_unless_allowed(sb, creds, tmp_path):
    rows = cases(2)
    seed(sb, rows)
    config = sandbox_config(sb, tmp_path)
    run([write_rows(tmp_path / "in.csv", rows)], config, confirm=yes, echo=quiet)
    rows[2]["note"] = "closed, with a corrected note"  # case 500's last, already sent
    rows[4]["assignee"] = "someone@example.com"  # case 501's progress
    edited = write_rows(tmp_path / "edited.csv", rows)
    outcome = run([edited], config, confirm=yes, echo=quiet)
    assert outcome.exit_status == ExitStatus.ROWS_FAILED
    errors = results_of(outcome).set_index("note")["error"]
    assert errors["closed, with a corrected note"].startswith("changed-after-sent: case 500")
    assert "different note" in errors["closed, with a corrected note"]
    assert "different assignee" in errors["case 501 progress"]
    assert results_of(outcome).set_index("note")["outcome"]["case 501 closed"] == "already_sent"
    assert [s for s, _ in applied(sb)["500"]] == ["open", "progress", "closed"]
    forced = run([edited], config, confirm=yes, allow_out_of_order=True, echo=quiet)
    assert forced.exit_status == ExitStatus.OK
    assert applied(sb)["500"][-1] == ("closed", "closed, with a corrected note")


def test_a_schema_1_journal_is_migrated_and_keeps_its_sent_actions(sb, creds, tmp_path):
    rows = cases(1)
    seed(sb, rows)
    data = write_rows(tmp_path / "in.csv", rows)
    config = sandbox_config(sb, tmp_path, send={"assignee": "last"})
    path = Path(config.journal)
    _schema_1_journal(path, rows, sb.base_url)
    outcome = run([data], config, confirm=yes, echo=quiet)
    assert outcome.summary.outcomes["already_sent"] == 3
    assert puts(sb) == 0
    with sqlite3.connect(path) as conn:
        version = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    assert version[0] == str(SCHEMA_VERSION)


def _schema_1_journal(path: Path, rows: list[dict], target: str) -> None:
    """What backfill wrote before issue 12: identities with the assignee *as sent*; its run
    went to `target`."""
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE runs (run_id TEXT PRIMARY KEY, command TEXT NOT NULL, inputs TEXT NOT NULL,
            target TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT, exit_code INTEGER,
            rows INTEGER, outcomes TEXT);
        CREATE TABLE actions (identity TEXT PRIMARY KEY, case_id TEXT NOT NULL,
            case_seq INTEGER NOT NULL, happened_at TEXT, status TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('in_flight', 'sent', 'partial', 'failed')),
            run_id TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, http_status INTEGER,
            error TEXT NOT NULL DEFAULT '', updated_at TEXT NOT NULL);
        CREATE TABLE cases (case_id TEXT PRIMARY KEY, run_id TEXT NOT NULL,
            rows_left INTEGER NOT NULL, pending INTEGER NOT NULL, failed INTEGER NOT NULL,
            updated_at TEXT NOT NULL);
        CREATE TABLE response_dates (case_id TEXT PRIMARY KEY, response_at TEXT NOT NULL,
            fetched_at TEXT NOT NULL);
        INSERT INTO meta VALUES ('schema_version', '1');
        """
    )
    conn.execute(
        "INSERT INTO runs VALUES ('old', 'run', ?, ?, '2024-01-01', '2024-01-01', 0, 3, '{}')",
        (json.dumps(["in.csv"]), target),
    )
    for seq, row in enumerate(rows, start=1):
        sent_assignee = row["assignee"] if seq == len(rows) else None  # assignee: last
        identity = content_identity(
            row["number_customergauge"],
            row["status"],
            row["happened_at"],
            row["note"],
            sent_assignee,
            1,
        )
        conn.execute(
            "INSERT INTO actions VALUES (?, ?, ?, ?, ?, 'sent', 'old', 1, 200, '', '2024-01-01')",
            (identity, row["number_customergauge"], seq, row["happened_at"], row["status"]),
        )
    conn.commit()
    conn.close()


def test_overlapping_exports_with_assignee_last_send_nothing_twice(sb, creds, tmp_path):
    rows = cases(4)
    seed(sb, rows)
    config = sandbox_config(sb, tmp_path, send={"assignee": "last"})
    earlier = [r for r in rows if r["status"] != "closed"]  # an export taken mid-way
    run([write_rows(tmp_path / "march.csv", earlier)], config, confirm=yes, echo=quiet)
    requests = puts(sb)
    later = run([write_rows(tmp_path / "april.csv", rows)], config, confirm=yes, echo=quiet)
    assert later.summary.outcomes["already_sent"] == 8
    assert later.summary.outcomes["sent"] == 4
    assert puts(sb) == requests + 4  # only the closed actions: no progress re-sent


def test_status_reads_a_schema_1_journal_without_migrating_it(tmp_path):
    from backfill.runner.status import status

    path = tmp_path / "old.sqlite"
    _schema_1_journal(path, cases(1), "https://api.eu.customergauge.com")
    shown = status(path)
    assert "1 run(s)" in shown and "sent 3" in shown
    assert (
        "Target: not recorded (a journal of an earlier version): its next run's becomes its own"
    ) in shown
    with sqlite3.connect(path) as conn:  # read-only: still schema 1
        assert conn.execute("SELECT value FROM meta").fetchone()[0] == "1"
