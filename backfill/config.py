"""The YAML configuration: one pydantic model per section, every key of SPEC.md, nothing else."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from backfill.errors import ConfigError

DEFAULT_CONFIG_FILE = Path("backfill.yaml")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ApiConfig(_Section):
    version: Literal["v7", "v4.1"] = "v7"
    region: Literal["eu", "us", "au"] = "eu"
    base_url: str | None = None
    auth_url: str | None = None
    body_format: Literal["json", "form"] = "json"
    timezone: str = "UTC"
    timeout_s: float = Field(30, gt=0)
    extended_statuses: bool = False
    v41_ignore_happened_at: bool = False

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return _check_zone(value)

    @field_validator("base_url", "auth_url")
    @classmethod
    def _https_only(cls, value: str | None) -> str | None:
        return None if value is None else _check_transport(value)

    @property
    def api_base(self) -> str:
        return (self.base_url or f"https://api.{self.region}.customergauge.com").rstrip("/")

    @property
    def token_url(self) -> str:
        return self.auth_url or f"https://auth.{self.region}.customergauge.com/oauth2/token"


class CredentialsConfig(_Section):
    client_id_env: str = "CG_CLIENT_ID"
    client_secret_env: str = "CG_CLIENT_SECRET"
    api_key_env: str = "CG_API_KEY"

    @field_validator("client_id_env", "client_secret_env", "api_key_env", mode="before")
    @classmethod
    def _a_variable_name(cls, value: Any) -> str:
        # the message never repeats the value: it may be the secret itself
        if isinstance(value, str) and _ENV_NAME.fullmatch(value.strip()):
            return value.strip()
        raise ValueError(
            "is not the name of an environment variable and looks like the secret itself: "
            "put it in an environment variable and name that variable here "
            "(e.g. CG_CLIENT_SECRET); the value was not shown"
        )


class AuditConfig(_Section):
    """input.audit: how a status-change log (layout audit) says what each row changed."""

    field_column: str | None = None  # the column naming what a row changed; None = status only
    status_fields: list[str] = Field(default_factory=lambda: ["status"])
    old_status: str | None = None  # the column with the status before the change


class InputConfig(_Section):
    encoding: str | None = None  # a Python codec name; None: decided from the file's bytes
    layout: Literal["long", "wide", "audit"] = "long"
    layout_check: bool = True  # refuse a file whose shape contradicts the layout
    # status -> its time column, or columns whose earliest non-empty time is the step's
    steps: dict[str, str | list[str]] = Field(default_factory=dict)
    step_notes: dict[str, str] = Field(default_factory=dict)
    # wide: a ticket whose step times contradict the order of input.steps is refused
    # (strict), loses the steps reached after its closing one, or is replayed in time order
    step_order: Literal["strict", "drop-late-steps", "time"] = "strict"
    # equal times the data leaves open: open < progress < closed then file order, or the file's
    ties: Literal["rank", "file"] = "rank"
    audit: AuditConfig = Field(default_factory=AuditConfig)
    sheet: str | int | None = None
    header_row: int | None = Field(None, ge=1)  # spreadsheet row of the header; None = first
    columns: dict[str, str | None] = Field(default_factory=dict)  # None: no column, by name or not
    status_map: dict[str, str] = Field(default_factory=dict)
    timezone: str = "UTC"
    date_format: str | None = None
    dayfirst: bool | None = None  # None: decided from each time column's cells

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return _check_zone(value)

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str | None) -> str | None:
        return None if value is None else check_encoding(value)

    @field_validator("steps")
    @classmethod
    def _step_columns(cls, value: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
        empty = [status for status, names in value.items() if isinstance(names, list) and not names]
        if empty:
            raise ValueError(f"steps {', '.join(empty)} name no column; give one or more")
        return value

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, value: dict[str, str | None]) -> dict[str, str | None]:
        unknown = sorted(set(value) - set(FIELDS))
        if unknown:
            raise ValueError(
                f"unknown field(s) {', '.join(unknown)}; the fields are: {', '.join(FIELDS)}"
            )
        return value

    @field_validator("status_map")
    @classmethod
    def _known_statuses(cls, value: dict[str, str]) -> dict[str, str]:
        bad = {k: v for k, v in value.items() if str(v).strip().lower() not in STATUSES}
        if bad:
            raise ValueError(f"status_map values must be one of {', '.join(STATUSES)}; got {bad}")
        return {str(k): str(v).strip().lower() for k, v in value.items()}


class ResponsesConfig(_Section):
    source: Literal["auto", "file", "api"] = "auto"
    file: Path | None = None
    date_column: str | None = None
    timezone: str | None = None  # zone of responses.file's offset-less times; None: input's

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return None if value is None else _check_zone(value)

    api_date_field: Literal["date_survey_response", "date_creation", "date_order", "date_sent"] = (
        "date_survey_response"
    )


class ValidationConfig(_Section):
    require_happened_at: bool = True
    missing_response_date: Literal["warn", "reject"] = "warn"
    transitions: Literal["free", "progressive"] = "free"
    require_note: bool = False
    duplicates: Literal["drop", "keep"] = "drop"
    max_note_chars: int = Field(10_000, ge=1)  # longer notes warn (note-too-long)
    # an action whose sent time reads out of its case's order in the hour api.timezone
    # repeats: invalid (reject), or sent at the first time after that hour (shift)
    ambiguous_api_times: Literal["reject", "shift"] = "reject"


class SendConfig(_Section):
    # requests/s, or "auto": find the tenant's limit (send/adaptive.py)
    rate_limit: float | Literal["auto"] = 5
    concurrency: int = Field(8, ge=1, le=1000)
    max_attempts: int = Field(5, ge=1, le=100)
    on_case_failure: Literal["block", "continue"] = "block"
    settle_s: float = Field(30, ge=0)
    assignee: Literal["every", "last", "never"] = "every"
    start_rate: float = Field(5, gt=0)  # rate_limit: auto starts here...
    max_rate: float = Field(50, gt=0)  # ...and never goes above this

    @field_validator("rate_limit", mode="before")
    @classmethod
    def _rate_or_auto(cls, value: Any) -> Any:
        if value == "auto":
            return value
        try:
            rate = float(value)
        except (TypeError, ValueError):
            raise PydanticCustomError(
                "rate_limit", "Input should be a valid number (requests/s) or 'auto'"
            ) from None
        if not rate > 0:
            raise PydanticCustomError("rate_limit", "Input should be greater than 0, or 'auto'")
        return rate

    @property
    def auto(self) -> bool:
        return self.rate_limit == "auto"

    @property
    def fixed_rate(self) -> float:
        """The configured rate, or under auto the most it may reach (`max_rate`)."""
        return self.max_rate if self.rate_limit == "auto" else self.rate_limit


class OutputConfig(_Section):
    dir: str = "backfill-reports/{run_id}"
    xlsx: bool = True


class SandboxConfig(_Section):
    """The emulated tenant of `--sandbox` rehearsals, beyond what the other settings say."""

    # the tenant's quota: 429 + Retry-After above this many requests/s (fixed 1 s windows);
    # rehearses rate_limit: auto. None: no quota
    server_rate: int | None = Field(None, gt=0)
    server_rate_headers: bool = False  # its answers carry X-RateLimit-Limit/-Remaining/-Reset


class Config(_Section):
    api: ApiConfig = Field(default_factory=ApiConfig)
    credentials: CredentialsConfig = Field(default_factory=CredentialsConfig)
    input: InputConfig = Field(default_factory=InputConfig)
    responses: ResponsesConfig = Field(default_factory=ResponsesConfig)
    validation: ValidationConfig = Field(default_factory=ValidationConfig)
    send: SendConfig = Field(default_factory=SendConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)
    # None: a journal per target under .backfill/ (backfill/journal/target.py)
    journal: Path | None = None
    sandbox: SandboxConfig = Field(default_factory=SandboxConfig)


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
FIELDS = ("number_customergauge", "status", "happened_at", "note", "assignee", "response_date")
STATUSES = ("open", "progress", "closed")


def _check_zone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {value!r} (use an IANA name such as Europe/Amsterdam)"
        ) from exc
    return value


def check_encoding(value: str) -> str:
    import codecs

    try:
        known = codecs.lookup(value.strip())._is_text_encoding
    except LookupError:
        known = False
    if not known:
        raise ValueError(
            f"unknown encoding {value!r}: name the encoding the file was saved in as Python "
            "knows it (utf-8, cp1250, cp1251, cp1252, shift_jis, gbk, cp949, ...), or remove "
            "input.encoding to let backfill decide from the file"
        )
    return value.strip()


def _check_transport(url: str) -> str:
    """Credentials and tokens never travel in clear: https, or http to this machine only."""
    from ipaddress import ip_address
    from urllib.parse import urlsplit

    parts = urlsplit(url.strip())
    if parts.scheme == "https" and parts.hostname:
        return url
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if parts.scheme == "http" and loopback:
        return url
    raise ValueError(
        "must be an https:// URL: the client secret, tokens and API key would otherwise "
        "travel in clear (plain http:// is accepted only to a loopback host: 127.0.0.1, "
        "::1, localhost)"
    )


def load_config(path: Path | str | None = None) -> Config:
    """Load and validate a config file; None means ./backfill.yaml when present, else defaults."""
    if path is None:
        if not DEFAULT_CONFIG_FILE.exists():
            return Config()
        path = DEFAULT_CONFIG_FILE
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"config file {path} not found; pass an existing file with -c")
    import yaml

    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must hold a mapping of sections (api:, input:, ...)")
    return config_from_dict(data, origin=str(path))


def config_from_dict(data: dict[str, Any], origin: str = "config") -> Config:
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_explain(exc, origin)) from None
    _check_layout_keys(config.input, origin)
    return config


def _check_layout_keys(cfg: InputConfig, origin: str) -> None:
    """Keys that do not apply to the chosen layout are refused by name, never ignored."""
    wrong: list[str] = []
    if cfg.layout == "wide" and cfg.columns.get("status"):
        wrong.append("input.columns.status (a ticket export's statuses come from input.steps)")
    if cfg.layout != "wide":
        if cfg.steps:
            wrong.append("input.steps (the time column of each status of a wide export)")
        if cfg.step_notes:
            wrong.append("input.step_notes (the note column of each step of a wide export)")
        if cfg.step_order != "strict":
            wrong.append("input.step_order (how a wide export's steps out of order are read)")
    if cfg.layout != "audit" and cfg.audit != AuditConfig():
        wrong.append("input.audit (how a status-change log names its changes)")
    if wrong:
        raise ConfigError(
            f"{origin}: input.layout is {cfg.layout}, but the config sets "
            + "; and ".join(wrong)
            + f"; remove {'it' if len(wrong) == 1 else 'them'}, or set input.layout to the "
            "layout they belong to"
        )


def _explain(exc: ValidationError, origin: str) -> str:
    parts = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            section = ".".join(str(p) for p in err["loc"][:-1])
            allowed = _allowed_keys(err["loc"][:-1])
            where = f" in section '{section}'" if section else ""
            parts.append(f"unknown key '{key}'{where}; allowed keys are: {', '.join(allowed)}")
        elif err["loc"][:1] == ("credentials",):  # a value here may be a secret: never echoed
            parts.append(f"'{key}': {err['msg']}")
        else:
            parts.append(f"'{key}': {err['msg']} (got {err.get('input')!r})")
    return f"{origin}: " + "; ".join(parts)


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    model: type[BaseModel] = Config
    for part in loc:
        field = model.model_fields.get(str(part))
        annotation = getattr(field, "annotation", None)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return list(model.model_fields)


def secret_from_env(variable: str, purpose: str) -> str:
    """Read a secret from the environment variable the config names (or VAR_FILE, a path)."""
    from backfill.errors import AuthError

    value = os.environ.get(variable)
    if not value and os.environ.get(f"{variable}_FILE"):
        file = Path(os.environ[f"{variable}_FILE"])
        try:
            value = file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise AuthError(
                f"cannot read {purpose} from {variable}_FILE ({file}): {exc.strerror}"
            ) from None
    if not value:
        raise AuthError(
            f"{purpose} is missing: set the environment variable {variable} "
            f"(or {variable}_FILE to a file holding it), or use --sandbox for a rehearsal"
        )
    return value


def timezone_set(config: Config) -> bool:
    """Whether the config file names input.timezone (else times without an offset are read in
    the default, UTC, and validate/plan say so)."""
    return "timezone" in config.input.model_fields_set


def required_fields(config: Config) -> tuple[str, ...]:
    """The fields an input must have a column for, under this config."""
    required: tuple[str, ...] = ("number_customergauge", "status")
    if config.validation.require_happened_at:
        required += ("happened_at",)
    return required


def new_run_id(now: datetime | None = None) -> str:
    """A sortable, unique-enough id for one command run: 20261123-184501-042-3fa2.

    The milliseconds keep two runs of the same second in the order they ran, so the last
    report folder by name is the last run's."""
    from secrets import token_hex

    now = now or datetime.now(UTC)
    return f"{now:%Y%m%d-%H%M%S}-{now.microsecond // 1000:03d}-{token_hex(2)}"


def output_dir(config: Config, out_dir: Path | None, run_id: str) -> Path:
    """The folder for this run's reports: --out when given, else output.dir with {run_id}."""
    if out_dir is not None:
        return Path(out_dir)
    return Path(config.output.dir.replace("{run_id}", run_id))
