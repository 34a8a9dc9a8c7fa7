"""The fast, dependency-light half of XES reading: a byte scan and the rustxes call.

Kept free of pandas and pyarrow so that the worker process of a two-process parse starts quickly
(see :func:`procsimp.read.xes._parse_in_two` and :mod:`procsimp.read._xes_worker`).
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
#: a date that is not naive: it does not end in a digit, or its digits end in an offset
#: (``+07:00``, ``+0700``, ``...:00+07``); a naive date ends in a digit of its time or day
_NAIVE_GUARD = (
    rb'(?:(?<![0-9]")|(?<=[+-][0-9][0-9]:[0-9][0-9]")|(?<=[+-][0-9][0-9][0-9][0-9]")|(?<=:[0-9][0-9][+-][0-9][0-9]"))'
)
#: an int or float attribute whose value is not a number (rustxes reads it as 0)
_NOT_NUMBER = re.compile(
    rb'<(int|float)\s[^>]*value\s*=\s*"(?!\s*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*")([^"]*)"'
)


def _unknown_date(known: list[bytes]) -> re.Pattern[bytes]:
    """A date element whose value does not end like any of ``known`` (b'' = a digit: no offset)."""
    guards = b"".join(_NAIVE_GUARD if k == b"" else rb"(?<!" + re.escape(k + b'"') + rb")" for k in known)
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
            number = _NOT_NUMBER.search(buf, start)
            if number is not None:
                key = _KEY.search(buf, number.start(), number.end())
                scan.odd = ((key.group(1) if key else b"?").decode("utf-8", "replace"),
                            number.group(2).decode("utf-8", "replace"))
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




# ---------------------------------------------------------------------------- structure
#: the deepest element nesting read; XES logs nest a few levels (log, trace, event, attribute,
#: list, values, attribute), and rustxes crashes the process on thousands
MAX_DEPTH = 100
_WINDOW = 1 << 20
_SPECIAL = ((b"<!--", b"-->"), (b"<![CDATA[", b"]]>"), (b"<?", b"?>"))


@dataclass
class Shape:
    """What :func:`check_structure` found before any parser sees the bytes."""

    depth: int = 0  #: the deepest nesting (the root <log> is 1)
    depth_offset: int = -1  #: byte offset where ``depth`` first exceeded :data:`MAX_DEPTH`
    second_root: int = -1  #: byte offset of an element after the root element closed
    orphan_events: int = 0  #: <event> elements directly in <log>, outside any <trace>
    orphan_offset: int = -1
    bad_utf8: int = -1  #: offset of the first byte that is not UTF-8
    non_ascii: bool = False
    plain: bool = True  #: False: the markup is unusual (text content, odd quoting); read with lxml
    unusual: str = ""  #: why ``plain`` is False


def _special_ranges(buf: Any, start: int) -> list[tuple[int, int]]:
    """(start, end) byte ranges of comments, CDATA sections and processing instructions."""
    ranges = []
    for opener, closer in _SPECIAL:
        pos = start
        while True:
            at = buf.find(opener, pos)
            if at < 0:
                break
            end = buf.find(closer, at + len(opener))
            end = len(buf) if end < 0 else end + len(closer)
            ranges.append((at, end))
            pos = end
    return sorted(ranges)


def _blank_between(buf: Any, lo: int, hi: int, special: list[tuple[int, int]]) -> bool:
    """Whether ``buf[lo:hi]`` is whitespace once comments and the like are taken out."""
    pos = lo
    for s, e in special:
        if e <= lo or s >= hi:
            continue
        if buf[pos:max(pos, s)].strip():
            return False
        pos = max(pos, e)
    return not buf[pos:hi].strip() if pos < hi else True


def check_structure(path: Path, *, check_utf8: bool = True) -> Shape:
    """Measure the element nesting of an XES file, and find a second root element and events
    outside any trace, in one vectorised pass over the bytes (numpy, about 1 s per GB).

    Markup inside attribute values (double-quoted: single quotes send the file to lxml anyway),
    comments, CDATA and processing instructions is not counted. Text content between elements,
    which XES never has, makes the result ``plain=False``.
    """
    import codecs

    import numpy as np

    shape = Shape()
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            return shape
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            size = len(buf)
            root = re.search(rb"<(?:[A-Za-z_][\w.-]*:)?log[\s>/]", buf[: 1 << 16])
            start = root.start() if root else 0
            if check_utf8:
                done = 0
                while done < size:
                    chunk = buf[done:done + (_WINDOW << 3)]
                    try:
                        decoder.decode(chunk, final=done + len(chunk) >= size)
                    except UnicodeDecodeError as exc:
                        shape.bad_utf8 = done + exc.start
                        break
                    if not shape.non_ascii and not chunk.isascii():
                        shape.non_ascii = True
                    done += len(chunk)
            special = _special_ranges(buf, start)
            s_lo = np.array([r[0] for r in special], dtype=np.int64)
            s_hi = np.array([r[1] for r in special], dtype=np.int64)
            markup = np.zeros(256, dtype=bool)
            markup[[34, 60, 62]] = True
            blank = np.zeros(256, dtype=bool)
            blank[[9, 10, 13, 32]] = True
            name_char = np.zeros(256, dtype=bool)
            name_char[np.frombuffer(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:", np.uint8)] = True
            event = np.frombuffer(b"event", dtype=np.uint8)
            quotes = depth = intag = 0
            last_gt = start - 1  # where the text before the next '<' begins
            for lo in range(start, size, _WINDOW):
                hi = min(size, lo + _WINDOW)
                a = np.frombuffer(buf[max(0, lo - 1):min(size, hi + 8)], dtype=np.uint8)
                off = lo - 1 if lo > 0 else 0  # file offset of a[0]
                pos = np.flatnonzero(markup[a[lo - off:hi - off]]) + (lo - off)  # indices into a
                if len(special):
                    which = np.searchsorted(s_lo, pos + off, side="right") - 1
                    hidden = (which >= 0) & (pos + off < s_hi[np.maximum(which, 0)])
                    pos = pos[~hidden]
                c = a[pos]
                q = c == 34
                qc = np.cumsum(q) + quotes
                inside = ((qc & 1) == 1) | q
                opening = q & ((qc & 1) == 1)
                if opening.any() and bool((a[pos[opening] - 1] != 61).any()):  # value="..." only
                    shape.plain, shape.unusual = False, "a quote not after '='"
                    return shape
                out = pos[~inside]
                oc = c[~inside]
                lt = oc == 60
                step = np.where(lt, 1, -1)
                tag = intag + np.cumsum(step)
                if len(tag) and (int(tag.min()) < 0 or int(tag.max()) > 1):
                    shape.plain, shape.unusual = False, "unbalanced '<' and '>'"
                    return shape
                # the bytes between a '>' and the next '<' are whitespace in XES
                opens_at = out[lt] + off
                prev_gt = np.concatenate(([last_gt], out[~lt] + off))
                gaps_from = prev_gt[np.searchsorted(prev_gt, opens_at) - 1] if len(opens_at) else prev_gt[:0]
                gap = opens_at - gaps_from - 1
                if len(gap) and int(gap.max()) > 0:
                    odd = (gap > 32) | (gaps_from + 1 < off)  # long, or begun in the previous window
                    if len(special):
                        after = np.searchsorted(s_lo, opens_at, side="left")  # a comment inside the gap
                        odd |= (after > 0) & (s_hi[np.maximum(after - 1, 0)] > gaps_from)
                    odd &= gap > 0
                    if int(odd.sum()) > 256 or not all(
                        _blank_between(buf, int(g0) + 1, int(g1), special)
                        for g0, g1 in zip(gaps_from[odd], opens_at[odd], strict=True)
                    ):
                        shape.plain, shape.unusual = False, "text between elements"
                        return shape
                    short = (gap > 0) & ~odd
                    if short.any():
                        ks = np.arange(32)
                        idx = (gaps_from[short] - off + 1)[:, None] + ks[None, :]
                        valid = ks[None, :] < gap[short][:, None]
                        got = a[np.minimum(idx, len(a) - 1)]
                        if bool((valid & ~blank[got]).any()):
                            shape.plain, shape.unusual = False, "text between elements"
                            return shape
                if (~lt).any():
                    last_gt = int(out[~lt][-1]) + off
                nxt = a[out[lt] + 1]
                before = a[out[~lt] - 1]
                delta = np.zeros(len(out), dtype=np.int64)
                delta[lt] = np.where(nxt == 47, -1, 1)
                delta[~lt] = np.where(before == 47, -1, 0)
                level_after = depth + np.cumsum(delta)
                level_before = level_after - delta
                if len(level_after):
                    deepest = int(level_after.max())
                    if deepest > shape.depth:
                        shape.depth = deepest
                        if deepest > MAX_DEPTH:
                            shape.depth_offset = int(out[np.argmax(level_after > MAX_DEPTH)]) + off
                            return shape
                    opener = delta == 1
                    reopened = np.flatnonzero(opener & (level_before == 0))
                    reopened = reopened[out[reopened] + off > start]
                    if len(reopened):
                        shape.second_root = int(out[reopened[0]]) + off
                        return shape
                    top = out[opener & (level_before == 1)]
                    if len(top):
                        words = np.stack([a[np.minimum(top + k, len(a) - 1)] for k in range(1, 7)], axis=1)
                        is_event = np.all(words[:, :5] == event, axis=1) & ~name_char[words[:, 5]]
                        if is_event.any():
                            shape.orphan_events += int(is_event.sum())
                            if shape.orphan_offset < 0:
                                shape.orphan_offset = int(top[np.argmax(is_event)]) + off
                    depth = int(level_after[-1])
                quotes = int(qc[-1]) & 1 if len(qc) else quotes
                intag = int(tag[-1]) if len(tag) else intag
    return shape
