"""Writes scripts.xls: an Excel 97-2003 workbook (BIFF8, as xlwt writes it, code page 1200)
with Polish, Cyrillic and Japanese notes, for tests/test_encodings.py. Needs xlwt
(pip install xlwt); the workbook is committed, so the tests do not."""

from __future__ import annotations

from pathlib import Path

NOTES = ["Zgłoszenie przyjęte, źle spakowane", "Решено: «возврат» одобрен", "返金を承認、完了"]


def main() -> None:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Export")
    for col, name in enumerate(["number_customergauge", "status", "happened_at", "note"]):
        sheet.write(0, col, name)
    for row, note in enumerate(NOTES, start=1):
        for col, value in enumerate(["501", "open", f"2023-02-0{row} 08:00:00", note]):
            sheet.write(row, col, value)
    book.save(str(Path(__file__).with_name("scripts.xls")))


if __name__ == "__main__":
    main()
