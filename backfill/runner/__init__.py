"""The orchestration of `run`, `retry` and `status`: plan, consult the journal, ask the
caller's `confirm`, send, report, verify when asked; signals (Ctrl-C, SIGTERM), the request
log and the in-process sandbox rehearsal. Progress goes to an `on_progress` callback.

May import every package except `backfill.cli`.
"""
