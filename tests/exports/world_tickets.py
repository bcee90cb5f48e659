"""Ticket lists (one row per ticket, a time column per step) from the rest of the world, for
issue 25: saved the way each locale saves them, in its own code page, with headers, status
words and date forms in its own language. `make_exports.py` writes them with the others.

Each spec names its columns by role; a ticket is drawn once (created, accepted, replied,
resolved, closed, the due date its priority sets, the last change) and both the row and its
truth come from that draw. The truth's steps: open = created, progress = the earliest of
accepted/replied, closed = the earliest of resolved/closed; a due date and a last change
are no step. The note goes with the last step, the assignee (an agent's e-mail) with every
step, as SPEC's wide layout reads them.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from make_exports import HERE, Clock, Export, cg_ids, earliest, seed_for, wide_truth, write_csv

Show = Callable[[datetime], str]
TIMES = ("created", "accepted", "replied", "due", "resolved", "closed", "modified")


def dotted(at: datetime) -> str:  # 05.03.2024 14:02 (Excel: pl-PL, tr-TR, ru-RU short date)
    return at.strftime("%d.%m.%Y %H:%M")


def slashed(at: datetime) -> str:  # 05/03/2024 14:02 (Excel: fr-FR)
    return at.strftime("%d/%m/%Y %H:%M")


def korean(at: datetime) -> str:  # 2024-03-05 오후 2:02 (ko-KR: yyyy-MM-dd tt h:mm)
    half = "오전" if at.hour < 12 else "오후"
    return f"{at:%Y-%m-%d} {half} {at.hour % 12 or 12}:{at:%M}"


PL: dict[str, Any] = {
    "name": "pl_lista_zgloszen.csv", "zone": "Europe/Warsaw", "encoding": "cp1250",
    "delimiter": ";", "time": dotted, "dayfirst": True, "cases": 32,
    "product": "helpdesk ticket list opened in Excel on Polish Windows, saved as "
               "'CSV (rozdzielany średnikami)': cp1250, ';', dd.mm.yyyy hh:mm",
    "columns": [("Nr zgłoszenia", "number"), ("Temat", "subject"),
                ("Zgłaszający", "customer"), ("E-mail zgłaszającego", "customer_mail"),
                ("Kategoria", "category"), ("Priorytet", "priority"), ("Status", "status"),
                ("Konsultant", "agent"), ("E-mail konsultanta", "agent_mail"),
                ("Data zgłoszenia", "created"), ("Data przypisania", "accepted"),
                ("Termin realizacji", "due"), ("Data pierwszej odpowiedzi", "replied"),
                ("Data rozwiązania", "resolved"), ("Notatka rozwiązania", "note"),
                ("Numer CG", "case")],
    "status": {"new": ["Nowe"], "accepted": ["Przypisane"],
               "replied": ["W realizacji", "Oczekuje na klienta"],
               "resolved": ["Rozwiązane", "Zamknięte"]},
    "priority": {"Niski": 72, "Normalny": 72, "Wysoki": 48, "Pilny": 24},
    "category": ["Reklamacja", "Zwrot", "Faktura", "Dostawa", "Konto"],
    "subjects": ["Paczka dotarła uszkodzona", "Nie otrzymałem zwrotu pieniędzy",
                 "Błędny NIP na fakturze", "Nie mogę się zalogować", "Zmiana terminu dostawy",
                 "Podwójne obciążenie karty", "Brak produktu w zamówieniu"],
    "customers": ["Łukasz Wójcik", "Małgorzata Zając", "Paweł Kowalczyk", "Grażyna Dąbrowska",
                  "Jędrzej Szczęsny", "Zofia Michalska", "Bartłomiej Król", "Agnieszka Ślęzak"],
    "mail_domain": "poczta.pl",
    "agents": [("Ewa Nowak", "ewa.nowak@sklep-pomoc.pl"),
               ("Piotr Lewandowski", "piotr.lewandowski@sklep-pomoc.pl"),
               ("Katarzyna Wiśniewska", "katarzyna.wisniewska@sklep-pomoc.pl")],
    "notes": ["Zwrot 149,00 zł zlecony; klient poinformowany mailowo.",
              "Wymieniono uszkodzoną przesyłkę.\nKurier odbierze zwrot w środę.",
              "Faktura skorygowana (zły NIP). Klientka potwierdziła odbiór.",
              "Hasło zresetowane; pierwszy e-mail trafił do spamu.",
              "Podwójne obciążenie cofnięte – środki wrócą w ciągu 3–5 dni roboczych.",
              "Reklamacja uznana. Wysłaliśmy nowy egzemplarz z dopiskiem „pilne”.",
              "Klient zgłosił brak ładowarki.\nDosłaliśmy ją kurierem, żółta naklejka."],
}  # fmt: skip

TR: dict[str, Any] = {
    "name": "tr_talep_listesi.csv", "zone": "Europe/Istanbul", "encoding": "cp1254",
    "delimiter": ";", "time": dotted, "dayfirst": True, "cases": 30,
    "product": "destek talepleri listesi, Excel on Turkish Windows, 'CSV (noktalı virgülle "
               "ayrılmış)': cp1254, ';', dd.mm.yyyy hh:mm",
    "columns": [("Talep No", "number"), ("Konu", "subject"), ("Müşteri Adı", "customer"),
                ("Müşteri E-posta", "customer_mail"), ("Durum", "status"),
                ("Öncelik", "priority"), ("Temsilci", "agent"),
                ("Oluşturulma Tarihi", "created"), ("Son Tarih", "due"),
                ("İlk Yanıt Tarihi", "replied"), ("Çözüm Tarihi", "resolved"),
                ("Çözüm Açıklaması", "note"), ("CG Numarası", "case")],
    "status": {"new": ["Açık"], "replied": ["Yanıtlandı", "Beklemede"],
               "resolved": ["Çözüldü", "Kapatıldı"]},
    "priority": {"Düşük": 72, "Normal": 48, "Yüksek": 24, "Acil": 8},
    "subjects": ["Kargo hasarlı geldi", "İade ödemesi yapılmadı", "Faturada yanlış vergi no",
                 "Portala giriş yapamıyorum", "Teslimat tarihini değiştirme",
                 "Kartımdan iki kez çekim yapıldı", "Siparişte eksik ürün var"],
    "customers": ["Ayşe Yılmaz", "Mehmet Öztürk", "Zeynep Şahin", "Mustafa Çelik",
                  "Elif Doğan", "İbrahim Aydın", "Gülşen Kılıç", "Oğuz Arslan"],
    "mail_domain": "eposta.com.tr",
    "agents": [("Selin Güneş", ""), ("Burak Koç", ""), ("Deniz Yıldız", "")],
    "notes": ["Müşteri geri arandı; yedek parça yarın kargoya verilecek.",
              "İade onaylandı (249,90 TL), müşteriye e-posta ile bilgi verildi.",
              "Fatura düzeltildi (vergi numarası hatalıydı).\nMüşteri teslim aldığını doğruladı.",
              "Şifre sıfırlama bağlantısı yeniden gönderildi; ilk e-posta spam klasörüne düşmüş.",
              "Çift çekim iptal edildi. Ödeme 3 iş günü içinde iade edilecek.",
              "Eksik ürün ayrı bir gönderiyle yollandı.\nTakip numarası müşteriye iletildi."],
}  # fmt: skip

KO: dict[str, Any] = {
    "name": "ko_ticket_list.csv", "zone": "Asia/Seoul", "encoding": "cp949", "delimiter": ",",
    "time": korean, "dayfirst": None, "cases": 30,
    "product": "고객센터 티켓 목록, saved by Excel on Korean Windows: cp949, ',', "
               "yyyy-mm-dd 오전/오후 h:mm",
    "columns": [("티켓 번호", "number"), ("제목", "subject"), ("요청자", "customer"),
                ("요청자 이메일", "customer_mail"), ("상태", "status"), ("우선순위", "priority"),
                ("담당자", "agent"), ("담당자 이메일", "agent_mail"), ("생성 일시", "created"),
                ("첫 응답 일시", "replied"), ("해결 일시", "resolved"), ("해결 메모", "note"),
                ("CG 번호", "case")],
    "status": {"new": ["열림"], "replied": ["대기 중", "보류"], "resolved": ["해결됨", "종료됨"]},
    "priority": {"낮음": 72, "보통": 48, "높음": 24, "긴급": 8},
    "subjects": ["배송 중 상품 파손", "환불이 아직 안 됐어요", "세금계산서 사업자번호 오류",
                 "로그인이 안 됩니다", "배송일 변경 요청", "이중 결제 문의", "주문 상품 누락"],
    "customers": ["김민준", "이서연", "박지훈", "최수아", "정우진", "강하은", "조현우", "윤지아"],
    "mail_domain": "naver.com",
    "agents": [("한지민", "jimin.han@shop-help.co.kr"), ("오세훈", "sehun.oh@shop-help.co.kr"),
               ("서유리", "yuri.seo@shop-help.co.kr")],
    "notes": ["고객님께 다시 전화드렸습니다. 교체품은 내일 발송됩니다.",
              "환불 39,000원 승인, 고객님께 이메일로 안내했습니다.",
              "배송 중 파손 확인.\n사진 접수 후 택배사에 보상 청구했습니다.",
              "세금계산서 재발행 완료 (사업자번호 오류).",
              "이중 결제 취소 완료. 영업일 기준 3일 이내 환불됩니다.",
              "누락 상품 별도 발송.\n송장 번호를 문자로 보내 드렸습니다."],
}  # fmt: skip

FR: dict[str, Any] = {
    "name": "fr_glpi_tickets.csv", "zone": "Europe/Paris", "encoding": "cp1252",
    "delimiter": ";", "time": slashed, "dayfirst": True, "cases": 32, "closing": 0.6,
    "product": "GLPI ticket search results exported to CSV (French UI), opened and saved by "
               "Excel on French Windows: cp1252, ';', dd/mm/yyyy hh:mm; 'Temps de résolution' "
               "is the SLA deadline",
    "columns": [("ID", "number"), ("Titre", "subject"), ("Statut", "status"),
                ("Date d'ouverture", "created"), ("Dernière modification", "modified"),
                ("Priorité", "priority"), ("Demandeur - Demandeur", "customer"),
                ("Attribué à - Technicien", "agent"), ("Catégorie", "category"),
                ("Date de prise en compte", "accepted"), ("Temps de résolution", "due"),
                ("Date de résolution", "resolved"), ("Date de clôture", "closed"),
                ("Solution", "note"), ("CustomerGauge", "case")],
    "status": {"new": ["Nouveau"], "accepted": ["En cours (Attribué)"],
               "replied": ["En cours (Planifié)", "En attente"], "resolved": ["Résolu"],
               "closed": ["Clos"]},
    "priority": {"Basse": 72, "Moyenne": 48, "Haute": 24, "Très haute": 8},
    "category": ["Matériel > Poste de travail", "Logiciel > Messagerie", "Réseau > Accès VPN",
                 "Compte > Mot de passe"],
    "subjects": ["Écran qui scintille", "Problème d'accès à la messagerie",
                 "Imprimante du 2ème étage en panne", "Mot de passe expiré",
                 "Accès VPN refusé", "Demande de nouveau poste"],
    "customers": ["Amélie Lefèvre", "Jérôme Bérard", "Hélène Mercier", "François Gaillard",
                  "Maëlle Rousseau", "Noël Lambert", "Cécile Fournier", "Loïc Girard"],
    "mail_domain": "",
    "agents": [("Thérèse Roux", ""), ("Benoît Faure", ""), ("Gaëlle André", "")],
    "notes": ["Problème résolu après remplacement de l'alimentation.\n"
              "L'utilisateur a confirmé que tout fonctionne.",
              "Mot de passe réinitialisé ; le premier e-mail était arrivé dans les indésirables.",
              "Accès VPN rétabli : le certificat avait expiré, renouvelé à distance.",
              "Imprimante dépannée (bourrage papier à l'arrière), très bonne collaboration.",
              "Nouveau poste livré et configuré.\nMessagerie et lecteurs réseau vérifiés.",
              "Écran remplacé. Ancien matériel récupéré par le service achats."],
}  # fmt: skip

STAGES = {"new": 2, "accepted": 2, "replied": 4, "resolved": 10}


def draw_ticket(rng: random.Random, clock: Clock, spec: dict[str, Any]) -> dict[str, Any]:
    """One ticket's times (local), status word and people, in the spec's terms."""
    roles = {role for _, role in spec["columns"]}
    stages = [s for s in STAGES if s in spec["status"] or s == "new"]
    stage = rng.choices(stages, [STAGES[s] for s in stages])[0]
    priority = rng.choice(list(spec["priority"]))
    t: dict[str, Any] = {"created": clock.start(), "priority": priority}
    t["due"] = t["created"] + timedelta(hours=spec["priority"][priority])
    at = t["created"]
    if "accepted" in roles and stage != "new":
        at = t["accepted"] = clock.later(at, 0.05, 3)
    if "replied" in roles and stage in ("replied", "resolved") and rng.random() < 0.85:
        at = t["replied"] = clock.later(at, 0.2, 20)
    if stage == "resolved":
        at = t["resolved"] = clock.later(at, 2, 110)
        if "closed" in roles and rng.random() < spec.get("closing", 0):
            at = t["closed"] = clock.later(at, 24, 100)
            stage = "closed"
    t["modified"] = at + timedelta(minutes=rng.choice([0, 0, 3, 17]))
    t["status"] = rng.choice(spec["status"][stage])
    if stage != "new" or rng.random() < 0.3:
        t["agent"], t["agent_mail"] = rng.choice(spec["agents"])
    if stage in ("resolved", "closed") and rng.random() < 0.8:
        text = rng.choice(spec["notes"])
        t["note"] = text
    return t


def ticket_list(spec: dict[str, Any]) -> Export:
    rng = seed_for(spec["name"])
    clock = Clock(rng, spec["zone"], seconds=False)
    header = [name for name, _ in spec["columns"]]
    named = {role: name for name, role in spec["columns"]}
    steps = {"open": [named["created"]],
             "progress": [named[r] for r in ("accepted", "replied") if r in named],
             "closed": [named[r] for r in ("resolved", "closed") if r in named]}  # fmt: skip
    export = Export(spec["name"], spec["product"], spec["zone"], {
        "layout": "wide", "id": named["case"],
        "times": {k: v[0] if len(v) == 1 else v for k, v in steps.items()},
        "dayfirst": spec["dayfirst"], "status_words": None, "zone_question": True,
        "note": named.get("note"), "assignee": named.get("agent_mail"), "response_date": None,
    }, encoding=spec["encoding"])  # fmt: skip
    show: Show = spec["time"]
    rows = []
    for n, case in enumerate(cg_ids(rng, spec["cases"])):
        t = draw_ticket(rng, clock, spec)
        customer = rng.choice(spec["customers"])
        domain = spec["mail_domain"]
        values = {
            **t, "number": f"{3000 + n * 7}", "subject": rng.choice(spec["subjects"]),
            "category": rng.choice(spec.get("category", [""])), "case": case,
            "customer": customer,
            "customer_mail": f"klient{rng.randrange(100, 999)}@{domain}" if domain else "",
        }  # fmt: skip
        rows.append([
            show(values[role]) if role in TIMES and values.get(role) else values.get(role, "")
            for _, role in spec["columns"]
        ])  # fmt: skip
        export.responses[case] = clock.response(t["created"])
        actions = [("open", t["created"]),
                   ("progress", earliest(t.get("accepted"), t.get("replied"))),
                   ("closed", earliest(t.get("resolved"), t.get("closed")))]  # fmt: skip
        assignee = (t.get("agent_mail") or None) if "agent_mail" in named else None
        wide_truth(export, case, actions, clock=clock, row=n, note_text=t.get("note"),
                   assignee=assignee)  # fmt: skip
    write_csv(HERE / export.name, header, rows, delimiter=spec["delimiter"],
              encoding=spec["encoding"])  # fmt: skip
    return export


TICKETS: list[Callable[[], Export]] = [
    lambda: ticket_list(PL),
    lambda: ticket_list(TR),
    lambda: ticket_list(KO),
    lambda: ticket_list(FR),
]
