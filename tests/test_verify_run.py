"""Verification of real runs: `backfill run --verify`, and `verify` later from the journal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from verify_history import generate_history

from backfill.cli.main import cli
from backfill.sandbox import SandboxSettings, ThreadedSandbox

CASES = 30
ENV = {"CG_CLIENT_ID": "sandbox-client", "CG_CLIENT_SECRET": "sandbox-secret"}


@pytest.fixture
def sandbox() -> Iterator[ThreadedSandbox]:
    with ThreadedSandbox(SandboxSettings(accept_any_assignee=True)) as sb:
        yield sb


@pytest.fixture
def history(tmp_path: Path) -> Path:
    path = tmp_path / "history.csv"
    generate_history(path, CASES, seed=21)
    return path


@pytest.fixture
def config_path(tmp_path: Path, sandbox: ThreadedSandbox) -> Path:
    data = {
        "api": {"base_url": sandbox.base_url, "auth_url": sandbox.token_url},
        "send": {"rate_limit": 2000, "concurrency": 8},
        "journal": str(tmp_path / "journal.sqlite"),
        "output": {"dir": str(tmp_path / "reports" / "{run_id}")},
    }
    path = tmp_path / "backfill.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _seed(sandbox: ThreadedSandbox, history: Path, *, skip: str | None = None) -> None:
    frame = pd.read_csv(history, dtype=str, keep_default_na=False)
    dates = frame.groupby("number_customergauge")["response_date"].first().to_dict()
    sandbox.seed_responses({case: when for case, when in dates.items() if case != skip})


def _invoke(*args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli, list(args), env=ENV)
    return result.exit_code, result.stdout.splitlines()


def test_run_with_verify_reads_back_every_case(
    tmp_path: Path, sandbox: ThreadedSandbox, history: Path, config_path: Path
) -> None:
    _seed(sandbox, history)
    out = tmp_path / "run"
    code, lines = _invoke(
        "run", str(history), "-c", str(config_path), "--out", str(out), "--yes", "--verify"
    )
    assert code == 0, lines
    assert f"  verify: {CASES} cases; {CASES} match, 0 mismatch, 0 missing" in lines
    verdicts = pd.read_csv(out / "verify.csv", dtype=str, encoding="utf-8-sig")["verdict"]
    assert len(verdicts) == CASES and set(verdicts) == {"match"}


def test_earlier_run_verified_from_the_journal_alone_and_from_the_file(
    tmp_path: Path, sandbox: ThreadedSandbox, history: Path, config_path: Path
) -> None:
    _seed(sandbox, history)
    code, _ = _invoke("run", str(history), "-c", str(config_path), "--yes")
    assert code == 0
    journal = tmp_path / "journal.sqlite"

    code, lines = _invoke("verify", "-c", str(config_path), "--journal", str(journal))
    assert code == 0, lines
    assert lines[0] == f"verify: {CASES} cases; {CASES} match, 0 mismatch, 0 missing"
    assert lines[1].endswith("expected from the journal")

    code, lines = _invoke("verify", str(history), "-c", str(config_path))
    assert code == 0, lines
    assert lines[1].endswith("expected from the plan and the journal")

    # Tampering is found from the journal alone too (no assignees there: status and times).
    case = next(c for c, held in sandbox.state.cases.items() if held.closed_at is not None)
    sandbox.state.cases[case].closed_at = None
    code, lines = _invoke("verify", "-c", str(config_path), "--journal", str(journal))
    assert code == 1
    assert lines[0] == (
        f"verify: {CASES} cases; {CASES - 1} match, 1 mismatch (time_to_close 1), 0 missing"
    )


def test_journal_keeps_a_failed_case_out_of_the_expectation(
    tmp_path: Path, sandbox: ThreadedSandbox, history: Path, config_path: Path
) -> None:
    first_case = pd.read_csv(history, dtype=str)["number_customergauge"].min()
    _seed(sandbox, history, skip=first_case)  # unknown to the API: its first action gets a 422
    code, _ = _invoke("run", str(history), "-c", str(config_path), "--yes")
    assert code == 1
    # With the journal, the failed case is not expected; from the plan alone it is missing.
    code, lines = _invoke("verify", str(history), "-c", str(config_path))
    assert (code, lines[0]) == (
        0,
        f"verify: {CASES - 1} cases; {CASES - 1} match, 0 mismatch, 0 missing",
    )
    elsewhere = tmp_path / "other.sqlite"
    code, lines = _invoke(
        "verify", str(history), "-c", str(config_path), "--journal", str(elsewhere)
    )
    assert code == 2  # an explicit journal that does not exist is a usage error
    (tmp_path / "journal.sqlite").rename(tmp_path / "moved.sqlite")
    code, lines = _invoke("verify", str(history), "-c", str(config_path))
    assert (code, lines[0]) == (
        1,
        f"verify: {CASES} cases; {CASES - 1} match, 0 mismatch, 1 missing",
    )


def test_run_with_api_response_dates_fetches_them_once(
    tmp_path: Path, sandbox: ThreadedSandbox, history: Path, config_path: Path
) -> None:
    _seed(sandbox, history)
    bare = tmp_path / "bare.csv"
    frame = pd.read_csv(history, dtype=str, keep_default_na=False)
    frame.drop(columns=["response_date"]).to_csv(bare, index=False)
    data = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    data["responses"] = {"source": "api"}
    config_path.write_text(yaml.safe_dump(data), encoding="utf-8")

    def responses_requests() -> int:
        return sum(1 for r in sandbox.state.requests if r.path == "/v7/rest/sync/responses")

    code, lines = _invoke("run", str(bare), "-c", str(config_path), "--yes", "--verify")
    assert code == 0, lines
    assert lines[0] == (
        f"response dates (date_survey_response): 0 from the journal, {CASES} from the API "
        "(1 pages), 0 not found"
    )
    assert f"  verify: {CASES} cases; {CASES} match, 0 mismatch, 0 missing" in lines
    assert responses_requests() == 1
    code, lines = _invoke("run", str(bare), "-c", str(config_path), "--yes")
    assert code == 0, lines
    assert lines[0].startswith(f"response dates (date_survey_response): {CASES} from the journal")
    assert responses_requests() == 1


def test_read_back_survives_server_errors_through_the_retry_policy(
    tmp_path: Path, sandbox: ThreadedSandbox, history: Path, config_path: Path, fast_retries: None
) -> None:
    from backfill.sandbox import Faults

    _seed(sandbox, history)
    code, _ = _invoke("run", str(history), "-c", str(config_path), "--yes")
    assert code == 0
    sandbox.set_faults(Faults(error_rate=0.5, seed=0))
    before = len(sandbox.state.requests)
    code, lines = _invoke("verify", str(history), "-c", str(config_path))
    assert code == 0, lines
    assert lines[0] == f"verify: {CASES} cases; {CASES} match, 0 mismatch, 0 missing"
    answers = [r.status for r in sandbox.state.requests[before:] if r.method == "GET"]
    assert 200 in answers and any(status in (500, 502, 503) for status in answers)
