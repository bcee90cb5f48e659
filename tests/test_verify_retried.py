"""The README's path to its last step, against the sandbox: run an export with invalid rows,
fix them in failures.csv, retry (twice: a retry of the retry's failures.csv), then
`verify EXPORT` expects what every run and retry sent, retried rows in the place of the rows
they fixed, and a case only a retry sent is checked too."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from backfill.cli.main import cli
from backfill.sandbox import SandboxSettings, ThreadedSandbox
from tests.runner_helpers import (
    RESPONSE_AT,
    applied,
    sandbox_config,
    seed,
    timeline,
    use_credentials,
    write_config,
    write_rows,
)

USERS = ["ann@example.com", "raj@example.com", "eve@example.com"]


@pytest.fixture
def sb():
    with ThreadedSandbox(SandboxSettings(accept_any_assignee=True)) as sandbox:
        yield sandbox


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def export_rows() -> list[dict]:
    """8 cases of open → progress → closed, each row with an assignee and the response date;
    four rows the plan refuses: case 1000's first (so only a retry sends that case), 1001's
    progress (a typo), the last of 1002 and 1003 (an assignee that is no e-mail)."""
    rows = timeline(8, 3)
    for n, row in enumerate(rows):
        row["assignee"] = USERS[n % len(USERS)]
        row["response_date"] = RESPONSE_AT
    by_place = {(r["number_customergauge"], r["status"]): r for r in rows}
    by_place["1000", "open"]["status"] = "opened?"
    by_place["1001", "progress"]["status"] = "nope"
    by_place["1002", "closed"]["status"] = "x"
    by_place["1003", "closed"]["assignee"] = "bob at example"
    return rows


def fix(path: Path, changes: dict[tuple[str, str], dict[str, str]]) -> pd.DataFrame:
    """Edit failures.csv as a person does in Excel: (case, cell) -> new cells; save."""
    frame = read_csv(path)
    for (case, status), cells in changes.items():
        where = frame["number_customergauge"].eq(case) & frame["status"].eq(status)
        assert where.sum() == 1, (case, status, frame)
        for column, value in cells.items():
            frame.loc[where, column] = value
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    return frame


def report_dir(output: str) -> Path:
    """The run's folder, from the console's "Reports:" line."""
    line = next(line for line in output.splitlines() if line.startswith("Reports: "))
    return Path(line.removeprefix("Reports: ").split(" (")[0])


def test_run_fix_retry_twice_then_verify_export_matches_every_case(
    sb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_credentials(monkeypatch)
    monkeypatch.chdir(tmp_path)
    rows = export_rows()
    seed(sb, rows)
    export = write_rows(tmp_path / "export.csv", rows)
    config = write_config(sandbox_config(sb, tmp_path), tmp_path / "backfill.yaml")
    c = ["-c", str(config)]

    first = invoke("run", "export.csv", *c, "--yes")
    assert first.exit_code == 1, first.output
    failures = report_dir(first.output) / "failures.csv"
    original = read_csv(failures)
    assert set(original["source"]) == {"export.csv"}
    # the user fixes three rows; the fourth (1001's progress) still has a typo
    fix(
        failures,
        {
            ("1000", "opened?"): {"status": "open"},
            ("1001", "nope"): {"status": "progres"},
            ("1002", "x"): {"status": "closed"},
            ("1003", "closed"): {"assignee": "bob@example.com"},
        },
    )
    second = invoke("retry", str(failures), *c, "--yes")
    assert second.exit_code == 1, second.output

    # the retry's failures.csv names the export's own file and rows, not failures.csv's
    again = report_dir(second.output) / "failures.csv"
    left = read_csv(again)
    assert left["number_customergauge"].tolist() == ["1001", "1001"]
    assert set(left["source"]) == {"export.csv"}
    assert left["row"].tolist() == [
        str(n + 2)  # (the header is row 1)
        for n, row in enumerate(rows)
        if row["number_customergauge"] == "1001" and row["status"] in ("nope", "closed")
    ]
    # what CustomerGauge holds now matches too: 1001 stopped at open, where the retry left it
    stopped = invoke("verify", "export.csv", *c)
    assert stopped.exit_code == 0, stopped.output

    fix(again, {("1001", "progres"): {"status": "progress"}})
    third = invoke("retry", str(again), *c, "--yes")
    assert third.exit_code == 0, third.output
    assert set(read_csv(report_dir(third.output) / "results.csv")["source"]) == {"export.csv"}

    out = tmp_path / "verified"
    result = invoke("verify", str(export), *c, "--out", str(out))  # (another spelling)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "verify: 8 cases; 8 match, 0 mismatch, 0 missing"
    # 1000: 3, 1001: 2, 1002: 1, 1003: 1 (each fixed row, and the rows it blocked)
    assert "with 7 action(s) sent by retries in the place of the rows they fixed" in lines[1]
    table = read_csv(out / "verify.csv").set_index("case")
    assert set(table["verdict"]) == {"match"}
    # case 1000 (only the retry sent it) and the fixed assignee of 1003 are compared
    assert table.loc["1000", "expected"].startswith("status=closed; assignee=")
    assert "(not checked)" not in "".join(table["expected"])
    assert "assignee=bob@example.com" in table.loc["1003", "expected"]
    assert [s for s, _ in applied(sb)["1000"]] == ["open", "progress", "closed"]
    assert export.exists()


def test_a_case_only_a_retry_sent_is_read_back_and_can_mismatch(
    sb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_credentials(monkeypatch)
    rows = export_rows()
    seed(sb, rows)
    export = str(write_rows(tmp_path / "export.csv", rows))
    config = write_config(sandbox_config(sb, tmp_path), tmp_path / "backfill.yaml")
    c = ["-c", str(config)]
    failures = report_dir(invoke("run", export, *c, "--yes").output) / "failures.csv"
    fix(
        failures,
        {
            ("1000", "opened?"): {"status": "open"},
            ("1001", "nope"): {"status": "progress"},
            ("1002", "x"): {"status": "closed"},
            ("1003", "closed"): {"assignee": "bob@example.com"},
        },
    )
    assert invoke("retry", str(failures), *c, "--yes").exit_code == 0
    sb.state.cases["1000"].status = "progress"  # someone changes it in CustomerGauge
    sb.state.cases["1003"].assignee = "raj@example.com"

    out = tmp_path / "verified"
    result = invoke("verify", export, *c, "--out", str(out))
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[0] == (
        "verify: 8 cases; 6 match, 2 mismatch (assignee 1, status 1), 0 missing"
    )
    table = read_csv(out / "verify.csv").set_index("case")
    assert table.loc["1000", "differs"] == "status"
    assert table.loc["1003", "differs"] == "assignee"


def test_verify_names_the_likely_cause_on_the_console_and_in_verify_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_credentials(monkeypatch)
    with ThreadedSandbox(SandboxSettings(ignore_happened_at=True)) as sandbox:
        rows = timeline(4, 3)
        for row in rows:
            row["response_date"] = RESPONSE_AT
        seed(sandbox, rows)
        export = str(write_rows(tmp_path / "export.csv", rows))
        config = write_config(sandbox_config(sandbox, tmp_path), tmp_path / "backfill.yaml")
        assert invoke("run", export, "-c", str(config), "--yes").exit_code == 0
        sandbox.state.cases["1001"].status = "open"  # and one case someone re-opened

        out = tmp_path / "verified"
        result = invoke("verify", export, "-c", str(config), "--out", str(out))
    assert result.exit_code == 1, result.output
    causes = [line for line in result.output.splitlines() if line.startswith("likely cause")]
    assert causes == [
        "likely cause (4 case(s): 1000, 1001, 1002, 1003): close and follow-up times differ "
        "by the time since the response date: the tenant seems to ignore happened_at and "
        "stamp each action with its arrival. Ask CustomerGauge to accept happened_at for this "
        "API user (PUT /v7/rest/close-loop/status), then run again with --pilot; the cases "
        "already sent need correcting in CustomerGauge",
        "likely cause (1 case(s): 1001): CustomerGauge holds another final status: a tenant "
        "workflow or another integration changes these cases, or the tenant allows only "
        "progressive transitions (validation.transitions: progressive)",
    ]
    table = read_csv(out / "verify.csv").set_index("case")
    assert table["likely_cause"].str.contains("ignore happened_at").all()
    both = table.loc["1001", "likely_cause"].split(" | ")
    assert [text.split(":")[0] for text in both] == [
        "close and follow-up times differ by the time since the response date",
        "CustomerGauge holds another final status",
    ]
