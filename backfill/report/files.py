"""The reports of a run: results.csv, failures.csv, summary.json, report.xlsx (SPEC.md).

Every input row appears exactly once in results.csv with one outcome, so the outcome counts
add up to the number of input rows; `build_summary` checks that before anything is written.
failures.csv keeps the input's own columns first, so that a person can fix the rows in Excel
and feed the file to ``backfill retry``. Every file a person may open goes through
`backfill.formula_guard`, which neutralises cells that Excel would run as formulas.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from backfill import model
from backfill.formula_guard import write_csv
from backfill.model import FAILURE_OUTCOMES, OUTCOMES, Result
from backfill.redact import redact_data
from backfill.report.summary import Summary
from backfill.report.workbook import XLSX_RESULTS_LIMIT, write_workbook

RESULT_COLUMNS = (
    "source",
    "row",
    "case_seq",
    "outcome",
    "http_status",
    "error",
    "attempts",
    "sent_at",
    "resent_uncertain",
    "answer_lost",
)
FAILURE_COLUMNS = ("source", "row", "outcome", "error")
_PREFIX = "backfill_"


def report_column(name: str, original_columns: Sequence[str]) -> str:
    """Our column's name, prefixed when the input already has a column of that name."""
    return f"{_PREFIX}{name}" if name in set(map(str, original_columns)) else name


@dataclass
class RunReport:
    """Everything the report files are made of."""

    results: pd.DataFrame  # every input row: original columns, then RESULT_COLUMNS
    failures: pd.DataFrame  # failed/invalid/blocked/pending rows: original columns, outcome, error
    summary: Summary
    files: list[Path] = field(default_factory=list)


def results_frame(
    frame: pd.DataFrame, original_columns: Sequence[str], results: Mapping[int, Result]
) -> pd.DataFrame:
    """One row per plan row (input order), its original columns and its result.

    `frame` is a plan frame (index = action key, internal columns of backfill.model);
    `results` must hold a Result for every key of it.
    """
    missing = [key for key in frame.index if key not in results]
    if missing:
        raise ValueError(f"no result for {len(missing)} plan rows (first keys: {missing[:5]})")
    ordered = _input_order(frame)
    originals = [c for c in original_columns if c in ordered.columns]
    out = ordered[originals].copy()
    names = {c: report_column(c, originals) for c in RESULT_COLUMNS}
    chosen = [results[key] for key in ordered.index]
    # a retry's rows name the export's file and row they came from, not the failures file's
    place = model.ORIGIN_COLUMNS if model.ORIGIN_SOURCE in ordered else (model.SOURCE, model.ROW)
    out[names["source"]] = ordered[place[0]].astype(str).to_numpy()
    out[names["row"]] = pd.array(ordered[place[1]].to_numpy(), dtype="Int64")
    out[names["case_seq"]] = pd.array(ordered[model.CASE_SEQ].to_numpy(), dtype="Int64")
    out[names["outcome"]] = [r.outcome for r in chosen]
    out[names["http_status"]] = pd.array([r.http_status for r in chosen], dtype="Int64")
    out[names["error"]] = [r.error or "" for r in chosen]
    out[names["attempts"]] = pd.array([r.attempts for r in chosen], dtype="Int64")
    out[names["sent_at"]] = [r.sent_at or "" for r in chosen]
    out[names["resent_uncertain"]] = [bool(r.resent_uncertain) for r in chosen]
    out[names["answer_lost"]] = [bool(r.answer_lost) for r in chosen]
    return out.reset_index(drop=True)


def _input_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows as the user wrote them: by file (in the order given), then spreadsheet row."""
    sources = {name: i for i, name in enumerate(dict.fromkeys(frame[model.SOURCE].astype(str)))}
    order = pd.DataFrame(
        {
            "source": frame[model.SOURCE].astype(str).map(sources).to_numpy(),
            "row": pd.to_numeric(frame[model.ROW], errors="coerce").fillna(0).to_numpy(),
        },
        index=frame.index,
    )
    return frame.loc[order.sort_values(["source", "row"], kind="stable").index]


def failures_frame(results: pd.DataFrame, original_columns: Sequence[str]) -> pd.DataFrame:
    """The rows to fix and retry: original columns first, then where each row came from
    (source, row: the export's, also for the rows of a retry) and what happened to it
    (outcome, error); retry reads the input columns, and source and row as their origin."""
    ours = [report_column(name, original_columns) for name in FAILURE_COLUMNS]
    originals = [c for c in original_columns if c in results.columns]
    rows = results[results[ours[2]].isin(sorted(FAILURE_OUTCOMES))]
    return rows[[*originals, *ours]].reset_index(drop=True)


def count_errors(results: Iterable[Result]) -> dict[str, int]:
    """Rows by error code (Result.code), over rows that have one, most frequent first."""
    return dict(Counter(r.code for r in results if r.code).most_common())


def build_summary(
    results: pd.DataFrame,
    original_columns: Sequence[str],
    *,
    run_id: str,
    cases: int,
    requests: int,
    elapsed_s: float,
    exit_code: int,
    errors: Mapping[str, int] | None = None,
    notes: Sequence[str] = (),
    extra: Mapping[str, Any] | None = None,
) -> Summary:
    """summary.json's counts; refuses to describe a run whose outcomes do not add up.
    `extra`: further summary.json keys, as they are written (a summary read back)."""
    outcome_col = report_column("outcome", original_columns)
    counted = results[outcome_col].value_counts().to_dict()
    unknown = sorted({str(name) for name in counted} - set(OUTCOMES))
    if unknown:
        raise AssertionError(f"unknown outcomes in the results: {unknown}")
    outcomes = {str(name): int(counted.get(name, 0)) for name in OUTCOMES}
    if sum(outcomes.values()) != len(results):
        raise AssertionError(
            f"outcome counts {outcomes} add up to {sum(outcomes.values())}, "
            f"not to the {len(results)} input rows"
        )
    uncertain_col = report_column("resent_uncertain", original_columns)
    lost_col = report_column("answer_lost", original_columns)
    summary = Summary(
        run_id=run_id,
        rows=len(results),
        cases=int(cases),
        outcomes=outcomes,
        errors=dict(errors or {}),
        requests=int(requests),
        elapsed_s=round(float(elapsed_s), 3),
        rate_per_s=round(requests / elapsed_s, 2) if elapsed_s > 0 else 0.0,
        exit_code=int(exit_code),
        resent_uncertain=int(results[uncertain_col].astype(bool).sum()),
        answer_lost=int(results[lost_col].astype(bool).sum()),
        notes=list(notes),
    )
    if extra:
        summary = Summary.from_json({**summary.to_json(), **extra})
    return summary


def build_report(
    frame: pd.DataFrame,
    original_columns: Sequence[str],
    results: Mapping[int, Result],
    **summary_fields: Any,
) -> RunReport:
    table = results_frame(frame, original_columns, results)
    return RunReport(
        results=table,
        failures=failures_frame(table, original_columns),
        summary=build_summary(
            table,
            original_columns,
            errors=count_errors(results[key] for key in frame.index),
            **summary_fields,
        ),
    )


def write_reports(
    report: RunReport,
    out_dir: Path,
    *,
    xlsx: bool = True,
    xlsx_results_limit: int = XLSX_RESULTS_LIMIT,
) -> list[Path]:
    """Write results.csv, failures.csv, summary.json and (unless `xlsx` is off) report.xlsx."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = [
        write_csv(report.results, out_dir / "results.csv"),
        write_csv(report.failures, out_dir / "failures.csv"),
    ]
    summary_path = out_dir / "summary.json"
    summary_path.write_text(
        json.dumps(redact_data(report.summary.to_json()), indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    files.append(summary_path)
    if xlsx:
        path = out_dir / "report.xlsx"
        write_workbook(
            report.summary,
            report.results,
            report.failures,
            path,
            results_limit=xlsx_results_limit,
            # failures_frame: the input's own columns, then FAILURE_COLUMNS
            retried=list(report.failures.columns[: -len(FAILURE_COLUMNS)]),
        )
        files.append(path)
    report.files = files
    return files
