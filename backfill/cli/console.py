"""What the commands print: short summaries in lines a person reads, and the next step.

Counts come first, problems as compact lists, then where the reports are and the command to
run next; a rehearsal (--sandbox) says so in its first and last line. The texts are built
from the library's summaries (Plan.summary(), a run's Summary) and only printed here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backfill.codes import explain
from backfill.config import DEFAULT_CONFIG_FILE
from backfill.plan.layouts import rows_became
from backfill.report.facts import seconds_text, sending_time

if TYPE_CHECKING:
    from backfill.config import Config
    from backfill.report.summary import PilotReport, Summary
    from backfill.runner.run import RunOutcome

REHEARSAL_FIRST = (
    "SANDBOX REHEARSAL: sending to a local CustomerGauge emulator; nothing goes to CustomerGauge."
)
REHEARSAL_LAST = "SANDBOX REHEARSAL ended: nothing was sent to CustomerGauge."
NOT_SENT = ("failed", "invalid", "blocked")
REASONS_SHOWN = 5


def config_file_used(path: Path | None) -> Path | None:
    """The config file a command reads: -c, else ./backfill.yaml when it exists."""
    if path is not None:
        return path
    return DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.exists() else None


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def _listed(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{code} {count:,}" for code, count in counts.items())


def plan_text(summary: Mapping[str, Any], sources: Sequence[str], config: Config) -> str:
    """The plan's summary (Plan.summary()), one fact a line:

    history.csv: 210 rows, 64 cases
      to send:  195
      invalid:  5 (bad-assignee 1, bad-time 1, ...)
      ...
    """
    names = ", ".join(dict.fromkeys(Path(source).name for source in sources)) or "input"
    became = rows_became(
        summary["rows"],
        summary.get("layout", "long"),
        summary.get("file_rows"),
        summary.get("without_action", 0),
    )
    lines = [f"{names}: {became}, {_plural(summary['cases'], 'case')}"]

    def fact(label: str, text: str) -> None:
        lines.append(f"  {label + ':':<9} {text}")

    fact("to send", f"{summary['valid']:,}")
    invalid = f"{summary['invalid']:,}"
    if summary["by_code"]:
        invalid += f" ({_listed(summary['by_code'])})"
    fact("invalid", invalid)
    blocked = f"{summary['blocked']:,}"
    if summary["blocked"]:
        blocked += " (later actions of a case with an invalid one)"
    fact("blocked", blocked)
    if summary["duplicate"]:
        fact("duplicate", f"{summary['duplicate']:,} (identical rows, not sent again)")
    fact("warnings", _listed(summary["warnings"]) or "none")
    emails = summary["assignment_emails"]
    chosen = config.send.assignee
    others = ", ".join(f"{p}: {emails[p]:,}" for p in ("every", "last", "never") if p != chosen)
    fact("e-mails", f"{emails['chosen']:,} assignment e-mails (send.assignee: {chosen}; {others})")
    fact("sending", sending_time(summary["valid"], config.send))
    if not summary["response_dates_checked"]:
        fact("response dates", "not checked (responses.source: api, fetched by run)")
    zone_line = naive_zone_text(summary)
    if zone_line:
        fact("zone", zone_line)
    encoding_line = encoding_text(summary)
    if encoding_line:
        fact("encoding", encoding_line)
    if summary.get("unknown_statuses"):
        from backfill.plan.vocabulary import unknown_statuses_text

        lines.append(unknown_statuses_text(summary["unknown_statuses"]))
    return "\n".join(lines)


def naive_zone_text(summary: Mapping[str, Any]) -> str:
    """The zone times without an offset were read in, when the config does not say it."""
    count = int(summary.get("naive_times", 0))
    if not count or summary.get("timezone_set", True):
        return ""
    return (
        f"{_plural(count, 'time')} without an offset read as {summary['timezone']}; "
        "input.timezone is not set: set it to the zone the export was written in"
    )


def encoding_text(summary: Mapping[str, Any]) -> str:
    """The encoding the text was read in, when it is not UTF-8, and what decided it."""
    why = summary.get("encoding_evidence")
    if not why:
        return ""
    how = "set by input.encoding" if why == "input.encoding" else f"decided from the file: {why}"
    return f"read as {summary['encoding']}, not UTF-8 ({how})"


def plan_exit_text(summary: Mapping[str, Any], invalid_file: Path | None) -> str | None:
    """Why validate/plan exit 1, and what to do; None when every row is valid."""
    rows = summary["invalid"] + summary["blocked"]
    if not rows:
        return None
    where = f" ({invalid_file} says why)" if invalid_file is not None else ""
    return (
        f"Exit status 1 is expected: {_plural(rows, 'row')} cannot be sent as they are{where}.\n"
        "Fix them in the input file, or run anyway: the valid rows are sent and these come "
        "back in failures.csv."
    )


def run_text(outcome: RunOutcome) -> str:
    """The end of `run`/`retry`: counts, time, verdicts, reports, exit status, next step."""
    summary = outcome.summary
    shown = ", ".join(f"{name} {count:,}" for name, count in summary.outcomes.items() if count)
    became = rows_became(summary.rows, summary.layout, summary.file_rows, summary.without_action)
    lines = [f"{became}: {shown or 'none'}"]
    pace = f" ({summary.rate_per_s:g}/s)" if summary.rate_per_s else ""  # (one request: none)
    lines.append(
        f"  {summary.requests:,} requests in {seconds_text(float(summary.elapsed_s))}{pace}"
    )
    lines.extend(reasons_text(summary.errors))
    if summary.pilot is not None:
        lines.append(f"  {pilot_text(summary.pilot)}")
    if summary.verify is not None:
        lines.append(f"  {summary.verify.summary}")
    for note in summary.notes:
        lines.append(f"  note: {note}")
    lines.append(reports_text(outcome))
    explained = _exit_text(summary)
    if explained:
        lines.append(explained)
    if summary.next_steps:
        lines.append("Next:")
        for step in summary.next_steps:
            lines.append(f"  {step.text}")
            if step.command:
                lines.append(f"    {step.command}")
    if summary.sandbox:
        lines.append(REHEARSAL_LAST)
    return "\n".join(lines)


def reports_text(outcome: RunOutcome) -> str:
    """Where the reports are, naming only files the run wrote: report.xlsx to open, or
    without it (output.xlsx: false) the files there are."""
    names = [path.name for path in outcome.files]
    if "report.xlsx" in names:
        return f"Reports: {outcome.out_dir} (open report.xlsx)"
    if not names:
        return f"Reports: {outcome.out_dir}"
    return f"Reports: {outcome.out_dir} ({', '.join(names)})"


def reasons_text(errors: Mapping[str, int]) -> list[str]:
    """Why rows were not sent, most rows first: each code, its rows and what it means (the
    register's words, as the Summary sheet's)."""
    if not errors:
        return []
    lines = ["  why not sent (each row's own reason: the error column of failures.csv):"]
    for code, count in list(errors.items())[:REASONS_SHOWN]:
        lines.append(f"    {code} {count:,}: {explain(code) or 'see the error column'}")
    rest = len(errors) - REASONS_SHOWN
    if rest > 0:
        lines.append(f"    and {_plural(rest, 'more reason')}")
    return lines


def pilot_text(pilot: PilotReport) -> str:
    """`pilot: 3 cases (1001, 1002, 1003): match` or what did not, and why."""
    named = ", ".join(pilot.cases)
    if pilot.passed:
        return f"pilot: {len(pilot.cases)} case(s) ({named}) read back as planned"
    shown = ", ".join(f"{case} {pilot.verdicts.get(case, 'not read back')}" for case in pilot.cases)
    causes = "; ".join(cause.advice for cause in pilot.causes)
    return f"pilot: did not verify ({shown})" + (f": {causes}" if causes else "")


def _exit_text(summary: Summary) -> str | None:
    code = summary.exit_code
    outcomes = summary.outcomes
    if code == 3:
        return (
            f"Exit status 3: the run stopped ({summary.aborted or 'aborted'}); "
            f"{outcomes.get('pending', 0):,} row(s) are pending."
        )
    if code == 2:
        return f"Exit status 2: nothing was sent ({summary.aborted or 'stopped'})."
    if code != 1:
        return None
    not_sent = {name: outcomes.get(name, 0) for name in NOT_SENT if outcomes.get(name, 0)}
    if not not_sent:
        return "Exit status 1: some cases read back differ from the plan (see verify.csv)."
    total = sum(not_sent.values())
    text = f"Exit status 1: {_plural(total, 'row')} not sent ({_listed(not_sent)})"
    if not_sent.keys() <= {"invalid", "blocked"}:
        return text + "; expected until they are fixed."
    return text + "."
