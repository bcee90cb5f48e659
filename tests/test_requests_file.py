"""requests.jsonl: each request a run would send, its body exactly as it goes out."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from backfill.config import config_from_dict
from backfill.plan.build import build_plan
from backfill.plan.files import plan_table
from backfill.runner.planning import write_requests

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def export(tmp_path: Path) -> Path:
    path = tmp_path / "export.csv"
    path.write_text(
        "number_customergauge,status,happened_at,note,assignee\n"
        "7,closed,2024-03-02 10:00:00,Fixed,ann@example.com\n"
        "7,open,2024-03-01 09:00:00,,\n"
        "8,open,2024-03-01 12:00:00,Büro,\n"
        "9,nonsense,2024-03-01 12:00:00,,\n",
        encoding="utf-8",
    )
    return path


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_requests_in_send_order_with_times_in_the_api_zone(tmp_path: Path) -> None:
    config = config_from_dict(
        {"api": {"timezone": "Europe/Amsterdam"}, "send": {"assignee": "last"}}
    )
    plan = build_plan([export(tmp_path)], config, now=NOW)
    requests = lines(write_requests(plan, tmp_path))
    assert requests == [
        {
            "source": str(tmp_path / "export.csv"),
            "row": 3,
            "number_customergauge": "7",
            "case_seq": 1,
            "method": "PUT",
            "path": "/v7/rest/close-loop/status",
            "content_type": "application/json",
            "body": {
                "number_customergauge": "7",
                "status": "open",
                "happened_at": "2024-03-01 10:00:00",  # 09:00 UTC in Amsterdam
            },
        },
        {
            "source": str(tmp_path / "export.csv"),
            "row": 2,
            "number_customergauge": "7",
            "case_seq": 2,
            "method": "PUT",
            "path": "/v7/rest/close-loop/status",
            "content_type": "application/json",
            "body": {
                "number_customergauge": "7",
                "status": "closed",
                "happened_at": "2024-03-02 11:00:00",
                "note": "Fixed",
                "assignee": "ann@example.com",
            },
        },
        {
            "source": str(tmp_path / "export.csv"),
            "row": 4,
            "number_customergauge": "8",
            "case_seq": 1,
            "method": "PUT",
            "path": "/v7/rest/close-loop/status",
            "content_type": "application/json",
            "body": {
                "number_customergauge": "8",
                "status": "open",
                "happened_at": "2024-03-01 13:00:00",
                "note": "Büro",
            },
        },
    ]  # the invalid row of case 9 is not sent
    assert list(plan_table(plan).columns).count("happened_at (Europe/Amsterdam)") == 1


@pytest.mark.parametrize(
    ("api", "path", "fields"),
    [
        (
            {"body_format": "form"},
            "/v7/rest/close-loop/status",
            [("number_customergauge", "8"), ("status", "open"),
             ("happened_at", "2024-03-01 12:00:00"), ("note", "Büro")],
        ),
        (
            {"version": "v4.1", "v41_ignore_happened_at": True},
            "/v4.1/workflow.json",
            [("number_customergauge", "8"), ("status", "OPEN"), ("comment", "Büro")],
        ),
    ],
)  # fmt: skip
def test_form_bodies_are_written_encoded(
    tmp_path: Path, api: dict, path: str, fields: list[tuple[str, str]]
) -> None:
    plan = build_plan([export(tmp_path)], config_from_dict({"api": api}), now=NOW)
    request = lines(write_requests(plan, tmp_path))[2]
    assert request["path"] == path
    assert request["content_type"] == "application/x-www-form-urlencoded"
    assert parse_qsl(request["body"]) == fields
