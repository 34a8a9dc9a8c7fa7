"""Parquet: an EventLog with its mapping (in the file's metadata), or any table of events."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from procsimp.core._atomic import atomic_path
from procsimp.core.log import ColumnMapping, EventLog
from procsimp.errors import LogReadError, ProcsimpError

__all__ = ["METADATA_KEY", "write_parquet", "read_parquet_frame", "log_metadata", "mapping_from_metadata",
           "stored_mapping", "merged_dictionaries"]

METADATA_KEY = b"procsimp"
#: bumped when the normalised layout of an EventLog changes
FORMAT_VERSION = 1


def log_metadata(log: EventLog) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "mapping": log.mapping.to_dict(),
        "source": log.source,
        "timezone": log.timezone,
        "warnings": list(log.warnings),
    }


def mapping_from_metadata(meta: dict[str, Any]) -> ColumnMapping:
    m = meta.get("mapping", {})
    return ColumnMapping(columns=m.get("columns", {}), how=m.get("how", {}), formats=m.get("formats", {}))


def stored_mapping(meta: Any) -> ColumnMapping | None:
    """The mapping stored by :func:`write_parquet` in a file's metadata, or None when the metadata
    is not one (written by another tool, or damaged)."""
    m = meta.get("mapping", {}) if isinstance(meta, dict) else None
    if not isinstance(m, dict):
        return None
    parts = [m.get("columns", {}), m.get("how", {}), m.get("formats", {})]
    if not all(isinstance(p, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in p.items())
               for p in parts):
        return None
    try:
        return mapping_from_metadata(meta)
    except ProcsimpError:
        return None


def write_parquet(
    log: EventLog, path: Path, *, extra: dict[str, Any] | None = None, mode: int | None = None
) -> Path:
    """Write ``log.df`` as Parquet (dictionary-encoded text), the mapping in the metadata; ``mode``
    as in :func:`procsimp.core._atomic.atomic_path`."""
    table = pa.Table.from_pandas(log.df, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[METADATA_KEY] = json.dumps({**log_metadata(log), **(extra or {})}, ensure_ascii=False).encode("utf-8")
    table = table.replace_schema_metadata(meta)
    with atomic_path(path, mode=mode) as tmp:
        pq.write_table(table, tmp, compression="zstd")
    return Path(path)



def unreadable(source: str, what: str, exc: BaseException, fix: str) -> LogReadError:
    """The one-line error for Parquet that Arrow cannot read: ``source``, ``what`` it is (a file, a
    dataset), Arrow's first line, and ``fix``."""
    text = str(exc).strip().splitlines()
    return LogReadError(f"{source}: not a readable Parquet {what} ({text[0] if text else type(exc).__name__}); {fix}")

def read_parquet_frame(path: Path, source: str, *, wanted: set[str] | frozenset[str] = frozenset(),
                       notes: list[str] | None = None) -> tuple[pd.DataFrame, dict[str, Any] | None]:
    """(frame, procsimp metadata or None).

    Nested columns (lists, records, maps) are left out, with a note appended to ``notes``; one
    that is named in ``wanted`` or carries a known header is an error.

    Text columns are read dictionary-encoded, straight from the file's own dictionary pages, so
    they arrive as categoricals: the reader then normalises each distinct value once instead of
    building a Python string per event.
    """
    try:
        schema = pq.read_schema(path)
        rows = pq.read_metadata(path).num_rows
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as exc:
        raise unreadable(source, "file", exc, "the file is damaged or not Parquet: write it again") from None
    raw = (schema.metadata or {}).get(METADATA_KEY)
    meta = None
    if raw:
        try:
            meta = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            meta = None
        if not isinstance(meta, dict):
            meta = None
    nested = [f for f in schema if pa.types.is_nested(f.type)
              or (pa.types.is_dictionary(f.type) and pa.types.is_nested(f.type.value_type))]
    if nested:
        from procsimp.read.mapping import SYNONYMS, normalise_header

        known = set().union(*SYNONYMS.values())
        for f in nested:
            if normalise_header(f.name) in known or f.name in wanted:
                raise LogReadError(
                    f"{source}: column {f.name!r} holds nested values ({f.type}), not one plain value per event; "
                    "a case id, step, officer or time must be text, a number or a timestamp: flatten the column "
                    "before writing the Parquet file"
                )
        if notes is not None:
            from procsimp.read.notes import nested_columns

            notes.append(nested_columns([f"{f.name!r} ({f.type})" for f in nested]))
    if rows == 0:
        raise LogReadError(
            f"{source}: the table has columns ({', '.join(repr(n) for n in schema.names[:12])}) but no "
            "events; write it again with its rows"
        )
    skipped = {f.name for f in nested}
    try:
        frame = _frame(path, schema, [f.name for f in schema if f.name not in skipped])
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as exc:
        raise unreadable(source, "file", exc, "the file is damaged or not Parquet: write it again") from None
    return frame, meta


def _frame(path: Path, schema: pa.Schema, names: list[str]) -> pd.DataFrame:
    """The columns ``names`` of the file as a DataFrame, text columns dictionary-encoded.

    Each column is read and handed over to pandas in turn (its Arrow buffers let go of as pandas
    takes them), so that reading takes the memory of the frame plus one column, not of the whole
    Arrow table beside the frame. A file whose pandas index is stored as columns (or with a
    repeated column name) is read whole, for pandas to rebuild it."""
    text = {f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)}
    index = (schema.pandas_metadata or {}).get("index_columns", [])
    by_column = len(set(names)) == len(names) and all(isinstance(i, dict) for i in index)
    if not by_column:
        table = pq.read_table(path, columns=names, read_dictionary=sorted(text & set(names)) or None)
        return table.to_pandas(self_destruct=True, split_blocks=True)
    data: dict[str, pd.Series] = {}
    for name in names:
        table = pq.read_table(path, columns=[name], read_dictionary=[name] if name in text else None)
        if name in text:
            merged = merged_dictionaries(table.column(0))
            if merged is not None:
                table = pa.table({name: merged})
        data[name] = table.to_pandas(self_destruct=True, split_blocks=True)[name]
        del table
    frame = pd.DataFrame(data, copy=False)
    pa.default_memory_pool().release_unused()  # what the columns' reading left in Arrow's pool
    return frame


def merged_dictionaries(column: pa.ChunkedArray) -> pa.DictionaryArray | None:
    """``column`` (dictionary-encoded text, one dictionary per row group) as one dictionary array
    whose dictionary is every value in ascending order, when the row groups' dictionaries are
    each sorted and follow one another (a column sorted by its values, as the case ids of a
    case-sorted log are); else None, and Arrow unifies the dictionaries as usual.

    The result is the array that Arrow's unification gives (the values in order of first
    appearance are then in ascending order), without hashing any value: the dictionaries are
    laid end to end, a value shared by two neighbouring row groups (a dossier cut by a row-group
    boundary) kept once, and each chunk's indices shifted by where its dictionary starts."""
    chunks = [c for c in column.chunks if len(c)]
    if not chunks or not all(pa.types.is_dictionary(c.type) for c in chunks):
        return None
    parts: list[pa.Array] = []  # the distinct dictionaries, in chunk order
    where: list[int] = []  # the dictionary of each chunk (its index in parts)
    for chunk in chunks:
        dic = chunk.dictionary
        if not parts or not (dic is parts[-1] or dic.equals(parts[-1])):
            if dic.null_count or (len(dic) > 1 and not pc.all(pc.less(dic[:-1], dic[1:])).as_py()):
                return None
            parts.append(dic)
        where.append(len(parts) - 1)
    starts, size, kept, last = [], 0, [], None  # last: the greatest value so far
    for dic in parts:
        shared = 0
        if len(dic) and last is not None:
            if pc.greater(last, dic[0]).as_py():
                return None  # out of order: not a sorted column
            shared = int(pc.equal(last, dic[0]).as_py())
        starts.append(size - shared)
        kept.append(dic[shared:])
        size += len(dic) - shared
        if len(dic):
            last = dic[len(dic) - 1]
    indices = [pc.add(c.indices.cast(pa.int32()), pa.scalar(starts[w], pa.int32())) if starts[w] else
               c.indices.cast(pa.int32()) for c, w in zip(chunks, where, strict=True)]
    dictionary = pa.concat_arrays(kept) if len(kept) > 1 else kept[0]
    return pa.DictionaryArray.from_arrays(pa.concat_arrays(indices), dictionary)
