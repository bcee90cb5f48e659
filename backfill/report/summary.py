"""A run's summary as one typed record: built by the runner, written as summary.json, shown on
report.xlsx's Summary sheet (backfill/report/summary_sheet.py) and by the console.

summary.json is `Summary.to_json()`: one key per field, in field order, so that adding a
figure is adding a field. The keys and values are the ones README and SPEC.md document;
`aborted`, `verify` and `predicted` are left out when they do not apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

# fields left out of summary.json when None (every other field is always there)
_OMITTED_WHEN_NONE = ("aborted", "verify", "predicted", "pilot", "token_url", "base_url")


@dataclass(frozen=True, kw_only=True)
class Verified:
    """What reading back found (`run --verify`, a rehearsal): summary.json's `verify`."""

    summary: str  # the comparison in one line
    exit_code: int  # 0 every case matches, 1 some differ
    source: str  # where the expectation came from: "plan", "plan+journal" or "journal"


@dataclass(frozen=True, kw_only=True)
class PilotCause:
    """What a pilot's mismatches most likely mean (backfill/verify/diagnose.py), and the fix."""

    code: str
    cases: list[str]
    advice: str


@dataclass(frozen=True, kw_only=True)
class PilotReport:
    """`run --pilot N`: the cases sent first, what each covers, and what reading back found."""

    cases: list[str]  # in send order
    covers: dict[str, list[str]]  # case -> what of the plan's variety it shows
    verdicts: dict[str, str]  # case -> match | mismatch | missing; none when not read back
    passed: bool
    causes: list[PilotCause] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PilotReport:
        values = dict(data)
        values["causes"] = [PilotCause(**item) for item in values.get("causes", [])]
        return cls(**values)


@dataclass(frozen=True, kw_only=True)
class Predicted:
    """What CustomerGauge is predicted to show, over the cases with an action to send."""

    cases: int
    median_follow_up_h: float | None
    median_close_h: float | None
    cases_without_follow_up: int
    cases_without_close: int
    assignment_emails: int
    assignee_policy: str


@dataclass(frozen=True, kw_only=True)
class InputRows:
    """One input file and its number of rows in the plan."""

    file: str
    rows: int


@dataclass(frozen=True, kw_only=True)
class NextStep:
    """What the person who ran it does next: a sentence, and a command to paste (or "")."""

    text: str
    command: str = ""


@dataclass(kw_only=True)
class Summary:
    """What a run did (summary.json). Counts first, then where, from what, when, what next."""

    run_id: str = ""
    rows: int = 0  # actions (the plan's rows)
    # what the file's rows became (plan.layouts.rows_became): for a wide or audit export its
    # rows (tickets, or log rows) and those that became no action; for rows read as actions
    # (layout long, or a failures file) file_rows is rows; None: not known (an old summary)
    file_rows: int | None = None
    without_action: int = 0
    layout: str = "long"
    encoding: str | None = None  # of the text input(s): codec name; None: workbooks only
    cases: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)  # every outcome, 0 included
    errors: dict[str, int] = field(default_factory=dict)  # rows by error code
    requests: int = 0
    elapsed_s: float = 0.0
    rate_per_s: float = 0.0
    exit_code: int = 0
    resent_uncertain: int = 0
    answer_lost: int = 0
    notes: list[str] = field(default_factory=list)
    command: str = "run"
    target: str = ""
    sandbox: bool = False
    journal: str = ""
    aborted: str | None = None
    verify: Verified | None = None
    pilot: PilotReport | None = None
    inputs: list[InputRows] = field(default_factory=list)
    config_file: str | None = None
    api_version: str = ""
    region: str | None = None  # None (null) when api.base_url sent the actions elsewhere...
    base_url: str | None = None  # ...to this URL (summary.json has it only then)
    token_url: str | None = None  # v7: where the tokens came from
    rate_limit: float = 0.0
    # rate_limit: auto: the rate the server pushed back at (or stated), and the pace over the
    # run as [seconds into it, requests/s] at each change
    rate_found: float | None = None
    rate_over_time: list[list[float]] = field(default_factory=list)
    predicted: Predicted | None = None
    time_columns: list[str] = field(default_factory=list)  # the input's time columns
    sent_per_month: dict[str, int] = field(default_factory=dict)
    started_at: str = ""
    finished_at: str = ""
    next_steps: list[NextStep] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """summary.json's content."""
        data = asdict(self)
        for name in _OMITTED_WHEN_NONE:
            if data[name] is None:
                del data[name]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Summary:
        """A summary read back from summary.json (unknown keys are refused)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown summary keys: {unknown}")
        values = dict(data)
        if values.get("verify") is not None:
            values["verify"] = Verified(**values["verify"])
        if values.get("pilot") is not None:
            values["pilot"] = PilotReport.from_json(values["pilot"])
        if values.get("predicted") is not None:
            values["predicted"] = Predicted(**values["predicted"])
        values["inputs"] = [InputRows(**item) for item in values.get("inputs", [])]
        values["next_steps"] = [NextStep(**step) for step in values.get("next_steps", [])]
        return cls(**values)
