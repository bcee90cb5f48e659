"""The one register of codes: every problem and result code, how much it weighs, what it means.

A code is the stable word that a row problem (`errors.Problem`), a run's result
(`model.Result`) or one of verify's likely causes carries: a row's error text starts with it,
summary.json counts rows by it. `Code` is a StrEnum whose values are those words, so the
files hold the text they always did. Each member has a `Kind` (a row error, a row warning, a
run's result, a likely cause) and `why`, the sentence a person reads in the Summary sheet's
"why" column and on the console; where a setting decides or fixes it, `why` names the setting.

HTTP refusals are one family, ``http-NNN`` (`http_code`): `meaning` explains every status.
Only this module spells a code; the test suite fails when a code is emitted that this
register does not explain (tests/test_codes.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, NewType


class Kind(StrEnum):
    """How much a code weighs, and where it comes from."""

    ERROR = "error"  # a row problem the plan finds: the row is not sent
    WARNING = "warning"  # a row problem the plan finds: the row is sent, worth a look
    RESULT = "result"  # what a run did with a row it did not send, or not apply in full
    CAUSE = "cause"  # verify: the likely cause of what reading back found


class Code(StrEnum):
    """Every code but the ``http-NNN`` family; `kind` and `why` come from the register."""

    # --- the cells of a row (plan/validation.py, plan/times.py) ----------------------------
    MISSING_ID = "missing-id"
    BAD_ID = "bad-id"
    CUT_BY_EXCEL = "cut-by-excel"
    FORMULA_WITHOUT_VALUE = "formula-without-value"
    UNKNOWN_STATUS = "unknown-status"
    MISSING_TIME = "missing-time"
    BAD_TIME = "bad-time"
    NONEXISTENT_LOCAL_TIME = "nonexistent-local-time"
    AMBIGUOUS_LOCAL_TIME = "ambiguous-local-time"
    FUTURE_TIME = "future-time"
    BEFORE_RESPONSE = "before-response"
    MISSING_RESPONSE_DATE = "missing-response-date"
    BAD_ASSIGNEE = "bad-assignee"
    NOTE_TOO_LONG = "note-too-long"
    CONTROL_CHARACTER = "control-character"
    BAD_RESPONSE_DATE = "bad-response-date"
    RESPONSE_DATE_CONFLICT = "response-date-conflict"
    # --- a wide export's steps (plan/step_order.py) -----------------------------------------
    STEPS_OUT_OF_ORDER = "steps-out-of-order"
    STEP_DROPPED = "step-dropped"
    STATUS_DIFFERS = "status-differs"
    # --- each case's timeline (plan/timeline.py, plan/predict.py, plan/api_zone_order.py) --
    DUPLICATE = "duplicate"
    TRANSITION_NOT_ALLOWED = "transition-not-allowed"
    NOTE_REQUIRED = "note-required"
    BLOCKED = "blocked"
    ORDER_LOST_IN_API_ZONE = "order-lost-in-api-zone"
    FILE_ORDER = "file-order"
    REOPEN = "reopen"
    NO_FOLLOW_UP_TIME = "no-follow-up-time"
    NO_CLOSE_TIME = "no-close-time"
    AMBIGUOUS_API_TIME = "ambiguous-api-time"
    API_TIME_SHIFTED = "api-time-shifted"
    TIE_REORDERED = "tie-reordered"
    # --- a run: the journal's decisions (runner/resume.py), the sender (send/), the end -----
    OUT_OF_ORDER = "out-of-order"
    CHANGED_AFTER_SENT = "changed-after-sent"
    UNSENDABLE = "unsendable"
    NOT_APPLIED = "not-applied"
    GAVE_UP = "gave-up"
    FAILED = "failed"
    NOT_SENT = "not-sent"
    IN_FLIGHT = "in-flight"
    # --- verify: what a mismatch most likely means (verify/diagnose.py) --------------------
    IGNORES_HAPPENED_AT = "ignores-happened-at"
    TIME_ZONE_OFFSET = "time-zone-offset"
    TIMES_DIFFER = "times-differ"
    STATUS_CHANGED = "status-changed"
    ASSIGNEE_NOT_KEPT = "assignee-not-kept"
    CASE_NOT_SHOWN = "case-not-shown"

    @property
    def kind(self) -> Kind:
        return REGISTER[self].kind

    @property
    def why(self) -> str:
        return REGISTER[self].why


@dataclass(frozen=True, slots=True)
class Meaning:
    """What a code weighs and means. `warns_by` names the setting under which a row error
    is reported as a warning instead ("" when none can)."""

    kind: Kind
    why: str
    warns_by: str = ""


_E, _W, _R, _C = Kind.ERROR, Kind.WARNING, Kind.RESULT, Kind.CAUSE

REGISTER: dict[Code, Meaning] = {
    Code.MISSING_ID: Meaning(_E, "no number_customergauge: every action needs its case's id"),
    Code.BAD_ID: Meaning(
        _E,
        "the case id is not a CustomerGauge number (a whole number of up to 20 digits); a "
        "spreadsheet may have rounded it: format the column as text, or export CSV",
    ),
    Code.CUT_BY_EXCEL: Meaning(
        _E,
        "report.xlsx holds the row's text cut at Excel's 32,767 characters: retry the "
        "failures.csv next to it, which holds the whole text",
    ),
    Code.FORMULA_WITHOUT_VALUE: Meaning(
        _E,
        "a cell holds a formula no spreadsheet calculated, so it reads as empty: open and "
        "save the file in Excel, or replace the formula by its value",
    ),
    Code.UNKNOWN_STATUS: Meaning(_E, "status value not known (map it in input.status_map)"),
    Code.MISSING_TIME: Meaning(
        _E, "no time (happened_at); validation.require_happened_at: false sends it without one"
    ),
    Code.BAD_TIME: Meaning(
        _E, "time cannot be read as a time since 1900 (input.date_format reads an unusual form)"
    ),
    Code.NONEXISTENT_LOCAL_TIME: Meaning(
        _E,
        "the time falls in the hour the clocks skip in input.timezone: check it, or write it "
        "with its UTC offset",
    ),
    Code.AMBIGUOUS_LOCAL_TIME: Meaning(
        _E,
        "the time falls in the hour the clocks repeat in input.timezone: write it with its "
        "UTC offset to say which one",
    ),
    Code.FUTURE_TIME: Meaning(_E, "time is in the future"),
    Code.BEFORE_RESPONSE: Meaning(
        _E, "time is before the case's survey response date (check it, and input.timezone)"
    ),
    Code.MISSING_RESPONSE_DATE: Meaning(
        _E,
        "no survey response date for the case, so its times cannot be checked: add a "
        "response_date column or responses.file, or set validation.missing_response_date: warn",
        warns_by="validation.missing_response_date: warn",
    ),
    Code.BAD_ASSIGNEE: Meaning(_E, "assignee is not a valid e-mail address"),
    Code.NOTE_TOO_LONG: Meaning(
        _W, "the note is longer than validation.max_note_chars: the API may refuse it"
    ),
    Code.CONTROL_CHARACTER: Meaning(
        _W, "a cell holds a control character (NUL, form feed, ESC): it is sent as it is"
    ),
    Code.BAD_RESPONSE_DATE: Meaning(
        _W, "the survey response date cannot be read: the case is treated as having none"
    ),
    Code.RESPONSE_DATE_CONFLICT: Meaning(
        _W, "the case has several survey response dates: the earliest is used"
    ),
    Code.STEPS_OUT_OF_ORDER: Meaning(
        _E,
        "the ticket's step times contradict the order of its steps (open → progress → "
        "closed): the ticket is not sent; fix the times, or choose input.step_order: "
        "drop-late-steps or time",
    ),
    Code.STEP_DROPPED: Meaning(
        _W,
        "a step reached after the ticket's closing step is no action (input.step_order: "
        "drop-late-steps)",
    ),
    Code.STATUS_DIFFERS: Meaning(
        _W,
        "the replay ends in another status than the export's current-status column: check "
        "the ticket's steps",
    ),
    Code.DUPLICATE: Meaning(
        _E, "identical to an earlier row of the case (validation.duplicates: drop)"
    ),
    Code.TRANSITION_NOT_ALLOWED: Meaning(
        _E, "status change not allowed (validation.transitions: progressive)"
    ),
    Code.NOTE_REQUIRED: Meaning(
        _E, "the status changes without a note (validation.require_note: true)"
    ),
    Code.BLOCKED: Meaning(
        _E,
        "held back: an earlier action of the same case was not sent (send.on_case_failure: block)",
    ),
    Code.ORDER_LOST_IN_API_ZONE: Meaning(
        _E,
        "its time, as sent in api.timezone, reads out of the case's order (the clocks show "
        "that hour twice); validation.ambiguous_api_times: shift sends it after that hour",
    ),
    Code.FILE_ORDER: Meaning(
        _W,
        "no time (happened_at): sent without one, so CustomerGauge uses the time of sending "
        "and the case goes in file order",
    ),
    Code.REOPEN: Meaning(
        _W, "re-opens a closed case: CustomerGauge clears its follow-up and close times"
    ),
    Code.NO_FOLLOW_UP_TIME: Meaning(
        _W, "the case ends without an open → progress step: its follow-up time stays empty"
    ),
    Code.NO_CLOSE_TIME: Meaning(
        _W, "the case ends closed without a progress → closed step: its close time stays empty"
    ),
    Code.AMBIGUOUS_API_TIME: Meaning(
        _W,
        "its time, as sent in api.timezone, is one the clocks show twice: the tenant may "
        "read either instant",
    ),
    Code.API_TIME_SHIFTED: Meaning(
        _W,
        "sent a little later than it happened, after the hour api.timezone repeats, to keep "
        "the case's order (validation.ambiguous_api_times: shift)",
    ),
    Code.TIE_REORDERED: Meaning(
        _W,
        "actions with the same time go in status order (open < progress < closed), not in "
        "the file's order: input.ties: file keeps the file's order",
    ),
    Code.OUT_OF_ORDER: Meaning(
        _R,
        "older than the case's last sent action: CustomerGauge would apply it after the newer "
        "one (--allow-out-of-order sends it anyway)",
    ),
    Code.CHANGED_AFTER_SENT: Meaning(
        _R,
        "changed in the input after an earlier run sent it: sending it again would add a "
        "second history entry (--allow-out-of-order sends it anyway)",
    ),
    Code.UNSENDABLE: Meaning(_R, "cannot be expressed in this API version's request"),
    Code.NOT_APPLIED: Meaning(
        _R, "the API applied only part of the action (column error names the part)"
    ),
    Code.GAVE_UP: Meaning(
        _R,
        "no final answer after every attempt (server errors, lost answers); "
        "send.max_attempts sets how many",
    ),
    Code.FAILED: Meaning(_R, "refused by the API without an HTTP status (see column error)"),
    Code.NOT_SENT: Meaning(_R, "not attempted: the run stopped first; the next run sends it"),
    Code.IN_FLIGHT: Meaning(
        _R, "sent when the run stopped at once: outcome unknown, re-sent next run"
    ),
    Code.IGNORES_HAPPENED_AT: Meaning(
        _C,
        "the tenant seems to stamp each action with its arrival, not its happened_at: "
        "CustomerGauge must accept happened_at for this API user",
    ),
    Code.TIME_ZONE_OFFSET: Meaning(
        _C,
        "every time is off by the same number of hours: check input.timezone (the export's "
        "zone) and api.timezone (the tenant's)",
    ),
    Code.TIMES_DIFFER: Meaning(
        _C, "follow-up or close times differ in no single pattern: compare verify.csv"
    ),
    Code.STATUS_CHANGED: Meaning(
        _C,
        "CustomerGauge holds another final status: a tenant workflow or integration changes "
        "the case, or the tenant allows only progressive transitions",
    ),
    Code.ASSIGNEE_NOT_KEPT: Meaning(
        _C,
        "the assignee was not kept: CustomerGauge assigns only its active users "
        "(send.assignee: never sends none)",
    ),
    Code.CASE_NOT_SHOWN: Meaning(
        _C,
        "CustomerGauge's answer does not show the case: the API user may not see it, or the "
        "tenant applies actions later",
    ),
}

# --- the http-NNN family: a final refusal by the API, by its HTTP status ------------------
HttpCode = NewType("HttpCode", str)
HTTP_PREFIX = "http-"
# a Result's code: a member, an http code, or "" when nothing went wrong
ResultCode = Code | HttpCode | Literal[""]

_HTTP_WHY = {
    400: "the API found the request malformed (see column error)",
    403: "the API user may not change this case (see column error)",
    404: "the API does not know this case, or api.region/api.base_url is not the tenant's",
    409: "the API refused the action as conflicting with the case (see column error)",
    413: "the request is too large for the API: shorten the note (validation.max_note_chars)",
    422: "the API refused the action's content (column error names the field)",
}


def http_code(status: int) -> HttpCode:
    """The code of a final refusal with HTTP `status`: ``http-422``."""
    return HttpCode(f"{HTTP_PREFIX}{status}")


def _http_meaning(status: int) -> Meaning:
    if status in _HTTP_WHY:
        return Meaning(_R, _HTTP_WHY[status])
    if 200 <= status < 300:  # v4.1 can answer 200 with an Error body
        return Meaning(_R, f"the API answered HTTP {status} with an error (see column error)")
    return Meaning(_R, f"refused by the API with HTTP {status} (see column error)")


def parse(text: str) -> Code | HttpCode | None:
    """The code a text names (as read back from a file or a frame); None when none."""
    if text in _BY_VALUE:
        return _BY_VALUE[text]
    digits = text.removeprefix(HTTP_PREFIX)
    if text.startswith(HTTP_PREFIX) and len(digits) == 3 and digits.isascii() and digits.isdigit():
        return HttpCode(text)
    return None


def meaning(code: str) -> Meaning | None:
    """What a code weighs and means, the http family's included; None for an unknown code."""
    found = parse(code)
    if found is None:
        return None
    if isinstance(found, Code):
        return REGISTER[found]
    return _http_meaning(int(found.removeprefix(HTTP_PREFIX)))


def explain(code: str) -> str:
    """The sentence that explains `code` to a person ("" for a code the register lacks)."""
    found = meaning(code)
    return found.why if found is not None else ""


_BY_VALUE: dict[str, Code] = {member.value: member for member in Code}
