"""Run the engine's queries on Apache Spark, for logs that outgrow one machine.

:class:`SparkBackend` takes the same plans as the DuckDB backend (:mod:`procsimp.engine.sql`):
the input tables become Spark DataFrames, each intermediate (``_steps``, ``_cases``) a cached
temporary view, and every result comes back through Arrow. The SQL is written once, in DuckDB's
dialect; :func:`to_spark_sql` translates it with SQLGlot (``read="duckdb", write="spark"``), which
handles the spellings that differ (list indexes counted from 1 in DuckDB and from 0 in Spark,
``LAG(x IGNORE NULLS)``, ``NULLS LAST`` defaults ...). Two constructs SQLGlot does not translate
into what Spark means are rewritten on the parsed tree first:

=================================  ==================================================
DuckDB                             Spark SQL
=================================  ==================================================
``quantile_cont(x, [0.5, 0.9])``   ``percentile(x, array(0.5, 0.9))`` (both exact, with
                                   linear interpolation)
``list(act ORDER BY rn)``          ``transform(array_sort(collect_list(struct(rn AS k,
                                   act AS v))), s -> s.v)`` (``collect_list`` alone
                                   has no order)
=================================  ==================================================

Use it for one block of work or for the whole session::

    from procsimp.engine import use_backend
    from procsimp.engine.spark import SparkBackend

    with use_backend(SparkBackend()):          # local mode, all cores
        table = procsimp.engine.dfg(log)

    SparkBackend(session=spark)                # an existing session (a cluster)

pyspark and a Java runtime are needed (``pip install 'procsimp[spark]'``); the error says so
when they are missing.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from procsimp.errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import pyarrow as pa

__all__ = ["SparkBackend", "to_spark_sql"]


def _spark_tree(node: Any) -> Any:
    """The two rewrites SQLGlot leaves to us (see the module docstring), on one parsed node."""
    from sqlglot import exp

    if isinstance(node, exp.PercentileCont):
        # DuckDB's quantile_cont(x, q) parses as PERCENTILE_CONT(x, q), which SQLGlot writes as
        # a call that Spark does not have: Spark's exact aggregate is percentile(x, q)
        return exp.Anonymous(this="percentile", expressions=[node.this, node.expression])
    if isinstance(node, exp.ArrayAgg) and isinstance(node.this, exp.Order):
        # an ordered list: SQLGlot writes collect_list(x), whose order Spark does not keep
        order = node.this.expressions
        if len(order) != 1 or order[0].args.get("desc"):
            raise ValueError(f"only list(x ORDER BY one ascending key) is translated to Spark, not {node.sql('duckdb')}")
        value, key = node.this.this, order[0].this
        return exp.maybe_parse(
            f"transform(array_sort(collect_list(struct({key.sql('spark')} AS k, {value.sql('spark')} AS v))), s -> s.v)",
            dialect="spark",
        )
    return node


def to_spark_sql(sql: str) -> str:
    """The DuckDB-dialect SQL of :mod:`procsimp.engine.sql` in Spark SQL (see the module docstring)."""
    import sqlglot

    trees = sqlglot.parse(sql, read="duckdb")
    if len(trees) != 1 or trees[0] is None:
        raise ValueError(f"one SQL statement expected, got {len(trees)}")
    return trees[0].transform(_spark_tree).sql(dialect="spark")


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
                    "later (e.g. apt-get install default-jre-headless), or unset PROCSIMP_ENGINE to use the "
                    "default DuckDB engine"
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
                    "runtime (JDK 17 or later) and the Spark settings, or unset PROCSIMP_ENGINE to use DuckDB"
                ) from None
            self._session.sparkContext.setLogLevel("ERROR")
        return self._session

    def run(self, plan: Mapping[str, str], tables: Mapping[str, pa.Table]) -> dict[str, pd.DataFrame]:
        spark = self.session()
        cached: list[Any] = []
        views = [*tables, *(name for name in plan if name.startswith("_"))]
        try:
            with _no_pandas_version_warning():
                for name, table in tables.items():
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
