"""Only the user's columns in messages (issue 17 item 9): validate and plan on the smallest
valid file and on every sample never name one of backfill's own `_`-prefixed columns, in the
console or in the files they write."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from backfill import model
from backfill.cli.main import cli
from backfill.plan import validation

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"
INTERNAL = sorted(
    {
        value
        for value in (*vars(model).values(), validation.TIME_CODE)
        if isinstance(value, str) and re.fullmatch(r"_[a-z_]+", value)
    }
)
# a `_`-prefixed name quoted, or one of ours as a word (not inside a path or another name)
_QUOTED = re.compile(r"['\"`]_[A-Za-z]")
_OURS = re.compile(r"(?<![\w/\\.-])(?:" + "|".join(map(re.escape, INTERNAL)) + r")\b")


def _inputs() -> list[tuple[str, Path, Path | None]]:
    found: list[tuple[str, Path, Path | None]] = [
        ("history.csv", SAMPLES / "history.csv", None),
        ("history.xlsx", SAMPLES / "history.xlsx", None),
        ("helpdesk_export.csv", SAMPLES / "helpdesk_export.csv", SAMPLES / "helpdesk.yaml"),
    ]
    for config in sorted((SAMPLES / "recipes").glob("*/backfill.yaml")):
        [export] = [p for p in config.parent.iterdir() if p.suffix in (".csv", ".xlsx")]
        found.append((config.parent.name, export, config))
    return found


def _smallest(tmp_path: Path) -> Path:
    path = tmp_path / "smallest.csv"
    path.write_text("number_customergauge,status,happened_at\n1,open,2024-03-01 09:00\n")
    return path


def test_the_internal_names_are_known() -> None:
    assert {"_happened_at", "_warning", "_response_ts", "_source", "_row"} <= set(INTERNAL)


@pytest.mark.parametrize("command", ["validate", "plan"])
@pytest.mark.parametrize(
    ("name", "export", "config"),
    [("smallest", None, None), *_inputs()],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_no_internal_column_is_named(
    tmp_path: Path, command: str, name: str, export: Path | None, config: Path | None
) -> None:
    export = export or _smallest(tmp_path)
    out = tmp_path / "out"
    args = [command, str(export), "--out", str(out)]
    if config is not None:
        args += ["-c", str(config)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code in (0, 1), result.output
    texts = {"console": result.output}
    written = sorted(out.iterdir()) if out.exists() else []  # (validate: invalid.csv or none)
    texts.update({p.name: p.read_text(encoding="utf-8-sig") for p in written})
    for where, text in texts.items():
        assert not _QUOTED.search(text), (where, _QUOTED.search(text))
        assert not _OURS.search(text), (where, _OURS.search(text))
