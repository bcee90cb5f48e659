"""The journal: a SQLite record of every action sent, so that a re-run or a resume never sends
an action twice. Owns the store, the content identities of actions and the resume decisions.

May import the kernel and `backfill.plan` (to read a plan's actions).
"""
