"""Docs cannot drift: the README's command reference is the CLI's own --help, its quickstart
matches CI, its library example runs, and every command has help."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
START, END = "<!-- cli-reference start -->", "<!-- cli-reference end -->"


def render_reference() -> str:
    from backfill.cli.main import cli

    runner = CliRunner()
    parts = []
    names = cli.list_commands(click.Context(cli))  # workflow order, as --help lists them
    for words in ([], *([name] for name in names)):
        args = [*words, "--help"]
        result = runner.invoke(cli, args, prog_name="backfill", terminal_width=100)
        assert result.exit_code == 0, result.output
        title = " ".join(["backfill", *words])
        parts.append(f"### {title}\n\n```\n{result.output.rstrip()}\n```\n")
    return "\n".join(parts)


def _reference_block(text: str) -> str:
    return text.split(START, 1)[1].split(END, 1)[0].strip()


def _words(text: str) -> list[str]:
    # click's line wrapping varies between versions; the words may not drift
    return text.split()


def test_readme_command_reference_matches_help() -> None:
    documented = _reference_block(README.read_text(encoding="utf-8"))
    assert _words(documented) == _words(render_reference()), (
        "README's command reference is out of date: run `python tests/test_docs.py`"
    )


def test_every_command_has_help_and_is_in_the_quick_tour() -> None:
    from backfill.cli.main import cli

    text = README.read_text(encoding="utf-8")
    tour = text.split("## A migration, step by step", 1)[1].split("## Configuration", 1)[0]
    for name, command in cli.commands.items():
        assert (command.help or "").strip(), f"command {name} has no help"
        if name != "sandbox":
            assert f"backfill {name}" in tour, f"command {name} missing from the quick tour"
    assert "## The sandbox" in text


def test_quickstart_commands_are_what_ci_runs() -> None:
    text = README.read_text(encoding="utf-8")
    quickstart = text.split("## Quickstart", 1)[1].split("##", 1)[0]
    commands = re.findall(r"^(python .*|backfill .*)$", quickstart, flags=re.M)
    install_and_demo, test_command = commands
    assert install_and_demo.startswith('python -m pip install -e ".[test]" && backfill run ')
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'python -m pip install --quiet -e ".[test]"' in ci
    assert ci.strip().splitlines()[-1] == test_command


def test_readme_library_example_runs(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    text = README.read_text(encoding="utf-8")
    example = text.split("## Using it as a library", 1)[1].split("```python", 1)[1]
    example = example.split("```", 1)[0]
    monkeypatch.chdir(ROOT)
    exec(compile(example, "README.md", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "64 cases"
    assert out[1].startswith("[('open', '")


def test_exit_status_table_matches_enum() -> None:
    from backfill.errors import ExitStatus

    text = README.read_text(encoding="utf-8")
    table = text.split("## Exit status", 1)[1].split("##", 1)[0]
    codes = [int(c) for c in re.findall(r"^\| (\d) \|", table, flags=re.M)]
    assert codes == [int(s) for s in ExitStatus]


if __name__ == "__main__":  # regenerate the README's command reference
    sys.path.insert(0, str(ROOT))
    text = README.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    tail = rest.split(END, 1)[1]
    README.write_text(f"{head}{START}\n{render_reference()}{END}{tail}", encoding="utf-8")
    print("README.md command reference regenerated")
