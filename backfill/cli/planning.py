"""`backfill validate` and `backfill plan`: plan the inputs, print the summary, write the files.

The CLI (cli.py) calls these with parsed options; they return the exit status of SPEC.md
(0 nothing invalid or blocked, 1 otherwise) and let BackfillError through for the CLI to
turn into a one-paragraph message and exit 2.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from backfill.config import load_config, new_run_id, output_dir
from backfill.errors import ExitStatus

if TYPE_CHECKING:
    from backfill.plan.split import PlanOutcome

Echo = Callable[[str], None]

# Tables of the commands above large enough (two processes plan them) that freeing them cell
# by cell at the end costs a noticeable part of the command (0.1 s for a million rows). The
# console script asks for them to be kept and ends the process without freeing them
# (cli.main); for a library caller this stays None and nothing is kept.
HELD_FOR_EXIT: list[object] | None = None


def validate_command(
    inputs: Sequence[Path], config_path: Path | None, out_dir: Path | None, echo: Echo
) -> ExitStatus:
    """Read, map and validate; print the summary; write invalid.csv."""
    outcome, hints = _plan_files(inputs, config_path, out_dir, ("invalid.csv",))
    echo(outcome.text())
    for hint in hints:
        echo(f"Note: {hint}")
    echo(f"Wrote invalid.csv to {outcome.files[0].parent}")
    return outcome.exit_status()


def plan_command(
    inputs: Sequence[Path], config_path: Path | None, out_dir: Path | None, echo: Echo
) -> ExitStatus:
    """Validate and order; print the summary; write plan.csv, cases.csv and invalid.csv."""
    outcome, hints = _plan_files(
        inputs, config_path, out_dir, ("plan.csv", "cases.csv", "invalid.csv")
    )
    echo(outcome.text())
    for hint in hints:
        echo(f"Note: {hint}")
    echo(f"Wrote plan.csv, cases.csv and invalid.csv to {outcome.files[0].parent}")
    return outcome.exit_status()


def _plan_files(
    inputs: Sequence[Path], config_path: Path | None, out_dir: Path | None, files: Sequence[str]
) -> tuple[PlanOutcome, list[str]]:
    """Read and plan the inputs and write `files` (in two processes when the table is large:
    backfill/plan/split.py)."""
    from backfill.plan.build import read_plan_input
    from backfill.plan.responses import check_source
    from backfill.plan.split import SPLIT_ROWS, plan_and_write
    from backfill.read.inspect import column_hints

    config = load_config(config_path)
    check_source(config, None)
    # Planning makes no reference cycles worth collecting, but millions of objects: the
    # garbage collector's passes over them cost 0.1-0.3 s on a million rows. It is paused
    # meanwhile (the objects made so far, modules and config, are frozen for good).
    gc.freeze()
    gc.disable()
    try:
        table = read_plan_input(list(inputs), config, progress=True)
        hints = []
        if config.input.layout == "long":
            zone_set = config.input.timezone != "UTC"
            hints = column_hints(table.frame, table.columns, zone_set=zone_set)
        folder = output_dir(config, out_dir, new_run_id())
        outcome = plan_and_write(table, config, folder, files=files)
        if HELD_FOR_EXIT is not None and len(table.frame) >= SPLIT_ROWS:
            HELD_FOR_EXIT.append(table)
        return outcome, hints
    finally:
        gc.enable()


def hold_tables_for_exit() -> None:
    """Let the commands keep their large tables for a process that ends without freeing them
    (cli.main; see HELD_FOR_EXIT)."""
    global HELD_FOR_EXIT
    HELD_FOR_EXIT = []
