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

from backfill.config import Config, load_config
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
    """Read, map and validate; print the summary; write invalid.csv (when a row is)."""
    return _command(inputs, config_path, out_dir, ("invalid.csv",), echo)


def plan_command(
    inputs: Sequence[Path], config_path: Path | None, out_dir: Path | None, echo: Echo
) -> ExitStatus:
    """Validate and order; print the summary; write plan.csv, cases.csv and invalid.csv."""
    return _command(inputs, config_path, out_dir, ("plan.csv", "cases.csv", "invalid.csv"), echo)


def _command(
    inputs: Sequence[Path],
    config_path: Path | None,
    out_dir: Path | None,
    files: Sequence[str],
    echo: Echo,
) -> ExitStatus:
    from backfill.cli import console

    outcome = _plan_files(inputs, config_path, out_dir, files)
    folder = outcome.files[0].parent
    invalid = folder / "invalid.csv"
    if invalid.exists() and not (outcome.summary["invalid"] + outcome.summary["blocked"]):
        invalid.unlink()  # no empty files: nothing is invalid
    written = [name for name in files if (folder / name).exists()]
    echo(console.plan_text(outcome.summary, outcome.sources, outcome.config))
    if written:
        echo(f"Wrote {_and(written)} to {folder}")
    else:
        echo(f"Every row is valid: nothing to write (no invalid.csv in {folder})")
    explained = console.plan_exit_text(outcome.summary, invalid if invalid.exists() else None)
    if explained:
        echo(explained)
    return outcome.exit_status()


def _and(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def plan_folder(config: Config, inputs: Sequence[Path]) -> Path:
    """validate's and plan's folder: output.dir with "<input-name>-plan" for its {run_id},
    the same for every plan of the same input (its files are replaced, not piled up)."""
    name = Path(inputs[0]).stem if inputs else "input"
    if len(inputs) > 1:
        name += f"-and-{len(inputs) - 1}-more"
    return Path(config.output.dir.replace("{run_id}", f"{name}-plan"))


def _plan_files(
    inputs: Sequence[Path], config_path: Path | None, out_dir: Path | None, files: Sequence[str]
) -> PlanOutcome:
    """Read and plan the inputs and write `files` (in two processes when the table is large:
    backfill/plan/split.py)."""
    from backfill.plan.build import read_plan_input
    from backfill.plan.responses import check_source
    from backfill.plan.split import SPLIT_ROWS, plan_and_write

    config = load_config(config_path)
    check_source(config, None)
    # Planning makes no reference cycles worth collecting, but millions of objects: the
    # garbage collector's passes over them cost 0.1-0.3 s on a million rows. It is paused
    # meanwhile (the objects made so far, modules and config, are frozen for good).
    gc.freeze()
    gc.disable()
    try:
        table = read_plan_input(list(inputs), config, progress=True)
        folder = out_dir if out_dir is not None else plan_folder(config, inputs)
        for name in files:  # an earlier plan's files: replaced, none left stale
            (folder / name).unlink(missing_ok=True)
        outcome = plan_and_write(table, config, folder, files=files)
        if HELD_FOR_EXIT is not None and len(table.frame) >= SPLIT_ROWS:
            HELD_FOR_EXIT.append(table)
        return outcome
    finally:
        gc.enable()


def hold_tables_for_exit() -> None:
    """Let the commands keep their large tables for a process that ends without freeing them
    (cli.main; see HELD_FOR_EXIT)."""
    global HELD_FOR_EXIT
    HELD_FOR_EXIT = []
