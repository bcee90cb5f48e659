"""`backfill init`: a starting config from an export, every guess with its evidence."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import yaml
from click.testing import CliRunner

from backfill.cli.main import cli
from backfill.config import load_config
from backfill.plan.build import build_plan

ROOT = Path(__file__).resolve().parent.parent
HELPDESK = ROOT / "sample_data" / "helpdesk_export.csv"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def init(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["init", *args], prog_name="backfill")
    return result.exit_code, result.output


def test_init_on_the_helpdesk_export_maps_everything_with_evidence(tmp_path: Path) -> None:
    target = tmp_path / "backfill.yaml"
    code, out = init(str(HELPDESK), "-o", str(target))
    assert code == 0
    assert out.splitlines()[-1] == f"Next: backfill validate {HELPDESK} -c {target}"
    text = target.read_text(encoding="utf-8")
    by_hand = load_config(HELPDESK.parent / "helpdesk.yaml").input  # the config a person wrote
    assert yaml.safe_load(text)["input"] == {
        "encoding": "cp1252",
        "layout": "long",
        "columns": by_hand.columns,
        "status_map": {
            "New": "open",
            "Solved": "closed",
            "Working on it": "progress",
            "Waiting for customer": "progress",
        },
        "dayfirst": True,
        "date_format": "%d/%m/%Y %H:%M",
    }  # the zone is a question: a comment, so that validate and plan say which zone they read
    lines = text.splitlines()

    def comment(start: str) -> str:
        return next(line for line in lines if line.strip().startswith(start)).split(" # ", 1)[1]

    assert comment("encoding:") == "French: 'après'; as cp1250 these would read 'aprčs'"
    assert comment("assignee:") == (
        "the header says 'Agent'; 56 of 56 values are e-mail addresses of 5 people"
    )
    assert comment('"Working on it":') == "16 rows; reads as progress ('working')"
    assert (
        comment("# timezone:")
        .split(" # ", 1)[1]
        .startswith(
            "TODO: the header of 'Changed at (local)', 'Survey answered (local)' names a time zone"
        )
    )
    assert "have a number over 12 in first place: day first" in comment("dayfirst:")
    plan = build_plan([HELPDESK], load_config(target), now=NOW)
    assert plan.summary()["valid"] == 56


def test_an_unknown_status_word_is_a_todo_not_a_guess(tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    export.write_text(
        "number_customergauge,status,happened_at\n"
        "1,open,2024-01-01 10:00:00\n1,Parked,2024-01-02 10:00:00\n",
        encoding="utf-8",
    )
    target = tmp_path / "c.yaml"
    code, out = init(str(export), "-o", str(target))
    assert code == 0 and "2 TODO(s) to do first" in out  # the word and the time zone
    text = target.read_text(encoding="utf-8")
    assert '    # TODO "Parked": open | progress | closed  (cannot tell what it means; 1 row)' in (
        text.splitlines()
    )
    assert load_config(target).input.status_map == {"open": "open"}


def test_init_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "backfill.yaml"
    target.write_text("# mine\n", encoding="utf-8")
    code, out = init(str(HELPDESK), "-o", str(target))
    assert code == 2
    assert "already exists; backfill init never overwrites a config" in out
    assert target.read_text(encoding="utf-8") == "# mine\n"
    code, _ = init("--example", "-o", str(target))
    assert code == 2 and target.read_text(encoding="utf-8") == "# mine\n"


def test_init_example_writes_the_documented_example(tmp_path: Path) -> None:
    target = tmp_path / "example.yaml"
    code, _ = init("--example", "-o", str(target))
    assert code == 0
    example = (ROOT / "config.example.yaml").read_text(encoding="utf-8")
    assert target.read_text(encoding="utf-8") == example
    # the package's copy (for pip users) is the repository's file
    packaged = (ROOT / "backfill" / "starter" / "config.example.yaml").read_text(encoding="utf-8")
    assert packaged == example, "copy config.example.yaml to backfill/starter/ (shipped for init)"


def test_init_without_an_input_exits_2(tmp_path: Path) -> None:
    code, out = init("-o", str(tmp_path / "c.yaml"))
    assert code == 2 and "name the export(s) to look at" in out


def test_an_address_column_of_unknown_owner_is_a_todo_not_an_assignee(tmp_path: Path) -> None:
    export = ROOT / "sample_data" / "recipes" / "freshdesk" / "tickets.csv"
    target = tmp_path / "c.yaml"
    code, out = init(str(export), "-o", str(target))
    assert code == 0 and "2 TODO(s) to do first" in out  # the address and the time zone
    assert (
        '    # TODO assignee: "Email"  (3 of 3 values are e-mail addresses, but the header '
        "does not say whose: map it only if they are the agents')"
    ) in target.read_text(encoding="utf-8").splitlines()
    assert "assignee" not in load_config(target).input.columns


def test_init_reads_a_workbook_and_several_files_as_validate_does(tmp_path: Path) -> None:
    book = ROOT / "sample_data" / "history.xlsx"
    target = tmp_path / "c.yaml"
    code, _ = init(str(book), str(ROOT / "sample_data" / "history.csv"), "-o", str(target))
    assert code == 0
    columns = load_config(target).input.columns
    assert columns["assignee"] == "assignee" and columns["response_date"] == "response_date"
    code, out = init(str(book), str(HELPDESK), "-o", str(tmp_path / "d.yaml"))
    assert code == 2 and "have different columns" in out


def test_the_time_of_the_change_is_preferred_to_the_creation_time(tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    export.write_text(
        "Ticket created,CG ID,State,Changed at\n"
        "2024-01-01 09:00:00,5,open,2024-01-02 10:00:00\n"
        "2024-01-01 09:00:00,5,closed,2024-01-03 10:00:00\n",
        encoding="utf-8",
    )
    target = tmp_path / "c.yaml"
    assert init(str(export), "-o", str(target))[0] == 0
    assert load_config(target).input.columns["happened_at"] == "Changed at"
