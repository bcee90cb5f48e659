"""The YAML text `backfill init` writes: an Inspection, each line commented with its evidence."""

from __future__ import annotations

import json
from collections.abc import Sequence

from backfill.config import FIELDS, InputConfig
from backfill.starter.inspect import Inspection
from backfill.starter.profiles import Guess

HEADER_ROW_KEY = "header_row" in InputConfig.model_fields
_WIDTH = 44  # the column where comments start, as in config.example.yaml


def starting_config(inspection: Inspection, sources: Sequence[str]) -> str:
    """A config that `plan` accepts as is; what it could not decide is a TODO comment."""
    names = ", ".join(sources)
    lines = [
        f"# Written by `backfill init` from {names} ({inspection.rows} rows).",
        "# Every setting says why it was chosen; check them, and do the TODOs.",
        "# All settings and their defaults: `backfill init --example`.",
    ]
    lines += [f"# TODO: {todo}" for todo in inspection.todos]
    lines += ["input:", *encoding_lines(inspection)]
    lines.append(_line("  layout: " + inspection.layout, inspection.layout_evidence))
    if inspection.sheet is not None:
        sheet = _quoted(str(inspection.sheet.value))
        lines.append(_line(f"  sheet: {sheet}", inspection.sheet.evidence))
    if inspection.header_row is not None:
        row, why = inspection.header_row.value, inspection.header_row.evidence
        if HEADER_ROW_KEY:
            lines.append(_line(f"  header_row: {row}", why))
        else:  # (this version's reader takes the first non-empty row as the header)
            lines.append(
                f"  # TODO header_row: {row}  ({why}; this version reads the first non-empty "
                f"row as the header: delete the rows above row {row} in the file)"
            )
    if inspection.columns or inspection.unmapped or inspection.possible:
        lines.append("  columns:")
        for field in FIELDS:
            if field in inspection.columns:
                lines.append(_mapping("    ", field, inspection.columns[field]))
            elif field in inspection.unmapped:
                lines.append(_line(f"    {field}: null", inspection.unmapped[field].evidence))
            elif field in inspection.possible:
                maybe = inspection.possible[field]
                lines.append(f"    # TODO {field}: {_quoted(maybe.column)}  ({maybe.evidence})")
        lines += [f"    # {why}" for why in inspection.not_fields]
    if inspection.steps:
        lines.append(
            "  steps:                                   # in the order of their typical times"
        )
        for status, guesses in inspection.steps.items():
            if len(guesses) == 1:
                lines.append(_mapping("    ", status, guesses[0]))
                continue
            listed = json.dumps([g.column for g in guesses], ensure_ascii=False)
            lines.append(
                _line(
                    f"    {status}: {listed}",
                    f"{len(guesses)} columns hold {status} times: the earliest non-empty one "
                    "of each row is the step",
                )
            )
            lines += [f"    #   {g.column!r}: {g.evidence}" for g in guesses]
        lines += [f"    # {why}" for why in inspection.steps_left_out]
    if inspection.step_order is not None:
        lines.append(
            _line(f"  step_order: {inspection.step_order.value}", inspection.step_order.evidence)
        )
    if inspection.audit_field is not None or inspection.audit_old is not None:
        lines.append("  audit:")
    if inspection.audit_field is not None:
        lines.append(_mapping("    ", "field_column", inspection.audit_field))
        fields = json.dumps(inspection.audit_status_fields, ensure_ascii=False)
        lines.append(_line(f"    status_fields: {fields}", "its values that mean a status change"))
    if inspection.audit_old is not None:
        lines.append(_mapping("    ", "old_status", inspection.audit_old))
    if inspection.statuses:
        lines.append("  status_map:")
        for word in inspection.statuses:
            rows = f"{word.rows} row{'s' if word.rows != 1 else ''}"
            key = _quoted(word.value)
            if word.status is None:
                lines.append(
                    f"    # TODO {key}: open | progress | closed  ({word.evidence}; {rows})"
                )
            else:
                lines.append(_line(f"    {key}: {word.status}", f"{rows}; {word.evidence}"))
    if inspection.dayfirst is not None:
        lines.append(
            _line(
                f"  dayfirst: {'true' if inspection.dayfirst else 'false'}",
                inspection.dates_evidence,
            )
        )
    if inspection.date_format is not None:
        lines.append(
            _line(
                f"  date_format: {_quoted(inspection.date_format)}",
                "every time cell has this form",
            )
        )
    # always written: a time without an offset is read in this zone. A question stays a
    # comment, so that `validate` and `plan` say in which zone they read until it is answered
    asked = inspection.timezone_todo or inspection.timezone_unknown
    note = inspection.timezone_note or "no time column found: UTC until one is mapped"
    key = "  # timezone: UTC" if asked else "  timezone: UTC"
    lines.append(_line(key, ("TODO: " if asked else "") + note))
    return "\n".join(lines) + "\n"


def encoding_lines(inspection: Inspection) -> list[str]:
    """input.encoding for a text export not in UTF-8, with what decided it."""
    chosen = inspection.encoding
    if chosen is None:
        return []
    if isinstance(chosen, str):
        return [_line(f"  encoding: {chosen}", "given to init with --encoding")]
    return [_line(f"  encoding: {chosen.encoding}", chosen.evidence())]


def _mapping(indent: str, key: str, guess: Guess) -> str:
    return _line(f"{indent}{key}: {_quoted(guess.column)}", guess.evidence)


def _line(setting: str, comment: str) -> str:
    if not comment:
        return setting
    return f"{setting.ljust(_WIDTH - 1)} # {comment}"


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is YAML's)."""
    return json.dumps(text, ensure_ascii=False)
