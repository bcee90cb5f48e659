"""Credentials from the environment and the OAuth2 client-credentials token they buy.

One `TokenManager` serves every request of a run. Its token is fetched once and shared;
it is refreshed shortly before `expires_in` runs out (60 s before, or at 90 % of a short
lifetime) and once when the API answers 401. Refreshes are single-flight: however many
requests are waiting, one token request is made and all of them get its answer.

Four tokens in a row, each fetched because of a 401, refused before any request could use
them, mean the API refuses this client: `AuthError`, and the run stops (exit 3).
A 401 for a token that already worked is only an expiry (early, or during a long wait)
and buys another refresh.

A failed attempt sequence is final for the run: its AuthError is kept and given to every
request that waits for a token, so that a token endpoint that is down is asked by one
sequence, not one per lane. A token host that cannot be reached at all (its name does not
resolve, or it refuses the connection) before any token was issued fails at once: retrying
does not fix a wrong region.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp

from backfill.config import secret_from_env
from backfill.errors import AuthError
from backfill.redact import redact, remember_secret
from backfill.send.tls import untrusted

if TYPE_CHECKING:
    from backfill.config import Config

DEFAULT_TTL_S = 3600.0  # expires_in is not documented; the token is "valid for up to 1 hour"
REFRESH_MARGIN_S = 60.0
SHORT_TTL_FRACTION = 0.9  # lifetimes under 10 min: refresh at 90 % of the lifetime
TOKEN_ATTEMPTS = 5
# A fresh token refused may be an early expiry (a server that drops tokens); four fresh ones
# in a row refused, with no request succeeding in between, mean the API refuses this client.
FRESH_REFUSALS = 4
TOKEN_RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class HostUnreachableError(AuthError):
    """The token or API host cannot be reached at all (wrong region, no network)."""


@dataclass(frozen=True)
class Credentials:
    """The secrets of one run; never shown by repr, str or in logs."""

    client_id: str = field(default="", repr=False)
    client_secret: str = field(default="", repr=False)
    api_key: str = field(default="", repr=False)

    def __repr__(self) -> str:
        given = [name for name in ("client_id", "client_secret", "api_key") if getattr(self, name)]
        return f"Credentials({', '.join(f'{n}=***' for n in given)})"

    __str__ = __repr__

    @classmethod
    def from_env(cls, config: Config) -> Credentials:
        """Read the secrets api.version needs from the variables the config names."""
        names = config.credentials
        if config.api.version == "v4.1":
            credentials = cls(api_key=secret_from_env(names.api_key_env, "the v4.1 API key"))
        else:
            credentials = cls(
                client_id=secret_from_env(names.client_id_env, "the OAuth2 client id"),
                client_secret=secret_from_env(names.client_secret_env, "the OAuth2 client secret"),
            )
        remember_secret(credentials.client_secret)  # (the client id is no secret)
        remember_secret(credentials.api_key)
        return credentials


@dataclass
class _Token:
    value: str
    fetched_at: float
    refresh_at: float  # monotonic time after which it is refreshed before use
    after_401: bool  # fetched because the API refused the previous token
    proven: bool = False  # some request succeeded with it


class TokenManager:
    """Fetches, shares and refreshes the bearer token (see module docstring)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        token_url: str,
        credentials: Credentials,
        *,
        clock: Callable[[], float] = time.monotonic,
        backoff: Callable[[int], float] | None = None,
        region: str = "",
    ) -> None:
        self._session = session
        self._url = token_url
        self._credentials = credentials
        self._clock = clock
        self._backoff = backoff or (lambda attempt: min(0.5 * 2 ** (attempt - 1), 8.0))
        self._region = region
        self._token: _Token | None = None
        self._failure: AuthError | None = None  # the run's failed attempt sequence, shared
        self._obtained = False  # a token was issued in this run: the host is right
        self._proven: set[str] = set()  # tokens some request succeeded with
        self._fresh_refused = 0  # fresh tokens refused before any request succeeded
        self._lock = asyncio.Lock()
        self.fetches = 0  # token requests made (for tests and the run log)

    async def token(self) -> str:
        """A token that is not due for refresh; fetches one (single-flight) when needed."""
        current = self._token
        if current is not None and self._clock() < current.refresh_at:
            return current.value
        async with self._lock:
            current = self._token
            if current is None or self._clock() >= current.refresh_at:
                current = self._token = await self._fetch_once(after_401=False)
            return current.value

    def accepted(self, value: str) -> None:
        """A request succeeded with `value`: a later 401 for it is an expiry, not a refusal."""
        current = self._token
        if current is not None and current.value == value:
            current.proven = True
            self._proven.add(value)
            self._fresh_refused = 0

    def proven(self, value: str) -> bool:
        """Whether some request succeeded with `value` (a 401 for it was an expiry)."""
        return value in self._proven

    async def refused(self, value: str) -> str:
        """The API answered 401 to a request sent with `value`: a fresh token, or AuthError."""
        async with self._lock:
            current = self._token
            if current is not None and current.value != value:
                return current.value  # another request already refreshed it
            if (
                current is not None
                and current.after_401
                and not current.proven
                and self._clock() < current.refresh_at
            ):
                self._fresh_refused += 1
            if self._fresh_refused >= FRESH_REFUSALS:
                raise AuthError(
                    f"the API refused {FRESH_REFUSALS} freshly issued tokens from {self._url} "
                    "in a row: the connected app's client id/secret are valid for the token "
                    "endpoint but not for this API or region; check api.region / api.base_url "
                    "and the app's permissions"
                )
            self._token = await self._fetch_once(after_401=True)
            return self._token.value

    async def _fetch_once(self, *, after_401: bool) -> _Token:
        """`_fetch`, unless a sequence already failed in this run: then its error again."""
        if self._failure is not None:
            raise self._failure
        try:
            return await self._fetch(after_401=after_401)
        except AuthError as exc:
            self._failure = exc
            raise

    async def _fetch(self, *, after_401: bool) -> _Token:
        form = {
            "grant_type": "client_credentials",
            "client_id": self._credentials.client_id,
            "client_secret": self._credentials.client_secret,
        }
        problem = ""
        for attempt in range(1, TOKEN_ATTEMPTS + 1):
            if attempt > 1:
                await asyncio.sleep(self._backoff(attempt - 1))
            self.fetches += 1
            started = self._clock()
            try:
                async with self._session.post(self._url, data=form) as response:
                    text = await response.text()
                    status = response.status
            except aiohttp.ClientConnectorCertificateError as exc:
                raise untrusted("token", exc) from None
            except aiohttp.ClientConnectorError as exc:
                if unreachable(exc) and not self._obtained:
                    raise HostUnreachableError(
                        unreachable_message("token", self._url, exc, self._region)
                    ) from None
                problem = f"{type(exc).__name__} {exc}".strip()
                continue
            except (TimeoutError, aiohttp.ClientError) as exc:
                problem = f"{type(exc).__name__} {exc}".strip()
                continue
            if status in TOKEN_RETRY_STATUSES:
                problem = f"HTTP {status}"
                continue
            if status in (400, 401, 403):
                raise AuthError(
                    f"the token endpoint {self._url} refused the client credentials "
                    f"(HTTP {status}{_error_hint(text)}); check the client id and secret in "
                    "the environment variables credentials.client_id_env / client_secret_env "
                    "name, and api.region"
                )
            value, ttl = _parse_token(text)
            if status >= 300 or not value:
                raise AuthError(
                    f"the token endpoint {self._url} gave no access_token (HTTP {status}); "
                    "check api.auth_url / api.region"
                )
            self._obtained = True
            remember_secret(value)
            return _Token(value, started, started + _refresh_after(ttl), after_401)
        raise AuthError(
            f"could not obtain a token from {self._url} after {TOKEN_ATTEMPTS} attempts "
            f"({problem}); the service may be down: run again later to resume"
        )


def unreachable(exc: aiohttp.ClientConnectorError) -> bool:
    """The host's name does not resolve, or it refuses connections: not a passing outage."""
    return isinstance(exc.os_error, socket.gaierror | ConnectionRefusedError)


def unreachable_message(kind: str, url: str, exc: aiohttp.ClientConnectorError, region: str) -> str:
    from urllib.parse import urlsplit

    host = urlsplit(url).netloc or url
    why = (
        "its name does not resolve"
        if isinstance(exc.os_error, socket.gaierror)
        else "it refused the connection"
    )
    where = f"api.region is {region!r}; " if region else ""
    return (
        f"cannot reach the {kind} host {host}: {why}. Check the network and "
        f"the region ({where}eu, us or au, as in your login URL cvm.<region>.customergauge.com"
        "), or api.base_url / api.auth_url"
    )


def _refresh_after(ttl: float) -> float:
    if ttl <= REFRESH_MARGIN_S * 10:
        return ttl * SHORT_TTL_FRACTION
    return ttl - REFRESH_MARGIN_S


def _parse_token(text: str) -> tuple[str, float]:
    try:
        body: Any = json.loads(text)
    except ValueError:
        return "", 0.0
    if not isinstance(body, dict):
        return "", 0.0
    value = body.get("access_token")
    try:
        ttl = float(body.get("expires_in") or DEFAULT_TTL_S)
    except (TypeError, ValueError):
        ttl = DEFAULT_TTL_S
    return (value if isinstance(value, str) else ""), max(ttl, 0.1)


def _error_hint(text: str) -> str:
    """The endpoint's own error word (e.g. invalid_client), never echoing anything secret."""
    try:
        body = json.loads(text)
    except ValueError:
        return ""
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return f": {redact(body['error'])[:80]}"  # redacted before it is cut
    return ""
