"""A server that applies a request after the client gave up must not reorder a case."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from backfill.errors import ExitStatus
from backfill.runner.run import RunOutcome, run
from backfill.sandbox import Faults, SandboxSettings, ThreadedSandbox
from tests.reliability.checks import Figures, figures
from tests.runner_helpers import sandbox_config, seed, timeline, write_rows, yes

pytestmark = pytest.mark.reliability


def quiet(_: str) -> None:
    pass


def wait_for_late_applies(sb: ThreadedSandbox) -> None:
    deadline = time.monotonic() + 10
    while sb.late_pending and time.monotonic() < deadline:
        time.sleep(0.05)


def late_run(tmp_path: Path, settle_s: float) -> tuple[RunOutcome, Figures]:
    faults = Faults(late_apply_rate=0.15, late_apply_s=1.5, seed=3)
    rows = timeline(16, 3)
    with ThreadedSandbox(SandboxSettings(faults=faults)) as sb:
        seed(sb, rows)
        data = write_rows(tmp_path / "history.csv", rows)
        config = sandbox_config(
            sb,
            tmp_path,
            api={"timeout_s": 0.2},
            send={"settle_s": settle_s, "max_attempts": 8},
        )
        outcome = run([data], config, confirm=yes, echo=quiet)
        wait_for_late_applies(sb)
        return outcome, figures(sb, rows, [outcome.out_dir])


def test_late_applies_never_reorder_a_case_and_are_flagged(creds, tmp_path: Path):
    outcome, found = late_run(tmp_path, settle_s=1.5)
    assert outcome.exit_status == ExitStatus.OK
    found.assert_sound()
    assert found.duplicates  # the fault really applied requests twice...
    assert outcome.summary.answer_lost > 0  # ...and the run says which
    assert any("answer lost" in note for note in outcome.summary.notes)
    assert any("backfill verify" in note for note in outcome.summary.notes)


def test_without_settling_the_same_faults_reorder_cases(creds, tmp_path: Path):
    # the control: proves the fault and the order check can catch the bug settle_s fixes
    _, found = late_run(tmp_path, settle_s=0)
    assert found.order_violations


def test_a_resume_settles_after_the_requests_an_earlier_run_lost(creds, tmp_path: Path):
    # run 1 loses every answer of each case's first action (and gives up); the server
    # applies them late. Run 2 starts at once: it may re-send those actions, but their
    # cases' next actions wait until settle_s after run 1 lost them.
    rows = timeline(6, 3)
    faults = Faults(late_apply_rate=1.0, late_apply_s=2.5)
    with ThreadedSandbox(SandboxSettings(faults=faults)) as sb:
        seed(sb, rows)
        data = write_rows(tmp_path / "history.csv", rows)
        config = sandbox_config(
            sb, tmp_path, api={"timeout_s": 0.2}, send={"settle_s": 3.0, "max_attempts": 1}
        )
        first = run([data], config, confirm=yes, echo=quiet)
        assert first.exit_status == ExitStatus.ROWS_FAILED
        sb.set_faults(Faults())
        second = run([data], config, confirm=yes, echo=quiet)
        wait_for_late_applies(sb)
        found = figures(sb, rows, [first.out_dir, second.out_dir])
    assert second.exit_status == ExitStatus.OK
    assert second.summary.resent_uncertain == 6
    found.assert_sound()
    assert len(found.duplicates) == 6  # the late originals and their re-sends, all flagged
