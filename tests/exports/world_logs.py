"""Follow-up logs (one row per action) from the rest of the world, for issue 25: lists kept
in Excel and saved as each Windows locale saves CSV (its code page, its list separator, its
date form and clock), with status words, notes and names in the locale's own letters, and a
Redmine update history exported on Japanese Windows. `make_exports.py` writes them.

A case's rows: its first status, then a walk (progress, waiting, closed, sometimes a
re-open); a note on most rows, a line break in some, empty cells elsewhere. The truth is each
row as an action, in time order; the status words' meanings are what the file's admin
answers when `init` cannot tell (`answers`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from make_exports import (
    HERE,
    Action,
    Clock,
    Export,
    cg_ids,
    seed_for,
    status_walk,
    write_csv,
)


def czech(at: datetime) -> str:  # 5.3.2024 9:05 (cs-CZ: d.M.yyyy H:mm)
    return f"{at.day}.{at.month}.{at.year} {at.hour}:{at:%M}"


def greek(at: datetime) -> str:  # 5/3/2024 2:05:09 μμ (el-GR: d/M/yyyy h:mm:ss tt)
    half = "πμ" if at.hour < 12 else "μμ"
    return f"{at.day}/{at.month}/{at.year} {at.hour % 12 or 12}:{at:%M:%S} {half}"


def hebrew(at: datetime) -> str:  # 05/03/2024 14:05 (he-IL: dd/MM/yyyy HH:mm)
    return at.strftime("%d/%m/%Y %H:%M")


def spanish(at: datetime) -> str:  # 05/03/2024 9:05 (es-ES Excel: dd/mm/yyyy h:mm)
    return f"{at:%d/%m/%Y} {at.hour}:{at:%M}"


def japanese(at: datetime) -> str:  # 2024/3/5 9:05 (ja-JP Excel: yyyy/m/d h:mm)
    return f"{at.year}/{at.month}/{at.day} {at.hour}:{at:%M}"


CS: dict[str, Any] = {
    "name": "cs_evidence_pozadavku.csv", "zone": "Europe/Prague", "encoding": "cp1250",
    "delimiter": ";", "time": czech, "dayfirst": True, "cases": 28, "seconds": False,
    "product": "a request log kept in Excel on Czech Windows, saved as 'CSV (oddělený "
               "středníkem)': cp1250, ';', d.m.yyyy h:mm",
    "columns": [("Číslo CG", "case"), ("Zákazník", "customer"), ("Kategorie", "category"),
                ("Stav", "status"), ("Datum a čas", "at"), ("E-mail řešitele", "agent"),
                ("Poznámka", "note")],
    "words": {"first": ["Nový"], "progress": ["V řešení", "Čeká na zákazníka"],
              "closed": ["Vyřešeno", "Uzavřeno"], "reopen": ["Znovu otevřeno"]},
    "category": ["Reklamace", "Vrácení peněz", "Faktura", "Doprava", "Účet"],
    "customers": ["Jiří Dvořák", "Kateřina Novotná", "Tomáš Černý", "Markéta Procházková",
                  "Ondřej Kučera", "Lucie Horáková", "Radek Němec", "Zuzana Pokorná"],
    "agents": ["petra.svobodova@eshop-podpora.cz", "jan.maly@eshop-podpora.cz",
               "vera.ruzickova@eshop-podpora.cz"],
    "notes": ["Zákazníkovi jsme zavolali zpět; náhradní díl odejde zítra.",
              "Vrácení 1 290 Kč schváleno účtárnou, zákazník informován e-mailem.",
              "Zásilka poškozená – fotky přiloženy.\nReklamace u dopravce podána.",
              "Faktura opravena (špatné DIČ). Zákazník potvrdil přijetí.",
              "Čekáme na odpověď zákazníka ohledně čísla objednávky.",
              "Dvojí platba stornována; peníze budou vráceny do 5 pracovních dnů.",
              "Prosíme, zaplaťte doplatek 90 Kč.\nŤuk na tlačítko Zaplatit v účtu stačí."],
}  # fmt: skip

EL: dict[str, Any] = {
    "name": "el_crm_energeies.csv", "zone": "Europe/Athens", "encoding": "cp1253",
    "delimiter": ";", "time": greek, "dayfirst": True, "cases": 28, "seconds": True,
    "product": "a CRM's follow-up activities exported with the Greek (el-GR) regional format, "
               "saved by Excel on Greek Windows: cp1253, ';', d/m/yyyy h:mm:ss πμ/μμ",
    "columns": [("Κωδικός CG", "case"), ("Πελάτης", "customer"), ("Κατάσταση", "status"),
                ("Ημερομηνία", "at"), ("Υπεύθυνος (email)", "agent"), ("Σχόλιο", "note")],
    "words": {"first": ["Νέο"], "progress": ["Σε εξέλιξη", "Σε αναμονή πελάτη"],
              "closed": ["Επιλύθηκε", "Κλειστό"], "reopen": ["Άνοιξε ξανά"]},
    "customers": ["Γιώργος Παπαδόπουλος", "Μαρία Κωνσταντίνου", "Νίκος Αθανασίου",
                  "Ελένη Γεωργίου", "Δημήτρης Ιωάννου", "Άννα Νικολάου", "Όλγα Σταύρου"],
    "agents": ["k.dimitriou@eshop-support.gr", "s.alexiou@eshop-support.gr",
               "a.markou@eshop-support.gr"],
    "notes": ["Επικοινωνήσαμε τηλεφωνικά με τον πελάτη· το ανταλλακτικό φεύγει αύριο.",
              "Επιστροφή 45,90 € εγκρίθηκε από το λογιστήριο.",
              "Άμεση αντικατάσταση της συσκευής.\nΟ πελάτης ενημερώθηκε με email.",
              "Το τιμολόγιο διορθώθηκε (λάθος ΑΦΜ). Ο πελάτης επιβεβαίωσε την παραλαβή.",
              "Αναμένουμε φωτογραφία της ετικέτας από τον πελάτη.",
              "Η διπλή χρέωση ακυρώθηκε· τα χρήματα επιστρέφονται σε 3–5 εργάσιμες."],
}  # fmt: skip

HE: dict[str, Any] = {
    "name": "he_followup_log.csv", "zone": "Asia/Jerusalem", "encoding": "cp1255",
    "delimiter": ",", "time": hebrew, "dayfirst": True, "cases": 28, "seconds": False,
    "product": "a follow-up log kept in Excel on Hebrew Windows, saved as 'CSV (מופרד "
               "בפסיקים)': cp1255, ',', dd/mm/yyyy hh:mm",
    "columns": [("מספר CG", "case"), ("שם הלקוח", "customer"), ("סטטוס", "status"),
                ("תאריך ושעה", "at"), ("מייל נציג", "agent"), ("הערות", "note")],
    "words": {"first": ["חדש"], "progress": ["בטיפול", "ממתין ללקוח"],
              "closed": ["נפתר", "סגור"], "reopen": ["נפתח מחדש"]},
    "customers": ["יוסי כהן", "מיכל לוי", "אבי מזרחי", "נועה פרץ", "דני ביטון", "שירה אזולאי"],
    "agents": ["tal.shapira@shop-help.co.il", "noam.golan@shop-help.co.il",
               "yael.katz@shop-help.co.il"],
    "notes": ["חזרנו ללקוח בטלפון; החלק החלופי יישלח מחר.",
              "זיכוי של 120 ₪ אושר על ידי הנהלת החשבונות.",
              "החשבונית תוקנה (מספר עוסק שגוי).\nהלקוח אישר את הקבלה.",
              "הסיסמה אופסה מחדש; המייל הראשון הגיע לדואר הזבל.",
              "ממתינים לתמונה של התווית מהלקוח.",
              "החיוב הכפול בוטל, הכסף יוחזר תוך 3 ימי עסקים."],
}  # fmt: skip

ES: dict[str, Any] = {
    "name": "es_seguimiento_casos.csv", "zone": "Europe/Madrid", "encoding": "cp1252",
    "delimiter": ";", "time": spanish, "dayfirst": True, "cases": 28, "seconds": False,
    "survey": "Fecha encuesta",
    "product": "a case follow-up list kept in Excel on Spanish Windows, saved as 'CSV "
               "(delimitado por comas)': cp1252, ';', dd/mm/yyyy h:mm, the survey date beside",
    "columns": [("Nº CG", "case"), ("Cliente", "customer"), ("Fecha encuesta", "survey"),
                ("Estado", "status"), ("Fecha y hora", "at"), ("Responsable (correo)", "agent"),
                ("Comentario", "note")],
    "words": {"first": ["Abierto"], "progress": ["En curso", "Pendiente del cliente"],
              "closed": ["Resuelto", "Cerrado"], "reopen": ["Reabierto"]},
    "customers": ["Begoña Muñoz", "Íñigo Ibáñez", "Señora Peña", "Andrés Núñez",
                  "María José Gómez", "Raúl Sáenz", "Lucía Cañete"],
    "agents": ["carmen.ortiz@tienda-ayuda.es", "sergio.marin@tienda-ayuda.es",
               "nuria.campos@tienda-ayuda.es"],
    "notes": ["Llamamos a la clienta; el repuesto sale mañana.",
              "¿Puede enviarnos una foto de la etiqueta? Pendiente de respuesta.",
              "Reembolso de 39,95 € aprobado por contabilidad.\nCliente avisado por correo.",
              "Factura rectificada (NIF erróneo). El cliente confirmó la recepción.",
              "¡Resuelto! El cliente confirma que ya puede acceder al portal.",
              "Cargo duplicado anulado; el abono llegará en 3-5 días hábiles, según el año "
              "fiscal."],
}  # fmt: skip


def log_entries(
    rng: random.Random, clock: Clock, spec: dict[str, Any]
) -> list[tuple[str, datetime, str, str]]:
    """A case's rows as a person logs them: (status word, local time, note, agent e-mail)."""
    at = clock.start()
    agent = rng.choice(spec["agents"])
    words = spec["words"]
    entries = [(rng.choice(words["first"]), at, "", agent)]
    for word, _meaning in status_walk(rng, words):
        at = clock.later(at, 0.5, 50)
        text = rng.choice(spec["notes"]) if rng.random() < 0.6 else ""
        entries.append((word, at, text, agent))
    return entries


def meanings(words: dict[str, list[str]]) -> dict[str, str]:
    return {
        **{w: "open" for w in words["first"] + words["reopen"]},
        **{w: "progress" for w in words["progress"]},
        **{w: "closed" for w in words["closed"]},
    }


def follow_up_log(spec: dict[str, Any]) -> Export:
    rng = seed_for(spec["name"])
    clock = Clock(rng, spec["zone"], seconds=spec["seconds"])
    named = {role: name for name, role in spec["columns"]}
    meaning = meanings(spec["words"])
    export = Export(spec["name"], spec["product"], spec["zone"], {
        "layout": "long", "id": named["case"], "times": {"happened_at": named["at"]},
        "status": named["status"], "dayfirst": spec["dayfirst"], "zone_question": True,
        "note": named["note"], "assignee": named["agent"], "status_words": meaning,
        "response_date": spec.get("survey"),
    }, encoding=spec["encoding"], answers=meaning)  # fmt: skip
    show: Callable[[datetime], str] = spec["time"]
    rows: list[list[Any]] = []
    for case in cg_ids(rng, spec["cases"]):
        entries = log_entries(rng, clock, spec)
        first = entries[0][1]
        survey = (first - timedelta(days=rng.randint(1, 4))).replace(hour=0, minute=0, second=0)
        export.responses[case] = clock.utc(survey) if "survey" in spec else clock.response(first)
        values = {"case": case, "customer": rng.choice(spec["customers"]),
                  "category": rng.choice(spec.get("category", [""])),
                  "survey": f"{survey:%d/%m/%Y}"}  # fmt: skip
        for word, at, text, agent in entries:
            export.cases.setdefault(case, []).append(
                Action(meaning[word], clock.utc(at), text or None, agent, len(rows))
            )
            row = {**values, "status": word, "at": show(at), "agent": agent, "note": text}
            rows.append([row[role] for _, role in spec["columns"]])
    for actions in export.cases.values():
        actions.sort(key=Action.key)
    header = [name for name, _ in spec["columns"]]
    write_csv(HERE / export.name, header, rows, delimiter=spec["delimiter"],
              encoding=spec["encoding"])  # fmt: skip
    return export


# --- Redmine, Japanese ----------------------------------------------------------------------

JA_WORDS = {"first": ["新規"], "progress": ["進行中", "フィードバック"],
            "closed": ["解決", "終了"], "reopen": ["新規"]}  # fmt: skip
JA_SUBJECTS = ["商品が破損して届いた", "返金がまだ届かない", "請求書の登録番号の誤り",
               "ログインできない", "配送日の変更", "二重に請求された"]  # fmt: skip
JA_ASKED = ["商品の箱がつぶれて届きました。\n交換をお願いします。",
            "返金の状況を教えてください。", "請求書の登録番号が違っています。",
            "パスワードを再設定してもログインできません。\n至急確認をお願いします。",
            "配送日を来週に変更できますか？", "同じ注文で二回請求されています。"]  # fmt: skip
JA_NOTES = ["お客様に折り返しお電話しました。\n交換品は明日発送します。",
            "経理にて返金（4,980円）を承認しました。お客様にはメールでご連絡済みです。",
            "配送時の破損を確認しました。\n写真を受領済み、運送会社に申し立てを行いました。",
            "請求書を再発行しました（登録番号の誤り）。",
            "パスワード再設定メールを再送しました。最初のメールは迷惑メールフォルダに入っていました。",
            "10時～12時の間にお電話ください、とのことです。",
            "二重請求を取り消しました。\n①返金処理 ②お客様への連絡 を完了。"]  # fmt: skip
JA_PRIORITIES = ["低め", "通常", "高め", "急いで", "今すぐ"]
JA_AGENTS = ["佐藤 健", "鈴木 美咲", "高橋 翔", "田中 由美"]


def redmine_ja() -> Export:
    """Redmine (Japanese UI): the issues' update history (journals) exported one row per
    update and saved by Excel on Japanese Windows: cp932 (Shift_JIS with Microsoft's
    characters such as ～ and ①), ',', yyyy/m/d h:mm. The status beside the priority (which
    changes in few issues); the comment multi-line on most rows (the first row holds the
    inquiry); 登録日時, the issue's registration, equals its first update's time."""
    name, zone = "ja_redmine_updates.csv", "Asia/Tokyo"
    rng = seed_for(name)
    clock = Clock(rng, zone, seconds=False)
    meaning = meanings(JA_WORDS)
    header = ["#", "トラッカー", "題名", "ステータス", "優先度", "担当者", "更新日時", "コメント",
              "登録日時", "CG番号"]  # fmt: skip
    export = Export(name, "Redmine update history (Japanese UI), saved by Excel on Japanese "
                    "Windows: cp932, ',', yyyy/m/d h:mm", zone, {
        "layout": "long", "id": "CG番号", "times": {"happened_at": "更新日時"},
        "status": "ステータス", "dayfirst": None, "zone_question": True, "note": "コメント",
        "assignee": None, "status_words": meaning, "response_date": None,
    }, encoding="cp932", answers=meaning)  # fmt: skip
    rows: list[list[Any]] = []
    for n, case in enumerate(cg_ids(rng, 30)):
        at = clock.start()
        registered = japanese(at)
        priority = rng.choice(JA_PRIORITIES[:3])
        tracker, subject = rng.choice(["問い合わせ", "サポート"]), rng.choice(JA_SUBJECTS)
        updates = [("新規", at, rng.choice(JA_ASKED), "")]
        agent = rng.choice(JA_AGENTS)
        for word, _ in status_walk(rng, JA_WORDS):
            at = clock.later(at, 0.5, 40)
            updates.append((word, at, rng.choice(JA_NOTES) if rng.random() < 0.8 else "", agent))
        changes_priority = len(updates) > 2 and rng.random() < 0.2
        for step, (word, local, text, who) in enumerate(updates):
            if changes_priority and step == 2:
                priority = rng.choice(JA_PRIORITIES[3:])
            rows.append([2100 + n, tracker, subject, word, priority, who, japanese(local), text,
                         registered, case])  # fmt: skip
            export.cases.setdefault(case, []).append(
                Action(meaning[word], clock.utc(local), text or None, None, len(rows))
            )
        export.responses[case] = clock.response(updates[0][1])
    for actions in export.cases.values():
        actions.sort(key=Action.key)
    write_csv(HERE / export.name, header, rows, encoding="cp932")
    return export


LOGS: list[Callable[[], Export]] = [
    lambda: follow_up_log(CS),
    lambda: follow_up_log(EL),
    lambda: follow_up_log(HE),
    lambda: follow_up_log(ES),
    redmine_ja,
]
