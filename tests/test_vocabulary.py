"""Helpdesk status words: accepted as a whole, guessed by meaning, or plainly not guessed."""

from __future__ import annotations

import pandas as pd
import pytest

from backfill.plan.statuses import normalise_status as normalise_statuses
from backfill.plan.vocabulary import guess_status, status_hint, unknown_statuses_text


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("New", "open"),
        ("Opened", "open"),
        ("Reopened", "open"),
        ("Pending", "progress"),
        ("On hold", "progress"),
        ("Waiting", "progress"),
        ("In progress", "progress"),
        ("Working", "progress"),
        ("Escalated", "progress"),
        ("Waiting on Customer", "progress"),
        ("Solved", "closed"),
        ("Resolved", "closed"),
        ("Done", "closed"),
        ("Closed", "closed"),
        ("Cancelled", "closed"),
        # German, French, Dutch, Spanish
        ("Neu", "open"),
        ("In Bearbeitung", "progress"),
        ("Gelöst", "closed"),
        ("Nouveau", "open"),
        ("En attente", "progress"),
        ("Résolu", "closed"),
        ("Fermé", "closed"),
        ("Nieuw", "open"),
        ("In behandeling", "progress"),
        ("Opgelost", "closed"),
        ("Nuevo", "open"),
        ("Pendiente", "progress"),
        ("Cerrado", "closed"),
    ],
)
def test_helpdesk_words_are_built_in(word: str, expected: str) -> None:
    status, bad = normalise_statuses(pd.Series([word, word.upper(), f" {word.lower()} "]))
    assert status.tolist() == [expected] * 3
    assert not bad.any()


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("Working on it", ("progress", "working")),
        ("Closed - duplicate", ("closed", "closed")),
        ("Waiting for parts", ("progress", "waiting")),
        ("Ticket opgelost door klant", ("closed", "opgelost")),
    ],
)
def test_unknown_values_are_guessed_by_their_words(word: str, expected: tuple[str, str]) -> None:
    assert guess_status(word) == expected


@pytest.mark.parametrize("word", ["Parked", "Not solved", "Reopened after close", "42", ""])
def test_no_guess_where_the_words_say_nothing_or_disagree(word: str) -> None:
    assert guess_status(word) is None


def test_hints_map_by_meaning_or_say_they_cannot() -> None:
    assert status_hint("Working on it") == (
        "unknown status 'Working on it'; it reads as progress ('working'): map it in the "
        "config: input.status_map: {'Working on it': progress}"
    )
    assert "cannot tell what it means" in status_hint("Parked")
    assert "{'Parked': " not in status_hint("Parked")  # no default mapping


def test_unknown_values_listed_with_counts_and_their_mapping() -> None:
    assert unknown_statuses_text({"Working on it": 16, "Parked": 2}) == (
        "unknown status values: 'Working on it' 16, 'Parked' 2; they read as: "
        "input: {status_map: {'Working on it': progress}}; backfill cannot tell what "
        "'Parked' means: map it to open, progress or closed yourself"
    )


def test_validate_lists_the_unknown_words_with_counts(tmp_path) -> None:
    from click.testing import CliRunner

    from backfill.cli.main import cli

    path = tmp_path / "export.csv"
    rows = ["number_customergauge,status,happened_at"]
    rows += [f"1,Working on it,2024-01-0{d} 10:00:00" for d in range(1, 4)]
    rows += ["2,Parked,2024-01-05 10:00:00", "3,closed,2024-01-05 10:00:00"]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert (
        "unknown status values: 'Working on it' 3, 'Parked' 1; they read as: "
        "input: {status_map: {'Working on it': progress}}; backfill cannot tell what "
        "'Parked' means: map it to open, progress or closed yourself"
    ) in result.output.splitlines()  # (after the plan's facts, one a line)
