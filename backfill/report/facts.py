"""What a run's report says besides the counts: where the actions went, from which files,
what CustomerGauge is predicted to show, how long sending takes, and what to do next.

These are fields of the run's Summary (backfill/report/summary.py), so that summary.json,
the workbook's Summary sheet and the console say the same thing from one source.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from backfill import model
from backfill.config import SendConfig
from backfill.model import Outcome
from backfill.read.text_encoding import encoding_facts
from backfill.report.summary import InputRows, NextStep, Predicted, Summary

if TYPE_CHECKING:
    from backfill.plan.build import Plan


def input_rows(frame: pd.DataFrame, sources: Sequence[str]) -> list[InputRows]:
    """Each input file (in the order given) with its number of rows in the plan."""
    counts = frame[model.SOURCE].astype(str).value_counts()
    names = list(dict.fromkeys([*map(str, sources), *map(str, counts.index)]))
    return [InputRows(file=name, rows=int(counts.get(name, 0))) for name in names]


def predicted_kpis(plan: Plan) -> Predicted:
    """The follow-up and close times CustomerGauge is predicted to compute, over the cases
    with an action to send: medians in hours, and how many cases are left without them."""
    cases = plan.cases[plan.cases["to_send"].gt(0)]
    follow_up = pd.to_numeric(cases["time_to_follow_up_h"], errors="coerce")
    close = pd.to_numeric(cases["time_to_close_h"], errors="coerce")
    emails = plan.assignment_emails
    policy = plan.config.send.assignee
    return Predicted(
        cases=len(cases),
        median_follow_up_h=_median(follow_up),
        median_close_h=_median(close),
        cases_without_follow_up=int(follow_up.isna().sum()),
        cases_without_close=int(close.isna().sum()),
        assignment_emails=int(emails.get(policy, 0)),
        assignee_policy=policy,
    )


def _median(values: pd.Series) -> float | None:
    known = values.dropna()
    return round(float(known.median()), 1) if len(known) else None


def sent_per_month(frame: pd.DataFrame, outcomes: Mapping[int, str]) -> dict[str, int]:
    """Actions accepted in this run (sent or partial), by month of their happened_at
    ("2023-01"), in calendar order; actions without a time count under "no time"."""
    keys = [key for key, outcome in outcomes.items() if outcome in (Outcome.SENT, Outcome.PARTIAL)]
    times = frame[model.HAPPENED_AT].reindex(keys).fillna("").astype(str)
    months = times.str.slice(0, 7).replace("", "no time")
    counts = months.value_counts()
    return {str(month): int(counts[month]) for month in sorted(counts.index)}


def duration_text(seconds: float) -> str:
    """A duration as a person says it: "under 10 s", "about 40 s", "about 7 min",
    "about 2.5 h", "about 14 h", "about 3.5 days"."""
    if seconds < 10:
        return "under 10 s"
    if seconds < 60:
        return f"about {round(seconds / 10) * 10} s"
    if seconds < 3600:
        return f"about {round(seconds / 60)} min"
    hours = seconds / 3600
    if hours < 10:
        return f"about {_one_decimal(hours)} h"
    if hours < 48:
        return f"about {round(hours)} h"
    return f"about {_one_decimal(hours / 24)} days"


def _one_decimal(value: float) -> str:
    text = f"{round(value * 2) / 2:.1f}"  # to the half: "2.5", "3.0"
    return text[:-2] if text.endswith(".0") else text


def sending_time(requests: int, send: SendConfig | float) -> str:
    """How long `requests` take at send.rate_limit per second: "195 requests at 5/s: about
    40 s" (the limit is the ceiling: sending never goes faster). Under `auto` the rate is
    found while sending, so the time is a range: from all at max_rate to all at start_rate."""
    noun = "request" if requests == 1 else "requests"
    if not isinstance(send, SendConfig):
        send = SendConfig(rate_limit=send)
    if send.rate_limit == "auto":
        return (
            f"{requests:,} {noun} at a rate found while sending ({send.start_rate:g} to "
            f"{send.max_rate:g}/s): between {duration_text(requests / send.max_rate)} and "
            f"{duration_text(requests / send.start_rate)}"
        )
    rate = f"{send.rate_limit:g}"
    return f"{requests:,} {noun} at {rate}/s: {duration_text(requests / send.rate_limit)}"


def seconds_text(seconds: float) -> str:
    """An elapsed time, exact enough to compare runs: "1.0 s", "3 min 20 s", "14 h 5 min"."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = math.floor(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min {secs} s"


def command_line(*words: str | Path) -> str:
    """A command a person can paste into a shell (paths quoted where needed)."""
    return " ".join(shlex.quote(str(word)) for word in words)


def next_steps(
    summary: Summary,
    *,
    command: str,
    inputs: Sequence[str],
    config_file: str | None,
    out_dir: Path,
    sandbox: bool,
) -> list[NextStep]:
    """What the person who ran it does next: fix and retry, resume, rehearse again, send for
    real, or verify."""
    outcomes = summary.outcomes
    config = ["-c", config_file] if config_file else []
    again = command_line("backfill", command, *inputs, *config, *(["--sandbox"] if sandbox else []))
    failed = sum(
        outcomes.get(name, 0) for name in (Outcome.FAILED, Outcome.INVALID, Outcome.BLOCKED)
    )
    pending = outcomes.get(Outcome.PENDING, 0)
    verified = summary.verify
    steps: list[NextStep] = []
    if pending:
        steps.append(
            NextStep(
                text=f"{pending:,} row(s) were not attempted (the run stopped). Run the same "
                "command again: it sends only what is not yet sent.",
                command=again,
            )
        )
    failures = out_dir / "failures.csv"
    if failed and sandbox:
        steps.append(
            NextStep(
                text=f"Fix the {failed:,} row(s) listed in {failures} (column error says "
                "why) in your input file, then rehearse again:",
                command=again,
            )
        )
    elif failed:
        steps.append(
            NextStep(
                text=f"Fix the {failed:,} row(s) in {failures} (or the Failures sheet of "
                "report.xlsx; column error says why), save, then send them:",
                command=command_line("backfill", "retry", failures, *config),
            )
        )
    differs = bool(verified and verified.exit_code)
    if differs:
        steps.append(
            NextStep(
                text="Some cases read back differ from the plan: see verify.csv (one line "
                "per case, with the fields that differ).",
            )
        )
    if failed or pending or differs:
        return steps
    if sandbox:
        real = command_line("backfill", "run", *(inputs if command == "run" else ["INPUT"]))
        steps.append(
            NextStep(
                text="The rehearsal is clean. Send for real (backfill asks before sending):",
                command=" ".join([real, *map(shlex.quote, config)]),
            )
        )
    elif verified:
        steps.append(NextStep(text="Nothing left to do.", command=""))
    else:
        files = inputs if command == "run" else []
        steps.append(
            NextStep(
                text="Check that CustomerGauge now holds each case as planned:",
                command=command_line("backfill", "verify", *files, *config),
            )
        )
    return steps


def _time_columns(plan: Plan) -> list[str]:
    """The input's columns that hold happened_at and the response date."""
    mapped = plan.config.input.columns
    names = [mapped.get(field, field) for field in ("happened_at", "response_date")]
    return [name for name in names if name in plan.original_columns]


def describe_run(
    summary: Summary,
    plan: Plan,
    outcomes: Mapping[int, str],
    *,
    command: str,
    inputs: Sequence[str],
    config_file: Path | None,
    out_dir: Path,
    started_at: datetime,
) -> None:
    """Add to a run's summary (build_summary's, with `target`, `sandbox` and `verify` when
    read back) what the Summary sheet and the console say besides the counts."""
    config = plan.config
    file = str(config_file) if config_file is not None else None
    summary.inputs = input_rows(plan.frame, plan.sources)
    counts = plan.file_counts()
    # (rows read as actions, a long file or a failures file: as many file rows as actions)
    summary.file_rows = int(counts.get("file_rows", summary.rows))
    summary.without_action = int(counts.get("without_action", 0))
    summary.layout = str(counts.get("layout", "long"))
    summary.encoding = encoding_facts(plan.encodings, plan.decisions)["encoding"]
    summary.config_file = file
    summary.api_version = config.api.version
    # with api.base_url the actions went to that URL, not to a region's host: no region
    summary.region = None if config.api.base_url else config.api.region
    summary.base_url = summary.target if config.api.base_url else None
    summary.token_url = config.api.token_url if config.api.version == "v7" else None
    summary.rate_limit = config.send.fixed_rate
    summary.predicted = predicted_kpis(plan)
    summary.time_columns = _time_columns(plan)
    summary.sent_per_month = sent_per_month(plan.frame, outcomes)
    summary.started_at = started_at.isoformat(timespec="seconds")
    summary.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
    summary.next_steps = next_steps(
        summary,
        command=command,
        inputs=inputs,
        config_file=file,
        out_dir=out_dir,
        sandbox=summary.sandbox,
    )
