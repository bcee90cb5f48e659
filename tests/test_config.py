"""The config model: defaults, the example file, and the messages for wrong keys and types."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from backfill.config import Config, config_from_dict, load_config, output_dir, secret_from_env
from backfill.errors import AuthError, ConfigError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "config.example.yaml"


def _keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    keys = set()
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys |= _keys(annotation, f"{prefix}{name}.")
        else:
            keys.add(f"{prefix}{name}")
    return keys


def _flatten(data: dict, prefix: str = "") -> set[str]:
    keys = set()
    for name, value in data.items():
        if isinstance(value, dict) and value and name not in {"columns", "status_map"}:
            keys |= _flatten(value, f"{prefix}{name}.")
        else:
            keys.add(f"{prefix}{name}")
    return keys


def test_example_config_documents_every_key_and_loads() -> None:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    assert _flatten(data) == _keys(Config)
    assert load_config(EXAMPLE) == Config()


def test_example_config_comments_every_key() -> None:
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        if ":" in line and not line.lstrip().startswith("#") and not line.rstrip().endswith(":"):
            assert "#" in line, f"undocumented setting: {line.strip()}"


def test_defaults_follow_spec() -> None:
    config = Config()
    assert config.api.api_base == "https://api.eu.customergauge.com"
    assert config.api.token_url == "https://auth.eu.customergauge.com/oauth2/token"
    assert config.send.rate_limit == 5
    assert config.journal is None  # a journal per target under .backfill/ (journal/target.py)


def test_region_and_overrides_build_urls() -> None:
    config = config_from_dict({"api": {"region": "au"}})
    assert config.api.api_base == "https://api.au.customergauge.com"
    assert config.api.token_url == "https://auth.au.customergauge.com/oauth2/token"
    config = config_from_dict(
        {"api": {"base_url": "http://127.0.0.1:9/", "auth_url": "http://127.0.0.1:9/t"}}
    )
    assert config.api.api_base == "http://127.0.0.1:9"
    assert config.api.token_url == "http://127.0.0.1:9/t"


def test_unknown_key_names_it_and_lists_allowed(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("send:\n  rate: 3\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == (
        f"{path}: unknown key 'send.rate' in section 'send'; allowed keys are: rate_limit, "
        "concurrency, max_attempts, on_case_failure, settle_s, assignee, start_rate, max_rate"
    )


def test_unknown_top_level_section() -> None:
    with pytest.raises(ConfigError, match=r"unknown key 'sending'; allowed keys are: api, "):
        config_from_dict({"sending": {}})


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"send": {"rate_limit": "fast"}}, "'send.rate_limit': Input should be a valid number"),
        ({"send": {"rate_limit": 0}}, "'send.rate_limit': Input should be greater than 0"),
        ({"api": {"version": "v5"}}, "'api.version': Input should be 'v7' or 'v4.1'"),
        ({"api": {"region": "asia"}}, "'api.region': Input should be 'eu', 'us' or 'au'"),
        ({"input": {"timezone": "Mars/Olympus"}}, "unknown time zone 'Mars/Olympus'"),
        ({"input": {"columns": {"case_id": "X"}}}, "unknown field(s) case_id"),
        ({"input": {"status_map": {"Solved": "done"}}}, "status_map values must be one of"),
        ({"validation": {"duplicates": "merge"}}, "Input should be 'drop' or 'keep'"),
    ],
)
def test_wrong_values_say_which_key_and_what_is_allowed(data: dict, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        config_from_dict(data)
    assert fragment in str(info.value)


def test_missing_config_file_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("api: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
    listing = tmp_path / "list.yaml"
    listing.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="must hold a mapping"):
        load_config(listing)


def test_default_config_file_is_read_when_present(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_config(None) == Config()
    (tmp_path / "backfill.yaml").write_text("send:\n  rate_limit: 2\n", encoding="utf-8")
    assert load_config(None).send.rate_limit == 2


def test_status_map_is_normalised() -> None:
    config = config_from_dict({"input": {"status_map": {"Solved": " Closed "}}})
    assert config.input.status_map == {"Solved": "closed"}


def test_secret_from_env_and_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("BF_TEST_SECRET", raising=False)
    monkeypatch.delenv("BF_TEST_SECRET_FILE", raising=False)
    with pytest.raises(AuthError) as info:
        secret_from_env("BF_TEST_SECRET", "the client secret")
    assert "set the environment variable BF_TEST_SECRET" in str(info.value)
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text("s3cr3t-value\n", encoding="utf-8")
    monkeypatch.setenv("BF_TEST_SECRET_FILE", str(secret_file))
    assert secret_from_env("BF_TEST_SECRET", "the client secret") == "s3cr3t-value"
    monkeypatch.setenv("BF_TEST_SECRET", "from-env")
    assert secret_from_env("BF_TEST_SECRET", "the client secret") == "from-env"


def test_output_dir_rule(tmp_path: Path) -> None:
    config = Config()
    assert output_dir(config, None, "RID") == Path("backfill-reports/RID")
    assert output_dir(config, tmp_path, "RID") == tmp_path


def test_run_ids_of_the_same_second_sort_in_the_order_they_ran() -> None:
    # the last report folder by name must be the last run's, also for two runs in one second
    from datetime import UTC, datetime, timedelta

    from backfill.config import new_run_id

    start = datetime(2026, 12, 3, 17, 45, 1, 4000, tzinfo=UTC)
    ids = [new_run_id(start + timedelta(milliseconds=n * 7)) for n in range(100)]
    assert sorted(ids) == ids
    assert len(set(ids)) == 100
    assert ids[0].startswith("20261203-174501-004-")
