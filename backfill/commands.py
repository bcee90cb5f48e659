"""`backfill validate` and `backfill plan`: build one Plan, print its summary, write its files.

The CLI (cli.py) calls these with parsed options; they return the exit status of SPEC.md
(0 nothing invalid or blocked, 1 otherwise) and let BackfillError through for the CLI to
turn into a one-paragraph message and exit 2.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from backfill.config import load_config, new_run_id, output_dir
from backfill.errors import ExitStatus

Echo = Callable[[str], None]


def validate_command(
    inputs: Sequence[Path], config_path: Path | None, out_dir: Path | None, echo: Echo
) -> ExitStatus:
    """Read, map and validate; print the summary; write invalid.csv."""
    from backfill.plan import build_plan, format_summary, write_invalid

    config = load_config(config_path)
    plan = build_plan(list(inputs), config, progress=True)
    echo(format_summary(plan))
    folder = output_dir(config, out_dir, new_run_id())
    write_invalid(plan, folder / "invalid.csv")
    echo(f"Wrote invalid.csv to {folder}")
    return plan.exit_status()


def plan_command(
    inputs: Sequence[Path], config_path: Path | None, out_dir: Path | None, echo: Echo
) -> ExitStatus:
    """Validate and order; print the summary; write plan.csv, cases.csv and invalid.csv."""
    from backfill.plan import build_plan, format_summary, write_plan_files

    config = load_config(config_path)
    plan = build_plan(list(inputs), config, progress=True)
    echo(format_summary(plan))
    folder = output_dir(config, out_dir, new_run_id())
    write_plan_files(plan, folder)
    echo(f"Wrote plan.csv, cases.csv and invalid.csv to {folder}")
    return plan.exit_status()
