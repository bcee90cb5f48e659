"""Read the exports: one or more CSV/TSV/TXT or Excel files into one frame of text cells.

The frame keeps what the file says (ids as text with their leading zeros, notes verbatim,
real Excel date cells as datetimes) plus where each row came from: `model.SOURCE` (the file
name as given) and `model.ROW` (the spreadsheet row number, header = 1). Mapping the user's
column names to the API's fields happens here too, so that a missing column is reported
before anything else is looked at. Parsing lives in delimited.py and excel.py.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from backfill.config import FIELDS, InputConfig
from backfill.errors import InputError
from backfill.model import ROW, SOURCE, OnProgress, no_progress
from backfill.read.actions import required_columns

if TYPE_CHECKING:
    from backfill.read.encoding_choice import Decision

TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")

# Words that point at a field in someone else's header, best first: used only to suggest the
# `columns:` mapping in an error message, never to map silently.
_HINTS = {
    "number_customergauge": (
        "customergauge",
        "cg id",
        "cg_id",
        "cgid",
        "cg number",
        "number",
        "id",
    ),
    "status": ("status", "state"),
    "happened_at": ("happened", "changed", "date", "time", "when"),
    "note": ("note", "comment", "remark", "text"),
    "assignee": ("assignee", "agent", "owner", "e-mail", "email"),
    "response_date": ("response", "survey", "answered"),
}


@dataclass
class InputTable:
    """All input rows, with the columns that hold each API field."""

    frame: pd.DataFrame  # the input's own columns + SOURCE + ROW; file order, then row order
    columns: dict[str, str]  # API field -> frame column holding it, for each field found
    original_columns: list[str]  # the input's own columns in file order (carried to reports)
    sources: list[str]
    # source -> the encoding its text was read in (codec name; text files only), and for a
    # legacy encoding decided from the file, what decided it
    encodings: dict[str, str] = dataclasses.field(default_factory=dict)
    decisions: dict[str, Decision] = dataclasses.field(default_factory=dict)


def read_inputs(
    paths: Sequence[Path],
    cfg: InputConfig,
    *,
    required: Sequence[str] = ("number_customergauge", "status"),
    on_progress: OnProgress = no_progress,
) -> InputTable:
    """Read every input file, check they share one layout, and map the columns to fields."""
    if not paths:
        raise InputError("no input file given; name one or more .csv/.xlsx exports")
    frames: list[pd.DataFrame] = []
    original: list[str] = []
    columns: dict[str, str] = {}
    encodings: dict[str, str] = {}
    decisions: dict[str, Decision] = {}
    for path in paths:
        frame = read_table(
            Path(path),
            sheet=cfg.sheet,
            header_row=cfg.header_row,
            on_progress=on_progress,
            encoding=cfg.encoding,
        )
        if frame.attrs.get("encoding"):
            encodings[str(path)] = frame.attrs["encoding"]
        if frame.attrs.get("decision") is not None:
            decisions[str(path)] = frame.attrs["decision"]
        own = own_columns(frame)
        if frame.empty:
            raise InputError(
                f"{_where(path, frame)} has a header row but no data rows; export the data "
                "again, or leave this file out"
            )
        if not frames:
            original = own
            try:
                columns = map_columns(
                    original,
                    cfg.columns,
                    required_columns(cfg, required),
                    where=_where(path, frame),
                )
            except InputError as exc:
                hint = _header_row_hint(frame, cfg, required_columns(cfg, required))
                if not hint and Path(path).suffix.lower() in EXCEL_SUFFIXES:
                    from backfill.read.excel import sheets_text

                    hint = sheets_text(Path(path))
                raise MissingColumns(f"{exc}. {hint}" if hint else str(exc), frame) from None
        else:
            _check_same_layout(paths[0], original, path, own)
        frames.append(frame)
    frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    return InputTable(
        frame=frame,
        columns=columns,
        original_columns=original,
        sources=[str(p) for p in paths],
        encodings=encodings,
        decisions=decisions,
    )


def read_table(
    path: Path,
    *,
    sheet: str | int | None = None,
    header_row: int | None = None,
    on_progress: OnProgress = no_progress,
    encoding: str | None = None,
) -> pd.DataFrame:
    """One file as a frame of its own columns plus SOURCE and ROW (header only: no rows).

    Text cells are `str` exactly as in the file, empty cells "", real Excel date cells naive
    datetimes. `sheet` (name or 0-based index; None = the first) applies to workbooks only;
    `header_row` (spreadsheet row, 1-based; None = the first non-empty one) to every file;
    `encoding` (None: decided from the bytes) to text files, whose frame's attrs then say
    the encoding read and what decided it (read/delimited.py).
    """
    path = Path(path)
    _check_file(path)
    suffix = path.suffix.lower()
    try:
        if suffix in TEXT_SUFFIXES:
            from backfill.read.delimited import read_delimited

            frame = read_delimited(
                path, header_row=header_row, on_progress=on_progress, encoding=encoding
            )
        elif suffix in EXCEL_SUFFIXES:
            from backfill.read.excel import read_workbook

            frame = read_workbook(path, sheet=sheet, header_row=header_row, on_progress=on_progress)
        else:
            raise InputError(
                f"{path}: unsupported file type '{path.suffix}'; backfill reads .csv, .tsv, "
                ".txt (delimited text), .xlsx, .xlsm and .xls; save the export as one of these"
            )
    except PermissionError:
        raise InputError(f"cannot open {path}: permission denied (is it open in Excel?)") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder; give the export file(s) inside it") from None
    except OSError as exc:
        raise InputError(
            f"cannot read {path}: {exc.strerror or exc}; copy it locally and retry"
        ) from None
    attrs = dict(frame.attrs)
    frame = _drop_blank_rows(_clean_columns(frame))
    frame.attrs.update(attrs)
    reserved = [name for name in (SOURCE, ROW) if name in frame.columns]
    if reserved:
        raise InputError(
            f"{_where(path, frame)} has a column named {', '.join(reserved)}, a name backfill "
            "keeps for itself; rename that column"
        )
    rows = frame.index.to_numpy(dtype=np.int64)
    frame = frame.reset_index(drop=True)
    frame[SOURCE] = pd.Series(str(path), index=frame.index, dtype="str")
    frame[ROW] = rows
    return frame


def own_columns(frame: pd.DataFrame) -> list[str]:
    """The input's own columns of a frame from read_table (without SOURCE and ROW)."""
    return [c for c in frame.columns if c not in (SOURCE, ROW)]


def map_columns(
    found: Sequence[str],
    mapping: Mapping[str, str | None],
    required: Sequence[str],
    *,
    where: str,
) -> dict[str, str]:
    """API field -> column: input.columns first, else the field's own name (case, spaces,
    hyphens and underscores aside). Raises InputError for a mapped column that is absent and
    for a required field with no column, showing the columns found and the mapping to write."""
    result: dict[str, str] = {}
    bad_mappings: list[str] = []
    for field in FIELDS:
        if field in mapping and mapping[field] is None:
            continue  # `field: null`: a column of that name is not this field
        wanted = mapping.get(field)
        actual = match_column(wanted if wanted is not None else field, found)
        if actual is not None:
            result[field] = actual
        elif wanted is not None:
            bad_mappings.append(f"input.columns.{field} is '{wanted}'")
    listed = ", ".join(found)
    if bad_mappings:
        raise InputError(
            f"{'; '.join(bad_mappings)} but there is no such column in {where}; columns are: "
            f"{listed}; correct the mapping in the config (case and surrounding spaces do not "
            "matter)"
        )
    missing = [field for field in required if field not in result]
    if missing:
        taken = set(result.values())
        suggestion = ", ".join(
            f'{field}: "{_suggest(field, found, taken) or "YOUR COLUMN"}"' for field in missing
        )
        names = ", ".join(f"'{field}'" for field in missing)
        noun, pronoun = ("column", "it") if len(missing) == 1 else ("columns", "them")
        without_times = (
            " (or, to send without times, set validation: {require_happened_at: false})"
            if "happened_at" in missing
            else ""
        )
        raise InputError(
            f"{noun} {names} not found in {where}; columns are: {listed}; map {pronoun} in the "
            f"config: input: {{columns: {{{suggestion}}}}}{without_times}"
        )
    return result


# --- helpers ---------------------------------------------------------------------------------


class MissingColumns(InputError):
    """A mapping the export does not fit; `frame` (its rows as read) lets the CLI say which
    columns look like what (backfill/starter/inspect.py)."""

    def __init__(self, message: str, frame: pd.DataFrame) -> None:
        super().__init__(message)
        self.frame = frame


def _check_file(path: Path) -> None:
    if path.is_dir():
        raise InputError(f"{path} is a folder; give the export file(s) inside it")
    if not path.exists():
        raise InputError(
            f"input file {path} not found (looked in {os.getcwd()}); check the name and folder"
        )


HEADER_SEARCH_ROWS = 30  # a title block above the header is a few rows, not a page


def _header_row_hint(frame: pd.DataFrame, cfg: InputConfig, required: Sequence[str]) -> str:
    """When a row below the one read as the header holds the column names the config needs
    (a title block above the header), the input.header_row line that reads it."""
    own = own_columns(frame)
    top = frame.head(HEADER_SEARCH_ROWS)
    for position, row in enumerate(top[ROW].tolist()):
        names = [str(top[c].iat[position]).strip() for c in own]
        if sum(1 for n in names if n) < len(required):
            continue
        try:
            map_columns(names, cfg.columns, required, where="")
        except InputError:
            continue
        shown = ", ".join(f"'{n}'" for n in names if n)
        return (
            f"The column names seem to be on row {row} ({shown}), below a title block: "
            f"set it in the config: input: {{header_row: {row}}}"
        )
    return ""


def _where(path: Path | str, frame: pd.DataFrame) -> str:
    sheet = frame.attrs.get("sheet")
    return f"{path} (sheet '{sheet}')" if sheet is not None else str(path)


def _fold(name: str) -> str:
    return "_".join(name.strip().casefold().replace("-", " ").replace("_", " ").split())


def match_column(wanted: str, found: Sequence[str]) -> str | None:
    if wanted in found:
        return wanted
    folded = _fold(wanted)
    for name in found:
        if _fold(name) == folded:
            return name
    return None


def _suggest(field: str, found: Sequence[str], taken: set[str]) -> str | None:
    for hint in _HINTS.get(field, ()):
        for name in found:
            if name not in taken and hint in name.casefold():
                return name
    return None


def _clean_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Strip header names, keep them unique, drop nameless columns that hold nothing."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(frame.columns):
        name = str(raw).strip() or f"Unnamed: {index}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        seen.setdefault(name, 0)
        names.append(name)
    frame.columns = names
    empty_unnamed = [
        name for name in names if name.startswith("Unnamed: ") and frame[name].eq("").all()
    ]
    if empty_unnamed:
        frame = frame.drop(columns=empty_unnamed)
    return frame


def _drop_blank_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Completely blank rows go; the others keep their numbers (the index)."""
    if frame.empty or len(frame.columns) == 0:
        return frame
    blank = np.ones(len(frame), dtype=bool)
    for name in frame.columns:
        blank &= frame[name].eq("").to_numpy(dtype=bool)
        if not blank.any():
            return frame
    return frame[~blank]


def _check_same_layout(
    first: Path | str, first_columns: list[str], other: Path | str, other_columns: list[str]
) -> None:
    if set(first_columns) == set(other_columns):
        return
    only_first = [c for c in first_columns if c not in other_columns]
    only_other = [c for c in other_columns if c not in first_columns]
    parts = []
    if only_first:
        parts.append(f"only {first} has {', '.join(only_first)}")
    if only_other:
        parts.append(f"only {other} has {', '.join(only_other)}")
    raise InputError(
        f"{first} and {other} have different columns ({'; '.join(parts)}); files read in one "
        "run must share one layout: rename the columns to match, or run them separately"
    )
