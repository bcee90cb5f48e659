"""The orchestration of `run`, `retry`, `plan`/`validate` and `status`, as library functions.

A run is three phases: prepare (prepare.py: the plan, the journal's decisions of resume.py,
the go-ahead of the caller's `confirm`), send (sending.py: one event loop, Ctrl-C, the
journal's hooks; verify_after.py) and finish (finish.py: every row's Result, the exit status,
the reports). Also the sandbox rehearsal (rehearsal.py), what a run leaves on disk
(footprint.py), plan files (planning.py) and requests.jsonl (requests_file.py), the pilot
cases of `run --pilot` (pilot.py), `backfill status` (status.py). Progress goes to an
`on_progress` callback, lines to an `echo` callback.

May import every package except `backfill.cli`.
"""
