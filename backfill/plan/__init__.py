"""Planning: cells to actions. Statuses, times, notes and assignees normalised; response dates
attached; every row validated; each case's timeline ordered, blocked after a failure, and its
follow-up and close times predicted; the plan's files written.

May import the kernel (config, errors, model, formula_guard) and `backfill.read`; never sends
anything.
"""
