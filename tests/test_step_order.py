"""A ticket export's steps against their own order (issue 29): the three tickets of the issue
under each `input.step_order`, the ticket's own status column, and `init`'s proposal."""

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
from backfill.errors import ConfigError, Severity
from backfill.model import CASE, HAPPENED_AT, OUTCOME, STATUS
from backfill.plan.build import Plan, build_plan

NOW = datetime(2026, 1, 1, tzinfo=UTC)

TICKETS = [
    # solved before it was created (the Solved column written in another zone)
    {
        "CG ID": "1",
        "Created": "2024-03-01 09:00",
        "First reply": "2024-03-01 10:00",
        "Solved": "2024-03-01 08:00",
        "Status": "Solved",
    },
    # a first reply before its creation
    {
        "CG ID": "2",
        "Created": "2024-03-02 10:00",
        "First reply": "2024-03-02 09:00",
        "Solved": "",
        "Status": "Pending",
    },
    # a reply after it was solved
    {
        "CG ID": "3",
        "Created": "2024-03-03 09:00",
        "First reply": "2024-03-04 10:00",
        "Solved": "2024-03-03 12:00",
        "Status": "Solved",
    },
    # in order: never a problem
    {
        "CG ID": "4",
        "Created": "2024-03-05 09:00",
        "First reply": "2024-03-05 10:00",
        "Solved": "2024-03-05 12:00",
        "Status": "Solved",
    },
]


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def wide(rule: str | None, **extra: Any) -> dict[str, Any]:
    section: dict[str, Any] = {
        "layout": "wide",
        "columns": {"number_customergauge": "CG ID"},
        # listed out of their order on purpose: a ticket's order is its statuses'
        "steps": {"closed": "Solved", "open": "Created", "progress": "First reply"},
        **extra,
    }
    if rule is not None:
        section["step_order"] = rule
    return {"input": section}


def plan_of(tmp_path: Path, rule: str | None, rows: list[dict[str, str]] = TICKETS) -> Plan:
    data = write_csv(tmp_path / "tickets.csv", rows)
    return build_plan([data], config_from_dict(wide(rule)), now=NOW)


def sent(plan: Plan) -> dict[str, list[tuple[str, str]]]:
    """Per case, the (status, time) of the actions to send, in send order."""
    out: dict[str, list[tuple[str, str]]] = {}
    rows = plan.frame[plan.frame[OUTCOME].eq("")]
    for case, status, at in zip(rows[CASE], rows[STATUS], rows[HAPPENED_AT], strict=True):
        out.setdefault(str(case), []).append((status, at[:16]))
    return out


def problems(plan: Plan, code: str) -> dict[str, set[str]]:
    """Per case, the messages of `code`."""
    out: dict[str, set[str]] = {}
    for problem in plan.problems:
        if problem.code == code:
            case = plan.frame.loc[plan.frame["_row"].eq(problem.row), CASE].iloc[0]
            out.setdefault(str(case), set()).add(problem.message)
    return out


STRICT_ADVICE = (
    ", against the order of a ticket's steps (open → progress → closed): the ticket is not "
    "sent; correct its times (two columns written in different zones?), or set "
    "input.step_order: drop-late-steps (a step reached after the closing one is no action) or "
    "time (each step at its own time)"
)


@pytest.mark.parametrize("rule", [None, "strict"])
def test_strict_refuses_each_ticket_naming_both_columns_and_times(
    tmp_path: Path, rule: str | None
) -> None:
    plan = plan_of(tmp_path, rule)
    assert sent(plan) == {
        "4": [
            ("open", "2024-03-05 09:00"),
            ("progress", "2024-03-05 10:00"),
            ("closed", "2024-03-05 12:00"),
        ]
    }
    refused = plan.frame[plan.frame[OUTCOME].eq("invalid")]
    assert sorted(refused[CASE].value_counts().items()) == [("1", 3), ("2", 2), ("3", 3)]
    assert problems(plan, "steps-out-of-order") == {
        "1": {"'Solved' (2024-03-01 08:00) is before 'Created' (2024-03-01 09:00)" + STRICT_ADVICE},
        "2": {
            "'First reply' (2024-03-02 09:00) is before 'Created' (2024-03-02 10:00)"
            + STRICT_ADVICE
        },
        "3": {
            "'Solved' (2024-03-03 12:00) is before 'First reply' (2024-03-04 10:00)" + STRICT_ADVICE
        },
    }
    errors = [p for p in plan.problems if p.code == "steps-out-of-order"]
    assert {p.severity for p in errors} == {Severity.ERROR}
    assert {p.field for p in errors} == {"Solved", "First reply"}  # the step out of its place
    assert plan.summary()["by_code"] == {"steps-out-of-order": 8}


def test_drop_late_steps_drops_the_reply_after_resolution_and_refuses_the_rest(
    tmp_path: Path,
) -> None:
    plan = plan_of(tmp_path, "drop-late-steps")
    assert sent(plan) == {
        "3": [("open", "2024-03-03 09:00"), ("closed", "2024-03-03 12:00")],
        "4": [
            ("open", "2024-03-05 09:00"),
            ("progress", "2024-03-05 10:00"),
            ("closed", "2024-03-05 12:00"),
        ],
    }
    # a ticket solved before its creation is no late step: refused as under strict
    refused = problems(plan, "steps-out-of-order")
    assert sorted(refused) == ["1", "2"]
    assert all(
        m.endswith("or set input.step_order: time (each step at its own time)")
        for m in refused["1"]
    )
    assert problems(plan, "step-dropped") == {
        "3": {
            "'First reply' (2024-03-04 10:00) is after the closing step 'Solved' "
            "(2024-03-03 12:00): no action (input.step_order: drop-late-steps)"
        }
    }
    dropped = next(p for p in plan.problems if p.code == "step-dropped")
    assert dropped.severity == Severity.WARNING and dropped.field == "First reply"
    # the warning sits on the closing action, the one the reply would have re-opened
    row = plan.frame[plan.frame["_warning"].str.contains("step-dropped")]
    assert row[STATUS].tolist() == ["closed"]
    assert plan.cases.set_index("number_customergauge").loc["3", "final_status"] == "closed"


def test_time_replays_every_step_at_its_time_and_warns(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, "time")
    assert sent(plan) == {
        "1": [
            ("closed", "2024-03-01 08:00"),
            ("open", "2024-03-01 09:00"),
            ("progress", "2024-03-01 10:00"),
        ],
        "2": [("progress", "2024-03-02 09:00"), ("open", "2024-03-02 10:00")],
        "3": [
            ("open", "2024-03-03 09:00"),
            ("closed", "2024-03-03 12:00"),
            ("progress", "2024-03-04 10:00"),
        ],
        "4": [
            ("open", "2024-03-05 09:00"),
            ("progress", "2024-03-05 10:00"),
            ("closed", "2024-03-05 12:00"),
        ],
    }
    assert sorted(problems(plan, "reopen")) == ["1", "3"]
    # the ticket's own status column says where it really is
    assert problems(plan, "status-differs") == {
        "1": {
            "the ticket's status is 'Solved' (closed), but its steps end progress (the last: "
            "'First reply' 2024-03-01 10:00): CustomerGauge will show progress; check the "
            "ticket's step times and input.steps"
        },
        "2": {
            "the ticket's status is 'Pending' (progress), but its steps end open (the last: "
            "'Created' 2024-03-02 10:00): CustomerGauge will show open; check the ticket's "
            "step times and input.steps"
        },
        "3": {
            "the ticket's status is 'Solved' (closed), but its steps end progress (the last: "
            "'First reply' 2024-03-04 10:00): CustomerGauge will show progress; check the "
            "ticket's step times and input.steps"
        },
    }
    differs = [p for p in plan.problems if p.code == "status-differs"]
    assert {(p.severity, p.field) for p in differs} == {(Severity.WARNING, "Status")}
    assert not problems(plan, "steps-out-of-order")


def test_a_status_column_that_agrees_says_nothing_and_unknown_words_are_not_compared(
    tmp_path: Path,
) -> None:
    rows = [dict(TICKETS[3]), dict(TICKETS[3], **{"CG ID": "5", "Status": "Mit Kunde"})]
    rows.append(dict(TICKETS[3], **{"CG ID": "6", "Solved": "", "Status": "Closed"}))
    plan = plan_of(tmp_path, None, rows)
    assert problems(plan, "status-differs") == {
        "6": {
            "the ticket's status is 'Closed' (closed), but its steps end progress (the last: "
            "'First reply' 2024-03-05 10:00): CustomerGauge will show progress; check the "
            "ticket's step times and input.steps"
        }
    }


def test_equal_step_times_are_in_order(tmp_path: Path) -> None:
    rows = [dict(TICKETS[3], **{"First reply": "2024-03-05 09:00", "Solved": "2024-03-05 09:00"})]
    plan = plan_of(tmp_path, None, rows)
    assert sent(plan) == {
        "4": [
            ("open", "2024-03-05 09:00"),
            ("progress", "2024-03-05 09:00"),
            ("closed", "2024-03-05 09:00"),
        ]
    }
    assert not [p for p in plan.problems if p.severity == Severity.ERROR]


def test_step_order_belongs_to_the_wide_layout() -> None:
    with pytest.raises(ConfigError, match=r"input\.step_order"):
        config_from_dict({"input": {"step_order": "time"}})
    config_from_dict({"input": {"step_order": "strict"}})  # the default, as the example writes it
    with pytest.raises(ConfigError, match="step_order"):
        config_from_dict(wide("sometimes"))


# --- init proposes the rule, with its count ----------------------------------------------------


def init_text(tmp_path: Path, rows: list[dict[str, str]]) -> str:
    data = write_csv(tmp_path / "tickets.csv", rows)
    written = tmp_path / "backfill.yaml"
    result = CliRunner().invoke(cli, ["init", str(data), "-o", str(written)])
    assert result.exit_code == 0, result.output
    return written.read_text(encoding="utf-8")


def tickets(late: int, early: int, fine: int) -> list[dict[str, str]]:
    """Tickets with a reply after they were solved, a creation after the solution, in order."""
    rows = []
    for n in range(late + early + fine):
        day = f"2024-04-{1 + n % 28:02d}"
        created, solved = f"{day} 09:00", f"{day} 12:00"
        reply = f"{day} 15:00" if n < late else f"{day} 10:00"
        if late <= n < late + early:
            solved = f"{day} 08:00"
        rows.append(
            {
                "CG ID": str(53_400 + n),
                "Created at": created,
                "First reply at": reply,
                "Solved at": solved,
                "Agent": f"agent{n % 3}@example.com",
            }
        )
    return rows


def test_init_proposes_drop_late_steps_with_its_count(tmp_path: Path) -> None:
    text = init_text(tmp_path, tickets(late=12, early=0, fine=30))
    config = yaml.safe_load(text)
    assert config["input"]["layout"] == "wide"
    assert config["input"]["step_order"] == "drop-late-steps"
    line = next(line for line in text.splitlines() if line.startswith("  step_order:"))
    assert line.endswith(
        "# 12 tickets got 'First reply at' after they were solved ('Solved at'): that step is "
        "no action, the ticket stays closed"
    )


def test_init_says_strict_when_steps_are_in_order_and_names_other_contradictions(
    tmp_path: Path,
) -> None:
    in_order = yaml.safe_load(init_text(tmp_path, tickets(late=0, early=0, fine=30)))
    assert in_order["input"]["step_order"] == "strict"
    (tmp_path / "backfill.yaml").unlink()
    text = init_text(tmp_path, tickets(late=0, early=3, fine=30))
    assert yaml.safe_load(text)["input"]["step_order"] == "strict"
    line = next(line for line in text.splitlines() if line.startswith("  step_order:"))
    assert line.endswith(
        "# 3 tickets with step times out of their order (row 2: 'Solved at' (2024-04-01 08:00) "
        "is before 'Created at' (2024-04-01 09:00)) are refused: check their columns' zones"
    )
    in_order_line = "every ticket's step times are in their order"
    assert in_order_line not in text
