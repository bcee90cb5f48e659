"""Starting configs (`backfill init`): what an export's header and values say about its
columns, statuses, dates, layout and time zone, each guess with its evidence, and the YAML
written from it; also the hints of the missing-column error and `validate`.

May import the kernel, `backfill.read` and `backfill.plan` (it sits beside send and the
journal, which it never imports); the CLI and the runner's `write_plan` (for its hints) use it.
"""
