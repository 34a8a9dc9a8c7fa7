"""How many threads procsimp's work may use.

``PROCSIMP_THREADS`` (a whole number) caps every pool procsimp starts: DuckDB's worker threads
(:class:`procsimp.engine.backend.DuckDBBackend`), the Graphviz processes that draw the maps at
once (:mod:`procsimp.output.maps`) and the threads of the replay's parts
(:mod:`procsimp.flag.savings`). Unset, each uses the cores this process may run on, up to its own
limit.
"""

from __future__ import annotations

import os

from procsimp.errors import ParameterError

__all__ = ["threads_setting", "usable_cores", "worker_threads"]


def threads_setting() -> int | None:
    """``PROCSIMP_THREADS`` as a whole number (at least 1); None when it is unset or blank."""
    env = os.environ.get("PROCSIMP_THREADS", "").strip()
    if not env:
        return None
    try:
        return max(1, int(env))
    except ValueError:
        raise ParameterError(f"PROCSIMP_THREADS={env!r} is not a whole number; set it to e.g. 2 or unset it") from None


def usable_cores() -> int:
    """The processor cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on this platform
        return os.cpu_count() or 1


def worker_threads(limit: int) -> int:
    """Workers for one of procsimp's own pools: ``PROCSIMP_THREADS`` when set, else the usable
    cores; at most ``limit``, at least 1."""
    return max(1, min(limit, threads_setting() or usable_cores()))
