"""Verification: read CustomerGauge back (GET close-loop, over the pager of
`backfill.read.sync_pages`), build the expected final state of each case from the plan and the
journal, and compare.

May import the kernel, `backfill.read`, `backfill.plan`, `backfill.send` and `backfill.journal`;
never `backfill.report` (its sibling) or above.
"""
