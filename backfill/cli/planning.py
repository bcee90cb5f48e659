"""`backfill validate` and `backfill plan`: plan the inputs, print the summary, write the files.

Each is what a script would do: `build_plan`, then `write_plan_files`. They return the exit
status of SPEC.md (0 nothing invalid or blocked, 1 otherwise) and let BackfillError through
for the CLI to turn into a one-paragraph message and exit 2.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from backfill.errors import ExitStatus

if TYPE_CHECKING:
    from backfill.plan.build import Plan

Echo = Callable[[str], None]


def validate_command(
    inputs: Sequence[Path], config_path: Path | None, out_dir: Path | None, echo: Echo
) -> ExitStatus:
    """Read, map and validate; print the summary; write invalid.csv."""
    return _plan_files(inputs, config_path, out_dir, echo, ("invalid.csv",))


def plan_command(
    inputs: Sequence[Path], config_path: Path | None, out_dir: Path | None, echo: Echo
) -> ExitStatus:
    """Validate and order; print the summary; write plan.csv, cases.csv, invalid.csv and
    requests.jsonl."""
    return _plan_files(inputs, config_path, out_dir, echo, ("plan.csv", "cases.csv", "invalid.csv"))


def _plan_files(
    inputs: Sequence[Path],
    config_path: Path | None,
    out_dir: Path | None,
    echo: Echo,
    files: Sequence[str],
) -> ExitStatus:
    from backfill.cli.progress import ProgressBars
    from backfill.config import load_config, new_run_id, output_dir
    from backfill.plan.build import build_plan, format_summary
    from backfill.plan.files import write_plan_files

    config = load_config(config_path)
    with ProgressBars() as bars:
        plan = build_plan(list(inputs), config, on_progress=bars)
    folder = output_dir(config, out_dir, new_run_id())
    try:
        written = write_plan_files(plan, folder, files)
    except OSError as exc:
        from backfill.runner.output import output_error

        raise output_error(exc, folder, sent=False) from None
    if "plan.csv" in files:  # what a run would send, for a look before the real one
        from backfill.runner.preview import write_requests

        written.append(write_requests(plan, folder))
    echo(format_summary(plan))
    for hint in _column_hints(plan):
        echo(f"Note: {hint}")
    names = [path.name for path in written]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    echo(f"Wrote {listed} to {folder}")
    return plan.exit_status()


def _column_hints(plan: Plan) -> list[str]:
    """What the mapping may have left out (backfill/starter/inspect.py), for a long input."""
    from backfill.starter.inspect import column_hints

    cfg = plan.config.input
    if cfg.layout != "long":
        return []
    mapped = {**cfg.columns, **plan.columns}
    return column_hints(plan.frame, mapped, zone=cfg.timezone)
