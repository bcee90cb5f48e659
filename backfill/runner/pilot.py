"""`run --pilot N`: which whole cases go first, so that one read-back proves the rest will land.

A pilot is worth as much as the variety it covers: a tenant that ignores happened_at shows it
on any case, but one that drops re-opens, notes or assignees shows it only on a case that has
them. So the pilot is chosen greedily: each pick is the case that covers most of what the
pilot does not cover yet (a re-open, a note, an assignee, the longest timeline, each input
file's time column), ties going to the earlier case in send order; when everything is
covered and N is not reached, the next cases in send order fill it up. Same plan, same pilot.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from backfill.config import Config
from backfill.model import Action

REOPEN = "a re-open"
NOTE = "a note"
ASSIGNEE = "an assignee"


@dataclass(frozen=True)
class Pilot:
    """The pilot's cases (in send order), the rest, and what each pilot case covers."""

    cases: list[list[Action]]
    rest: list[list[Action]]
    reasons: dict[str, list[str]] = field(default_factory=dict)  # case -> what it covers

    @property
    def case_ids(self) -> list[str]:
        return [case[0].case for case in self.cases]


def time_column_of(config: Config) -> Callable[[Action], str]:
    """The input column an action's time was read from (each may have its own convention)."""
    inp = config.input
    if inp.layout == "wide":

        def step_column(action: Action) -> str:
            named = inp.steps.get(action.status, action.status)
            return named if isinstance(named, str) else " / ".join(named)

        return step_column
    column = inp.columns.get("happened_at") or "happened_at"
    return lambda action: column


def _reopens(case: Sequence[Action]) -> bool:
    closed = False
    for action in case:
        if action.status == "closed":
            closed = True
        elif closed:
            return True
    return False


def features(case: Sequence[Action], time_column: Callable[[Action], str]) -> list[str]:
    """What of the plan's variety one case shows (the longest timeline is added by the caller)."""
    found: list[str] = []
    if _reopens(case):
        found.append(REOPEN)
    if any(action.note for action in case):
        found.append(NOTE)
    if any(action.assignee for action in case):
        found.append(ASSIGNEE)
    columns = dict.fromkeys(
        f"time column {time_column(action)!r} of {action.source}"
        for action in case
        if action.happened_at
    )
    found.extend(columns)
    return found


def choose_pilot(cases: Sequence[list[Action]], size: int, config: Config) -> Pilot:
    """The first `size` cases to send and read back (module docstring); `cases` in send order."""
    if size <= 0 or not cases:
        return Pilot([], list(cases))
    column = time_column_of(config)
    covers = [features(case, column) for case in cases]
    longest = max(range(len(cases)), key=lambda i: (len(cases[i]), -i))
    covers[longest].append(f"the longest timeline ({len(cases[longest])} actions)")
    wanted = {item for items in covers for item in items}
    chosen: dict[int, list[str]] = {}
    while len(chosen) < min(size, len(cases)):
        best, gain = -1, -1
        for i, items in enumerate(covers):
            if i in chosen:
                continue
            new = sum(1 for item in items if item in wanted)
            if new > gain:
                best, gain = i, new
            if wanted and new == len(wanted):
                break
        new_items = [item for item in covers[best] if item in wanted]
        chosen[best] = new_items or ["one more case"]
        wanted.difference_update(new_items)
    order = sorted(chosen)
    return Pilot(
        cases=[cases[i] for i in order],
        rest=[case for i, case in enumerate(cases) if i not in chosen],
        reasons={cases[i][0].case: chosen[i] for i in order},
    )
