"""No secret ever lands in a file backfill writes or in what it prints.

A real run (not --sandbox, so credentials come from the environment) against a sandbox
that stands in for the tenant, with failures and retries so that every report, the request
log and the journal have error text in them; then every byte written is searched for the
client secret, the API key and the access tokens the server issued.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from backfill.cli.main import cli
from backfill.sandbox import Faults, SandboxSettings, ThreadedSandbox
from tests.runner_helpers import sandbox_config, seed, timeline, write_config, write_rows

CLIENT_ID = "client-7f3a9c"
CLIENT_SECRET = "S3cr3t-never-in-a-file-91b2e7"
API_KEY = "ApiKey-never-in-a-file-55d0c4"


def _everything_written(folder: Path) -> list[tuple[Path, bytes]]:
    return [(p, p.read_bytes()) for p in sorted(folder.rglob("*")) if p.is_file()]


def _assert_clean(blobs: list[tuple[Path | str, bytes]], secrets: list[str]) -> None:
    assert blobs, "nothing was written: the test would prove nothing"
    for where, data in blobs:
        for secret in secrets:
            assert secret.encode() not in data, f"{secret[:6]}… found in {where}"


@pytest.mark.parametrize("version", ["v7", "v4.1"])
def test_no_secret_in_reports_log_journal_or_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: str, fast_retries: None
) -> None:
    monkeypatch.setenv("CG_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("CG_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("CG_API_KEY", API_KEY)
    settings = SandboxSettings(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        api_key=API_KEY,
        faults=Faults(error_rate=0.2, seed=7),
    )
    with ThreadedSandbox(settings) as sb:
        rows = timeline(6, 3)
        unknown = {"1004", "1005"}  # ids the tenant does not know: answers with error text
        seed(sb, [r for r in rows if r["number_customergauge"] not in unknown])
        data = write_rows(tmp_path / "history.csv", rows)
        sections = {"api": {"version": version, "v41_ignore_happened_at": True}}
        config = sandbox_config(sb, tmp_path, **sections)
        config_file = write_config(config, tmp_path / "backfill.yaml")
        result = CliRunner().invoke(
            cli, ["run", str(data), "-c", str(config_file), "--yes"], catch_exceptions=False
        )
        tokens = list(sb.emulator.tokens)
    assert result.exit_code == 1, result.output  # some rows failed: errors were written
    failures = next((tmp_path / "reports").rglob("failures.csv")).read_text(encoding="utf-8-sig")
    assert "1004" in failures and "1005" in failures
    if version == "v7":
        assert tokens, "the server issued no token: the test would prove nothing"
    secrets = [CLIENT_SECRET, API_KEY, *tokens]
    blobs: list[tuple[Path | str, bytes]] = [*_everything_written(tmp_path / "reports")]
    blobs += [(p, p.read_bytes()) for p in tmp_path.glob("journal.sqlite*")]
    blobs.append(("console output", result.output.encode()))
    assert any(p.name == "run.log" for p, _ in blobs if isinstance(p, Path))
    _assert_clean(blobs, secrets)


def test_refused_credentials_error_names_the_variable_not_the_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CG_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("CG_CLIENT_SECRET", CLIENT_SECRET + "-wrong")
    with ThreadedSandbox(SandboxSettings(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)) as sb:
        rows = timeline(2, 2)
        seed(sb, rows)
        data = write_rows(tmp_path / "history.csv", rows)
        config_file = write_config(sandbox_config(sb, tmp_path), tmp_path / "backfill.yaml")
        result = CliRunner().invoke(cli, ["run", str(data), "-c", str(config_file), "--yes"])
    assert result.exit_code == 3, result.output
    blobs = [*_everything_written(tmp_path / "reports"), ("console", result.output.encode())]
    _assert_clean(blobs, [CLIENT_SECRET, CLIENT_SECRET + "-wrong"])
