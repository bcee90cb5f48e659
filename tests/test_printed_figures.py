"""The figures a person reads in a terminal and in summary.json say what happened (issue 24
item 6): bars count in whole numbers, the printed rate is the pace the requests left at, a run
to api.base_url names no region, and init counts only ids that are there."""

from __future__ import annotations

import asyncio
import io
import sys
from pathlib import Path

import pytest

from backfill.cli.progress import ProgressBars
from backfill.journal.store import Journal
from backfill.model import ProgressEvent, no_progress
from backfill.report.summary import Summary
from backfill.runner.resume import Decisions
from backfill.runner.sending import JournalHooks, Sent, send_decided
from backfill.sandbox import Sandbox, SandboxSettings
from backfill.send.retry_policy import RetryPolicy
from backfill.send.session import ApiSession
from tests.test_init_shape import init, write_csv
from tests.test_sender import V7, config, make_cases, seed
from tests.virtual_time import run_virtual, virtual_loop


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bars_count_in_whole_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    import tqdm

    real = tqdm.tqdm  # draw every update (not 10 a second)
    monkeypatch.setattr(tqdm, "tqdm", lambda *a, **k: real(*a, **{"mininterval": 0, **k}))
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with ProgressBars() as bars:
        bars(ProgressEvent("sending", 0, 18, "actions"))
        bars(ProgressEvent("sending", 7, 18, "actions"))
        bars(ProgressEvent("reading back", 5, None, "case"))
    text = terminal.getvalue()
    assert "| 0/18 [" in text and "| 7/18 [" in text and "reading back: 5 case [" in text
    # (a count, not a rate: "2621440.00 case/s" is tqdm's rate and may end in 0.00)
    assert "0.00/" not in text and "/18.0" not in text and "5.00 case [" not in text


async def _send_seven(tmp_path: Path, rate: float) -> Sent:
    """A retry's worth (7 requests, one case each) through the run's send phase, with the
    sandbox on the same virtual clock."""
    loop = virtual_loop()
    cases = make_cases(7, 1)
    sent = Sent()
    async with Sandbox(SandboxSettings(), monotonic=loop.time) as sb:
        seed(sb, cases)
        cfg = config(rate_limit=rate, concurrency=8)
        decisions = Decisions(
            results={},
            cases=cases,
            uncertain=set(),
            stray_in_flight=0,
            identities={a.key: f"identity-{a.key}" for case in cases for a in case},
        )
        with Journal(tmp_path / "journal.sqlite") as journal:
            hooks = JournalHooks(journal, "run-1", decisions)
            async with ApiSession(
                cfg, V7, base_url=sb.base_url, token_url=sb.token_url, retry=RetryPolicy(seed=1)
            ) as api:
                # two phases, as a pilot and its rest: the pause between them is no gap
                for part in (cases[:3], cases[3:]):
                    await send_decided(
                        api,
                        Decisions(results={}, cases=part, uncertain=set(), stray_in_flight=0),
                        hooks,
                        sent,
                        echo=lambda line: None,
                        on_progress=no_progress,
                    )
                    await asyncio.sleep(30)  # the read-back between them
    return sent


def test_the_printed_rate_is_the_pace_requests_left_at_never_above_the_limit(
    tmp_path: Path,
) -> None:
    sent = run_virtual(_send_seven(tmp_path, rate=5))
    assert sent.requests == 7
    assert sent.gaps == 5  # 2 gaps in the first phase, 3 in the second
    # the limiter spaces requests 1.04 s / 5 apart: 4.81/s; counting 7 requests over the
    # time to the last answer would say more than the limit (the "5.52/s" of the issue)
    assert sent.pace == pytest.approx(5 / 1.04, abs=0.02)
    assert sent.pace <= 5


def test_a_run_to_a_base_url_names_no_region_in_summary_json() -> None:
    # (a real run to api.base_url: tests/test_target_shown.py)
    data = Summary(region="eu").to_json()
    assert data["region"] == "eu" and "base_url" not in data
    data = Summary(region=None, base_url="https://proxy.example.com").to_json()
    assert data["region"] is None and data["base_url"] == "https://proxy.example.com"
    assert Summary.from_json(data).base_url == "https://proxy.example.com"


def test_init_counts_no_blank_id_as_an_id(tmp_path: Path) -> None:
    header = ["CustomerGauge ID", "Status", "Changed at", "Comment"]
    rows = []
    for n, case in enumerate(["7001", "7001", "7002", "7002", "", "7003", "7003", " "]):
        rows.append([case, "open", f"2024-03-0{n + 1} 09:00", f"note {n} about the parcel"])
    _, lines, _ = init(write_csv(tmp_path / "log.csv", header, rows), tmp_path)
    layout = next(line for line in lines if line.strip().startswith("layout:"))
    assert "8 rows, 3 distinct ids" in layout
