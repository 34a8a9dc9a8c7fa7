"""``read_log``: any supported file to a validated :class:`EventLog`."""

from __future__ import annotations

import os
import zlib
from pathlib import Path
from typing import Any

from procsimp.errors import LogReadError, LogValidationError
from procsimp.log import DEFAULT_TIMEZONE, ColumnMapping, EventLog

__all__ = ["read_log", "sniff_format", "check_timezone", "FORMATS"]

#: format name -> file name endings
FORMATS: dict[str, tuple[str, ...]] = {
    "csv": (".csv", ".tsv", ".txt", ".tab", ".dat", ".csv.gz", ".tsv.gz", ".txt.gz"),
    "excel": (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"),
    "xes": (".xes", ".xes.gz", ".xml"),
    "parquet": (".parquet", ".pq"),
}
_NAMES = {"csv": "delimited text (CSV)", "excel": "an Excel workbook", "xes": "XES", "parquet": "Parquet"}


def _by_extension(path: Path) -> str | None:
    name = path.name.lower()
    for fmt, endings in FORMATS.items():
        if any(name.endswith(e) for e in endings):
            return fmt
    return None


def _by_content(head: bytes) -> str | None:
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
        return "excel"
    if head.startswith(b"\x1f\x8b"):
        try:
            inner = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 512)
        except zlib.error:
            return None
        inner = inner.lstrip(b"\xef\xbb\xbf").lstrip()
        return "xes" if inner.startswith(b"<") else "csv"
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<?xml") or text.startswith(b"<log"):
        return "xes"
    return None


def sniff_format(path: str | os.PathLike[str]) -> tuple[str, str | None]:
    """(format, warning or None): the content decides for binary formats, else the extension."""
    p = Path(path)
    with open(p, "rb") as f:
        head = f.read(4096)
    by_ext = _by_extension(p)
    by_content = _by_content(head)
    if by_content in ("parquet", "excel") or (by_content == "xes" and by_ext in (None, "csv")):
        if by_ext is not None and by_ext != by_content:
            return by_content, f"the file is named like {_NAMES[by_ext]} but holds {_NAMES[by_content]}; read as such"
        return by_content, None
    if by_ext is not None:
        return by_ext, None
    if by_content is not None:
        return by_content, None
    return "csv", None


def check_timezone(timezone: str) -> None:
    """Raise :class:`~procsimp.errors.LogValidationError` unless ``timezone`` is an IANA timezone
    name that this machine knows (checked once, before any reader uses it)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(str(timezone))
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        raise LogValidationError(
            f"--timezone {str(timezone)!r} is not a known timezone; use an IANA name such as "
            "Asia/Ho_Chi_Minh or UTC"
        ) from None


def read_log(
    path: str | os.PathLike[str],
    mapping: dict[str, str] | ColumnMapping | str | os.PathLike[str] | None = None,
    *,
    timezone: str = DEFAULT_TIMEZONE,
    cache: bool | str | os.PathLike[str] | None = None,
    dayfirst: bool | None = None,
    **columns: str | None,
) -> EventLog:
    """Read an event log file (CSV/TSV/TXT, Excel, XES, .xes.gz, Parquet) into an :class:`EventLog`.

    Columns are mapped by keyword arguments (``case="Mã hồ sơ"``, ``activity=...``,
    ``timestamp=...``, ``start``, ``resource``, ``unit``, ``service``, ``channel``, ``received``,
    ``due``, ``outcome``), by ``mapping`` (a dict, a :class:`ColumnMapping` or the path of a YAML
    file ``case: Mã hồ sơ``), else detected from common English and Vietnamese headers. Naive times
    take ``timezone`` (an IANA name, checked before the file is read); a due date without a time of
    day is the end of that day (23:59:59.999999). ``dayfirst`` decides dates such as ``03/04/2025``
    when no value tells (None: day first). ``cache``: off by default (None, unless
    ``$PROCSIMP_CACHE_DIR`` is set); a folder keeps a Parquet copy of the parsed log there, True
    the user's cache folder; with a cache the log keeps its mapped columns only. See
    :mod:`procsimp.io.cache`.

    Raises :class:`~procsimp.errors.LogReadError` (missing, empty, corrupt or unsafe file),
    :class:`~procsimp.errors.MappingError` and :class:`~procsimp.errors.LogValidationError`,
    each with a one-line message that names the file and the fix.
    """
    from procsimp.io import cache as _cache

    _cache.check_cache_argument(cache)
    source = str(path)
    p = Path(path)
    if timezone is None:
        timezone = DEFAULT_TIMEZONE
    check_timezone(timezone)
    if not p.exists():
        raise LogReadError(f"{source}: no such file; check the path")
    if p.is_dir():
        raise LogReadError(f"{source}: is a folder, not a log file; give the path of a CSV, Excel, XES or Parquet file")
    try:
        size = p.stat().st_size
        if size == 0:
            raise LogReadError(f"{source}: the file is empty (0 bytes); export the log again")
        fmt, note = sniff_format(p)
    except PermissionError:
        raise LogReadError(f"{source}: permission denied; check that you may read the file") from None
    folder = _cache.cache_dir(cache)
    stem = key = ""
    if folder is not None:
        stem, key = _cache.cache_key(p, mapping=mapping, columns=columns, timezone=timezone, dayfirst=dayfirst)
        hit = _cache.load(folder, stem, key)
        if hit is not None:
            return hit.replace(source=source)
    log = _read(p, fmt, source, mapping, timezone, dayfirst, columns, [note] if note else [])
    if folder is not None:
        log = _cache.mapped_only(log)  # the same log whether it comes from the cache or the file
        problem = _cache.store(log, folder, stem, key)
        if problem:
            log = log.replace(warnings=(*log.warnings, problem))
    return log


def _read(p: Path, fmt: str, source: str, mapping: Any, timezone: str, dayfirst: bool | None,
          columns: dict[str, Any], notes: list[str]) -> EventLog:
    from procsimp.io.frame import Rows, frame_to_log

    try:
        if fmt == "csv":
            from procsimp.io import _gzip
            from procsimp.io.delimited import read_delimited

            data = p.read_bytes()
            if data.startswith(b"\x1f\x8b"):
                try:
                    data = _gzip.decompress(data)
                except _gzip.ERRORS as exc:
                    raise LogReadError(
                        f"{source}: not a valid gzip file ({exc}); the file is damaged or truncated: export it again"
                    ) from None
            frame, info = read_delimited(p, source, data)
            return frame_to_log(frame, mapping, timezone=timezone, source=source, dayfirst=dayfirst,
                                rows=Rows.file(2), warnings=[*notes, *info.warnings], **columns)
        if fmt == "excel":
            from procsimp.io.excel import read_excel_frame

            frame, warnings, first_row = read_excel_frame(p, source)
            return frame_to_log(frame, mapping, timezone=timezone, source=source, dayfirst=dayfirst,
                                rows=Rows.file(first_row), warnings=[*notes, *warnings], **columns)
        if fmt == "xes":
            from procsimp.io.xes import read_xes_frame

            frame, xinfo = read_xes_frame(p, source, timezone)
            return frame_to_log(frame, mapping, timezone=timezone, source=source, dayfirst=dayfirst,
                                rows=Rows.xes(), xes=True, warnings=[*notes, *xinfo.warnings],
                                source_offsets=xinfo.offsets, **columns)
        if fmt == "parquet":
            from procsimp.io.parquet import mapping_from_metadata, read_parquet_frame

            frame, meta = read_parquet_frame(p, source)
            log = frame_to_log(frame, mapping, timezone=timezone, source=source, dayfirst=dayfirst,
                               rows=Rows(), warnings=notes, **columns)
            if meta is not None and mapping is None and not any(columns.values()):
                stored = mapping_from_metadata(meta)
                if set(stored.columns) == set(log.mapping.columns):
                    log = log.replace(mapping=stored)
            return log
    except MemoryError:
        raise LogReadError(f"{source}: the file is too large to read in memory on this machine") from None
    raise LogReadError(f"{source}: unsupported format {fmt!r}")  # pragma: no cover
