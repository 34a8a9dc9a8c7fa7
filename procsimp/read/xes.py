# Long module: XES reading (fast path and safe fallback) and writing share the attribute typing and the XML safety checks.
"""XES (and ``.xes.gz``) reading and writing, with safe XML handling.

Safety: XES never needs a DTD. Before any parser sees the file, its prolog is checked and a
``<!DOCTYPE``/``<!ENTITY`` declaration is refused, so no external entity is ever fetched and no
entity-expansion bomb ("billion laughs") can expand. References to undeclared entities are
refused too. The fallback parser (lxml, :func:`read_xes_lxml`) is additionally configured with
``resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False``: it is public so that
this second layer can be checked on its own, on files that the prolog check would refuse first.

Speed: the fast path parses with ``rustxes`` (Rust, the parser ``pm4py.read_xes`` uses when
installed) on the uncompressed file (Python's zlib decompresses faster than rustxes does). rustxes
turns dates with an offset into UTC and leaves dates without one as they are, so a fast scan of
the raw bytes tells which case applies (and refuses files that mix both). When rustxes cannot be
trusted (a non-UTF-8 encoding, a value it cannot parse, a crash), the lxml parser reads the file.
rustxes holds the GIL, so parallel work needs processes: when a core has idle time, the byte
scan runs in a light worker process while rustxes parses, and very large files are parsed in
two halves, one in a worker (:mod:`procsimp.read._xes_worker`); on a busy machine everything runs
here.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from procsimp.errors import LogReadError, LogValidationError
from procsimp.read import _gzip
from procsimp.read._xes_scan import (
    _CHUNK,
    MAX_DEPTH,
    Shape,
    _Fallback,
    _rust_parse,
    _Scan,
    _scan_file,
    _short,
    check_structure,
)

__all__ = ["read_xes_frame", "read_xes_lxml", "write_xes", "XesInfo"]

XES_NS = "http://www.xes-standard.org/"
_GZIP_MAGIC = b"\x1f\x8b"
_ATTR_TAGS = {"string", "date", "int", "float", "boolean", "id"}

_ENCODING_DECL = re.compile(rb'^\s*<\?xml[^>]*encoding\s*=\s*["\']([A-Za-z0-9._-]+)["\']')


@dataclass
class XesInfo:
    parser: str = "rustxes"
    warnings: list[str] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)  #: distinct UTC offsets (minutes) of the dates
    #: the share of the file that a worker process parsed (a file read in two halves), else None
    worker_share: float | None = None


def _check_prolog(head: bytes, source: str) -> str:
    """Refuse DTDs and non-XML content; return the encoding to use ('utf-8' or other)."""
    encoding = "utf-8"
    text: str
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
        text = head.decode("utf-16", errors="ignore")
    else:
        m = _ENCODING_DECL.match(head)
        if m:
            declared = m.group(1).decode("ascii").lower()
            if declared not in ("utf-8", "utf8", "us-ascii", "ascii"):
                encoding = declared
        text = head.decode("latin-1")
    stripped = text.lstrip()
    if not stripped:
        raise LogReadError(f"{source}: the file is empty; export the log again")
    sample = stripped[:4096]
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n")
    if control > 0:
        raise LogReadError(
            f"{source}: not an XES file (it holds binary data, not XML); give an XES export (.xes or .xes.gz)"
        )
    if not stripped.startswith("<"):
        raise LogReadError(
            f"{source}: not an XES file (it does not start with XML markup but with {stripped[:20]!r}); "
            "give an XES export, or name a CSV file .csv"
        )
    pos = 0
    s = stripped
    while True:
        s = s[pos:].lstrip()
        pos = 0
        if s.startswith("<?") or s.startswith("<!--"):
            end = s.find("?>" if s.startswith("<?") else "-->")
            if end < 0:
                raise LogReadError(
                    f"{source}: the XML prolog does not end within the first 64 KB (an unclosed comment or "
                    "processing instruction); the file is damaged or not XES: export it again"
                )
            pos = end + (2 if s.startswith("<?") else 3)
        elif s.startswith("<!"):
            kind = "DTD (<!DOCTYPE ...>)" if s[2:9].upper() == "DOCTYPE" else f"declaration ({s[:10]!r}...)"
            raise LogReadError(
                f"{source}: the file declares a {kind}, which XES never needs; procsimp refuses DTDs so that no "
                "external entity is read and no entity expansion can blow up: remove the declaration"
            )
        else:
            element = re.match(r"<([A-Za-z_][\w.:-]*)", s)
            if element is None:
                raise LogReadError(f"{source}: not well-formed XML near {s[:30]!r}; the file is damaged or not XES")
            root = element.group(1).split(":")[-1]
            if root != "log":
                raise LogReadError(
                    f"{source}: not an XES log (the root element is <{element.group(1)}>, XES has <log>); "
                    "give an XES export"
                )
            break
    return encoding


def _canonical_offsets(offsets: set[str]) -> list[str]:
    out = set()
    for o in offsets:
        if o in ("Z", "z"):
            out.add("+00:00")
        elif ":" in o:
            out.add(o)
        else:
            out.add(f"{o[:3]}:{o[3:5] or '00'}")
    return sorted(out)


@contextlib.contextmanager
def _plain_file(path: Path, source: str) -> Iterator[tuple[Path, str]]:
    """(uncompressed XES file, encoding): a temporary copy for gzip input; the prolog checked."""
    with open(path, "rb") as raw:
        magic = raw.read(2)
    compressed = magic == _GZIP_MAGIC
    tmp_name: str | None = None
    out: IO[bytes] | None = None
    budget = _gzip.Budget(path.stat().st_size, source)
    try:
        if compressed:
            fd, tmp_name = tempfile.mkstemp(prefix="procsimp-", suffix=".xes")
            out = os.fdopen(fd, "wb")
        encoding = "utf-8"
        with _open_stream(path, compressed) as stream:
            first = True
            while True:
                try:
                    chunk = stream.read(_CHUNK)
                except _gzip.ERRORS as exc:
                    raise LogReadError(
                        f"{source}: not a valid gzip file ({_short(exc)}); the file is damaged or truncated: "
                        "download or export it again"
                    ) from None
                if first:
                    if not chunk.strip():
                        raise LogReadError(f"{source}: the file is empty; export the log again")
                    encoding = _check_prolog(chunk[: 1 << 16], source)
                    first = False
                    if out is None:
                        break  # a plain file: the prolog was all we needed
                if not chunk:
                    break
                if out is not None:
                    budget.take(len(chunk))
                    out.write(chunk)
        if out is not None:
            out.close()
            out = None
        yield (Path(tmp_name) if tmp_name else path), encoding
    finally:
        if out is not None:
            with contextlib.suppress(Exception):
                out.close()
        if tmp_name:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)


@contextlib.contextmanager
def _open_stream(path: Path, compressed: bool) -> Iterator[IO[bytes]]:
    if compressed:
        with _gzip.open_read(path) as f:
            yield f
    else:
        with open(path, "rb") as f:
            yield f


# ---------------------------------------------------------------------------- rustxes
def _to_pandas(frame: Any) -> pd.DataFrame:
    """A polars frame as pandas: text as categoricals (via Arrow dictionaries), the rest as is."""
    table = frame.to_arrow()
    columns: dict[str, Any] = {}
    for name in table.column_names:
        col = table.column(name)
        if pa.types.is_string_view(col.type):
            col = col.cast(pa.large_string())
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            enc = col.combine_chunks().dictionary_encode()
            codes = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False)
            cats = pd.Index(enc.dictionary.to_pandas(), dtype="str")
            if cats.has_duplicates:
                columns[name] = col.to_pandas()
            else:
                columns[name] = pd.Categorical.from_codes(codes, categories=cats)
        else:
            columns[name] = col.to_pandas()
    return pd.DataFrame(columns)


# ---------------------------------------------------------------------------- two processes
#: uncompressed size (about 350k events) from which the file is parsed in two halves, one in a
#: second process: below it, starting the worker costs about what it saves
SPLIT_BYTES = 128 << 20
#: uncompressed size from which the byte scan runs in a second process while rustxes parses
BACKGROUND_SCAN_BYTES = 8 << 20
#: the worker's fixed cost (starting Python, importing polars, writing its result), in seconds,
#: and the rate at which one process scans and parses (bytes per second), both measured on a
#: 2-core machine; they decide how much of the file the worker takes (:func:`_worker_share`)
WORKER_START_S = 0.25
PARSE_BYTES_PER_S = 65e6


def _worker_share(size: int) -> float:
    """The share of a ``size``-byte file that the worker parses, so that both processes finish
    together: half of it, less the part that its fixed cost would take (0.39 at 72 MB, 0.48 at
    360 MB)."""
    parse_s = size / PARSE_BYTES_PER_S
    return min(0.5, max(0.2, 0.5 - WORKER_START_S / (2 * parse_s))) if parse_s > 0 else 0.5


def _free_core() -> bool:
    """Whether a second core has idle time for a worker process.

    A worker only helps when some core time is idle: the scheduler shares the CPU between
    sessions, so a second process of ours on a saturated machine splits our share and adds its
    start-up. Measured on a shared 2-core machine reading 1M events: with the 1-minute load at
    1.7-2.5, two processes took 5.5 s where one took 6.9-8.9 s; with the load at 4.6-5.1, they
    took 12.4 s where one took 9.9 s. So a worker runs only while the load average is below the
    number of cores.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not on this platform
        cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except (OSError, AttributeError):  # pragma: no cover - not on this platform
        return cores >= 2
    return cores >= 2 and load < cores


def _scan_and_parse(plain: Path, *, background: bool) -> tuple[Any, _Scan, str]:
    """(rustxes frame or None, scan, parser note); the scan runs in a worker while rustxes parses
    when ``background`` (the worker is light: no pandas, no pyarrow)."""
    import json
    import subprocess

    worker = None
    folder = None
    if background:
        folder = tempfile.TemporaryDirectory(prefix="procsimp-scan-")
        report = Path(folder.name) / "scan.json"
        try:
            worker = subprocess.Popen(
                [sys.executable, "-m", "procsimp.read._xes_worker", "--scan", str(plain), str(report)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
        except OSError:
            worker = None
    try:
        if worker is None:
            scan = _scan_file(plain)
            if not scan.trusted:
                return None, scan, "lxml"
        frame, note = None, ""
        try:
            frame = _rust_parse(plain)
        except _Fallback as exc:
            note = f"lxml (rustxes: {exc})"
        if worker is not None:
            reported: _Scan | None = None
            if worker.wait() == 0 and report.exists():
                with contextlib.suppress(ValueError, KeyError, TypeError):
                    reported = _Scan.from_dict(json.loads(report.read_text(encoding="utf-8"))["scan"])
            scan = reported if reported is not None else _scan_file(plain)  # the worker could not run: scan here
        return frame, scan, note
    finally:
        if worker is not None and worker.poll() is None:
            worker.kill()
            worker.wait()
        if folder is not None:
            folder.cleanup()


def _split_point(path: Path, worker_share: float = 0.5) -> tuple[int, int] | None:
    """(end of the header, start of the trace that begins the worker's last ``worker_share`` of
    the file), or None."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(1 << 20)
        first = head.find(b"<trace")
        if first < 0:
            return None
        target = max(first, int(size * (1 - worker_share)))
        f.seek(target)
        window = f.read(1 << 22)
        at = window.find(b"</trace>")
        if at < 0:
            return None
        split = target + at + len(b"</trace>")
    return first, split


def _copy_range(src: IO[bytes], dst: IO[bytes], start: int, length: int) -> None:
    """Append ``length`` bytes of ``src`` from ``start`` to ``dst`` (in the kernel where it can)."""
    dst.flush()
    copy = getattr(os, "copy_file_range", None)
    while length > 0 and copy is not None:
        try:
            done = copy(src.fileno(), dst.fileno(), length, start)
        except OSError:  # another file system, an old kernel: copy through Python
            break
        if done <= 0:
            break
        dst.seek(0, os.SEEK_END)
        start, length = start + done, length - done
    src.seek(start)
    while length > 0:
        chunk = src.read(min(_CHUNK, length))
        if not chunk:
            break
        dst.write(chunk)
        length -= len(chunk)


def _write_part(path: Path, out: Path, ranges: list[tuple[int, int]], tail: bytes = b"") -> Path:
    """A file made of byte ranges ``(start, end)`` of ``path``, then ``tail``."""
    with open(path, "rb") as src, open(out, "wb") as dst:
        for start, end in ranges:
            _copy_range(src, dst, start, end - start)
        dst.write(tail)
    return out


def _parse_in_two(plain: Path) -> tuple[Any, _Scan, float] | None:
    """Parse the halves in parallel (this process and a worker): (frame, scan, the worker's
    share of the file); None when that is not possible.

    The worker's half is written first and the worker started at once, so that writing this
    process's half overlaps with the worker's start-up.
    """
    import subprocess

    import polars as pl

    share = _worker_share(plain.stat().st_size)
    point = _split_point(plain, share)
    if point is None:
        return None
    header_end, split = point
    with tempfile.TemporaryDirectory(prefix="procsimp-xes-") as folder:
        part_b = _write_part(plain, Path(folder) / "b.xes", [(0, header_end), (split, plain.stat().st_size)])
        out_arrow, out_json = Path(folder) / "b.arrow", Path(folder) / "b.json"
        env = {**os.environ, "RUST_BACKTRACE": "0"}
        worker = subprocess.Popen(
            [sys.executable, "-m", "procsimp.read._xes_worker", str(part_b), str(out_arrow), str(out_json)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
        )
        try:
            part_a = _write_part(plain, Path(folder) / "a.xes", [(0, split)], b"\n</log>\n")
            scan = _scan_file(part_a)
            first = _rust_parse(part_a) if scan.trusted else None
        except BaseException:
            worker.kill()
            worker.wait()
            raise
        code = worker.wait()
        if first is None or code != 0 or not out_json.exists():
            return None
        import json

        report = json.loads(out_json.read_text(encoding="utf-8"))
        scan.merge(_Scan.from_dict(report["scan"]))
        if not report["ok"]:
            return None
        second = pl.read_ipc(out_arrow)
        frame = pl.concat([first, second], how="diagonal_relaxed")
    return frame, scan, share


# ---------------------------------------------------------------------------- lxml
def _local(tag: Any) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def read_xes_lxml(path: Path, source: str, timezone: str, warnings: list[str] | None = None) -> pd.DataFrame:
    """Read an XES file (or ``.xes.gz``) with lxml into a raw frame: the parser :func:`read_xes_frame`
    falls back on (a file that is not UTF-8, or that rustxes cannot be trusted with).

    It never loads a DTD, resolves an entity or touches the network, whatever the file declares:
    an external entity is an error, an entity bomb does not expand. ``read_xes_frame`` refuses a
    DTD before any parser runs; this is the second layer, safe on its own. Raises
    :class:`~procsimp.errors.LogReadError` naming ``source``; notes go to ``warnings``.
    """
    from lxml import etree

    compressed = path.open("rb").read(2) == _GZIP_MAGIC
    rows: list[dict[str, str]] = []
    types: dict[str, str] = {}
    trace_rows: list[dict[str, str]] = []
    try:
        with _open_stream(path, compressed) as stream:
            context = etree.iterparse(
                stream, events=("end",), resolve_entities=False, no_network=True,
                load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True,
            )
            for _event, el in context:
                name = _local(el.tag)
                if name == "event":
                    attrs = {}
                    for child in el:
                        tag = _local(child.tag)
                        key = child.get("key")
                        if tag in _ATTR_TAGS and key is not None:
                            attrs[key] = child.get("value")
                            types.setdefault(key, tag)
                    parent = el.getparent()
                    if parent is None or _local(parent.tag) != "trace":
                        raise LogReadError(
                            f"{source}: an <event> element is outside any <trace> (line {el.sourceline}), so it "
                            "belongs to no dossier; put it inside its trace, or export the log again"
                        )
                    trace_rows.append(attrs)
                    el.clear()
                elif name == "trace":
                    tattrs = {}
                    for child in el:
                        tag = _local(child.tag)
                        key = child.get("key")
                        if tag in _ATTR_TAGS and key is not None:
                            tattrs["case:" + key] = child.get("value")
                            types.setdefault("case:" + key, tag)
                    for r in trace_rows:
                        r.update(tattrs)
                    rows.extend(trace_rows)
                    trace_rows = []
                    el.clear()
                    parent = el.getparent()
                    if parent is not None:
                        while el.getprevious() is not None:
                            del parent[0]
    except etree.XMLSyntaxError as exc:
        # lxml's error log may still hold errors of earlier parses: keep those of this file
        fatal = [e for e in getattr(exc, "error_log", []) if e.level_name == "FATAL"
                 and str(e.filename or "").endswith(path.name)]
        if fatal:
            message = f"{fatal[0].message.strip()}, line {fatal[0].line}, column {fatal[0].column}"
        else:
            message = re.sub(r"\s*\([^()]*, line \d+\)\s*$", "", _short(exc))
        raise LogReadError(
            f"{source}: not well-formed XML ({message}); the file is damaged or not XES: export it again"
        ) from None
    except _gzip.ERRORS as exc:
        raise LogReadError(
            f"{source}: not a valid gzip file ({_short(exc)}); the file is damaged or truncated: export it again"
        ) from None
    frame = pd.DataFrame.from_records(rows) if rows else pd.DataFrame()
    for key, tag in types.items():
        if key not in frame.columns:
            continue
        col = frame[key]
        if tag in ("int", "float"):
            num = pd.to_numeric(col, errors="coerce")
            bad = num.isna() & col.notna()
            if bad.any():  # keep the text as written: a number column with words is a text column
                if warnings is not None:
                    warnings.append(
                        f"attribute {key!r} is typed <{tag}> but {int(bad.sum())} value(s) are not numbers "
                        f"(e.g. {str(col[bad].iloc[0])!r}); it is read as text"
                    )
                continue
            if tag == "int" and num.notna().all():
                num = num.astype(np.int64)
            frame[key] = num
        elif tag == "boolean":
            low = col.astype("str").str.strip().str.lower()
            vals = low.map({"true": True, "false": False, "1": True, "0": False})
            frame[key] = vals.astype(bool) if vals.notna().all() else vals.astype(object)
        elif tag == "date":
            from procsimp.read.times import parse_times

            tc = parse_times(col, timezone=timezone, column=key, role="date", source=source)
            if len(tc.bad) == 0:
                frame[key] = tc.values
    return frame


# ---------------------------------------------------------------------------- entry point
def read_xes_frame(path: Path, source: str, timezone: str) -> tuple[pd.DataFrame, XesInfo]:
    """Read an XES file into a raw frame (trace attributes prefixed ``case:``)."""
    info = XesInfo()
    with _gzip.signals_exit(), _plain_file(path, source) as (plain, encoding):
        polars_frame = None
        scan = _Scan()
        shape = _check_shape(plain, source, encoding)
        if encoding == "utf-8" and shape.plain:
            parsed = None
            size = plain.stat().st_size
            if size >= SPLIT_BYTES and _free_core():
                with contextlib.suppress(_Fallback, OSError, ImportError):
                    parsed = _parse_in_two(plain)
            if parsed is not None:
                polars_frame, scan, info.worker_share = parsed
                info.parser = "rustxes (two processes)"
            else:
                background = size >= BACKGROUND_SCAN_BYTES and _free_core()
                polars_frame, scan, note = _scan_and_parse(plain, background=background)
                if note:
                    info.parser = note
        if scan.naive and scan.offsets:
            key, value = scan.offset_sample or ("?", "?")
            raise LogValidationError(
                f"{source}: mixes times with a timezone offset ({key!r} = {value!r}) and times without one "
                f"({scan.naive[0]!r} = {scan.naive[1]!r}); give every date an offset, or none (naive times are "
                "read in the timezone setting, --timezone)"
            )
        offsets = _canonical_offsets(scan.offsets)
        if len(offsets) > 2 or (len(offsets) == 2 and _minutes(offsets[1]) - _minutes(offsets[0]) > 60):
            raise LogValidationError(
                f"{source}: the dates mix timezone offsets {', '.join(offsets[:4])}, which cannot come from one "
                "timezone; convert the dates to one timezone before reading"
            )
        info.offsets = [_minutes(o) for o in offsets]
        if polars_frame is None or not scan.trusted or not shape.plain:
            info.parser = info.parser if info.parser.startswith("lxml") else "lxml"
            frame = read_xes_lxml(plain, source, timezone, info.warnings)
        else:
            frame = _to_pandas(polars_frame)
            frame = frame[_file_order(plain, list(frame.columns))]
            if scan.offsets:
                for col in frame.columns:
                    if pd.api.types.is_datetime64_dtype(frame[col].dtype):
                        frame[col] = frame[col].dt.tz_localize("UTC").dt.tz_convert(timezone)
    if frame.empty or len(frame.columns) == 0:
        raise LogReadError(f"{source}: the XES log has no events; export the log again with its traces")
    return frame, info


def _check_shape(plain: Path, source: str, encoding: str) -> Shape:
    """Refuse, before any parser sees them, what would crash rustxes or be read wrongly: deep
    nesting, a second document, events outside traces, and bytes that are not in the declared
    encoding."""
    if encoding == "utf-16":
        return Shape(plain=False, unusual="UTF-16")  # lxml reads it, and bounds nesting itself
    shape = check_structure(plain)
    if shape.depth_offset >= 0:
        raise LogReadError(
            f"{source}: elements are nested more than {MAX_DEPTH} levels deep (at byte {shape.depth_offset}); "
            "an XES log nests a few levels (log, trace, event, attribute): the file is damaged or not an event log"
        )
    if shape.second_root >= 0:
        raise LogReadError(
            f"{source}: the file holds more than one XES document (another root element at byte "
            f"{shape.second_root}); give one log per file, or merge the traces into one <log>"
        )
    if shape.orphan_events:
        raise LogReadError(
            f"{source}: {shape.orphan_events} <event> element(s) are outside any <trace> (the first at byte "
            f"{shape.orphan_offset}), so they belong to no dossier; put them inside their trace, or export the "
            "log again"
        )
    if encoding == "utf-8" and shape.bad_utf8 >= 0:
        with open(plain, "rb") as f:
            f.seek(shape.bad_utf8)
            byte = f.read(1)
        raise LogReadError(
            f"{source}: the file is declared UTF-8 but byte 0x{byte.hex()} at offset {shape.bad_utf8} is not "
            "UTF-8; save the file again as UTF-8, or declare its real encoding "
            "(<?xml version=\"1.0\" encoding=\"windows-1258\"?>)"
        )
    if encoding != "utf-8" and shape.bad_utf8 < 0 and shape.non_ascii and _is_single_byte(encoding):
        raise LogReadError(
            f"{source}: the file declares encoding {encoding!r} but its bytes are UTF-8, so its letters would "
            "be misread; correct the declaration to encoding=\"UTF-8\""
        )
    return shape


def _is_single_byte(encoding: str) -> bool:
    """Whether ``encoding`` is a single-byte code page (Latin-1, Windows-125x, ...): UTF-8 text
    with letters beyond ASCII is then almost never also meant as that encoding."""
    import codecs

    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return False
    return name.startswith(("cp", "latin", "iso8859", "windows", "mac", "koi8", "tis")) and name not in (
        "cp932", "cp949", "cp950", "cp936")


def _file_order(path: Path, columns: list[str]) -> list[str]:
    """``columns`` in the order their keys first appear in the file's first traces (rustxes does
    not keep it); trace attributes are the ``case:`` columns."""
    with open(path, "rb") as f:
        head = f.read(1 << 16)
    start = head.find(b"<trace")
    order: dict[str, int] = {}
    if start >= 0:
        depth_event = False
        for m in re.finditer(rb'<(/?)(event|trace)\b|key\s*=\s*"([^"]*)"', head[start:]):
            if m.group(2):
                depth_event = m.group(2) == b"event" and not m.group(1)
                continue
            key = m.group(3).decode("utf-8", "replace")
            name = key if depth_event else f"case:{key}"
            order.setdefault(name, len(order))
    return sorted(columns, key=lambda c: (order.get(c, len(order)), c if c not in order else ""))


def _minutes(offset: str) -> int:
    sign = -1 if offset.startswith("-") else 1
    return sign * (int(offset[1:3]) * 60 + int(offset[4:6] or 0))


# ---------------------------------------------------------------------------- writing
def _escape(arr: pa.Array) -> pa.Array:
    arr = pc.replace_substring(arr, "&", "&amp;")
    arr = pc.replace_substring(arr, "<", "&lt;")
    arr = pc.replace_substring(arr, ">", "&gt;")
    arr = pc.replace_substring(arr, '"', "&quot;")
    arr = pc.replace_substring(arr, "\n", "&#10;")
    arr = pc.replace_substring(arr, "\r", "&#13;")
    arr = pc.replace_substring(arr, "\t", "&#9;")
    return arr


def _xml_attr(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def _fragments(series: pd.Series, key: str, indent: str) -> pa.Array:
    """One ``<type key=".." value=".."/>`` string per row ('' where the value is missing)."""
    k = _xml_attr(key)
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        cats = pa.array(dtype.categories.astype(str).to_numpy(dtype=object), type=pa.string())
        frag = pc.binary_join_element_wise(f'{indent}<string key="{k}" value="', _escape(cats), '"/>\n', "")
        codes = series.cat.codes.to_numpy()
        taken = frag.take(pa.array(np.where(codes >= 0, codes, 0)))
        return pc.if_else(pa.array(codes >= 0), taken, "")
    valid = series.notna().to_numpy()
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
        s = series if isinstance(dtype, pd.DatetimeTZDtype) else series.dt.tz_localize("UTC")
        s = s.astype(f"datetime64[ns, {s.dt.tz}]")
        arr = pa.array(s, from_pandas=True)
        text = pc.strftime(arr, format="%Y-%m-%dT%H:%M:%S%z")
        text = pc.replace_substring(text, ".000000000", "")
        text = pc.replace_substring_regex(text, r"([+-]\d\d)(\d\d)$", r"\1:\2")
        tag = "date"
    elif pd.api.types.is_bool_dtype(dtype):
        text = pa.array(series.map({True: "true", False: "false"}).astype(object), type=pa.string(), from_pandas=True)
        tag = "boolean"
    elif pd.api.types.is_integer_dtype(dtype):
        text = pc.cast(pa.array(series, from_pandas=True), pa.string())
        tag = "int"
    elif pd.api.types.is_float_dtype(dtype):
        text = pc.cast(pa.array(series, from_pandas=True, type=pa.float64()), pa.string())
        tag = "float"
    else:
        strs = series.astype(object).where(series.notna(), None).map(lambda v: v if isinstance(v, str) else str(v), na_action="ignore")
        text = _escape(pa.array(strs, type=pa.string(), from_pandas=True))
        tag = "string"
    frag = pc.binary_join_element_wise(f'{indent}<{tag} key="{k}" value="', text, '"/>\n', "")
    return pc.if_else(pa.array(valid), pc.fill_null(frag, ""), "")


def write_xes(df: pd.DataFrame, path: Path, case_column: str) -> None:
    """Write ``df`` (sorted by case) as XES; ``case:`` columns become trace attributes."""
    from procsimp.core._atomic import atomic_path

    n = len(df)
    codes = df[case_column].cat.codes.to_numpy() if isinstance(df[case_column].dtype, pd.CategoricalDtype) \
        else pd.factorize(df[case_column])[0]
    first = np.ones(n, dtype=bool)
    first[1:] = codes[1:] != codes[:-1]
    last = np.ones(n, dtype=bool)
    last[:-1] = codes[1:] != codes[:-1]
    trace_cols = [c for c in df.columns if str(c).startswith("case:")]
    event_cols = [c for c in df.columns if c not in trace_cols]
    header = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<log xes.version="1.0" xes.features="nested-attributes" xmlns="{XES_NS}">\n'
        '\t<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>\n'
        '\t<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>\n'
        '\t<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>\n'
        '\t<extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>\n'
    )
    with atomic_path(path) as tmp:
        opener = gzip.open(tmp, "wb", compresslevel=6) if str(path).lower().endswith(".gz") else open(tmp, "wb")
        with opener as out:
            out.write(header.encode("utf-8"))
            step = 200_000
            for lo in range(0, n, step):
                hi = min(n, lo + step)
                part = df.iloc[lo:hi]
                f, la = first[lo:hi], last[lo:hi]
                m = hi - lo
                head = [pa.array(np.where(f, "\t<trace>\n", ""))]
                for col in [case_column] + [c for c in trace_cols if c != case_column]:
                    head.append(_fragments(part[col], str(col)[5:], "\t\t"))
                ev = [pa.array(np.full(m, "\t\t<event>\n"))]
                for col in event_cols:
                    ev.append(_fragments(part[col], str(col), "\t\t\t"))
                ev.append(pa.array(np.full(m, "\t\t</event>\n")))
                trace_head = pc.if_else(pa.array(f), pc.binary_join_element_wise(*head, ""), "")
                events = pc.binary_join_element_wise(*ev, "")
                tail = pa.array(np.where(la, "\t</trace>\n", ""))
                pieces = pc.binary_join_element_wise(trace_head, events, tail, "")
                out.write("".join(pieces.to_pylist()).encode("utf-8"))
            out.write(b"</log>\n")
