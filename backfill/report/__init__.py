"""Reports a person opens: results.csv, failures.csv, summary.json and report.xlsx, from a
plan and every row's Result. Owns the typed `Summary` (report/summary.py) that summary.json,
the workbook's Summary sheet and the console all show, and the facts it holds (report/facts.py).

May import the kernel (the formula guard of its CSV cells is `backfill.formula_guard`) and,
for a plan's facts, `backfill.plan`; never `backfill.verify` (its sibling) or above.
"""
