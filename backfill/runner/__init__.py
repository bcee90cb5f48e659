"""The orchestration of `run`, `retry` and `status`: plan, consult the journal, send, report;
signals (Ctrl-C, SIGTERM) and the in-process sandbox rehearsal.

May import every package except `backfill.cli`.
"""
