"""The three exports of issue 25 that `init` read wrong, written as their products' users
would get them (saved here as UTF-8: reading other encodings is another test's work):

- a Polish ticket list (one row per ticket, `;`), five time columns, one of them a due date
  computed from the priority's SLA;
- a Russian change history (field / old value / new value, newest first), with a subject
  column that is the same on every row of a ticket and a comment column;
- a Japanese update history (one row per update), its status beside a priority, multi-line
  comments, and the inquiry's registration time (its first update's time).

Each builder returns the rows; `EXPECTED` holds what a right config maps.
"""

from __future__ import annotations

import csv
import itertools
import random
from datetime import datetime, timedelta
from pathlib import Path

START = datetime(2024, 1, 8, 8, 0)


def write(path: Path, header: list[str], rows: list[list[str]], delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


# --- Polish ticket list -------------------------------------------------------------------

POLISH_HEADER = [
    "Nr zgłoszenia", "Temat", "Status", "Priorytet", "Kategoria", "Agent", "E-mail agenta",
    "Klient", "E-mail klienta", "Data utworzenia", "Termin", "Pierwsza odpowiedź",
    "Data rozwiązania", "Data zamknięcia", "Notatka rozwiązania", "Numer CustomerGauge",
]  # fmt: skip
_PL_TOPICS = ["Brak zwrotu pieniędzy", "Uszkodzona przesyłka", "Nie mogę się zalogować",
              "Błędna faktura", "Zmiana adresu dostawy", "Reklamacja produktu"]  # fmt: skip
_PL_AGENTS = [("Zofia Wójcik", "zofia.wojcik@sklep-pomoc.pl"),
              ("Łukasz Nowak", "lukasz.nowak@sklep-pomoc.pl"),
              ("Ewa Kamińska", "ewa.kaminska@sklep-pomoc.pl")]  # fmt: skip
_PL_NOTES = ["Zwrot środków zlecony, klient otrzyma pieniądze w ciągu 3 dni.",
             "Wysłaliśmy nową paczkę, kurier odbierze uszkodzoną przesyłkę.",
             "Hasło zresetowane, klient zalogował się poprawnie.",
             "Faktura korygująca wystawiona i wysłana e-mailem.",
             "Adres zmieniony przed wysyłką, potwierdzenie wysłane klientowi.",
             "Reklamacja uznana, wymiana towaru na nowy egzemplarz."]  # fmt: skip
_PL_SLA = {"Wysoki": 8, "Średni": 24, "Niski": 72}  # hours to the due date
_PL_FIRST = ["Agnieszka", "Małgorzata", "Krzysztof", "Grzegorz", "Joanna", "Paweł", "Anna"]
_PL_LAST = ["Wiśniewska", "Dąbrowski", "Lewandowska", "Zieliński", "Szymańska", "Woźniak"]


def _pl(moment: datetime | None) -> str:
    return moment.strftime("%d.%m.%Y %H:%M") if moment else ""


def polish_tickets(count: int = 68, seed: int = 25) -> list[list[str]]:
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        created = START + timedelta(hours=rng.randint(0, 24 * 90), minutes=rng.randint(0, 59))
        priority = rng.choice(list(_PL_SLA))
        due = created + timedelta(hours=_PL_SLA[priority])
        stage = rng.choices(["Nowe", "W toku", "Oczekuje na klienta", "Rozwiązane", "Zamknięte"],
                            [1, 2, 1, 3, 5])[0]  # fmt: skip
        first = solved = closed = None
        if stage != "Nowe":
            first = created + timedelta(minutes=rng.randint(20, 30 * 60))
        if stage in ("Rozwiązane", "Zamknięte"):
            assert first is not None
            solved = first + timedelta(minutes=rng.randint(60, 120 * 60))
        if stage == "Zamknięte":
            assert solved is not None
            closed = solved + timedelta(hours=rng.randint(24, 96))
        topic = rng.randrange(len(_PL_TOPICS))
        agent, agent_mail = rng.choice(_PL_AGENTS)
        rows.append([
            str(51200 + i), _PL_TOPICS[topic], stage, priority,
            rng.choice(["Płatności", "Dostawa", "Konto"]), agent, agent_mail,
            f"{rng.choice(_PL_FIRST)} {rng.choice(_PL_LAST)}", f"klient{i}@poczta.example.pl",
            _pl(created), _pl(due), _pl(first), _pl(solved), _pl(closed),
            f"{_PL_NOTES[topic]} Zamówienie nr {7700 + i}." if solved else "",
            str(30417000 + i * 7),
        ])  # fmt: skip
    return rows


# --- Russian change history ---------------------------------------------------------------

RUSSIAN_HEADER = ["Номер заявки", "ID CustomerGauge", "Тема", "Дата изменения", "Автор",
                  "Поле", "Старое значение", "Новое значение", "Комментарий"]  # fmt: skip
_RU_TOPICS = ["Не пришёл возврат", "Повреждённая посылка", "Не могу войти в кабинет",
              "Ошибка в счёте", "Смена адреса доставки", "Вопрос по гарантии"]  # fmt: skip
_RU_AGENTS = ["Иванова Мария", "Смирнов Алексей", "Кузнецова Ольга"]
_RU_COMMENTS = ["Связались с клиентом, уточнили номер заказа.",
                "Передали запрос в службу доставки, ждём ответа.",
                "Клиент подтвердил, что проблема решена. Спасибо!",
                "Сделали возврат средств на карту клиента.",
                "Попросили клиента прислать фото упаковки."]  # fmt: skip


def russian_history(cases: int = 20, seed: int = 7) -> list[list[str]]:
    """Newest first, as the history screen exports it."""
    rng = random.Random(seed)
    events: list[tuple[datetime, list[str]]] = []
    for c in range(cases):
        case = [f"ЗВ-{1040 + c}", str(78120000 + c * 13), _RU_TOPICS[c % len(_RU_TOPICS)]]
        agent = rng.choice(_RU_AGENTS)
        changes = [("Портал", "Статус", "", "Новая", ""), ("Портал", "Исполнитель", "", agent, "")]
        if rng.random() < 0.3:
            changes.append((agent, "Приоритет", "Обычный", "Высокий", ""))
        path = ["Новая", "В работе"]
        if rng.random() < 0.6:
            path += ["Ожидает ответа клиента", "В работе"]
        path += ["Решена"] + (["Закрыта"] if c % 5 else [])
        for old, new in itertools.pairwise(path):
            if rng.random() < 0.5:
                changes.append((agent, "Комментарий", "", "", rng.choice(_RU_COMMENTS)))
            changes.append((agent, "Статус", old, new, ""))
        moment = START + timedelta(hours=rng.randint(0, 24 * 60))
        for change in changes:
            events.append((moment, [*case, moment.strftime("%d.%m.%Y %H:%M"), *change]))
            moment += timedelta(minutes=rng.randint(30, 600))
    events.sort(key=lambda e: e[0], reverse=True)
    return [row for _, row in events]


# --- Japanese update history --------------------------------------------------------------

JAPANESE_HEADER = ["問い合わせ番号", "CustomerGauge ID", "件名", "登録日時", "更新日時",
                   "ステータス", "優先度", "担当者", "担当者メール", "お客様メール",
                   "コメント"]  # fmt: skip
_JA_TOPICS = ["返金がまだ届かない", "商品が破損していた", "ログインできない", "請求書の誤り",
              "配送先の変更", "保証について"]  # fmt: skip
_JA_AGENTS = [("佐藤", "sato@support.example.jp"), ("鈴木", "suzuki@support.example.jp"),
              ("高橋", "takahashi@support.example.jp")]  # fmt: skip
_JA_COMMENTS = ["お客様に電話で状況を確認しました。\n配送業者に調査を依頼済みです。",
                "返金手続きを行いました。\n3営業日以内に反映されます。",
                "パスワードを再設定しました。",
                "お客様からの返信待ちです。\n写真の送付をお願いしました。",
                "請求書を再発行し、メールで送付しました。",
                "新しい商品を発送しました。\n追跡番号をお知らせしました。",
                "担当部署に確認中です。"]  # fmt: skip


def _ja(moment: datetime) -> str:
    return f"{moment:%Y/%m/%d} {moment.hour}:{moment:%M}"


def japanese_history(cases: int = 20, seed: int = 3, status: str = "ステータス",
                     priority: str = "優先度") -> tuple[list[str], list[list[str]]]:  # fmt: skip
    """(header, rows): `status` and `priority` name those two columns."""
    rng = random.Random(seed)
    header = [status if h == "ステータス" else priority if h == "優先度" else h
              for h in JAPANESE_HEADER]  # fmt: skip
    rows = []
    for c in range(cases):
        registered = START + timedelta(hours=rng.randint(0, 24 * 60), minutes=rng.randint(0, 59))
        path = ["新規", "対応中"] + (["回答待ち", "対応中"] if rng.random() < 0.5 else [])
        path += ["解決済み"] + (["クローズ"] if c % 4 else [])
        level = rng.choice(["高", "中", "低"])
        agent, mail = rng.choice(_JA_AGENTS)
        moment = registered
        for step, word in enumerate(path):
            if step and c % 7 == 0 and word == "解決済み":
                level = "高"  # a priority changes now and then
            comment = rng.choice(_JA_COMMENTS) if step and rng.random() < 0.85 else ""
            rows.append([f"Q{2400 + c}", str(66013000 + c * 11), _JA_TOPICS[c % 6],
                         _ja(registered), _ja(moment), word, level, agent, mail,
                         f"kyaku{c}@mail.example.jp", comment])  # fmt: skip
            moment += timedelta(minutes=rng.randint(15, 900))
    return header, rows


# what a right config maps (input.columns, steps, audit), per example
EXPECTED = {
    "polish": {
        "layout": "wide",
        "columns": {"number_customergauge": "Numer CustomerGauge", "note": "Notatka rozwiązania",
                    "assignee": "E-mail agenta"},
        "steps": {"open": "Data utworzenia", "progress": "Pierwsza odpowiedź",
                  "closed": ["Data rozwiązania", "Data zamknięcia"]},
    },
    "russian": {
        "layout": "audit",
        "columns": {"number_customergauge": "ID CustomerGauge", "status": "Новое значение",
                    "happened_at": "Дата изменения", "note": "Комментарий"},
        "audit": {"field_column": "Поле", "status_fields": ["Статус"],
                  "old_status": "Старое значение"},
    },
    "japanese": {
        "layout": "long",
        "columns": {"number_customergauge": "CustomerGauge ID", "status": "ステータス",
                    "happened_at": "更新日時", "note": "コメント", "assignee": "担当者メール"},
    },
}  # fmt: skip
