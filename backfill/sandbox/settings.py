"""Settings of the sandbox: the emulated tenant's configuration and the faults to inject.

Both are plain mutable dataclasses so that a test can flip a tenant setting on a running
sandbox (``sb.settings.progressive = True``); handlers read them on every request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backfill.errors import ConfigError

_RATES = (
    "error_rate",
    "drop_before_rate",
    "drop_after_rate",
    "early_expiry_rate",
    "late_apply_rate",
    "token_error_rate",
)


def _option(default: Any, option: str, help: str) -> Any:
    """A field of `Faults` with its command-line option and the option's help."""
    return field(default=default, metadata={"option": option, "help": help})


@dataclass(slots=True)
class Faults:
    """Faults injected into the API endpoints, all drawn from one generator seeded by `seed`.

    The same seed and the same sequence of requests give the same faults, so a failing
    rehearsal can be replayed. The token endpoint gets only the latency (plus its own
    `token_latency_ms`) and its own error share.
    """

    # Each field's metadata names its option of `backfill sandbox` and the option's help
    # (backfill/cli/sandbox.py makes the options from them).
    latency_ms: float = _option(0.0, "--latency-ms", "Fixed delay per answer.")
    # plus a uniform random delay in [0, jitter_ms]
    jitter_ms: float = _option(0.0, "--jitter-ms", "Plus a random delay up to this.")
    # admitted requests per sliding 1 s window; None/0 = no limit
    rate_limit: int | None = _option(None, "--rate-limit", "Requests/s (sliding); 0 = none.")
    # the tenant's quota: admitted requests per fixed 1 s window, 429 + Retry-After above
    # it (what rate_limit: auto must find); None/0 = no quota
    server_rate: int | None = _option(
        None, "--server-rate", "Tenant quota, requests/s (fixed windows); 0 = none."
    )
    # the quota's answers carry X-RateLimit-Limit/-Remaining/-Reset
    server_rate_headers: bool = _option(
        False, "--server-rate-headers", "Quota answers carry X-RateLimit-* headers."
    )
    # share answered 500/502/503 before anything is applied
    error_rate: float = _option(0.0, "--error-rate", "Share answered 500/502/503.")
    # share whose connection is closed before the action is applied
    drop_before_rate: float = _option(0.0, "--drop-before", "Share dropped, not applied.")
    # share applied, then the connection closed (answer lost)
    drop_after_rate: float = _option(0.0, "--drop-after", "Share applied, answer lost.")
    # share on which the token is declared expired early (401)
    early_expiry_rate: float = _option(0.0, "--early-expiry", "Share: token expires early.")
    # share held without an answer and applied `late_apply_s` after arrival, then dropped:
    # the server that applies a request after the client gave up waiting for it
    late_apply_rate: float = _option(0.0, "--late-apply", "Share applied late.")
    late_apply_s: float = _option(2.5, "--late-apply-s", "Delay of a late apply, s.")
    # 429 answers carry "Retry-After: 1"; the option turns it off
    retry_after: bool = _option(True, "--no-retry-after", "429 answers without Retry-After.")
    # share of token requests answered 500
    token_error_rate: float = _option(0.0, "--token-errors", "Token share: 500.")
    # extra delay of the token endpoint only (large = hanging)
    token_latency_ms: float = _option(0.0, "--token-latency-ms", "Token endpoint delay.")
    # a careless server: refused credentials and API errors repeat the client secret, API
    # key or bearer token they were sent, in the error text a client shows its user
    echo_credentials: bool = _option(
        False, "--echo-credentials", "Error answers repeat the secret/token sent."
    )
    seed: int = _option(0, "--seed", "Seed of every injected fault.")

    def __post_init__(self) -> None:
        for name in _RATES:
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigError(
                    f"sandbox fault {name}={value} is not a share: give a number between 0 and 1."
                )
        for name in ("latency_ms", "jitter_ms", "late_apply_s", "token_latency_ms"):
            if getattr(self, name) < 0:
                raise ConfigError(f"sandbox fault {name} must not be negative; give 0 or more.")
        if self.rate_limit is not None and self.rate_limit < 0:
            raise ConfigError("sandbox fault rate_limit must be a positive number of requests/s.")
        if self.server_rate is not None and self.server_rate < 0:
            raise ConfigError("sandbox server_rate must be a positive number of requests/s.")

    @property
    def active(self) -> bool:
        """Whether any fault at all is configured (the fast path skips them otherwise)."""
        return bool(
            self.latency_ms
            or self.jitter_ms
            or self.rate_limit
            or self.server_rate
            or self.token_latency_ms
            or any(getattr(self, name) for name in _RATES)
        )


@dataclass(slots=True)
class SandboxSettings:
    """The emulated CustomerGauge tenant: credentials, tenant settings, time zone, faults.

    The credentials are sandbox-only throwaways; they are printed by `backfill sandbox`.
    """

    client_id: str = "sandbox-client"
    client_secret: str = "sandbox-secret"
    api_key: str = "sandbox-key"
    token_ttl_s: float = 3600.0
    # tenant setting "Statuses can only be transitioned progressively"
    progressive: bool = False
    # tenant setting "Users must leave a comment when changing status"
    require_note: bool = False
    # v4.1 tenants with the extended set accept integer statuses 0-99
    extended_statuses: bool = False
    # demo mode: every syntactically valid e-mail address counts as an active user
    accept_any_assignee: bool = False
    # a fault of a whole tenant (an older API version, a setting): happened_at is validated
    # and acknowledged, but the action is stamped with its arrival time
    ignore_happened_at: bool = False
    # zone in which happened_at and the seeded naive dates are read, and dates are shown
    timezone: str = "UTC"
    faults: Faults = field(default_factory=Faults)

    def __post_init__(self) -> None:
        if self.token_ttl_s <= 0:
            raise ConfigError("sandbox token_ttl_s must be a positive number of seconds.")
        self.zone()

    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(
                f"sandbox timezone {self.timezone!r} is not a known IANA zone; "
                "give one like 'UTC' or 'Europe/Amsterdam'."
            ) from exc
