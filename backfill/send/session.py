"""ApiSession: the one HTTP client of a run, shared by every lane and by verification.

It owns, for the whole run: one aiohttp ClientSession whose connector is sized to the
concurrency, one limiter that paces every request (sends and GETs alike; see ratelimit.py),
the token manager, the run-wide Retry-After pause, the retry policy and the circuit breaker.

`deliver()` performs one request to its final verdict: retries 429/5xx/connection problems
with backoff up to `send.max_attempts`, refreshes the token once on a 401, and tells whether
a repeat followed an attempt whose answer was lost (so the API may have applied it twice).
A 429's Retry-After pauses the whole run, not just the lane that got it: the server is
telling the client, not the case, to slow down. A pause that starts while a request waits
for the limiter makes it wait again afterwards, so that the lanes do not all fire at once
when the pause ends.

One request's attempts and the verdict on them are kept in delivery.py; the aiohttp
ClientSession is made in connection.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from collections.abc import Callable, Mapping
from types import SimpleNamespace
from typing import Any

import aiohttp

from backfill.config import Config
from backfill.errors import AbortedError, AuthError, BackfillError
from backfill.model import Outcome
from backfill.send.adaptive import AdaptiveRate
from backfill.send.auth import (
    Credentials,
    HostUnreachableError,
    TokenManager,
    unreachable,
    unreachable_message,
)
from backfill.send.connection import open_client
from backfill.send.delivery import FINAL, Delivery, Tries
from backfill.send.protocol import TRANSIENT, Kind, PreparedRequest, Verdict, interpret
from backfill.send.ratelimit import pacing_limiter
from backfill.send.retry_policy import RetryPolicy
from backfill.send.tls import UntrustedCertificateError, untrusted


class ApiError(BackfillError):
    """The API refused a read request (verification) or kept failing it."""


class ApiSession:
    """Async context manager around every HTTP request of a run (module docstring)."""

    def __init__(
        self,
        config: Config,
        credentials: Credentials,
        *,
        base_url: str | None = None,
        token_url: str | None = None,
        request_log: logging.Logger | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.config = config
        self.version = config.api.version
        self.base_url = (base_url or config.api.api_base).rstrip("/")
        self.token_url = token_url or config.api.token_url
        self.retry = retry or RetryPolicy()
        self.requests = 0  # HTTP requests made (all attempts; token requests excluded)
        self.statuses: Counter[str] = Counter()  # answers by HTTP status or error kind
        self.aborted: str | None = None  # why the run must stop (breaker, auth)
        self._credentials = credentials
        self._log = request_log
        self._transient_streak = 0
        self._reached = False  # some answer came from the API host in this run
        # the run stopped because a host could not be reached at all: a setting to fix
        self.unreachable = False
        self._pause_until = 0.0
        self._session: aiohttp.ClientSession | None = None
        self._tokens: TokenManager | None = None
        self._halted: asyncio.Event | None = None
        self.adaptive: AdaptiveRate | None = None  # the pace under rate_limit: auto

    async def __aenter__(self) -> ApiSession:
        # created here, inside the running loop, as aiohttp requires
        self._session = open_client(self.config, self._left)
        send = self.config.send
        if send.rate_limit == "auto":
            self.adaptive = AdaptiveRate(
                send.start_rate, send.max_rate, asyncio.get_running_loop().time()
            )
            self._limiter = pacing_limiter(self.adaptive.limiter_rate)
        else:
            self._limiter = pacing_limiter(send.rate_limit)
        self._halted = asyncio.Event()
        if self.version != "v4.1":
            self._tokens = TokenManager(
                self._session,
                self.token_url,
                self._credentials,
                backoff=self.retry.backoff,
                region=self.config.api.region,
            )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # ------------------------------------------------------------------ public

    @property
    def current_rate(self) -> float:
        """Requests/s the run is paced at now (under auto: the pace found so far)."""
        if self.adaptive is not None:
            return self.adaptive.pace
        rate = self.config.send.rate_limit
        return rate if rate != "auto" else 0.0

    @property
    def nothing_reached(self) -> bool:
        """Stopped at an unreachable host before the API answered anything: nothing sent."""
        return self.unreachable and not self._reached

    def halt(self, reason: str) -> None:
        """Stop the run: every lane gives up at its next step (breaker, refused credentials)."""
        if self.aborted is None:
            self.aborted = reason
        if self._halted is not None:
            self._halted.set()

    async def get_json(self, path: str, params: Mapping[str, str]) -> Any:
        """GET `path` (relative to the API base): rate-limited, retried, parsed JSON.

        Raises ApiError when the API refuses it or retries run out, AuthError when the
        credentials are refused, AbortedError when the run was halted (circuit breaker).
        """
        request = PreparedRequest("GET", path, "", params=dict(params))
        delivery = await self.deliver(request)  # AuthError passes through: nothing to report
        if delivery.kind == Outcome.PENDING:
            raise AbortedError(
                f"GET {path} was not completed: {self.aborted or delivery.error}; "
                "run again later to resume"
            )
        if delivery.kind == Outcome.FAILED:
            raise ApiError(
                f"GET {path} failed (HTTP {delivery.http_status or '-'}): {delivery.error}"
            )
        try:
            return json.loads(delivery.body) if delivery.body else None
        except ValueError:
            raise ApiError(f"GET {path} answered with something that is not JSON") from None

    async def deliver(
        self,
        request: PreparedRequest,
        *,
        on_attempt: Callable[[int], None] | None = None,
        stop: asyncio.Event | None = None,
    ) -> Delivery:
        """Perform `request` until a final verdict (module docstring). `stop` set -> pending.

        Raises AuthError only for GETs; for sends a refused credential halts the run and the
        action is `pending` (a 401 was not applied), so the caller can still write reports.
        """
        tries = Tries()
        while True:
            if self.aborted is not None or (stop is not None and stop.is_set()):
                return tries.stopped(self.aborted or "stopped before the action was sent")
            token, verdict, body = await self._attempt(
                request, tries.attempts + 1, stop, on_attempt
            )
            if verdict.kind == Kind.NOT_SENT:  # stopped while waiting for a slot: nothing was sent
                continue
            tries.went_out(verdict)
            if verdict.kind in FINAL:
                if self._tokens is not None and token:
                    self._tokens.accepted(token)
                return tries.final(body)
            if verdict.kind == Kind.AUTH:
                await self._reauthorise(request, token, tries)
                continue
            if not await self._wait_to_retry(tries, stop):
                return tries.given_up()

    async def wait_until(self, when: float, stop: asyncio.Event | None = None) -> bool:
        """Sleep until loop time `when` unless the run halts or `stop` is set; True if reached."""
        delay = when - asyncio.get_running_loop().time()
        return delay <= 0 or await self._sleep(delay, stop)

    # ------------------------------------------------------------------ internals

    async def _reauthorise(self, request: PreparedRequest, token: str, tries: Tries) -> None:
        """After a 401: a fresh token, or the run halts (AuthError raised for a GET)."""
        # a 401 for a token that worked is an expiry (early, or while waiting), not a
        # refusal: only 401s for tokens that never worked count toward the cap
        if self._tokens is None or not self._tokens.proven(token):
            tries.auth_retries += 1
        try:
            await self._on_unauthorized(token, tries.last, tries.auth_retries)
        except AuthError as exc:
            self.halt(f"auth: {exc}")
            if request.method == "GET":
                raise

    async def _on_unauthorized(self, token: str, verdict: Verdict, auth_retries: int) -> None:
        if self._tokens is None:
            env = self.config.credentials.api_key_env
            raise AuthError(
                f"the v4.1 API refused the API key (HTTP 401: {verdict.error}); check the key "
                f"in the environment variable {env} and api.region"
            )
        if auth_retries > self.retry.max_auth_retries:
            raise AuthError(
                f"the API kept answering 401 to fresh tokens ({auth_retries} times for one "
                "request); check the connected app's permissions and api.region"
            )
        await self._tokens.refused(token)

    async def _wait_to_retry(self, tries: Tries, stop: asyncio.Event | None) -> bool:
        """After a transient failure: wait out the backoff (or the Retry-After, which pauses
        the whole run); False when send.max_attempts is reached: give up."""
        loop = asyncio.get_running_loop()
        tries.counted += 1
        last = tries.last
        if last.kind == Kind.LOST:
            tries.lost(loop.time())
        if tries.counted >= self.config.send.max_attempts:
            return False
        if last.retry_after is not None:
            delay = self.retry.retry_after(last.retry_after)
            self._pause_until = max(self._pause_until, loop.time() + delay)
        else:
            delay = self.retry.backoff(tries.counted)
        await self._sleep(delay, stop)  # (stopped meanwhile: deliver's next step says pending)
        return True

    async def _attempt(
        self,
        request: PreparedRequest,
        attempt: int,
        stop: asyncio.Event | None,
        on_attempt: Callable[[int], None] | None,
    ) -> tuple[str, Verdict, str]:
        """One attempt: the token it used ("" for v4.1), its verdict and the answer's body.
        NOT_SENT when it never left (no token to be had, or stopped waiting for a slot)."""
        credential = await self._credential(request)
        if credential is None:
            return "", Verdict(Kind.NOT_SENT), ""
        token, authorization = credential
        slot = await self._slot(stop)
        if slot is None:
            return token, Verdict(Kind.NOT_SENT), ""
        if on_attempt is not None:
            on_attempt(attempt)
        started = asyncio.get_running_loop().time()
        self.requests += 1
        verdict, body = await self._exchange(request, {"Authorization": authorization}, slot)
        latency_ms = (asyncio.get_running_loop().time() - started) * 1000
        self._count(verdict)
        if self._log is not None:
            self._log.info(
                "%s %s case=%s status=%s attempt=%d latency_ms=%.0f",
                request.method,
                request.path,
                request.case or "-",
                verdict.http_status if verdict.http_status is not None else verdict.kind,
                attempt,
                latency_ms,
            )
        return token, verdict, body

    async def _credential(self, request: PreparedRequest) -> tuple[str, str] | None:
        """The token ("" for v4.1) and the Authorization header it makes; None when no token
        can be had: the run halts (and a GET raises the AuthError)."""
        if self._tokens is None:
            return "", f"api_key {self._credentials.api_key}"
        try:
            token = await self._tokens.token()
        except AuthError as exc:
            self.unreachable = self.unreachable or isinstance(
                exc, HostUnreachableError | UntrustedCertificateError
            )
            self.halt(f"auth: {exc}")
            if request.method == "GET":
                raise
            return None
        return token, f"Bearer {token}"

    async def _exchange(
        self, request: PreparedRequest, headers: dict[str, str], slot: float
    ) -> tuple[Verdict, str]:
        """The request on the wire, and what its answer (or the lack of one) means."""
        assert self._session is not None, "ApiSession used outside `async with`"
        try:
            async with self._session.request(
                request.method,
                self.base_url + request.path,
                json=request.json,
                data=request.form,
                params=request.params,
                headers=headers,
                trace_request_ctx=slot,  # -> _left: when it really left
            ) as response:
                raw = await response.read()
                body = raw.decode(response.get_encoding() or "utf-8", errors="replace")
                verdict = interpret(
                    self.version,
                    response.status,
                    body,
                    response.headers,
                    sent_fields=request.json or request.form or {},
                )
                if self.adaptive is not None:
                    now = asyncio.get_running_loop().time()
                    self.adaptive.on_answer(response.status, response.headers, now)
                    self._limiter.set_rate(self.adaptive.limiter_rate)
                if request.method == "GET" and verdict.kind == Kind.PARTIAL:
                    verdict = Verdict(Kind.SENT, verdict.http_status)
                self._reached = True
                return verdict, body
        except aiohttp.ClientConnectorCertificateError as exc:
            # a setting to fix, not an outage: stop at once, nothing is retried
            self.unreachable = self.unreachable or not self._reached
            self.halt(str(untrusted("API", exc)))
            if request.method == "GET":
                raise untrusted("API", exc) from None
            return Verdict(Kind.NOT_SENT, None, "TLS certificate not verified"), ""
        except aiohttp.ClientConnectorError as exc:
            # Never connected: certainly not applied, an ordinary retry; but a host that was
            # never reached in this run is a wrong region or no network, not an outage.
            if not self._reached and unreachable(exc):
                self.unreachable = True
                self.halt(unreachable_message("API", self.base_url, exc, self.config.api.region))
            return Verdict(Kind.RETRY, None, f"cannot connect: {exc.os_error or exc}"), ""
        except TimeoutError:
            return Verdict(Kind.LOST, None, f"no answer within {self.config.api.timeout_s:g} s"), ""
        except aiohttp.ClientError as exc:
            return Verdict(Kind.LOST, None, f"connection lost: {type(exc).__name__}"), ""

    def _count(self, verdict: Verdict) -> None:
        self.statuses[str(verdict.http_status or verdict.kind)] += 1
        if verdict.http_status == 429:
            return  # the server is up and pacing us: Retry-After handles it, not the breaker
        if verdict.kind not in TRANSIENT:
            self._transient_streak = 0
            return
        self._transient_streak += 1
        if self._transient_streak >= self.retry.breaker_threshold:
            self.halt(
                f"service unavailable: {self._transient_streak} transient failures in a row "
                f"(last: {verdict.error}); run again later to resume"
            )

    async def _slot(self, stop: asyncio.Event | None) -> float | None:
        """Wait out any run-wide pause, then take a limiter slot: its time, None when
        stopped."""
        loop = asyncio.get_running_loop()
        while True:
            wait = self._pause_until - loop.time()
            if wait > 0 and not await self._sleep(wait, stop):
                return None
            slot = await self._limiter.acquire()
            if self.aborted is not None or (stop is not None and stop.is_set()):
                return None
            if loop.time() >= self._pause_until:
                return slot

    async def _left(
        self,
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestHeadersSentParams,
    ) -> None:
        """A request's headers are written: the limiter counts it from now (its slot may
        be a new connection or a stalled loop ago)."""
        slot = context.trace_request_ctx
        if isinstance(slot, float):
            self._limiter.left_at(slot)

    async def _sleep(self, delay: float, stop: asyncio.Event | None) -> bool:
        """Sleep `delay` s unless the run halts or `stop` is set first; True if slept fully."""
        assert self._halted is not None
        events = [self._halted] + ([stop] if stop is not None else [])
        if any(e.is_set() for e in events):
            return False
        waiters = [asyncio.ensure_future(e.wait()) for e in events]
        try:
            done, _ = await asyncio.wait(waiters, timeout=delay, return_when="FIRST_COMPLETED")
        finally:
            for waiter in waiters:
                waiter.cancel()
        return not done


__all__ = ["ApiError", "ApiSession", "Credentials", "Delivery"]
