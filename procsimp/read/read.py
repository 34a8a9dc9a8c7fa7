"""``read_log``: any supported file to a validated :class:`EventLog`."""

from __future__ import annotations

import os
import re
import zlib
from pathlib import Path
from typing import Any

from procsimp.core._tz import check_timezone
from procsimp.core.log import ROLES, ColumnMapping, EventLog
from procsimp.errors import LogReadError, ParameterError

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


def _kind(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text[:60] + '…' if len(text) > 60 else text}"


def _check_arguments(path: Any, mapping: Any, timezone: Any, cache: Any, dayfirst: Any, sheet: Any,
                     header_row: Any, columns: dict[str, Any]) -> None:
    """ParameterError for an argument of :func:`read_log` of the wrong kind, naming it."""
    if hasattr(path, "read"):
        raise ParameterError(
            f"read_log(path=...) needs the path of a log file, got an open file ({_kind(path)}); give its path, "
            "e.g. read_log(f.name)"
        )
    if isinstance(path, bool) or not isinstance(path, (str, os.PathLike)):
        raise ParameterError(
            f"read_log(path=...) needs the path of a log file (a str or pathlib.Path), got {_kind(path)}; to use "
            "a DataFrame, call procsimp.frame_to_log(df, case=..., activity=..., timestamp=...)"
        )
    if str(path).strip() == "":
        raise LogReadError("read_log(path=''): no file given; give the path of a CSV, Excel, XES or Parquet file")
    if mapping is not None and not isinstance(mapping, (dict, ColumnMapping, str, os.PathLike)):
        raise ParameterError(
            f"read_log(mapping=...) must be a dict of role -> column, a ColumnMapping or the path of a YAML file, "
            f"got {_kind(mapping)}"
        )
    if timezone is not None and not isinstance(timezone, str):
        raise ParameterError(f"read_log(timezone=...) must be an IANA timezone name such as 'Asia/Ho_Chi_Minh', "
                             f"got {_kind(timezone)}")
    if dayfirst is not None and not isinstance(dayfirst, bool):
        raise ParameterError(f"read_log(dayfirst=...) must be True, False or None, got {_kind(dayfirst)}")
    if sheet is not None and not isinstance(sheet, str):
        raise ParameterError(f"read_log(sheet=...) must be the name of a sheet, got {_kind(sheet)}")
    if header_row is not None and (isinstance(header_row, bool) or not isinstance(header_row, int) or header_row < 1):
        raise ParameterError(f"read_log(header_row=...) must be a sheet row number (1 or more), got {_kind(header_row)}")
    for role, column in columns.items():
        if column is not None and not isinstance(column, str):
            raise ParameterError(f"read_log({role}=...) must be a column name (str), got {_kind(column)}")


def read_log(
    path: str | os.PathLike[str],
    mapping: dict[str, str] | ColumnMapping | str | os.PathLike[str] | None = None,
    *,
    timezone: str | None = None,
    cache: bool | str | os.PathLike[str] | None = None,
    dayfirst: bool | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
    storage: str | None = None,
    **columns: str | None,
) -> EventLog:
    """Read an event log file (CSV/TSV/TXT, Excel, XES, .xes.gz, Parquet) into an :class:`EventLog`.

    Columns are mapped by keyword arguments (``case="Mã hồ sơ"``, ``activity=...``,
    ``timestamp=...``, ``start``, ``resource``, ``unit``, ``service``, ``channel``, ``received``,
    ``due``, ``outcome``), by ``mapping`` (a dict, a :class:`ColumnMapping` or the path of a YAML
    file ``case: Mã hồ sơ``), else detected from common English and Vietnamese headers. Naive times
    take ``timezone`` (an IANA name, checked before the file is read; None: the ``timezone`` of
    :func:`procsimp.settings`, by default Asia/Ho_Chi_Minh); a due date without a time of
    day is the end of that day (23:59:59.999999). ``dayfirst`` decides dates such as ``03/04/2025``
    when no value tells (None: day first). ``sheet`` and ``header_row`` (Excel only): the sheet
    to read and the sheet row (1 = the first) that holds the column names; by default the first
    visible sheet with data, and the first top row whose cells are known headers. ``cache``: off
    by default (None, unless ``$PROCSIMP_CACHE_DIR`` is set); a folder keeps a Parquet copy of the
    parsed log there, True the user's cache folder; with a cache the log keeps its mapped columns
    only. See :mod:`procsimp.read.cache`.

    A Parquet log may also be a folder of ``.parquet`` files (a partitioned dataset,
    ``year=2025/...`` folders included). ``storage`` (None: the ``storage`` setting of
    :func:`procsimp.settings`, ``"auto"`` by default) decides whether a Parquet log is read into
    memory (``"memory"``) or stays on its files (``"parquet"``: out of core, the events read by
    DuckDB where they lie and never held in pandas unless a stage needs every row; see
    :mod:`procsimp.read.parquet_source`); ``"auto"`` leaves a large log on its files
    (:func:`~procsimp.read.parquet_source.choose_storage`). ``log.storage`` tells which was chosen,
    and ``log.parquet.reason`` why.

    Raises :class:`~procsimp.errors.LogReadError` (missing, empty, corrupt or unsafe file),
    :class:`~procsimp.errors.MappingError` and :class:`~procsimp.errors.LogValidationError`,
    each with a one-line message that names the file and the fix.
    """
    from procsimp.read import cache as _cache

    _check_arguments(path, mapping, timezone, cache, dayfirst, sheet, header_row, columns)
    _cache.check_cache_argument(cache)
    source = str(path)
    p = Path(path)
    if timezone is None:
        from procsimp.core.config import settings

        timezone = settings().timezone
    check_timezone(timezone)
    wanted = _storage(storage)
    if _URI.match(source):
        return _read_uri(source, mapping, timezone, columns, wanted)
    if not p.exists():
        raise LogReadError(f"{source}: no such file; check the path")
    if p.is_dir():
        if not any(x.name.lower().endswith((".parquet", ".pq")) for x in p.rglob("*")):
            raise LogReadError(f"{source}: is a folder, not a log file; give the path of a CSV, Excel, XES or "
                               "Parquet file, or of a folder of Parquet files")
        if sheet is not None or header_row is not None:
            raise ParameterError(f"{'--sheet' if sheet is not None else '--header-row'} applies to Excel workbooks; "
                                 f"{source} is read as Parquet")
        return _read_dataset(p, source, mapping, timezone, dayfirst, columns, wanted, [])
    try:
        if not p.is_file():
            raise LogReadError(
                f"{source}: is not a regular file (a pipe, socket or device); save the log to a file and give its path"
            )
        size = p.stat().st_size
        if size == 0:
            with open(p, "rb") as f:
                if f.read(1):
                    raise LogReadError(
                        f"{source}: the file reports a size of 0 bytes but has content (a /proc or virtual file); "
                        "copy it to a regular file first"
                    )
            raise LogReadError(f"{source}: the file is empty (0 bytes); export the log again")
        fmt, note = sniff_format(p)
    except PermissionError:
        raise LogReadError(f"{source}: permission denied; check that you may read the file") from None
    excel = {"sheet": sheet, "header_row": header_row}
    if fmt != "excel" and (sheet is not None or header_row is not None):
        given = "--sheet" if sheet is not None else "--header-row"
        raise ParameterError(f"{given} applies to Excel workbooks; {source} is read as {_NAMES[fmt]}")
    folder = _cache.cache_dir(cache)
    if fmt == "parquet" and (folder is None or wanted == "parquet"):
        return _read_dataset(p, source, mapping, timezone, dayfirst, columns, wanted, [note] if note else [])
    stem = key = ""
    if folder is not None:
        keyed = {**columns, "sheet": sheet, "header_row": header_row}  # the sheet read is part of the key
        stem, key = _cache.cache_key(p, mapping=mapping, columns=keyed, timezone=timezone, dayfirst=dayfirst)
        hit = _cache.load(folder, stem, key)
        if hit is not None:
            return hit.replace(source=source)
    log = _read(p, fmt, source, mapping, timezone, dayfirst, columns, [note] if note else [], excel)
    if folder is not None:
        log = _cache.mapped_only(log)  # the same log whether it comes from the cache or the file
        problem = _cache.store(log, folder, stem, key)
        if problem:
            log = log.replace(warnings=(*log.warnings, problem))
    return log


def _mapping_columns(mapping: Any) -> set[str]:
    """The column names that a mapping (dict, ColumnMapping or YAML file) names."""
    from procsimp.read.mapping import load_mapping_file

    if isinstance(mapping, ColumnMapping):
        return set(mapping.columns.values())
    if isinstance(mapping, dict):
        return {v for v in mapping.values() if isinstance(v, str)}
    if isinstance(mapping, (str, os.PathLike)):
        return set(load_mapping_file(mapping).values())
    return set()


def _named_headers(mapping: Any, columns: dict[str, Any]) -> set[str]:
    """The normalised column names that the user gave (keyword arguments and mapping), which
    mark the header row of a sheet."""
    from procsimp.read.mapping import normalise_header

    names = [v for v in columns.values() if isinstance(v, str)] + list(_mapping_columns(mapping))
    return {normalise_header(n) for n in names}


def _read(p: Path, fmt: str, source: str, mapping: Any, timezone: str, dayfirst: bool | None,
          columns: dict[str, Any], notes: list[str], excel: dict[str, Any] | None = None) -> EventLog:
    from procsimp.read.frame import Handover, Rows, frame_to_log

    # each reader hands its frame over (and keeps no reference), for frame_to_log to let go of it
    # as soon as the normalised frame exists
    try:
        if fmt == "csv":
            from procsimp.read import _gzip
            from procsimp.read.delimited import read_delimited

            data = p.read_bytes()
            if data.startswith(b"\x1f\x8b"):
                try:
                    data = _gzip.decompress(data, source)
                except _gzip.ERRORS as exc:
                    raise LogReadError(
                        f"{source}: not a valid gzip file ({exc}); the file is damaged or truncated: export it again"
                    ) from None
            frame, info = read_delimited(p, source, data)
            given = Handover(frame)
            del frame, data
            return frame_to_log(given, mapping, timezone=timezone, source=source, dayfirst=dayfirst,
                                rows=Rows.file(2), warnings=[*notes, *info.warnings], **columns)
        if fmt == "excel":
            from procsimp.read.excel import read_excel_frame

            frame, warnings, first_row = read_excel_frame(p, source, known=_named_headers(mapping, columns),
                                                          **(excel or {}))
            given = Handover(frame)
            del frame
            return frame_to_log(given, mapping, timezone=timezone, source=source, dayfirst=dayfirst,
                                rows=Rows.file(first_row), warnings=[*notes, *warnings], **columns)
        if fmt == "xes":
            from procsimp.read.xes import read_xes_frame

            frame, xinfo = read_xes_frame(p, source, timezone)
            given = Handover(frame)
            del frame
            return frame_to_log(given, mapping, timezone=timezone, source=source, dayfirst=dayfirst,
                                rows=Rows.xes(), xes=True, warnings=[*notes, *xinfo.warnings],
                                source_offsets=xinfo.offsets, **columns)
        if fmt == "parquet":
            from procsimp.read.parquet import read_parquet_frame, stored_mapping

            frame, meta = read_parquet_frame(p, source, wanted=set(columns.values()) | _mapping_columns(mapping),
                                             notes=notes)
            stored = stored_mapping(meta) if meta is not None else None
            own_file = (stored is not None and mapping is None and not any(columns.values())
                        and all(ROLES[role] in frame.columns for role in stored.columns))
            given = Handover(frame)
            del frame
            if own_file:
                assert stored is not None
                # procsimp's own file (procsimp convert, write_log): its roles, and no other column
                # taken for a role by its header (an XES attribute 'dueDate' stays an attribute)
                as_written = frame_to_log(given, {role: ROLES[role] for role in stored.columns}, timezone=timezone,
                                          source=source, dayfirst=dayfirst, rows=Rows(), warnings=notes, detect=False)
                return as_written.replace(mapping=stored)
            log = frame_to_log(given, mapping, timezone=timezone, source=source, dayfirst=dayfirst,
                               rows=Rows(), warnings=notes, **columns)
            if meta is not None and mapping is None and not any(columns.values()):
                stored = stored_mapping(meta)
                # the stored mapping says where procsimp's own columns came from; on any other layout
                # it is stale (it named columns this file does not have)
                own = all(column == ROLES.get(role) for role, column in log.mapping.columns.items())
                if stored is not None and own and set(stored.columns) == set(log.mapping.columns):
                    log = log.replace(mapping=stored)
            return log
    except MemoryError:
        raise LogReadError(f"{source}: the file is too large to read in memory on this machine") from None
    raise LogReadError(f"{source}: unsupported format {fmt!r}")  # pragma: no cover


def _storage(storage: Any) -> str:
    from procsimp.read.parquet_source import STORAGES

    if storage is None:
        from procsimp.core.config import settings

        storage = settings().storage
    if storage not in STORAGES:
        raise ParameterError(f"read_log(storage=...) must be one of {', '.join(map(repr, STORAGES))}, got {_kind(storage)}")
    return str(storage)


def _read_dataset(p: Path, source: str, mapping: Any, timezone: str, dayfirst: bool | None,
                  columns: dict[str, Any], wanted: str, notes: list[str]) -> EventLog:
    """A Parquet file or folder: left on its files (out of core) or read into memory, as
    :func:`~procsimp.read.parquet_source.choose_storage` decides."""
    from procsimp.read import parquet_source as ps

    files, hive = ps.dataset_files(p, source)
    try:
        rows = ps.row_count(files)
    except Exception:  # a damaged footer: the in-memory reader names the problem
        rows = -1
    storage, why = ps.choose_storage(max(rows, 0), wanted) if rows >= 0 else ("memory", "")
    if storage == "parquet":
        log, reason = _out_of_core(files, hive, source, mapping, timezone, columns, why, notes)
        if log is not None:
            return log
        if wanted == "parquet":
            raise LogReadError(
                f"{source}: cannot stay on its Parquet files: {reason}; convert it once with "
                "`procsimp convert LOG --to parquet OUT.parquet`, or read it into memory (--storage memory)"
            )
        notes = [*notes, f"read into memory although large ({why}): {reason}"]
    if len(files) == 1 and not hive:
        log = _read(Path(files[0]), "parquet", source, mapping, timezone, dayfirst, columns, notes)
    else:
        from procsimp.read.frame import Rows, frame_to_log

        notes = list(notes)
        frame = ps.read_dataset_frame(files, hive, source, notes)
        log = frame_to_log(frame, mapping, timezone=timezone, source=source, dayfirst=dayfirst, rows=Rows(),
                           warnings=notes, **columns)
    return log


#: a location given as a URI (hdfs://, s3a://, file://...): read by the Spark engine
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def _read_uri(source: str, mapping: Any, timezone: str, columns: dict[str, Any], wanted: str) -> EventLog:
    """A Parquet file or folder at a URI, left on its files and read by the Spark engine (the
    engine's database, :func:`~procsimp.read.parquet_source.default_database`, reads it)."""
    from procsimp.read import parquet_source as ps

    database = ps.default_database()
    if not hasattr(database, "describe"):
        raise LogReadError(
            f"{source}: a log at a URI is read by the Spark engine, from its Parquet files; add --engine spark "
            "(and --spark-master URL for a cluster), or give a path on this machine"
        )
    if wanted == "memory":
        raise LogReadError(f"{source}: a log at a URI stays on its Parquet files, read by Spark; leave out "
                           "--storage memory, or copy the files to this machine")
    files, hive, types, rows = database.describe(source)
    log, reason = _out_of_core(files, hive, source, mapping, timezone, columns, "a URI", [],
                               database=database, types=types, rows=rows)
    if log is None:
        raise LogReadError(
            f"{source}: cannot stay on its Parquet files: {reason}; convert it once with "
            "`procsimp convert LOG --to parquet OUT.parquet` and put that file at the URI"
        )
    return log


def _out_of_core(files: tuple[str, ...], hive: bool, source: str, mapping: Any, timezone: str,
                 columns: dict[str, Any], why: str, notes: list[str], *, database: Any = None,
                 types: dict[str, str] | None = None, rows: int | None = None) -> tuple[EventLog | None, str]:
    """(the log left on its files, "") or (None, why it cannot be); ``database``, ``types`` and
    ``rows``: where the files are read and what it found (default procsimp's DuckDB, which reads
    their schema and footers)."""
    import pyarrow.parquet as pq

    from procsimp.read import parquet_source as ps
    from procsimp.read.mapping import normalise_header, resolve_columns
    from procsimp.read.parquet import METADATA_KEY, stored_mapping

    if types is None:
        types = ps.schema(files, hive, source)
    names = list(types)
    meta = None
    raw = (pq.read_schema(files[0]).metadata or {}).get(METADATA_KEY) if database is None else None
    if raw:
        import json

        try:
            meta = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            meta = None
    given = {role: col for role, col in columns.items() if role != "activity_key"}
    stored = stored_mapping(meta) if isinstance(meta, dict) else None
    if (stored is not None and mapping is None and not any(given.values())
            and all(ROLES[role] in types for role in stored.columns)):
        # procsimp's own file (procsimp convert, write_log): its roles, as written
        cmap = ColumnMapping(columns={role: ROLES[role] for role in stored.columns})
        shown = stored
    else:
        cmap = resolve_columns(names, mapping, given, source=source)
        shown = cmap
    used = set(cmap.columns.values())
    # a lifecycle column with other transitions than "complete" needs pairing, done in memory
    lifecycle_columns = [c for c in names if c not in used and normalise_header(c) in ("lifecycletransition", "lifecycle")]
    lifecycle = "start" not in cmap.columns and bool(lifecycle_columns) and ps.has_transitions(
        files, hive, lifecycle_columns[0], source, database)
    reason = ps.out_of_core_reason(cmap.columns, types, activity_key=columns.get("activity_key"), lifecycle=lifecycle)
    if reason is not None:
        return None, reason
    formats, end_of_day = ps.time_formats(files, hive, cmap.columns, types, source, database)
    src = ps.ParquetSource(files=files, hive=hive, columns=dict(cmap.columns), types=types, timezone=timezone,
                           rows=ps.row_count(files) if rows is None else rows, source=source, reason=why,
                           end_of_day=end_of_day)
    from procsimp.read.parquet_quality import check_times, source_warnings

    check_times(src)
    src.check()
    formats = dict(shown.formats) if shown is stored else formats
    log = EventLog(df=None, mapping=ColumnMapping(columns=dict(shown.columns), how=dict(shown.how), formats=formats),  # type: ignore[arg-type]
                   source=source, timezone=timezone, warnings=(*notes, *source_warnings(src)), parquet=src)
    return log, ""
