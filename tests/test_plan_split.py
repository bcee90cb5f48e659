"""A large plan finished in two processes writes exactly the files of one process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from backfill.config import config_from_dict
from backfill.errors import ExitStatus, InputError
from backfill.plan import forking
from backfill.plan import split as plan_split
from backfill.plan.build import read_plan_input
from backfill.plan.split import PLAN_FILES, plan_and_write
from tests.test_validation import NOW, make_table, row

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
pytestmark = pytest.mark.skipif(not forking.available(), reason="needs Linux fork")


def _messy_rows() -> list[dict[str, Any]]:
    """40 cases with every kind of problem, note and warning, in shuffled file order."""
    rows: list[dict[str, Any]] = []
    notes = ["", 'said "fine, thanks"', "line 1\nline 2", "=1+1", "-3", "Zürich ✓"]
    for case in range(40):
        day = 1 + case % 27
        steps = [("open", 10), ("progress", 11), ("closed", 12), ("open", 13)][: 1 + case % 4]
        for i, (status, hour) in enumerate(steps):
            rows.append(
                row(
                    case=str(1000 + (case * 7919) % 40),
                    status=status,
                    at=f"2023-05-{day:02d} {hour:02d}:00:00",
                    note=notes[(case + i) % len(notes)],
                    assignee=["", "ann@example.com", "", "bo@example.com"][(case + i) % 4],
                )
            )
    rows += [
        row(case="", status="open"),  # missing id
        row(case="1003", status="Snoozed"),  # unknown status
        row(case="1004", at="next tuesday"),  # bad time
        row(case="1005", at="2024-07-01 08:00:00"),  # future
        row(case="1006", at="2023-03-01 08:00:00"),  # before the response date
        row(case="1008", assignee="bad@"),  # bad assignee
        dict(rows[5]),  # duplicate of a row
        row(case="1009", status="closed", at="2023-05-20 09:00:00"),  # ends without close time
    ]
    order = sorted(range(len(rows)), key=lambda i: (i * 37) % len(rows))
    return [{**rows[i], "row": n + 2} for n, i in enumerate(order)]


def _files(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in PLAN_FILES if (folder / name).exists()}


@pytest.mark.parametrize(
    "options",
    [{}, {"send": {"assignee": "last"}}, {"send": {"on_case_failure": "continue"}}],
)
def test_two_processes_write_the_bytes_of_one(tmp_path: Path, options: dict[str, Any]) -> None:
    table = make_table(_messy_rows())
    config = config_from_dict(options)
    one = plan_and_write(table, config, tmp_path / "one", now=NOW, split_rows=10**9)
    two = plan_and_write(table, config, tmp_path / "two", now=NOW, split_rows=1)
    assert (one.processes, two.processes) == (1, 2)
    assert _files(tmp_path / "two") == _files(tmp_path / "one")
    assert len(_files(tmp_path / "one")) == 3
    assert two.summary == one.summary
    assert two.text() == one.text()
    assert two.exit_status() == one.exit_status() == ExitStatus.ROWS_FAILED
    assert set(one.summary["by_code"]) == {
        "missing-id",
        "unknown-status",
        "bad-time",
        "future-time",
        "before-response",
        "bad-assignee",
    }
    assert one.summary["duplicate"] == 1
    assert {"reopen", "no-close-time"} <= set(one.summary["warnings"])
    assert sorted(p.name for p in (tmp_path / "two").iterdir()) == sorted(PLAN_FILES)  # no parts


def test_sample_files_in_two_processes(tmp_path: Path) -> None:
    config = config_from_dict({})
    inputs = [SAMPLE / "history.csv", SAMPLE / "history.xlsx"]  # two sources, same layout
    table = read_plan_input(inputs, config)
    one = plan_and_write(table, config, tmp_path / "one", now=NOW, split_rows=10**9)
    two = plan_and_write(table, config, tmp_path / "two", now=NOW, split_rows=1)
    assert two.processes == 2
    assert _files(tmp_path / "two") == _files(tmp_path / "one")
    assert two.summary == one.summary
    invalid = pd.read_csv(tmp_path / "two" / "invalid.csv", encoding="utf-8-sig", dtype=str)
    assert invalid["source"].iloc[0].endswith("history.csv")  # file order across the parts


def test_validate_writes_only_invalid_csv(tmp_path: Path) -> None:
    table = make_table(_messy_rows())
    out = plan_and_write(
        table, config_from_dict({}), tmp_path, files=("invalid.csv",), now=NOW, split_rows=1
    )
    assert out.processes == 2
    assert [p.name for p in out.files] == ["invalid.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["invalid.csv"]


def test_an_error_in_the_second_process_stops_the_command_and_leaves_no_parts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    parent = os.getpid()
    real = plan_split.finish_plan

    def finish_in_parent_only(*args: Any, **kwargs: Any) -> Any:
        if os.getpid() != parent:
            raise InputError("the second stretch failed")
        return real(*args, **kwargs)

    monkeypatch.setattr(plan_split, "finish_plan", finish_in_parent_only)
    with pytest.raises(InputError, match="second stretch failed"):
        plan_and_write(
            make_table(_messy_rows()), config_from_dict({}), tmp_path, now=NOW, split_rows=1
        )
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_a_second_process_failing_after_its_first_file_leaves_no_part(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    parent = os.getpid()
    real = plan_split.write_csv

    def cases_fail_in_the_child(frame: pd.DataFrame, path: Path, **kwargs: Any) -> Path:
        if os.getpid() != parent and "cases" in path.name:
            raise OSError(28, "No space left on device")
        return real(frame, path, **kwargs)

    monkeypatch.setattr(plan_split, "write_csv", cases_fail_in_the_child)
    with pytest.raises(OSError, match="No space left"):
        plan_and_write(
            make_table(_messy_rows()), config_from_dict({}), tmp_path, now=NOW, split_rows=1
        )
    assert not [p.name for p in tmp_path.iterdir() if ".part" in p.name]


def test_one_huge_case_stays_in_one_process(tmp_path: Path) -> None:
    rows = [row(case="1", at=f"2023-05-01 10:{m:02d}:00", row=m + 2) for m in range(30)]
    out = plan_and_write(make_table(rows), config_from_dict({}), tmp_path, now=NOW, split_rows=1)
    assert out.processes == 1


def test_a_failure_while_the_keys_are_made_elsewhere_leaves_no_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from backfill.plan import normalise

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise InputError("times cannot be parsed")

    monkeypatch.setattr(normalise, "parse_times", broken)
    with pytest.raises(InputError, match="times cannot be parsed"):
        plan_and_write(
            make_table(_messy_rows()), config_from_dict({}), tmp_path, now=NOW, split_rows=1
        )
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # the keys child was stopped and reaped


@pytest.mark.parametrize(
    "cells",
    [["12", " 7", "12", "", "a\x00b", "7"], ["12", " 7", "12", ""], [""], []],
)
def test_case_keys_made_in_a_child_are_those_made_here(cells: list[str]) -> None:
    """Keys cross the pipe as 32-bit numbers and the ids as one text (object ids when one
    holds a NUL): what arrives is exactly normalise.case_keys. The response_date cells come
    back read as responses.parse_response_cells reads them, when the plan reads them."""
    from backfill.plan import normalise
    from backfill.plan.responses import parse_response_cells

    dates = ["2023-04-01 09:00:00", "", "someday", "2023-04-01", "2023-04-02 10:00", ""]
    frame = pd.DataFrame(
        {
            "number_customergauge": pd.Series(cells, dtype=object),
            "response_date": pd.Series(dates[: len(cells)], dtype=object),
        }
    )
    columns = {"number_customergauge": "number_customergauge", "response_date": "response_date"}
    config = config_from_dict({})
    child = plan_split._case_keys_child(frame, columns, config)
    keys, ids = child.result()
    expected_keys, expected_ids = normalise.case_keys(frame["number_customergauge"])
    assert keys.dtype == np.int64 and keys.tolist() == expected_keys.tolist()
    assert ids.dtype == object and ids.tolist() == expected_ids.tolist()
    instants, unreadable = child.responses()
    expected_instants, expected_unreadable = parse_response_cells(frame["response_date"], config)
    assert instants.tolist() == expected_instants.tolist()
    assert (
        unreadable.tolist()
        == expected_unreadable.tolist()
        == [d == "someday" for d in dates[: len(cells)]]
    )
    without = plan_split._case_keys_child(
        frame, columns, config_from_dict({"responses": {"source": "api"}})
    )
    assert without.result()[0].tolist() == expected_keys.tolist()
    assert without.responses() is None
