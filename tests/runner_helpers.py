"""Helpers shared by the runner tests: small exports, a sandbox config, history checks."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from backfill.config import Config, config_from_dict

RESPONSE_AT = "2023-01-01 00:00:00"
STATUSES = ("open", "progress", "closed")
CREDENTIALS = {
    "CG_CLIENT_ID": "sandbox-client",
    "CG_CLIENT_SECRET": "sandbox-secret",
    "CG_API_KEY": "sandbox-key",
}


def yes(question: str) -> bool:
    """`confirm` for library runs: the go-ahead `--yes` gives."""
    return True


def use_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sandbox's throwaway credentials in the environment."""
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)


def timeline(cases: int, per_case: int, *, start: str = "2023-02-01 08:00:00") -> list[dict]:
    """`cases` cases of `per_case` actions each, rows interleaved across cases."""
    base = datetime.fromisoformat(start)
    rows = []
    for step in range(per_case):
        for n in range(cases):
            at = base + timedelta(days=n % 7, hours=step * 5, minutes=n % 60)
            rows.append(
                {
                    "number_customergauge": str(1000 + n),
                    "status": STATUSES[min(step, 2)] if step < 3 else STATUSES[step % 3],
                    "happened_at": at.strftime("%Y-%m-%d %H:%M:%S"),
                    "note": f"case {1000 + n} step {step}",
                }
            )
    return rows


def write_rows(path: Path, rows: list[dict], columns: list[str] | None = None) -> Path:
    columns = columns or list(rows[0])
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def seed(sb: Any, rows: list[dict]) -> None:
    sb.seed_responses({r["number_customergauge"]: RESPONSE_AT for r in rows})


def sandbox_config(sb: Any, tmp_path: Path, **sections: Any) -> Config:
    data: dict[str, Any] = {
        "api": {"base_url": sb.base_url, "auth_url": sb.token_url},
        "send": {"rate_limit": 500, "concurrency": 8, "max_attempts": 6, "settle_s": 0.2},
        "journal": str(tmp_path / "journal.sqlite"),
        "output": {"dir": str(tmp_path / "reports" / "{run_id}")},
    }
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return config_from_dict(data)


def write_config(config: Config, path: Path) -> Path:
    import yaml

    path.write_text(yaml.safe_dump(config.model_dump(mode="json")), encoding="utf-8")
    return path


def applied(sb: Any) -> dict[str, list[tuple[str | None, str | None]]]:
    """Per case, the (status, note) of every action the sandbox applied, in order."""
    return {
        case_id: [(entry.status, entry.note) for entry in case.history]
        for case_id, case in sb.state.cases.items()
    }


def expected(rows: list[dict]) -> dict[str, list[tuple[str, str]]]:
    """Per case, (status, note) in timeline order (times are unique per case here)."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for r in rows:
        out.setdefault(r["number_customergauge"], []).append(
            (r["happened_at"], r["status"], r["note"])
        )
    return {case: [(s, n) for _, s, n in sorted(items)] for case, items in out.items()}


def puts(sb: Any) -> int:
    return sum(1 for r in sb.state.requests if r.method in ("PUT", "POST") and "/v" in r.path)
