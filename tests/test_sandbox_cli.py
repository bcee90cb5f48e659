"""`backfill sandbox`: options, seed files, and the foreground server stopped by Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from backfill.cli.main import cli


def test_help_lists_every_option() -> None:
    result = CliRunner().invoke(cli, ["sandbox", "--help"])
    assert result.exit_code == 0
    for option in (
        "--host",
        "--port",
        "--responses",
        "--users",
        "--progressive",
        "--require-note",
        "--extended-statuses",
        "--token-ttl",
        "--latency-ms",
        "--jitter-ms",
        "--rate-limit",
        "--error-rate",
        "--drop-before",
        "--drop-after",
        "--early-expiry",
        "--late-apply",
        "--no-retry-after",
        "--token-errors",
        "--token-latency-ms",
        "--seed",
    ):
        assert option in result.output


def test_a_responses_file_without_the_columns_is_a_usage_error(tmp_path: Path) -> None:
    responses = tmp_path / "responses.csv"
    responses.write_text("id,date\n1,2023-01-01\n")
    result = CliRunner().invoke(cli, ["sandbox", "--port", "0", "--responses", str(responses)])
    assert result.exit_code == 2
    assert "no number_customergauge column in the responses file; columns are: id, date" in (
        result.output
    )


def test_a_bad_date_names_the_row_and_column(tmp_path: Path) -> None:
    responses = tmp_path / "responses.csv"
    responses.write_text("number_customergauge,response_date\n1,2023-01-01\n2,someday\n")
    result = CliRunner().invoke(cli, ["sandbox", "--port", "0", "--responses", str(responses)])
    assert result.exit_code == 2
    assert "column 'response_date' has 1 date(s) that cannot be read (row 3: 'someday')" in (
        result.output
    )


def test_an_impossible_fault_share_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["sandbox", "--port", "0", "--error-rate", "1.5"])
    assert result.exit_code == 2
    assert "error_rate=1.5 is not a share" in result.output


@pytest.mark.slow
def test_foreground_server_serves_until_ctrl_c(tmp_path: Path) -> None:
    responses = tmp_path / "responses.csv"
    responses.write_text("number_customergauge,date_survey_response\n53499,2023-07-01 09:00:00\n")
    users = tmp_path / "users.txt"
    users.write_text("email\njohn.doe@company.com\n")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "backfill.cli.main",
            "sandbox",
            "--port",
            "0",
            "--progressive",
            "--responses",
            str(responses),
            "--users",
            str(users),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        lines = []
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        banner = "".join(lines)
        assert "Seeded 1 survey responses" in banner and "Seeded 1 active users" in banner
        assert "CG_CLIENT_SECRET=sandbox-secret" in banner
        token_url = next(l.split()[-1] for l in lines if "token URL" in l)  # noqa: E741
        base_url = token_url.removesuffix("/oauth2/token")
        form = {
            "grant_type": "client_credentials",
            "client_id": "sandbox-client",
            "client_secret": "sandbox-secret",
        }
        with urllib.request.urlopen(token_url, urllib.parse.urlencode(form).encode()) as answer:
            token = json.load(answer)["access_token"]
        body = {
            "number_customergauge": "53499",
            "status": "open",
            "assignee": "john.doe@company.com",
        }
        request = urllib.request.Request(
            base_url + "/v7/rest/close-loop/status",
            data=json.dumps(body).encode(),
            method="PUT",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request) as answer:
            assert json.load(answer)["data"] == {"status": True, "note": False, "assignee": True}
        with urllib.request.urlopen(base_url + "/_sandbox/cases/53499") as answer:
            assert json.load(answer)["status"] == "open"
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Sandbox stopped." in out


def test_responses_are_read_by_backfills_reader_with_the_config_mapping() -> None:
    from datetime import UTC, datetime

    from backfill.cli.sandbox_seed import response_dates

    samples = Path(__file__).resolve().parent.parent / "sample_data"
    # semicolon-separated Windows-1252, day-first local times, mapped by the config
    dates = response_dates(samples / "helpdesk_export.csv", samples / "helpdesk.yaml", "UTC")
    assert len(dates) == 20
    assert dates["19561344"] == datetime(2025, 2, 26, 18, 58, tzinfo=UTC)  # 19:58 Amsterdam
    # an Excel workbook, its response_date column found by name
    book = response_dates(samples / "history.xlsx", None, "UTC")
    assert len(book) == 64 and all(d.tzinfo is not None for d in book.values())


def test_started_without_responses_it_warns(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "backfill.cli.main", "sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stderr is not None
        warning = process.stderr.readline()
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    assert warning.startswith("Warning: no survey responses seeded (--responses FILE)")


def test_every_fault_is_an_option_that_reaches_faults() -> None:
    from dataclasses import fields

    from backfill.cli.sandbox import faults_from_options, sandbox
    from backfill.sandbox import Faults

    names = [spec.name for spec in fields(Faults)]
    given = ["--drop-before", "0.25", "--no-retry-after", "--rate-limit", "0", "--seed", "9"]
    params = sandbox.make_context("sandbox", given).params
    faults = Faults(**faults_from_options({name: params[name] for name in names}))
    assert faults == Faults(drop_before_rate=0.25, retry_after=False, rate_limit=None, seed=9)
    defaults = sandbox.make_context("sandbox", []).params
    assert Faults(**faults_from_options({name: defaults[name] for name in names})) == Faults()
