"""Run the engine's queries on Apache Spark, for logs that outgrow one machine.

:class:`SparkBackend` takes the same plans as the DuckDB backend (:mod:`procsimp.engine.sql`):
the input tables become Spark DataFrames, each intermediate (``_steps``, ``_cases``) a cached
temporary view, and every result comes back through Arrow. The SQL is written once, in DuckDB's
dialect; :func:`procsimp.engine.spark_dialect.to_spark_sql` translates it with SQLGlot.

Use it for one block of work or for the whole session::

    from procsimp.engine import use_backend
    from procsimp.engine.spark import SparkBackend

    with use_backend(SparkBackend()):          # local mode, all cores
        table = procsimp.engine.dfg(log)

    SparkBackend(session=spark)                # an existing session (a cluster)
    SparkBackend(master="spark://head:7077")   # a cluster by its master URL

On the command line, ``procsimp --engine spark [--spark-master URL] COMMAND ...`` (or
``PROCSIMP_ENGINE=spark`` and ``PROCSIMP_SPARK_MASTER``) runs the command's plans here; in Python,
``procsimp.config_context(engine="spark", spark_master=...)``.

A log left on its Parquet files is read by Spark itself: :class:`SparkDatabase` runs the SQL of
the out-of-core encoding and of :mod:`procsimp.engine.prepare_sql` on the session (translated the
same way, plus DuckDB's ``epoch_us``, ``timezone``, ``list_position``, ``regexp_full_match``, ``to_microseconds`` and row
values), with DuckDB's ``read_parquet`` as ``spark.read.parquet`` of the same files, so the events
table is built and kept in Spark and only dictionaries and counts come back. The files must be at
a path that the driver and every executor reach (local mode: a local path; a cluster: a shared
mount, ``hdfs://``, ``s3a://``).

pyspark and a Java runtime are needed (``pip install 'procsimp[spark]'``); the error says so
when they are missing.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from procsimp.engine.spark_dialect import _parse, _spark_text, to_spark_sql
from procsimp.errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import pyarrow as pa

__all__ = ["SparkBackend", "to_spark_sql"]


@contextlib.contextmanager
def _no_pandas_version_warning() -> Iterator[None]:
    """pyspark warns that it does not fully support this pandas (when its session starts and on
    conversions); the engine exchanges Arrow tables only, so the warning says nothing to a user."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*does not yet fully support pandas", category=FutureWarning)
        yield


def _java() -> str | None:
    """The java executable Spark would start: ``$JAVA_HOME/bin/java``, else ``java`` on PATH."""
    import shutil

    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = os.path.join(home, "bin", "java")
        return candidate if os.access(candidate, os.X_OK) else None
    return shutil.which("java")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class SparkDatabase:
    """A Spark session seen as a DuckDB database, for a log that stands on its Parquet files.

    The out-of-core encoding (:meth:`procsimp.read.parquet_source.ParquetSource.encoded`) and the
    engine's ``events`` table (:func:`procsimp.engine.prepare_sql.prepare_sql`) are SQL written
    once, in DuckDB's dialect, against a database's cursors. Given this object instead, their
    statements run on Spark, translated by SQLGlot (:func:`to_spark_sql`): ``CREATE TABLE name AS
    query`` becomes a temporary view of the query's rows, computed once (a local checkpoint on the
    executors), ``DROP TABLE`` drops it, and a query's rows come back with ``fetchall()`` (the
    dictionaries of the codes and a few counts: nothing of one row per event). DuckDB's
    ``read_parquet([files], ...)`` becomes ``spark.read.parquet(files)``: Spark reads the files
    itself, so they must be at a path that every executor reaches (a local path in local mode; a
    shared mount, ``hdfs://`` or ``s3a://`` on a cluster). ``nfc_normalize`` is a Python function
    of the session (it sees each text column's distinct values only), and timestamps stored in
    nanoseconds are read as microseconds, as DuckDB reads them. The session's time zone is set to
    UTC (the queries convert local times themselves, as on DuckDB).
    """

    #: how errors name this database, and what to do when a statement fails
    engine_name = "Spark"
    space_fix = ("check the files and the resources of the Spark cluster (executor memory, local disk), or use the "
                 "default DuckDB engine (--engine duckdb)")

    def __init__(self, backend: SparkBackend) -> None:
        self._backend = backend
        self._views: dict[str, Any] = {}
        self._scans: dict[tuple[tuple[str, ...], bool], str] = {}
        self._ready = False

    def session(self) -> Any:
        spark = self._backend.session()
        if not self._ready:
            import unicodedata

            from pyspark.sql.types import StringType

            # times are converted between zones by the queries themselves (to_utc_timestamp)
            spark.conf.set("spark.sql.session.timeZone", "UTC")
            # Spark reads Parquet timestamps in nanoseconds only as numbers (see _scan)
            spark.conf.set("spark.sql.legacy.parquet.nanosAsLong", "true")
            spark.udf.register("nfc_normalize", lambda text: None if text is None
                               else unicodedata.normalize("NFC", text), StringType())
            self._ready = True
        return spark

    def cursor(self) -> _SparkCursor:
        return _SparkCursor(self)

    def _scan(self, files: tuple[str, ...], hive: bool) -> str:
        """A temporary view of the files as Spark reads them, with DuckDB's ``filename`` (the
        file's path as listed) and ``file_row_number`` columns."""
        key = (files, hive)
        if key in self._scans:
            return self._scans[key]
        from pyspark.sql import functions as F  # noqa: N812 (pyspark's own spelling)
        from pyspark.sql.types import LongType

        spark = self.session()
        reader = spark.read
        if hive:  # the partition columns come from the key=value folders under the base path
            reader = reader.option("basePath", _base_path(files))
        try:
            frame = reader.parquet(*files)
            listed = frame.inputFiles()
        except Exception as exc:  # pyspark's own exception classes (a path Spark cannot reach)
            where = files[0] if len(files) == 1 else f"{files[0]} (and {len(files) - 1} more files)"
            raise _unreachable(where, exc) from None
        nanos = self._nanosecond_columns(files[0])
        columns = []
        for spark_field in frame.schema.fields:
            column = F.col(_backquote(spark_field.name))
            if spark_field.name in nanos and isinstance(spark_field.dataType, LongType):
                micros = F.timestamp_micros(F.expr(f"({_backquote(spark_field.name)} - pmod("
                                                   f"{_backquote(spark_field.name)}, 1000)) div 1000"))
                column = micros if nanos[spark_field.name] else micros.cast("timestamp_ntz")
            columns.append(column.alias(spark_field.name))
        # Spark names each file by its URI: back to the path procsimp listed it by (a local file is
        # listed as file:///path, and its rows name it file:/path)
        keys = {_file_key(f): f for f in files}
        pairs = [(uri, keys.get(_file_key(uri))) for uri in listed]
        pairs += [("file:/" + uri[len("file:///"):], path) for uri, path in pairs if uri.startswith("file:///")]
        paths = spark.createDataFrame(pairs, "uri string, __procsimp_file string")
        frame = (frame.select(*columns, F.col("_metadata.file_path").alias("__procsimp_uri"),
                              F.col("_metadata.row_index").alias("file_row_number"))
                 .join(F.broadcast(paths), F.col("__procsimp_uri") == F.col("uri"), "left")
                 .drop("uri", "__procsimp_uri"))
        with _lock:
            name = f"procsimp_scan{next(_scan_names)}"
        frame.createOrReplaceTempView(name)
        self._scans[key] = name
        return name

    def _nanosecond_columns(self, file: str) -> dict[str, bool]:
        """Column -> has a timezone, for the timestamp columns stored in nanoseconds (Spark reads
        them as numbers): from the file's footer, read by Spark's own Parquet reader, so any path
        the cluster reaches."""
        spark = self.session()
        jvm = spark._jvm
        hadoop = jvm.org.apache.parquet.hadoop
        reader = hadoop.ParquetFileReader.open(hadoop.util.HadoopInputFile.fromPath(
            jvm.org.apache.hadoop.fs.Path(file), spark._jsc.hadoopConfiguration()))
        try:
            schema = reader.getFooter().getFileMetaData().getSchema()
        finally:
            reader.close()
        nanos = {}
        for i in range(schema.getFieldCount()):
            kind = str(schema.getType(i).getLogicalTypeAnnotation() or "")
            if kind.startswith("TIMESTAMP(NANOS"):
                nanos[str(schema.getType(i).getName())] = kind.endswith("true)")
        return nanos

    def describe(self, location: str) -> tuple[tuple[str, ...], bool, dict[str, str], int]:
        """(files, hive-partitioned, column -> DuckDB type name, rows) of the Parquet file or folder
        at ``location`` (a URI such as ``hdfs://...``, ``s3a://...`` or ``file:///...``), as Spark
        sees it; a log there is read by Spark only."""
        from urllib.parse import unquote, urlsplit

        spark = self.session()
        try:
            # (Spark lists them as URIs, encoded; it reads paths as Hadoop writes them, decoded)
            files = tuple(sorted(unquote(f) for f in spark.read.parquet(location).inputFiles()))
        except Exception as exc:  # pyspark's own exception classes (a path Spark cannot reach)
            raise _unreachable(location, exc) from None
        root = os.path.normpath(urlsplit(location).path or "/")
        below = [os.path.relpath(os.path.dirname(urlsplit(f).path), root) for f in files]
        hive = any("=" in part for folder in below for part in folder.split("/"))
        name = self._scan(files, hive)
        frame = spark.table(name)
        types = {f.name: _DUCKDB_TYPES.get(f.dataType.typeName(), f.dataType.simpleString().upper())
                 for f in frame.schema.fields if f.name not in ("__procsimp_file", "file_row_number")}
        return files, hive, types, int(frame.count())

    def __repr__(self) -> str:
        return f"SparkDatabase({self._backend!r})"


#: Spark's type names -> the DuckDB names the out-of-core reader checks
_DUCKDB_TYPES = {"string": "VARCHAR", "timestamp": "TIMESTAMP WITH TIME ZONE", "timestamp_ntz": "TIMESTAMP",
                 "date": "DATE", "long": "BIGINT", "integer": "INTEGER", "short": "SMALLINT", "byte": "TINYINT",
                 "double": "DOUBLE", "float": "FLOAT", "boolean": "BOOLEAN"}


def _unreachable(where: str, exc: BaseException) -> Exception:
    from procsimp.errors import LogReadError

    return LogReadError(
        f"{where}: Spark could not read the Parquet files ({_first_line(exc)}); give a path that the "
        "Spark driver and every executor reach (a local path in local mode; a shared mount, hdfs:// or "
        "s3a:// on a cluster), or use the default DuckDB engine (--engine duckdb)"
    )


def _base_path(files: tuple[str, ...]) -> str:
    """The folder above the first ``key=value`` folder common to ``files`` (paths or URIs)."""
    from urllib.parse import urlsplit

    head = ""
    parts = urlsplit(files[0])
    if parts.scheme and parts.netloc is not None and "://" in files[0]:
        head = f"{parts.scheme}://{parts.netloc}"
    paths = [f[len(head):] for f in files]
    root = os.path.commonpath([os.path.dirname(f) for f in paths])
    while "=" in os.path.basename(root):
        root = os.path.dirname(root)
    return head + root


_lock = threading.Lock()
_scan_names = itertools.count()


def _backquote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _file_key(name: str) -> str:
    """A file's path or URI as one comparable spelling (URIs decoded, ``file:`` as a plain path)."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(name)
    if parts.scheme == "file":
        return os.path.normpath(unquote(parts.path))
    if "://" in name:
        return f"{parts.scheme}://{parts.netloc}{os.path.normpath(unquote(parts.path))}"
    return os.path.normpath(os.path.abspath(name))


class _SparkCursor:
    """What :class:`SparkDatabase` offers of a DuckDB cursor: ``execute`` (one statement, no
    parameters), ``fetchall``, ``sql(...).to_arrow_table()``, ``register``/``unregister`` of a
    small Arrow table, ``close``."""

    def __init__(self, database: SparkDatabase) -> None:
        self._db = database
        self._result: Any = None  # the Spark DataFrame of the last query

    def _frame(self, tree: Any) -> Any:
        from sqlglot import exp

        for node in list(tree.find_all(exp.ReadParquet)):
            files, hive = _read_parquet_args(node)
            node.parent.replace(exp.Table(this=exp.to_identifier(self._db._scan(files, hive)),
                                          alias=node.parent.args.get("alias")))
        with _no_pandas_version_warning():
            return self._db.session().sql(_spark_text(tree))

    def execute(self, sql: str, parameters: Any = None) -> _SparkCursor:
        from sqlglot import exp

        if parameters:
            raise ValueError("SparkDatabase runs statements without parameters")
        tree = _parse(sql)
        views = self._db._views
        if isinstance(tree, exp.Create) and tree.args.get("kind", "").upper() == "TABLE":
            name = tree.this.name
            frame = self._frame(tree.expression).localCheckpoint(eager=True)
            frame.createOrReplaceTempView(name)
            views[name] = frame
        elif isinstance(tree, exp.Drop):
            table = tree.find(exp.Table)
            name = table.name if table is not None else ""
            if views.pop(name, None) is not None:
                self._db.session().catalog.dropTempView(name)
        else:  # a query: its rows are computed when fetched
            self._result = self._frame(tree)
        return self

    def fetchall(self) -> list[tuple[Any, ...]]:
        if self._result is None:
            return []
        return [tuple(row) for row in self._result.collect()]

    def sql(self, sql: str) -> _SparkCursor:
        """A query whose rows are read with :meth:`to_arrow_table` (DuckDB's ``con.sql(...)``)."""
        return self.execute(sql)

    def to_arrow_table(self) -> pa.Table:
        """The rows of the last query as an Arrow table."""
        if self._result is None:
            raise ValueError("no query was run on this cursor")
        with _no_pandas_version_warning():
            return self._result.toArrow()

    def register(self, name: str, table: pa.Table) -> None:
        """A small Arrow table (a calendar's days) as a view of the session."""
        with _no_pandas_version_warning():
            self._db.session().createDataFrame(table).createOrReplaceTempView(name)

    def unregister(self, name: str) -> None:
        self._db.session().catalog.dropTempView(name)

    def close(self) -> None:
        self._result = None


def _read_parquet_args(node: Any) -> tuple[tuple[str, ...], bool]:
    """(files, hive) of DuckDB's ``read_parquet([files], hive_partitioning = ..., ...)``."""
    from sqlglot import exp

    first, *options = node.expressions
    files = tuple(str(e.this) for e in (first.expressions if isinstance(first, exp.Array) else [first]))
    hive = any(isinstance(o, exp.EQ) and o.this.name == "hive_partitioning" and o.expression.sql().upper() == "TRUE"
               for o in options)
    return files, hive


class SparkBackend:
    """The engine's queries on a Spark session.

    ``session``: a ``pyspark.sql.SparkSession`` to use (a cluster's); without it, one is created
    on first use in local mode with ``master`` (default ``local[*]``: every core of this machine)
    and the ``config`` settings. ``shuffle_partitions`` sets ``spark.sql.shuffle.partitions`` of
    a session this backend creates (Spark's default of 200 is meant for clusters).
    """

    name = "spark"

    def __init__(
        self,
        *,
        session: Any = None,
        master: str = "local[*]",
        config: Mapping[str, str] | None = None,
        shuffle_partitions: int = 8,
    ) -> None:
        if not isinstance(shuffle_partitions, int) or shuffle_partitions < 1:
            raise ParameterError(f"SparkBackend(shuffle_partitions=...) must be a positive integer, got {shuffle_partitions!r}")
        if not isinstance(master, str) or not master:
            raise ParameterError(f"SparkBackend(master=...) must be a Spark master URL such as 'local[*]', got {master!r}")
        self._session = session
        self._db: SparkDatabase | None = None
        self.master = master
        self.config = dict(config or {})
        self.shuffle_partitions = shuffle_partitions

    def session(self) -> Any:
        """The Spark session (created on first use)."""
        if self._session is None:
            if _java() is None:
                home = os.environ.get("JAVA_HOME")
                where = (f"JAVA_HOME={home!r} has no bin/java" if home
                         else "no 'java' on PATH, JAVA_HOME not set")
                raise ParameterError(
                    f"the Spark engine needs a Java runtime and none was found ({where}); install a JDK 17 or "
                    "later (e.g. apt-get install default-jre-headless) and set JAVA_HOME to it, or use the "
                    "default DuckDB engine (--engine duckdb, or unset PROCSIMP_ENGINE)"
                )
            try:
                from pyspark.sql import SparkSession
            except ImportError:
                raise ParameterError(
                    "the Spark backend needs pyspark and a Java runtime: pip install 'procsimp[spark]' "
                    "(and a JDK 17 or later), or keep the default DuckDB engine"
                ) from None
            builder = (
                SparkSession.builder.master(self.master)
                .appName("procsimp")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.shuffle.partitions", str(self.shuffle_partitions))
                .config("spark.sql.session.timeZone", "UTC")
            )
            if "spark.driver.extraJavaOptions" not in self.config:
                # the JVM logs errors only (its startup warnings would fill a command's stderr)
                quiet = Path(__file__).with_name("spark-log4j2.properties").as_uri()
                builder = builder.config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={quiet}")
            for key, value in self.config.items():
                builder = builder.config(key, value)
            try:
                with _no_pandas_version_warning():
                    self._session = builder.getOrCreate()
            except Exception as exc:  # pyspark raises its own types when the JVM cannot start
                text = str(exc).strip().splitlines()
                raise ParameterError(
                    f"the Spark engine could not start ({text[0] if text else type(exc).__name__}); check the Java "
                    f"runtime (JDK 17 or later, JAVA_HOME) and the Spark master {self.master!r}, or use the default "
                    "DuckDB engine (--engine duckdb, or unset PROCSIMP_ENGINE)"
                ) from None
            self._session.sparkContext.setLogLevel("ERROR")
        return self._session

    @property
    def database(self) -> SparkDatabase:
        """The session as a database where a log left on its Parquet files is read and encoded
        (:class:`SparkDatabase`): its ``events`` table stays in Spark."""
        if self._db is None:
            self._db = SparkDatabase(self)
        return self._db

    def run(self, plan: Mapping[str, str], tables: Mapping[str, pa.Table]) -> dict[str, pd.DataFrame]:
        spark = self.session()
        cached: list[Any] = []
        views = [*tables, *(name for name in plan if name.startswith("_"))]
        try:
            with _no_pandas_version_warning():
                database = self._db
                for name, table in tables.items():
                    if getattr(table, "database", None) is database and database is not None:
                        # a table (or query) of this session: read where it is
                        database.cursor()._frame(_parse(table.select)).createOrReplaceTempView(name)
                    else:
                        spark.createDataFrame(table).createOrReplaceTempView(name)
                out: dict[str, pd.DataFrame] = {}
                for name, sql in plan.items():
                    frame = spark.sql(to_spark_sql(sql))
                    if name.startswith("_"):  # an intermediate that later queries read
                        frame = frame.cache()
                        cached.append(frame)
                        frame.createOrReplaceTempView(name)
                    else:
                        out[name] = frame.toArrow().to_pandas()
            return out
        finally:
            for frame in cached:
                frame.unpersist()
            for view in views:
                spark.catalog.dropTempView(view)

    def __repr__(self) -> str:
        return f"SparkBackend(master={self.master!r})"
