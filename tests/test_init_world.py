"""Issue 25's three exports that `init` read wrong: each now gets the right config, and the
status words init cannot know are TODOs whose suggestion (from their place in the
timelines), once a person confirms it, lets every row through `plan`."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from backfill.cli.main import cli
from backfill.config import config_from_dict
from backfill.plan.build import build_plan
from tests.init_examples import (
    EXPECTED,
    POLISH_HEADER,
    RUSSIAN_HEADER,
    japanese_history,
    polish_tickets,
    russian_history,
    write,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)
SUGGESTED = re.compile(
    r'# TODO "(?P<word>[^"]+)": open \| progress \| closed .*: (?:a reopening, )?(?P<what>\w+)\?;'
)


def init(export: Path) -> tuple[dict[str, Any], list[str]]:
    target = export.with_suffix(".yaml")
    result = CliRunner().invoke(cli, ["init", str(export), "-o", str(target)])
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    return yaml.safe_load(text)["input"], text.splitlines()


def comment(lines: list[str], start: str) -> str:
    return next(line for line in lines if line.strip().startswith(start)).split(" # ", 1)[1]


def confirmed(config: dict[str, Any], lines: list[str]) -> dict[str, Any]:
    """The config once a person has confirmed each status word's suggestion (and set the
    zone): what the TODO comments propose, nothing more."""
    answers = {m["word"]: m["what"] for line in lines if (m := SUGGESTED.search(line))}
    status_map = {**(config.get("status_map") or {}), **answers}
    return {**config, "status_map": status_map, "timezone": "Europe/Warsaw"}


def planned(export: Path, config: dict[str, Any]) -> dict[str, Any]:
    plan = build_plan([export], config_from_dict({"input": config}), now=NOW)
    return plan.summary()


def test_the_polish_ticket_list_gets_its_steps_from_their_order(tmp_path: Path) -> None:
    rows = polish_tickets()
    export = write(tmp_path / "zgloszenia.csv", POLISH_HEADER, rows, ";")
    config, lines = init(export)
    expected = EXPECTED["polish"]
    assert config["layout"] == expected["layout"]
    assert config["columns"] == expected["columns"]
    assert config["steps"] == expected["steps"]
    assert list(config["steps"]) == ["open", "progress", "closed"]
    assert not [line for line in lines if re.search(r"# TODO\b(?!: times carry)", line)]
    replied = sum(1 for row in rows if row[POLISH_HEADER.index("Pierwsza odpowiedź")])
    solved = sum(1 for row in rows if row[POLISH_HEADER.index("Data rozwiązania")])
    assert comment(lines, "open:") == (
        "the header says 'utworzenia' (Polish); 68 of 68 values are times, before 'Pierwsza "
        f"odpowiedź' in {replied} of {replied} rows with both"
    )
    # the due date falls on both sides of the first reply: no step, by the order alone
    due = next(line for line in lines if line.startswith("    # 'Termin' holds times too;"))
    sides = rf"it falls before 'Pierwsza odpowiedź' in \d+ and after it in \d+ of {replied} rows"
    assert re.search(sides, due)
    assert "always 8 hours or 24 hours or 3 days after 'Data utworzenia'" in due
    summary = planned(export, confirmed(config, lines))
    assert summary["invalid"] == 0 and summary["file_rows"] == 68
    assert summary["rows"] == 68 + replied + solved  # each opening, first reply and closing


def _status_rows(rows: list[list[str]], word: str) -> int:
    """How often a status word stands in the log's old or new value of a status change."""
    return sum((row[6] == word) + (row[7] == word) for row in rows if row[5] == "Статус")


def test_the_russian_change_log_is_audit_newest_first(tmp_path: Path) -> None:
    rows = russian_history()
    export = write(tmp_path / "история.csv", RUSSIAN_HEADER, rows, ";")
    config, lines = init(export)
    expected = EXPECTED["russian"]
    assert config["layout"] == "audit"
    assert config["columns"] == expected["columns"]  # the subject is not the note
    assert config["audit"] == expected["audit"]
    assert "the rows come newest first: a status-change log" in comment(lines, "layout:")
    assert "not 'Тема' (the same on every row of 20 of 20 cases" in comment(lines, "note:")
    assert not config["status_map"]  # no word is used before a person confirms it
    todos = {
        line.split('"')[1]: line.split("(not a word backfill knows; ")[1]
        for line in lines
        if line.strip().startswith('# TODO "')
    }
    waited = len({row[1] for row in rows if row[7] == "Ожидает ответа клиента"})
    closed = len({row[1] for row in rows if row[7] == "Закрыта"})
    count = {word: _status_rows(rows, word) for word in todos}
    assert todos == {
        "Новая": f"first status of 20 of 20 cases: open?; {count['Новая']} rows)",
        "В работе": "between the first and the last status in 20 of 20 cases: progress?; "
        f"{count['В работе']} rows)",
        "Ожидает ответа клиента": f"between the first and the last status in {waited} of "
        f"{waited} cases: progress?; {count['Ожидает ответа клиента']} rows)",
        "Решена": f"last status of {20 - closed} of 20 finished cases, and only 'Закрыта' follows "
        f"it: closed?; {count['Решена']} rows)",
        "Закрыта": f"last status of {closed} of 20 finished cases: closed?; {closed} rows)",
    }
    summary = planned(export, confirmed(config, lines))
    assert summary["invalid"] == 0 and summary["unknown_statuses"] == {}
    changes = sum(1 for row in rows if row[5] == "Статус")
    comments = sum(1 for row in rows if row[8])
    assert summary["rows"] == changes + comments  # priority and owner changes are no action


def test_the_japanese_history_finds_its_status_note_and_no_response_date(
    tmp_path: Path,
) -> None:
    header, rows = japanese_history()
    export = write(tmp_path / "更新履歴.csv", header, rows)
    config, lines = init(export)
    assert config["layout"] == "long"
    assert config["columns"] == EXPECTED["japanese"]["columns"]  # no response_date
    assert comment(lines, "status:").startswith(
        "the header says 'ステータス' (Japanese); it changes within 20 of the 20 cases with "
        "several rows; not '優先度' (the same within 17 of 20 cases: a fact of the case, such "
        "as a priority)"
    )
    assert comment(lines, "note:").startswith(
        "65 of 65 values are free text, 23 East Asian characters on average, 36 of several lines"
    )
    assert (
        "    # '登録日時' is no survey response date: it is the time of each case's first action "
        "('更新日時') in 20 of 20 cases, the case's creation"
    ) in lines
    summary = planned(export, confirmed(config, lines))
    assert summary["invalid"] == 0 and summary["rows"] == len(rows)
