"""An opt-in Parquet cache of parsed logs, so that reading the same file again is fast.

Dossier logs hold citizens' personal data, so the cache is off unless asked for:
``read_log(path, cache=DIR)`` (``--cache DIR`` on the command line), ``cache=True`` (the folder
``$PROCSIMP_CACHE_DIR``, else the user's cache folder ``$XDG_CACHE_HOME/procsimp`` or
``~/.cache/procsimp``), or ``$PROCSIMP_CACHE_DIR`` set in the environment. It is never the
working directory by default, and the commands refuse a cache inside their ``--out`` folder.

An entry keeps the mapped columns only (never unmapped columns such as ID numbers, phone numbers
or notes), in a folder of mode 0700 and files of mode 0600. The key is the file's content (a
hash of every byte) plus everything that changes the result: the mapping, the keyword arguments,
the timezone, the day-first choice and the version of procsimp's reader. An edited file is read
again even when its size and modification time are unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from procsimp.core.log import ROLES, ColumnMapping, EventLog
from procsimp.errors import ParameterError
from procsimp.read.parquet import FORMAT_VERSION, METADATA_KEY, mapping_from_metadata, write_parquet

__all__ = ["ENV", "cache_dir", "cache_key", "check_cache_argument", "default_dir", "load", "mapped_only", "store"]

#: the environment variable that turns the cache on (a folder) or off (``off``)
ENV = "PROCSIMP_CACHE_DIR"
READER_VERSION = "2"
_OFF = ("off", "0", "false", "no")


def check_cache_argument(cache: Any) -> None:
    """A :class:`~procsimp.errors.ParameterError` unless ``cache`` is None, a bool or a folder path."""
    if cache is None or isinstance(cache, bool):
        return
    if isinstance(cache, (str, os.PathLike)) and not isinstance(cache, bytes) and str(os.fspath(cache)).strip():
        path = Path(os.fspath(cache))
        if path.exists() and not path.is_dir():
            raise ParameterError(f"cache={str(path)!r} is a file; give a folder for the cache (created if missing)")
        return
    raise ParameterError(
        f"cache must be a folder path, True, False or None, got {cache!r}; e.g. cache='~/.cache/procsimp' "
        "(the cache is off by default)"
    )


def default_dir() -> Path:
    """The user's own cache folder: ``$XDG_CACHE_HOME/procsimp``, else ``~/.cache/procsimp``."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "procsimp"


def cache_dir(cache: bool | str | os.PathLike[str] | None) -> Path | None:
    """The cache folder for ``read_log(cache=...)``, or None when caching is off."""
    check_cache_argument(cache)
    if cache is False:
        return None
    env = os.environ.get(ENV, "").strip()
    if cache is None:
        if not env or env.lower() in _OFF:
            return None
        return Path(env).expanduser()
    if cache is True:
        return Path(env).expanduser() if env and env.lower() not in _OFF else default_dir()
    return Path(os.fspath(cache)).expanduser()


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
    for file in sorted([*here.glob("*.py"), here.parent / "core" / "log.py"]):
        try:
            st = file.stat()
        except OSError:
            continue
        parts.append(f"{file.name}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _content_digest(path: Path) -> str:
    """A hash of every byte of the file: an edit is seen even with the same size and mtime.
    (SHA-256 runs in hardware on current CPUs: about 0.3-1 GB/s, far below the cost of parsing.)"""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_key(path: Path, *, mapping: Any, columns: dict[str, Any], timezone: str,
              dayfirst: bool | None) -> tuple[str, str]:
    """(stem shared by every version of this file, full key)."""
    from procsimp.core.version import __version__

    where = str(path.resolve())
    file_id = hashlib.sha256(where.encode("utf-8")).hexdigest()[:16]
    token = json.dumps(
        {
            "content": _content_digest(path), "size": path.stat().st_size,
            "mapping": _mapping_token(mapping),
            "columns": {k: str(v) for k, v in sorted(columns.items()) if v},
            "timezone": timezone, "dayfirst": dayfirst,
            "reader": READER_VERSION, "code": _code_fingerprint(), "format": FORMAT_VERSION,
            "procsimp": __version__,
        },
        sort_keys=True, ensure_ascii=False,
    )
    return file_id, hashlib.sha256(token.encode("utf-8")).hexdigest()[:20]


def mapped_only(log: EventLog) -> EventLog:
    """The log with its mapped columns only: unmapped columns (ID numbers, phones, notes) dropped."""
    keep = [c for c in log.df.columns if c in set(ROLES.values())]
    if len(keep) == len(log.df.columns):
        return log
    return log.replace(df=log.df[keep])


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
    """Write the cache entry (mapped columns only, mode 0600; replacing older entries of the same
    file); a warning on failure."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for old in folder.iterdir():
            if old.name.startswith(f"{stem}.") and old.name.endswith(".parquet") and old.name != f"{stem}.{key}.parquet":
                old.unlink(missing_ok=True)
        write_parquet(mapped_only(log), folder / f"{stem}.{key}.parquet", mode=0o600)
    except OSError as exc:
        return f"could not write the cache in {folder} ({exc.strerror or exc}); the log was read without it"
    return None
