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


# --- the console sample, the run id form, the usual path (issue 24 item 6) -----------------

CONSOLE = "<!-- console-sample start -->", "<!-- console-sample end -->"
RUN_ID = re.compile(r"\b\d{8}-\d{6}-\d{3}-[0-9a-f]{4}\b")
# what differs from one run of the demo to the next, compared by its form only
_VARYING = (
    (RUN_ID, "<run id>"),
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:<port>"),
    (re.compile(r"requests in [\d.]+ s \([\d.]+/s\)"), "requests in <s> (<rate>/s)"),
)


def _masked(text: str) -> str:
    for pattern, form in _VARYING:
        text = pattern.sub(form, text)
    return text


def test_readme_console_sample_is_what_the_demo_prints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo as the README runs it, word for word; its limiter lets every request go at
    once (the plan still says 5/s: the config is the demo's), so it takes a second, not 40."""
    import shutil

    from backfill.cli.main import cli
    from backfill.send import session
    from backfill.send.ratelimit import RateLimiter

    monkeypatch.setattr(session, "pacing_limiter", lambda rate: RateLimiter(100_000))
    (tmp_path / "sample_data").mkdir()
    shutil.copy(ROOT / "sample_data" / "history.csv", tmp_path / "sample_data")
    monkeypatch.chdir(tmp_path)
    for name in ("CG_CLIENT_ID", "CG_CLIENT_SECRET", "CG_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    text = README.read_text(encoding="utf-8")
    sample = text.split(CONSOLE[0], 1)[1].split(CONSOLE[1], 1)[0].split("```\n")[1]
    assert "`backfill run sample_data/history.csv --sandbox`, prints" in text
    result = CliRunner().invoke(
        cli, ["run", "sample_data/history.csv", "--sandbox"], prog_name="backfill"
    )
    assert result.exit_code == 1, result.output
    assert _masked(sample).splitlines() == _masked(result.stdout).splitlines()
    # and its own figures are a real run's: at most the demo's 5/s
    rate = re.search(r"requests in [\d.]+ s \(([\d.]+)/s\)", sample)
    assert rate is not None and 4 < float(rate[1]) <= 5


def test_readme_states_the_run_id_form_and_every_example_has_it() -> None:
    from backfill.config import new_run_id

    text = README.read_text(encoding="utf-8")
    (stated,) = set(re.findall(r"`([YMDHSmx-]{24})`", text))
    assert stated == "YYYYMMDD-HHMMSS-mmm-xxxx"
    form = re.compile(
        "".join("-" if c == "-" else "[0-9a-f]" if c == "x" else r"\d" for c in stated)
    )
    assert form.fullmatch(new_run_id())
    # every run id the README shows (a folder, an example): none of an older form
    examples = re.findall(r"\b\d{8}-\d{6}-[\w-]+", text)
    assert examples and all(form.fullmatch(example) for example in examples), examples


def test_the_usual_path_of_help_is_the_readmes_step_by_step() -> None:
    """`backfill --help`'s usual path and the README's tour name the same steps: each
    command with the options that make it a step (--sandbox, --pilot)."""
    from backfill.cli.workflow import USUAL_PATH

    def step(line: str) -> tuple[str, frozenset[str]]:
        words = line.split("#", 1)[0].split()
        return words[1], frozenset(w for w in words[2:] if w.startswith("--"))

    text = README.read_text(encoding="utf-8")
    tour = text.split("## A migration, step by step", 1)[1].split("```bash\n", 1)[1]
    tour = tour.split("```", 1)[0]
    documented = [step(line) for line in tour.splitlines() if line.startswith("backfill ")]
    assert [step(example) for _, example, _ in USUAL_PATH] == documented


if __name__ == "__main__":  # regenerate the README's command reference
    sys.path.insert(0, str(ROOT))
    text = README.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    tail = rest.split(END, 1)[1]
    README.write_text(f"{head}{START}\n{render_reference()}{END}{tail}", encoding="utf-8")
    print("README.md command reference regenerated")
