"""requests.jsonl: each request a run would send, its body exactly as it goes out."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from aiohttp import FormData
from aiohttp.payload import JsonPayload
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backfill.config import config_from_dict
from backfill.plan.build import Plan, build_plan
from backfill.plan.files import plan_table
from backfill.runner.planning import write_requests
from backfill.send.protocol import PreparedRequest, UnsendableError, build_request

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


# --- each line's body is the body the sender sends --------------------------------------
# The sender hands build_request's fields to aiohttp (json= or data=); requests.jsonl is
# written from the plan's columns by backfill/send/bodies.py. A form body must be the same
# text exactly; a JSON body the same after parsing, keys in the same order (the file keeps
# non-ASCII letters readable where aiohttp's json.dumps writes \u escapes, and leaves out
# the spaces after ':' and ',').

API_VARIANTS = [
    {},
    {"body_format": "form"},
    {"version": "v4.1", "v41_ignore_happened_at": True},
    {"version": "v4.1", "v41_ignore_happened_at": True, "extended_statuses": True},
]


def sent_body(request: PreparedRequest) -> str:
    """The body aiohttp puts on the wire for the request, as the session passes it."""
    if request.json is not None:
        return JsonPayload(request.json).decode()
    return FormData(request.form or {})().decode()


def assert_lines_are_the_requests(plan: Plan, folder: Path) -> int:
    lines = lines_of(write_requests(plan, folder))
    actions = [action for case in plan.actions_by_case() for action in case]
    assert len(lines) == len(actions)
    for line, action in zip(lines, actions, strict=True):
        assert (line["source"], line["row"]) == (action.source, action.row)
        assert (line["number_customergauge"], line["case_seq"]) == (action.case, action.case_seq)
        try:
            request = build_request(action, plan.config.api)
        except UnsendableError as exc:
            assert line["error"] == str(exc)
            assert "body" not in line
            continue
        assert (line["method"], line["path"]) == (request.method, request.path)
        wire = sent_body(request)
        if request.json is not None:
            assert line["content_type"] == "application/json"
            assert list(line["body"].items()) == list(json.loads(wire).items())
        else:
            assert line["content_type"] == "application/x-www-form-urlencoded"
            assert line["body"] == wire
    return len(lines)


def lines_of(path: Path) -> list[dict]:
    # the file is JSON lines: no line break inside a line, whatever the notes hold
    text = path.read_text(encoding="utf-8")
    assert text == "" or text.endswith("\n")
    return [json.loads(line) for line in text.split("\n")[:-1]]


@pytest.mark.parametrize("api", API_VARIANTS)
def test_sample_data_lines_are_the_requests_sent(
    tmp_path: Path, sample_data: Path, api: dict
) -> None:
    config = config_from_dict({"api": api})
    plan = build_plan([sample_data / "history.csv"], config, now=NOW)
    assert assert_lines_are_the_requests(plan, tmp_path) > 10


# notes with quotes, backslashes, control characters, line breaks and any Unicode letter; no
# NUL: a CSV holding one is refused as not text (backfill/read/delimited.py)
TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00")
    | st.sampled_from('"\\\x01\x1f\r\n\t\u2028é€😀/'),
    max_size=12,
)
ROWS = st.lists(
    st.tuples(
        st.sampled_from(["7", "8", "123456789"]),
        st.sampled_from(["open", "progress", "closed", "Closed", "5", "42", "nonsense"]),
        st.integers(0, 10_000),
        TEXT,
        st.sampled_from(["", "ann@example.com", "bob@example.com"]),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=ROWS, api=st.sampled_from(API_VARIANTS))
def test_generated_lines_are_the_requests_sent(tmp_path: Path, rows: list, api: dict) -> None:
    path = tmp_path / "export.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["number_customergauge", "status", "happened_at", "note", "assignee"])
        for case, status, minutes, note, assignee in rows:
            moment = datetime(2024, 3, 1, tzinfo=UTC) + timedelta(minutes=minutes)
            writer.writerow([case, status, f"{moment:%Y-%m-%d %H:%M:%S}", note, assignee])
    config = config_from_dict(
        {
            "api": {"timezone": "Europe/Amsterdam", **api},
            "validation": {"duplicates": "keep"},
            "send": {"on_case_failure": "continue"},
        }
    )
    plan = build_plan([path], config, now=NOW)
    assert_lines_are_the_requests(plan, tmp_path / "out")
