"""Write the export corpus of issue 17: small exports shaped as the products write them,
each with its truth (what CustomerGauge must hold afterwards).

    python tests/exports/make_exports.py      # rewrites every file of tests/exports/

Each generator draws tickets in the product's own terms (its status words, its time
columns, its date form, its account's time zone), writes the file as the product's
documented export does, and derives the truth from the same draw: per case, the actions
in send order (CustomerGauge status, UTC time, note, assignee), the survey response date
to seed the sandbox with, the facts the user must supply when the file cannot say them
(the account's time zone), and the facts of a right config (layout, id column, time
columns, day/month order, status words, zone question) that `score_init.py` compares
`backfill init` with. Nothing here reads backfill's defaults: the meaning of each status
word is the product's, written out below.

Deterministic: one seed per export (its name), so adding an export changes no other file.
"""

from __future__ import annotations

import csv
import io
import json
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
RANK = {"open": 0, "progress": 1, "closed": 2}

FIRST = [
    "Anna",
    "Ben",
    "Carla",
    "David",
    "Elif",
    "Femi",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Kai",
    "Lena",
    "Marek",
    "Nora",
    "Omar",
]
LAST = [
    "Schmidt",
    "Lopez",
    "Novak",
    "Dubois",
    "Rossi",
    "Jansen",
    "Kowalski",
    "Berg",
    "Moreau",
    "Haddad",
    "Silva",
    "Meyer",
]
AGENTS = ["Priya Shah", "Tom Becker", "Mia Keller", "Luis Garcia", "Dana Kim"]
AGENT_MAILS = ["priya.shah@acme-support.com", "tom.becker@acme-support.com",
               "mia.keller@acme-support.com", "luis.garcia@acme-support.com"]  # fmt: skip
SUBJECTS = [
    "Parcel arrived damaged", "Refund not received", "Invoice shows wrong VAT number",
    "Cannot log in to the portal", "Delivery slot change", "Wrong size delivered",
    "Question about warranty", "Charged twice", "Order stuck in processing",
    "Password reset mail never arrives", "Missing item in order", "Cancel my subscription",
]  # fmt: skip
NOTES = [
    "Called the customer back; the replacement ships tomorrow.",
    "Refund approved by finance, customer informed by e-mail.",
    "Customer confirmed the fix works.\nClosing after a last check of the invoice.",
    "Escalated to the warehouse team: the parcel was scanned twice.",
    "Sent the corrected invoice (VAT number updated) and apologised for the delay.",
    "Explained the warranty terms; customer is happy to wait for the repair.",
    "Duplicate charge reversed.\nReference: REV-{n}.\nCustomer notified by phone.",
    "Password reset link re-sent; the first one landed in the spam folder.",
]
NOTES_DE = [
    "Kunde zurückgerufen, Ersatz geht morgen raus.",
    "Gutschrift über 49,90 € veranlasst; Kunde per E-Mail informiert.",
    "Rechnung korrigiert (USt-IdNr. geändert).\nKunde hat den Eingang bestätigt.",
    "Lieferung war beschädigt – Fotos liegen vor, Reklamation beim Spediteur gestellt.",
    "Rückfrage beim Lager: Artikel ist nachbestellt, Lieferung in KW 12.",
    "Doppelte Abbuchung storniert; Kunde ist zufrieden.",
]
COMMENTS = [
    "Hi, the parcel arrived with a crushed corner. Photos attached.",
    "Sorry about that! A replacement is on its way.",
    "Internal: refund stuck at the bank, checking with finance.",
    "Thanks, that worked. You can close this.",
    "Could you send us your order number and a photo of the label?",
    "Internal: customer called twice today,\nplease prioritise.",
]


@dataclass
class Action:
    status: str  # open | progress | closed
    at: datetime  # UTC
    note: str | None = None
    assignee: str | None = None
    row: int = 0  # file order, for ties

    def key(self) -> tuple[datetime, int, int]:
        return (self.at, RANK[self.status], self.row)


@dataclass
class Export:
    name: str  # file name in tests/exports/
    product: str
    zone: str | None  # the account's zone the user must supply; None: the cells carry it
    expected: dict[str, Any]  # facts of a right config
    encoding: str = "utf-8"  # how the product (or Excel) wrote the file's bytes
    # what the file's admin answers when init leaves a status word as a TODO (its meaning)
    answers: dict[str, str] = field(default_factory=dict)
    cases: dict[str, list[Action]] = field(default_factory=dict)
    responses: dict[str, datetime] = field(default_factory=dict)  # UTC
    invalid_rows: int = 0  # file rows that hold no action and are reported, never sent


# --- times ------------------------------------------------------------------------------


class Clock:
    """Local wall-clock times of one account, drawn by working day, shown as UTC in the truth."""

    def __init__(self, rng: random.Random, zone: str, seconds: bool = True) -> None:
        self.rng, self.zone, self.seconds = rng, ZoneInfo(zone), seconds

    def start(self) -> datetime:
        """A working-hours time between January and June 2024 (across the DST change)."""
        day = date(2024, 1, 8) + timedelta(days=self.rng.randrange(0, 170))
        at = datetime.combine(day, time(self.rng.randrange(8, 17), self.rng.randrange(60)))
        return at.replace(second=self.rng.randrange(60) if self.seconds else 0)

    def later(self, at: datetime, low_h: float = 0.2, high_h: float = 60) -> datetime:
        """A later local time, never in the small hours (where a DST change could fall)."""
        later = at + timedelta(minutes=self.rng.randint(int(low_h * 60), int(high_h * 60)))
        if later.hour < 5:
            later += timedelta(hours=6)
        return later.replace(second=self.rng.randrange(60) if self.seconds else 0)

    def utc(self, local: datetime) -> datetime:
        return local.replace(tzinfo=self.zone).astimezone(UTC).replace(tzinfo=None)

    def response(self, first_local: datetime) -> datetime:
        """The survey response, hours to days before the case's first action (UTC)."""
        local = first_local - timedelta(minutes=self.rng.randint(90, 60 * 24 * 4))
        return self.utc(local.replace(second=0))


def h12(at: datetime) -> tuple[int, str]:
    return (at.hour % 12 or 12), ("AM" if at.hour < 12 else "PM")


def jira_time(at: datetime) -> str:  # 25/Mar/23 9:00 AM
    hour, half = h12(at)
    return f"{at.day:02d}/{MONTHS[at.month - 1]}/{at.year % 100:02d} {hour}:{at.minute:02d} {half}"


def us_short(at: datetime) -> str:  # 3/4/2024 9:12 AM (Salesforce, en_US)
    hour, half = h12(at)
    return f"{at.month}/{at.day}/{at.year} {hour}:{at.minute:02d} {half}"


def us_seconds(at: datetime) -> str:  # 03/04/2024 09:12:05 AM (ServiceNow display value)
    hour, half = h12(at)
    return f"{at:%m/%d/%Y} {hour:02d}:{at:%M:%S} {half}"


def month_day(at: datetime) -> str:  # Mar 5, 2024 9:00 AM (Help Scout)
    hour, half = h12(at)
    return f"{MONTHS[at.month - 1]} {at.day}, {at.year} {hour}:{at.minute:02d} {half}"


def zoho_time(at: datetime) -> str:  # 15 Jan 2024 02:05 PM (Zoho Desk)
    hour, half = h12(at)
    return f"{at.day:02d} {MONTHS[at.month - 1]} {at.year} {hour:02d}:{at.minute:02d} {half}"


# --- helpers -------------------------------------------------------------------------------


def person(rng: random.Random) -> tuple[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return f"{first} {last}", f"{first}.{last}{rng.randrange(10, 99)}@example.net".lower()


def cg_ids(rng: random.Random, count: int) -> list[str]:
    ids, at = [], rng.randrange(10_000_000, 90_000_000)
    for _ in range(count):
        at += rng.randrange(3, 40)
        ids.append(str(at))
    return ids


def note(rng: random.Random, pool: list[str]) -> str:
    return rng.choice(pool).replace("{n}", str(rng.randrange(10000, 99999)))


def write_csv(
    path: Path,
    header: list[str],
    rows: list[list[Any]],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    quoting: int = csv.QUOTE_MINIMAL,
    newline: str = "\r\n",
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, quoting=quoting, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


def wide_truth(
    export: Export,
    case: str,
    steps: list[tuple[str, datetime | None]],
    *,
    clock: Clock,
    row: int,
    note_text: str | None = None,
    assignee: str | None = None,
) -> None:
    """A ticket row read as SPEC's wide layout: each filled step an action in time order,
    the note on the last one, the assignee on every one."""
    actions = [
        Action(status, clock.utc(at), None, assignee, row) for status, at in steps if at is not None
    ]
    actions.sort(key=Action.key)
    if note_text:
        actions[-1].note = note_text
    export.cases[case] = actions


def earliest(*times: datetime | None) -> datetime | None:
    filled = [t for t in times if t is not None]
    return min(filled) if filled else None


def seed_for(name: str) -> random.Random:
    return random.Random(zlib.crc32(name.encode()))


# --- wide ticket exports ---------------------------------------------------------------------


def ticket_path(rng: random.Random) -> str:
    """Where a ticket got to: created only, replied, solved after a reply, solved at once."""
    return rng.choices(["open", "progress", "closed", "direct"], [2, 3, 8, 2])[0]


def zendesk_tickets() -> Export:
    """Zendesk: Admin Center > Account > Tools > Reports > Export, CSV. One row per ticket,
    times in the account's zone without offset; custom fields as "Name [type]"."""
    rng, zone = seed_for("zendesk_tickets"), "America/New_York"
    clock = Clock(rng, zone)
    export = Export("zendesk_tickets.csv", "Zendesk ticket export (CSV)", zone, {
        "layout": "wide", "id": "CustomerGauge ID [txt]",
        "times": {"open": "Created at", "progress": "Initially assigned at", "closed": "Solved at"},
        "dayfirst": None, "status_words": None, "zone_question": True, "note": None,
        "assignee": None, "response_date": "Survey date [date]",
    })  # fmt: skip
    header = ["Id", "Requester", "Requester email", "Assignee", "Group", "Subject", "Status",
              "Priority", "Via", "Ticket type", "Created at", "Updated at", "Assigned at",
              "Initially assigned at", "Solved at", "Reopens", "Replies",
              "CustomerGauge ID [txt]", "Survey date [date]"]  # fmt: skip
    rows = []
    for n, case in enumerate(cg_ids(rng, 60)):
        path = ticket_path(rng)
        created = clock.start()
        assigned = clock.later(created, 0.1, 8) if path in ("progress", "closed") else None
        solved = clock.later(assigned or created, 1, 90) if path in ("closed", "direct") else None
        # "Assigned at" is the latest assignment: a ticket handed on has a later one
        last_assigned = assigned
        if assigned and rng.random() < 0.35:
            last_assigned = clock.later(assigned, 0.5, 6)
            if solved is not None and last_assigned >= solved:
                last_assigned = assigned
        updated = solved or last_assigned or created
        status = {"open": "new", "progress": rng.choice(["open", "pending", "hold"]),
                  "closed": rng.choice(["solved", "closed"]), "direct": "solved"}[path]  # fmt: skip
        survey = (created - timedelta(days=rng.randint(1, 5))).date()
        name, mail = person(rng)
        agent = rng.choice(AGENTS) if assigned else ""
        fmt = "%Y-%m-%d %H:%M:%S"
        rows.append([
            48200 + n * 3, name, mail, agent, "Support", rng.choice(SUBJECTS), status,
            rng.choice(["low", "normal", "high"]), rng.choice(["Web Form", "Email", "Chat"]),
            rng.choice(["question", "incident", "problem"]), created.strftime(fmt),
            updated.strftime(fmt), last_assigned.strftime(fmt) if last_assigned else "",
            assigned.strftime(fmt) if assigned else "", solved.strftime(fmt) if solved else "",
            0, rng.randint(0, 4), case, survey.isoformat(),
        ])  # fmt: skip
        export.responses[case] = clock.utc(datetime.combine(survey, time()))
        steps = [("open", created), ("progress", assigned), ("closed", solved)]
        wide_truth(export, case, steps, clock=clock, row=n)
    write_csv(HERE / export.name, header, rows)
    return export


FRESHDESK = {
    "en": {
        "header": ["Ticket ID", "Subject", "Status", "Priority", "Source", "Type", "Agent",
                   "Group", "Created time", "Due by Time", "Resolved time", "Closed time",
                   "Last update time", "Initial response time", "Time tracked",
                   "First response time (in hrs)", "Resolution time (in hrs)",
                   "Agent interactions", "Customer interactions", "Resolution status",
                   "First response status", "Tags", "Full name", "Email", "CustomerGauge ID"],
        "status": {"open": ["Open"], "progress": ["Pending", "Waiting on Customer",
                   "Waiting on Third Party"], "closed": ["Resolved", "Closed"]},
        "priority": ["Low", "Medium", "High", "Urgent"],
        "source": ["Email", "Portal", "Phone", "Chat"],
        "type": ["Question", "Incident", "Problem", "Feature Request"],
        "sla": ["Within SLA", "SLA Violated"],
    },
    "de": {
        "header": ["Ticket-ID", "Betreff", "Status", "Priorität", "Quelle", "Typ", "Agent",
                   "Gruppe", "Erstellungszeit", "Fällig am", "Lösungszeit", "Schließzeit",
                   "Letzte Aktualisierung", "Zeit der ersten Antwort", "Erfasste Zeit",
                   "Erste Antwortzeit (in Std.)", "Lösungszeit (in Std.)", "Agenteninteraktionen",
                   "Kundeninteraktionen", "Lösungsstatus", "Status der ersten Antwort", "Tags",
                   "Vollständiger Name", "E-Mail", "CustomerGauge-ID"],
        "status": {"open": ["Offen"], "progress": ["Wartend", "Wartet auf Kunden",
                   "Wartet auf Drittanbieter"], "closed": ["Gelöst", "Geschlossen"]},
        "priority": ["Niedrig", "Mittel", "Hoch", "Dringend"],
        "source": ["E-Mail", "Portal", "Telefon", "Chat"],
        "type": ["Frage", "Vorfall", "Problem", "Funktionswunsch"],
        "sla": ["Innerhalb SLA", "SLA verletzt"],
    },
}  # fmt: skip


def freshdesk(language: str) -> Export:
    """Freshdesk: Tickets > Export (CSV), one row per ticket, headers in the agent's UI
    language; times "YYYY-MM-DD HH:MM:SS" in the helpdesk's zone; Resolved and Closed times
    both (a ticket can be closed without being resolved first); hours with the UI's decimal."""
    words = FRESHDESK[language]
    name = f"freshdesk_{language}"
    zone = {"en": "Europe/London", "de": "Europe/Berlin"}[language]
    rng = seed_for(name)
    clock = Clock(rng, zone)
    head = words["header"]
    export = Export(f"{name}.csv", f"Freshdesk ticket export ({language.upper()} UI)", zone, {
        "layout": "wide", "id": head[24],
        "times": {"open": head[8], "progress": head[13], "closed": [head[10], head[11]]},
        "dayfirst": None, "status_words": None, "zone_question": True, "note": None,
        "assignee": None, "response_date": None,
    })  # fmt: skip
    rows = []
    comma = language == "de"
    for n, case in enumerate(cg_ids(rng, 64)):
        path = ticket_path(rng)
        created = clock.start()
        replied = clock.later(created, 0.1, 20) if path in ("progress", "closed") else None
        end = clock.later(replied or created, 1, 80) if path in ("closed", "direct") else None
        resolved = closed = None
        if end is not None:
            kind = rng.choices(["resolved", "both", "closed"], [3, 4, 1])[0]
            resolved = end if kind in ("resolved", "both") else None
            closed = clock.later(end, 24, 100) if kind == "both" else (end if kind == "closed"
                                                                         else None)  # fmt: skip
        meaning = {"open": "open", "progress": "progress"}.get(path, "closed")
        status = (
            rng.choice(words["status"]["closed"][1:]) if closed else
            words["status"]["closed"][0] if resolved else rng.choice(words["status"][meaning])
        )  # fmt: skip
        fmt = "%Y-%m-%d %H:%M:%S"
        due = created + timedelta(days=2)

        def hours(a: datetime | None, b: datetime | None) -> str:
            if a is None or b is None:
                return ""
            text = f"{(b - a).total_seconds() / 3600:.2f}"
            return text.replace(".", ",") if comma else text

        full, mail = person(rng)
        rows.append([
            300 + n, rng.choice(SUBJECTS), status, rng.choice(words["priority"]),
            rng.choice(words["source"]), rng.choice(words["type"]),
            rng.choice(AGENTS) if replied or end else "", "Support", created.strftime(fmt),
            due.strftime(fmt), resolved.strftime(fmt) if resolved else "",
            closed.strftime(fmt) if closed else "",
            (closed or resolved or replied or created).strftime(fmt),
            replied.strftime(fmt) if replied else "", "00:00" if not replied else "00:25",
            hours(created, replied), hours(created, resolved), rng.randint(0, 5),
            rng.randint(1, 5), rng.choice(words["sla"]) if resolved else "",
            rng.choice(words["sla"]) if replied else "", "", full, mail, case,
        ])  # fmt: skip
        export.responses[case] = clock.response(created)
        steps = [("open", created), ("progress", replied), ("closed", earliest(resolved, closed))]
        wide_truth(export, case, steps, clock=clock, row=n)
    write_csv(HERE / export.name, head, rows)
    return export


def servicenow() -> Export:
    """ServiceNow: an incident list, right-click > Export > Excel (.xlsx). Date/time fields as
    real Excel date cells in the user's zone; the Resolved column here came out as its US
    display text (a list layout with a dot-walked field does that); Work notes as the
    journal's display text, entries newest first, each headed by its time and author. A
    canceled incident is closed without being resolved."""
    from openpyxl import Workbook

    rng, zone = seed_for("servicenow_incidents"), "America/Los_Angeles"
    clock = Clock(rng, zone)
    export = Export("servicenow_incidents.xlsx", "ServiceNow incident list (.xlsx)", zone, {
        "layout": "wide", "id": "CustomerGauge ID",
        "times": {"open": "Opened", "closed": ["Resolved", "Closed"]},
        "dayfirst": False, "status_words": None, "zone_question": True, "note": "Work notes",
        "assignee": None, "response_date": None,
    })  # fmt: skip
    book = Workbook()
    sheet = book.active
    sheet.title = "Page 1"
    header = ["Number", "Opened", "Short description", "Caller", "Priority", "State",
              "Category", "Assignment group", "Assigned to", "Updated", "Updated by",
              "Resolved", "Closed", "Work notes", "CustomerGauge ID"]  # fmt: skip
    sheet.append(header)
    for n, case in enumerate(cg_ids(rng, 56)):
        opened = clock.start()
        kinds = ["new", "progress", "resolved", "closed", "canceled"]
        path = rng.choices(kinds, [2, 3, 4, 5, 2])[0]
        worked = clock.later(opened, 0.2, 30) if path != "new" else None
        resolved = clock.later(worked, 1, 60) if worked and path in ("resolved", "closed") else None
        closed = clock.later(resolved, 72, 75) if resolved and path == "closed" else None
        if path == "canceled":  # closed as Canceled, never resolved
            closed = clock.later(worked or opened, 1, 30)
        agent = rng.choice(AGENTS)
        entries = []
        for at in [t for t in (worked, resolved) if t is not None]:
            entries.append(f"{at:%Y-%m-%d %H:%M:%S} - {agent} (Work notes)\n{note(rng, NOTES)}")
        work_notes = "\n\n".join(reversed(entries))
        state = {"new": "New", "progress": rng.choice(["In Progress", "On Hold"]),
                 "resolved": "Resolved", "closed": "Closed",
                 "canceled": "Canceled"}[path]  # fmt: skip
        caller, _ = person(rng)
        sheet.append([
            f"INC00{10040 + n * 7}", opened, rng.choice(SUBJECTS), caller,
            rng.choice(["1 - Critical", "2 - High", "3 - Moderate", "4 - Low"]), state,
            rng.choice(["Inquiry / Help", "Software", "Hardware", "Network"]), "Service Desk",
            agent if worked else "", closed or resolved or worked or opened,
            "system" if closed else agent, us_seconds(resolved) if resolved else "", closed,
            work_notes or None, case,
        ])  # fmt: skip
        row = sheet.max_row
        for column in ("B", "J", "M"):
            sheet[f"{column}{row}"].number_format = "yyyy-mm-dd hh:mm:ss"
        export.responses[case] = clock.response(opened)
        steps = [("open", opened), ("closed", earliest(resolved, closed))]
        wide_truth(export, case, steps, clock=clock, row=n, note_text=work_notes or None)
    book.save(HERE / export.name)
    return export


def hubspot() -> Export:
    """HubSpot: Tickets index > Export view (CSV); dates "YYYY-MM-DD HH:MM" in the portal's
    zone; pipeline stages of the default Support Pipeline."""
    rng, zone = seed_for("hubspot_tickets"), "America/Denver"
    clock = Clock(rng, zone, seconds=False)
    export = Export("hubspot_tickets.csv", "HubSpot tickets view export (CSV)", zone, {
        "layout": "wide", "id": "CustomerGauge ID",
        "times": {"open": "Create date", "progress": "First agent email response date",
                  "closed": "Close date"},
        "dayfirst": None, "status_words": None, "zone_question": True, "note": None,
        "assignee": None, "response_date": None,
    })  # fmt: skip
    header = ["Ticket ID", "Ticket name", "Pipeline", "Ticket status", "Ticket owner", "Priority",
              "Source", "Create date", "First agent email response date", "Close date",
              "Last activity date", "Associated Contact", "CustomerGauge ID"]  # fmt: skip
    rows = []
    for n, case in enumerate(cg_ids(rng, 60)):
        path = ticket_path(rng)
        created = clock.start()
        reply = clock.later(created, 0.2, 12) if path in ("progress", "closed") else None
        closed = clock.later(reply or created, 2, 70) if path in ("closed", "direct") else None
        status = {"open": "New", "progress": rng.choice(["Waiting on contact", "Waiting on us"]),
                  "closed": "Closed", "direct": "Closed"}[path]  # fmt: skip
        fmt = "%Y-%m-%d %H:%M"
        contact, _ = person(rng)
        rows.append([
            1804400 + n * 11, rng.choice(SUBJECTS), "Support Pipeline", status,
            rng.choice(AGENTS), rng.choice(["LOW", "MEDIUM", "HIGH"]),
            rng.choice(["Email", "Chat", "Form"]), created.strftime(fmt),
            reply.strftime(fmt) if reply else "", closed.strftime(fmt) if closed else "",
            (closed or reply or created).strftime(fmt), contact, case,
        ])  # fmt: skip
        export.responses[case] = clock.response(created)
        steps = [("open", created), ("progress", reply), ("closed", closed)]
        wide_truth(export, case, steps, clock=clock, row=n)
    write_csv(HERE / export.name, header, rows)
    return export


def zoho_desk() -> Export:
    """Zoho Desk: Tickets > Export (CSV); date-times "15 Jan 2024 02:05 PM" in the portal's
    zone; default statuses Open, On Hold, Escalated, Closed; the Resolution text is the
    agent's closing note."""
    rng, zone = seed_for("zoho_desk"), "Asia/Kolkata"
    clock = Clock(rng, zone, seconds=False)
    export = Export("zoho_desk_tickets.csv", "Zoho Desk ticket export (CSV)", zone, {
        "layout": "wide", "id": "CustomerGauge ID",
        "times": {"open": "Created Time", "closed": "Closed Time"},
        "dayfirst": None, "status_words": None, "zone_question": True, "note": "Resolution",
        "assignee": None, "response_date": None,
    })  # fmt: skip
    header = ["Ticket Id", "Request Id", "Subject", "Contact Name", "Email", "Status",
              "Priority", "Channel", "Department", "Ticket Owner", "Created Time",
              "Modified Time", "Due Date", "Closed Time", "Resolution",
              "CustomerGauge ID"]  # fmt: skip
    rows = []
    for n, case in enumerate(cg_ids(rng, 58)):
        created = clock.start()
        closed = clock.later(created, 1, 90) if rng.random() < 0.7 else None
        status = "Closed" if closed else rng.choice(["Open", "On Hold", "Escalated"])
        resolution = note(rng, NOTES) if closed and rng.random() < 0.8 else ""
        contact, mail = person(rng)
        rows.append([
            f"{8_000_000 + n * 13}", f"#{1200 + n}", rng.choice(SUBJECTS), contact, mail, status,
            rng.choice(["Low", "Medium", "High"]), rng.choice(["Email", "Web", "Phone"]),
            "Customer Care", rng.choice(AGENTS), zoho_time(created),
            zoho_time(closed or created), zoho_time(created + timedelta(days=3)),
            zoho_time(closed) if closed else "", resolution, case,
        ])  # fmt: skip
        export.responses[case] = clock.response(created)
        steps = [("open", created), ("closed", closed)]
        wide_truth(export, case, steps, clock=clock, row=n, note_text=resolution or None)
    write_csv(HERE / export.name, header, rows, quoting=csv.QUOTE_ALL)
    return export


def help_scout() -> Export:
    """Help Scout: Reports > Export conversations (CSV); dates "Mar 5, 2024 9:00 AM" in the
    company's zone; statuses active, pending, closed."""
    rng, zone = seed_for("help_scout"), "Australia/Sydney"
    clock = Clock(rng, zone, seconds=False)
    export = Export("help_scout_conversations.csv", "Help Scout conversations export (CSV)",
                    zone, {
        "layout": "wide", "id": "CG Number",
        "times": {"open": "Created", "progress": "First Response", "closed": "Closed"},
        "dayfirst": None, "status_words": None, "zone_question": True, "note": None,
        "assignee": None, "response_date": None,
    })  # fmt: skip
    header = ["Conversation ID", "Number", "Subject", "Customer Name", "Customer Email",
              "Mailbox", "Status", "Assigned To", "Tags", "Created", "First Response",
              "Closed", "Modified", "Threads", "CG Number"]  # fmt: skip
    rows = []
    for n, case in enumerate(cg_ids(rng, 60)):
        path = ticket_path(rng)
        created = clock.start()
        reply = clock.later(created, 0.2, 12) if path in ("progress", "closed") else None
        closed = clock.later(reply or created, 2, 70) if path in ("closed", "direct") else None
        status = {"open": "active", "progress": "pending"}.get(path, "closed")
        contact, mail = person(rng)
        rows.append([
            2_210_000_000 + n * 977, 3100 + n, rng.choice(SUBJECTS), contact, mail, "Support",
            status, rng.choice(AGENTS) if reply or closed else "", "",
            month_day(created), month_day(reply) if reply else "",
            month_day(closed) if closed else "", month_day(closed or reply or created),
            rng.randint(1, 6), case,
        ])  # fmt: skip
        export.responses[case] = clock.response(created)
        steps = [("open", created), ("progress", reply), ("closed", closed)]
        wide_truth(export, case, steps, clock=clock, row=n)
    write_csv(HERE / export.name, header, rows)
    return export


def intercom() -> Export:
    """Intercom: Reports > Conversations dataset > Export CSV, with the dataset's own
    attribute names (Conversation started at, Conversation first replied at, Conversation
    last closed at); times "2024-03-05 09:00:08" in the workspace's zone; the teammate
    assigned by e-mail address beside the customer's e-mail."""
    rng, zone = seed_for("intercom"), "Europe/Dublin"
    clock = Clock(rng, zone)
    started, replied, closed_at = (
        "Conversation started at",
        "Conversation first replied at",
        "Conversation last closed at",
    )
    export = Export("intercom_conversations.csv", "Intercom conversations export (CSV)", zone, {
        "layout": "wide", "id": "CustomerGauge ID",
        "times": {"open": started, "progress": replied, "closed": closed_at},
        "dayfirst": None, "status_words": None, "zone_question": True, "note": None,
        "assignee": "Teammate assigned email", "response_date": None,
    })  # fmt: skip
    header = ["Conversation ID", started, "Channel", "Conversation state", "User name",
              "User email", "Teammate assigned", "Teammate assigned email", "Team assigned",
              replied, closed_at, "Conversation last updated at", "Conversation tags",
              "Conversation rating", "CustomerGauge ID"]  # fmt: skip
    rows = []
    for n, case in enumerate(cg_ids(rng, 62)):
        path = ticket_path(rng)
        created = clock.start()
        reply = clock.later(created, 0.05, 6) if path in ("progress", "closed") else None
        closed = clock.later(reply or created, 0.5, 48) if path in ("closed", "direct") else None
        state = {"open": "open", "progress": rng.choice(["open", "snoozed"])}.get(path, "closed")
        who = rng.randrange(len(AGENT_MAILS))
        user, mail = person(rng)
        assigned = bool(reply or closed) or rng.random() < 0.5
        fmt = "%Y-%m-%d %H:%M:%S"
        rows.append([
            f"2155{n:06d}{rng.randrange(10, 99)}", created.strftime(fmt),
            rng.choice(["Messenger", "Email"]), state, user, mail,
            AGENTS[who] if assigned else "", AGENT_MAILS[who] if assigned else "",
            "Support" if assigned else "", reply.strftime(fmt) if reply else "",
            closed.strftime(fmt) if closed else "",
            (closed or reply or created).strftime(fmt), "",
            rng.choice(["", "5", "4", "3"]) if closed else "", case,
        ])  # fmt: skip
        export.responses[case] = clock.response(created)
        steps = [("open", created), ("progress", reply), ("closed", closed)]
        wide_truth(export, case, steps, clock=clock, row=n,
                   assignee=AGENT_MAILS[who] if assigned else None)  # fmt: skip
    write_csv(HERE / export.name, header, rows)
    return export


# --- status-change logs --------------------------------------------------------------------


@dataclass
class Change:
    """One row of a log, in the product's terms; `status` is a new status word, or None."""

    local: datetime
    field: str
    old: str = ""
    new: str = ""
    comment: str = ""
    status: str | None = None  # the CustomerGauge meaning of `new` when this row changes status
    created: str | None = None  # a creation row: the CustomerGauge status the case starts in


def log_truth(export: Export, case: str, changes: list[Change], clock: Clock, start: int) -> None:
    """A log read as SPEC's audit layout: status changes become actions of the new status;
    comments carry the status the case has at that time; a creation row the first status."""
    actions: list[Action] = []
    current: str | None = None
    for offset, change in enumerate(changes):
        at = clock.utc(change.local)
        if change.created is not None:
            current = change.created
            actions.append(Action(current, at, None, None, start + offset))
        if change.status is not None:
            current = change.status
            actions.append(Action(current, at, None, None, start + offset))
        elif change.comment:
            assert current is not None
            actions.append(Action(current, at, change.comment, None, start + offset))
    actions.sort(key=Action.key)
    export.cases[case] = actions


def status_walk(rng: random.Random, words: dict[str, list[str]]) -> list[tuple[str, str]]:
    """A case's status words after its first one, each with its meaning: a reply, a wait,
    a close, sometimes a re-open."""
    path: list[tuple[str, str]] = []
    kind = rng.choices(["none", "progress", "closed", "direct", "reopen"], [1, 3, 7, 2, 1])[0]
    if kind in ("progress", "closed", "reopen"):
        path.append((rng.choice(words["progress"]), "progress"))
        if rng.random() < 0.4:
            path.append((rng.choice([w for w in words["progress"] if w != path[-1][0]]),
                         "progress"))  # fmt: skip
    if kind in ("closed", "direct", "reopen"):
        path.append((words["closed"][0], "closed"))
    if kind == "reopen":
        path.append((words["reopen"][0], "open"))
        path.append((words["closed"][0], "closed"))
    if kind in ("closed", "direct") and len(words["closed"]) > 1 and rng.random() < 0.3:
        path.append((words["closed"][1], "closed"))
    return path


def zendesk_audits() -> Export:
    """Zendesk ticket audits (GET /api/v2/tickets/{id}/audits) flattened one row per event:
    Create / Change events with field_name, previous_value and value, Comment events with
    body and public; created_at in ISO 8601 UTC ("Z")."""
    rng = seed_for("zendesk_audits")
    clock = Clock(rng, "UTC")
    words = {"first": ["new"], "progress": ["pending", "hold"], "closed": ["solved", "closed"],
             "reopen": ["open"]}  # fmt: skip
    export = Export("zendesk_audits.csv", "Zendesk ticket audits (API, one row per event)", None, {
        "layout": "audit", "id": "customergauge_id", "times": {"happened_at": "created_at"},
        "status": "value",
        "dayfirst": None, "zone_question": False, "note": "body", "assignee": None,
        "status_words": {"new": "open", "open": "open", "pending": "progress",
                         "hold": "progress", "solved": "closed", "closed": "closed"},
        "response_date": None,
    })  # fmt: skip
    header = [
        "ticket_id",
        "customergauge_id",
        "audit_id",
        "created_at",
        "author_id",
        "event_type",
        "field_name",
        "previous_value",
        "value",
        "body",
        "public",
    ]
    rows: list[list[Any]] = []
    audit = 90000
    for n, case in enumerate(cg_ids(rng, 50)):
        ticket = 48200 + n * 3
        at = clock.start()
        changes = [
            Change(at, "status", "", "new", status="open"),
            Change(at, "comment", comment=rng.choice(COMMENTS[:1] + COMMENTS[4:5])),
        ]
        previous = "new"
        if rng.random() < 0.8:  # an agent takes it: new -> open
            at = clock.later(at, 0.1, 5)
            changes.append(Change(at, "status", previous, "open", status="open"))
            previous = "open"
        for word, meaning in status_walk(rng, words):
            if rng.random() < 0.6:  # a comment a little before the change
                at = clock.later(at, 0.1, 10)
                changes.append(Change(at, "comment", comment=rng.choice(COMMENTS)))
            at = clock.later(at, 0.2, 40)
            changes.append(Change(at, "status", previous, word, status=meaning))
            previous = word
        for change in changes:
            audit += 1
            stamp = change.local.strftime("%Y-%m-%dT%H:%M:%SZ")
            author = 7001 if change in changes[:2] else rng.choice([3001, 3002, 3003])
            if change.field == "comment":
                public = "false" if change.comment.startswith("Internal") else "true"
                rows.append([ticket, case, audit, stamp, author, "Comment", "", "", "",
                             change.comment, public])  # fmt: skip
            else:
                kind = "Create" if change is changes[0] else "Change"
                rows.append([ticket, case, audit, stamp, author, kind, "status", change.old,
                             change.new, "", ""])  # fmt: skip
                if kind == "Create":
                    rows.append([ticket, case, audit, stamp, author, "Create", "priority", "",
                                 rng.choice(["low", "normal", "high"]), "", ""])  # fmt: skip
                elif rng.random() < 0.3:
                    rows.append([ticket, case, audit, stamp, author, "Change", "assignee_id", "",
                                 author, "", ""])  # fmt: skip
        export.responses[case] = clock.response(changes[0].local)
        log_truth(export, case, changes, clock, len(rows))
    write_csv(HERE / export.name, header, rows, newline="\n")
    return export


def jira_changelog() -> Export:
    """Jira Service Management: the issues' change history as exported to CSV (one row per
    changed field: Field, From, To), dates in Jira's own form "25/Mar/23 9:00 AM" in the
    exporting user's zone; custom fields as "Custom field (Name)"."""
    rng, zone = seed_for("jira_changelog"), "Europe/Amsterdam"
    clock = Clock(rng, zone, seconds=False)
    words = {"progress": ["In Progress", "Waiting for customer", "Pending", "Escalated"],
             "closed": ["Resolved", "Closed"], "reopen": ["Reopened"]}  # fmt: skip
    export = Export("jira_sm_changelog.csv", "Jira Service Management change history (CSV)",
                    zone, {
        "layout": "audit", "id": "Custom field (CustomerGauge ID)",
        "times": {"happened_at": "Date"}, "dayfirst": None, "zone_question": True, "status": "To",
        "note": None, "assignee": None, "response_date": None,
        "status_words": {"Waiting for support": "open", "In Progress": "progress",
                         "Waiting for customer": "progress", "Pending": "progress",
                         "Escalated": "progress", "Resolved": "closed", "Closed": "closed",
                         "Reopened": "open"},
    })  # fmt: skip
    header = ["Issue key", "Issue Type", "Summary", "Custom field (CustomerGauge ID)", "Author",
              "Date", "Field", "From", "To"]  # fmt: skip
    rows: list[list[Any]] = []
    for n, case in enumerate(cg_ids(rng, 60)):
        key, summary = f"SUP-{118 + n * 2}", rng.choice(SUBJECTS)
        kind = rng.choice(["Get IT help", "Report a bug", "Ask a question"])
        at = clock.start()
        changes = [Change(at, "Created", created="open")]
        walk = status_walk(rng, words)
        if rng.random() < 0.5:
            at = clock.later(at, 0.1, 3)
            changes.append(Change(at, "assignee", "", rng.choice(AGENTS)))
        previous = "Waiting for support"
        for word, meaning in walk:
            at = clock.later(at, 0.3, 40)
            changes.append(Change(at, "status", previous, word, status=meaning))
            if meaning == "closed" and previous != "Resolved" and rng.random() < 0.6:
                changes.append(Change(at, "resolution", "", "Done"))
            previous = word
        for change in changes:
            author = "Automation for Jira" if change.field == "Created" else rng.choice(AGENTS)
            rows.append([key, kind, summary, case, author, jira_time(change.local),
                         change.field, change.old, change.new])  # fmt: skip
        export.responses[case] = clock.response(changes[0].local)
        log_truth(export, case, changes, clock, len(rows))
    write_csv(HERE / export.name, header, rows)
    return export


def jira_api_changelog() -> Export:
    """Jira Service Management changelogs read from the REST API (GET
    /rest/api/3/issue/{key}/changelog) into CSV, one row per history item: the history's
    `created` with its offset ("2024-08-05T09:00:12.000+0200"), `field`, `fromString`,
    `toString`. The API has no creation entry: automation assigns each request as it is
    created, and the first status change's fromString is the status it was created in."""
    rng = seed_for("jira_api_changelog")
    clock = Clock(rng, "Europe/Amsterdam")
    words = {"progress": ["In Progress", "Waiting for customer", "Pending"],
             "closed": ["Resolved", "Closed"], "reopen": ["Reopened"]}  # fmt: skip
    export = Export("jira_api_changelog.csv", "Jira changelog from the REST API (CSV)", None, {
        "layout": "audit", "id": "customergauge_id", "times": {"happened_at": "created"},
        "status": "toString",
        "dayfirst": None, "zone_question": False, "note": None, "assignee": None,
        "response_date": None,
        "status_words": {"Waiting for support": "open", "In Progress": "progress",
                         "Waiting for customer": "progress", "Pending": "progress",
                         "Resolved": "closed", "Closed": "closed", "Reopened": "open"},
    })  # fmt: skip
    header = ["issue_key", "customergauge_id", "history_id", "created", "author", "field",
              "fieldtype", "fromString", "toString"]  # fmt: skip
    rows: list[list[Any]] = []
    history = 10400
    for n, case in enumerate(cg_ids(rng, 50)):
        at = clock.start()
        changes = [Change(at, "assignee", "", rng.choice(AGENTS), created="open")]
        walk: list[tuple[str, str]] = []
        while not walk:
            walk = status_walk(rng, words)
        previous = "Waiting for support"
        for word, meaning in walk:
            at = clock.later(at, 0.3, 40)
            changes.append(Change(at, "status", previous, word, status=meaning))
            previous = word
        for change in changes:
            history += 1
            local = change.local.replace(tzinfo=clock.zone)
            stamp = local.strftime("%Y-%m-%dT%H:%M:%S.000%z")
            author = "Automation for Jira" if change is changes[0] else rng.choice(AGENTS)
            rows.append([f"SUP-{300 + n}", case, history, stamp, author, change.field, "jira",
                         change.old, change.new])  # fmt: skip
        export.responses[case] = clock.response(changes[0].local)
        log_truth(export, case, changes, clock, len(rows))
    write_csv(HERE / export.name, header, rows, newline="\n")
    return export


SALESFORCE: dict[str, dict[str, Any]] = {
    "en": {
        "header": ["Case Number", "Subject", "Case Owner", "CustomerGauge ID", "Edited By",
                   "Field / Event", "Old Value", "New Value", "Edit Date"],
        "created": "Created.", "status": "Status", "owner": "Owner (Assignment)",
        "priority": "Priority", "levels": ["Low", "Medium", "High"],
        "words": {"first": "New", "progress": ["Working", "Escalated"], "closed": ["Closed"],
                  "reopen": ["New"]},
        "time": us_short, "zone": "America/Chicago", "dayfirst": False,
    },
    "fr": {
        "header": ["Numéro de la requête", "Objet", "Propriétaire de la requête",
                   "ID CustomerGauge", "Modifié par", "Champ/Événement", "Ancienne valeur",
                   "Nouvelle valeur", "Date de modification"],
        "created": "Créé.", "status": "Statut", "owner": "Propriétaire (Attribution)",
        "priority": "Priorité", "levels": ["Faible", "Moyenne", "Élevée"],
        "words": {"first": "Nouveau", "progress": ["En cours", "Escaladé"],
                  "closed": ["Fermé"], "reopen": ["Nouveau"]},
        "time": lambda at: at.strftime("%d/%m/%Y %H:%M"), "zone": "Europe/Paris",
        "dayfirst": True, "delimiter": ";", "encoding": "utf-8-sig",
    },
}  # fmt: skip


def salesforce(language: str, spec: dict[str, Any] | None = None) -> Export:
    """Salesforce: the "Cases with Case History" report, Export > Details only (CSV), in the
    exporting user's locale: en_US with "," and M/d/yyyy h:mm a; fr_FR with ";", a UTF-8
    byte-order mark and dd/MM/yyyy HH:mm. "Created." rows open each case; the first status
    change's Old Value is the case's first status. (`spec`: another locale's report.)"""
    spec = spec or SALESFORCE[language]
    name = str(spec.get("name", f"salesforce_case_history_{language}"))
    rng, zone = seed_for(name), str(spec["zone"])
    clock = Clock(rng, zone, seconds=False)
    words: dict[str, Any] = spec["words"]
    head: list[str] = spec["header"]
    meaning = {words["first"]: "open", **{w: "progress" for w in words["progress"]},
               **{w: "closed" for w in words["closed"]}}  # fmt: skip
    product = spec.get("product", f"Salesforce Case History report ({language.upper()})")
    subjects, agents = spec.get("subjects", SUBJECTS), spec.get("agents", AGENTS)
    export = Export(f"{name}.csv", product, zone, {
        "layout": "audit", "id": head[3], "times": {"happened_at": head[8]}, "status": head[7],
        "dayfirst": spec["dayfirst"], "zone_question": True, "note": None, "assignee": None,
        "status_words": meaning, "response_date": None,
    }, encoding=spec.get("encoding", "utf-8"), answers=spec.get("answers", {}))  # fmt: skip
    rows: list[list[Any]] = []
    show: Callable[[datetime], str] = spec["time"]
    for n, case in enumerate(cg_ids(rng, spec.get("cases", 56))):
        number, subject, owner = f"{1026 + n * 5:08d}", rng.choice(subjects), rng.choice(agents)
        at = clock.start()
        changes = [Change(at, str(spec["created"]), created="open")]
        previous = words["first"]
        for word, cg in status_walk(rng, words):
            if rng.random() < 0.3:
                at = clock.later(at, 0.1, 4)
                queue = spec.get("queue", "Support Queue")
                changes.append(Change(at, str(spec["owner"]), queue, owner))
            at = clock.later(at, 0.3, 50)
            changes.append(Change(at, str(spec["status"]), previous, word, status=cg))
            previous = word
            if rng.random() < 0.2:
                at = clock.later(at, 1, 20)
                changes.append(Change(at, str(spec["priority"]), *rng.sample(spec["levels"], 2)))
        for change in changes:
            editor = spec.get("integration", "Integration User") if change is changes[0] else owner
            rows.append([number, subject, owner, case, editor, change.field, change.old,
                         change.new, show(change.local)])  # fmt: skip
        export.responses[case] = clock.response(changes[0].local)
        log_truth(export, case, changes, clock, len(rows))
    delimiter = spec.get("delimiter", ",")
    write_csv(HERE / export.name, head, rows, delimiter=delimiter, encoding=export.encoding)
    return export


# --- one row per action --------------------------------------------------------------------


def long_rows(
    rng: random.Random, clock: Clock, words: dict[str, list[str]], notes: list[str]
) -> tuple[list[tuple[str, datetime, str, str]], datetime]:
    """A case's actions as a person logs them: (word, local time, note, agent e-mail)."""
    at = clock.start()
    agent = rng.choice(AGENT_MAILS)
    entries = [(rng.choice(words["first"]), at, "", agent)]
    for word, _meaning in status_walk(rng, words):
        at = clock.later(at, 0.5, 50)
        entries.append((word, at, note(rng, notes) if rng.random() < 0.6 else "", agent))
    return entries, entries[0][1]


def handkept_xlsx() -> Export:
    """A follow-up log kept by hand in Excel: a merged title and a subtitle above the header,
    a blank line between months, times typed as real date cells, a totals row at the end."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    rng, zone = seed_for("handkept"), "Europe/London"
    clock = Clock(rng, zone, seconds=False)
    words = {"first": ["New", "Open"], "progress": ["In progress", "Waiting for customer"],
             "closed": ["Done", "Closed"], "reopen": ["Reopened"]}  # fmt: skip
    meaning = {w: m for m, ws in (("open", ["New", "Open", "Reopened"]),
                                  ("progress", words["progress"]),
                                  ("closed", words["closed"])) for w in ws}  # fmt: skip
    export = Export("handkept_followups.xlsx", "hand-kept follow-up spreadsheet (.xlsx)", zone, {
        "layout": "long", "id": "CG no.", "times": {"happened_at": "When"}, "dayfirst": None,
        "status": "Status",
        "zone_question": True, "note": "What we did", "assignee": "Owner e-mail",
        "status_words": meaning, "response_date": "Survey date",
    })  # fmt: skip
    book = Workbook()
    sheet = book.active
    sheet.title = "Follow-ups 2024"
    sheet.append(["Customer follow-up log 2024"])
    sheet.merge_cells("A1:G1")
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["Kept by the service desk; one line per step. Do not sort!"])
    sheet.merge_cells("A2:G2")
    sheet.append([])
    header = ["CG no.", "Customer", "Survey date", "Status", "When", "Owner e-mail", "What we did"]
    sheet.append(header)
    sheet["A4"].font = sheet["D4"].font = Font(bold=True)
    entries: list[tuple[str, str, datetime, str, datetime, str, str]] = []
    for case in cg_ids(rng, 48):
        rows, first = long_rows(rng, clock, words, NOTES)
        survey_local = (first - timedelta(days=rng.randint(1, 4))).replace(hour=0, minute=0)
        customer, _ = person(rng)
        export.responses[case] = clock.utc(survey_local)
        for word, at, text, agent in rows:
            entries.append((case, customer, survey_local, word, at, agent, text))
    entries.sort(key=lambda e: e[4])  # a log is kept in time order, cases interleaved
    month = None
    for row, (case, customer, survey, word, at, agent, text) in enumerate(entries):
        if month is not None and at.month != month:
            sheet.append([])
        month = at.month
        sheet.append([int(case), customer, survey, word, at, agent, text or None])
        sheet.cell(sheet.max_row, 3).number_format = "dd/mm/yyyy"
        sheet.cell(sheet.max_row, 5).number_format = "dd/mm/yyyy hh:mm"
        export.cases.setdefault(case, []).append(
            Action(meaning[word], clock.utc(at), text or None, agent, row)
        )
    sheet.append([])
    sheet.append(["Total", None, None, f"{len(entries)} steps", None, None, None])
    export.invalid_rows = 1  # the totals row: reported on its row, never sent
    for actions in export.cases.values():
        actions.sort(key=Action.key)
    book.save(HERE / export.name)
    return export


def excel_german_csv() -> Export:
    """A list kept in Excel on a German Windows machine, saved as "CSV (Trennzeichen-getrennt)":
    ";" between fields, cp1252, dd.mm.yyyy hh:mm, a decimal comma in the hours column."""
    rng, zone = seed_for("excel_de"), "Europe/Berlin"
    clock = Clock(rng, zone, seconds=False)
    words = {"first": ["Neu", "Offen"], "progress": ["In Bearbeitung", "Wartet auf Kunde"],
             "closed": ["Erledigt", "Geschlossen"], "reopen": ["Wiedereröffnet"]}  # fmt: skip
    meaning = {w: m for m, ws in (("open", ["Neu", "Offen", "Wiedereröffnet"]),
                                  ("progress", words["progress"]),
                                  ("closed", words["closed"])) for w in ws}  # fmt: skip
    export = Export("excel_de_nachverfolgung.csv", "Excel CSV, German Windows", zone, {
        "layout": "long", "id": "CG-Nummer", "times": {"happened_at": "Datum"}, "dayfirst": True,
        "status": "Status",
        "zone_question": True, "note": "Bemerkung", "assignee": "Bearbeiter (E-Mail)",
        "status_words": meaning, "response_date": None,
    }, encoding="cp1252")  # fmt: skip
    header = ["CG-Nummer", "Kunde", "Status", "Datum", "Bearbeiter (E-Mail)", "Aufwand (Std.)",
              "Bemerkung"]  # fmt: skip
    rows: list[list[Any]] = []
    for case in cg_ids(rng, 52):
        entries, first = long_rows(rng, clock, words, NOTES_DE)
        customer, _ = person(rng)
        export.responses[case] = clock.response(first)
        for word, at, text, agent in entries:
            effort = f"{rng.choice([0.25, 0.5, 1.0, 1.5, 2.75]):.2f}".replace(".", ",")
            export.cases.setdefault(case, []).append(
                Action(meaning[word], clock.utc(at), text or None, agent, len(rows))
            )
            rows.append([case, customer, word, at.strftime("%d.%m.%Y %H:%M"), agent, effort, text])
    for actions in export.cases.values():
        actions.sort(key=Action.key)
    write_csv(HERE / export.name, header, rows, delimiter=";", encoding=export.encoding)
    return export


# --- truth files ---------------------------------------------------------------------------

GENERATORS: list[Callable[[], Export]] = [
    zendesk_tickets,
    zendesk_audits,
    lambda: freshdesk("en"),
    lambda: freshdesk("de"),
    jira_changelog,
    jira_api_changelog,
    lambda: salesforce("en"),
    lambda: salesforce("fr"),
    servicenow,
    hubspot,
    zoho_desk,
    help_scout,
    intercom,
    handkept_xlsx,
    excel_german_csv,
]


def stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S")


def truth(export: Export) -> dict[str, Any]:
    # the status column: the new value of a log, the status of one row per action
    expected = {"encoding": export.encoding, "status": None, **export.expected}
    assert expected["status"] or expected["layout"] == "wide", export.name
    data = {
        "export": export.name,
        "product": export.product,
        "timezone": export.zone,  # what the user supplies when the cells carry no offset
        "expected": expected,
        "invalid_rows": export.invalid_rows,
        "responses": {case: stamp(at) for case, at in export.responses.items()},
        "cases": {
            case: [[a.status, stamp(a.at), a.note, a.assignee] for a in actions]
            for case, actions in export.cases.items()
        },
    }
    if export.answers:  # the admin's answers to init's status-word TODOs, and nothing else
        data["answers"] = {"status_map": export.answers}
    return data


def main() -> None:
    # (the exports of the rest of the world live beside this file: run as a script, it is on
    # sys.path)
    from world_histories import HISTORIES
    from world_logs import LOGS
    from world_tickets import TICKETS

    for generate in [*GENERATORS, *TICKETS, *LOGS, *HISTORIES]:
        export = generate()
        for case, actions in export.cases.items():
            assert actions and export.responses[case] < actions[0].at, case
        text = json.dumps(truth(export), ensure_ascii=False, indent=1)
        (HERE / f"{Path(export.name).stem}.truth.json").write_text(text + "\n", encoding="utf-8")
        actions = sum(len(a) for a in export.cases.values())
        print(f"{export.name}: {len(export.cases)} cases, {actions} actions")


if __name__ == "__main__":
    main()
