"""`write_plan`: the library function behind `backfill plan` and `validate` (the CLI only
words what it returns)."""

from __future__ import annotations

from pathlib import Path

import pytest

from backfill.config import config_from_dict
from backfill.errors import ExitStatus, OutputError
from backfill.plan.files import PLAN_FILES
from backfill.runner.planning import VALIDATE_FILES, plan_folder, write_plan

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "history.csv"
VALID = """number_customergauge,status,happened_at
100,open,2024-03-01 10:00:00
100,closed,2024-03-02 10:00:00
"""


def test_plan_writes_its_files_and_requests_jsonl(tmp_path: Path) -> None:
    done = write_plan([SAMPLE], config_from_dict({}), files=PLAN_FILES, out_dir=tmp_path)
    names = [path.name for path in done.written]
    assert names == ["plan.csv", "cases.csv", "invalid.csv", "requests.jsonl"]
    assert all(path.parent == tmp_path and path.exists() for path in done.written)
    assert done.invalid_file == tmp_path / "invalid.csv"
    assert done.plan.summary()["invalid"] > 0


def test_a_valid_input_leaves_no_stale_invalid_csv(tmp_path: Path) -> None:
    source = tmp_path / "ok.csv"
    source.write_text(VALID, encoding="utf-8")
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "invalid.csv").write_text("from an earlier validate\n")
    done = write_plan([source], config_from_dict({}), files=VALIDATE_FILES, out_dir=folder)
    assert done.written == [] and done.invalid_file is None
    assert not (folder / "invalid.csv").exists()


def test_the_folder_is_named_for_the_input(tmp_path: Path) -> None:
    config = config_from_dict({"output": {"dir": str(tmp_path / "reports" / "{run_id}")}})
    assert plan_folder(config, [SAMPLE]) == tmp_path / "reports" / "history-plan"
    two = plan_folder(config, [SAMPLE, SAMPLE.with_suffix(".xlsx")])
    assert two == tmp_path / "reports" / "history-and-1-more-plan"


def test_an_unwritable_folder_is_one_output_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(OutputError, match=r"cannot write .*Nothing was sent") as caught:
        write_plan([SAMPLE], config_from_dict({}), out_dir=blocker / "reports")
    assert caught.value.exit_status == ExitStatus.USAGE
