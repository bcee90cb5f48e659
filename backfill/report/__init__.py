"""Reports a person opens: results.csv, failures.csv, summary.json, report.xlsx.
The formula-safe CSV writing they share is in the kernel (`backfill.formula_guard`).

May import the kernel only.
"""
