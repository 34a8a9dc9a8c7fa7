"""Reading a Parquet log out of core, stage by stage: processor time of each statement DuckDB runs.

    python benchmarks/bench_read_parquet.py LOG.parquet [LOG ...] [--queries]

For each log, ``procsimp.read_log(LOG, storage="parquet")`` runs in this process with every
statement on procsimp's DuckDB timed (processor time of the process, user + system, all DuckDB
threads counted; and the wall clock), grouped by stage: the encoding of the files into the
integer-coded table (``ParquetSource._encode``), the checks that stop a log (times outside the
plausible years, a dossier in two services, an end before its start) and the data-quality
warnings (:func:`procsimp.read.parquet_quality.source_warnings`). ``--queries`` also lists each
statement that took at least 0.05 s. On a shared machine only the processor time compares; the
load average is printed beside the figures. The results of the runs are in
``benchmarks/read_parquet.md``.
"""

from __future__ import annotations

import argparse
import functools
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def cpu() -> float:
    """Processor time of this process so far (user + system, every thread)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class Timings:
    """Processor and wall time by stage, and by statement."""

    def __init__(self) -> None:
        self.stage = "other"
        self.stages: dict[str, list[float]] = {}
        self.queries: list[tuple[str, str, float, float]] = []

    def add(self, stage: str, cpu_s: float, wall_s: float) -> None:
        totals = self.stages.setdefault(stage, [0.0, 0.0])
        totals[0] += cpu_s
        totals[1] += wall_s


class _Cursor:
    """A DuckDB cursor whose ``execute`` and ``fetchall`` are timed for the current stage."""

    def __init__(self, cursor: Any, timings: Timings) -> None:
        self._cursor = cursor
        self._timings = timings

    def execute(self, sql: str, *args: Any) -> _Cursor:
        c0, w0 = cpu(), time.perf_counter()
        self._cursor.execute(sql, *args)
        self._timings.queries.append((self._timings.stage, " ".join(sql.split())[:100], cpu() - c0,
                                      time.perf_counter() - w0))
        return self

    def fetchall(self) -> list[tuple[Any, ...]]:
        c0, w0 = cpu(), time.perf_counter()
        rows = self._cursor.fetchall()
        if self._timings.queries:
            stage, sql, c, w = self._timings.queries[-1]
            self._timings.queries[-1] = (stage, sql, c + cpu() - c0, w + time.perf_counter() - w0)
        return rows

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


class _Database:
    """procsimp's DuckDB database, handing out timed cursors."""

    def __init__(self, database: Any, timings: Timings) -> None:
        self._database = database
        self._timings = timings

    def cursor(self) -> _Cursor:
        return _Cursor(self._database.cursor(), self._timings)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._database, name)


def _staged(function: Any, stage: str, timings: Timings) -> Any:
    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        before, timings.stage = timings.stage, stage
        try:
            return function(*args, **kwargs)
        finally:
            timings.stage = before

    return run


def profile_read(path: str) -> tuple[Timings, float, float, int]:
    """(timings, processor s, wall s, events) of reading ``path`` out of core, in this process."""
    import procsimp
    from procsimp.read import parquet_quality, parquet_source

    timings = Timings()
    # procsimp's shared database, wrapped before the first log is read (the memory limit that
    # procsimp sets on its own database applies to it: it is the same object for procsimp)
    parquet_source._DB = _Database(parquet_source.new_database(), timings)
    source = parquet_source.ParquetSource
    setattr(source, "_encode", _staged(source._encode, "encoding", timings))  # noqa: B010
    setattr(source, "check", _staged(source.check, "checks", timings))  # noqa: B010
    parquet_quality.check_times = _staged(parquet_quality.check_times, "checks", timings)
    parquet_quality.source_warnings = _staged(parquet_quality.source_warnings, "warnings", timings)
    c0, w0 = cpu(), time.perf_counter()
    log = procsimp.read_log(path, storage="parquet")
    total_cpu, total_wall = cpu() - c0, time.perf_counter() - w0
    for stage, _, c, w in timings.queries:
        timings.add(stage, c, w)
    return timings, total_cpu, total_wall, int(log.parquet.facts()["events"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("logs", nargs="+", help="Parquet logs (a file or a folder of files)")
    parser.add_argument("--queries", action="store_true", help="list every statement of 0.05 s or more")
    args = parser.parse_args(argv)
    if len(args.logs) > 1:  # one process per log: the shared database and its caches start empty
        import subprocess

        for log in args.logs:
            extra = ["--queries"] if args.queries else []
            subprocess.run([sys.executable, __file__, log, *extra], check=True)
        return 0
    path = args.logs[0]
    load = os.getloadavg()
    timings, total_cpu, total_wall, events = profile_read(path)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KiB on Linux -> GiB
    print(f"{path}: {events:,} events; load average {load[0]:.1f} before, {os.getloadavg()[0]:.1f} after")
    print(f"{'stage':<12} {'CPU s':>8} {'wall s':>8}")
    for stage, (c, w) in timings.stages.items():
        if stage == "other" and c + w < 0.005:
            continue
        print(f"{stage:<12} {c:8.2f} {w:8.2f}")
    print(f"{'read_log':<12} {total_cpu:8.2f} {total_wall:8.2f}   peak {peak:.2f} GiB")
    if args.queries:
        for stage, sql, c, w in timings.queries:
            if c >= 0.05 or w >= 0.05:
                print(f"  {stage:<10} {c:7.2f} {w:7.2f}  {sql}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
