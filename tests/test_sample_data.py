"""The sample exports of sample_data/ read as the README demo and the other tests expect."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from backfill.config import Config, load_config
from backfill.model import ROW, SOURCE
from backfill.read.table import read_inputs

HISTORY_COLUMNS = [
    "number_customergauge",
    "customer",
    "status",
    "happened_at",
    "note",
    "assignee",
    "response_date",
    "channel",
]


def _load_generator(sample_data: Path):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("make_samples", sample_data / "make_samples.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def history_csv() -> pd.DataFrame:
    path = Path(__file__).resolve().parent.parent / "sample_data" / "history.csv"
    return read_inputs([path], Config().input).frame


@pytest.mark.parametrize("name", ["history.csv", "history.xlsx", "history.xls"])
def test_history_reads_with_default_config(sample_data: Path, name: str) -> None:
    table = read_inputs([sample_data / name], Config().input)
    frame = table.frame
    assert len(frame) == 210
    assert table.original_columns == HISTORY_COLUMNS
    assert table.columns == {field: field for field in HISTORY_COLUMNS if field in table.columns}
    assert set(table.columns) == {
        "number_customergauge",
        "status",
        "happened_at",
        "note",
        "assignee",
        "response_date",
    }
    assert frame[ROW].tolist() == list(range(2, 212))
    assert set(frame[SOURCE]) == {str(sample_data / name)}
    ids = frame["number_customergauge"]
    assert all(isinstance(v, str) for v in ids)
    assert not ids.str.contains(r"\.").any()
    assert ids.str.fullmatch(r"\d{8}|").all()
    assert ids.replace("", pd.NA).dropna().nunique() == 64
    assert (ids == "").sum() == 1  # the deliberately missing id


@pytest.mark.parametrize("name", ["history.xlsx", "history.xls"])
def test_workbook_dates_are_real_dates_and_match_the_csv(
    sample_data: Path, name: str, history_csv: pd.DataFrame
) -> None:
    workbook = read_inputs([sample_data / name], Config().input).frame
    for column in ("number_customergauge", "status", "note", "assignee", "customer", "channel"):
        assert workbook[column].tolist() == history_csv[column].tolist(), column
    happened = workbook["happened_at"]
    stamps = [v for v in happened if isinstance(v, dt.datetime)]
    assert len(stamps) == 209  # the unparseable one stays text, as typed
    assert [v for v in happened if not isinstance(v, dt.datetime)] == ["31/02/2024 25:61"]
    assert all(isinstance(v, dt.datetime) for v in workbook["response_date"])
    as_text = [
        v.strftime("%Y-%m-%d %H:%M:%S") if isinstance(v, dt.datetime) else v for v in happened
    ]
    assert as_text == history_csv["happened_at"].str.replace("T", " ").tolist()


def test_history_has_the_promised_variety(history_csv: pd.DataFrame) -> None:
    notes = history_csv["note"]
    assert notes.str.contains(",").any()
    assert notes.str.contains('"').any()
    assert notes.str.contains("\n").any()
    assert notes.str.contains("é").any() and notes.str.contains("ø").any()
    assert notes.str.contains("🙂").any()
    assert (notes == "").any()
    statuses = set(history_csv["status"])
    assert {"open", "progress", "closed", "postponed"} <= statuses
    times = pd.to_datetime(history_csv["happened_at"], errors="coerce", format="ISO8601")
    assert times.min() >= pd.Timestamp("2023-01-01")
    assert times.max() < pd.Timestamp("2026-01-01")
    assert times.isna().sum() == 1
    assert not times.is_monotonic_increasing  # shuffled like a real export
    reopened = history_csv.sort_values("happened_at").groupby("number_customergauge")["status"]
    assert reopened.apply(lambda s: list(s.str.lower()).count("open") > 1).sum() >= 3
    assert history_csv["assignee"].str.contains("(at)", regex=False).sum() == 1
    agents = history_csv[history_csv["assignee"] != ""].groupby("number_customergauge")["assignee"]
    assert (agents.nunique() > 1).sum() >= 2  # a couple of cases change hands
    assert history_csv["assignee"].replace("", pd.NA).dropna().str.endswith("@example.com").sum()


def test_helpdesk_export_reads_through_its_config(sample_data: Path) -> None:
    config = load_config(sample_data / "helpdesk.yaml")
    assert config.input.timezone == "Europe/Amsterdam"
    assert config.input.dayfirst is True
    table = read_inputs([sample_data / "helpdesk_export.csv"], config.input)
    assert table.columns == {
        "number_customergauge": "CG ID",
        "status": "Ticket state",
        "happened_at": "Changed at (local)",
        "note": "Agent comment",
        "assignee": "Agent e-mail",
        "response_date": "Survey answered (local)",
    }
    frame = table.frame
    assert len(frame) == 56
    assert set(frame["Ticket state"]) == {"New", "Working on it", "Solved", "Waiting for customer"}
    assert set(frame["Ticket state"]) - set(config.input.status_map) == {"Waiting for customer"}
    assert frame["Changed at (local)"].str.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d").all()
    assert frame["Agent comment"].str.contains("Résolu").any()  # Windows-1252 decoded
    assert frame["Agent comment"].str.contains("\n").any()


def test_generator_is_deterministic(sample_data: Path, tmp_path: Path) -> None:
    generator = _load_generator(sample_data)
    generator.HERE = tmp_path
    generator.main()
    for name in ("history.csv", "helpdesk_export.csv"):
        assert (tmp_path / name).read_bytes() == (sample_data / name).read_bytes(), name
