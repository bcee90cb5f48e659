"""A journal belongs to one target (issue 24 item 1): against two real sandboxes (two tenants),
the default journal is one per target, an explicit journal shared across targets is refused
(exit 2) naming both before anything is sent, and a journal of an earlier version takes the
target of its next run and says so once."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from backfill.cli.main import cli
from backfill.config import config_from_dict
from backfill.journal.schema import SCHEMA_VERSION
from backfill.journal.store import Journal
from backfill.journal.target import (
    LEGACY_JOURNAL,
    Source,
    Target,
    choose_journal,
    default_journal,
    target_of,
)
from backfill.sandbox import SandboxSettings, ThreadedSandbox
from tests.runner_helpers import puts, seed, timeline, write_rows

ROWS = timeline(4, 3)  # 4 cases, 12 actions


@pytest.fixture
def tenants() -> Iterator[tuple[ThreadedSandbox, ThreadedSandbox]]:
    """Two CustomerGauge tenants: each its own URL and its own connected app."""
    a = SandboxSettings(client_id="tenant-a-app", client_secret="secret-a-123")
    b = SandboxSettings(client_id="tenant-b-app", client_secret="secret-b-456")
    with ThreadedSandbox(a) as one, ThreadedSandbox(b) as two:
        seed(one, ROWS)
        seed(two, ROWS)
        yield one, two


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder a user runs backfill in: the default journals go to its .backfill/."""
    monkeypatch.chdir(tmp_path)
    write_rows(tmp_path / "export.csv", ROWS)
    return tmp_path


def _config(folder: Path, name: str, sb: ThreadedSandbox, **top: object) -> str:
    data: dict[str, object] = {
        "api": {"base_url": sb.base_url, "auth_url": sb.token_url},
        "send": {"rate_limit": 10_000, "concurrency": 8, "settle_s": 0.2},
        "output": {"dir": str(folder / "reports" / "{run_id}")},
        **top,
    }
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


def _as(monkeypatch: pytest.MonkeyPatch, sb: ThreadedSandbox) -> None:
    """The environment of a user who exported this tenant's app credentials."""
    monkeypatch.setenv("CG_CLIENT_ID", sb.settings.client_id)
    monkeypatch.setenv("CG_CLIENT_SECRET", sb.settings.client_secret)


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), terminal_width=200)
    return result.exit_code, result.stdout, result.stderr


def _journals(folder: Path) -> list[str]:
    return sorted(p.name for p in (folder / ".backfill").glob("*.sqlite"))


def _target(sb: ThreadedSandbox) -> str:
    return f"API v7 at {sb.base_url}, client id {sb.settings.client_id}"


def _reports(folder: Path) -> list[Path]:
    reports = folder / "reports"
    return sorted(reports.iterdir()) if reports.exists() else []


# --- the default journal: one per target --------------------------------------------------


def test_two_tenants_with_the_default_journal_each_get_their_own(
    here: Path, tenants: tuple[ThreadedSandbox, ThreadedSandbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = tenants
    test_tenant, production = _config(here, "test", a), _config(here, "prod", b)
    _as(monkeypatch, a)
    code, out, _ = invoke("run", "export.csv", "-c", test_tenant, "--yes")
    assert code == 0, out
    assert puts(a) == 12
    _as(monkeypatch, b)
    code, out, _ = invoke("run", "export.csv", "-c", production, "--yes")
    assert code == 0, out
    assert "12 rows: sent 12" in out and "already_sent" not in out
    assert puts(b) == 12  # production received every action
    names = _journals(here)
    assert len(names) == 2
    for sb in (a, b):  # a person can tell them apart: host, port, version, a digest
        assert sum(f"journal-127.0.0.1-{sb.port}-v7-" in name for name in names) == 1
    _as(monkeypatch, a)  # and the test tenant's journal still knows its own history
    code, out, _ = invoke("run", "export.csv", "-c", test_tenant, "--yes")
    assert code == 0 and "12 rows: already_sent 12" in out
    assert puts(a) == 12


def test_another_app_at_the_same_url_never_finds_its_actions_already_sent(
    here: Path, tenants: tuple[ThreadedSandbox, ThreadedSandbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, _ = tenants
    config = _config(here, "backfill", a)
    _as(monkeypatch, a)
    assert invoke("run", "export.csv", "-c", config, "--yes")[0] == 0
    monkeypatch.setenv("CG_CLIENT_ID", "another-app")  # same URL, another tenant's app
    code, out, _ = invoke("run", "export.csv", "-c", config, "--yes")
    assert "already_sent" not in out  # a journal of its own: all 12 to send (the
    assert "to send:  12" in out  # sandbox then refuses the unknown app: exit 3)
    assert code == 3
    assert len(_journals(here)) == 2


def test_the_default_path_is_stable_readable_and_distinct_per_target(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CG_CLIENT_ID", "app-1")
    eu = target_of(config_from_dict({}))
    assert eu == Target("v7", "https://api.eu.customergauge.com", "app-1")
    path = default_journal(eu)
    assert path.parent == Path(".backfill")
    assert path.name.startswith("journal-api.eu.customergauge.com-v7-")
    assert path == default_journal(target_of(config_from_dict({})))  # stable
    others = [
        config_from_dict({"api": {"region": "us"}}),
        config_from_dict({"api": {"base_url": "https://proxy.example.com:8443/cg/"}}),
    ]
    paths = {path} | {default_journal(target_of(c)) for c in others}
    monkeypatch.setenv("CG_CLIENT_ID", "app-2")
    paths.add(default_journal(target_of(config_from_dict({}))))
    assert len(paths) == 4
    assert default_journal(target_of(others[1])).name.startswith("journal-proxy.example.com-8443-")


def test_v41_names_its_key_by_variable_never_by_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "v41-secret-key-0123456789"
    monkeypatch.setenv("CG_API_KEY_PROD", key)
    config = config_from_dict(
        {"api": {"version": "v4.1"}, "credentials": {"api_key_env": "CG_API_KEY_PROD"}}
    )
    target = target_of(config)
    assert target == Target("v4.1", "https://api.eu.customergauge.com", "CG_API_KEY_PROD")
    assert target.describe() == "API v4.1 at https://api.eu.customergauge.com, API key from " + (
        "$CG_API_KEY_PROD"
    )
    path = tmp_path / "j.sqlite"
    with Journal(path) as journal:
        journal.record_target(target)
    with Journal(path, read_only=True) as journal:
        assert journal.recorded_target() == target
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert key.encode() not in stored
    assert hashlib.sha256(key.encode()).hexdigest()[:8].encode() not in stored


def test_a_rehearsal_keeps_its_own_journal_and_a_real_run_refuses_it(
    here: Path, tenants: tuple[ThreadedSandbox, ThreadedSandbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, _ = tenants
    config = _config(here, "backfill", a)
    code, _, _ = invoke("run", "export.csv", "-c", config, "--sandbox")
    assert code == 0
    assert not (here / ".backfill").exists()  # next to its reports, as before
    rehearsal = next((here / "reports").glob("*/sandbox-journal.sqlite"))
    _as(monkeypatch, a)
    code, _, err = invoke("run", "export.csv", "-c", config, "--yes", "--journal", str(rehearsal))
    assert code == 2
    assert "belongs to the --sandbox emulator (API v7)" in err
    assert puts(a) == 0


# --- an explicit journal shared across targets ---------------------------------------------


def test_a_journal_shared_across_targets_is_refused_before_anything_is_sent(
    here: Path, tenants: tuple[ThreadedSandbox, ThreadedSandbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = tenants
    rows = [dict(row) for row in ROWS]
    rows[0]["status"] = "bogus"  # a failures.csv for retry
    write_rows(here / "export.csv", rows)
    test_tenant, production = _config(here, "test", a), _config(here, "prod", b)
    shared = "shared.sqlite"
    _as(monkeypatch, a)
    code, _, _ = invoke("run", "export.csv", "-c", test_tenant, "--yes", "--journal", shared)
    assert code == 1
    (failures,) = [str(p / "failures.csv") for p in _reports(here)]
    before = hashlib.sha256((here / shared).read_bytes()).hexdigest()
    _as(monkeypatch, b)
    ours = default_journal(
        target_of(config_from_dict(yaml.safe_load(Path(production).read_text())))
    )
    expected = (
        f"Error: journal {shared} (--journal) belongs to {_target(a)}, but this command's "
        f"target is {_target(b)}. A journal belongs to one target: with another target's "
        "journal, actions it shows as sent would be skipped as already_sent although this "
        f"target never received them. Nothing was sent. To work with {_target(b)}, leave "
        f"--journal out to use the target's own journal ({ours}), or pass --journal with a "
        "journal of its own; to continue the journal's own migration, use the config of its "
        "target (-c).\n"
    )
    for command in (
        ["run", "export.csv", "--yes"],
        ["run", "export.csv", "--yes", "--pilot", "1"],
        ["retry", failures, "--yes"],
        ["verify", "export.csv"],
        ["verify"],
        ["status"],
    ):
        code, out, err = invoke(*command, "-c", production, "--journal", shared)
        assert (code, err) == (2, expected), (command, out)
    assert puts(b) == 0 and b.state.cases == {}  # production untouched
    assert len(_reports(here)) == 1  # no folder left behind by the refusals
    assert hashlib.sha256((here / shared).read_bytes()).hexdigest() == before
    assert not (here / ".backfill").exists()


def test_the_configs_journal_key_refused_for_another_target_says_how_to_go_on(
    here: Path, tenants: tuple[ThreadedSandbox, ThreadedSandbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = tenants
    journal = str(here / "one.sqlite")
    test_tenant = _config(here, "test", a, journal=journal)
    production = _config(here, "prod", b, journal=journal)
    _as(monkeypatch, a)
    assert invoke("run", "export.csv", "-c", test_tenant, "--yes")[0] == 0
    _as(monkeypatch, b)
    code, _, err = invoke("run", "export.csv", "-c", production, "--yes")
    assert code == 2
    assert f"journal {journal} (journal: of the config) belongs to {_target(a)}" in err
    assert "set journal: null in the config for a journal per target under .backfill/" in err
    assert puts(b) == 0


# --- status and verify find the target's own journal -----------------------------------------


def test_status_and_verify_find_the_per_target_default(
    here: Path, tenants: tuple[ThreadedSandbox, ThreadedSandbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = tenants
    test_tenant, production = _config(here, "test", a), _config(here, "prod", b)
    for sb, config in ((a, test_tenant), (b, production)):
        _as(monkeypatch, sb)
        assert invoke("run", "export.csv", "-c", config, "--yes")[0] == 0
    _as(monkeypatch, a)
    own = default_journal(
        target_of(config_from_dict(yaml.safe_load(Path(test_tenant).read_text())))
    )
    code, out, _ = invoke("status", "-c", test_tenant)
    assert code == 0
    assert out.splitlines()[:2] == [f"Journal {own}: 1 run(s)", f"Target: {_target(a)}"]
    code, out, _ = invoke("verify", "-c", test_tenant)
    assert code == 0, out
    assert "expected from the journal" in out
    monkeypatch.delenv("CG_CLIENT_ID")  # status reads, never sends: the URL finds it
    code, out, _ = invoke("status", "-c", production)
    assert code == 0 and out.splitlines()[1] == f"Target: {_target(b)}"


def test_status_names_the_target_it_has_no_journal_for(
    here: Path, tenants: tuple[ThreadedSandbox, ThreadedSandbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, _ = tenants
    _as(monkeypatch, a)
    code, _, err = invoke("status", "-c", _config(here, "test", a))
    assert code == 2
    assert err.startswith(f"Error: no journal for {_target(a)} in .backfill/ (")
    assert not (here / ".backfill").exists()


# --- a journal written before journals knew their target -------------------------------------


def _make_legacy(path: Path) -> None:
    """What an earlier backfill left: schema 2, no target recorded."""
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM meta WHERE key LIKE 'target_%'")
        conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    conn.close()


def test_a_legacy_journal_takes_its_next_runs_target_and_says_so_once(
    here: Path, tenants: tuple[ThreadedSandbox, ThreadedSandbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = tenants
    test_tenant, production = _config(here, "test", a), _config(here, "prod", b)
    _as(monkeypatch, a)
    legacy = str(LEGACY_JOURNAL)  # the default path of earlier versions, holding the history
    assert invoke("run", "export.csv", "-c", test_tenant, "--yes", "--journal", legacy)[0] == 0
    _make_legacy(here / legacy)
    adopted = (
        f"Journal {legacy} was written before journals recorded their target: it now belongs "
        f"to {_target(a)}, the target of this run; other targets get a journal of their own "
        "under .backfill/."
    )
    code, out, _ = invoke("run", "export.csv", "-c", test_tenant, "--yes")
    assert code == 0
    assert out.splitlines()[0] == adopted
    assert "12 rows: already_sent 12" in out  # its history kept: nothing sent twice
    code, out, _ = invoke("run", "export.csv", "-c", test_tenant, "--yes")
    assert code == 0 and adopted not in out  # once
    assert puts(a) == 12
    with sqlite3.connect(here / legacy) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
            str(SCHEMA_VERSION),
        )
    conn.close()
    assert _journals(here) == ["journal.sqlite"]
    _as(monkeypatch, b)  # another tenant: a journal of its own, never the legacy one
    code, out, _ = invoke("run", "export.csv", "-c", production, "--yes")
    assert code == 0 and "12 rows: sent 12" in out
    own = default_journal(target_of(config_from_dict(yaml.safe_load(Path(production).read_text()))))
    assert out.splitlines()[0] == (
        f"Journal {own}: a new journal for {_target(b)} ({legacy} holds {_target(a)}, "
        "another target)."
    )
    assert puts(b) == 12
    code, out, _ = invoke("run", "export.csv", "-c", production, "--yes")
    assert code == 0 and "a new journal" not in out and "already_sent 12" in out


def test_a_legacy_journal_of_another_url_is_refused_or_passed_by(
    here: Path, tenants: tuple[ThreadedSandbox, ThreadedSandbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = tenants
    test_tenant, production = _config(here, "test", a), _config(here, "prod", b)
    _as(monkeypatch, a)
    legacy = str(LEGACY_JOURNAL)
    assert invoke("run", "export.csv", "-c", test_tenant, "--yes", "--journal", legacy)[0] == 0
    _make_legacy(here / legacy)
    _as(monkeypatch, b)
    code, _, err = invoke("run", "export.csv", "-c", production, "--yes", "--journal", legacy)
    assert code == 2
    assert (
        f"journal {legacy} (--journal) was written before journals recorded their target, and "
        f"is a journal of runs to {a.base_url}, but this command's target is {_target(b)}."
    ) in err
    assert puts(b) == 0
    code, out, _ = invoke("run", "export.csv", "-c", production, "--yes")  # the default
    assert code == 0 and "12 rows: sent 12" in out
    assert f"({legacy} holds runs to {a.base_url}, another target)" in out.splitlines()[0]
    _as(monkeypatch, a)  # the legacy journal is still the test tenant's to take
    code, out, _ = invoke("run", "export.csv", "-c", test_tenant, "--yes")
    assert "it now belongs to" in out.splitlines()[0] and "already_sent 12" in out


def test_choose_journal_prefers_the_option_then_the_config(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CG_CLIENT_ID", "app")
    plain = config_from_dict({})
    keyed = config_from_dict({"journal": "mine.sqlite"})
    target = target_of(plain)
    assert choose_journal(Path("x.sqlite"), keyed, target).source is Source.OPTION
    assert choose_journal(None, keyed, target).path == Path("mine.sqlite")
    assert choose_journal(None, plain, target).path == default_journal(target)
