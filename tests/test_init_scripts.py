"""`init` decides by shape whatever the script: Cyrillic, Japanese, Polish and Greek inputs
whose headers and status words no lexicon knows (issue 25, items 3-6). Each rule is tested
where only the shape can decide: a header word would be evidence, and there is none."""

from __future__ import annotations

import csv
import itertools
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from backfill.cli.main import cli
from backfill.starter import lexicon

START = datetime(2024, 3, 4, 9, 0)


def write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


def init(export: Path) -> tuple[dict[str, Any], list[str]]:
    target = export.with_suffix(".yaml")
    result = CliRunner().invoke(cli, ["init", str(export), "-o", str(target)])
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    return yaml.safe_load(text)["input"], text.splitlines()


def comment(lines: list[str], start: str) -> str:
    return next(line for line in lines if line.strip().startswith(start)).split(" # ", 1)[1]


def at(hours: float) -> str:
    return (START + timedelta(hours=hours)).strftime("%Y-%m-%d %H:%M")


def unknown(*headers: str) -> None:
    """The test is about shape: no header may hold a word of the lexicon."""
    tables = [lexicon.OPEN, lexicon.PROGRESS, lexicon.CLOSED, lexicon.DEADLINE,
              lexicon.NOT_STEP, lexicon.STATUS_FIELD, lexicon.OLD, lexicon.NEW, lexicon.NOTE,
              lexicon.TITLE, lexicon.FIELD]  # fmt: skip
    for header in headers:
        assert not [t for t in tables if lexicon.says(header, t)], header


# --- item 3: the status column and its words, by shape -------------------------------------

# the stage's header and its first, middle and last words; a priority's header and words;
# the time's header
STAGES = {
    "ru": ("Этап", ("Принята", "Выполняется", "Готово"), "Важность", ("Высокая", "Низкая"),
           "Когда"),
    "ja": ("進捗", ("受付済", "作業中", "完了済"), "重要度", ("高", "低"), "日時"),
    "pl": ("Etap", ("Przyjęte", "W realizacji", "Gotowe"), "Ważność", ("Wysoka", "Niska"),
           "Kiedy"),
    "el": ("Στάδιο", ("Παραλήφθηκε", "Σε εξέλιξη", "Ολοκληρώθηκε"), "Σημασία",
           ("Υψηλή", "Χαμηλή"), "Πότε"),
}  # fmt: skip


@pytest.mark.parametrize("language", sorted(STAGES))
def test_the_status_is_the_column_that_moves_within_cases(language: str, tmp_path: Path) -> None:
    stage, (first, middle, last), priority, levels, when = STAGES[language]
    unknown(stage, priority, when)
    rows = []
    for case in range(6):
        path = [first, middle, middle, last] if case < 5 else [first, middle]
        for step, word in enumerate(path):
            level = levels[case % 2]
            rows.append([str(880 + case), level, word, at(case * 30 + step * 5)])
    header = ["CustomerGauge ID", priority, stage, when]  # the priority comes first
    config, lines = init(write(tmp_path / "log.csv", header, rows))
    assert config["layout"] == "long"
    assert config["columns"]["status"] == stage
    assert comment(lines, "status:") == (
        f"it changes within 6 of the 6 cases with several rows; not '{priority}' (the same "
        "within 6 of 6 cases: a fact of the case, such as a priority)"
    )
    assert not config["status_map"]  # suggestions are comments until a person confirms them
    todo = {line.split('"')[1]: line for line in lines if line.strip().startswith('# TODO "')}
    assert "first status of 6 of 6 cases: open?; 6 rows)" in todo[first]
    assert "last status of 5 of 5 finished cases: closed?; 5 rows)" in todo[last]
    assert "between the first and the last status in 5 of 6 cases: progress?" in todo[middle]


def test_a_resolution_and_a_reopening_are_told_by_their_places(tmp_path: Path) -> None:
    new, working, solved, closed, reopened = (
        "Νέο", "Σε εξέλιξη", "Επιλύθηκε", "Κλειστό", "Άνοιξε ξανά"
    )  # fmt: skip
    paths = [[new, working, solved, closed], [new, solved, reopened, working, solved],
             [new, working, solved], [new, working, solved, closed],
             [new, solved, reopened, solved, closed], [new, working]]  # fmt: skip
    rows = [[str(990 + c), word, at(c * 24 + s)] for c, path in enumerate(paths)
            for s, word in enumerate(path)]  # fmt: skip
    _, lines = init(write(tmp_path / "log.csv", ["CustomerGauge ID", "Στάδιο", "Πότε"], rows))
    todo = {line.split('"')[1]: line.split("knows; ")[1] for line in lines if '# TODO "' in line}
    assert todo[solved] == (
        f"last status of 2 of 5 finished cases, and only '{reopened}', '{closed}' follow it: "
        "closed?; 7 rows)"
    )
    assert todo[closed] == "last status of 3 of 5 finished cases: closed?; 3 rows)"
    assert (
        todo[reopened] == f"comes only after '{solved}' (in 2 cases): a reopening, open?; 2 rows)"
    )
    assert todo[new] == "first status of 6 of 6 cases: open?; 6 rows)"


def test_a_word_seen_in_too_few_cases_suggests_nothing(tmp_path: Path) -> None:
    rows = [[str(880 + c), word, at(c * 24 + s)]
            for c in range(4) for s, word in enumerate(["Принята", "Выполняется"])]  # fmt: skip
    rows.append(["883", "Отложена", at(80)])
    _, lines = init(write(tmp_path / "log.csv", ["CustomerGauge ID", "Этап", "Когда"], rows))
    assert (
        '    # TODO "Отложена": open | progress | closed  (cannot tell what it means; 1 row)'
    ) in lines


# --- item 4: steps by time order, whatever the headers' language ---------------------------

# four time columns: the opening, a reply, the closing and a due date 8 hours after the opening
MARKS = {
    "ru": ("Отметка", "Срок?"),
    "ja": ("時刻", "時刻E"),
    "pl": ("Znacznik", "Znacznik E"),
    "el": ("Σημείο", "Σημείο Ε"),
}
REPLY_HOURS = [1, 3, 5, 10, 12, 14, 2, 9, 11, 4, 13, 6]  # on both sides of the due date


@pytest.mark.parametrize("language", sorted(MARKS))
def test_steps_follow_their_times_and_a_due_date_is_no_step(language: str, tmp_path: Path) -> None:
    mark, _ = MARKS[language]
    opening, reply, closing, due = (f"{mark} {n}" for n in ("A", "B", "C", "D"))
    unknown(opening, reply, closing, due)
    rows = []
    for i, hours in enumerate(REPLY_HOURS):
        start = i * 48
        close = at(start + hours + (2 if i % 3 == 0 else 20)) if i != 5 else ""
        rows.append([str(9100 + i), close, at(start + 8), at(start), at(start + hours)])
    header = ["CustomerGauge ID", closing, due, opening, reply]  # not in their order
    config, lines = init(write(tmp_path / "tickets.csv", header, rows))
    assert config["layout"] == "wide"
    assert list(config["steps"].items()) == [
        ("open", opening), ("progress", reply), ("closed", closing)
    ]  # fmt: skip
    order_only = "; only the order decided (no header word names the step)"
    assert comment(lines, "open:") == (
        f"12 of 12 values are times, before '{reply}' in 12 of 12 rows{order_only}"
    )
    assert comment(lines, "closed:") == (
        f"11 of 11 values are times, after '{reply}' in 11 of 11 rows with both{order_only}"
    )
    assert (
        f"    # '{due}' holds times too; it falls before '{closing}' in 8 and after it in 3 of 11 "
        f"rows, before '{reply}' in 6 and after it in 6 of 12 rows; always 8 hours after "
        f"'{opening}': a due date or a target, no step"
    ) in lines
    assert not [line for line in lines if line.startswith("# TODO")]


def test_a_last_update_on_every_row_is_no_step(tmp_path: Path) -> None:
    header = ["CustomerGauge ID", "Отметка A", "Отметка B", "Отметка C", "Отметка Z"]
    unknown(*header[1:])
    rows = []
    for i in range(10):
        opened, replied = i * 48, i * 48 + 3 if i % 4 else None
        closed = i * 48 + 30 if i % 3 else None
        latest = max(h for h in (opened, replied, closed) if h is not None)
        rows.append([str(9200 + i), at(opened), at(replied) if replied is not None else "",
                     at(closed) if closed is not None else "", at(latest)])  # fmt: skip
    config, lines = init(write(tmp_path / "tickets.csv", header, rows))
    assert config["steps"] == {"open": "Отметка A", "progress": "Отметка B", "closed": "Отметка C"}
    assert (
        "    # 'Отметка Z' holds times too; it holds the latest time of its row, the same as "
        "'Отметка C' on 6 rows, 'Отметка B' on 3 rows: a last change, no step"
    ) in lines


def test_two_columns_crossing_each_other_alone_are_a_question(tmp_path: Path) -> None:
    header = ["CustomerGauge ID", "Σημείο A", "Σημείο B", "Σημείο C"]
    unknown(*header[1:])
    gaps = [(2, 5), (6, 3), (1, 9), (8, 4), (3, 7), (9, 2)]  # B and C on both sides
    rows = [[str(9300 + i), at(i * 48), at(i * 48 + b), at(i * 48 + c)]
            for i, (b, c) in enumerate(gaps)]  # fmt: skip
    config, lines = init(write(tmp_path / "tickets.csv", header, rows))
    assert config.get("steps") == {"open": "Σημείο A"}
    assert (
        "# TODO: 'Σημείο B' and 'Σημείο C' fall before and after each other in many rows: one "
        "of them is no step (a due date, a target); add the other to input.steps"
    ) in lines


# --- item 5: a change log by the shape of its values -----------------------------------------

# the field column's header, the two value columns' headers, the status field, another field
LOGS = {
    "ru": ("Что", ("Колонка 1", "Колонка 2"), "Этап", "Важность"),
    "ja": ("対象", ("値1", "値2"), "進捗", "重要度"),
    "pl": ("Co", ("Kolumna 1", "Kolumna 2"), "Etap", "Ważność"),
    "el": ("Τι", ("Στήλη 1", "Στήλη 2"), "Στάδιο", "Σημασία"),
}


@pytest.mark.parametrize("language", sorted(LOGS))
def test_a_change_log_is_read_by_its_chain_newest_first(language: str, tmp_path: Path) -> None:
    field, (left, right), stage, priority = LOGS[language]
    _, (first, middle, last), _, levels, _ = STAGES[language]
    unknown(field, left, right, stage)
    rows = []
    for case in range(5):
        changes = [(stage, "", first), (priority, levels[0], levels[1]), (stage, first, middle),
                   (stage, middle, last)][: 4 if case else 3]  # fmt: skip
        for step, (name, old, new) in enumerate(changes):
            # the new value LEFT of the old one: only the chain tells them apart
            rows.append([str(770 + case), at(case * 24 + step), name, new, old])
    rows.reverse()  # newest first, as history screens export
    header = ["CustomerGauge ID", "Zeit", field, left, right]
    config, lines = init(write(tmp_path / "history.csv", header, rows))
    assert config["layout"] == "audit"
    assert config["columns"]["status"] == left
    assert config["audit"] == {"field_column": field, "status_fields": [stage], "old_status": right}
    assert comment(lines, "layout:") == (
        f"19 rows, 5 distinct ids, 1 time column; '{field}' repeats 2 field names across cases, "
        f"and '{right}' and '{left}' chain: a change's new value is the old value of the "
        "field's next change in 9 of 9 changes; the rows come newest first: a status-change log"
    )
    assert comment(lines, "field_column:") == (
        f"'{stage}', the status field: in 5 of 5 cases, with the most changes (14 rows)"
    )
    assert comment(lines, "old_status:") == "the value before: the new value of the previous change"


def test_two_chained_status_columns_alone_are_a_status_log(tmp_path: Path) -> None:
    header = ["CustomerGauge ID", "Стало", "Было", "Когда"]  # 'became' left of 'was'
    rows = []
    for case in range(4):
        path = ["Новая", "В работе", "Ожидание", "В работе", "Закрыта"]
        for step, (old, new) in enumerate(itertools.pairwise(path)):
            rows.append([str(660 + case), new, old, at(case * 24 + step)])
    config, _ = init(write(tmp_path / "history.csv", header, rows))
    assert config["layout"] == "audit"
    assert config["columns"]["status"] == "Стало" and config["audit"]["old_status"] == "Было"


# --- item 6: the note and the assignee by content, in every script -------------------------

# a subject's header and one subject per case (long, the same on all its rows); a comment's
# header and a few short comments
SUBJECTS = {
    "ru": ("Суть обращения",
           "Клиент сообщает, что посылка №{n} пришла повреждённой и просит замену",
           "Что сделано",
           ["Позвонили клиенту утром", "Отправили замену курьером", "Ждём фото от клиента"]),
    "ja": ("用件",
           "ご注文番号{n}の商品が破損した状態で届いたため交換を希望されています",
           "対応記録",
           ["お客様に電話しました", "交換品を発送しました", "写真をお待ちしています"]),
    "pl": ("Sprawa",
           "Klient zgłasza, że paczka nr {n} dotarła uszkodzona i prosi o wymianę",
           "Co zrobiono",
           ["Zadzwoniliśmy do klienta", "Wysłano wymianę", "Czekamy na zdjęcia"]),
    "el": ("Υπόθεση",
           "Ο πελάτης αναφέρει ότι το δέμα {n} έφτασε κατεστραμμένο και ζητά αλλαγή",
           "Ενέργειες",
           ["Καλέσαμε τον πελάτη", "Στάλθηκε αντικατάσταση", "Περιμένουμε φωτογραφίες"]),
}  # fmt: skip


@pytest.mark.parametrize("language", sorted(SUBJECTS))
def test_a_column_the_same_on_every_row_of_a_case_is_never_the_note(
    language: str, tmp_path: Path
) -> None:
    subject, text, notes, said = SUBJECTS[language]
    unknown(subject, notes)
    rows = [[str(550 + c), ["Open", "Pending", "Solved"][s], at(c * 24 + s),
             text.format(n=4400 + c), said[(c + s) % 3]]
            for c in range(8) for s in range(3)]  # fmt: skip
    header = ["CustomerGauge ID", "Status", "Changed", subject, notes]
    config, lines = init(write(tmp_path / "log.csv", header, rows))
    assert config["columns"]["note"] == notes
    assert comment(lines, "note:").endswith(
        f"; not '{subject}' (the same on every row of 8 of 8 cases: a fact of the case, such as "
        "its subject, never an action's note)"
    )


EAST_ASIAN = {
    "ja": ["お客様に電話で状況を確認しました", "返金の手続きが完了しました",
           "新しい商品を再送しました"],
    "zh": ["已致电客户确认问题", "退款已处理完毕", "已重新发货给客户"],
    "ko": ["고객에게 전화로 확인함", "환불 처리 완료", "상품 재발송함"],
}  # fmt: skip


@pytest.mark.parametrize("language", sorted(EAST_ASIAN))
def test_east_asian_comments_are_not_judged_short(language: str, tmp_path: Path) -> None:
    said = EAST_ASIAN[language]
    rows = [[str(440 + c), ["Open", "Pending", "Solved"][s], at(c * 24 + s), said[(c + s) % 3]]
            for c in range(6) for s in range(3)]  # fmt: skip
    header = ["CustomerGauge ID", "Status", "Changed", "Z"]
    config, lines = init(write(tmp_path / "log.csv", header, rows))
    assert config["columns"]["note"] == "Z"
    assert comment(lines, "note:").startswith("18 of 18 values are free text")


def test_a_customer_address_on_every_row_of_a_case_is_no_assignee(tmp_path: Path) -> None:
    header = ["CustomerGauge ID", "Status", "Changed", "Адрес"]
    unknown("Адрес")
    rows = [[str(330 + c), ["Open", "Pending", "Pending", "Solved"][s], at(c * 24 + s),
             f"client{c}@mail.example.ru"] for c in range(6) for s in range(4)]  # fmt: skip
    config, lines = init(write(tmp_path / "log.csv", header, rows))
    # 6 addresses on 24 rows would be few people; but 6 people in 6 cases are no agents
    assert "assignee" not in config["columns"]
    assert any(line.startswith('    # TODO assignee: "Адрес"') for line in lines)


def test_each_case_s_first_action_time_is_its_creation_not_a_response(tmp_path: Path) -> None:
    header = ["CustomerGauge ID", "Status", "Στιγμή 1", "Στιγμή 2", "Στιγμή 0"]
    rows = []
    for c in range(5):
        for s in range(3):  # 'Στιγμή 1': the case's first action; 'Στιγμή 0': a day earlier
            rows.append([str(220 + c), ["Open", "Pending", "Solved"][s], at(c * 24),
                         at(c * 24 + s * 3), at(c * 24 - 24)])  # fmt: skip
    config, lines = init(write(tmp_path / "log.csv", header, rows))
    assert config["columns"]["happened_at"] == "Στιγμή 2"
    assert config["columns"]["response_date"] == "Στιγμή 0"
    assert (
        "    # 'Στιγμή 1' is no survey response date: it is the time of each case's first action "
        "('Στιγμή 2') in 5 of 5 cases, the case's creation"
    ) in lines
