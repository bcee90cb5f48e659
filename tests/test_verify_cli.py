"""`backfill verify` end to end: CliRunner against a sandbox served from a thread."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from verify_history import generate_history

from backfill.cli.main import cli
from backfill.config import Config, load_config
from backfill.journal.store import Journal
from backfill.plan.api_dates import RESPONSES_PATH
from backfill.plan.build import Plan, build_plan
from backfill.sandbox import SandboxSettings, ThreadedSandbox
from backfill.send.auth import Credentials
from backfill.send.lanes import send_cases
from backfill.send.session import ApiSession

CASES = 40


@pytest.fixture
def sandbox() -> Iterator[ThreadedSandbox]:
    with ThreadedSandbox(SandboxSettings(accept_any_assignee=True)) as sb:
        yield sb


@pytest.fixture
def env(sandbox: ThreadedSandbox) -> dict[str, str]:
    return {
        "CG_CLIENT_ID": sandbox.settings.client_id,
        "CG_CLIENT_SECRET": sandbox.settings.client_secret,
    }


def _write_config(tmp_path: Path, sb: ThreadedSandbox, **sections: dict[str, object]) -> Path:
    data: dict[str, object] = {
        "api": {"base_url": sb.base_url, "auth_url": sb.token_url},
        "send": {"rate_limit": 10_000, "concurrency": 16},
        "journal": str(tmp_path / "journal.sqlite"),
        "output": {"dir": str(tmp_path / "reports" / "{run_id}")},
    }
    for name, values in sections.items():
        data[name] = {**data.get(name, {}), **values}  # type: ignore[dict-item]
    path = tmp_path / "backfill.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _replay(history: Path, config: Config, sb: ThreadedSandbox) -> Plan:
    """Seed the sandbox from the plan and send it with the engine (as `run` would)."""
    plan = build_plan([history], config)
    sb.seed_responses(
        {
            case: pd.Timestamp(when).to_pydatetime()
            for case, when in zip(
                plan.cases["number_customergauge"], plan.cases["response_at"], strict=True
            )
        }
    )

    async def send() -> None:
        credentials = Credentials(sb.settings.client_id, sb.settings.client_secret)
        async with ApiSession(config, credentials) as api:
            await send_cases(api, plan.actions_by_case())

    asyncio.run(send())
    return plan


@pytest.fixture
def replayed(tmp_path: Path, sandbox: ThreadedSandbox) -> tuple[Path, Path, Plan]:
    history = tmp_path / "history.csv"
    generate_history(history, CASES, seed=11)
    config_path = _write_config(tmp_path, sandbox)
    plan = _replay(history, load_config(config_path), sandbox)
    return history, config_path, plan


def test_verify_after_a_faithful_replay_exits_0(
    tmp_path: Path, replayed: tuple[Path, Path, Plan], env: dict[str, str]
) -> None:
    history, config_path, _ = replayed
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["verify", str(history), "-c", str(config_path), "--out", str(out)], env=env
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"verify: {CASES} cases; {CASES} match, 0 mismatch, 0 missing"
    assert lines[1].startswith(f"read back {CASES} cases updated ")
    assert lines[1].endswith("(1 pages, 1 requests); expected from the plan")
    assert lines[2] == f"verify.csv written to {out / 'verify.csv'}"
    frame = pd.read_csv(out / "verify.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(frame.columns[:4]) == ["case", "expected", "found", "verdict"]
    assert set(frame["verdict"]) == {"match"}
    checked = ~frame["expected"].str.contains("not checked")
    assert checked.sum() > CASES / 2
    assert (frame.loc[checked, "expected"] == frame.loc[checked, "found"]).all()


def test_verify_after_tampering_exits_1_and_names_the_field(
    tmp_path: Path,
    replayed: tuple[Path, Path, Plan],
    sandbox: ThreadedSandbox,
    env: dict[str, str],
) -> None:
    history, config_path, plan = replayed
    case = plan.cases.loc[plan.cases["final_status"].eq("closed"), "number_customergauge"].iloc[0]
    sandbox.state.cases[case].status = "open"
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["verify", str(history), "-c", str(config_path), "--out", str(out)], env=env
    )
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines()[0] == (
        f"verify: {CASES} cases; {CASES - 1} match, 1 mismatch (status 1), 0 missing"
    )
    frame = pd.read_csv(out / "verify.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    row = frame[frame["verdict"].eq("mismatch")].iloc[0]
    assert (row["case"], row["differs"]) == (case, "status")


def test_verify_without_credentials_names_the_variable(
    replayed: tuple[Path, Path, Plan], monkeypatch: pytest.MonkeyPatch
) -> None:
    history, config_path, _ = replayed
    monkeypatch.delenv("CG_CLIENT_ID", raising=False)
    monkeypatch.delenv("CG_CLIENT_ID_FILE", raising=False)
    result = CliRunner().invoke(cli, ["verify", str(history), "-c", str(config_path)])
    assert result.exit_code == 2
    assert "set the environment variable CG_CLIENT_ID" in result.output
    assert "use --sandbox" not in result.output
    assert "`backfill run --sandbox` reads the emulator back at its end" in result.output


def test_verify_without_inputs_or_journal_is_a_usage_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.sqlite"
    result = CliRunner().invoke(cli, ["verify", "--journal", str(missing)])
    assert result.exit_code == 2
    assert result.output == (
        f"Error: journal {missing} not found; give the journal of the run with --journal, "
        "or the INPUT files to verify against their plan\n"
    )


def test_response_dates_from_the_api_are_fetched_once_and_kept_in_the_journal(
    tmp_path: Path, sandbox: ThreadedSandbox, env: dict[str, str]
) -> None:
    history = tmp_path / "history.csv"
    generate_history(history, CASES, seed=3)
    with_dates = pd.read_csv(history, dtype=str, keep_default_na=False)
    config_path = _write_config(tmp_path, sandbox)
    _replay(history, load_config(config_path), sandbox)
    # The same history without its response_date column: the dates must come from the API.
    bare = tmp_path / "bare.csv"
    with_dates.drop(columns=["response_date"]).to_csv(bare, index=False)
    config_path = _write_config(tmp_path, sandbox, responses={"source": "api"})

    def responses_requests() -> int:
        return sum(1 for r in sandbox.state.requests if r.path == RESPONSES_PATH)

    args = ["verify", str(bare), "-c", str(config_path), "--out", str(tmp_path / "out")]
    first = CliRunner().invoke(cli, args, env=env)
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines()[0] == (
        f"response dates (date_survey_response): 0 from the journal, {CASES} from the API "
        "(1 pages), 0 not found"
    )
    # Hours were compared: they need the response dates, which only the API had.
    frame = pd.read_csv(
        tmp_path / "out" / "verify.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    assert not frame["expected"].str.contains("time_to_close=\\(not checked\\)").any()
    assert responses_requests() == 1

    second = CliRunner().invoke(cli, args, env=env)
    assert second.exit_code == 0, second.output
    assert second.stdout.splitlines()[0] == (
        f"response dates (date_survey_response): {CASES} from the journal, 0 from the API "
        "(0 pages), 0 not found"
    )
    assert responses_requests() == 1
    with Journal(tmp_path / "journal.sqlite", read_only=True) as journal:
        stored = journal.get_response_dates(with_dates["number_customergauge"].unique())
    expected = {
        case: datetime.fromisoformat(when).strftime("%Y-%m-%d %H:%M:%S")
        for case, when in zip(
            with_dates["number_customergauge"], with_dates["response_date"], strict=True
        )
    }
    assert stored == expected


def test_ids_the_api_does_not_return_follow_missing_response_date(
    tmp_path: Path, sandbox: ThreadedSandbox, env: dict[str, str]
) -> None:
    history = tmp_path / "history.csv"
    generate_history(history, 4, seed=3)
    frame = pd.read_csv(history, dtype=str, keep_default_na=False)
    frame.drop(columns=["response_date"]).to_csv(history, index=False)
    config_path = _write_config(
        tmp_path,
        sandbox,
        responses={"source": "api"},
        validation={"missing_response_date": "reject"},
    )
    # Nothing seeded: the API knows none of the ids, so every row is rejected by the plan,
    # nothing is expected in CustomerGauge, and verify has nothing to compare.
    result = CliRunner().invoke(cli, ["verify", str(history), "-c", str(config_path)], env=env)
    assert result.stdout.splitlines()[0] == (
        "response dates (date_survey_response): 0 from the journal, 0 from the API (1 pages), "
        "4 not found (validation.missing_response_date: reject)"
    )
    assert result.stdout.splitlines()[1] == "verify: 0 cases; 0 match, 0 mismatch, 0 missing"
