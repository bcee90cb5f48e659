"""The missing-column error and validate name the columns a mapping leaves out."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner

from backfill.cli.main import cli

ROOT = Path(__file__).resolve().parent.parent
HELPDESK = ROOT / "sample_data" / "helpdesk_export.csv"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), prog_name="backfill")
    return result.exit_code, result.output


def test_the_missing_column_error_names_the_optional_columns_and_the_zone(
    tmp_path: Path,
) -> None:
    code, out = run("validate", str(HELPDESK), "--out", str(tmp_path))
    assert code == 2
    assert (
        "columns that look like optional fields but are not mapped: response_date: "
        "'Survey answered (local)' (the header says 'Survey'; 56 of 56 values are times); "
        "note: 'Agent comment' (47 of 47 values are free text, 35 characters on average, 6 of "
        "several lines, 6 distinct; the header says 'comment'); assignee: 'Agent e-mail' (the "
        "header says 'Agent'; 56 of 56 values are e-mail addresses of 5 people); map them in "
        "input.columns too, or their values are not sent"
    ) in " ".join(out.split())
    assert "names a time zone: set input.timezone" in out
    assert out.rstrip().endswith("`backfill init FILE` writes a config that maps all of this")


def test_validate_names_columns_the_config_leaves_out(tmp_path: Path) -> None:
    config = yaml.safe_load((ROOT / "sample_data" / "helpdesk.yaml").read_text())
    del config["input"]["columns"]["assignee"]
    del config["input"]["columns"]["response_date"]
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    code, out = run("validate", str(HELPDESK), "-c", str(path), "--out", str(tmp_path))
    assert code == 0
    [note] = [line for line in out.splitlines() if line.startswith("Note: ")]
    assert note.startswith(
        "Note: columns that look like optional fields but are not mapped: response_date: "
        "'Survey answered (local)'"
    )
    assert "assignee: 'Agent e-mail' (the header says 'Agent'" in note
    assert "time zone" not in out  # the config sets input.timezone


def test_a_response_date_column_is_found_by_its_values(tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    export.write_text(
        "number_customergauge,status,happened_at,Other date\n"
        "1,open,2024-01-02 10:00:00,2024-01-01 09:00:00\n"
        "1,closed,2024-01-03 10:00:00,2024-01-01 09:00:00\n"
        "2,open,2024-01-05 10:00:00,2024-01-04 09:00:00\n",
        encoding="utf-8",
    )
    code, out = run("validate", str(export), "--out", str(tmp_path))
    assert code == 0
    assert (
        "response_date: 'Other date' (its dates are before the actions' ('happened_at') in 3 "
        "of 3 rows and the same on every row of a case)"
    ) in out


def test_a_header_saying_utc_against_another_input_zone_is_named(tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    export.write_text(
        "number_customergauge,status,Changed (UTC)\n1,open,2024-01-02 10:00:00\n",
        encoding="utf-8",
    )
    config = tmp_path / "c.yaml"
    config.write_text(
        "input:\n  columns: {happened_at: Changed (UTC)}\n  timezone: Europe/Amsterdam\n",
        encoding="utf-8",
    )
    code, out = run("validate", str(export), "-c", str(config), "--out", str(tmp_path))
    assert code == 0
    assert (
        "Note: the header of 'Changed (UTC)' says UTC, but input.timezone is Europe/Amsterdam: "
        "times without an offset are read in input.timezone; set it to UTC if the header is right"
    ) in out


def test_validate_says_local_headers_need_input_timezone(tmp_path: Path) -> None:
    config = yaml.safe_load((ROOT / "sample_data" / "helpdesk.yaml").read_text())
    del config["input"]["timezone"]  # UTC, while the headers say "(local)"
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    code, out = run("validate", str(HELPDESK), "-c", str(path), "--out", str(tmp_path))
    assert code == 0
    assert (
        "Note: the header of 'Changed at (local)', 'Survey answered (local)' names a time zone: "
        "set input.timezone"
    ) in out
