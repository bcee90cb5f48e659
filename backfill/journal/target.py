"""Which tenant a journal belongs to, and which journal a command uses.

A journal records the target of its first run: the API version, the base URL the requests
went to and the client (v7: the OAuth2 client id; v4.1: the name of the variable holding the
API key, never the key nor anything computed from it). A command with another target is
refused before anything is sent: the journal of a test tenant would otherwise make the
production run skip every action as ``already_sent``.

With ``journal: null`` (the default) each target has its own journal under `.backfill/`,
named so that a person can tell them apart (host, version, a digest of the whole target).
The one default of earlier versions, `.backfill/journal.sqlite`, holds a migration's history
and records no target: it is used for the target its runs went to, and takes the target of
its next run (the runner says so once).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from backfill.config import Config, secret_from_env
from backfill.errors import AuthError, JournalError

if TYPE_CHECKING:
    from backfill.journal.reading import JournalReader

JOURNAL_DIR = Path(".backfill")
LEGACY_JOURNAL = JOURNAL_DIR / "journal.sqlite"  # the default before journals knew targets
SANDBOX_URL = "sandbox"  # the target of a --sandbox rehearsal: a fresh emulator on any port


@dataclass(frozen=True)
class Target:
    """Where a journal's actions went. `client` None: not known to this command (`status`
    without the client id in its environment), matched by version and URL alone."""

    version: str
    url: str
    client: str | None

    def describe(self) -> str:
        """'API v7 at https://api.eu.customergauge.com, client id 3fa2'."""
        if self.url == SANDBOX_URL:
            return f"the --sandbox emulator (API {self.version})"
        if self.client is None:
            who = "client unknown"
        elif self.version == "v4.1":
            who = f"API key from ${self.client}"
        else:
            who = f"client id {self.client}"
        return f"API {self.version} at {self.url}, {who}"

    def digest(self) -> str:
        """A short, stable digest of the whole target (for the default journal's name)."""
        text = "\n".join((self.version, self.url, self.client or ""))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]

    def matches(self, other: Target) -> bool:
        if (self.version, self.url) != (other.version, other.url):
            return False
        return self.client is None or other.client is None or self.client == other.client


def target_of(config: Config, *, sandbox: bool = False, client_required: bool = True) -> Target:
    """The target a command with `config` talks to. v7 reads the client id from the variable
    the config names (AuthError when missing and `client_required`)."""
    version = config.api.version
    if sandbox:
        return Target(version, SANDBOX_URL, "sandbox")
    if version == "v4.1":  # the key itself is a secret: the variable's name says which one
        return Target(version, _plain_url(config.api.api_base), config.credentials.api_key_env)
    try:
        client: str | None = secret_from_env(
            config.credentials.client_id_env, "the OAuth2 client id"
        ).strip()
    except AuthError:
        if client_required:
            raise
        client = None
    return Target(version, _plain_url(config.api.api_base), client)


def _plain_url(url: str) -> str:
    """The URL as a target: scheme and host in lower case, no user part, no trailing /."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme.lower()}://{host}{parts.path}".rstrip("/")


def default_journal(target: Target) -> Path:
    """The journal of `target` under .backfill/, named for a person to tell them apart:
    .backfill/journal-api.eu.customergauge.com-v7-1a2b3c4d.sqlite"""
    if target.url == SANDBOX_URL:
        place = "sandbox"
    else:
        parts = urlsplit(target.url)
        place = (parts.hostname or "api") + (f"-{parts.port}" if parts.port else "")
    place = re.sub(r"[^A-Za-z0-9.-]+", "-", place).strip("-.") or "api"
    return JOURNAL_DIR / f"journal-{place}-{target.version}-{target.digest()}.sqlite"


class Source(StrEnum):
    """Where a command's journal path came from: it decides the advice of a refusal."""

    OPTION = "--journal"
    CONFIG = "journal: of the config"
    DEFAULT = "the default journal of the target"
    LEGACY = "the default journal of earlier versions"


@dataclass(frozen=True)
class Choice:
    path: Path
    source: Source
    note: str = ""  # a line for the person running the command (a legacy journal passed by)


def choose_journal(explicit: Path | None, config: Config, target: Target) -> Choice:
    """The journal a command uses: --journal, else `journal:` of the config, else the
    target's own under .backfill/ (or the legacy default, when it holds this target's runs)."""
    if explicit is not None:
        return Choice(Path(explicit), Source.OPTION)
    if config.journal is not None:
        return Choice(Path(config.journal), Source.CONFIG)
    # (without the client id, as `status` may be: the one journal of this version and URL)
    own = default_journal(target) if target.client is not None else _find_by_url(target)
    if (own is not None and own.exists()) or not LEGACY_JOURNAL.exists():
        return Choice(own or default_journal(target), Source.DEFAULT)
    recorded, urls = _peek(LEGACY_JOURNAL)
    urls = {_plain_url(url) for url in urls}
    # (a legacy journal fits the target its runs went to: its first run's is its own)
    fits = recorded.matches(target) if recorded is not None else (not urls or target.url in urls)
    if fits:
        return Choice(LEGACY_JOURNAL, Source.LEGACY)
    owner = recorded.describe() if recorded is not None else "runs to " + ", ".join(sorted(urls))
    own = own or default_journal(target)
    return Choice(
        own,
        Source.DEFAULT,
        note=f"Journal {own}: a new journal for {target.describe()} "
        f"({LEGACY_JOURNAL} holds {owner}, another target).",
    )


def _find_by_url(target: Target) -> Path | None:
    """The default journal of this version and URL whatever its client, when there is one
    (several: the client id or --journal must choose)."""
    pattern = default_journal(target).name.rsplit("-", 1)[0] + "-*.sqlite"
    found = []
    for path in sorted(JOURNAL_DIR.glob(pattern)):
        recorded, _ = _peek(path)
        if recorded is None or recorded.matches(target):
            found.append((path, recorded))
    if len(found) > 1:
        listed = "; ".join(
            f"{path} ({recorded.describe() if recorded else 'no target recorded'})"
            for path, recorded in found
        )
        raise JournalError(
            f"{len(found)} journals under {JOURNAL_DIR}/ belong to API {target.version} at "
            f"{target.url}: {listed}. Set the OAuth2 client id (in the variable "
            "credentials.client_id_env names, CG_CLIENT_ID by default) to choose the target's "
            "own, or pass one with --journal"
        )
    return found[0][0] if found else None


def _peek(path: Path) -> tuple[Target | None, set[str]]:
    """The target a journal file records, and the URLs its runs went to (read-only)."""
    from backfill.journal.store import Journal

    with Journal(path, read_only=True) as journal:
        return journal.recorded_target(), journal.run_targets()


def check_target(journal: JournalReader, target: Target, choice: Choice) -> str:
    """Refuse a journal of another target (JournalError, exit 2); the line to say when this
    target is about to be recorded in a journal of an earlier version ("" otherwise)."""
    recorded = journal.recorded_target()
    if recorded is not None:
        if not recorded.matches(target):
            raise JournalError(_refusal(choice, recorded.describe(), target))
        return ""
    urls = {_plain_url(url) for url in journal.run_targets()}
    if not urls and not journal.has_actions():
        return ""  # a new journal: it takes this target without a word
    if urls and target.url not in urls:
        owner = "a journal of runs to " + ", ".join(sorted(urls))
        raise JournalError(_refusal(choice, owner, target, legacy=True))
    if target.client is None:  # (read-only commands never record a target)
        return ""
    return (
        f"Journal {choice.path} was written before journals recorded their target: it now "
        f"belongs to {target.describe()}, the target of this run; "
        + (
            "other targets get a journal of their own under .backfill/."
            if choice.source is Source.LEGACY
            else "commands with another target are refused with it."
        )
    )


def _refusal(choice: Choice, owner: str, target: Target, *, legacy: bool = False) -> str:
    ours = default_journal(target)
    if choice.source is Source.OPTION:
        how = f"leave --journal out to use the target's own journal ({ours}), or pass "
        how += "--journal with a journal of its own"
    elif choice.source is Source.CONFIG:
        how = f"set journal: null in the config for a journal per target under {JOURNAL_DIR}/ "
        how += f"(this one's: {ours}), or pass --journal with a journal of its own"
    else:
        how = "pass --journal with a journal of its own"
    belongs = (
        f"was written before journals recorded their target, and is {owner}"
        if legacy
        else f"belongs to {owner}"
    )
    return (
        f"journal {choice.path} ({choice.source}) {belongs}, but this command's target is "
        f"{target.describe()}. A journal belongs to one target: with another target's journal, "
        "actions it shows as sent would be skipped as already_sent although this target never "
        f"received them. Nothing was sent. To work with {target.describe()}, {how}; to "
        "continue the journal's own migration, use the config of its target (-c)."
    )
