"""``convert(path, to="parquet")``: read a big log once and keep it as a mapped, typed Parquet file.

Reading a large CSV, Excel or XES file costs the parsing of every value (times above all) each
time. :func:`convert` does that once: the result holds the log as procsimp reads it (pm4py column
names, times with their timezone, text as dictionary-encoded categoricals, events sorted by case
then time, the column mapping in the file's metadata), so :func:`procsimp.read_log` reads it back
to the same EventLog, several times faster. The file is written atomically: it appears complete
or not at all.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from procsimp.core.log import EventLog
from procsimp.errors import ParameterError

__all__ = ["convert", "TARGETS"]

#: the formats a log can be converted to
TARGETS: tuple[str, ...] = ("parquet",)


def convert(
    path: str | os.PathLike[str] | EventLog,
    out: str | os.PathLike[str] | None = None,
    *,
    to: str = "parquet",
    mapping: Any = None,
    **read_options: Any,
) -> Path:
    """Read the log at ``path`` (any format :func:`procsimp.read_log` reads, with its ``mapping``
    and options: ``timezone``, ``dayfirst``, ``sheet``, ``header_row`` and the column names) and
    write it to ``out`` as ``to`` (``"parquet"``); by default next to ``path``, with the
    extension ``.parquet``. ``path`` may also be an EventLog already read (then the options
    are not used). Returns the path written. Raises
    :class:`~procsimp.errors.ParameterError` for an unknown target or an ``out`` that is the
    log itself, and what :func:`procsimp.read_log` raises for a bad log.
    """
    from procsimp.read.read import read_log
    from procsimp.read.write import write_log

    if to not in TARGETS:
        raise ParameterError(f"convert: to={to!r} is not a target; use one of {', '.join(TARGETS)}")
    log: EventLog | None
    if isinstance(path, EventLog):
        log, src = path, Path(path.source)
    else:
        log, src = None, Path(path)
    if out is None:
        name = src.name[: -len(".gz")] if src.name.lower().endswith(".gz") else src.name
        target = src.with_name(Path(name).stem + ".parquet")
    else:
        target = Path(out)
    if target.suffix.lower() not in (".parquet", ".pq"):
        raise ParameterError(
            f"convert: the output {str(target)!r} needs the extension .parquet (or .pq) for a Parquet file"
        )
    if src.exists() and target.exists() and os.path.samefile(src, target):
        raise ParameterError(
            f"convert: the output {str(target)!r} is the log itself; give another file with --out"
        )
    if log is None:
        log = read_log(src, mapping, cache=False, **read_options)
    return write_log(log, target, format="parquet")
