"""gzip decompression: ISA-L (``isal``, about three times faster than zlib) when installed, else
the standard library. Both raise the errors in :data:`ERRORS` on damaged input."""

from __future__ import annotations

import gzip
import types
import zlib
from typing import IO, Any

__all__ = ["ERRORS", "decompress", "open_read"]

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


def decompress(data: bytes) -> bytes:
    """The decompressed bytes of a whole gzip file."""
    return bytes(_impl.decompress(data))


def open_read(path: Any) -> IO[bytes]:
    """A binary stream of the decompressed content of a gzip file."""
    stream: IO[bytes] = _impl.open(path, "rb")
    return stream
