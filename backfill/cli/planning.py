"""`backfill validate` and `backfill plan` on the terminal: progress bars, then the plan's
summary, the files written and what the exit status means, in words.

The work is the library's `write_plan` (backfill/runner/planning.py): which files, where,
replacing the previous ones. These return the exit status of SPEC.md (0 nothing invalid or
blocked, 1 otherwise) and let BackfillError through for the CLI to turn into a
one-paragraph message and exit 2.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from backfill.errors import ExitStatus
from backfill.model import Echo


def validate_command(
    inputs: Sequence[Path], config_path: Path | None, out_dir: Path | None, echo: Echo
) -> ExitStatus:
    """Read, map and validate; print the summary; write invalid.csv (when a row is)."""
    from backfill.runner.planning import VALIDATE_FILES

    return _plan_files(inputs, config_path, out_dir, echo, VALIDATE_FILES)


def plan_command(
    inputs: Sequence[Path], config_path: Path | None, out_dir: Path | None, echo: Echo
) -> ExitStatus:
    """Validate and order; print the summary; write plan.csv, cases.csv, invalid.csv and
    requests.jsonl."""
    from backfill.plan.files import PLAN_FILES

    return _plan_files(inputs, config_path, out_dir, echo, PLAN_FILES)


def _plan_files(
    inputs: Sequence[Path],
    config_path: Path | None,
    out_dir: Path | None,
    echo: Echo,
    files: Sequence[str],
) -> ExitStatus:
    from backfill.cli import console
    from backfill.cli.progress import ProgressBars
    from backfill.config import load_config
    from backfill.runner.planning import write_plan

    config = load_config(config_path)
    with ProgressBars() as bars:
        done = write_plan(list(inputs), config, files=files, out_dir=out_dir, on_progress=bars)
    plan = done.plan
    summary = plan.summary()
    echo(console.plan_text(summary, plan.sources, config))
    for hint in done.column_hints:
        echo(f"Note: {hint}")
    names = [path.name for path in done.written]
    if names:
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        echo(f"Wrote {listed} to {done.folder}")
    else:
        echo("Every row is valid: nothing to write (invalid.csv lists invalid rows only)")
    explained = console.plan_exit_text(summary, done.invalid_file)
    if explained:
        echo(explained)
    return plan.exit_status()
