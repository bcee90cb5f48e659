"""`backfill validate` and `backfill plan`: plan the inputs, print the summary, write the files.

Each is what a script would do: `build_plan`, then `write_plan_files`. They return the exit
status of SPEC.md (0 nothing invalid or blocked, 1 otherwise) and let BackfillError through
for the CLI to turn into a one-paragraph message and exit 2.

Both write to --out, or to output.dir with "<input-name>-plan" for its {run_id}: the same
folder for every plan of the same input, whose files are replaced, not piled up; and
invalid.csv only when a row is invalid (no empty files).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from backfill.errors import ExitStatus

if TYPE_CHECKING:
    from backfill.config import Config
    from backfill.plan.build import Plan

Echo = Callable[[str], None]


def validate_command(
    inputs: Sequence[Path], config_path: Path | None, out_dir: Path | None, echo: Echo
) -> ExitStatus:
    """Read, map and validate; print the summary; write invalid.csv (when a row is)."""
    return _plan_files(inputs, config_path, out_dir, echo, ("invalid.csv",))


def plan_command(
    inputs: Sequence[Path], config_path: Path | None, out_dir: Path | None, echo: Echo
) -> ExitStatus:
    """Validate and order; print the summary; write plan.csv, cases.csv, invalid.csv and
    requests.jsonl."""
    return _plan_files(inputs, config_path, out_dir, echo, ("plan.csv", "cases.csv", "invalid.csv"))


def plan_folder(config: Config, inputs: Sequence[Path]) -> Path:
    """validate's and plan's folder: output.dir with "<input-name>-plan" for its {run_id}."""
    name = Path(inputs[0]).stem if inputs else "input"
    if len(inputs) > 1:
        name += f"-and-{len(inputs) - 1}-more"
    return Path(config.output.dir.replace("{run_id}", f"{name}-plan"))


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
    from backfill.plan.build import build_plan
    from backfill.plan.files import write_plan_files

    config = load_config(config_path)
    with ProgressBars() as bars:
        plan = build_plan(list(inputs), config, on_progress=bars)
    folder = out_dir if out_dir is not None else plan_folder(config, inputs)
    summary = plan.summary()
    replaced = list(files)  # the previous plan's files of this command: none left stale
    if not (summary["invalid"] + summary["blocked"]):
        files = [name for name in files if name != "invalid.csv"]  # no empty files
    try:
        for name in replaced:
            (folder / name).unlink(missing_ok=True)
        written = write_plan_files(plan, folder, files) if files else []
    except OSError as exc:
        from backfill.runner.output import output_error

        raise output_error(exc, folder, sent=False) from None
    if "plan.csv" in files:  # what a run would send, for a look before the real one
        from backfill.runner.preview import write_requests

        written.append(write_requests(plan, folder))
    echo(console.plan_text(summary, plan.sources, config))
    for hint in _column_hints(plan):
        echo(f"Note: {hint}")
    names = [path.name for path in written]
    if names:
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        echo(f"Wrote {listed} to {folder}")
    else:
        echo("Every row is valid: nothing to write (invalid.csv lists invalid rows only)")
    invalid = folder / "invalid.csv"
    explained = console.plan_exit_text(summary, invalid if invalid.exists() else None)
    if explained:
        echo(explained)
    return plan.exit_status()


def _column_hints(plan: Plan) -> list[str]:
    """What the mapping may have left out (backfill/starter/inspect.py), for a long input."""
    from backfill.starter.inspect import column_hints

    cfg = plan.config.input
    if cfg.layout != "long":
        return []
    mapped = {**cfg.columns, **plan.columns}
    return column_hints(plan.frame, mapped, zone=cfg.timezone)
