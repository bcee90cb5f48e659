"""Planning: cells to actions. Statuses, times, notes and assignees normalised; response dates
attached (from the input, a responses file, or the API: plan/api_dates.py); every row
validated; each case's timeline ordered, blocked after a failure, and its follow-up and close
times predicted; each action's identity computed from the input (plan/identity.py); the
plan's files written.

May import the kernel (config, errors, model, formula_guard) and `backfill.read`; never sends
anything (the API is reached through a `JsonGetter` the caller passes) and never imports the
journal (a `ResponseDateStore` protocol stands for it).
"""
