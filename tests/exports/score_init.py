"""Score `backfill init` on the export corpus: per export, each fact of the config it writes
(encoding, layout, id column, status column, time column(s) or steps, date convention,
status words, zone question, note, assignee, response date) right or wrong against the
export's truth.

The encoding is right when init's `input.encoding` (none written: UTF-8) reads the file's
bytes as the same text as the encoding its product wrote them in. Status words are right
when init maps each as its product means it, or leaves it to the file's admin as a TODO
that names it (the truth's `answers`: the corpus test answers it): "asked" in the table.

    python tests/exports/score_init.py            # a Markdown table, then what was wrong
    python tests/exports/score_init.py --json     # the same as data

Run it from the tree whose `init` is to be scored (PYTHONPATH=that tree). It only runs
`init` and reads the config it writes; tests/test_export_corpus.py replays each export.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

HERE = Path(__file__).resolve().parent
FACTS = ("encoding", "layout", "id", "status", "times", "dates", "statuses", "zone", "note",
         "assignee", "response")  # fmt: skip
DATE_TODO = re.compile(r"day/month|dayfirst|date_format|convention|read as times|two readings")


def init_text(export: Path) -> str:
    from backfill.cli.main import cli

    with tempfile.TemporaryDirectory() as folder:
        written = Path(folder) / "backfill.yaml"
        result = CliRunner().invoke(cli, ["init", str(export), "-o", str(written)])
        if result.exit_code != 0:
            return f"# init failed (exit {result.exit_code}): {result.output.strip()}\n"
        return written.read_text(encoding="utf-8")


def _steps(value: Any) -> Any:
    """A steps entry compared without regard to list order or a one-item list."""
    if isinstance(value, list):
        return value[0] if len(value) == 1 else sorted(value)
    return value


def _listed(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _encoding(truth: dict[str, Any], cfg: dict[str, Any]) -> tuple[bool | None, str]:
    export = HERE / truth["export"]
    if export.suffix.lower() not in (".csv", ".tsv", ".txt"):
        return None, ""
    raw = export.read_bytes()
    written = str(cfg.get("encoding") or "utf-8")
    want = raw.decode(truth["expected"]["encoding"]).removeprefix("\ufeff")
    try:
        got = raw.decode(written).removeprefix("\ufeff")
    except (LookupError, UnicodeDecodeError):
        return False, written
    return got == want, written


def score(truth: dict[str, Any], text: str) -> dict[str, tuple[bool | None, str]]:
    """Fact -> (right? None = does not apply, what init wrote)."""
    expected = truth["expected"]
    data = yaml.safe_load(text) or {}
    cfg = (data.get("input") or {}) if isinstance(data, dict) else {}
    columns = cfg.get("columns") or {}
    todos = [line for line in text.splitlines() if "TODO" in line]
    out: dict[str, tuple[bool | None, str]] = {"encoding": _encoding(truth, cfg)}
    out["layout"] = (cfg.get("layout", "long") == expected["layout"], cfg.get("layout", "long"))
    out["id"] = (
        columns.get("number_customergauge") == expected["id"],
        str(columns.get("number_customergauge")),
    )
    if expected["layout"] == "wide":  # a wide file's status column says nothing init uses
        out["status"] = (None, "")
    else:
        out["status"] = (columns.get("status") == expected["status"], str(columns.get("status")))
    if expected["layout"] == "wide":
        got = {k: _steps(v) for k, v in (cfg.get("steps") or {}).items()}
        want = {k: _steps(v) for k, v in expected["times"].items()}
        out["times"] = (got == want, json.dumps(got, ensure_ascii=False))
    else:
        got_at = columns.get("happened_at")
        out["times"] = (got_at == expected["times"]["happened_at"], str(got_at))
    dayfirst = cfg.get("dayfirst")
    date_todos = [t for t in todos if DATE_TODO.search(t)]
    # the convention is right when init read the truth's time columns as times, one way
    read_as_times = {c for v in (cfg.get("steps") or {}).values() for c in _listed(v)}
    read_as_times |= {columns.get("happened_at"), columns.get("response_date")}
    wanted = {c for v in expected["times"].values() for c in _listed(v)}
    dates_right = (
        bool(read_as_times & wanted)
        and not date_todos
        and (dayfirst is None or expected["dayfirst"] is None or dayfirst == expected["dayfirst"])
    )
    shown = f"dayfirst={dayfirst}, date_format={cfg.get('date_format')}"
    if date_todos:
        shown += "; " + " | ".join(t.strip() for t in date_todos)
    out["dates"] = (bool(dates_right), shown)
    if expected["status_words"] is None:
        out["statuses"] = (None, "")
    else:
        status_map = {str(k).casefold(): v for k, v in (cfg.get("status_map") or {}).items()}
        answers = (truth.get("answers") or {}).get("status_map") or {}
        asked = [w for w in expected["status_words"] if w.casefold() not in status_map]
        wrong = {
            word: status_map.get(word.casefold())
            for word, meaning in expected["status_words"].items()
            if status_map.get(word.casefold()) != meaning
            and not (word in asked and word in answers and word in text)
        }
        if wrong or not asked:
            out["statuses"] = (not wrong, ", ".join(f"{w}: {m}" for w, m in wrong.items()))
        else:  # right, with the words init left to the file's admin (its TODOs)
            out["statuses"] = (True, "asked: " + ", ".join(asked))
    zone_lines = [line for line in text.splitlines() if re.match(r"\s*timezone:", line)]
    asked = any("TODO" in line for line in zone_lines) or any(
        "timezone" in t for t in todos if not re.match(r"\s*timezone:", t)
    )
    out["zone"] = (
        asked == expected["zone_question"],
        "asked" if asked else ("no line" if not zone_lines else zone_lines[0].strip()[:60]),
    )
    for fact, key in (("note", "note"), ("assignee", "assignee"), ("response", "response_date")):
        got_column = columns.get(key)
        out[fact] = (got_column == expected[key], str(got_column))
    return out


def main() -> None:
    rows = []
    for path in sorted(HERE.glob("*.truth.json")):
        truth = json.loads(path.read_text(encoding="utf-8"))
        text = init_text(HERE / truth["export"])
        rows.append((path.name.removesuffix(".truth.json"), truth, score(truth, text)))
    if "--json" in sys.argv:
        print(json.dumps({name: facts for name, _, facts in rows}, ensure_ascii=False, indent=1))
        return
    mark = {True: "right", False: "WRONG", None: "n/a"}
    print("| export | " + " | ".join(FACTS) + " |")
    print("|---" * (len(FACTS) + 1) + "|")
    for name, _, facts in rows:
        marks = ["asked" if facts[f][1].startswith("asked:") else mark[facts[f][0]] for f in FACTS]
        print(f"| {name} | " + " | ".join(marks) + " |")
    totals = {f: sum(1 for _, _, facts in rows if facts[f][0]) for f in FACTS}
    applies = {f: sum(1 for _, _, facts in rows if facts[f][0] is not None) for f in FACTS}
    print("| right | " + " | ".join(f"{totals[f]}/{applies[f]}" for f in FACTS) + " |")
    print()
    for name, truth, facts in rows:
        for fact in FACTS:
            right, got = facts[fact]
            if right is False:
                want = truth["expected"].get(
                    {"zone": "zone_question", "response": "response_date"}.get(fact, fact)
                )
                if fact == "dates":
                    want = f"dayfirst={truth['expected']['dayfirst']}"
                if fact == "statuses":
                    want = "the product's meaning"
                print(f"- {name} {fact}: init wrote {got or '-'}; truth {want}")


if __name__ == "__main__":
    main()
