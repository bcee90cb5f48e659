"""Which columns an input must have depends on the config; a missing one stops the command
with exit 2 and the mapping (or setting) that fixes it, before any row is looked at."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from backfill.cli.main import cli
from backfill.config import Config, config_from_dict, required_fields
from backfill.errors import InputError
from backfill.plan.build import build_plan


def _csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_required_fields_follow_require_happened_at() -> None:
    assert required_fields(Config()) == ("number_customergauge", "status", "happened_at")
    relaxed = config_from_dict({"validation": {"require_happened_at": False}})
    assert required_fields(relaxed) == ("number_customergauge", "status")


def test_missing_time_column_is_an_input_error_with_both_fixes(tmp_path: Path) -> None:
    data = _csv(tmp_path / "export.csv", "number_customergauge,status,Changed\n1,open,x\n")
    with pytest.raises(InputError) as info:
        build_plan([data], Config())
    assert str(info.value) == (
        f"column 'happened_at' not found in {data}; columns are: number_customergauge, status, "
        'Changed; map it in the config: input: {columns: {happened_at: "Changed"}} '
        "(or, to send without times, set validation: {require_happened_at: false})"
    )


def test_without_required_times_the_file_plans(tmp_path: Path) -> None:
    data = _csv(tmp_path / "export.csv", "number_customergauge,status\n1,open\n1,closed\n")
    config = config_from_dict({"validation": {"require_happened_at": False}})
    plan = build_plan([data], config)
    assert plan.summary()["valid"] == 2
    assert [a.status for a in plan.actions_by_case()[0]] == ["open", "closed"]


def test_cli_exit_2_and_singular_summary(tmp_path: Path) -> None:
    data = _csv(tmp_path / "one.csv", "number_customergauge,status\n7,open\n")
    runner = CliRunner()
    result = runner.invoke(cli, ["validate", str(data), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "column 'happened_at' not found" in result.output
    assert "Traceback" not in result.output
    config = _csv(tmp_path / "c.yaml", "validation:\n  require_happened_at: false\n")
    result = runner.invoke(
        cli, ["validate", str(data), "-c", str(config), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("one.csv: 1 row, 1 case\n  to send:  1\n  invalid:  0\n")
