"""Progress of long work: the stage and the service being worked on, on one status line.

The library reports where it is with :func:`step` (``step("report", item="Đăng ký khai sinh",
index=3, total=8)``); by default nobody listens and a step costs one context-variable lookup.
The command line listens with :func:`status_line`: on a terminal, one line on stderr is
rewritten in place (``procsimp · report · Đăng ký khai sinh (3/8) · 12 s``) and erased before
any other output and when the command ends, so the output that stays is the same as without
it. Nothing is written when stderr is not a terminal (piped, redirected, captured) or with
``procsimp --quiet``.

The listener lives in a :mod:`contextvars` variable: work in other threads reports nothing.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import IO

__all__ = ["step", "listening", "status_line", "is_terminal", "Guard"]

#: called with (stage, item, index, total) at each step
Listener = Callable[[str, "str | None", "int | None", "int | None"], None]

_LISTENER: contextvars.ContextVar[Listener | None] = contextvars.ContextVar("procsimp_progress", default=None)


def step(stage: str, item: str | None = None, *, index: int | None = None, total: int | None = None) -> None:
    """Say that work on ``stage`` starts (on ``item``, such as a service: the ``index``-th of
    ``total``, counted from 1)."""
    listener = _LISTENER.get()
    if listener is not None:
        listener(stage, item, index, total)


@contextlib.contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Send the steps of the block to ``listener``."""
    token = _LISTENER.set(listener)
    try:
        yield
    finally:
        _LISTENER.reset(token)


def is_terminal(stream: IO[str]) -> bool:
    """Whether ``stream`` is an interactive terminal (and not a dumb one)."""
    try:
        return bool(stream.isatty()) and os.environ.get("TERM", "") != "dumb"
    except (AttributeError, ValueError, OSError):
        return False


class _StatusLine:
    """One line on ``stream``, redrawn in place, with the seconds since the command started."""

    def __init__(self, stream: IO[str], interval: float) -> None:
        self.stream = stream
        self.interval = interval
        self.text = ""
        self.started = time.monotonic()
        self.lock = threading.RLock()
        self.shown = False
        self.done = threading.Event()
        self.ticker = threading.Thread(target=self._tick, name="procsimp-progress", daemon=True)

    def __call__(self, stage: str, item: str | None, index: int | None, total: int | None) -> None:
        parts = [stage]
        if item is not None:
            parts.append(" ".join(str(item).split()) + (f" ({index}/{total})" if index is not None and total else ""))
        with self.lock:
            self.text = " · ".join(parts)
        self._draw()

    def _tick(self) -> None:
        while not self.done.wait(self.interval):
            self._draw()

    def _draw(self) -> None:
        with self.lock:
            if self.done.is_set() or not self.text:
                return
            seconds = int(time.monotonic() - self.started)
            line = f"procsimp · {self.text} · {seconds} s"
            width = _width(self.stream)
            if len(line) > width - 1:
                line = line[: max(width - 2, 1)] + "…"
            try:
                self.stream.write("\r\x1b[2K" + line)
                self.stream.flush()
                self.shown = True
            except (OSError, ValueError):  # the terminal went away: stop drawing
                self.done.set()

    def erase(self) -> None:
        """Erase the line before other output; it comes back at the next step or tick."""
        if self.shown:
            with contextlib.suppress(OSError, ValueError):
                self.stream.write("\r\x1b[2K")
                self.stream.flush()
            self.shown = False

    def close(self) -> None:
        with self.lock:
            self.done.set()
            self.erase()


def _width(stream: IO[str]) -> int:
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        columns = 0
    return columns if columns >= 20 else 80  # a terminal that does not say its size


class _Erasing:
    """A text stream that erases the status line before each write (stdout and stderr share
    the terminal)."""

    def __init__(self, stream: IO[str], line: _StatusLine) -> None:
        self._stream = stream
        self._line = line

    def write(self, text: str) -> int:
        with self._line.lock:
            self._line.erase()
            return int(self._stream.write(text))

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


class Guard:
    """What :func:`status_line` yields: :meth:`wrap` a stream so that writing to it erases the
    status line first (the stream itself when no line is shown)."""

    def __init__(self, line: _StatusLine | None) -> None:
        self._line = line

    def wrap(self, stream: IO[str]) -> IO[str]:
        return stream if self._line is None else _Erasing(stream, self._line)  # type: ignore[return-value]


@contextlib.contextmanager
def status_line(*, quiet: bool = False, stream: IO[str] | None = None, interval: float = 0.5) -> Iterator[Guard]:
    """Show the steps of the block on one status line of ``stream`` (stderr), when it is a
    terminal and not ``quiet``; otherwise do nothing. The line is erased at the end."""
    out = sys.stderr if stream is None else stream
    if quiet or not is_terminal(out):
        yield Guard(None)
        return
    line = _StatusLine(out, interval)
    line.ticker.start()
    try:
        with listening(line):
            yield Guard(line)
    finally:
        line.close()
        line.ticker.join(timeout=interval * 2)
