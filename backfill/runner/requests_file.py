"""requests.jsonl: what a run would send for a plan, one request a line, for a person to read.

Each body comes from backfill/send/bodies.py, which follows the sender's own request shape,
so it is the request body as it goes out (happened_at already in api.timezone), in send
order: case after case, each case's actions in their order. A run sends the same, minus
what the journal shows as sent. The lines are joined from the plan's columns by pyarrow's
string kernels, a batch of rows at a time (bounded memory), with no Action, dict or
json.dumps per row.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from backfill.model import (
    CASE,
    CASE_SEQ,
    HAPPENED_AT,
    NOTE,
    OUTCOME,
    ROW,
    SEND_ASSIGNEE,
    SOURCE,
    STATUS,
)
from backfill.send.bodies import encode_bodies, json_texts
from backfill.send.protocol import request_shape

if TYPE_CHECKING:
    import pandas as pd

    from backfill.plan.build import Plan

REQUESTS_FILE = "requests.jsonl"
BATCH_ROWS = 100_000
ACTION_COLUMNS = {  # Action attribute -> plan column
    "case": CASE,
    "status": STATUS,
    "happened_at": HAPPENED_AT,
    "note": NOTE,
    "assignee": SEND_ASSIGNEE,
}


def write_requests(plan: Plan, folder: Path) -> Path:
    """Write `folder`/requests.jsonl for the plan's actions to send; its path."""
    path = Path(folder) / REQUESTS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = plan.frame[plan.frame[OUTCOME].eq("")]  # in send order already
    with path.open("wb") as handle:
        for start in range(0, len(frame), BATCH_ROWS):
            lines = request_lines(frame.iloc[start : start + BATCH_ROWS], plan)
            whole = pa.ListArray.from_arrays(pa.array([0, len(lines)], pa.int32()), lines)
            handle.write(pc.binary_join(whole, "\n")[0].as_buffer())
            handle.write(b"\n")
    return path


def request_lines(rows: pd.DataFrame, plan: Plan) -> pa.Array:
    """One JSON line per row: where it comes from, then its request (or why it has none)."""
    api = plan.config.api
    shape = request_shape(api)
    encoded = encode_bodies(
        {name: pa.array(rows[col]) for name, col in ACTION_COLUMNS.items()}, api
    )
    request = pc.binary_join_element_wise(
        _key("method", first=False) + json.dumps(shape.method),
        _key("path", first=False) + json.dumps(shape.path),
        _key("content_type", first=False) + json.dumps(encoded.content_type),
        _key("body", first=False),
        encoded.bodies,
        "",
    )
    error = pc.binary_join_element_wise(_key("error", first=False), json_texts(encoded.errors), "")
    return pc.binary_join_element_wise(
        _key("source", first=True),
        json_texts(pa.array(rows[SOURCE])),
        _key("row", first=False),
        pc.cast(pa.array(rows[ROW]), pa.string()),
        _key("number_customergauge", first=False),
        json_texts(pa.array(rows[CASE])),
        _key("case_seq", first=False),
        pc.cast(pa.array(rows[CASE_SEQ]), pa.string()),
        pc.coalesce(request, error),
        "}",
        "",
    )


def _key(name: str, *, first: bool) -> str:
    return ("{" if first else ",") + json.dumps(name) + ":"
