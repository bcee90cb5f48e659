"""Authentication: the OAuth2 token endpoint, and the bearer token and API key checks."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
from typing import TYPE_CHECKING

from aiohttp import web

from backfill.sandbox.answers import finish, json_answer, parse_form, server_error

if TYPE_CHECKING:
    from backfill.sandbox.app import Emulator


async def token(emulator: Emulator, request: web.Request) -> web.Response:
    state = emulator.state
    settings = emulator.settings
    record = state.log_request(emulator.monotonic(), request.method, request.path)
    draw = emulator.injector.draw(token_endpoint=True)
    if draw.delay_s:
        await asyncio.sleep(draw.delay_s)
    if draw.server_error is not None:
        state.counters["fault:token_error"] += 1
        return finish(state, record, server_error(draw.server_error))
    form = parse_form(await request.text())
    # stripped: the document's own curl example sends "client_secret=... " with a space
    client_id = form.get("client_id", "").strip()
    client_secret = form.get("client_secret", "").strip()
    basic = request.headers.get("Authorization", "")
    if basic.lower().startswith("basic "):
        # RFC 6749 2.3.1: the client may authenticate with HTTP Basic instead
        try:
            decoded = base64.b64decode(basic[6:].strip()).decode()
            client_id, _, client_secret = decoded.partition(":")
            client_id, client_secret = client_id.strip(), client_secret.strip()
        except (binascii.Error, UnicodeDecodeError):
            client_id = client_secret = ""
    if form.get("grant_type") != "client_credentials":
        state.counters["tokens_refused"] += 1
        return finish(state, record, json_answer({"error": "unsupported_grant_type"}, 400))
    good = hmac.compare_digest(
        client_id.encode(), settings.client_id.encode()
    ) & hmac.compare_digest(client_secret.encode(), settings.client_secret.encode())
    if not good:
        state.counters["tokens_refused"] += 1
        # RFC 6749 5.2: 400 invalid_client, or 401 when HTTP Basic was used
        status = 401 if basic.lower().startswith("basic ") else 400
        error = "invalid_client"
        if settings.faults.echo_credentials:
            error = f"invalid_client: no client {client_id} with secret {client_secret}"
        return finish(state, record, json_answer({"error": error}, status))
    access_token, ttl = emulator.issue_token()
    expires_in: float = int(ttl) if float(ttl).is_integer() else ttl
    return finish(
        state,
        record,
        json_answer(
            {"access_token": access_token, "expires_in": expires_in, "token_type": "Bearer"}
        ),
    )


def bearer_ok(emulator: Emulator, request: web.Request, early_expiry: bool) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return False
    expiry = emulator.tokens.get(token.strip())
    if expiry is None:
        return False
    if expiry <= emulator.monotonic() or early_expiry:
        # an expired token stays expired: the client must fetch a new one
        del emulator.tokens[token.strip()]
        if early_expiry:
            emulator.state.counters["fault:early_expiry"] += 1
        return False
    return True


def api_key_ok(emulator: Emulator, request: web.Request) -> bool:
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "api_key" and hmac.compare_digest(
        key.strip().encode(), emulator.settings.api_key.encode()
    )
