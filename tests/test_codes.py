"""The one register of codes (backfill/codes.py): every code has its weight and its words,
no code is spelt outside it, and the Summary sheet and the console explain every one.

The dynamic half, every code the suite's plans and runs make is explained, is
tests/watch.py (an autouse check after each test); the tests here prove that it
watches and that it fails on what it should.
"""

from __future__ import annotations

import ast
import codecs
import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from backfill.cli.console import REASONS_SHOWN, reasons_text
from backfill.codes import REGISTER, Code, Kind, explain, http_code, meaning, parse
from backfill.config import config_from_dict
from backfill.errors import Severity
from backfill.plan.build import build_plan
from backfill.report.summary import Summary
from backfill.report.summary_sheet import TOP_REASONS, write_summary_sheet

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "backfill"
KEBAB = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)+")
# kebab-case words that are no code: e-mail words, the journal's SQLite application name
NOT_CODES = {"e-mail", "e-mails", "backfill-journal"}
# codes SPEC.md names: their text is the contract of results.csv, summary.json and the journal
SPEC_CODES = {
    "unknown-status",
    "bad-time",
    "future-time",
    "before-response",
    "bad-assignee",
    "bad-id",
    "formula-without-value",
    "transition-not-allowed",
    "note-required",
    "changed-after-sent",
    "out-of-order",
    "control-character",
    "note-too-long",
}


# --- the register itself ---------------------------------------------------------------


def test_every_member_has_a_kind_and_words_a_person_reads() -> None:
    assert set(REGISTER) == set(Code)
    for code in Code:
        assert isinstance(code.kind, Kind), code
        why = code.why
        assert why.strip() == why and len(why) >= 20, code
        assert not why.endswith("."), (code, "a clause, as the other cells of the table")


def test_values_are_the_words_the_files_hold() -> None:
    assert len(Code.__members__) == len(Code), "no two members share a value"
    for code in Code:
        assert re.fullmatch(r"[a-z]+(?:-[a-z0-9]+)*", code.value), code
        assert Code(code.value) is code and parse(code.value) is code
        assert f"{code}: x" == f"{code.value}: x"  # as a row's error text starts
    assert {code.value for code in Code} >= SPEC_CODES


def test_only_a_row_error_can_become_a_warning_by_a_setting() -> None:
    may_warn = {code for code in Code if code.kind == Kind.ERROR and REGISTER[code].warns_by}
    assert may_warn == {Code.MISSING_RESPONSE_DATE}
    for code in may_warn:
        assert REGISTER[code].warns_by in code.why  # the words name the setting
    assert not any(REGISTER[c].warns_by for c in Code if c.kind != Kind.ERROR)


def test_the_http_family_is_explained_for_every_status() -> None:
    assert http_code(422) == "http-422" and parse("http-422") == "http-422"
    assert (
        explain("http-422") == "the API refused the action's content (column error names the field)"
    )
    assert "api.region/api.base_url" in explain("http-404")
    assert "validation.max_note_chars" in explain("http-413")
    assert explain("http-418") == "refused by the API with HTTP 418 (see column error)"
    assert "answered HTTP 200 with an error" in explain("http-200")  # a v4.1 Error body
    for status in range(100, 600):
        found = meaning(f"http-{status}")
        assert found is not None and found.kind == Kind.RESULT and found.why
    for text in (
        "http-",
        "http-42",
        "http-4222",
        "http-abc",
        "http-٤٢٢",
        "made-up",
        "",
        "Bad-Time",
    ):
        assert parse(text) is None and meaning(text) is None and explain(text) == ""


# --- no code spelt outside the register ----------------------------------------------


def _settings() -> set[str]:
    """The values of the config's Literal settings (input.step_order: drop-late-steps, ...):
    a setting's word, not a code."""
    tree = ast.parse((PACKAGE / "config.py").read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and getattr(node.value, "id", "") == "Literal":
            found.update(
                n.value
                for n in ast.walk(node.slice)
                if isinstance(n, ast.Constant) and isinstance(n.value, str)
            )
    return found


def _is_encoding(text: str) -> bool:
    try:
        codecs.lookup(text)
    except LookupError:
        return False
    return True


def _docstrings(tree: ast.AST) -> set[int]:
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, kinds)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }


def spelt_codes(source: str, settings: set[str]) -> list[tuple[int, str]]:
    """Where `source` spells a code itself: a kebab-case literal (not a setting's value, an
    encoding or a known word), a code's text inside a string (a message starting
    "out-of-order: ..."), or any text given as `code=` or compared with a `.code`."""
    tree = ast.parse(source)
    docs = _docstrings(tree)
    words = [code.value for code in Code if "-" in code.value]
    inside = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, words)) + r")(?![\w-])")
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            text = node.value
            whole = KEBAB.fullmatch(text) and text not in settings | NOT_CODES
            if (whole and not _is_encoding(text)) or inside.search(text):
                found.append((node.lineno, text))
        elif isinstance(node, ast.keyword) and node.arg == "code":
            if isinstance(node.value, ast.Constant) and node.value.value:
                found.append((node.lineno, str(node.value.value)))
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(_is_code(side) for side in sides):
                found.extend(
                    (node.lineno, side.value)
                    for side in sides
                    if isinstance(side, ast.Constant) and isinstance(side.value, str) and side.value
                )
    return found


def _is_code(node: ast.expr) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr == "code"
    if isinstance(node, ast.Subscript):
        return isinstance(node.slice, ast.Constant) and node.slice.value == "code"
    return False


def test_the_scan_finds_a_code_spelt_any_way() -> None:
    source = '''
def f(r, table):
    """A docstring may name out-of-order."""
    a = "gave-up"
    b = f"out-of-order: case {r}"
    c = Result(1, code="blocked")
    if r.code == "reopen" or table["code"].eq("x").any():
        pass
    return "utf-8", "e-mail", "drop-late-steps", "a sentence with re-open in it"
'''
    found = spelt_codes(source, settings={"drop-late-steps"})
    assert [text for _, text in found] == ["gave-up", "out-of-order: case ", "blocked", "reopen"]


def test_no_module_but_the_register_spells_a_code() -> None:
    settings = _settings()
    assert {"progressive", "reject", "warn"} <= settings  # (the settings were found)
    spelt = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] == "sandbox" or relative == Path("codes.py"):
            continue  # the sandbox keeps the API documents' words; the register is the place
        found = spelt_codes(path.read_text(encoding="utf-8"), settings)
        if found:
            spelt[str(relative)] = found
    assert spelt == {}, "use the members of backfill.codes.Code (or http_code) instead"


def test_every_member_is_used_by_the_code_that_emits_it() -> None:
    used: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        if path.name != "codes.py":
            used.update(re.findall(r"\bCode\.([A-Z_]+)\b", path.read_text(encoding="utf-8")))
    assert {code.name for code in Code} - used == set(), "a member nothing emits"


# --- the words reach people --------------------------------------------------------------


def _why_column(tmp_path: Path, errors: dict[str, int]) -> dict[str, str]:
    workbook = Workbook(write_only=True)
    write_summary_sheet(workbook.create_sheet("Summary"), Summary(errors=errors, rows=1))
    path = tmp_path / "summary.xlsx"
    workbook.save(path)
    rows = load_workbook(path)["Summary"].iter_rows(values_only=True)
    return {str(row[0]): str(row[1] or "") for row in rows if row and row[0] in errors}


def test_the_summary_sheet_explains_every_code_a_row_can_fail_with(tmp_path: Path) -> None:
    failing = [c.value for c in Code if c.kind in (Kind.ERROR, Kind.RESULT)]
    failing += [http_code(status) for status in (400, 403, 404, 409, 413, 422, 418)]
    for start in range(0, len(failing), TOP_REASONS):
        batch = {code: 1 for code in failing[start : start + TOP_REASONS]}
        shown = _why_column(tmp_path, batch)
        assert shown == {code: explain(code) for code in batch}
        assert all(shown.values())
    # what the issue found empty
    for code in ("bad-id", "cut-by-excel", "ambiguous-local-time", "nonexistent-local-time"):
        assert _why_column(tmp_path, {code: 3})[code] == Code(code).why


def test_the_console_lists_the_reasons_with_the_registers_words() -> None:
    errors = {"blocked": 10, "http-422": 2, "bad-id": 1}
    assert reasons_text(errors) == [
        "  why not sent (each row's own reason: the error column of failures.csv):",
        f"    blocked 10: {Code.BLOCKED.why}",
        f"    http-422 2: {explain('http-422')}",
        f"    bad-id 1: {Code.BAD_ID.why}",
    ]
    many = {code.value: 1 for code in list(Code)[: REASONS_SHOWN + 2]}
    lines = reasons_text(many)
    assert len(lines) == 1 + REASONS_SHOWN + 1 and lines[-1] == "    and 2 more reasons"
    assert reasons_text({}) == []
    assert reasons_text({"gone-code": 1})[1] == "    gone-code 1: see the error column"


# --- the watch over the suite (tests/watch.py) --------------------------------------


@pytest.fixture
def watch(request: pytest.FixtureRequest) -> Any:
    """The plugin module itself, as pytest loaded it (its lists are the ones it fills)."""
    return request.config.pluginmanager.get_plugin("codes_seen")


def test_the_watch_sees_what_a_plan_makes(watch: Any, sample_data: Path) -> None:
    start = len(watch.MADE)
    plan = build_plan([sample_data / "history.csv"], config_from_dict({}))
    made = set(watch.MADE[start:])
    assert ("problem", "bad-time", "error") in made
    assert ("problem", "no-follow-up-time", "warning") in made
    assert ("problem", "blocked", "error") in made
    assert {c for _, c, _ in made} == set(plan.problem_table["code"])
    plan.problems  # noqa: B018 (built on first use: each a Problem, watched too)
    assert all(isinstance(p.code, Code) for p in plan.problems)


def test_the_watch_fails_on_a_code_out_of_place(watch: Any) -> None:
    assert (
        watch.unexplained(
            [
                ("result", "http-422", ""),
                ("result", "bad-time", ""),
                ("problem", "missing-response-date", Severity.WARNING),  # validation...: warn
                ("cause", "time-zone-offset", ""),
            ]
        )
        == []
    )
    assert watch.unexplained(
        [
            ("result", "made-up", ""),
            ("problem", "note-too-long", Severity.ERROR),  # a warning never stops a row
            ("problem", "gave-up", Severity.ERROR),  # a result is not the plan's
            ("result", "reopen", ""),  # a warning is no row's failure
            ("cause", "bad-time", ""),
        ]
    ) == [
        "'bad-time' made as a cause (-), kind error",
        "'gave-up' made as a problem (error), kind result",
        "'note-too-long' made as a problem (error), kind warning",
        "'made-up' (result): the register does not explain it",
        "'reopen' made as a result (-), kind warning",
    ]


@pytest.mark.parametrize("severity", [Severity.ERROR, Severity.WARNING])
def test_every_row_problem_severity_fits_its_kind(watch: Any, severity: Severity) -> None:
    for code in Code:
        fits = watch.unexplained([("problem", code.value, severity)]) == []
        if code.kind == Kind.WARNING:
            assert fits == (severity == Severity.WARNING), code
        elif code.kind == Kind.ERROR:
            assert fits == (severity == Severity.ERROR or bool(REGISTER[code].warns_by)), code
        else:
            assert not fits, code
