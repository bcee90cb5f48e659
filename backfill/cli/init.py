"""`backfill init`: write a starting config from an export, or the documented example."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path

from backfill.errors import ConfigError, ExitStatus, InputError
from backfill.model import Echo


def init_command(
    inputs: Sequence[Path],
    output: Path,
    *,
    example: bool,
    echo: Echo,
    encoding: str | None = None,
) -> ExitStatus:
    """Write `output` (never over an existing file) and print the command to run next.
    `encoding`: the one the export(s) are in (--encoding); None: decided from the bytes."""
    if output.exists():
        raise ConfigError(
            f"{output} already exists; backfill init never overwrites a config: move it "
            "away, or name another file with -o"
        )
    if example:
        text = files("backfill.starter").joinpath("config.example.yaml").read_text(encoding="utf-8")
        _write(output, text)
        echo(f"Wrote {output}: every setting with its default and what it does.")
        return ExitStatus.OK
    if not inputs:
        raise InputError("name the export(s) to look at: backfill init EXPORT.csv [-o FILE]")
    from backfill.read.encoding_choice import EncodingUnclear
    from backfill.starter.config_text import starting_config
    from backfill.starter.inspect import inspect_files

    if encoding is not None:
        from backfill.config import check_encoding

        try:
            check_encoding(encoding)
        except ValueError as exc:
            raise ConfigError(f"--encoding: {exc}") from None
    try:
        inspection = inspect_files([Path(p) for p in inputs], encoding)
    except EncodingUnclear as exc:
        again = ["backfill", "init", *map(str, inputs), "--encoding", exc.first]
        raise InputError(exc.worded(shlex.join(again))) from None
    _write(output, starting_config(inspection, [str(p) for p in inputs]))
    todos = len(inspection.todos) + sum(s.status is None for s in inspection.statuses)
    todos += int(inspection.timezone_todo or inspection.timezone_unknown)
    todos += len(inspection.possible)
    echo(
        f"Wrote {output}: layout {inspection.layout}, {len(inspection.columns)} column(s) "
        f"mapped, {len(inspection.statuses)} status value(s)"
        + (f"; {todos} TODO(s) to do first" if todos else "")
        + "."
    )
    command = ["backfill", "validate", *map(str, inputs), "-c", str(output)]
    echo(f"Next: {shlex.join(command)}")
    return ExitStatus.OK


def _write(path: Path, text: str) -> None:
    try:
        with path.open("x", encoding="utf-8") as handle:  # "x": never over a file
            handle.write(text)
    except FileExistsError:
        raise ConfigError(f"{path} already exists; backfill init never overwrites it") from None
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from None
