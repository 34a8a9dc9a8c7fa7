"""The ``procsimp`` program (and ``python -m procsimp``): the CLI group run as a process.

Ctrl-C stops a command: its output folder is left as it was (:mod:`procsimp.output.folder`),
``Aborted!`` is printed on stderr, and the process then ends *by SIGINT*, as Python itself ends
on a Ctrl-C that no code handles: the shell sees status 130, and a script that runs procsimp
(``for f in *.csv; do procsimp report "$f" ...; done``) stops too, instead of going on to the
next file as it would after an ordinary exit status. The process ends that way whatever it was
doing when the signal came; before, it ended with status 1 or by SIGINT depending on where the
signal landed (Python marks a Ctrl-C that lands while code compiled from a string runs, such as
a dataclass being made, as unhandled even once it is handled).

Ctrl-C never leaves the process hanging: DuckDB can wait forever while it cancels the query
that the signal stopped, so a command that has not ended some seconds after Ctrl-C is ended then
(:func:`_end_if_stuck`).

The group itself (:data:`procsimp.cli.main`), as tests and other programs call it in-process
(click's ``CliRunner``), keeps click's convention: ``Aborted!`` and exit code 1.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from types import FrameType, TracebackType
from typing import Any

import click

__all__ = ["run"]


def run() -> None:
    """Run the CLI on ``sys.argv`` and end the process by SIGINT if Ctrl-C stopped it."""
    from procsimp.cli import main

    stopped = _watch_sigint()
    try:
        main.main(prog_name="procsimp")  # ends with SystemExit, "Aborted!" printed after Ctrl-C
    except SystemExit:
        if not stopped.is_set():
            raise
    except KeyboardInterrupt:  # a Ctrl-C after click's own handling, as the command ended
        click.echo("Aborted!", err=True)
    # an unhandled KeyboardInterrupt: Python shuts down as usual (atexit handlers, the spill
    # folders' removal), then ends the process by SIGINT; its traceback is not shown
    sys.excepthook = _quiet_interrupt
    raise KeyboardInterrupt from None


def _watch_sigint() -> threading.Event:
    """An event set when SIGINT arrives; the signal still raises ``KeyboardInterrupt``. A SIGINT
    that the process ignores (a job started in the background) stays ignored."""
    stopped = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        return stopped
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        return stopped

    def on_sigint(signum: int, frame: FrameType | None) -> Any:
        if not stopped.is_set():
            stopped.set()
            threading.Thread(target=_end_if_stuck, name="procsimp-ctrl-c", daemon=True).start()
        return signal.default_int_handler(signum, frame)

    signal.signal(signal.SIGINT, on_sigint)
    return stopped


#: seconds a command has to stop after Ctrl-C before the process is ended without it
GRACE_SECONDS = 5.0


def _end_if_stuck() -> None:
    """Ctrl-C stops the work at once, but DuckDB (2.0.1, and 1.5 more rarely) can wait forever
    while it cancels a query that the signal stopped (in its ``Executor::CancelTasks``). If the
    process is still running :data:`GRACE_SECONDS` after the signal, the temporary folders
    where DuckDB spills are removed, ``Aborted!`` is printed, and the process ends by SIGINT
    anyway. An output folder being written is left as it was; the half-written copy beside it
    is removed by the next run into it (:mod:`procsimp.output.folder`)."""
    time.sleep(GRACE_SECONDS)
    from procsimp.core._spill import remove_spill_folders

    remove_spill_folders()
    with contextlib.suppress(Exception):
        sys.stderr.write("Aborted! (the engine did not stop within "
                         f"{GRACE_SECONDS:g} s of Ctrl-C; the process was ended without it)\n")
        sys.stderr.flush()
    with contextlib.suppress(Exception):  # SIGINT back to its default action, from this thread
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.signal.restype = ctypes.c_void_p
        libc.signal.argtypes = (ctypes.c_int, ctypes.c_void_p)
        libc.signal(int(signal.SIGINT), 0)  # SIG_DFL
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(1)
    os._exit(128 + int(signal.SIGINT))


def _quiet_interrupt(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    if not issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, value, tb)
