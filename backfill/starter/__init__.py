"""Starting configs (`backfill init`): what an export's header and values say about its
columns, statuses, dates, layout and time zone, each guess with its evidence, and the YAML
written from it; also the hints of the missing-column error and `validate`.

May import the kernel, `backfill.read` and `backfill.plan`; nothing but the CLI imports it.
"""
