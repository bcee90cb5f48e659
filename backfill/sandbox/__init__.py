"""A local CustomerGauge emulator for rehearsals and tests (``backfill sandbox``).

Written from the API documents (``seeds/000`` PUT Close the Loop v7, ``seeds/003`` v4.1
workflow) and API-NOTES.md, never from backfill's client code (it imports only the standard
library, aiohttp and backfill.errors), so that a client misreading the documents fails here.

Where the documents are silent, these are the decisions (tests pin each one):

- PUT answer: all three keys are always present, each saying whether that part was applied:
  ``status`` true; ``note`` true only when a non-empty note was given and stored;
  ``assignee`` true only when the case was assigned. A note or assignee *not given* is
  ``false``: a client must compare with what it sent (false for a sent assignee = partial).
- happened_at ``YYYY-mm-dd H:m:s`` (one or two digits for H, m, s) in the tenant's zone
  (setting ``timezone``, default UTC); both bounds inclusive; absent = the sandbox's now.
- Unknown number_customergauge: 422 "The selected number customergauge is invalid.".
  The happened_at lower bound is then not checked (there is no response date).
- Laravel conventions: strings are trimmed, empty strings are null (so ``"  "`` is missing),
  several errors are summarised "first (and N more error[s])", an unreadable JSON body counts
  as empty; a JSON ``null`` note/assignee counts as absent; the status is case-sensitive.
- Tenant settings (both off by default) are checked only once the fields are valid; they
  apply to v4.1 too: an illegal transition is Error 300001 (400), a status change without
  a comment Error 300004 (400).
- v4.1: unknown case is HTTP 400 with Error 400200 "Workflow not found"; a field outside the
  four documented ones is Error 300000 "Too many parameters" (400); other methods 300003
  (405); an unknown assigned_to is not assigned but noted in the history, as in v7 (the v4.1
  answer cannot show it). ``.xml`` answers ``<Data>``/``<Error>`` documents.
- A v4.1 call naming only the case changes nothing and creates no case.
- Token endpoint: RFC 6749 answers (400 ``invalid_client``/``unsupported_grant_type``, 401
  when HTTP Basic client authentication was used); client_id/secret are stripped because
  the document's own curl example sends a trailing space.
- GET responses: a response seeded with only its response date gets earlier derived dates
  (order -3 d, creation -2 d, sent -1 d) so that a client reading the wrong field is caught.
  Cursor = offset; ``cursor.next`` is null on the last page. GET close-loop: cursor = the
  change sequence of the last case on the page (a case changed again moves to the end).
  Default ``per_page`` is 100 for both.
- Rate limit: only admitted requests fill the sliding window (429s do not), so a client that
  waits ``Retry-After`` is served again.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from backfill.sandbox.settings import Faults, SandboxSettings

if TYPE_CHECKING:
    from backfill.sandbox.server import Sandbox, ThreadedSandbox, serve


def __getattr__(name: str) -> Any:
    # The server (and aiohttp) load on first use: `backfill --help` builds the sandbox's
    # options from Faults and must not pay for the server.
    if name not in ("Sandbox", "ThreadedSandbox", "serve"):
        raise AttributeError(f"module 'backfill.sandbox' has no attribute {name!r}")
    value = getattr(import_module("backfill.sandbox.server"), name)
    globals()[name] = value
    return value


__all__ = ["Faults", "Sandbox", "SandboxSettings", "ThreadedSandbox", "serve"]
