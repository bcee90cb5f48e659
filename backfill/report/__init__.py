"""Reports a person opens: results.csv, failures.csv, summary.json, report.xlsx, and the
formula-safe CSV/XLSX writing they share.

May import the kernel only.
"""
