"""Crash loop: a 3,000-action run killed again and again at seeded moments, then resumed.

Each kill lands while requests are in flight (the moment is a seeded number of requests the
sandbox has seen). After the last resume the sandbox's record must show every action
applied, each case in order, and duplicates only among rows a report flagged. SIGKILL gives
no chance to clean up; SIGTERM and SIGINT stop gracefully (exit 3, reports written); then
the output disk fills up while a resume writes its reports (exit 3, nothing sent twice).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backfill.sandbox import SandboxSettings, ThreadedSandbox
from tests.reliability.checks import figures
from tests.runner_helpers import (
    CREDENTIALS,
    puts,
    sandbox_config,
    seed,
    timeline,
    write_config,
    write_rows,
)

pytestmark = pytest.mark.reliability

ROOT = Path(__file__).resolve().parents[2]
CASES, PER_CASE = 300, 10  # 3,000 actions
FULL = Path("/dev/full")  # every write fails with ENOSPC: a full disk


def start(data: Path, cfg: Path, out: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, **CREDENTIALS, "PYTHONPATH": str(ROOT)}
    command = ["run", str(data), "-c", str(cfg), "--yes", "--out", str(out)]
    return subprocess.Popen(
        [sys.executable, "-m", "backfill", *command],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def kill_after(proc: subprocess.Popen[bytes], sb: ThreadedSandbox, requests: int, sig: int) -> bool:
    """Send `sig` once the sandbox has seen `requests` more requests; False if it finished."""
    target = puts(sb) + requests
    while puts(sb) < target:
        if proc.poll() is not None:
            return False
        time.sleep(0.005)
    proc.send_signal(sig)
    return True


# ten SIGKILLs, then a SIGTERM and a SIGINT; each next run is the previous one's resume
SIGNALS = [signal.SIGKILL] * 10 + [signal.SIGTERM, signal.SIGINT]


def test_crash_loop(tmp_path: Path) -> None:
    signals = SIGNALS
    rows = timeline(CASES, PER_CASE)
    rng = random.Random(2026)
    with ThreadedSandbox(SandboxSettings()) as sb:
        seed(sb, rows)
        data = write_rows(tmp_path / "history.csv", rows)
        # settle_s small: this sandbox applies nothing late, a resume need not wait for it
        config = sandbox_config(
            sb, tmp_path, send={"rate_limit": 3000, "concurrency": 16, "settle_s": 0.2}
        )
        cfg = write_config(config, tmp_path / "backfill.yaml")
        outs: list[Path] = []
        survived = 0
        for number, sig in enumerate(signals):
            out = tmp_path / f"run{number}"
            outs.append(out)
            proc = start(data, cfg, out)
            killed = kill_after(proc, sb, rng.randint(20, 200), sig)
            code = proc.wait(timeout=120)
            stderr = proc.stderr.read().decode() if proc.stderr else ""
            assert "Traceback" not in stderr, stderr
            if killed:
                survived += 1
                if sig == signal.SIGKILL:
                    assert code == -signal.SIGKILL
                else:
                    assert code == 3, stderr  # interrupted: pending rows, reports written
                    assert (out / "summary.json").exists()
        assert survived == len(signals)
        if FULL.exists():  # then the output disk fills up as the resume writes its reports
            full = tmp_path / "disk-full"
            full.mkdir()
            os.symlink(FULL, full / "results.csv")
            proc = start(data, cfg, full)
            code = proc.wait(timeout=120)
            stderr = proc.stderr.read().decode() if proc.stderr else ""
            assert code == 3 and "No space left on device" in stderr, stderr
            assert "Traceback" not in stderr and "Logging error" not in stderr, stderr
        sent = puts(sb)
        final = tmp_path / "final"
        outs.append(final)
        proc = start(data, cfg, final)
        assert proc.wait(timeout=120) == 0, proc.stderr.read().decode() if proc.stderr else ""
        if FULL.exists():
            assert puts(sb) == sent  # the full-disk run had sent it all: nothing twice
        found = figures(sb, rows, outs)
    print(
        f"\ncrash loop: {survived} kills survived (10 SIGKILL, SIGTERM, SIGINT), "
        f"{found.rows} rows, "
        f"{found.applied} applied, lost {len(found.lost)}, duplicates {len(found.duplicates)} "
        f"(unflagged {len(found.unflagged)}), order violations {len(found.order_violations)}"
    )
    found.assert_sound()
