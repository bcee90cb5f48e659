"""Running the sandbox: in-process (`Sandbox`), on a background thread (`ThreadedSandbox`)
for synchronous callers, and in the foreground (`serve`, the `backfill sandbox` command).
"""

from __future__ import annotations

import asyncio
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from datetime import datetime
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from aiohttp import web

from backfill.errors import BackfillError, InputError
from backfill.sandbox import rules
from backfill.sandbox.admin import add_admin_routes
from backfill.sandbox.app import PUT_PATH, TOKEN_PATH, Clock, Emulator, build_app
from backfill.sandbox.settings import Faults, SandboxSettings
from backfill.sandbox.state import SandboxState

T = TypeVar("T")

ResponseDates = Mapping[str, str | datetime | Mapping[str, Any]]


class Sandbox:
    """The CustomerGauge emulator on a loopback port, as an async context manager.

    ``async with Sandbox(settings) as sb:`` serves at ``sb.base_url`` (port 0 picks a free
    one). `clock` returns the sandbox's "now" (aware, or naive in the tenant's zone); tests
    inject one to control the happened_at rule. It can also be replaced while running.
    `monotonic` times token expiry, the rate limiter's window and the request log; tests
    inject a fake one to control time instead of sleeping.
    """

    def __init__(
        self,
        settings: SandboxSettings | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        clock: Clock | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.settings = settings if settings is not None else SandboxSettings()
        self.ssl_context = ssl_context  # serve https with this certificate (transport tests)
        self.emulator = Emulator(self.settings, clock, monotonic)
        self.host = host
        self.port = port
        self.app = build_app(self.emulator, lambda app: add_admin_routes(app, self.emulator))
        self._runner: web.AppRunner | None = None

    # --- what tests and callers use -----------------------------------------------------
    @property
    def state(self) -> SandboxState:
        return self.emulator.state

    @property
    def clock(self) -> Clock:
        return self.emulator.clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        self.emulator.clock = clock

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{host}:{self.port}"

    @property
    def token_url(self) -> str:
        return self.base_url + TOKEN_PATH

    @property
    def put_url(self) -> str:
        return self.base_url + PUT_PATH

    def seed_responses(self, responses: ResponseDates) -> None:
        """Seed survey responses: id -> response date (str or datetime; naive = tenant zone),
        or id -> {date_survey_response, date_creation, date_order, date_sent}."""
        zone = self.settings.zone()
        for number, dates in responses.items():
            try:
                response = rules.make_response(str(number), dates, zone)
            except ValueError as exc:
                raise InputError(f"cannot seed the sandbox with case {number}: {exc}.") from None
            self.state.add_response(response)

    def add_users(self, emails: Iterable[str]) -> None:
        """Make these e-mail addresses active users (assignable)."""
        for email in emails:
            if email.strip():
                self.state.add_user(email)

    def add_users_file(self, path: Path | str) -> int:
        users = read_users_file(Path(path))
        self.add_users(users)
        return len(users)

    def set_faults(self, faults: Faults) -> None:
        self.emulator.set_faults(faults)

    def issue_token(self) -> str:
        """A valid access token without a request (for tests of other endpoints)."""
        return self.emulator.issue_token()[0]

    # --- lifecycle ----------------------------------------------------------------------
    async def start(self) -> Sandbox:
        # no access log: it would cost more than the handlers themselves
        runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(
            runner, self.host, self.port, reuse_address=True, ssl_context=self.ssl_context
        )
        await site.start()
        self._runner = runner
        addresses = runner.addresses  # the port picked for port 0
        if addresses:
            self.port = int(addresses[0][1])
        return self

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    @property
    def running(self) -> bool:
        return self._runner is not None

    def open_connections(self) -> int:
        """Client connections still open, each counted until its last request is answered:
        0 once a client that went away left nothing behind that could still be applied."""
        server = self._runner.server if self._runner is not None else None
        return len(server.connections) if server is not None else 0

    @property
    def late_pending(self) -> int:
        """Requests of the late-apply fault not yet applied: wait for 0 before checking."""
        return self.emulator.late_pending

    async def __aenter__(self) -> Sandbox:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


class ThreadedSandbox(Sandbox):
    """A `Sandbox` served from its own event loop on a background thread, for synchronous
    callers (click's CliRunner, subprocess tests): ``with ThreadedSandbox(settings) as sb:``.

    It is a Sandbox; only what changes the tenant runs on the sandbox's loop, so that
    seeding never races a request being served.
    """

    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None

    def _on_loop(self, func: Callable[[], T]) -> T:
        if self._loop is None:
            return func()
        future: Future[T] = Future()

        def run() -> None:
            try:
                future.set_result(func())
            except BaseException as exc:
                future.set_exception(exc)

        self._loop.call_soon_threadsafe(run)
        return future.result()

    def seed_responses(self, responses: ResponseDates) -> None:
        self._on_loop(partial(super().seed_responses, responses))

    def add_users(self, emails: Iterable[str]) -> None:
        self._on_loop(partial(super().add_users, list(emails)))

    def set_faults(self, faults: Faults) -> None:
        self._on_loop(partial(super().set_faults, faults))

    def issue_token(self) -> str:
        return self._on_loop(super().issue_token)

    def open_connections(self) -> int:
        return self._on_loop(super().open_connections)

    def __enter__(self) -> ThreadedSandbox:
        loop = asyncio.new_event_loop()
        started: Future[None] = Future()

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:
                started.set_exception(exc)
                loop.close()
                return
            started.set_result(None)
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        self._thread = threading.Thread(target=run, name="backfill-sandbox", daemon=True)
        self._thread.start()
        started.result()
        self._loop = loop
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        loop, thread = self._loop, self._thread
        self._loop = self._thread = None
        if loop is not None and thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            thread.join()


# --- seed files --------------------------------------------------------------------------
def read_users_file(path: Path) -> list[str]:
    """One e-mail address per line (a CSV's first column; a header `email` is skipped)."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read the users file {path}: {exc.strerror}.") from exc
    users = []
    for line in lines:
        value = line.split(",")[0].strip().strip('"')
        if value and not value.startswith("#") and value.lower() not in ("email", "e-mail"):
            users.append(value)
    return users


# --- the foreground server ---------------------------------------------------------------
def serve(
    settings: SandboxSettings,
    host: str = "127.0.0.1",
    port: int = 8080,
    users_file: Path | str | None = None,
    echo: Callable[[str], None] = print,
    responses: ResponseDates | None = None,
) -> int:
    """Run the sandbox until Ctrl-C; print where it listens and the credentials to use.
    `responses` (id -> date) are seeded as they are (the CLI reads them from a file)."""

    async def main() -> None:
        sandbox = Sandbox(settings, host, port)
        if responses is not None:
            sandbox.seed_responses(responses)
        if users_file is not None:
            count = sandbox.add_users_file(users_file)
            echo(f"Seeded {count} active users from {users_file}.")
        try:
            await sandbox.start()
        except OSError as exc:
            raise BackfillError(
                f"the sandbox cannot listen on {host}:{port}: {exc.strerror}; "
                "choose another --port (0 picks a free one)."
            ) from exc
        for line in banner(sandbox):
            echo(line)
        try:
            await asyncio.Event().wait()
        finally:
            await sandbox.stop()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        echo("Sandbox stopped.")
    return 0


def banner(sandbox: Sandbox) -> list[str]:
    s = sandbox.settings
    return [
        f"CustomerGauge sandbox listening on {sandbox.base_url}",
        f"  API base (api.base_url):  {sandbox.base_url}",
        f"  token URL (api.auth_url): {sandbox.token_url}",
        f"  inspect:                  {sandbox.base_url}/_sandbox/",
        "Sandbox-only throwaway credentials (not secrets):",
        f"  CG_CLIENT_ID={s.client_id}",
        f"  CG_CLIENT_SECRET={s.client_secret}",
        f"  CG_API_KEY={s.api_key}",
        "Press Ctrl-C to stop.",
    ]
