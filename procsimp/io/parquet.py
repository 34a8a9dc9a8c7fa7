"""Parquet: an EventLog with its mapping (in the file's metadata), or any table of events."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from procsimp._atomic import atomic_path
from procsimp.errors import LogReadError
from procsimp.log import ColumnMapping, EventLog

__all__ = ["METADATA_KEY", "write_parquet", "read_parquet_frame", "log_metadata", "mapping_from_metadata"]

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


def write_parquet(
    log: EventLog, path: Path, *, extra: dict[str, Any] | None = None, mode: int | None = None
) -> Path:
    """Write ``log.df`` as Parquet (dictionary-encoded text), the mapping in the metadata; ``mode``
    as in :func:`procsimp._atomic.atomic_path`."""
    table = pa.Table.from_pandas(log.df, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[METADATA_KEY] = json.dumps({**log_metadata(log), **(extra or {})}, ensure_ascii=False).encode("utf-8")
    table = table.replace_schema_metadata(meta)
    with atomic_path(path, mode=mode) as tmp:
        pq.write_table(table, tmp, compression="zstd")
    return Path(path)


def read_parquet_frame(path: Path, source: str) -> tuple[pd.DataFrame, dict[str, Any] | None]:
    """(frame, procsimp metadata or None).

    Text columns are read dictionary-encoded, straight from the file's own dictionary pages, so
    they arrive as categoricals: the reader then normalises each distinct value once instead of
    building a Python string per event.
    """
    try:
        schema = pq.read_schema(path)
        text_columns = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
        table = pq.read_table(path, read_dictionary=text_columns or None)
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as exc:
        text = str(exc).strip().splitlines()
        raise LogReadError(
            f"{source}: not a readable Parquet file ({text[0] if text else type(exc).__name__}); the file is "
            "damaged or not Parquet: write it again"
        ) from None
    raw = (table.schema.metadata or {}).get(METADATA_KEY)
    meta = None
    if raw:
        try:
            meta = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            meta = None
    if table.num_rows == 0:
        raise LogReadError(
            f"{source}: the table has columns ({', '.join(repr(n) for n in table.column_names[:12])}) but no "
            "events; write it again with its rows"
        )
    return table.to_pandas(), meta
