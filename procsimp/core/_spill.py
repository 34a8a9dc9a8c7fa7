"""The private temporary folders procsimp's DuckDB databases spill to, and their removal.

Each folder is made in the system's temporary directory and named
``procsimp-duckdb-{pid}-{random}``, the process id of its owner first. It goes when the process
ends: at a normal exit or an uncaught exception (``atexit``), on Ctrl-C (which raises
``KeyboardInterrupt``), and on SIGTERM or SIGHUP when nothing else handles them (the folders go,
then the signal ends the process as it would have). A process killed outright (SIGKILL, the
out-of-memory killer, a crash) cannot clean up after itself: the next procsimp process that
makes a folder removes such stale ones, and only those that are surely stale: folders of this
naming, owned by the same user, whose owner process no longer exists.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import signal
import tempfile
import threading
from pathlib import Path
from typing import Any

__all__ = ["PREFIX", "remove_spill_folders", "remove_stale", "spill_folder"]

#: the start of every spill folder's name
PREFIX = "procsimp-duckdb-"
#: a spill folder's name: the prefix, the owner's process id, then what mkdtemp adds
_NAME = re.compile(re.escape(PREFIX) + r"(\d+)-[A-Za-z0-9_]+")
#: the signals that remove the folders before they end the process
_SIGNALS = ("SIGTERM", "SIGHUP")

_LOCK = threading.Lock()
_FOLDERS: list[str] = []


def spill_folder() -> str:
    """A new private folder for a DuckDB database's temporary files, removed when the process
    ends (see the module docstring); stale folders of dead processes are removed first."""
    remove_stale()
    folder = tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-")
    with _LOCK:
        first = not _FOLDERS
        _FOLDERS.append(folder)
    if first:
        atexit.register(remove_spill_folders)
        _catch_signals()
    return folder


def remove_spill_folders() -> None:
    """Remove this process's spill folders (at exit, on SIGTERM or SIGHUP, and when Ctrl-C could
    not stop the work: :mod:`procsimp.cli.entry`)."""
    with _LOCK:
        folders = list(_FOLDERS)
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


def _catch_signals() -> None:
    """Remove the folders on SIGTERM and SIGHUP, where no other handler is set (only the main
    thread may set one)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for name in _SIGNALS:
        num = getattr(signal, name, None)
        if num is None:
            continue
        try:
            if signal.getsignal(num) is signal.SIG_DFL:
                signal.signal(num, _on_signal)
        except (ValueError, OSError):  # pragma: no cover - not settable here
            pass


def _on_signal(signum: int, frame: Any) -> None:
    """Remove the folders, then end the process by the same signal, as it would have ended."""
    remove_spill_folders()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (one of another user counts as existing)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)  # signal 0: no signal, only the check
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, and belongs to someone else
        return True
    return True


def remove_stale(directory: str | os.PathLike[str] | None = None) -> list[Path]:
    """Remove the spill folders in ``directory`` (default: the system's temporary directory) left
    by procsimp processes that no longer exist: only folders named ``procsimp-duckdb-{pid}-...``,
    not links, owned by this user, whose process ``pid`` is gone. Returns the folders removed.
    (Not on Windows, where there is no harmless check that a process exists.)"""
    if os.name == "nt":
        return []
    base = Path(directory) if directory is not None else Path(tempfile.gettempdir())
    try:
        entries = list(os.scandir(base))
    except OSError:
        return []
    uid = os.getuid()
    removed: list[Path] = []
    for entry in entries:
        match = _NAME.fullmatch(entry.name)
        if match is None:
            continue
        try:
            if not entry.is_dir(follow_symlinks=False) or entry.stat(follow_symlinks=False).st_uid != uid:
                continue
        except OSError:
            continue
        if _alive(int(match.group(1))):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        if not os.path.lexists(entry.path):
            removed.append(Path(entry.path))
    return removed
