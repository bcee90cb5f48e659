"""Verification: read CustomerGauge back (GET close-loop, GET responses: one pager), build the
expected final state of each case from the plan and the journal, and compare.

May import the kernel, `backfill.read`, `backfill.plan`, `backfill.send`, `backfill.journal`
and `backfill.report`.
"""
