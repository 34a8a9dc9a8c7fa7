"""Output folders that are whole or untouched.

Every command that writes a folder (``report``, ``mine``, ``propose``, ``profile --out``,
``flag --out``, ``generate``) goes through :func:`output_folder`:

* the folder is checked before any analysis runs: it must not be a file, it and its parent must
  be writable, and a non-empty folder that procsimp did not create is refused unless ``force``;
* a lock (``.NAME.procsimp-lock`` beside the folder, held with ``flock``) refuses a second
  concurrent writer with a clear message; the operating system releases it when a run dies;
* the outputs are built in a temporary sibling folder (``.NAME.XXXX.procsimp-tmp``) and renamed
  into place when, and only when, the run succeeds; the previous folder stays whole until then;
* an exception, Ctrl-C or SIGTERM removes the temporary folder and leaves the previous one as it
  was; debris left by a run that was killed outright (SIGKILL, power loss) is removed by the next
  run into the same folder;
* the finished folder carries a marker file (:data:`MARKER`) naming the command that made it, so
  that a later run may replace it without ``force``.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import json
import os
import secrets
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from procsimp.errors import OutputFolderError, ParameterError

__all__ = ["MARKER", "OutputFolder", "output_folder", "check_output_folder", "check_out_argument", "check_log_outside"]

#: the file that marks a folder as written by procsimp (JSON: command and version)
MARKER = ".procsimp-output.json"
_TMP_SUFFIX = ".procsimp-tmp"
_OLD_SUFFIX = ".procsimp-old"
_LOCK_SUFFIX = ".procsimp-lock"


@dataclass(frozen=True)
class OutputFolder:
    """The folder a run writes into (``work``, temporary) and the one it will become (``target``)."""

    work: Path
    target: Path

    def final(self, path: str | os.PathLike[str]) -> Path:
        """Where ``path`` (a file under :attr:`work`) will be once the run has finished."""
        return self.target / Path(path).relative_to(self.work)


def check_out_argument(out: Any, *, option: str = "out") -> Path:
    """``out`` as a Path; a :class:`~procsimp.errors.ParameterError` for anything that is not a
    folder path (None, a number, bytes, an empty string, an existing file)."""
    if isinstance(out, bytes) or not isinstance(out, (str, os.PathLike)) or not str(os.fspath(out)).strip():
        raise ParameterError(
            f"{option} must be the path of a folder (a str or pathlib.Path), got {out!r}; e.g. {option}='outputs/report'"
        )
    path = Path(os.fspath(out))
    if path.exists() and not path.is_dir():
        raise OutputFolderError(f"{path}: is a file, not a folder; give {option} a folder path (it is created if missing)")
    return path


def check_log_outside(log: str | os.PathLike[str], out: str | os.PathLike[str]) -> None:
    """A :class:`~procsimp.errors.ParameterError` when the log file is inside ``out``: the output
    folder is replaced as a whole, so the log would go with it."""
    p, o = Path(os.path.realpath(log)), Path(os.path.realpath(out))
    if o in p.parents:
        raise ParameterError(
            f"the log {log} is inside the output folder --out {out}, which is replaced as a whole when "
            "the command succeeds; move the log or choose another --out"
        )


def _writable(path: Path) -> bool:
    """Writable for this process and not marked read-only (root ignores the mode, procsimp does not)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return os.access(path, os.W_OK | os.X_OK) and bool(mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def _folder_error(path: Path, exc: OSError, what: str) -> OutputFolderError:
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        reason = "no space left on the disk"
    return OutputFolderError(f"{path}: {what} ({reason}); the folder was left as it was")


# ---------------------------------------------------------------------------- lock
class _Lock:
    def __init__(self, target: Path) -> None:
        self.path = target.parent / f".{target.name}{_LOCK_SUFFIX}"
        self.fd: int | None = None

    def acquire(self, target: Path) -> None:
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as exc:
                raise _folder_error(target.parent, exc, "cannot create the lock file of the output folder") from None
            if not _try_lock(fd):
                holder = ""
                with contextlib.suppress(OSError, ValueError):
                    os.lseek(fd, 0, os.SEEK_SET)
                    pid = int(os.read(fd, 32).decode("ascii").strip() or 0)
                    holder = f" (process {pid})" if pid else ""
                os.close(fd)
                raise OutputFolderError(
                    f"{target}: another procsimp run{holder} is writing this folder; wait for it to "
                    "finish, or choose another output folder"
                )
            # the file may have been removed by the run that held it just before: lock the file
            # that is at the path now, or two runs could each hold a lock on a different file
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                self.fd = fd
                os.ftruncate(fd, 0)
                os.lseek(fd, 0, os.SEEK_SET)
                os.write(fd, f"{os.getpid()}\n".encode("ascii"))
                return
            os.close(fd)

    def release(self) -> None:
        if self.fd is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()
        os.close(self.fd)  # closing releases the lock
        self.fd = None


def _try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


# ---------------------------------------------------------------------------- signals
class _Signals:
    """SIGTERM and SIGHUP raise ``SystemExit`` (so that clean-up runs) while a folder is built;
    during the final renames every signal waits until they are done."""

    _NAMES = ("SIGTERM", "SIGHUP")

    def __init__(self) -> None:
        self.previous: dict[int, Any] = {}
        self.deferring = False
        self.pending: int | None = None

    def _handler(self, signum: int, frame: Any) -> None:
        if self.deferring:  # (SIGINT comes here only then)
            self.pending = signum
            return
        raise SystemExit(128 + signum)

    def __enter__(self) -> _Signals:
        if threading.current_thread() is threading.main_thread():
            for name in self._NAMES:
                num = getattr(signal, name, None)
                if num is not None:
                    self.previous[num] = signal.signal(num, self._handler)
        return self

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        """Hold SIGINT, SIGTERM and SIGHUP back until the block is done."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        self.deferring = True
        saved_int = signal.signal(signal.SIGINT, self._handler)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, saved_int)
            self.deferring = False
            if self.pending is not None:
                signum, self.pending = self.pending, None
                if signum == signal.SIGINT:
                    # sent again, to the handler it was held back from: Python's (KeyboardInterrupt),
                    # or the program's, which notes it (procsimp.cli.entry)
                    signal.raise_signal(signum)
                else:
                    self._handler(signum, None)

    def __exit__(self, *exc: object) -> None:
        for num, handler in self.previous.items():
            signal.signal(num, handler)
        self.previous.clear()


# ---------------------------------------------------------------------------- the folder
def _made_by(target: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((target / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _check_parent(target: Path) -> None:
    """The folder that holds ``target`` must be writable: the run creates and renames in it."""
    if _writable(target.parent):
        return
    if target.exists():
        raise OutputFolderError(
            f"{target.parent}: the folder is read-only, so {target.name!r} in it cannot be replaced; make "
            "it writable or choose another output folder"
        )
    raise OutputFolderError(
        f"{target.parent}: the folder is read-only, so the output folder {target.name!r} cannot be "
        "created in it; make it writable or choose another output folder"
    )


def _check_target(target: Path, *, force: bool, command: str) -> None:
    if not target.exists():
        return
    if not target.is_dir():
        raise OutputFolderError(f"{target}: is a file, not a folder; choose another output folder")
    if not _writable(target):
        raise OutputFolderError(
            f"{target}: the folder is read-only; make it writable (chmod u+w) or choose another output folder"
        )
    if force:
        return
    try:
        empty = next(os.scandir(target), None) is None
    except OSError as exc:
        raise _folder_error(target, exc, "cannot list the output folder") from None
    if empty:
        return
    made = _made_by(target)
    if made is None:
        raise OutputFolderError(
            f"{target}: the folder is not empty and was not written by procsimp; its files would be "
            "replaced: choose another output folder, or add --force (force=True in Python) to replace it"
        )
    other = str(made.get("command") or "")
    if command and other and other != command:
        raise OutputFolderError(
            f"{target}: the folder holds the output of 'procsimp {other}', which this 'procsimp {command}' "
            "run would replace: choose another output folder, or add --force (force=True in Python) to replace it"
        )


def check_output_folder(out: str | os.PathLike[str], *, force: bool = False, command: str = "") -> None:
    """The checks of :func:`output_folder` (the lock is only tried, not kept): a command makes
    them before it reads the log, so that a bad folder is named before any analysis runs."""
    target = check_out_argument(out)
    target = Path(os.path.abspath(target.resolve() if target.is_symlink() else target))
    parent = target.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent  # the folders to be made: the nearest existing one must be writable
    if parent != target.parent and not _writable(parent):
        raise OutputFolderError(f"{parent}: the folder is read-only, so {target} cannot be created in it; choose another output folder")
    if parent == target.parent:
        _checked_lock(target, force=force, command=command).release()


def _check_not_a_home(target: Path) -> None:
    """The working directory, a folder above it, the home folder or a root is never replaced."""
    cwd = Path(os.path.abspath(os.getcwd()))
    home = Path(os.path.abspath(Path.home()))
    if target == cwd or target in cwd.parents or target == home or target.parent == target:
        raise OutputFolderError(
            f"{target}: is the working directory, a folder that holds it, or your home folder; procsimp "
            "replaces its output folder as a whole, so give it a folder of its own, e.g. --out outputs/report"
        )


def _checked_lock(target: Path, *, force: bool, command: str) -> _Lock:
    """Check ``target`` and its parent, and take the lock (held on return)."""
    _check_not_a_home(target)
    if target.exists() and target.is_dir() and not _writable(target):
        _check_target(target, force=force, command=command)  # read-only: said before anything else
    _check_parent(target)
    lock = _Lock(target)
    lock.acquire(target)
    try:
        _check_target(target, force=force, command=command)
    except BaseException:
        lock.release()
        raise
    return lock


def _remove_debris(target: Path) -> None:
    """Temporary folders left by runs into ``target`` that were killed (we hold the lock now)."""
    pattern = glob.escape(str(target.parent / f".{target.name}.")) + "*"
    for suffix in (_TMP_SUFFIX, _OLD_SUFFIX):
        for path in glob.glob(pattern + suffix):
            shutil.rmtree(path, ignore_errors=True)


def _swap(work: Path, target: Path) -> None:
    """Put ``work`` in the place of ``target``; the previous ``target`` is removed only after."""
    old: Path | None = None
    if target.exists():
        old = target.parent / f".{target.name}.{secrets.token_hex(4)}{_OLD_SUFFIX}"
        os.replace(target, old)
    try:
        os.replace(work, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def output_folder(out: str | os.PathLike[str], *, force: bool = False, command: str = "") -> Iterator[OutputFolder]:
    """Build a run's outputs in a temporary sibling of ``out`` and rename it into place at the end.

    Yields an :class:`OutputFolder`: write under ``.work``, report paths with ``.final(path)``.
    Raises :class:`~procsimp.errors.OutputFolderError` before anything runs when ``out`` is a file,
    read-only, locked by another run, or a non-empty folder that procsimp did not write (or that
    another command wrote) and ``force`` is false.
    """
    target = check_out_argument(out)
    if target.is_symlink():
        target = target.resolve()
    target = Path(os.path.abspath(target))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _folder_error(target.parent, exc, "cannot create the folder") from None
    lock = _checked_lock(target, force=force, command=command)
    try:
        _remove_debris(target)
        try:
            work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=_TMP_SUFFIX, dir=target.parent))
        except OSError as exc:
            raise _folder_error(target.parent, exc, "cannot create a folder here") from None
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(work, 0o777 & ~umask)  # mkdtemp makes 0700 folders; give outputs the usual mode
        with _Signals() as signals:
            try:
                try:
                    yield OutputFolder(work=work, target=target)
                    marker = {"procsimp": _version(), "command": command}
                    (work / MARKER).write_text(json.dumps(marker) + "\n", encoding="utf-8")
                    with signals.deferred():
                        _swap(work, target)
                except OSError as exc:
                    name = str(exc.filename or "")
                    if name == str(work) or name.startswith(str(work) + os.sep):
                        raise _folder_error(target, exc, "could not write the outputs") from None
                    raise
            except BaseException:
                shutil.rmtree(work, ignore_errors=True)
                raise
    finally:
        lock.release()


def _version() -> str:
    from procsimp.core.version import __version__

    return str(__version__)
