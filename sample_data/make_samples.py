"""Generate the sample exports used by the README demo and the tests (deterministic).

    python sample_data/make_samples.py

writes, next to this script:
- history.csv      the API's own column names, 64 cases, ISO 8601 times (UTC), UTF-8
- history.xlsx     the same rows, with real Excel date cells and some ids stored as numbers
- history.xls      the same rows as an Excel 97-2003 workbook (only when xlwt is installed)
- helpdesk_export.csv  a helpdesk's own export: its own column names and status words,
                   semicolon-separated, Windows-1252, day-first local times (Europe/Amsterdam);
                   helpdesk.yaml is the config that maps it (written by hand, not generated)

Deliberately broken rows in history.* (one each, listed in BROKEN below with their case):
an unknown status word, an unparseable date, a time before the survey response, a bad
e-mail address and a missing case id. The helpdesk export has one status word its config
does not map (the built-in helpdesk vocabulary reads it).
"""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20240611
CASES = 64
FIELDS = ["number_customergauge", "status", "happened_at", "note", "assignee", "response_date"]
CARRIED = ["customer", "channel"]
COLUMNS = [FIELDS[0], "customer", *FIELDS[1:], "channel"]
ISO = "%Y-%m-%d %H:%M:%S"

CUSTOMERS = [
    "Acme Logistics B.V.",
    "Café Rösti GmbH",
    "Ølstue Aarhus A/S",
    "Müller & Söhne KG",
    "Northwind Traders",
    "Société Générale d'Emballage",
    "Blue Harbour Ltd",
    "Zürich Parcel AG",
    "O'Neill Plumbing",
    "Łódź Print Sp. z o.o.",
    "Contoso, Inc.",
    "Fjällräven Outlet",
]
CHANNELS = ["email", "web", "phone", "sms"]
AGENTS = [
    "alice.martin@example.com",
    "bram.devries@example.com",
    "chloe.dubois@example.com",
    "dag.olsen@example.com",
    "emma.schneider@example.com",
]
OPEN_NOTES = [
    "Customer unhappy with delivery time, calling back tomorrow",
    'Detractor: "never again" in the comment',
    "",
    "Left a voicemail; will try again after lunch",
    "Réclamation reçue par téléphone, client très mécontent",
    "",
    "Passed to the regional team",
]
PROGRESS_NOTES = [
    "Spoke with the customer.\nAgreed on a partial refund, waiting for finance",
    "Refund of €25 requested, ticket #4411",
    "Called twice, no answer",
    "",
    'Customer said: "the driver was rude, but the parcel was fine"',
    "Ersatzlieferung veranlasst, Kunde ist zufrieden",
    "Escalated to team lead; see e-mail thread from Monday",
    "Follow-up booked for Thursday 10:00",
]
CLOSED_NOTES = [
    "Resolved: refund issued, customer confirmed",
    "Closed after second call.\nCustomer happy now 🙂",
    "",
    "No reply after three attempts, closing",
    "Problem solved; sent a voucher (code SPRING-10)",
    "Løst: kunden fik en ny levering",
    'Customer wrote back "thanks, all good"',
]
REOPEN_NOTES = [
    "Customer called again: the replacement is damaged too",
    "Re-opened at the customer's request",
]

# Status words as exports write them: mostly the API's own, some of the built-in aliases.
STATUS_WORDS = {
    "open": ["open", "open", "open", "OPEN"],
    "progress": ["progress", "progress", "progress", "In Progress"],
    "closed": ["closed", "closed", "closed", "Closed"],
}


def make_history(rng: random.Random) -> list[dict[str, object]]:
    """Rows (times as datetimes) in a realistic, somewhat shuffled export order."""
    rows: list[dict[str, object]] = []
    ids = rng.sample(range(30_000_000, 99_999_999), CASES)
    start = datetime(2023, 1, 9, 8, 0)
    span = (datetime(2025, 9, 30) - start).total_seconds()
    for index, case_id in enumerate(ids):
        response = start + timedelta(seconds=rng.uniform(0, span))
        response = response.replace(microsecond=0)
        shape = _timeline_shape(index, rng)
        agent = rng.choice(AGENTS)
        when = response + timedelta(hours=rng.uniform(1, 72))
        customer, channel = rng.choice(CUSTOMERS), rng.choice(CHANNELS)
        for step, status in enumerate(shape):
            if step and rng.random() < 0.12:  # a couple of cases change hands
                agent = rng.choice([a for a in AGENTS if a != agent])
            note_pool = {"open": OPEN_NOTES, "progress": PROGRESS_NOTES, "closed": CLOSED_NOTES}
            pool = REOPEN_NOTES if status == "open" and step else note_pool[status]
            rows.append(
                {
                    "number_customergauge": str(case_id),
                    "customer": customer,
                    "status": rng.choice(STATUS_WORDS[status]),
                    "happened_at": when.replace(microsecond=0),
                    "note": rng.choice(pool),
                    "assignee": agent if status != "closed" or rng.random() < 0.7 else "",
                    "response_date": response,
                    "channel": channel,
                }
            )
            when += timedelta(hours=rng.uniform(0.5, 240))
    _local_shuffle(rows, rng)
    return rows


def _timeline_shape(index: int, rng: random.Random) -> list[str]:
    if index % 13 == 5:  # re-opened after closing
        return ["open", "progress", "closed", "open", "progress", "closed"]
    if index % 7 == 3:  # shortcut
        return ["open", "closed"]
    if index % 11 == 9:  # still open
        return ["open", "progress"] if rng.random() < 0.5 else ["open"]
    return ["open"] + ["progress"] * rng.choice([1, 1, 1, 2]) + ["closed"]


def _local_shuffle(rows: list[dict[str, object]], rng: random.Random) -> None:
    """Exports are roughly, not strictly, in order: sort by time, then move rows a little."""
    rows.sort(key=lambda row: row["happened_at"])  # type: ignore[arg-type,return-value]
    for i in range(len(rows)):
        j = min(len(rows) - 1, max(0, i + rng.randint(-8, 8)))
        rows[i], rows[j] = rows[j], rows[i]


BROKEN: dict[str, str] = {}  # filled by break_rows: problem -> case id (for the tests)


def break_rows(rows: list[dict[str, object]]) -> None:
    """Five rows with the problems exports really have, each in a different case."""
    used: set[object] = set()

    def pick(position: int) -> dict[str, object]:
        for row in rows[position:]:
            if row["number_customergauge"] not in used:
                used.add(row["number_customergauge"])
                return row
        raise AssertionError("not enough cases")

    row = pick(20)
    row["status"] = "postponed"  # a word no helpdesk vocabulary decides
    BROKEN["unknown-status"] = str(row["number_customergauge"])
    row = pick(60)
    row["happened_at"] = "31/02/2024 25:61"
    BROKEN["bad-date"] = str(row["number_customergauge"])
    row = pick(100)
    row["happened_at"] = row["response_date"] - timedelta(days=2)  # type: ignore[operator]
    BROKEN["before-response"] = str(row["number_customergauge"])
    row = pick(140)
    row["assignee"] = "dag.olsen(at)example.com"
    BROKEN["bad-email"] = str(row["number_customergauge"])
    row = pick(180)
    BROKEN["missing-id"] = str(row["number_customergauge"])
    row["number_customergauge"] = ""


def _text(value: object, index: int) -> str:
    if isinstance(value, datetime):
        # Mostly "YYYY-mm-dd HH:MM:SS"; a few with the ISO "T" as some systems write it.
        return value.strftime("%Y-%m-%dT%H:%M:%S" if index % 17 == 0 else ISO)
    return str(value)


def write_history_csv(rows: list[dict[str, object]], path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for index, row in enumerate(rows):
            writer.writerow([_text(row[c], index) for c in COLUMNS])


def _excel_value(row: dict[str, object], column: str, index: int) -> object:
    value = row[column]
    if column == "number_customergauge" and value and index % 3 == 0:
        return int(str(value))  # a number cell, as Excel makes of a typed id
    return value


def write_history_xlsx(rows: list[dict[str, object]], path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Export"
    sheet.append(COLUMNS)
    for index, row in enumerate(rows):
        sheet.append([_excel_value(row, c, index) for c in COLUMNS])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
    notes = workbook.create_sheet("About")
    notes.append(["Close the Loop history exported for the backfill demo"])
    workbook.save(path)


def write_history_xls(rows: list[dict[str, object]], path: Path) -> bool:
    try:
        import xlwt  # type: ignore[import-not-found]
    except ImportError:
        return False
    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("Export")
    date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm:ss")
    for col, name in enumerate(COLUMNS):
        sheet.write(0, col, name)
    for index, row in enumerate(rows, start=1):
        for col, column in enumerate(COLUMNS):
            value = _excel_value(row, column, index - 1)
            if isinstance(value, datetime):
                sheet.write(index, col, value, date_style)
            else:
                sheet.write(index, col, value)
    workbook.save(str(path))
    return True


# --- the helpdesk export ---------------------------------------------------------------------

HELPDESK_COLUMNS = [
    "Ticket ref",
    "CG ID",
    "Ticket state",
    "Changed at (local)",
    "Agent comment",
    "Agent e-mail",
    "Survey answered (local)",
    "Queue",
]
HELPDESK_WORDS = {"open": "New", "progress": "Working on it", "closed": "Solved"}
HELPDESK_NOTES = [
    "Klant gebeld; pakket komt morgen",
    'Customer says "late again"; offered a discount',
    "",
    "Opgelost: nieuwe levering, klant tevreden",
    "Retour ontvangen.\nCreditnota verstuurd",
    "Geen gehoor, voicemail ingesproken",
    "Résolu après deux appels",
]


def make_helpdesk(rng: random.Random) -> list[list[str]]:
    rows: list[list[str]] = []
    ids = rng.sample(range(10_000_000, 29_999_999), 20)
    for index, case_id in enumerate(ids):
        response = datetime(2024, 1, 15, 9, 0) + timedelta(minutes=rng.randint(0, 600_000))
        when = response + timedelta(hours=rng.uniform(2, 48))
        shape = ["open", "closed"] if index % 5 == 2 else ["open", "progress", "closed"]
        agent = rng.choice(AGENTS)
        queue = rng.choice(["Benelux", "DACH", "Nordics"])
        for status in shape:
            rows.append(
                [
                    f"HD-{1000 + len(rows)}",
                    str(case_id),
                    HELPDESK_WORDS[status],
                    when.strftime("%d/%m/%Y %H:%M"),
                    rng.choice(HELPDESK_NOTES),
                    agent,
                    response.strftime("%d/%m/%Y %H:%M"),
                    queue,
                ]
            )
            when += timedelta(hours=rng.uniform(1, 96))
    rows[7][2] = "Waiting for customer"  # not in the config: a built-in helpdesk word
    rows.sort(key=lambda row: datetime.strptime(row[3], "%d/%m/%Y %H:%M"), reverse=True)
    return rows


def write_helpdesk_csv(rows: list[list[str]], path: Path) -> None:
    with open(path, "w", encoding="cp1252", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(HELPDESK_COLUMNS)
        writer.writerows(rows)


def main() -> None:
    rng = random.Random(SEED)
    rows = make_history(rng)
    break_rows(rows)
    write_history_csv(rows, HERE / "history.csv")
    write_history_xlsx(rows, HERE / "history.xlsx")
    wrote_xls = write_history_xls(rows, HERE / "history.xls")
    write_helpdesk_csv(make_helpdesk(rng), HERE / "helpdesk_export.csv")
    cases = len({r["number_customergauge"] for r in rows if r["number_customergauge"]})
    print(f"history: {len(rows)} rows, {cases} cases; broken rows: {BROKEN}")
    if not wrote_xls:
        print("history.xls not rewritten (pip install xlwt to regenerate it)")


if __name__ == "__main__":
    main()
