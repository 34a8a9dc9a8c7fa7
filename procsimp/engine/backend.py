"""Where the aggregate queries run: a small backend seam with an embedded DuckDB default.

A :class:`Backend` receives a *plan*: an ordered mapping ``name -> SQL`` plus the input tables
(Arrow tables). It runs the queries in order. A query whose name starts with ``_`` is an
intermediate table that later queries read by name; it is not returned. Every other query is
returned as a pandas DataFrame under its name. (DuckDB makes an intermediate that several results
read once, as a temporary table, and one read by a single result as a materialised common table
expression of that query.)

The SQL is plain and portable (window functions, ``GROUP BY``, ``quantile_cont``, ordered
``list`` aggregates), so a distributed engine runs the same plan by registering the inputs as
views and materialising the ``_`` tables as cached temporary views: :mod:`procsimp.engine.spark`
does that on Apache Spark (``procsimp --engine spark``, ``PROCSIMP_ENGINE=spark`` or
``procsimp.config_context(engine="spark")``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from procsimp.core.config import ENGINES  # the values of PROCSIMP_ENGINE
from procsimp.errors import EngineResourceError, ParameterError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import pyarrow as pa

__all__ = [
    "ENGINES",
    "Backend",
    "DuckDBBackend",
    "engine_name",
    "get_backend",
    "set_backend",
    "spark_master",
    "use_backend",
]


@runtime_checkable
class Backend(Protocol):
    """Runs a plan of SQL queries over named input tables."""

    name: str

    def run(
        self, plan: Mapping[str, str], tables: Mapping[str, pa.Table]
    ) -> dict[str, pd.DataFrame]:
        """Run ``plan`` in order over ``tables``; return the results of the non-``_`` queries."""
        ...


class DuckDBBackend:
    """The default backend: embedded, in-memory DuckDB.

    An input table may also be a table or query of this backend's own database (an object with
    ``database``, ``select`` (its SQL) and ``arrow()``, such as the out-of-core ``events`` table of
    :mod:`procsimp.engine.prepare_sql`): the plan then reads it where it is.

    ``threads`` limits DuckDB's worker threads (default: DuckDB's own choice, or the
    ``PROCSIMP_THREADS`` environment variable). ``memory_limit`` is passed to DuckDB as is
    (``"2GB"``); DuckDB spills to disk beyond it.
    """

    name = "duckdb"

    def __init__(self, *, threads: int | None = None, memory_limit: str | None = None) -> None:
        if threads is not None and (not isinstance(threads, int) or threads < 1):
            raise ParameterError(f"DuckDBBackend(threads=...) must be a positive integer, got {threads!r}")
        if threads is None:
            from procsimp.core.cores import threads_setting

            threads = threads_setting()
        self.threads = threads
        self.memory_limit = memory_limit
        self._db: Any = None

    @property
    def database(self) -> Any:
        """The backend's DuckDB database (``duckdb.DuckDBPyConnection``), made on first use: one
        in-memory database per backend; each plan runs on its own cursor (connection). A table
        made on it (an out-of-core log's ``events``) is read by the plans where it is."""
        if self._db is None:
            from procsimp.read.parquet_source import new_database, shared_database

            # results are sorted afterwards (no insertion order kept); it spills to a private
            # temporary folder, never to the working directory. Without settings of its own it is
            # the database where Parquet logs are read, so their tables are read where they are.
            if self.threads is None and self.memory_limit is None:
                self._db = shared_database()
            else:
                self._db = new_database(threads=self.threads, memory_limit=self.memory_limit)
        return self._db

    def run(
        self, plan: Mapping[str, str], tables: Mapping[str, pa.Table]
    ) -> dict[str, pd.DataFrame]:
        import duckdb

        from procsimp.core.interrupt import raise_if_interrupt

        con = self.database.cursor()  # temporary tables and views are local to it
        name = "the input tables"
        try:
            for name, table in tables.items():
                if getattr(table, "database", None) is self._db:  # a table (or query) in this database
                    con.execute(f"CREATE TEMP VIEW {name} AS {table.select}")
                else:
                    con.register(name, table.arrow() if hasattr(table, "arrow") else table)
            # an intermediate that several results read is made once, as a temporary table;
            # one read by a single result stays a materialised CTE of that query
            results = [name for name in plan if not name.startswith("_")]
            readers: dict[str, int] = {}
            for name in results:
                for inter in _intermediates(plan[name], plan):
                    readers[inter] = readers.get(inter, 0) + 1
            made: set[str] = set()
            views: frozenset[str] = getattr(plan, "views", frozenset())
            for name in plan:
                if readers.get(name, 0) >= 2:
                    # a projection that the plan reads a few times is cheaper computed again by
                    # each reader than stored (:attr:`procsimp.engine.sql.Plan.views`)
                    kind = "VIEW" if name in views else "TABLE"
                    con.execute(f"CREATE TEMP {kind} {name} AS {_with_intermediates(plan[name], plan, made)}")
                    made.add(name)
            out: dict[str, pd.DataFrame] = {}
            for name in results:
                out[name] = con.execute(_with_intermediates(plan[name], plan, made)).df()
            return out
        except (duckdb.OutOfMemoryException, duckdb.IOException) as exc:
            raise _resource_error(exc, name) from None
        except Exception as exc:
            raise_if_interrupt(exc)  # Ctrl-C: DuckDB's report of it, as KeyboardInterrupt
            raise
        finally:
            con.close()

    def __repr__(self) -> str:
        return f"DuckDBBackend(threads={self.threads!r}, memory_limit={self.memory_limit!r})"


def _resource_error(exc: BaseException, table: str) -> EngineResourceError:
    """One clear error for DuckDB running out of memory or of temporary disk space while it
    computes ``table`` of a plan."""
    first = str(exc).strip().splitlines()
    return EngineResourceError(
        f"the engine ran out of resources while computing the {table.lstrip('_')!r} table "
        f"({first[0] if first else type(exc).__name__}); give DuckDB more memory "
        "(PROCSIMP_MEMORY_LIMIT=4GB) or free space in the temporary folder (TMPDIR)"
    )


def _intermediates(sql: str, plan: Mapping[str, str], made: Collection[str] = ()) -> list[str]:
    """The intermediate tables ``sql`` reads, directly or through another, in the order they must
    be made (those in ``made`` exist already and are not followed)."""
    needed: list[str] = []

    def visit(text: str) -> None:
        for name, body in plan.items():
            if name.startswith("_") and name not in needed and name not in made and re.search(rf"\b{name}\b", text):
                visit(body)
                needed.append(name)

    visit(sql)
    return needed


def _with_intermediates(sql: str, plan: Mapping[str, str], made: Collection[str] = ()) -> str:
    """``sql`` preceded by the intermediate tables it reads, as materialised CTEs (except those in
    ``made``: temporary tables that exist already).

    Measured on DuckDB: a materialised CTE costs about half of a temporary table (which is
    compressed on creation) and a third of a view that a query reads twice.
    """
    needed = _intermediates(sql, plan, made)
    if not needed:
        return sql
    ctes = ",\n".join(f"{name} AS MATERIALIZED ({plan[name]})" for name in needed)
    head = re.match(r"\s*WITH\s", sql, flags=re.IGNORECASE)
    if head:
        return f"WITH {ctes},\n{sql[head.end():]}"
    return f"WITH {ctes}\n{sql}"


_current: Backend | None = None


#: one backend per engine name (and Spark master), made on first use
_by_name: dict[tuple[str, str | None], Backend] = {}

#: the Spark master of the ``spark`` engine when neither the setting nor this variable gives one
SPARK_MASTER_ENV = "PROCSIMP_SPARK_MASTER"


def engine_name() -> str:
    """The engine the settings choose: the ``engine`` setting
    (``procsimp.config_context(engine=...)``, the command line's ``--engine``), else the
    ``PROCSIMP_ENGINE`` environment variable, else ``"duckdb"``."""
    from procsimp.core.config import settings

    env = os.environ.get("PROCSIMP_ENGINE", "")
    engine = settings().engine or env.strip().lower() or "duckdb"
    if engine not in ENGINES:
        raise ParameterError(
            f"PROCSIMP_ENGINE={env!r} is not an engine; use one of {', '.join(ENGINES)} or unset it"
        )
    return engine


def spark_master() -> str | None:
    """The Spark master URL the settings choose: the ``spark_master`` setting (the command
    line's ``--spark-master``), else ``PROCSIMP_SPARK_MASTER``, else None (local mode)."""
    from procsimp.core.config import settings

    return settings().spark_master or os.environ.get(SPARK_MASTER_ENV, "").strip() or None


def get_backend() -> Backend:
    """The backend the engine uses: the one :func:`set_backend` chose, else the one the settings
    name (:func:`engine_name`: ``duckdb``, the default, or ``spark``: a Spark session on
    :func:`spark_master`, local mode by default, see :mod:`procsimp.engine.spark`).

    The backend is made here, not started: a Spark session starts on its first plan."""
    if _current is not None:
        return _current
    engine = engine_name()
    master = spark_master() if engine == "spark" else None
    key = (engine, master)
    if key not in _by_name:
        if engine == "spark":
            from procsimp.engine.spark import SparkBackend

            _by_name[key] = SparkBackend(master=master) if master else SparkBackend()
        else:
            _by_name[key] = DuckDBBackend()
    return _by_name[key]


def set_backend(backend: Backend | None) -> Backend | None:
    """Use ``backend`` for all engine queries (``None`` restores DuckDB); returns the previous one."""
    global _current
    if backend is not None and not isinstance(backend, Backend):
        raise ParameterError(
            f"set_backend() needs an object with a `name` and a `run(plan, tables)` method "
            f"(see procsimp.engine.Backend); got {type(backend).__name__}"
        )
    previous, _current = _current, backend
    return previous


def parquet_database(backend: Backend) -> Any:
    """Where ``backend`` reads a log left on its Parquet files: its own DuckDB database, or its
    Spark session (:class:`procsimp.engine.spark.SparkDatabase`); None for a backend without one
    (procsimp's DuckDB then reads the files and the events are shipped to the backend)."""
    return getattr(backend, "database", None)


def _read_database() -> Any:
    """The hook of :func:`procsimp.read.parquet_source.default_database`: the current backend's
    database unless it is DuckDB's (the log's facts are then read by procsimp's own DuckDB)."""
    backend = get_backend()
    return None if isinstance(backend, DuckDBBackend) else parquet_database(backend)


def _set_parquet_hook() -> None:
    from procsimp.read.parquet_source import set_database_hook

    set_database_hook(_read_database)


_set_parquet_hook()


@contextmanager
def use_backend(backend: Backend) -> Iterator[Backend]:
    """Run the engine on ``backend`` inside a ``with`` block."""
    previous = set_backend(backend)
    try:
        yield backend
    finally:
        set_backend(previous)
