"""What does deciding a legacy encoding cost? (SPEC "Reading bytes: one file, one reading")

Generates the same export (default 1,000,000 rows, Russian notes) twice, as UTF-8 and as
cp1251, and times, alternately and REPEAT times each, backfill's reader on both
(read_table: the UTF-8 fast path, and the legacy path that first decides the encoding from
every non-ASCII word of the file) and the decision alone (decide_encoding). Prints the best
wall time of each.

    python benchmarks/bench_encoding.py [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

NOTES = [
    "Клиент недоволен сроками доставки",
    "Перезвонили, ждём ответа склада",
    "Возврат средств одобрен, клиент доволен",
    "Деталь заменена, всё работает",
]


def generate(path: Path, rows: int, encoding: str, seed: int = 7) -> None:
    rng = random.Random(seed)
    lines = ["number_customergauge;status;happened_at;note"]
    for i in range(rows):
        status = rng.choice(["Открыт", "В работе", "Закрыт"])
        at = f"2024-01-{1 + i % 28:02d} 10:{i % 60:02d}:00"
        lines.append(f"{100000 + i // 3};{status};{at};{rng.choice(NOTES)} {i}")
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))


def best(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    from backfill.read.encoding_choice import decide_encoding
    from backfill.read.table import read_table

    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        utf8, legacy = Path(folder) / "utf8.csv", Path(folder) / "cp1251.csv"
        generate(utf8, args.rows, "utf-8")
        generate(legacy, args.rows, "cp1251")
        for name, work in (
            (f"read UTF-8 ({utf8.stat().st_size / 1e6:.0f} MB)", lambda: read_table(utf8)),
            (f"read cp1251 ({legacy.stat().st_size / 1e6:.0f} MB)", lambda: read_table(legacy)),
            ("decide cp1251 alone", lambda: decide_encoding(legacy)),
        ):
            print(f"{name:<28} {best(work, args.repeat):6.2f} s  ({args.rows:,} rows)")


if __name__ == "__main__":
    main()
