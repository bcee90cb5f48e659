"""`backfill --help`: the commands in the order a migration uses them, each with its first
sentence in full, and the usual path as an epilog.

Commands not named in WORKFLOW (a new one) follow in alphabetical order; a command of the
path that does not exist (yet) is left out of both lists.
"""

from __future__ import annotations

import click

WORKFLOW = ("init", "validate", "plan", "run", "retry", "verify", "status", "sandbox")

# (command, example, what it is for): the epilog's usual path
USUAL_PATH = (
    ("init", "backfill init export.xlsx", "write a starting backfill.yaml"),
    ("validate", "backfill validate export.xlsx", "what is wrong, per row"),
    ("plan", "backfill plan export.xlsx", "send order, duration, e-mails"),
    ("run", "backfill run export.xlsx --sandbox", "a rehearsal, read back at the end"),
    ("run", "backfill run export.xlsx --pilot 10", "a pilot of 10 cases, then the rest"),
    ("retry", "backfill retry REPORTS/failures.csv", "after fixing its rows"),
    ("verify", "backfill verify export.xlsx", "read back and compare"),
    ("status", "backfill status", "what the journal knows, rows left"),
)


class WorkflowGroup(click.Group):
    """A click group that lists its commands in workflow order, without cutting their help."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = super().list_commands(ctx)
        known = [name for name in WORKFLOW if name in names]
        return known + sorted(set(names) - set(known))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, first_sentence(command)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = set(self.list_commands(ctx))
        steps = [(example, why) for name, example, why in USUAL_PATH if name in names]
        if not steps:
            return
        formatter.write_paragraph()
        formatter.write_text("The usual path (only run and retry send anything):")
        with formatter.indentation():
            formatter.write_dl(steps, col_max=36)


def first_sentence(command: click.Command) -> str:
    """A command's short help, or the first paragraph of its help, in full."""
    if command.short_help:
        return " ".join(command.short_help.split())
    paragraph = (command.help or "").strip().split("\n\n", 1)[0]
    return " ".join(paragraph.split())
