"""The fast, dependency-light half of XES reading: a byte scan and the rustxes call.

Kept free of pandas and pyarrow so that the worker process of a two-process parse starts quickly
(see :func:`procsimp.io.xes._parse_in_two` and :mod:`procsimp.io._xes_worker`).
"""

from __future__ import annotations

import contextlib
import mmap
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

_CHUNK = 1 << 23
_OVERLAP = 1 << 12
_BAD_ENTITY = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)")
_KEY = re.compile(rb'key\s*=\s*"([^"]*)"')
_APOSTROPHE = re.compile(rb"'")
_SINGLE_QUOTED = re.compile(rb"=\s*'")


@dataclass
class _Scan:
    naive: tuple[str, str] | None = None  # (key, value) of a date without offset
    offset_sample: tuple[str, str] | None = None
    offsets: set[str] = field(default_factory=set)
    bad_entity: bool = False
    single_quotes: bool = False
    odd: tuple[str, str] | None = None  # a date value rustxes would not parse

    def merge(self, other: _Scan) -> None:
        self.naive = self.naive or other.naive
        self.offset_sample = self.offset_sample or other.offset_sample
        self.offsets |= other.offsets
        self.bad_entity = self.bad_entity or other.bad_entity
        self.single_quotes = self.single_quotes or other.single_quotes
        self.odd = self.odd or other.odd

    @property
    def trusted(self) -> bool:
        """Whether rustxes' output can be used as it is."""
        return not (self.bad_entity or self.single_quotes or self.odd)

    def to_dict(self) -> dict[str, Any]:
        return {"naive": self.naive, "offset_sample": self.offset_sample, "offsets": sorted(self.offsets),
                "bad_entity": self.bad_entity, "single_quotes": self.single_quotes, "odd": self.odd}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> _Scan:
        return cls(naive=tuple(d["naive"]) if d["naive"] else None,
                   offset_sample=tuple(d["offset_sample"]) if d["offset_sample"] else None,
                   offsets=set(d["offsets"]), bad_entity=d["bad_entity"], single_quotes=d["single_quotes"],
                   odd=tuple(d["odd"]) if d["odd"] else None)


class _Fallback(Exception):
    """rustxes cannot be trusted for this file; use the lxml parser."""


# ---------------------------------------------------------------------------- prolog
# ---------------------------------------------------------------------------- byte scan
def _unknown_date(known: list[bytes]) -> re.Pattern[bytes]:
    """A date element whose value does not end like any of ``known`` (b'' = a digit: no offset)."""
    guards = b"".join(
        rb"(?<![0-9]\")" if k == b"" else rb"(?<!" + re.escape(k + b'"') + rb")" for k in known
    )
    return re.compile(rb'<date\s[^>]*value\s*=\s*"[^"]*"' + guards)  # no group: twice as fast


_DATE_VALUE = re.compile(rb'<date\s[^>]*value\s*=\s*"([^"]*)"')
_OFFSET_TAIL = re.compile(rb"(Z|z|[+-]\d\d(?::?\d\d)?)$")


def _scan_file(path: Path) -> _Scan:
    """Read the plain XES file once: undeclared entities, quoting, and every date's timezone suffix.

    The dates are checked with one regex search that skips every date whose suffix is already
    known; it stops only at a date of a new kind, so the whole file is scanned about once.
    """
    scan = _Scan()
    known: list[bytes] = []
    pattern = _unknown_date(known)
    with open(path, "rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            return scan
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            start = buf.find(b"<trace")  # the header's <global> defaults are not data
            if start < 0:
                return scan
            scan.bad_entity = _BAD_ENTITY.search(buf, start) is not None
            quote = _APOSTROPHE.search(buf, start)  # fast: most logs have none at all
            scan.single_quotes = quote is not None and _SINGLE_QUOTED.search(buf, quote.start() - 8) is not None
            pos = start
            while True:
                m = pattern.search(buf, pos)
                if m is None:
                    break
                found = _DATE_VALUE.match(buf, m.start())
                if found is None:  # not expected (the pattern matched a date element): read it carefully
                    scan.odd = scan.odd or ("?", buf[m.start():m.end()].decode("utf-8", "replace"))
                    break
                value = found.group(1).strip()
                key = _KEY.search(buf, m.start(), m.end())
                sample = ((key.group(1) if key else b"?").decode("utf-8", "replace"), value.decode("utf-8", "replace"))
                tz = _OFFSET_TAIL.search(value)
                if tz is not None and re.search(rb"T[0-9:.]+" + re.escape(tz.group(1)) + rb"$", value):
                    spelling = tz.group(1)
                    scan.offsets.add(spelling.decode())
                    scan.offset_sample = scan.offset_sample or sample
                    known.append(spelling)
                elif value[-1:].isdigit():
                    scan.naive = scan.naive or sample
                    known.append(b"")
                else:  # not a date rustxes can read: let the careful parser report it
                    scan.odd = scan.odd or sample
                    break
                pattern = _unknown_date(known)
                pos = m.end()
    return scan


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__



# ---------------------------------------------------------------------------- rustxes
@contextlib.contextmanager
def _captured_output() -> Iterator[IO[bytes]]:
    """Send file descriptors 1 and 2 to a temporary file (rustxes prints to them)."""
    tmp = tempfile.TemporaryFile()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    saved = []
    try:
        for fd in (1, 2):
            saved.append((fd, os.dup(fd)))
            os.dup2(tmp.fileno(), fd)
        yield tmp
    finally:
        for fd, copy in saved:
            os.dup2(copy, fd)
            os.close(copy)
        tmp.seek(0)


def _rust_parse(path: Path) -> Any:
    """rustxes' polars DataFrame for a plain XES file; _Fallback when it fails or complains."""
    try:
        import rustxes
    except ImportError as exc:
        raise _Fallback("rustxes is not installed") from exc
    old = os.environ.get("RUST_BACKTRACE")
    os.environ["RUST_BACKTRACE"] = "0"
    try:
        with _captured_output() as out:
            try:
                result = rustxes.import_xes(str(path))
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:  # pyo3 PanicException derives from BaseException
                raise _Fallback(_short(exc)) from None
        printed = out.read().decode("utf-8", "replace")
    finally:
        if old is None:
            os.environ.pop("RUST_BACKTRACE", None)
        else:
            os.environ["RUST_BACKTRACE"] = old
    if "Failed to parse" in printed:
        raise _Fallback(printed.strip().splitlines()[0])
    return result[0]


