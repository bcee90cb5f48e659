"""Issues 17 and 25's promise end to end: each export of tests/exports/, as its product (or
Excel in its locale) writes it, goes through `backfill init`, gets only the connection
settings, the account's time zone where the file cannot say it, and the meaning of the
status words init left for a person to confirm (as the file's admin answers them: the
truth's `answers`), is replayed into a real sandbox, and the sandbox then holds exactly the
export's truth: every case, status, UTC time, note (every letter), assignee, in order.

The exports and their truths are written by tests/exports/make_exports.py from each
product's documented export format; tests/exports/score_init.py scores init's config fact
by fact against the same truths.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from backfill.cli.main import cli
from backfill.config import config_from_dict
from backfill.runner.run import run
from backfill.sandbox import SandboxSettings, ThreadedSandbox
from tests.runner_helpers import use_credentials, yes

EXPORTS = Path(__file__).resolve().parent / "exports"
README = Path(__file__).resolve().parent.parent / "README.md"

# What init (or plan) still gets wrong, export by export: remove a line when its fix lands
# (strict: an export that starts to pass fails the suite until its mark is removed).
NOT_YET: dict[str, str] = {}


def truths() -> list[Any]:
    params = []
    for path in sorted(EXPORTS.glob("*.truth.json")):
        name = path.name.removesuffix(".truth.json")
        marks = [pytest.mark.xfail(strict=True, reason=NOT_YET[name])] if name in NOT_YET else []
        params.append(pytest.param(path, id=name, marks=marks))
    return params


def init_config(export: Path, folder: Path) -> tuple[dict[str, Any], str]:
    """`backfill init EXPORT` as a user runs it; the config it writes, as YAML data and text."""
    written = folder / "backfill.yaml"
    result = CliRunner().invoke(cli, ["init", str(export), "-o", str(written)])
    assert result.exit_code == 0, result.output
    text = written.read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    assert isinstance(data, dict)
    return data, text


def answer_status_words(data: dict[str, Any], text: str, answers: dict[str, str]) -> None:
    """The admin's answers to init's questions on status words, and to nothing else: a word
    gets its meaning only where init left it out of `status_map` and named it in a comment
    (its TODO), so a word init decided, garbled or never listed is not papered over."""
    cfg = data.setdefault("input", {})
    status_map = dict(cfg.get("status_map") or {})
    decided = {str(word).casefold() for word in status_map}
    asked = "\n".join(line for line in text.splitlines() if line.lstrip().startswith("#"))
    for word, meaning in answers.items():
        if word.casefold() not in decided and word in asked:
            status_map[word] = meaning
    cfg["status_map"] = status_map


@pytest.mark.slow
@pytest.mark.parametrize("truth_file", truths())
def test_the_export_arrives_as_its_truth(
    truth_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    export = EXPORTS / truth["export"]
    use_credentials(monkeypatch)
    monkeypatch.chdir(tmp_path)
    data, text = init_config(export, tmp_path)
    if truth["timezone"] is not None:  # the file cannot say it: the user answers init's question
        data.setdefault("input", {})["timezone"] = truth["timezone"]
    answer_status_words(data, text, truth.get("answers", {}).get("status_map", {}))
    with ThreadedSandbox(SandboxSettings(accept_any_assignee=True)) as sb:
        data["api"] = {"base_url": sb.base_url, "auth_url": sb.token_url}  # connection only
        # the pace and the workbook only: what arrives depends on neither
        data["send"] = {"rate_limit": 1000, "concurrency": 32}
        data["output"] = {"xlsx": False}
        sb.seed_responses(truth["responses"])  # naive UTC: the sandbox tenant's zone
        outcome = run(
            [export],
            config_from_dict(data),
            out_dir=tmp_path / "out",
            journal_path=tmp_path / "journal.sqlite",
            confirm=yes,
        )
        arrived = {
            case_id: [
                [e.status, e.at.strftime("%Y-%m-%d %H:%M:%S"), e.note, e.assignee_requested]
                for e in case.history
            ]
            for case_id, case in sb.state.cases.items()
        }
    assert arrived == truth["cases"]
    outcomes = {str(getattr(k, "value", k)): n for k, n in outcome.summary.outcomes.items()}
    # a row that holds no action (a totals row) is reported on its row or skipped, never sent
    assert outcomes.get("invalid", 0) <= truth["invalid_rows"], outcomes
    assert sum(outcomes.get(k, 0) for k in ("failed", "blocked", "pending")) == 0, outcomes


def contained(part: Any, whole: Any) -> bool:
    """Every setting of `part` is in `whole` with the same value (a list of step columns in
    any order: the earliest time of them counts)."""
    if isinstance(part, dict):
        return isinstance(whole, dict) and all(
            key in whole and contained(value, whole[key]) for key, value in part.items()
        )
    if isinstance(part, list):
        return isinstance(whole, list) and sorted(part) == sorted(whole)
    return bool(part == whole)


def test_the_readme_example_is_what_init_writes(tmp_path: Path) -> None:
    """README's worked example of a non-English export cannot drift from init's output:
    its settings are init's, and every line of it, evidence and questions, is init's."""
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- freshdesk-de-example start -->")[1].split("<!-- freshdesk")[0]
    excerpt = block.split("```yaml\n")[1].split("```")[0]
    written = tmp_path / "freshdesk.yaml"
    result = CliRunner().invoke(
        cli, ["init", str(EXPORTS / "freshdesk_de.csv"), "-o", str(written)]
    )
    assert result.exit_code == 0, result.output
    config = written.read_text(encoding="utf-8")
    assert contained(yaml.safe_load(excerpt), yaml.safe_load(config))
    # and word for word: its evidence comments and questions are init's own lines
    assert [line for line in excerpt.splitlines() if line not in config.splitlines()] == []
