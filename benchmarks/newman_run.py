"""Newman (Postman's runner) with a CSV data file: one PUT per row, one at a time.

Looked up on PATH, else installed with npm into ~/.cache/backfill-bench (or given with
run_all.py --newman PATH); when neither works, the send piece says why and goes on.
"""

from __future__ import annotations

import asyncio
import csv
import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import bench_send
from sandbox_runs import Contender, per_second, sandbox, sandbox_log, timeline


def newman_command(given: str | None) -> tuple[list[str] | None, str]:
    """How to start Newman, or why it cannot be started."""
    if given:
        return [given], ""
    found = shutil.which("newman")
    if found:
        return [found], ""
    cache = Path.home() / ".cache" / "backfill-bench"
    local = cache / "node_modules" / ".bin" / "newman"
    if not local.exists():
        if not shutil.which("npm"):
            return None, "not installable here: no npm"
        cache.mkdir(parents=True, exist_ok=True)
        install = subprocess.run(
            ["npm", "install", "--prefix", str(cache), "--no-audit", "--no-fund", "newman"],
            capture_output=True,
            text=True,
            check=False,
        )
        if install.returncode != 0 or not local.exists():
            return None, f"not installable: npm install newman failed: {install.stderr[-300:]}"
    return [str(local)], ""


NEWMAN_BODY = (
    '{"number_customergauge":"{{number_customergauge}}","status":"{{status}}",'
    '"happened_at":"{{happened_at}}","note":"{{note}}"}'
)


def newman_run(responses: Path, actions: list[Any], command: list[str], work: Path) -> Contender:
    """Newman with a CSV data file: one iteration (one PUT) per row, one at a time."""
    data = work / "newman-data.csv"
    with data.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["number_customergauge", "status", "happened_at", "note"])
        writer.writerows([a.case, a.status, a.happened_at, a.note] for a in actions)
    collection = work / "newman-collection.json"
    collection.write_text(json.dumps(_collection()))
    with sandbox(responses) as url:
        token = asyncio.run(_token(url))
        started = time.perf_counter()
        finished = subprocess.run(
            [
                *command, "run", str(collection), "-d", str(data),
                "--env-var", f"base_url={url}", "--env-var", f"token={token}",
                "-r", "json", "--reporter-json-export", str(work / "newman-report.json"),
            ],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        wall = time.perf_counter() - started
        times, statuses = timeline(asyncio.run(sandbox_log(url)))
    span = times[-1] if len(times) > 1 else 0.0
    figures = {
        "requests": len(statuses),
        "elapsed_s": wall,  # the whole process: node's start-up included
        "rate_per_s": (len(times) - 1) / span if span else 0.0,  # first to last arrival
        "accepted": sum(1 for s in statuses if 200 <= s < 300),
        "exit_status": finished.returncode,
    }
    return Contender("newman (CSV data file)", figures, per_second(times, statuses))


def _collection() -> dict[str, Any]:
    request = {
        "method": "PUT",
        "header": [
            {"key": "Authorization", "value": "Bearer {{token}}"},
            {"key": "Content-Type", "value": "application/json"},
        ],
        "body": {"mode": "raw", "raw": NEWMAN_BODY},
        "url": "{{base_url}}/v7/rest/close-loop/status",
    }
    return {
        "info": {
            "name": "close-loop backfill",
            "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
        },
        "item": [{"name": "status", "request": request}],
    }


async def _token(url: str) -> str:
    import aiohttp

    credentials = bench_send.CREDENTIALS
    form = {
        "grant_type": "client_credentials",
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret,
    }
    async with (
        aiohttp.ClientSession() as session,
        session.post(url + "/oauth2/token", data=form) as r,
    ):
        return str((await r.json())["access_token"])
