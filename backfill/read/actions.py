"""The action columns of a reshaped export (backfill/plan/layouts.py), as `read` sees them.

A wide or audit export becomes one row per action with three columns of its own, which the
status, happened_at and note fields are read from. A failures.csv of such an export holds
those rows, so `retry` reads it as one row per action (`action_columns`).
"""

from __future__ import annotations

from collections.abc import Sequence

from backfill.config import InputConfig

ACTION_STATUS = "action_status"
ACTION_AT = "action_at"
ACTION_NOTE = "action_note"
ACTION_COLUMNS = {"status": ACTION_STATUS, "happened_at": ACTION_AT, "note": ACTION_NOTE}


def required_columns(cfg: InputConfig, required: Sequence[str]) -> tuple[str, ...]:
    """The fields the input itself must have a column for under this layout (a wide export's
    statuses and times come from input.steps instead)."""
    if cfg.layout == "wide":
        return tuple(f for f in required if f not in ("status", "happened_at"))
    return tuple(required)


def action_columns(found: Sequence[str]) -> dict[str, str]:
    """Field -> action column, for the action columns a (failures) file has: such a file is
    read as one row per action, whatever the layout of the export it came from."""
    return {field: name for field, name in ACTION_COLUMNS.items() if name in found}
