"""A file's shape against its layout (issue 17): wide- and audit-shaped files read as long are
refused before anything is sent, keys of another layout are refused by name, a wide step may
take the earliest of several columns, and the zone of offset-less times is said."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from backfill.cli.main import cli
from backfill.config import config_from_dict
from backfill.errors import ConfigError, InputError
from backfill.model import CASE, HAPPENED_AT, STATUS
from backfill.plan.build import build_plan

NOW = datetime(2026, 1, 1, tzinfo=UTC)
SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"


def write_csv(path: Path, rows: list[dict[str, str]], delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def write_config(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


# --- ticket exports read as long --------------------------------------------------------


def _tickets(
    headers: tuple[str, str, str, str, str], times: list[tuple[str, str, str]], status: str
) -> list[dict[str, str]]:
    ident, state, created, replied, solved = headers
    return [
        {ident: str(1000 + i), state: status, created: c, replied: r, solved: s}
        for i, (c, r, s) in enumerate(times)
    ]


WIDE_VARIANTS = {
    "zendesk": (
        ("CG ID", "Status", "Created at", "First reply at", "Solved at"),
        [
            ("2024-03-01 09:00:00", "2024-03-01 10:00:00", "2024-03-02 09:00:00"),
            ("2024-03-03 09:00:00", "2024-03-03 11:00:00", "2024-03-05 09:00:00"),
            ("2024-03-04 08:00:00", "", "2024-03-04 18:00:00"),
        ],
        "Solved",
    ),
    "freshdesk, German": (
        ("CG-Nummer", "Status", "Erstellt am", "Erste Antwort am", "Gelöst am"),
        [
            ("01.03.2024 09:00", "01.03.2024 10:00", "02.03.2024 09:00"),
            ("03.03.2024 09:00", "03.03.2024 11:00", "15.03.2024 09:00"),
            ("04.03.2024 08:00", "04.03.2024 09:30", "04.03.2024 18:00"),
        ],
        "Gelöst",
    ),
    "help scout, month names, columns not in time order": (
        ("Customer number", "State", "Closed", "Created", "Replied"),
        [
            ("Mar 2, 2024 9:00 AM", "Mar 1, 2024 9:00 AM", "Mar 1, 2024 10:00 AM"),
            ("Mar 5, 2024 9:00 AM", "Mar 3, 2024 9:00 AM", "Mar 3, 2024 11:00 AM"),
            ("Mar 4, 2024 6:00 PM", "Mar 4, 2024 8:00 AM", "Mar 4, 2024 9:30 AM"),
        ],
        "closed",
    ),
}


# the time columns in the order of their times: open, progress, closed
WIDE_STEPS = {
    "zendesk": ("Created at", "First reply at", "Solved at"),
    "freshdesk, German": ("Erstellt am", "Erste Antwort am", "Gelöst am"),
    "help scout, month names, columns not in time order": ("Created", "Replied", "Closed"),
}


@pytest.mark.parametrize("variant", sorted(WIDE_VARIANTS))
@pytest.mark.parametrize("command", ["validate", "plan", "run"])
def test_a_ticket_export_read_as_long_is_refused(
    tmp_path: Path, variant: str, command: str
) -> None:
    headers, times, status = WIDE_VARIANTS[variant]
    opened, replied, solved = WIDE_STEPS[variant]
    data = write_csv(tmp_path / "tickets.csv", _tickets(headers, times, status))
    config = write_config(
        tmp_path / "backfill.yaml",
        {
            "input": {
                "timezone": "Europe/Berlin",
                "status_map": {status: "closed"},
                "columns": {
                    "number_customergauge": headers[0],
                    "status": headers[1],
                    "happened_at": opened,
                },
            }
        },
    )
    out = tmp_path / "out"
    args = [command, str(data), "-c", str(config), "--out", str(out)]
    if command == "run":
        args += ["--sandbox", "--journal", str(tmp_path / "journal.sqlite")]
    code, output = invoke(*args)
    assert code == 2, output
    assert "reads as one row per case, not one row per action" in output
    assert "3 of 3 rows are the only row of their case" in output
    assert "layout: wide" in output
    assert f'steps: {{open: "{opened}", progress: "{replied}", closed: "{solved}"}}' in output
    assert "input.layout_check: false" in output
    assert "backfill init" in output
    assert "Traceback" not in output
    # refused before anything was sent or written
    assert not (tmp_path / "journal.sqlite").exists()
    assert not (out / "plan.csv").exists()


def test_layout_check_false_trusts_the_layout(tmp_path: Path) -> None:
    headers, times, status = WIDE_VARIANTS["zendesk"]
    data = write_csv(tmp_path / "tickets.csv", _tickets(headers, times, status))
    config = config_from_dict(
        {
            "input": {
                "layout_check": False,
                "status_map": {status: "closed"},
                "columns": {
                    "number_customergauge": headers[0],
                    "status": headers[1],
                    "happened_at": headers[4],
                },
            }
        }
    )
    plan = build_plan([data], config, now=NOW)
    assert plan.frame[STATUS].tolist() == ["closed"] * 3


def test_the_wide_lines_given_read_the_file_right(tmp_path: Path) -> None:
    """The lines the refusal proposes, added to the config, plan every step."""
    headers, times, status = WIDE_VARIANTS["freshdesk, German"]
    data = write_csv(tmp_path / "tickets.csv", _tickets(headers, times, status))
    long = {"number_customergauge": headers[0], "status": headers[1], "happened_at": headers[2]}
    with pytest.raises(InputError) as refused:
        build_plan([data], config_from_dict({"input": {"columns": long}}), now=NOW)
    proposed = yaml.safe_load(str(refused.value).split("add to the config\n")[1].split("\n(")[0])
    proposed["input"]["columns"] = {"number_customergauge": headers[0]}
    plan = build_plan([data], config_from_dict(proposed), now=NOW)
    assert (
        plan.frame.groupby(CASE)[STATUS].apply(list).tolist()
        == [["open", "progress", "closed"]] * 3
    )


@pytest.mark.parametrize(
    "rows",
    [
        # one action per case, but no other time column: a long file
        [
            {"number_customergauge": "1", "status": "closed", "happened_at": "2024-03-01 09:00"},
            {"number_customergauge": "2", "status": "closed", "happened_at": "2024-03-02 09:00"},
        ],
        # the smallest valid file
        [{"number_customergauge": "1", "status": "open", "happened_at": "2024-03-01 09:00"}],
        # a response date is no step
        [
            {
                "number_customergauge": "1",
                "status": "closed",
                "happened_at": "2024-03-01 09:00",
                "response_date": "2024-02-01 09:00",
            },
            {
                "number_customergauge": "2",
                "status": "closed",
                "happened_at": "2024-03-02 09:00",
                "response_date": "2024-02-02 09:00",
            },
        ],
    ],
)
def test_long_files_are_not_refused(tmp_path: Path, rows: list[dict[str, str]]) -> None:
    data = write_csv(tmp_path / "actions.csv", rows)
    plan = build_plan([data], config_from_dict({}), now=NOW)
    assert len(plan.frame) == len(rows)


def test_the_sample_history_is_not_refused() -> None:
    plan = build_plan([SAMPLE / "history.csv"], config_from_dict({}), now=NOW)
    assert len(plan.frame) == 210


# --- status-change logs read as long ----------------------------------------------------

AUDIT_VARIANTS = {
    "salesforce": (
        ("Case Number", "Field / Event", "Old Value", "New Value", "Edit Date"),
        ["Status", "Owner", "Priority"],
    ),
    "salesforce, French": (
        (
            "Numéro de la requête",
            "Champ/Événement",
            "Ancienne valeur",
            "Nouvelle valeur",
            "Date de modification",
        ),
        ["Statut", "Propriétaire", "Priorité"],
    ),
    "jira": (("CG", "Field", "From", "To", "Created"), ["status", "assignee", "resolution"]),
}


@pytest.mark.parametrize("variant", sorted(AUDIT_VARIANTS))
def test_a_status_change_log_read_as_long_is_refused(tmp_path: Path, variant: str) -> None:
    (case, field, old, new, when), fields = AUDIT_VARIANTS[variant]
    rows = []
    for i in range(4):
        for j, name in enumerate([fields[0], fields[1], fields[0], fields[2]]):
            rows.append(
                {
                    case: str(500 + i),
                    field: name,
                    old: "Open" if j == 0 else "x",
                    new: "Closed" if j == 2 else "Working",
                    when: f"2024-03-0{i + 1} 0{j}:00",
                }
            )
    data = write_csv(tmp_path / "history.csv", rows, delimiter=";")
    config = config_from_dict(
        {
            "input": {
                "status_map": {"Working": "progress", "x": "progress"},
                "columns": {"number_customergauge": case, "status": new, "happened_at": when},
            }
        }
    )
    with pytest.raises(InputError) as refused:
        build_plan([data], config, now=NOW)
    message = str(refused.value)
    assert "reads as a status-change log, not one row per action" in message
    assert f"column '{field}' names what each row changed ({fields[0]!r} on 8 of 16 rows" in message
    assert f'audit: {{field_column: "{field}", status_fields: ["{fields[0]}"]}}' in message
    assert "input.layout_check: false" in message


# --- keys of another layout ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "named"),
    [
        (
            {"layout": "wide", "steps": {"open": "A"}, "columns": {"status": "State"}},
            "input.columns.status",
        ),
        ({"layout": "long", "steps": {"open": "Created"}}, "input.steps"),
        ({"steps": {"open": "Created"}, "step_notes": {"open": "Note"}}, "input.step_notes"),
        ({"layout": "audit", "steps": {"closed": "Solved"}}, "input.steps"),
        (
            {"layout": "wide", "steps": {"open": "A"}, "audit": {"field_column": "Field"}},
            "input.audit",
        ),
        ({"audit": {"old_status": "Old"}}, "input.audit"),
    ],
)
def test_keys_of_another_layout_are_refused_by_name(section: dict[str, Any], named: str) -> None:
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")) as refused:
        config_from_dict({"input": section})
    layout = section.get("layout", "long")
    assert f"input.layout is {layout}, but the config sets" in str(refused.value)


def test_keys_that_fit_the_layout_load() -> None:
    config_from_dict(
        {"input": {"layout": "wide", "steps": {"open": "A"}, "columns": {"status": None}}}
    )
    config_from_dict({"input": {"layout": "audit", "audit": {"field_column": "Field"}}})


def test_a_wrong_key_exits_2_from_the_cli(tmp_path: Path) -> None:
    config = write_config(tmp_path / "c.yaml", {"input": {"steps": {"open": "Created"}}})
    code, output = invoke("validate", str(SAMPLE / "history.csv"), "-c", str(config))
    assert code == 2
    assert "input.layout is long, but the config sets input.steps" in output


# --- wide steps with several columns -------------------------------------------------------


@pytest.mark.parametrize(
    ("resolved", "closed", "expected"),
    [
        ("2024-03-02 09:00", "2024-03-03 09:00", "2024-03-02 09:00:00"),  # resolved first
        ("2024-03-04 09:00", "2024-03-03 09:00", "2024-03-03 09:00:00"),  # closed first
        ("", "2024-03-03 09:00", "2024-03-03 09:00:00"),
        ("2024-03-02 09:00", "", "2024-03-02 09:00:00"),
        ("not a time", "2024-03-03 09:00", "2024-03-03 09:00:00"),  # the readable one
        ("", "", None),  # no closing action
    ],
)
def test_a_step_of_several_columns_takes_the_earliest_time(
    tmp_path: Path, resolved: str, closed: str, expected: str | None
) -> None:
    data = write_csv(
        tmp_path / "tickets.csv",
        [
            {
                "CG": "7",
                "Created at": "2024-03-01 09:00",
                "Resolved at": resolved,
                "Closed at": closed,
            },
        ],
    )
    config = config_from_dict(
        {
            "input": {
                "layout": "wide",
                "columns": {"number_customergauge": "CG"},
                "steps": {"open": "Created at", "closed": ["Resolved at", "Closed at"]},
            }
        }
    )
    plan = build_plan([data], config, now=NOW)
    timeline = list(zip(plan.frame[STATUS], plan.frame[HAPPENED_AT], strict=True))
    assert timeline[0] == ("open", "2024-03-01 09:00:00")
    assert timeline[1:] == ([("closed", expected)] if expected else [])
    assert plan.summary()["invalid"] == 0


def test_a_step_of_several_columns_with_no_readable_time_is_reported(tmp_path: Path) -> None:
    data = write_csv(
        tmp_path / "tickets.csv",
        [{"CG": "7", "Created at": "2024-03-01 09:00", "Resolved at": "soon", "Closed at": ""}],
    )
    config = config_from_dict(
        {
            "input": {
                "layout": "wide",
                "columns": {"number_customergauge": "CG"},
                "steps": {"open": "Created at", "closed": ["Resolved at", "Closed at"]},
            }
        }
    )
    plan = build_plan([data], config, now=NOW)
    problems = [(p.code, p.field, p.row) for p in plan.problems if p.code == "bad-time"]
    assert problems == [("bad-time", "action_at", 2)]


def test_a_step_with_an_empty_list_of_columns_is_refused() -> None:
    with pytest.raises(ConfigError, match="steps closed name no column"):
        config_from_dict({"input": {"layout": "wide", "steps": {"closed": []}}})


# --- the zone of offset-less times ---------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "times", "said"),
    [
        (None, ["2024-03-01 09:00", "2024-03-01 10:00"], "2 times without an offset read as UTC"),
        (None, ["2024-03-01T09:00Z", "2024-03-01 10:00"], "1 time without an offset read as UTC"),
        (None, ["2024-03-01T09:00Z", "2024-03-01T10:00+01:00"], None),  # all carry one
        ("UTC", ["2024-03-01 09:00", "2024-03-01 10:00"], None),  # set, even to the default
        ("Europe/Berlin", ["2024-03-01 09:00", "2024-03-01 10:00"], None),
    ],
)
@pytest.mark.parametrize("command", ["validate", "plan"])
def test_validate_and_plan_say_which_zone_offset_less_times_were_read_in(
    tmp_path: Path, command: str, zone: str | None, times: list[str], said: str | None
) -> None:
    data = write_csv(
        tmp_path / "h.csv",
        [
            {"number_customergauge": "1", "status": s, "happened_at": t}
            for s, t in zip(["open", "closed"], times, strict=True)
        ],
    )
    config = write_config(tmp_path / "c.yaml", {"input": {"timezone": zone}} if zone else {})
    code, output = invoke(command, str(data), "-c", str(config), "--out", str(tmp_path / "o"))
    assert code == 0, output
    zone_lines = [line for line in output.splitlines() if line.startswith("  zone:")]
    if said is None:
        assert zone_lines == []
    else:
        assert zone_lines == [
            f"  zone:     {said}; input.timezone is not set: set it to the zone the export "
            "was written in"
        ]


@pytest.mark.parametrize(
    ("responses_zone", "expected_invalid"),
    [
        # the survey was answered at 09:30 Berlin time = 08:30 UTC: the 09:00 UTC action is after it
        ("Europe/Berlin", 0),
        # read in input.timezone (UTC) the answer is at 09:30 UTC: the action is before it
        (None, 1),
    ],
)
def test_responses_timezone_reads_the_responses_file(
    tmp_path: Path, responses_zone: str | None, expected_invalid: int
) -> None:
    data = write_csv(
        tmp_path / "h.csv",
        [{"number_customergauge": "1", "status": "open", "happened_at": "2024-03-01T09:00:00Z"}],
    )
    answers = write_csv(
        tmp_path / "responses.csv",
        [{"number_customergauge": "1", "date_survey_response": "2024-03-01 09:30:00"}],
    )
    responses: dict[str, Any] = {"file": str(answers)}
    if responses_zone:
        responses["timezone"] = responses_zone
    config = config_from_dict({"input": {"timezone": "UTC"}, "responses": responses})
    plan = build_plan([data], config, now=NOW)
    assert plan.summary()["invalid"] == expected_invalid


def test_responses_timezone_must_be_a_zone() -> None:
    with pytest.raises(ConfigError, match="unknown time zone 'Mars/Olympus'"):
        config_from_dict({"responses": {"timezone": "Mars/Olympus"}})
