"""gzip decompression: ISA-L (``isal``, about three times faster than zlib) when installed, else
the standard library. Both raise the errors in :data:`ERRORS` on damaged input.

Decompression is streamed and bounded (:class:`Budget`): a small file that expands without end (a
"gzip bomb") is refused with the limit it broke, instead of exhausting memory or the temp folder.
The limit is :data:`MAX_RATIO` times the compressed size (but at least :data:`MIN_BUDGET`) and at
most :data:`MAX_TOTAL`; the environment variable ``PROCSIMP_MAX_UNPACKED`` (bytes, or a size such
as ``20G``) replaces both for a genuine, very repetitive log.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import re
import signal
import threading
import types
import zlib
from collections.abc import Iterator
from typing import IO, Any

from procsimp.errors import LogReadError, ParameterError

__all__ = ["ERRORS", "decompress", "open_read", "Budget", "signals_exit", "MAX_RATIO", "MAX_TOTAL", "MIN_BUDGET"]

_impl: types.ModuleType = gzip
_errors: list[Any] = [OSError, EOFError, zlib.error]
try:  # pragma: no branch - which one depends on the installation
    from isal import igzip, isal_zlib

    _impl = igzip
    _errors.append(isal_zlib.error)
except ImportError:  # pragma: no cover - isal is a dependency; kept for minimal installs
    pass

#: the exceptions that a damaged or truncated gzip file raises
ERRORS: tuple[type[BaseException], ...] = tuple(_errors)

#: event logs compress 5-30 times; far beyond that, the file is built to expand
MAX_RATIO = 200
#: below this, the ratio is not checked (a tiny file of a very repetitive log)
MIN_BUDGET = 64 << 20
#: the most a compressed log may expand to
MAX_TOTAL = 16 << 30
ENV = "PROCSIMP_MAX_UNPACKED"
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)


def _size(text: str) -> int:
    m = _SIZE.match(text)
    if m is None:
        raise ParameterError(f"{ENV}={text!r} is not a size; write bytes or a size such as 500M or 20G")
    return int(float(m.group(1)) * 1024 ** " kmgt".index(m.group(2).lower() or " "))


def _human(n: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} bytes"


class Budget:
    """How many decompressed bytes a compressed file of ``compressed`` bytes may produce."""

    def __init__(self, compressed: int, source: str) -> None:
        self.source = source
        self.used = 0
        override = os.environ.get(ENV)
        if override:
            self.limit, self.why = _size(override), f"the limit {ENV}={override}"
        else:
            by_ratio = max(MIN_BUDGET, MAX_RATIO * compressed)
            self.limit = min(by_ratio, MAX_TOTAL)
            self.why = (f"{MAX_RATIO} times its compressed size, and at least {_human(MIN_BUDGET)}" if by_ratio <= MAX_TOTAL
                        else f"the limit of {_human(MAX_TOTAL)}")

    def take(self, n: int) -> None:
        self.used += n
        if self.used > self.limit:
            raise LogReadError(
                f"{self.source}: decompresses to more than {_human(self.limit)} ({self.why}); it looks like a "
                f"gzip bomb: if it is a genuine log, set {ENV} to a larger size (e.g. {ENV}=20G) and run again"
            )


def decompress(data: bytes, source: str = "<memory>") -> bytes:
    """The decompressed bytes of a whole gzip file, within a :class:`Budget`."""
    import io

    budget = Budget(len(data), source)
    out = bytearray()
    with _impl.open(io.BytesIO(data), "rb") as stream:
        while True:
            chunk = stream.read(min(1 << 22, budget.limit - budget.used + 1))
            if not chunk:
                break
            budget.take(len(chunk))
            out += chunk
    return bytes(out)


def open_read(path: Any) -> IO[bytes]:
    """A binary stream of the decompressed content of a gzip file."""
    stream: IO[bytes] = _impl.open(path, "rb")
    return stream


@contextlib.contextmanager
def signals_exit() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise :class:`SystemExit` instead of ending the
    process at once, so that ``finally`` blocks remove temporary files. Only the main thread can
    set handlers; elsewhere the block runs as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def leave(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    saved = {}
    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is None:
            continue
        with contextlib.suppress(ValueError, OSError):
            saved[sig] = signal.signal(sig, leave)
    try:
        yield
    finally:
        for sig, handler in saved.items():
            with contextlib.suppress(ValueError, OSError):
                signal.signal(sig, handler)
