"""Run a function in a forked child process and take its result back (Linux only).

Planning a million rows is CPU-bound Python; a second core helps only through a second
process. A forked child starts with the parent's memory as it is (the read table, the
arrays computed so far) without copying or pickling it, so the only cost is sending the
result back, which callers keep small (counts, a few rows, file names).

The child never returns into the caller's code: it runs the function, writes the pickled
result (or the exception) to a pipe and leaves with ``os._exit``, so no atexit handler,
buffered output or finally block of the parent runs twice. An exception in the child is
raised again in the parent, as the same exception when it can be pickled (a BackfillError
keeps its one-paragraph message and its exit status).

``BACKFILL_PROCESSES=1`` in the environment turns forking off (everything runs in one
process); so does any platform without ``os.fork`` semantics that are safe here (macOS,
Windows).
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import sys
from collections.abc import Callable
from typing import Any

_OK = "ok"
_ERROR = "error"


def available() -> bool:
    """Whether `start` may fork: Linux, and not switched off by BACKFILL_PROCESSES=1."""
    return (
        sys.platform == "linux"
        and hasattr(os, "fork")
        and os.environ.get("BACKFILL_PROCESSES", "").strip() != "1"
    )


class ChildFailed(RuntimeError):
    """The child process died or its result could not be read."""


class Forked:
    """A running child; `result()` waits for it."""

    def __init__(self, pid: int, reader: int) -> None:
        self.pid = pid
        self._reader = reader
        self._done = False

    def result(self, *, wait_for_end: bool = True) -> Any:
        """The function's return value; its exception is raised here. With `wait_for_end`
        False, a child that sent its whole result and is still ending (giving its memory back:
        20-40 ms for a large one) is left to `reap`."""
        chunks = []
        reader, self._reader = self._reader, -1  # closed by the `with` below, whatever happens
        loaded: tuple[str, Any] | None = None
        try:
            with os.fdopen(reader, "rb") as pipe:  # read all before waiting: no deadlock
                while chunk := pipe.read(1 << 20):
                    chunks.append(chunk)
            loaded = _loaded(b"".join(chunks))
        finally:
            if loaded is None:  # no whole result: how the child ended says why
                _, status = os.waitpid(self.pid, 0)
            self._done = True
        if loaded is None:
            if os.WIFSIGNALED(status):
                name = signal.Signals(os.WTERMSIG(status)).name
                raise ChildFailed(f"a worker process was killed by {name}")
            raise ChildFailed(
                f"a worker process ended (status {os.waitstatus_to_exitcode(status)}) "
                "without a result"
            )
        if wait_for_end:
            os.waitpid(self.pid, 0)
        elif os.waitpid(self.pid, os.WNOHANG)[0] == 0:
            _ENDING.append(self.pid)
        kind, value = loaded
        if kind == _ERROR:
            raise value
        return value

    def cancel(self) -> None:
        """Stop the child if it still runs (the parent failed and will not wait for it)."""
        if self._done:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        if self._reader >= 0:
            with contextlib.suppress(OSError):
                os.close(self._reader)
            self._reader = -1
        os.waitpid(self.pid, 0)
        self._done = True


_ENDING: list[int] = []  # children whose whole result arrived while they were ending


def reap() -> None:
    """Wait for the children left ending by `Forked.result(wait_for_end=False)` (by now they
    usually have ended: nothing is waited for)."""
    while _ENDING:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(_ENDING.pop(), 0)


def _loaded(payload: bytes) -> tuple[str, Any] | None:
    """The (kind, value) a child sent, None when its result is empty or cut."""
    try:
        kind, value = pickle.loads(payload)
    except Exception:  # an empty or cut pipe: the child died
        return None
    return kind, value


def start(function: Callable[[], Any]) -> Forked:
    """Fork; the child runs `function()` and sends back what it returns or raises. OSError
    when the fork fails (nothing started then)."""
    reader, writer = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    # Objects that exist now are left out of the garbage collector's passes, in both
    # processes: a pass touches every object it tracks, which in the child would copy
    # every shared memory page.
    gc.freeze()
    # Ctrl-C is held back across the fork: arriving between the fork and the child's `try`,
    # it would send the child back into the caller's code; arriving before the parent holds
    # the handle, it would leave the child unwatched. Each side lets it through once safe.
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        pid = os.fork()
    except OSError:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        os.close(reader)
        os.close(writer)
        raise
    if pid == 0:  # the child: never returns
        status = 1
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
            os.close(reader)
            try:
                payload = pickle.dumps((_OK, function()), protocol=pickle.HIGHEST_PROTOCOL)
                status = 0
            except BaseException as exc:  # everything goes back to the parent
                payload = _pickled_error(exc)
            with os.fdopen(writer, "wb") as pipe:
                pipe.write(payload)
        finally:
            os._exit(status)
    os.close(writer)
    child = Forked(pid, reader)
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
    except BaseException:  # a Ctrl-C held back during the fork
        child.cancel()
        raise
    return child


def _pickled_error(exc: BaseException) -> bytes:
    try:
        payload = pickle.dumps((_ERROR, exc))
        pickle.loads(payload)  # an exception whose arguments do not round-trip
        return payload
    except Exception:
        return pickle.dumps((_ERROR, ChildFailed(f"{type(exc).__name__}: {exc}")))
