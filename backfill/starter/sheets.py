"""Where a workbook's data is: the sheet that holds it, and a header below title rows.

A hand-kept spreadsheet often starts with a title, a note and a blank line; a workbook
exported by a tool may have an "About" sheet before the data. `init` finds both and says
so in the config it writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from backfill.model import ROW, SOURCE
from backfill.starter.profiles import blank

WORKBOOKS = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
_LOOK = 20  # rows looked at for a header below the first


@dataclass(frozen=True)
class Choice:
    """A sheet or header row chosen, and why."""

    value: str | int
    evidence: str


def choose_sheet(path: Path) -> Choice | None:
    """The sheet with the most rows of data, when a workbook has several (None otherwise)."""
    if path.suffix.lower() not in WORKBOOKS:
        return None
    import python_calamine as calamine

    try:
        workbook = calamine.CalamineWorkbook.from_path(str(path))
        sizes = {
            name: sum(
                1
                for row in workbook.get_sheet_by_name(name).to_python()
                if any(not blank(c) for c in row)
            )
            for name in workbook.sheet_names
        }
    except Exception:  # the reader says what is wrong with the file, with its fix
        return None
    if len(sizes) < 2:
        return None
    chosen = max(sizes, key=lambda n: (sizes[n], -list(sizes).index(n)))
    others = ", ".join(f"'{n}' {rows}" for n, rows in sizes.items() if n != chosen)
    return Choice(chosen, f"{sizes[chosen]} non-empty rows; the other sheets: {others}")


def find_header(frame: pd.DataFrame) -> tuple[pd.DataFrame, Choice | None]:
    """The frame headed by its real header when the first row is a title (most of its
    names empty) and a row below names every column; else the frame as it is."""
    names = [c for c in frame.columns if c not in (SOURCE, ROW)]
    unnamed = sum(1 for n in names if str(n).startswith("Unnamed: "))
    if len(names) < 2 or unnamed * 2 < len(names):
        return frame, None
    for position in range(min(_LOOK, len(frame))):
        cells = [frame[n].iloc[position] for n in names]
        texts = [c for c in cells if not blank(c)]
        if len(texts) < max(2, 0.6 * len(names)):
            continue
        if any(isinstance(c, (datetime, date)) or not isinstance(c, str) for c in texts):
            continue
        if sum(1 for c in texts if c.strip().replace(".", "", 1).isdigit()) * 2 > len(texts):
            continue
        header = _names(cells)
        body = frame.iloc[position + 1 :].reset_index(drop=True)
        headed = body[names].set_axis(header, axis=1)
        headed[SOURCE], headed[ROW] = body[SOURCE].to_numpy(), body[ROW].to_numpy()
        row = int(frame[ROW].iloc[position])
        title = str(names[0])
        evidence = (
            f"rows 1-{row - 1} hold a title ('{title}') and notes; row {row} names every column"
        )
        return headed, Choice(row, evidence)
    return frame, None


def _names(cells: list[object]) -> list[str]:
    """Column names as the reader makes them: blank -> "Unnamed: i", repeats "Notes.1"."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for index, cell in enumerate(cells):
        text = "" if blank(cell) else str(cell).strip()
        text = text or f"Unnamed: {index}"
        if text in seen:
            seen[text] += 1
            text = f"{text}.{seen[text]}"
        else:
            seen[text] = 0
        names.append(text)
    return names
