"""The Spark backend runs the engine's plans in local mode and gives DuckDB's results.

One local Spark session serves the module (starting it takes several seconds). Every engine table
is compared, value for value, with the DuckDB backend on logs that exercise the SQL: services,
start times, officers and units with gaps, received and due dates, rework, a log without a
service or start column, a bundled log and a real one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from procsimp import engine
from procsimp.engine.spark import SparkBackend, to_spark_sql
from procsimp.errors import ParameterError
from procsimp.io import frame_to_log, read_log
from procsimp.log import EventLog
from procsimp.synth import generate
from tests.conftest import EVENT_LOGS, real_log_path
from tests.sample_logs import small_log

TABLES = {
    "dfg": engine.dfg,
    "activities": engine.activity_table,
    "variants": engine.variants,
    "start_end": engine.start_end,
    "cases": engine.case_table,
    "marks": engine.case_marks,
}


def _java() -> None:
    if shutil.which("java") is None:
        pytest.skip("no Java runtime on this machine: the Spark backend needs one (make test installs it as root)")


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkBackend]:
    _java()
    pytest.importorskip("pyspark", reason="pyspark is not installed: pip install 'procsimp[spark]' (make test does)")
    backend = SparkBackend(master="local[2]", shuffle_partitions=4)
    backend.session()
    yield backend
    backend.session().stop()


def assert_same_tables(log: EventLog, backend: SparkBackend) -> None:
    expected = {name: fn(log) for name, fn in TABLES.items()}
    fresh = log.replace()  # nothing cached for this log object
    with engine.use_backend(backend):
        got = {name: fn(fresh) for name, fn in TABLES.items()}
    for name in TABLES:
        assert len(expected[name]) > 0, name
        pd.testing.assert_frame_equal(
            got[name].reset_index(drop=True), expected[name].reset_index(drop=True),
            check_dtype=False, rtol=1e-9, obj=name,
        )


def test_small_log_with_every_column(spark: SparkBackend) -> None:
    assert_same_tables(small_log(), spark)


def test_generated_services_with_rework_and_rejections(spark: SparkBackend) -> None:
    assert_same_tables(generate(cases=300, seed=3, lang="vi").log, spark)


def test_log_without_service_or_start_times(spark: SparkBackend) -> None:
    df = generate(cases=120, seed=5, lang="en").log.df
    log = frame_to_log(
        pd.DataFrame({"c": df["case:concept:name"].astype(str), "a": df["concept:name"].astype(str),
                      "t": df["time:timestamp"]}),
        case="c", activity="a", timestamp="t",
    )
    assert_same_tables(log, spark)


def test_bundled_and_real_logs(spark: SparkBackend) -> None:
    assert_same_tables(read_log(EVENT_LOGS / "dossiers_en.csv", cache=False), spark)
    assert_same_tables(read_log(real_log_path("running-example.xes"), cache=False), spark)


def test_command_line_runs_on_spark_with_the_environment_variable(spark: SparkBackend, tmp_path: Path) -> None:
    # the same map from both engines: the DOT files are byte-identical
    log = EVENT_LOGS / "dossiers_en.csv"
    outs = {}
    for engine_name in ("duckdb", "spark"):
        out = tmp_path / engine_name
        run = subprocess.run(
            [sys.executable, "-m", "procsimp", "mine", str(log), "--service", "Register a birth",
             "--format", "dot", "--out", str(out)],
            capture_output=True, text=True, env={**os.environ, "PROCSIMP_ENGINE": engine_name}, timeout=600,
        )
        assert run.returncode == 0, run.stderr[-2000:]
        outs[engine_name] = sorted(out.rglob("*.dot"))
    assert [p.name for p in outs["duckdb"]] == [p.name for p in outs["spark"]] and outs["duckdb"]
    for a, b in zip(outs["duckdb"], outs["spark"], strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_unknown_engine_name_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    previous = engine.set_backend(None)
    try:
        monkeypatch.setenv("PROCSIMP_ENGINE", "postgres")
        with pytest.raises(ParameterError, match=r"PROCSIMP_ENGINE='postgres' is not an engine; use one of duckdb, spark"):
            engine.get_backend()
    finally:
        engine.set_backend(previous)


def test_dialect_rewrites() -> None:
    assert to_spark_sql("quantile_cont(CASE WHEN (a - b) < 0 THEN 0 ELSE (a - b) END, [0.5, 0.9]) AS q") == (
        "percentile(CASE WHEN (a - b) < 0 THEN 0 ELSE (a - b) END, array(0.5, 0.9)) AS q"
    )
    assert to_spark_sql("x_q[1] / 60.0, x_q[2]") == "element_at(x_q, 1) / 60.0, element_at(x_q, 2)"
    assert to_spark_sql("list(act ORDER BY rn) AS variant") == (
        "transform(array_sort(collect_list(struct(rn, act))), s -> s.act) AS variant"
    )
    assert to_spark_sql("LAG(res IGNORE NULLS) OVER w") == "lag(res) IGNORE NULLS OVER w"


def test_bad_parameters_and_missing_pyspark_teach(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ParameterError, match=r"SparkBackend\(shuffle_partitions=...\) must be a positive integer, got 0"):
        SparkBackend(shuffle_partitions=0)
    with pytest.raises(ParameterError, match=r"SparkBackend\(master=...\) must be a Spark master URL"):
        SparkBackend(master="")
    monkeypatch.setitem(sys.modules, "pyspark", None)  # as if it were not installed
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    with pytest.raises(ParameterError, match=r"the Spark backend needs pyspark and a Java runtime: pip install 'procsimp\[spark\]'"):
        SparkBackend().session()
