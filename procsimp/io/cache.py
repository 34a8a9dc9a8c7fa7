"""A Parquet cache of parsed logs, so that reading the same file again is fast.

The key is the file (absolute path, size, modification time) plus everything that changes the
result: the mapping, the keyword arguments, the timezone, the day-first choice and the version of
procsimp's reader. The cache lives in ``.procsimp-cache/`` of the folder given by ``cache=``, else
of ``$PROCSIMP_CACHE_DIR``, else of the current directory. ``cache=False`` (or
``PROCSIMP_CACHE_DIR=off``) disables it. With ``cache=None`` only files of at least
:data:`MIN_BYTES` are cached: smaller ones are read faster than the cache is checked.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from procsimp.io.parquet import FORMAT_VERSION, METADATA_KEY, mapping_from_metadata, write_parquet
from procsimp.log import ColumnMapping, EventLog

__all__ = ["CACHE_FOLDER", "MIN_BYTES", "cache_dir", "cache_key", "load", "store"]

CACHE_FOLDER = ".procsimp-cache"
MIN_BYTES = 1 << 20
READER_VERSION = "1"


def cache_dir(cache: bool | str | os.PathLike[str] | None, size: int) -> Path | None:
    """Where to cache a file of ``size`` bytes, or None when caching is off."""
    if cache is False:
        return None
    env = os.environ.get("PROCSIMP_CACHE_DIR", "")
    if env.lower() in ("off", "0", "false", "no"):
        return None
    if cache is None and size < MIN_BYTES:
        return None
    if cache is None or cache is True:
        base = Path(env) if env else Path.cwd()
    else:
        base = Path(cache)
    return base if base.name == CACHE_FOLDER else base / CACHE_FOLDER


def _mapping_token(mapping: Any) -> Any:
    if mapping is None:
        return None
    if isinstance(mapping, ColumnMapping):
        return {"columns": dict(mapping.columns)}
    if isinstance(mapping, (str, os.PathLike)):
        p = Path(mapping)
        try:
            digest = hashlib.sha256(p.read_bytes()).hexdigest()
        except OSError:
            digest = "missing"
        return {"file": str(p.resolve()), "sha256": digest}
    return {"dict": {str(k): str(v) for k, v in dict(mapping).items()}}


def _code_fingerprint() -> str:
    """The reader's own source files (size and time): a changed reader never serves an old entry."""
    here = Path(__file__).resolve().parent
    parts = []
    for file in sorted([*here.glob("*.py"), here.parent / "log.py"]):
        try:
            st = file.stat()
        except OSError:
            continue
        parts.append(f"{file.name}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def cache_key(path: Path, *, mapping: Any, columns: dict[str, Any], timezone: str,
              dayfirst: bool | None) -> tuple[str, str]:
    """(stem shared by every version of this file, full key)."""
    from procsimp import __version__

    st = path.stat()
    where = str(path.resolve())
    file_id = hashlib.sha256(where.encode("utf-8")).hexdigest()[:12]
    token = json.dumps(
        {
            "path": where, "size": st.st_size, "mtime_ns": st.st_mtime_ns,
            "mapping": _mapping_token(mapping),
            "columns": {k: str(v) for k, v in sorted(columns.items()) if v},
            "timezone": timezone, "dayfirst": dayfirst,
            "reader": READER_VERSION, "code": _code_fingerprint(), "format": FORMAT_VERSION,
            "procsimp": __version__,
        },
        sort_keys=True, ensure_ascii=False,
    )
    stem = f"{path.name}.{file_id}"
    return stem, hashlib.sha256(token.encode("utf-8")).hexdigest()[:16]


def load(folder: Path, stem: str, key: str) -> EventLog | None:
    """The cached log, or None (a damaged cache entry is ignored)."""
    file = folder / f"{stem}.{key}.parquet"
    if not file.is_file():
        return None
    try:
        table = pq.read_table(file)
        meta = json.loads((table.schema.metadata or {})[METADATA_KEY].decode("utf-8"))
        df = table.to_pandas()
    except Exception:  # a damaged or foreign file: read the source again
        return None
    return EventLog(
        df=df, mapping=mapping_from_metadata(meta), source=meta.get("source", ""),
        timezone=meta.get("timezone", ""), warnings=tuple(meta.get("warnings", [])),
    )


def store(log: EventLog, folder: Path, stem: str, key: str) -> str | None:
    """Write the cache entry (replacing older ones of the same file); a warning on failure."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            if old.name.startswith(f"{stem}.") and old.name.endswith(".parquet") and old.name != f"{stem}.{key}.parquet":
                old.unlink(missing_ok=True)
        write_parquet(log, folder / f"{stem}.{key}.parquet")
    except OSError as exc:
        return f"could not write the cache in {folder} ({exc.strerror or exc}); the log was read without it"
    return None
