"""The journal: a SQLite record of every action sent, so that a re-run or a resume never sends
an action twice. Owns the store: schema and migration, locking, reading and writing entries,
runs and response dates; the target each journal belongs to and which journal a command
uses (target.py). It stores and looks up; what to send is the runner's decision
(backfill/runner/resume.py) and identities are computed by the plan (backfill/plan/identity.py).

May import the kernel only.
"""
