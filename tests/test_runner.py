"""The runner over real HTTP against the sandbox: library calls and the CLI commands."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from backfill.cli.main import cli
from backfill.errors import ConfigError, ExitStatus
from backfill.journal.store import Journal
from backfill.runner.run import retry, run, status
from backfill.sandbox import Faults, SandboxSettings, ThreadedSandbox
from backfill.send.retry_policy import RetryPolicy
from tests.runner_helpers import (
    CREDENTIALS,
    applied,
    expected,
    puts,
    sandbox_config,
    seed,
    timeline,
    write_config,
    write_rows,
    yes,
)


@pytest.fixture
def sb():
    with ThreadedSandbox(SandboxSettings()) as sandbox:
        yield sandbox


@pytest.fixture
def creds(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)


def quiet(_: str) -> None:
    pass


def read_summary(outcome) -> dict:
    return json.loads((outcome.out_dir / "summary.json").read_text())


def test_run_sends_every_case_in_order_and_a_rerun_sends_nothing(sb, creds, tmp_path: Path):
    rows = timeline(12, 4)
    seed(sb, rows)
    data = write_rows(tmp_path / "history.csv", rows)
    config = sandbox_config(sb, tmp_path)
    first = run([data], config, confirm=yes, echo=quiet)
    assert first.exit_status == ExitStatus.OK
    assert read_summary(first)["outcomes"]["sent"] == 48
    assert applied(sb) == expected(rows)
    requests = puts(sb)

    again = run([data], config, confirm=yes, echo=quiet)
    assert again.exit_status == ExitStatus.OK
    assert puts(sb) == requests  # the sandbox saw no new request
    summary = read_summary(again)
    assert summary["outcomes"]["already_sent"] == 48 and summary["requests"] == 0

    # an overlapping file: the old rows plus two new ones, later in their cases
    extra = [
        {
            "number_customergauge": "1000",
            "status": "open",
            "happened_at": "2023-03-01 10:00:00",
            "note": "reopened",
        },
        {
            "number_customergauge": "1001",
            "status": "closed",
            "happened_at": "2023-03-02 10:00:00",
            "note": "closed again",
        },
    ]
    bigger = write_rows(tmp_path / "bigger.csv", rows + extra)
    third = run([bigger], config, confirm=yes, echo=quiet)
    assert read_summary(third)["outcomes"]["sent"] == 2
    assert read_summary(third)["outcomes"]["already_sent"] == 48
    assert puts(sb) == requests + 2
    assert applied(sb)["1000"][-1] == ("open", "reopened")


def test_results_files_have_every_row_and_are_formula_safe(sb, creds, tmp_path: Path):
    rows = timeline(3, 2)
    rows[0]["note"] = '=HYPERLINK("http://evil")'
    seed(sb, rows)
    data = write_rows(tmp_path / "history.csv", rows)
    outcome = run([data], sandbox_config(sb, tmp_path), confirm=yes, echo=quiet)
    text = (outcome.out_dir / "results.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text
    results = pd.read_csv(outcome.out_dir / "results.csv", dtype=str, keep_default_na=False)
    assert len(results) == 6 and set(results["outcome"]) == {"sent"}
    assert list(results.columns[:4]) == ["number_customergauge", "status", "happened_at", "note"]
    # the note itself reached CustomerGauge unchanged
    assert applied(sb)["1000"][0][1] == '=HYPERLINK("http://evil")'
    assert (outcome.out_dir / "report.xlsx").exists() and (outcome.out_dir / "run.log").exists()
    log = (outcome.out_dir / "run.log").read_text()
    assert "PUT" in log and "sandbox-secret" not in log and "Bearer" not in log


def test_failed_action_blocks_its_case_and_exits_1(sb, creds, tmp_path: Path):
    rows = timeline(3, 3)
    seed(sb, [r for r in rows if r["number_customergauge"] != "1002"])  # 1002 unknown: 422
    data = write_rows(tmp_path / "history.csv", rows)
    outcome = run([data], sandbox_config(sb, tmp_path), confirm=yes, echo=quiet)
    assert outcome.exit_status == ExitStatus.ROWS_FAILED
    summary = read_summary(outcome)
    assert summary["outcomes"]["failed"] == 1 and summary["outcomes"]["blocked"] == 2
    assert summary["outcomes"]["sent"] == 6 and sum(summary["outcomes"].values()) == 9
    failures = pd.read_csv(outcome.out_dir / "failures.csv", dtype=str, keep_default_na=False)
    assert failures["outcome"].tolist() == ["failed", "blocked", "blocked"]


def test_failures_fix_retry_round_trip(sb, creds, tmp_path: Path):
    rows = timeline(4, 3)
    rows[4]["status"] = "finished"  # case 1000, step 1: invalid status -> its case blocked
    rows[9]["note"] = (
        "-minus note"  # case 1001, blocked; formula-like: neutralised in failures.csv, restored
    )
    rows[5]["status"] = "nope"
    seed(sb, rows)
    data = write_rows(tmp_path / "history.csv", rows)
    config = sandbox_config(sb, tmp_path)
    first = run([data], config, confirm=yes, echo=quiet)
    assert first.exit_status == ExitStatus.ROWS_FAILED
    failures_path = first.out_dir / "failures.csv"
    failures = pd.read_csv(failures_path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert set(failures["outcome"]) == {"invalid", "blocked"}
    assert "'-minus note" in failures["note"].tolist()
    # the user fixes the statuses in Excel and saves
    failures["status"] = failures["status"].replace({"finished": "progress", "nope": "progress"})
    failures.to_csv(failures_path, index=False, encoding="utf-8-sig")

    second = retry(failures_path, config, confirm=yes, echo=quiet)
    assert second.exit_status == ExitStatus.OK, read_summary(second)
    assert read_summary(second)["outcomes"]["sent"] == len(failures)
    fixed = [dict(r, status="progress") if r["status"] in ("finished", "nope") else r for r in rows]
    assert applied(sb) == expected(fixed)
    assert ("closed", "-minus note") in applied(sb)["1001"]

    # the whole file again, fixed: everything is already sent
    write_rows(data, fixed)
    third = run([data], config, confirm=yes, echo=quiet)
    assert read_summary(third)["outcomes"]["already_sent"] == len(rows)
    assert read_summary(third)["requests"] == 0


def test_retry_from_the_report_workbook(sb, creds, tmp_path: Path):
    rows = timeline(2, 2)
    rows[0]["status"] = "unknown"
    seed(sb, rows)
    data = write_rows(tmp_path / "history.csv", rows)
    config = sandbox_config(sb, tmp_path)
    first = run([data], config, confirm=yes, echo=quiet)
    from openpyxl import load_workbook

    book = load_workbook(first.out_dir / "report.xlsx")
    sheet = book["Failures"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=header.index("status") + 1, value="open")
    fixed = first.out_dir / "fixed.xlsx"
    book.save(fixed)
    second = retry(fixed, config, confirm=yes, echo=quiet)
    assert second.exit_status == ExitStatus.OK
    assert applied(sb)["1000"] == expected([dict(rows[0], status="open"), rows[2]])["1000"]


def test_retry_refuses_a_file_that_is_not_a_failures_file(tmp_path: Path):
    data = write_rows(tmp_path / "x.csv", timeline(1, 1))
    from backfill.errors import InputError

    with pytest.raises(InputError, match="is not a failures file written by backfill"):
        retry(
            data,
            sandbox_config(
                type(
                    "S", (), {"base_url": "http://127.0.0.1:9", "token_url": "http://127.0.0.1:9/t"}
                ),
                tmp_path,
            ),
        )


def test_out_of_order_guard_across_runs(sb, creds, tmp_path: Path):
    later = [
        {
            "number_customergauge": "7",
            "status": "closed",
            "happened_at": "2023-05-01 10:00:00",
            "note": "closed in May",
        }
    ]
    earlier = [
        {
            "number_customergauge": "7",
            "status": "open",
            "happened_at": "2023-04-01 10:00:00",
            "note": "opened in April",
        },
        {
            "number_customergauge": "7",
            "status": "progress",
            "happened_at": "2023-06-01 10:00:00",
            "note": "after",
        },
    ]
    seed(sb, later)
    config = sandbox_config(sb, tmp_path)
    run([write_rows(tmp_path / "later.csv", later)], config, confirm=yes, echo=quiet)
    outcome = run([write_rows(tmp_path / "earlier.csv", earlier)], config, confirm=yes, echo=quiet)
    assert outcome.exit_status == ExitStatus.ROWS_FAILED
    results = pd.read_csv(outcome.out_dir / "results.csv", dtype=str, keep_default_na=False)
    assert results["outcome"].tolist() == ["failed", "blocked"]
    assert results["error"][0].startswith(
        "out-of-order: case 7 was last sent at 2023-05-01 10:00:00 UTC"
    )
    assert applied(sb)["7"] == [("closed", "closed in May")]
    forced = run(
        [tmp_path / "earlier.csv"], config, confirm=yes, allow_out_of_order=True, echo=quiet
    )
    assert forced.exit_status == ExitStatus.OK
    assert [s for s, _ in applied(sb)["7"]] == ["closed", "open", "progress"]


def test_in_flight_leftovers_are_resent_and_flagged(sb, creds, tmp_path: Path):
    from backfill.plan.build import build_plan
    from backfill.verify.expectation import plan_identities

    rows = timeline(2, 2)
    seed(sb, rows)
    data = write_rows(tmp_path / "history.csv", rows)
    config = sandbox_config(sb, tmp_path)
    plan = build_plan([data], config)
    key = int(plan.actions_by_case()[0][0].key)
    action = plan.actions_by_case()[0][0]
    with Journal(config.journal) as journal:  # as a run killed mid-request leaves it
        journal.mark_in_flight(plan_identities(plan)[key], action, "crashed", 1, None)
    outcome = run([data], config, confirm=yes, echo=quiet)
    summary = read_summary(outcome)
    assert summary["resent_uncertain"] == 1 and summary["outcomes"]["sent"] == 4
    results = pd.read_csv(outcome.out_dir / "results.csv", dtype=str, keep_default_na=False)
    assert results["resent_uncertain"].tolist().count("True") == 1
    with Journal(config.journal, read_only=True) as journal:
        assert journal.in_flight() == []


def test_v41_refuses_times_unless_told_and_then_says_so(sb, creds, tmp_path: Path):
    rows = timeline(3, 2)
    seed(sb, rows)
    data = write_rows(tmp_path / "history.csv", rows)
    config = sandbox_config(sb, tmp_path, api={"version": "v4.1"})
    with pytest.raises(ConfigError, match=r"api\.version v4\.1 cannot keep happened_at, but 6 "):
        run([data], config, confirm=yes, echo=quiet)
    assert puts(sb) == 0
    config = sandbox_config(sb, tmp_path, api={"version": "v4.1", "v41_ignore_happened_at": True})
    outcome = run([data], config, confirm=yes, echo=quiet)
    assert outcome.exit_status == ExitStatus.OK
    summary = read_summary(outcome)
    assert any(n.startswith("v4.1: happened_at not kept") for n in summary["notes"])
    assert applied(sb) == expected(rows)
    assert all(r.path.startswith("/v4.1/") for r in sb.state.requests if r.method == "POST")


def test_unknown_assignee_is_partial(sb, creds, tmp_path: Path):
    rows = timeline(1, 2)
    rows[0]["assignee"] = "nobody@example.com"
    rows[1]["assignee"] = ""
    sb.add_users(["someone@example.com"])
    seed(sb, rows)
    data = write_rows(tmp_path / "history.csv", rows)
    config = sandbox_config(sb, tmp_path)
    outcome = run([data], config, confirm=yes, echo=quiet)
    assert outcome.exit_status == ExitStatus.OK
    results = pd.read_csv(outcome.out_dir / "results.csv", dtype=str, keep_default_na=False)
    assert results["outcome"].tolist() == ["partial", "sent"]
    assert "assignee" in results["error"][0]
    # the journal keeps what was refused as data, for verify to expect the assignee kept
    with Journal(config.journal, read_only=True) as journal:
        refused = [(e.state, e.refused) for e in journal.accepted_actions()]
    assert refused == [("partial", ("assignee",)), ("sent", ())]


def test_nothing_is_sent_without_the_callers_go_ahead(sb, creds, tmp_path: Path):
    rows = timeline(2, 2)
    seed(sb, rows)
    data = write_rows(tmp_path / "history.csv", rows)
    config = sandbox_config(sb, tmp_path)
    with pytest.raises(ConfigError, match="without confirmation; pass --yes"):
        run([data], config, echo=quiet)
    questions: list[str] = []

    def no(question: str) -> bool:
        questions.append(question)
        return False

    with pytest.raises(ConfigError, match="cancelled at the confirmation prompt"):
        run([data], config, confirm=no, echo=quiet)
    assert questions == [
        f"Send 4 action(s) of 2 case(s) to {config.api.api_base} (api.base_url; tokens from "
        f"{config.api.token_url}) (API v7)? 4 requests at 500/s: under 10 s; "
        "0 assignment e-mail(s)."
    ]
    assert puts(sb) == 0


# --- the CLI: exit codes 0/1/2/3 --------------------------------------------------------------


def invoke(*args: str) -> object:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_cli_exit_codes(sb, creds, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    rows = timeline(2, 2)
    seed(sb, rows)
    data = str(write_rows(tmp_path / "history.csv", rows))
    cfg = str(write_config(sandbox_config(sb, tmp_path), tmp_path / "backfill.yaml"))
    journal = str(tmp_path / "cli.sqlite")

    # 2: no terminal to confirm on and no --yes; nothing sent
    result = invoke("run", data, "-c", cfg, "--journal", journal)
    assert result.exit_code == 2
    assert "without confirmation: there is no terminal to ask" in result.output
    assert puts(sb) == 0

    # 0: sent
    result = invoke("run", data, "-c", cfg, "--journal", journal, "--yes")
    assert result.exit_code == 0, result.output
    assert "4 rows: sent 4" in result.output

    # status
    result = invoke("status", "--journal", journal)
    assert result.exit_code == 0
    assert "1 run(s)" in result.output and "sent 4" in result.output
    assert "Cases left: none" in result.output

    # 1: a row that cannot be sent
    bad = str(write_rows(tmp_path / "bad.csv", [dict(rows[0], status="maybe")]))
    result = invoke("run", bad, "-c", cfg, "--journal", journal, "--yes")
    assert result.exit_code == 1

    # 2: credentials missing
    monkeypatch.delenv("CG_CLIENT_SECRET")
    result = invoke("run", data, "-c", cfg, "--journal", str(tmp_path / "other.sqlite"), "--yes")
    assert result.exit_code == 2 and "CG_CLIENT_SECRET" in result.output

    # 3: credentials refused: aborted, rows pending, reports written
    monkeypatch.setenv("CG_CLIENT_SECRET", "wrong")
    out = tmp_path / "refused"
    result = invoke(
        "run",
        data,
        "-c",
        cfg,
        "--journal",
        str(tmp_path / "other.sqlite"),
        "--yes",
        "--out",
        str(out),
    )
    assert result.exit_code == 3, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["outcomes"]["pending"] == 4 and summary["exit_code"] == 3
    assert "wrong" not in (out / "run.log").read_text()


def test_status_lists_cases_left(sb, creds, tmp_path: Path):
    rows = timeline(3, 2)
    seed(sb, [r for r in rows if r["number_customergauge"] != "1001"])
    data = write_rows(tmp_path / "history.csv", rows)
    config = sandbox_config(sb, tmp_path)
    run([data], config, confirm=yes, echo=quiet)
    text = status(config.journal)
    assert "Cases left: 1 (rows not sent: invalid or blocked 1, failed 1)" in text
    assert "  case 1001: invalid or blocked 1, failed 1 (run " in text


def test_status_without_a_journal(tmp_path: Path):
    result = invoke("status", "--journal", str(tmp_path / "none.sqlite"))
    assert result.exit_code == 2 and "no journal at" in result.output


def test_sandbox_mode_needs_no_credentials_and_leaves_the_real_journal_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    for name in CREDENTIALS:
        monkeypatch.delenv(name, raising=False)
    rows = timeline(3, 3)
    data = write_rows(tmp_path / "history.csv", rows)
    real_journal = tmp_path / "real.sqlite"
    from backfill.config import config_from_dict

    config = config_from_dict({"send": {"rate_limit": 500}, "journal": str(real_journal)})
    outcome = run([data], config, sandbox=True, out_dir=tmp_path / "out", echo=quiet)
    assert outcome.exit_status == ExitStatus.OK
    assert read_summary(outcome)["outcomes"]["sent"] == 9
    assert not real_journal.exists()
    assert (tmp_path / "out" / "sandbox-journal.sqlite").exists()


def test_faults_every_action_once_except_flagged_lost_answers(creds, tmp_path: Path):
    faults = Faults(
        rate_limit=30,  # backfill is told 400/s: the sandbox answers 429 + Retry-After, even
        # when a loaded machine slows the client (at 100/s it did not always outrun it)
        error_rate=0.10,
        drop_before_rate=0.05,
        drop_after_rate=0.05,
        seed=11,
    )
    with ThreadedSandbox(SandboxSettings(token_ttl_s=2.0, faults=faults)) as sandbox:
        rows = timeline(30, 4)
        seed(sandbox, rows)
        data = write_rows(tmp_path / "history.csv", rows)
        config = sandbox_config(
            sandbox, tmp_path, send={"rate_limit": 400, "concurrency": 16, "max_attempts": 30}
        )
        # short backoff: the faults, not the waits, are what this test is about
        fast = RetryPolicy(base_s=0.01, cap_s=0.1, seed=11)
        outcome = run([data], config, confirm=yes, echo=quiet, retry_policy=fast)
        assert outcome.exit_status == ExitStatus.OK, read_summary(outcome)
        results = pd.read_csv(outcome.out_dir / "results.csv", dtype=str, keep_default_na=False)
        flagged = results[results["resent_uncertain"].eq("True")]
        flagged_notes = set(flagged["note"])
        want = expected(rows)
        statuses = {str(r.status) for r in sandbox.state.requests}
        assert {"dropped-after", "429", "500"} <= statuses
        for case, history in applied(sandbox).items():
            distinct = [h for i, h in enumerate(history) if i == 0 or history[i - 1] != h]
            assert distinct == want[case]
            repeated = {h for i, h in enumerate(history) if i and history[i - 1] == h}
            # an action applied more than once (its answer was lost) is flagged as such
            assert {note for _, note in repeated} <= flagged_notes
        assert read_summary(outcome)["resent_uncertain"] == len(flagged)


def test_run_with_verify_reads_every_case_back(tmp_path: Path, monkeypatch):
    for name in CREDENTIALS:
        monkeypatch.delenv(name, raising=False)
    data = write_rows(tmp_path / "history.csv", timeline(4, 3))
    from backfill.config import config_from_dict

    config = config_from_dict({"send": {"rate_limit": 500}})
    outcome = run([data], config, sandbox=True, verify=True, out_dir=tmp_path / "out", echo=quiet)
    assert outcome.exit_status == ExitStatus.OK
    assert read_summary(outcome)["verify"]["exit_code"] == 0
    assert (tmp_path / "out" / "verify.csv").exists()
