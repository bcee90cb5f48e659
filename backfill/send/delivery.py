"""One request's attempts, and the final verdict on it that `ApiSession.deliver` returns.

`Tries` is what the session keeps of a request while it tries it: how many attempts went
out, how many count toward ``send.max_attempts``, whether an answer was lost (so that a
repeat may have been applied twice). `Delivery` is the final word, with the `Result.code`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from backfill.codes import Code, ResultCode, http_code
from backfill.model import Outcome
from backfill.send.protocol import Kind, Verdict

FINAL = frozenset({Kind.SENT, Kind.PARTIAL, Kind.FAILED})  # answers that end the trying
NO_ATTEMPT = Verdict(Kind.NOT_SENT)


@dataclass(frozen=True, slots=True)
class Delivery:
    """The final verdict on one request after all its attempts."""

    kind: Outcome  # sent | partial | failed | pending (not applied: stopped, aborted)
    http_status: int | None
    error: str
    attempts: int  # HTTP attempts made, 401 re-sends included
    sent_at: str  # ISO 8601 UTC of the last attempt, "" when none was made
    resent_uncertain: bool  # repeated after an attempt whose answer was lost
    body: str = ""
    # loop time when the last lost answer was given up on (None: no answer was lost): the
    # server may still apply that request, so the case's next action waits for send.settle_s
    lost_at: float | None = None
    code: ResultCode = ""  # "" when sent, else not-applied, http-NNN, gave-up, not-sent
    refused: tuple[str, ...] = ()  # partial: the fields the API did not apply (Verdict.refused)


@dataclass(slots=True)
class Tries:
    """One request's attempts so far (see the module docstring)."""

    attempts: int = 0  # HTTP attempts that went out, 401 re-sends included
    counted: int = 0  # of those, the ones send.max_attempts counts (not the 401s)
    auth_retries: int = 0  # 401s for tokens that never worked
    lost_before: bool = False  # an earlier attempt's answer was lost
    uncertain: bool = False  # repeated after such an attempt
    last: Verdict = NO_ATTEMPT
    sent_at: str = ""
    lost_at: float | None = None  # loop time the last lost answer was given up on

    def went_out(self, verdict: Verdict) -> None:
        """An attempt's request went out, and `verdict` is what came of it."""
        self.attempts += 1
        self.uncertain = self.uncertain or self.lost_before
        self.sent_at = datetime.now(UTC).isoformat(timespec="milliseconds")
        self.last = verdict

    def lost(self, at: float) -> None:
        """The last attempt's answer was lost at loop time `at`: it may still be applied."""
        self.lost_before = True
        self.lost_at = at

    def final(self, body: str) -> Delivery:
        """The delivery of an answer in FINAL."""
        last = self.last
        return self._delivery(Outcome(last.kind), last.error, _code(last), body, last.refused)

    def stopped(self, reason: str) -> Delivery:
        """Pending: the run stopped or halted before the request got a final answer."""
        error = f"{reason} (last attempt: {self.last.error})" if self.attempts else reason
        return self._delivery(Outcome.PENDING, error, Code.NOT_SENT)

    def given_up(self) -> Delivery:
        """Failed: send.max_attempts transient failures in a row."""
        error = f"gave up after {self.counted} attempts: {self.last.error}"
        return self._delivery(Outcome.FAILED, error, Code.GAVE_UP)

    def _delivery(
        self,
        kind: Outcome,
        error: str,
        code: ResultCode,
        body: str = "",
        refused: tuple[str, ...] = (),
    ) -> Delivery:
        return Delivery(
            kind,
            self.last.http_status,
            error,
            self.attempts,
            self.sent_at,
            self.uncertain,
            body,
            self.lost_at,
            code,
            refused,
        )


def _code(verdict: Verdict) -> ResultCode:
    """The Result.code of a final answer: "" when applied in full."""
    if verdict.kind == Kind.PARTIAL:
        return Code.NOT_APPLIED
    if verdict.kind == Kind.FAILED:
        return http_code(verdict.http_status) if verdict.http_status else Code.FAILED
    return ""
