"""report.xlsx's Summary sheet: one run, top-down, in plain words.

Where the actions went (a SANDBOX REHEARSAL banner, or the tenant's region and URL), from
which files and config, when and how fast, what happened to the rows (coloured counts and
shares), why rows were not sent, what reading back found, what CustomerGauge is predicted
to show, and what to do next; with two native charts: outcomes, and actions sent per month.
Everything comes from the run's Summary (backfill/report/summary.py), as summary.json.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference, ScatterChart, Series
from openpyxl.chart.marker import DataPoint
from openpyxl.styles import Alignment, Font, PatternFill

from backfill.codes import explain
from backfill.model import OUTCOMES
from backfill.plan.layouts import rows_became
from backfill.report.facts import seconds_text
from backfill.report.summary import Summary
from backfill.report.workbook import (
    DATE_FORMAT,
    HEADER_FILL,
    HEADER_FONT,
    OUTCOME_COLOURS,
    WriteOnlySheet,
    cell_value,
    landscape_fit_to_width,
    outcome_fill,
    outcome_font,
    row_height,
    start_writing,
)

SANDBOX_BANNER = "SANDBOX REHEARSAL: nothing was sent to CustomerGauge"
OUTCOME_WORDS = {
    "sent": "Sent",
    "partial": "Partly applied (partial)",
    "failed": "Failed",
    "invalid": "Invalid: not sent",
    "blocked": "Blocked: not sent",
    "already_sent": "Already sent by an earlier run",
    "duplicate": "Duplicate: not sent",
    "pending": "Pending: not attempted",
}
BANNER_SANDBOX = PatternFill("solid", fgColor="F4B084")
BANNER_REAL = PatternFill("solid", fgColor="305496")
SECTION_FILL = PatternFill("solid", fgColor="D9E1F2")
WIDTHS = {"A": 38, "B": 64, "C": 10, "D": 2}
TOP_REASONS = 10


class _Sheet:
    """Appends rows to a write-only sheet and remembers their numbers (for the charts)."""

    def __init__(self, sheet: WriteOnlySheet) -> None:
        self.sheet = sheet
        self.row = 0

    def cell(self, value: Any, **style: Any) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.sheet, value=cell_value(value))
        for name, setting in style.items():
            setattr(cell, name, setting)
        return cell

    def add(self, *values: Any) -> int:
        self.sheet.append(list(values))
        self.row += 1
        return self.row

    def blank(self) -> None:
        self.add()

    def section(self, title: str) -> None:
        self.blank()
        bold = Font(bold=True, size=12)
        self.add(*(self.cell(text, font=bold, fill=SECTION_FILL) for text in (title, None, None)))

    def header(self, *titles: str) -> None:
        self.add(*(self.cell(title, font=HEADER_FONT, fill=HEADER_FILL) for title in titles))

    def table(
        self, title: str, headers: tuple[str, str], rows: Iterable[tuple[Any, Any]]
    ) -> tuple[int, int]:
        """A section of two-column rows under `headers`; the rows' range, for a chart."""
        self.section(title)
        self.header(*headers)
        first = self.row + 1
        for row in rows:
            self.add(*row)
        return first, self.row

    def item(
        self, label: str, value: Any, *, number_format: str | None = None, extra: Any = None
    ) -> int:
        """A line "label: value" (value left-aligned, text or number alike), wrapped, its
        height set to fit; `extra` goes in the third column."""
        cell = self.cell(value, alignment=LEFT_WRAP)
        if number_format:
            cell.number_format = number_format
        lines = max(_lines(label, WIDTHS["A"]), _lines(value, WIDTHS["B"]))
        if lines > 1:
            self.sheet.row_dimensions[self.row + 1].height = row_height(lines)
        label_cell = self.cell(label, font=Font(bold=True), alignment=LEFT_WRAP)
        extra_cell = self.cell(extra, alignment=TOP) if extra is not None else None
        return self.add(label_cell, cell, extra_cell)


LEFT_WRAP = Alignment(horizontal="left", vertical="top", wrap_text=True)
TOP = Alignment(vertical="top")


def _lines(value: Any, width: float) -> int:
    text = str(value) if isinstance(value, str) else ""
    return max(1, math.ceil(len(text) / (width - 2)), text.count("\n") + 1)


def write_summary_sheet(sheet: WriteOnlySheet, summary: Summary, notes: Sequence[str] = ()) -> None:
    for letter, width in WIDTHS.items():
        sheet.column_dimensions[letter].width = width
    landscape_fit_to_width(sheet, landscape=False)
    start_writing(sheet)
    out = _Sheet(sheet)
    _banner(out, summary)
    _where(out, summary)
    _when(out, summary)
    outcome_rows = _outcomes(out, summary)
    _reasons(out, summary)
    _pilot(out, summary)
    _verified(out, summary)
    _predicted(out, summary)
    _next(out, summary)
    all_notes = [*summary.notes, *notes]
    if all_notes:
        out.section("Notes")
        for note in all_notes:
            out.item("Note", note)
    month_rows = _months(out, summary)
    rate_rows = _rate_table(out, summary)
    _charts(sheet, outcome_rows, month_rows)
    if rate_rows is not None:
        _rate_chart(sheet, rate_rows)


def _banner(out: _Sheet, summary: Summary) -> None:
    if summary.sandbox:
        text, fill, colour = SANDBOX_BANNER, BANNER_SANDBOX, "000000"
    else:
        region = (summary.region or "").upper()
        text = (
            f"CustomerGauge {region}: {summary.target}" if region else f"Sent to {summary.target}"
        )
        fill, colour = BANNER_REAL, "FFFFFF"
    font = Font(bold=True, size=16, color=colour)
    out.sheet.row_dimensions[1].height = 26  # (a 16-point line; the default row is 15)
    middle = Alignment(vertical="center")
    out.add(*(out.cell(v, font=font, fill=fill, alignment=middle) for v in (text, None, None)))
    out.sheet.merged_cells.add("A1:C1")
    title = f"backfill {summary.command} {summary.run_id}: exit status {summary.exit_code}"
    out.add(out.cell(title, font=Font(italic=True, color="595959")))


def _where(out: _Sheet, summary: Summary) -> None:
    out.section("Where the actions went")
    target = summary.target
    if summary.sandbox:
        where = f"a local CustomerGauge emulator at {target} (--sandbox), not CustomerGauge"
    elif summary.region:
        where = (
            f"CustomerGauge region {summary.region}, API {summary.api_version or '?'}, at {target}"
        )
    else:  # api.base_url: the URL actually used, not a region's name over it
        where = f"{target} (api.base_url), API {summary.api_version or '?'}"
    out.item("Target", where)
    if summary.token_url and not summary.sandbox:
        out.item("Token URL", summary.token_url)
    unit = "rows" if summary.layout == "long" else "actions"
    for item in summary.inputs:
        out.item("Input file", f"{item.file} ({item.rows:,} {unit})")
    if summary.encoding:
        out.item("Encoding", summary.encoding)
    if summary.layout != "long":
        out.item(
            "File rows",
            rows_became(summary.rows, summary.layout, summary.file_rows, summary.without_action),
        )
    out.item("Config file", summary.config_file or "none: built-in defaults")
    if summary.journal:
        out.item("Journal", summary.journal)


def _when(out: _Sheet, summary: Summary) -> None:
    out.section("When and how fast (times in UTC)")
    for label, stamp in (("Started", summary.started_at), ("Finished", summary.finished_at)):
        when = _time(stamp)
        if when is not None:
            out.item(label, when, number_format=DATE_FORMAT)
    out.item("Time spent sending", seconds_text(float(summary.elapsed_s)))
    out.item("Requests", int(summary.requests))
    rate = f"{summary.rate_per_s:g} requests/s"
    if summary.rate_over_time:
        rate += f" (rate_limit: auto, at most {summary.rate_limit:g}/s)"
    elif summary.rate_limit:
        rate += f" (limit: {summary.rate_limit:g}/s)"
    out.item("Achieved rate", rate)
    if summary.rate_over_time:
        found = summary.rate_found
        out.item(
            "Rate found",
            f"{found:g} requests/s: where the server pushed back (or the limit it stated)"
            if found is not None
            else "none: the server never pushed back below the most allowed",
        )


def _time(text: Any) -> datetime | None:
    if not text:
        return None
    try:
        when = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return when.replace(tzinfo=None)


def _outcomes(out: _Sheet, summary: Summary) -> tuple[int, int]:
    """The outcome table; returns its first and last data rows."""
    out.section("What happened to the rows")
    out.header("Outcome", "Rows", "Share")
    total = summary.rows or 1
    first = out.row + 1
    for name in OUTCOMES:
        count = int(summary.outcomes.get(name, 0))
        fill, font = outcome_fill(name), outcome_font(name, bold=bool(count))
        share = out.cell(count / total, fill=fill, font=font)
        share.number_format = "0.0%"
        out.add(
            out.cell(OUTCOME_WORDS.get(name, name), fill=fill, font=font),
            out.cell(count, fill=fill, font=font),
            share,
        )
    last = out.row
    out.add(out.cell("Total", font=Font(bold=True)), out.cell(summary.rows))
    if summary.resent_uncertain:
        out.item(
            "Re-sent after a lost answer",
            f"{summary.resent_uncertain:,} (flagged resent_uncertain in Results)",
        )
    if summary.answer_lost:
        out.item(
            "Answer lost (may have been applied)",
            f"{summary.answer_lost:,} (flagged answer_lost in Results)",
        )
    return first, last


def _reasons(out: _Sheet, summary: Summary) -> None:
    errors = summary.errors
    if not errors:
        return
    out.section("Why rows were not sent (each row's reason: the error column of Failures)")
    out.header("Reason", "What it means", "Rows")
    for code, count in list(errors.items())[:TOP_REASONS]:
        out.item(code, explain(code), extra=int(count))
    if len(errors) > TOP_REASONS:
        rest = sum(int(n) for n in list(errors.values())[TOP_REASONS:])
        out.item("other reasons", "", extra=rest)


def _pilot(out: _Sheet, summary: Summary) -> None:
    pilot = summary.pilot
    if pilot is None:
        return
    out.section("Pilot: cases sent first and read back before the rest")
    verdict = "every pilot case matches" if pilot.passed else "did not verify: the rest was held"
    out.item("Verdict", verdict)
    for case in pilot.cases:
        found = pilot.verdicts.get(case, "not read back")
        out.item(f"Case {case}", found, extra=", ".join(pilot.covers.get(case, [])))
    for cause in pilot.causes:
        out.item("Likely cause", cause.advice, extra=", ".join(cause.cases))


def _verified(out: _Sheet, summary: Summary) -> None:
    verify = summary.verify
    if verify is None:
        return
    out.section("Read back from the target and compared with the plan")
    verdict = "every case matches" if not verify.exit_code else "some cases differ"
    out.item("Verdict", f"{verdict} (details per case: verify.csv)")
    out.item("Counts", verify.summary)


def _predicted(out: _Sheet, summary: Summary) -> None:
    kpis = summary.predicted
    if kpis is None:
        return
    out.section("What CustomerGauge will show (predicted from the plan)")
    out.item("Cases with actions to send", kpis.cases)
    for label, value in (
        ("Median time to follow up", kpis.median_follow_up_h),
        ("Median time to close", kpis.median_close_h),
    ):
        out.item(label, f"{value:g} h" if value is not None else "none (no case has one)")
    out.item("Cases left without a follow-up time", kpis.cases_without_follow_up)
    out.item("Cases left without a close time", kpis.cases_without_close)
    out.item(
        "Assignment e-mails caused",
        f"{kpis.assignment_emails:,} (send.assignee: {kpis.assignee_policy})",
    )


def _next(out: _Sheet, summary: Summary) -> None:
    steps = summary.next_steps
    if not steps:
        return
    out.section("What to do next")
    code = Font(name="Consolas", color="1F3864")
    for number, step in enumerate(steps, start=1):
        out.item(f"Step {number}", step.text)
        if step.command:
            command = out.cell(step.command, font=code, alignment=LEFT_WRAP)
            lines = _lines(step.command, WIDTHS["B"])
            if lines > 1:
                out.sheet.row_dimensions[out.row + 1].height = row_height(lines)
            out.add(None, command)


def _months(out: _Sheet, summary: Summary) -> tuple[int, int] | None:
    months = summary.sent_per_month
    if not months:
        return None
    return out.table(
        "Actions sent per month (month of happened_at)",
        ("Month", "Actions"),
        ((str(month), int(count)) for month, count in months.items()),
    )


def _charts(
    sheet: WriteOnlySheet, outcomes: tuple[int, int], months: tuple[int, int] | None
) -> None:
    chart = BarChart()
    chart.type = "bar"
    chart.title = "Rows by outcome"
    chart.legend = None
    chart.y_axis.title = "rows"
    first, last = outcomes
    chart.add_data(Reference(sheet, min_col=2, min_row=first, max_row=last), titles_from_data=False)
    chart.set_categories(Reference(sheet, min_col=1, min_row=first, max_row=last))
    series = chart.series[0]
    for index, name in enumerate(OUTCOMES):
        point = DataPoint(idx=index)
        point.graphicalProperties.solidFill = OUTCOME_COLOURS[name][1]
        series.dPt.append(point)
    chart.x_axis.scaling.orientation = "maxMin"  # first outcome on top, as in the table
    chart.width, chart.height = 16, 8
    sheet.add_chart(chart, "E3")
    if months is None:
        return
    per_month = BarChart()
    per_month.title = "Actions sent per month"
    per_month.legend = None
    first, last = months
    per_month.add_data(
        Reference(sheet, min_col=2, min_row=first, max_row=last), titles_from_data=False
    )
    per_month.set_categories(Reference(sheet, min_col=1, min_row=first, max_row=last))
    per_month.series[0].graphicalProperties.solidFill = "305496"
    per_month.width, per_month.height = 16, 8
    sheet.add_chart(per_month, "E21")


def _rate_table(out: _Sheet, summary: Summary) -> tuple[int, int] | None:
    """rate_limit: auto: the pace at each change, the data of the rate chart."""
    points = summary.rate_over_time
    if not points:
        return None
    return out.table(
        "Pace over the run (rate_limit: auto)",
        ("Seconds into the run", "Requests/s"),
        ((float(at_s), float(pace)) for at_s, pace in points),
    )


def _rate_chart(sheet: WriteOnlySheet, rows: tuple[int, int]) -> None:
    chart = ScatterChart()
    chart.title = "Pace over the run"
    chart.style = 13
    chart.legend = None
    chart.x_axis.title = "seconds into the run"
    chart.y_axis.title = "requests/s"
    first, last = rows
    values = Reference(sheet, min_col=2, min_row=first, max_row=last)
    series = Series(values, Reference(sheet, min_col=1, min_row=first, max_row=last))
    series.graphicalProperties.line.solidFill = "305496"
    chart.series.append(series)
    chart.width, chart.height = 16, 8
    sheet.add_chart(chart, "E39")
