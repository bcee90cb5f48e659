"""requests.jsonl: what a run would send for a plan, one request a line, for a person to read.

Each line is built by the sender's own `build_request`, so it is the request body exactly as
it goes out (happened_at already in api.timezone), in send order: case after case, each
case's actions in their order. A run sends the same, minus what the journal shows as sent.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from backfill.send.protocol import UnsendableError, build_request

if TYPE_CHECKING:
    from backfill.plan.build import Plan

REQUESTS_FILE = "requests.jsonl"


def write_requests(plan: Plan, folder: Path) -> Path:
    """Write `folder`/requests.jsonl for the plan's actions to send; its path."""
    path = Path(folder) / REQUESTS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for case in plan.actions_by_case():
            for action in case:
                line: dict[str, Any] = {
                    "source": action.source,
                    "row": action.row,
                    "number_customergauge": action.case,
                    "case_seq": action.case_seq,
                }
                try:
                    request = build_request(action, plan.config.api)
                except UnsendableError as exc:
                    line["error"] = str(exc)
                else:
                    line["method"], line["path"] = request.method, request.path
                    if request.json is not None:
                        line["content_type"] = "application/json"
                        line["body"] = request.json
                    else:
                        line["content_type"] = "application/x-www-form-urlencoded"
                        line["body"] = urlencode(request.form or {})
                handle.write(json.dumps(line, ensure_ascii=False) + "\n")
    return path
