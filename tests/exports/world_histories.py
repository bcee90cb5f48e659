"""Change histories (one row per changed field: field, old value, new value) from the rest of
the world, for issue 25: a Russian helpdesk's request history (cp1251, newest first), a
Chinese ticket operation log (GBK, oldest first, cases interleaved) and Salesforce's Case
History report of a Brazilian org saved by Excel (cp1252). `make_exports.py` writes them.

Status changes become actions of the new status; comment rows become note actions with the
status the case has then (make_exports.log_truth: SPEC's audit layout).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from typing import Any

from make_exports import (
    HERE,
    Change,
    Clock,
    Export,
    cg_ids,
    log_truth,
    salesforce,
    seed_for,
    status_walk,
    write_csv,
)
from world_logs import japanese, meanings


def russian(at: datetime) -> str:  # 05.03.2024 9:05 (ru-RU Excel: dd.mm.yyyy h:mm)
    return f"{at:%d.%m.%Y} {at.hour}:{at:%M}"


RU_WORDS = {"first": ["Новая"], "progress": ["В работе", "Ожидает ответа клиента"],
            "closed": ["Решена", "Закрыта"], "reopen": ["Переоткрыта"]}  # fmt: skip
RU_SUBJECTS = ["Товар пришёл повреждённым", "Не пришёл возврат денег", "Ошибка в счёте-фактуре",
               "Не могу войти в личный кабинет", "Перенос даты доставки",
               "Двойное списание с карты"]  # fmt: skip
RU_NOTES = ["Перезвонили клиенту: замена уйдёт завтра.",
            "Возврат 2 490 руб. одобрен бухгалтерией, клиенту отправлено письмо.",
            "Посылка повреждена при доставке.\nФото получены, претензия перевозчику подана.",
            "Счёт-фактура исправлена (неверный ИНН). Клиент подтвердил получение.",
            "Ждём от клиента номер заказа и фото этикетки.",
            "Двойное списание отменено; деньги вернутся в течение 3–5 рабочих дней."]  # fmt: skip
RU_AGENTS = ["Ольга Смирнова", "Дмитрий Кузнецов", "Анна Попова", "Сергей Васильев"]
RU_PRIORITIES = ["Низкий", "Средний", "Высокий", "Критический"]


def case_changes(
    rng: random.Random, clock: Clock, words: dict[str, list[str]], fields: dict[str, str],
    notes: list[str], agents: list[str], priorities: list[str],
) -> list[Change]:  # fmt: skip
    """One case's history in the product's terms: its creation (the first status), an
    assignment, status changes with comments between them, sometimes a priority change."""
    at = clock.start()
    status, first = fields["status"], words["first"][0]
    changes = [Change(at, status, "", first, status="open")]
    owner = rng.choice(agents)
    if rng.random() < 0.7:
        at = clock.later(at, 0.1, 3)
        changes.append(Change(at, fields["owner"], "", owner))
    previous = first
    for word, meaning in status_walk(rng, words):
        if rng.random() < 0.6:
            at = clock.later(at, 0.1, 10)
            changes.append(Change(at, fields["comment"], comment=rng.choice(notes)))
        at = clock.later(at, 0.3, 40)
        changes.append(Change(at, status, previous, word, status=meaning))
        previous = word
        if rng.random() < 0.15:
            at = clock.later(at, 0.5, 8)
            changes.append(Change(at, fields["priority"], *rng.sample(priorities, 2)))
    return changes


def russian_history() -> Export:
    """A Russian helpdesk's report "История изменений заявок", saved by Excel on Russian
    Windows: cp1251, ';', dd.mm.yyyy h:mm; grouped by request, newest change first; the
    subject repeats on every row of its request; comments as rows of their own."""
    name, zone = "ru_istoriya_zayavok.csv", "Europe/Moscow"
    rng = seed_for(name)
    clock = Clock(rng, zone, seconds=False)
    meaning = meanings(RU_WORDS)
    header = ["Номер заявки", "Тема", "ID CustomerGauge", "Дата изменения", "Автор изменения",
              "Поле", "Старое значение", "Новое значение", "Комментарий"]  # fmt: skip
    export = Export(name, "helpdesk request change history (Russian UI), saved by Excel on "
                    "Russian Windows: cp1251, ';', newest first", zone, {
        "layout": "audit", "id": "ID CustomerGauge", "times": {"happened_at": "Дата изменения"},
        "status": "Новое значение", "dayfirst": True, "zone_question": True,
        "note": "Комментарий", "assignee": None, "status_words": meaning, "response_date": None,
    }, encoding="cp1251", answers=meaning)  # fmt: skip
    fields = {"status": "Статус", "owner": "Ответственный", "comment": "Комментарий",
              "priority": "Приоритет"}  # fmt: skip
    rows: list[list[Any]] = []
    for n, case in enumerate(cg_ids(rng, 30)):
        number, subject = f"REQ-{5120 + n}", rng.choice(RU_SUBJECTS)
        changes = case_changes(rng, clock, RU_WORDS, fields, RU_NOTES, RU_AGENTS, RU_PRIORITIES)
        block = []
        for change in changes:
            author = "Система" if change is changes[0] else rng.choice(RU_AGENTS)
            block.append([number, subject, case, russian(change.local), author, change.field,
                          change.old, change.new, change.comment])  # fmt: skip
        rows.extend(reversed(block))  # newest first
        export.responses[case] = clock.response(changes[0].local)
        log_truth(export, case, changes, clock, len(rows))
    write_csv(HERE / export.name, header, rows, delimiter=";", encoding="cp1251")
    return export


ZH_WORDS = {"first": ["待处理"], "progress": ["处理中", "等待客户回复"],
            "closed": ["已解决", "已关闭"], "reopen": ["重新打开"]}  # fmt: skip
ZH_SUBJECTS = ["包裹破损", "退款未到账", "发票税号错误", "无法登录会员中心", "修改配送时间",
               "重复扣款"]  # fmt: skip
ZH_NOTES = ["已电话联系客户，补发商品明天寄出。", "财务已批准退款299元，已邮件通知客户。",
            "包裹运输途中破损。\n已拍照留证，并向快递公司提出索赔。",
            "发票已重新开具（税号有误），客户确认收到。", "请客户提供订单号和快递面单照片。",
            "重复扣款已撤销，款项将在3个工作日内退回。"]  # fmt: skip
ZH_AGENTS = ["王芳", "李娜", "张伟", "刘洋"]
ZH_PRIORITIES = ["低", "普通", "高", "紧急"]


def chinese_log() -> Export:
    """A Chinese helpdesk's 工单操作记录 (ticket operation log) for a date range, saved by
    Excel on Simplified Chinese Windows: GBK (cp936), ',', yyyy/m/d h:mm; every ticket's
    operations interleaved in time order; replies as 回复 rows with their text."""
    name, zone = "zh_gongdan_caozuo.csv", "Asia/Shanghai"
    rng = seed_for(name)
    clock = Clock(rng, zone, seconds=False)
    meaning = meanings(ZH_WORDS)
    header = ["工单编号", "标题", "CG编号", "操作时间", "操作人", "字段", "原值", "新值",
              "回复内容"]  # fmt: skip
    export = Export(name, "helpdesk ticket operation log (Simplified Chinese UI), saved by "
                    "Excel on Chinese Windows: GBK, ','", zone, {
        "layout": "audit", "id": "CG编号", "times": {"happened_at": "操作时间"},
        "status": "新值", "dayfirst": None, "zone_question": True, "note": "回复内容",
        "assignee": None, "status_words": meaning, "response_date": None,
    }, encoding="gbk", answers=meaning)  # fmt: skip
    fields = {"status": "状态", "owner": "处理人", "comment": "回复", "priority": "优先级"}
    rows: list[tuple[datetime, int, list[Any]]] = []
    for n, case in enumerate(cg_ids(rng, 30)):
        number, subject = f"GD{20240100 + n * 3}", rng.choice(ZH_SUBJECTS)
        changes = case_changes(rng, clock, ZH_WORDS, fields, ZH_NOTES, ZH_AGENTS, ZH_PRIORITIES)
        for change in changes:
            author = "系统" if change is changes[0] else rng.choice(ZH_AGENTS)
            row = [number, subject, case, japanese(change.local), author, change.field,
                   change.old, change.new, change.comment]  # fmt: skip
            rows.append((change.local, len(rows), row))
        export.responses[case] = clock.response(changes[0].local)
        log_truth(export, case, changes, clock, len(rows))
    rows.sort(key=lambda r: (r[0], r[1]))  # the log of a period: every ticket, oldest first
    write_csv(HERE / export.name, header, [r[2] for r in rows], encoding="gbk")
    return export


PT_WORDS = {"first": "Novo", "progress": ["Em atendimento", "Aguardando informação"],
            "closed": ["Resolvido", "Fechado"], "reopen": ["Novo"]}  # fmt: skip
SALESFORCE_PT: dict[str, Any] = {
    "name": "salesforce_case_history_pt", "cases": 30,
    "product": "Salesforce Case History report (pt_BR), opened and saved by Excel on "
               "Brazilian Windows: cp1252, ';', dd/mm/yyyy hh:mm",
    "header": ["Número do caso", "Assunto", "Proprietário do caso", "ID CustomerGauge",
               "Editado por", "Campo/Evento", "Valor antigo", "Novo valor", "Data de edição"],
    "created": "Criado.", "status": "Status", "owner": "Proprietário (Atribuição)",
    "priority": "Prioridade", "levels": ["Baixa", "Média", "Alta"], "words": PT_WORDS,
    "time": lambda at: at.strftime("%d/%m/%Y %H:%M"), "zone": "America/Sao_Paulo",
    "dayfirst": True, "delimiter": ";", "encoding": "cp1252", "queue": "Fila de Suporte",
    "integration": "Usuário de Integração",
    "subjects": ["Não recebi o reembolso", "Cobrança em duplicidade", "Produto chegou danificado",
                 "Não consigo acessar o portal", "Alteração do endereço de entrega",
                 "Dúvida sobre a garantia", "Nota fiscal com CNPJ errado"],
    "agents": ["João Conceição", "Luíza Magalhães", "Sebastião Araújo", "Conceição Simões"],
    "answers": {"Novo": "open", "Em atendimento": "progress",
                "Aguardando informação": "progress", "Resolvido": "closed",
                "Fechado": "closed"},
}  # fmt: skip

HISTORIES: list[Callable[[], Export]] = [
    russian_history,
    chinese_log,
    lambda: salesforce("pt", SALESFORCE_PT),
]
