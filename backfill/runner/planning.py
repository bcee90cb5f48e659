"""`backfill validate` and `backfill plan` as a library function: plan the inputs and write the
plan's files, with requests.jsonl (what a run would send) for `plan`.

`write_plan` decides which files to write, replaces those of the previous plan of the same
input (none left stale; invalid.csv only when a row is invalid: no empty files) and turns a
disk that says no into one OutputError. The CLI words what it returns.

requests.jsonl is written by backfill/runner/requests_file.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from backfill.config import Config, output_dir
from backfill.model import OnProgress, no_progress
from backfill.plan.build import Plan
from backfill.plan.files import PLAN_FILES
from backfill.runner.requests_file import write_requests

VALIDATE_FILES = ("invalid.csv",)  # `backfill validate`; `backfill plan` writes PLAN_FILES


@dataclass(frozen=True)
class PlanWritten:
    """A plan and the files written for it."""

    plan: Plan
    folder: Path
    written: list[Path]  # in the order written; empty when there was nothing to write
    column_hints: list[str] = field(default_factory=list)  # what the mapping may have missed

    @property
    def invalid_file(self) -> Path | None:
        """invalid.csv, when this plan wrote one."""
        return next((path for path in self.written if path.name == "invalid.csv"), None)


def plan_folder(config: Config, inputs: Sequence[Path]) -> Path:
    """validate's and plan's folder: output.dir with "<input-name>-plan" for its {run_id}."""
    name = Path(inputs[0]).stem if inputs else "input"
    if len(inputs) > 1:
        name += f"-and-{len(inputs) - 1}-more"
    return output_dir(config, None, f"{name}-plan")


def write_plan(
    inputs: Sequence[Path],
    config: Config,
    *,
    files: Sequence[str] = PLAN_FILES,
    out_dir: Path | None = None,
    on_progress: OnProgress = no_progress,
) -> PlanWritten:
    """Plan `inputs` and write `files` (of plan.csv, cases.csv, invalid.csv; with plan.csv,
    requests.jsonl too) to `out_dir`, else to `plan_folder`. Raises BackfillError for
    unusable input, OutputError when the folder cannot be written."""
    from backfill.errors import OutputError
    from backfill.plan.build import build_plan
    from backfill.plan.files import write_plan_files
    from backfill.runner.finish import cannot_write

    plan = build_plan(list(inputs), config, on_progress=on_progress)
    folder = out_dir if out_dir is not None else plan_folder(config, inputs)
    summary = plan.summary()
    replaced = list(files)  # the previous plan's files of this command: none left stale
    if not (summary["invalid"] + summary["blocked"]):
        files = [name for name in files if name != "invalid.csv"]  # no empty files
    try:
        for name in replaced:
            (folder / name).unlink(missing_ok=True)
        written = write_plan_files(plan, folder, files) if files else []
        if "plan.csv" in files:  # what a run would send, for a look before the real one
            written.append(write_requests(plan, folder))
    except OSError as exc:
        raise OutputError(cannot_write(exc, folder, sent=False)) from None
    return PlanWritten(plan, folder, written, _column_hints(plan))


def _column_hints(plan: Plan) -> list[str]:
    """What the mapping may have left out (backfill/starter/inspect.py), for a long input."""
    from backfill.starter.inspect import column_hints

    cfg = plan.config.input
    if cfg.layout != "long":
        return []
    mapped = {**cfg.columns, **plan.columns}
    # the user's own columns only: a hint names a column the user can map, never one of ours
    own = [c for c in plan.original_columns if not str(c).startswith("_")]
    return column_hints(plan.frame[own], mapped, zone=cfg.timezone)
