"""backfill/plan/forking.py: a function run in a forked child, its result or error brought back."""

from __future__ import annotations

import os
import signal

import pytest

from backfill.errors import ExitStatus, InputError
from backfill.plan import forking

pytestmark = pytest.mark.skipif(not forking.available(), reason="needs Linux fork")


def test_the_result_comes_back_and_the_child_sees_the_parents_memory() -> None:
    shared = list(range(1000))  # made before the fork, never sent to the child
    child = forking.start(lambda: (os.getpid(), sum(shared)))
    pid, total = child.result()
    assert pid == child.pid != os.getpid()
    assert total == sum(range(1000))


def test_a_backfill_error_in_the_child_is_raised_as_itself() -> None:
    def fail() -> None:
        raise InputError("history.csv row 7: the time 'soon' cannot be read")

    child = forking.start(fail)
    with pytest.raises(InputError, match="row 7") as raised:
        child.result()
    assert raised.value.exit_status == ExitStatus.USAGE


def test_an_exception_that_cannot_be_pickled_comes_back_as_text() -> None:
    class Odd(Exception):
        def __init__(self, a: int, b: int) -> None:  # pickling calls Odd(message): fails
            super().__init__(f"odd {a} {b}")

    def fail() -> None:
        raise Odd(1, 2)

    with pytest.raises(forking.ChildFailed, match="Odd: odd 1 2"):
        forking.start(fail).result()


def test_a_child_killed_by_a_signal_is_reported() -> None:
    def die() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    with pytest.raises(forking.ChildFailed, match="SIGKILL"):
        forking.start(die).result()


def test_cancel_stops_a_running_child() -> None:
    import time

    child = forking.start(lambda: time.sleep(60))
    child.cancel()
    with pytest.raises(ChildProcessError):
        os.waitpid(child.pid, os.WNOHANG)  # already reaped


def test_the_environment_turns_forking_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKFILL_PROCESSES", "1")
    assert forking.available() is False
    monkeypatch.setenv("BACKFILL_PROCESSES", "2")
    assert forking.available() is True


def test_ctrl_c_during_the_fork_stops_the_parent_and_never_runs_the_callers_code_twice(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    """A Ctrl-C that arrives while the process forks is held back: the child meets it inside
    its guarded part (and leaves), the parent raises it once it watches the child (and
    stops it). Here both processes signal themselves right after the fork."""
    real_fork = os.fork
    marks = tmp_path / "marks"

    def fork_then_ctrl_c() -> int:
        pid = real_fork()
        os.kill(os.getpid(), signal.SIGINT)  # held back: delivered when unblocked
        return pid

    monkeypatch.setattr(os, "fork", fork_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        forking.start(lambda: marks.write_text("child ran"))
        marks.write_text(f"caller code ran in {os.getpid()}")  # only if start returned
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # the child was stopped and reaped
    assert not marks.exists() or marks.read_text() == "child ran"


def test_a_result_taken_without_waiting_for_the_end_is_reaped_later() -> None:
    """result(wait_for_end=False) returns as soon as the whole result is in; reap() then
    leaves no child behind, ended or not."""
    big = list(range(200_000))  # something for the child to give back at its end
    child = forking.start(lambda: sum(big))
    assert child.result(wait_for_end=False) == sum(big)
    forking.reap()
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)
    assert forking._ENDING == []
