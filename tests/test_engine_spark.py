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
from procsimp.engine.clock import clock_table
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
    "clock": clock_table,
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


def test_clock_across_daylight_saving_changes(spark: SparkBackend) -> None:
    ends = pd.date_range("2023-01-01 00:00:07", periods=600, freq="1733min", tz="UTC")
    frame = pd.DataFrame({"case": [str(i // 3) for i in range(len(ends))], "act": "A", "t": ends})
    log = frame_to_log(frame, case="case", activity="act", timestamp="t", timezone="Europe/Berlin")
    assert_same_tables(log, spark)


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


def test_flag_runs_its_engine_plans_on_spark(spark: SparkBackend) -> None:
    # the detectors' tables are engine plans: on Spark, the flags (JSON) are DuckDB's, byte for byte
    log = EVENT_LOGS / "dossiers_en.csv"
    outs = {}
    for engine_name in ("duckdb", "spark"):
        run = subprocess.run(
            [sys.executable, "-m", "procsimp", "flag", str(log), "--format", "json"],
            capture_output=True, text=True, env={**os.environ, "PROCSIMP_ENGINE": engine_name}, timeout=900,
        )
        assert run.returncode == 0, run.stderr[-2000:]
        outs[engine_name] = run.stdout
    assert outs["duckdb"].startswith("[") and '"action"' in outs["duckdb"]
    assert outs["spark"] == outs["duckdb"]


def test_detector_tables_on_spark_equal_duckdb(spark: SparkBackend) -> None:
    log = generate(cases=200, seed=3, lang="vi").log
    expected = engine.detector_tables(log)
    fresh = log.replace()
    with engine.use_backend(spark):
        got = engine.detector_tables(fresh)
    for name, table in expected.items():
        assert len(table) > 0, name
        keys = [c for c in table.columns if table[c].dtype == object or str(table[c].dtype) == "str"]
        a = table.sort_values(keys).reset_index(drop=True)
        b = got[name][table.columns].sort_values(keys).reset_index(drop=True)
        pd.testing.assert_frame_equal(b, a, check_dtype=False, rtol=1e-9, obj=name)


def test_unknown_engine_name_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    previous = engine.set_backend(None)
    try:
        monkeypatch.setenv("PROCSIMP_ENGINE", "postgres")
        with pytest.raises(ParameterError, match=r"PROCSIMP_ENGINE='postgres' is not an engine; use one of duckdb, spark"):
            engine.get_backend()
    finally:
        engine.set_backend(previous)


def test_dialect_rewrites() -> None:
    # SQLGlot's own translations
    assert to_spark_sql("SELECT x_q[1] / 60.0, x_q[2] FROM t") == "SELECT x_q[0] / 60.0, x_q[1] FROM t"
    assert to_spark_sql("SELECT LAG(res IGNORE NULLS) OVER w FROM t WINDOW w AS (PARTITION BY c ORDER BY rn)") == (
        "SELECT LAG(res) IGNORE NULLS OVER w FROM t WINDOW w AS (PARTITION BY c ORDER BY rn NULLS LAST)"
    )
    # the two rewrites on the parsed tree: quantiles ...
    assert to_spark_sql("SELECT quantile_cont(CASE WHEN (a - b) < 0 THEN 0 ELSE (a - b) END, [0.5, 0.9]) AS q FROM t") == (
        "SELECT PERCENTILE(CASE WHEN (a - b) < 0 THEN 0 ELSE (a - b) END, ARRAY(0.5, 0.9)) AS q FROM t"
    )
    assert to_spark_sql("SELECT quantile_cont(x, 0.5) FROM t") == "SELECT PERCENTILE(x, 0.5) FROM t"
    # ... and ordered lists (collect_list alone would lose the order)
    assert to_spark_sql("SELECT list(act ORDER BY rn) AS variant FROM t GROUP BY c") == (
        "SELECT TRANSFORM(ARRAY_SORT(COLLECT_LIST(STRUCT(rn AS k, act AS v))), s -> s.v) AS variant FROM t GROUP BY c"
    )
    with pytest.raises(ValueError, match="only list"):
        to_spark_sql("SELECT list(act ORDER BY rn DESC) FROM t")


def test_every_engine_query_translates() -> None:
    # every query of the engine's plans parses and comes out without DuckDB-only spellings
    import re

    from procsimp.engine.sql import QUERIES, plan_for
    from procsimp.engine.sql_detect import DETECT_QUERIES

    plan = plan_for((*QUERIES, *DETECT_QUERIES), minutes_per_day=450.0)
    assert "_dev" in plan and "det_order" in plan
    for name, sql in plan.items():
        out = to_spark_sql(sql)
        assert "quantile_cont" not in out.lower() and "PERCENTILE_CONT" not in out, name
        assert "COLLECT_LIST(act)" not in out, name
        # Spark reads "OVER w - 1" as a window named "w-1": arithmetic on a window function
        # needs parentheses in the SQL
        assert not re.search(r"OVER \w+ [-+*/]", out), name


def test_bad_parameters_and_missing_pyspark_teach(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ParameterError, match=r"SparkBackend\(shuffle_partitions=...\) must be a positive integer, got 0"):
        SparkBackend(shuffle_partitions=0)
    with pytest.raises(ParameterError, match=r"SparkBackend\(master=...\) must be a Spark master URL"):
        SparkBackend(master="")
    monkeypatch.setitem(sys.modules, "pyspark", None)  # as if it were not installed
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    with pytest.raises(ParameterError, match=r"the Spark backend needs pyspark and a Java runtime: pip install 'procsimp\[spark\]'"):
        SparkBackend().session()
