"""The one redaction step: no loaded secret and no issued token leaves backfill in any text.

Secrets are remembered when they are loaded (the client secret, the v4.1 API key; never the
client id, which is not secret and names the app in messages) and tokens when they are
issued. Every text backfill prints or writes (console, run.log, reports, journal) passes
`redact`, whatever a server put in its answers: a token endpoint that repeats the secret it
was sent in its error must not get it copied into failures.csv.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

REDACTED = "[redacted]"
# shorter values are not secrets anyone issues, and replacing them would garble every text
MIN_SECRET_CHARS = 6

_secrets: set[str] = set()
_ordered: tuple[str, ...] = ()  # longest first: a secret containing another is replaced whole
_guard = threading.Lock()


def remember_secret(value: str) -> None:
    """From now on, `value` is replaced by [redacted] wherever backfill writes or prints."""
    global _ordered
    value = value.strip()
    if len(value) < MIN_SECRET_CHARS or value in _secrets:
        return
    with _guard:
        _secrets.add(value)
        _ordered = tuple(sorted(_secrets, key=len, reverse=True))


def secrets() -> tuple[str, ...]:
    """The remembered secrets, longest first (for writers that redact column by column)."""
    return _ordered


def redact(text: str) -> str:
    """`text` with every remembered secret replaced by [redacted]."""
    for secret in _ordered:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def redact_data(value: Any) -> Any:
    """`redact` through the strings of a JSON-like value (summary.json, verify results)."""
    if not _ordered:
        return value
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {redact_data(k): redact_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_data(v) for v in value)
    return value


def forget_secrets() -> None:
    """Forget every remembered secret (tests; a library caller starting afresh)."""
    global _ordered
    with _guard:
        _secrets.clear()
        _ordered = ()
