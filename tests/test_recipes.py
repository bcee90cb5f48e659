"""Recipes: each helpdesk export plans to its expected timelines, and `init` reads it too."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from backfill.cli.main import cli
from backfill.config import load_config
from backfill.model import CASE, HAPPENED_AT, NOTE, STATUS
from backfill.plan.build import Plan, build_plan

RECIPES = Path(__file__).resolve().parent.parent / "sample_data" / "recipes"
NOW = datetime(2026, 1, 1, tzinfo=UTC)

Timeline = list[tuple[str, str, str]]


def timelines(plan: Plan) -> dict[str, Timeline]:
    out: dict[str, Timeline] = {}
    for case, status, at, note in zip(
        plan.frame[CASE], plan.frame[STATUS], plan.frame[HAPPENED_AT], plan.frame[NOTE], strict=True
    ):
        out.setdefault(str(case), []).append((status, at, note))
    return out


EXPECTED: dict[str, tuple[str, dict[str, Timeline]]] = {
    "zendesk_tickets": (
        "tickets.csv",
        {
            "55012001": [
                ("open", "2024-05-02 09:14:23", ""),
                ("progress", "2024-05-02 10:02:11", ""),
                ("closed", "2024-05-03 16:40:02", ""),
            ],
            "55012002": [
                ("open", "2024-05-02 11:30:00", ""),
                ("closed", "2024-05-04 12:15:45", ""),
            ],
            "55012003": [
                ("open", "2024-05-03 14:05:10", ""),
                ("progress", "2024-05-03 15:20:00", ""),
            ],
            "55012004": [("open", "2024-05-06 07:55:31", "")],
        },
    ),
    "zendesk_audits": (
        "ticket_audits.csv",
        {
            "55012001": [
                ("open", "2024-05-02 09:14:23", ""),
                (
                    "open",
                    "2024-05-02 09:14:23",
                    "The parcel arrived with a crushed corner, photos attached.",
                ),
                ("open", "2024-05-02 10:02:11", ""),
                ("open", "2024-05-02 10:05:40", "Sorry about that! A replacement is on its way."),
                ("progress", "2024-05-02 10:05:40", ""),
                ("closed", "2024-05-03 16:40:02", ""),
            ],
            "55012002": [
                ("open", "2024-05-02 11:30:00", ""),
                ("open", "2024-05-03 08:12:00", "Internal: refund stuck at the bank."),
                ("progress", "2024-05-03 08:13:30", ""),
                ("closed", "2024-05-04 12:15:45", ""),
            ],
            "55012003": [("open", "2024-05-03 14:05:10", ""), ("open", "2024-05-03 15:20:00", "")],
        },
    ),
    "salesforce_case_history": (
        "case_history.csv",
        {  # Edit Date in New York time (EST, then EDT from 10 March), sent in UTC
            "61000101": [
                ("open", "2024-03-04 14:12:00", ""),  # the "Created." row, as its Old Value
                ("progress", "2024-03-04 14:41:00", ""),
                ("closed", "2024-03-14 15:30:00", ""),
            ],
            "61000102": [
                ("open", "2024-03-06 21:45:00", ""),
                ("progress", "2024-03-07 13:02:00", ""),
                ("progress", "2024-03-07 18:15:00", ""),
                ("closed", "2024-03-08 15:00:00", ""),
            ],
            # created, then no status change: one open action, never dropped (issue 17)
            "61000103": [("open", "2024-03-08 20:20:00", "")],
        },
    ),
    "freshdesk": (
        "tickets.csv",
        {
            "72300011": [
                ("open", "2024-06-10 08:02:44", ""),
                ("progress", "2024-06-10 09:15:02", ""),
                ("closed", "2024-06-11 15:30:00", ""),
            ],
            "72300012": [
                ("open", "2024-06-10 10:20:00", ""),
                ("closed", "2024-06-10 16:45:10", ""),
            ],
            "72300013": [
                ("open", "2024-06-11 13:05:00", ""),
                ("progress", "2024-06-11 14:00:00", ""),
            ],
        },
    ),
    "hubspot": (
        "tickets.csv",
        {
            "88100021": [
                ("open", "2024-07-01 08:15:00", ""),
                ("progress", "2024-07-01 09:02:00", ""),
                ("closed", "2024-07-02 17:45:00", ""),
            ],
            "88100022": [
                ("open", "2024-07-01 12:00:00", ""),
                ("progress", "2024-07-01 12:40:00", ""),
            ],
            "88100023": [
                ("open", "2024-07-02 10:30:00", ""),
                ("closed", "2024-07-03 09:00:00", ""),
            ],
        },
    ),
    "jira_service_management": (
        "changelog.csv",
        {  # times with +02:00, sent in UTC
            "93400501": [
                ("open", "2024-08-05 07:00:12", ""),  # created: Waiting for support
                ("progress", "2024-08-05 08:31:00", ""),
                ("progress", "2024-08-05 14:02:45", ""),
                ("closed", "2024-08-06 06:20:00", ""),
            ],
            "93400502": [
                ("open", "2024-08-05 09:45:00", ""),
                ("closed", "2024-08-07 07:10:30", ""),
            ],
        },
    ),
}


@pytest.mark.parametrize("recipe", sorted(EXPECTED))
def test_the_recipe_plans_to_its_timelines(recipe: str) -> None:
    name, expected = EXPECTED[recipe]
    config = load_config(RECIPES / recipe / "backfill.yaml")
    plan = build_plan([RECIPES / recipe / name], config, now=NOW)
    assert timelines(plan) == expected
    assert plan.summary()["invalid"] == 0


@pytest.mark.parametrize("recipe", sorted(EXPECTED))
def test_init_writes_a_config_plan_accepts(recipe: str, tmp_path: Path) -> None:
    name, expected = EXPECTED[recipe]
    written = tmp_path / "backfill.yaml"
    result = CliRunner().invoke(cli, ["init", str(RECIPES / recipe / name), "-o", str(written)])
    assert result.exit_code == 0, result.output
    config = load_config(written)
    assert config.input.layout == load_config(RECIPES / recipe / "backfill.yaml").input.layout
    plan = build_plan([RECIPES / recipe / name], config, now=NOW)
    assert plan.summary()["invalid"] == 0
    # the same actions; times differ only where the recipe sets the export's time zone
    statuses = {case: [s for s, _, _ in actions] for case, actions in timelines(plan).items()}
    assert statuses == {case: [s for s, _, _ in actions] for case, actions in expected.items()}
