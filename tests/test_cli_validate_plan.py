"""`backfill validate` and `backfill plan` through the real CLI: output, files, exit codes."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from backfill.cli.main import cli

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
HISTORY_SUMMARY = """\
history.csv: 210 rows, 64 cases
  to send:  195
  invalid:  5 (bad-assignee 1, bad-time 1, before-response 1, missing-id 1, unknown-status 1)
  blocked:  10 (later actions of a case with an invalid one)
  warnings: no-follow-up-time 8, no-close-time 7, reopen 4
  e-mails:  169 assignment e-mails (send.assignee: every; last: 61, never: 0)
  sending:  195 requests at 5/s: about 40 s
  zone:     209 times without an offset read as UTC; input.timezone is not set: set it to the \
zone the export was written in
unknown status values: 'postponed' 1; backfill cannot tell what 'postponed' means: \
map it to open, progress or closed yourself"""


def expected_exit_text(folder: Path) -> str:
    return (
        "Exit status 1 is expected: 15 rows cannot be sent as they are "
        f"({folder / 'invalid.csv'} says why).\n"
        "Fix them in the input file, or run anyway: the valid rows are sent and these come "
        "back in failures.csv.\n"
    )


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_validate_prints_the_summary_and_writes_invalid_rows(tmp_path: Path) -> None:
    code, out, err = run("validate", str(SAMPLE / "history.csv"), "--out", str(tmp_path))
    assert code == 1
    assert out == (
        f"{HISTORY_SUMMARY}\nWrote invalid.csv to {tmp_path}\n{expected_exit_text(tmp_path)}"
    )
    rows = read_csv(tmp_path / "invalid.csv")
    assert len(rows) == 15
    assert list(rows[0])[-3:] == ["source", "row", "error"]
    assert [int(r["row"]) for r in rows] == sorted(int(r["row"]) for r in rows)
    errors = {r["error"].split(":")[0] for r in rows}
    assert errors == {
        "bad-assignee",
        "bad-time",
        "before-response",
        "missing-id",
        "unknown-status",
        "blocked",
    }
    assert "Traceback" not in err


def test_plan_writes_plan_cases_and_invalid(tmp_path: Path) -> None:
    code, out, _ = run("plan", str(SAMPLE / "history.csv"), "--out", str(tmp_path))
    assert code == 1
    assert out == (
        f"{HISTORY_SUMMARY}\nWrote plan.csv, cases.csv, invalid.csv and requests.jsonl to "
        f"{tmp_path}\n{expected_exit_text(tmp_path)}"
    )
    plan = read_csv(tmp_path / "plan.csv")
    cases = read_csv(tmp_path / "cases.csv")
    assert len(plan) == 210 and len(cases) == 64
    assert list(cases[0]) == [
        "number_customergauge",
        "actions",
        "to_send",
        "first_at",
        "last_at",
        "final_status",
        "final_assignee",
        "response_at",
        "follow_up_at",
        "closed_at",
        "time_to_follow_up_h",
        "time_to_close_h",
        "reopens",
        "warnings",
    ]
    # send order: each case's rows together and numbered in order
    seen: list[str] = []
    for row in plan:
        if row["plan_number_customergauge"] and row["plan_number_customergauge"] not in seen:
            seen.append(row["plan_number_customergauge"])
    assert seen == [c["number_customergauge"] for c in cases]
    assert sum(r["outcome"] == "send" for r in plan) == 195


def test_plan_of_the_excel_sample_matches_the_csv(tmp_path: Path) -> None:
    code, out, _ = run("plan", str(SAMPLE / "history.xlsx"), "--out", str(tmp_path))
    assert code == 1
    expected = HISTORY_SUMMARY.replace("history.csv", "history.xlsx").splitlines()
    assert out.splitlines()[: len(expected)] == expected


def test_a_clean_file_exits_0(tmp_path: Path) -> None:
    file = tmp_path / "clean.csv"
    file.write_text(
        "number_customergauge,status,happened_at,note,assignee,response_date\n"
        "00042,OPEN,2023-05-01 10:00:00,,alice@example.com,2023-04-30\n"
        '00042,IN-PROGRESS,2023-05-01 11:00:00,"called, ""all good""",,2023-04-30\n'
        '00042,CLOSED,2023-05-02 09:00:00,=HYPERLINK("x"),,2023-04-30\n',
        encoding="utf-8",
    )
    code, out, _ = run("plan", str(file), "--out", str(tmp_path / "out"))
    assert code == 0
    assert out == (
        "clean.csv: 3 rows, 1 case\n"
        "  to send:  3\n"
        "  invalid:  0\n"
        "  blocked:  0\n"
        "  warnings: none\n"
        "  e-mails:  1 assignment e-mails (send.assignee: every; last: 1, never: 0)\n"
        "  sending:  3 requests at 5/s: under 10 s\n"
        "  zone:     3 times without an offset read as UTC; input.timezone is not set: set it "
        "to the zone the export was written in\n"
        f"Wrote plan.csv, cases.csv and requests.jsonl to {tmp_path / 'out'}\n"
    )
    assert not (tmp_path / "out" / "invalid.csv").exists()  # no empty files
    plan = read_csv(tmp_path / "out" / "plan.csv")
    assert [r["number_customergauge"] for r in plan] == ["00042"] * 3
    assert plan[2]["note"] == '\'=HYPERLINK("x")'  # neutralised for spreadsheets
    assert plan[2]["plan_note"] == '\'=HYPERLINK("x")'
    [case] = read_csv(tmp_path / "out" / "cases.csv")
    assert (case["follow_up_at"], case["closed_at"]) == (
        "2023-05-01 11:00:00",
        "2023-05-02 09:00:00",
    )
    assert (case["time_to_follow_up_h"], case["time_to_close_h"]) == ("35", "57")


def test_the_chosen_assignee_policy_is_named_first(tmp_path: Path) -> None:
    config = tmp_path / "backfill.yaml"
    config.write_text("send:\n  assignee: last\n")
    code, out, _ = run(
        "validate", str(SAMPLE / "history.csv"), "-c", str(config), "--out", str(tmp_path)
    )
    assert code == 1
    assert (
        "  e-mails:  61 assignment e-mails (send.assignee: last; every: 169, never: 0)"
        in out.splitlines()
    )


def test_a_mapped_export_with_its_config(tmp_path: Path) -> None:
    code, out, _ = run(
        "validate",
        str(SAMPLE / "helpdesk_export.csv"),
        "-c",
        str(SAMPLE / "helpdesk.yaml"),
        "--out",
        str(tmp_path),
    )
    # "Waiting for customer", which the config does not map, is a built-in helpdesk word
    assert code == 0
    assert out.splitlines()[:3] == [
        "helpdesk_export.csv: 56 rows, 20 cases",
        "  to send:  56",
        "  invalid:  0",
    ]
    assert not (tmp_path / "invalid.csv").exists()  # no empty files


def test_plans_of_one_input_share_one_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    folder = Path("backfill-reports") / "history-plan"
    (folder / "plan.csv").parent.mkdir(parents=True)
    (folder / "plan.csv").write_text("stale")
    for _ in range(2):
        code, out, _ = run("plan", str(SAMPLE / "history.csv"))
        assert code == 1
    assert [p.name for p in (tmp_path / "backfill-reports").iterdir()] == ["history-plan"]
    assert sorted(p.name for p in folder.iterdir()) == [
        "cases.csv",
        "invalid.csv",
        "plan.csv",
        "requests.jsonl",
    ]
    assert len(read_csv(folder / "plan.csv")) == 210  # replaced
    wrote = "Wrote plan.csv, cases.csv, invalid.csv and requests.jsonl to"
    assert f"{wrote} {folder}" in out.splitlines()


def test_the_plan_folder_follows_output_dir(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "backfill.yaml"
    config.write_text("output:\n  dir: reports/{run_id}\n")
    code, _, _ = run("validate", str(SAMPLE / "history.csv"), str(SAMPLE / "history.xlsx"))
    assert code == 1
    assert (tmp_path / "reports" / "history-and-1-more-plan" / "invalid.csv").exists()


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (
            "input:\n  colums: {}\n",
            "unknown key 'input.colums' in section 'input'; allowed keys are: encoding, "
            "layout, layout_check, steps, step_notes, step_order, ties, audit, sheet, "
            "header_row, columns, status_map, timezone, date_format, dayfirst",
        ),
        (
            "send:\n  assignee: sometimes\n",
            "'send.assignee': Input should be 'every', 'last' or 'never' (got 'sometimes')",
        ),
        (
            "validation:\n  require_note: maybe\n",
            "'validation.require_note': Input should be a valid boolean",
        ),
        (
            "responses:\n  source: file\n",
            "responses.source is 'file' but responses.file is not set",
        ),
    ],
)
def test_bad_config_exits_2_naming_the_key(tmp_path: Path, yaml_text: str, message: str) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(yaml_text)
    for command in ("validate", "plan"):
        code, out, err = run(command, str(SAMPLE / "history.csv"), "-c", str(config))
        assert code == 2
        assert message in err
        assert "Traceback" not in err and out == ""
    assert not (tmp_path / "backfill-reports").exists()


def test_responses_file_without_a_date_column_exits_2(tmp_path: Path) -> None:
    responses = tmp_path / "responses.csv"
    responses.write_text("number_customergauge,a,b\n1,x,y\n")
    config = tmp_path / "backfill.yaml"
    config.write_text(f"responses:\n  file: {responses}\n")
    code, _, err = run("plan", str(SAMPLE / "history.csv"), "-c", str(config))
    assert code == 2
    assert err == (
        f"Error: {responses}: cannot tell which column holds the survey response date; "
        "columns are: number_customergauge, a, b; name it with responses.date_column\n"
    )


def test_missing_input_exits_2_without_traceback(tmp_path: Path) -> None:
    code, _, err = run("validate", str(tmp_path / "nope.csv"))
    assert code == 2
    assert "nope.csv" in err and "Traceback" not in err
