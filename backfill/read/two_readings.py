"""The same cells of a delimited file under two encodings, side by side: what a person needs
to see to say which encoding the file was saved in (encoding_choice.EncodingUnclear)."""

from __future__ import annotations

import csv
from pathlib import Path

_LOOK_BYTES = 8 << 20
_SHOWN_CELLS = 4
_WIDTH = 50


def differing_cells(path: Path, first: str, second: str) -> str:
    """Up to four cells that read differently in `first` and `second`, side by side:

    line 4 'Status': cp1250 'Zamknięte' | cp1252 'Zamkniête'; line 5 ...
    """
    from backfill.read.delimited import sniff_delimiter

    with open(path, "rb") as handle:
        raw = handle.read(_LOOK_BYTES)
    lines = raw.splitlines()
    delimiter = sniff_delimiter(raw[: 64 << 10].decode(first, "replace"))
    header = _cells(lines[0].decode(first, "replace"), delimiter) if lines else []
    shown: list[str] = []
    for number, line in enumerate(lines, start=1):
        if line.isascii():
            continue
        one = _cells(line.decode(first, "replace"), delimiter)
        two = _cells(line.decode(second, "replace"), delimiter)
        for index, (a, b) in enumerate(zip(one, two, strict=False)):
            if a != b and len(shown) < _SHOWN_CELLS:
                name = header[index] if index < len(header) and number > 1 else ""
                where = f"line {number} {name!r}" if name else f"line {number}"
                shown.append(f"{where}: {first} {_cut(a, b)!r} | {second} {_cut(b, a)!r}")
        if len(shown) == _SHOWN_CELLS:
            break
    return "; ".join(shown) if shown else "(no cell differs in the first 8 MB)"


def _cells(text: str, delimiter: str) -> list[str]:
    return next(csv.reader([text], delimiter=delimiter), [])


def _cut(cell: str, other: str) -> str:
    """A long cell around its first difference from `other`."""
    if len(cell) <= _WIDTH:
        return cell
    at = next((i for i, (a, b) in enumerate(zip(cell, other, strict=False)) if a != b), 0)
    start = max(0, min(at - _WIDTH // 3, len(cell) - _WIDTH))
    text = cell[start : start + _WIDTH]
    return ("…" if start else "") + text + ("…" if start + _WIDTH < len(cell) else "")
