"""The Spark backend runs the engine's plans in local mode and gives DuckDB's results.

One local Spark session (the `spark` fixture of tests/conftest.py) serves the run (starting it takes several seconds). Every engine table
is compared, value for value, with the DuckDB backend on logs that exercise the SQL: services,
start times, officers and units with gaps, received and due dates, rework, a log without a
service or start column, a bundled log and a real one.

The commands are compared too: ``procsimp --engine spark`` runs ``profile``, ``mine``, ``flag``,
``propose`` and ``report`` in this process (its Spark session is the module's: Spark's
``getOrCreate`` finds it) and their outputs equal DuckDB's. CSV and JSON numbers are compared
with a relative tolerance of 1e-9: Spark adds up a mean's values and interpolates a percentile
in another order than DuckDB, which changes the last bits of a double (about 1e-15 relative);
every other file is compared byte for byte (a PDF after its creation date).
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from procsimp import engine
from procsimp.core.log import EventLog
from procsimp.engine.clock import clock_table
from procsimp.engine.due import case_due_dates
from procsimp.engine.spark import SparkBackend, to_spark_sql
from procsimp.errors import ParameterError
from procsimp.read import frame_to_log, read_log
from procsimp.synth import generate
from tests.conftest import EVENT_LOGS, invoke, real_log_path
from tests.flawed_logs import (
    FLAWED,
    MAPPED,
    case_encoding,
    dossier_ids,
    ids_log,
    old_time_log,
    ranged_codes,
)
from tests.sample_logs import small_log

TABLES = {
    "dfg": engine.dfg,
    "activities": engine.activity_table,
    "variants": engine.variants,
    "start_end": engine.start_end,
    "cases": engine.case_table,
    "marks": engine.case_marks,
    "clock": clock_table,
    "due dates": case_due_dates,
    "case sums": lambda log: engine.case_sums(log).sort_values(["service", "channel"]),
}


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


def test_command_line_runs_on_spark_with_the_environment_variable(spark: SparkBackend, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # the same map from both engines: the DOT files are byte-identical
    runs = _run_both(spark, tmp_path, "mine", EVENT_LOGS / "dossiers_en.csv", "--service", "Register a birth",
                     "--format", "dot", "--out", "{E}", environment=monkeypatch)
    outs = {name: sorted(folder.rglob("*.dot")) for name, (_, folder, _) in runs.items()}
    assert [p.name for p in outs["duckdb"]] == [p.name for p in outs["spark"]] and outs["duckdb"]
    for a, b in zip(outs["duckdb"], outs["spark"], strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_flag_runs_its_engine_plans_on_spark(spark: SparkBackend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the detectors' tables are engine plans: on Spark, the flags (JSON) are DuckDB's, byte for byte
    runs = _run_both(spark, tmp_path, "flag", EVENT_LOGS / "dossiers_en.csv", "--format", "json", environment=monkeypatch)
    outs = {name: out for name, (out, _, _) in runs.items()}
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


def test_replay_timeline_on_spark_equals_duckdb(spark: SparkBackend) -> None:
    # the replay's case table is one plan (procsimp.engine.sql_replay): Spark gives DuckDB's model,
    # bit for bit, for the whole log and for one service
    from procsimp.engine.replay import timeline

    log = generate(cases=200, seed=3, lang="vi").log
    for service in (None, log.services[0]):
        expected = timeline(log, service=service)
        with engine.use_backend(spark):
            got = timeline(log.replace(), service=service)
        assert len(expected.row) > 0 and got.names == expected.names
        for name in ("row", "case", "act", "stage", "wait", "proc", "origin"):
            assert np.array_equal(getattr(got, name), getattr(expected, name)), name


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
    # the out-of-core encoding's DuckDB functions: times, file positions, row values, hints
    assert to_spark_sql("SELECT epoch_us(timezone('Asia/Ho_Chi_Minh', (CAST(c AS TIMESTAMP) + "
                        "to_microseconds(86399999999)))) FROM t") == (
        "SELECT UNIX_MICROS(TO_UTC_TIMESTAMP((CAST(c AS TIMESTAMP_NTZ) + MAKE_DT_INTERVAL(0, 0, 0, 86399.999999)), "
        "'Asia/Ho_Chi_Minh')) FROM t"
    )
    assert to_spark_sql("SELECT list_position(['a', 'b'], f), arg_min(x, (t, f, r)) FROM t") == (
        "SELECT ARRAY_POSITION(ARRAY('a', 'b'), f), MIN_BY(x, STRUCT(t, f, r)) FROM t"
    )
    # the data-quality queries' whole-value match: anchored, so that a partial match is not one
    assert to_spark_sql("SELECT DISTINCT x FROM t WHERE regexp_full_match(x, '[ a]*')") == (
        "SELECT DISTINCT x FROM t WHERE x RLIKE '^(?:[ a]*)$'"
    )
    with pytest.raises(ValueError, match="only regexp_full_match"):
        to_spark_sql("SELECT regexp_full_match(x, y) FROM t")
    # the data-quality queries' lists: the first few values, a filtered ordered list, an index by a column
    assert to_spark_sql("SELECT list(pos ORDER BY pos)[1:5] FROM t") == (
        "SELECT SLICE(TRANSFORM(ARRAY_SORT(COLLECT_LIST(STRUCT(pos AS k, pos AS v))), s -> s.v), 1, 5) FROM t"
    )
    assert to_spark_sql("SELECT list(pos ORDER BY pos) FILTER (WHERE bad) FROM t") == (
        "SELECT TRANSFORM(ARRAY_SORT(COLLECT_LIST(STRUCT(pos AS k, pos AS v)) FILTER(WHERE bad)), s -> s.v) FROM t"
    )
    assert to_spark_sql("SELECT [0, 10][e.f] + e.r, x_q[1] FROM e") == (
        "SELECT ELEMENT_AT(ARRAY(0, 10), CAST(e.f AS INT)) + e.r, x_q[0] FROM e"
    )
    with pytest.raises(ValueError, match=r"only list\[a:b\] with integer literals"):
        to_spark_sql("SELECT x[1:n] FROM e")
    # timezone() of an instant gives its local time (from_utc_timestamp), of a local time its instant
    assert to_spark_sql("SELECT epoch_us(timezone('Asia/Ho_Chi_Minh', to_timestamp(0) + to_microseconds(t_end))) FROM e") == (
        "SELECT UNIX_MICROS(FROM_UTC_TIMESTAMP(CAST(FROM_UNIXTIME(0) AS TIMESTAMP) + MAKE_DT_INTERVAL(0, 0, 0, "
        "CAST(t_end AS DECIMAL(38, 0)) / 1000000), 'Asia/Ho_Chi_Minh')) FROM e"
    )
    with pytest.raises(ValueError, match="only timezone"):
        to_spark_sql("SELECT timezone('UTC', t) FROM e")  # a column of unknown type: no guess
    assert to_spark_sql("WITH d AS MATERIALIZED (SELECT 1 AS x) SELECT x FROM d") == "WITH d AS (SELECT 1 AS x) SELECT x FROM d"
    assert to_spark_sql("SELECT lead(p) OVER a - 1 FROM o WINDOW a AS (ORDER BY p)") == (
        "SELECT (LEAD(p) OVER a) - 1 FROM o WINDOW a AS (ORDER BY p NULLS LAST)"
    )


def test_every_engine_query_translates() -> None:
    # every query of the engine's plans parses and comes out without DuckDB-only spellings
    import re

    from procsimp.engine.sql import QUERIES, plan_for
    from procsimp.engine.sql_detect import DETECT_QUERIES
    from procsimp.engine.sql_replay import replay_plan

    plan = {**plan_for((*QUERIES, *DETECT_QUERIES), minutes_per_day=450.0), **replay_plan(3)}
    assert "_dev" in plan and "det_order" in plan and "replay_events" in plan
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


# ---------------------------------------------------------------------------- the commands
SERVICE = "Register a birth"  # one service of the bundled log keeps the Spark runs short


def _jobs(backend: SparkBackend) -> int:
    """The id of the last Spark job the session ran (-1 before the first): job ids only grow,
    and each engine plan runs at least one job."""
    tracker = backend.session().sparkContext.statusTracker()
    return max(tracker.getJobIdsForGroup(None), default=-1)


def _run_both(spark: SparkBackend, tmp_path: Path, *args: object,
              environment: pytest.MonkeyPatch | None = None) -> dict[str, tuple[str, Path, str]]:
    """``procsimp --engine E ARGS`` for both engines (with ``environment``: ``PROCSIMP_ENGINE=E
    procsimp ARGS``; the Spark backend the variable makes finds the run's session), ``{E}`` in
    ARGS standing for the engine's own folder: ``{engine: (stdout, folder, stderr)}``; Spark must
    have run jobs for its command, DuckDB none."""
    runs: dict[str, tuple[str, Path, str]] = {}
    for name in ("duckdb", "spark"):
        folder = tmp_path / name
        before = _jobs(spark)
        if environment is not None:
            environment.setenv("PROCSIMP_ENGINE", name)
        chosen = () if environment is not None else ("--engine", name)
        code, out, err = invoke(*chosen, *(folder if a == "{E}" else a for a in args))
        assert code == 0, err[-2000:]
        ran = _jobs(spark) - before
        assert (ran > 0) if name == "spark" else (ran == 0), (name, ran)
        runs[name] = (out, folder, err)
    return runs


def _same_json(got: object, expected: object, where: str) -> None:
    if isinstance(expected, float) and isinstance(got, (int, float)):
        assert math.isclose(got, expected, rel_tol=1e-9) or (math.isnan(got) and math.isnan(expected)), where
    elif isinstance(expected, dict):
        assert isinstance(got, dict) and list(got) == list(expected), where
        for key in expected:
            _same_json(got[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(got, list) and len(got) == len(expected), where
        for i, (a, b) in enumerate(zip(got, expected, strict=True)):
            _same_json(a, b, f"{where}[{i}]")
    else:
        assert got == expected, where


def _same_folders(spark_dir: Path, duckdb_dir: Path) -> list[str]:
    """Every file of the DuckDB output in the Spark output, equal (see the module docstring)."""
    names = sorted(str(p.relative_to(duckdb_dir)) for p in duckdb_dir.rglob("*") if p.is_file())
    assert names == sorted(str(p.relative_to(spark_dir)) for p in spark_dir.rglob("*") if p.is_file())
    for name in names:
        a, b = spark_dir / name, duckdb_dir / name
        if name.endswith(".csv"):
            pd.testing.assert_frame_equal(pd.read_csv(a), pd.read_csv(b), check_exact=False, rtol=1e-9, obj=name)
        elif name.endswith(".json"):
            _same_json(json.loads(a.read_text(encoding="utf-8")), json.loads(b.read_text(encoding="utf-8")), name)
        elif name.endswith(".pdf"):
            date = re.compile(rb"/(Creation|Mod)Date \(D:\d+Z?\)")
            assert date.sub(b"", a.read_bytes()) == date.sub(b"", b.read_bytes()), name
        else:
            assert a.read_bytes() == b.read_bytes(), name
    return names


def test_profile_on_spark_equals_duckdb(spark: SparkBackend, tmp_path: Path) -> None:
    runs = _run_both(spark, tmp_path, "profile", EVENT_LOGS / "dossiers_en.csv", "--format", "json", "--out", "{E}")
    _same_json(json.loads(runs["spark"][0]), json.loads(runs["duckdb"][0]), "stdout")
    names = _same_folders(runs["spark"][1], runs["duckdb"][1])
    assert {"profile.csv", "profile.json"} <= set(names)
    table = pd.read_csv(runs["spark"][1] / "profile.csv")
    assert len(table) == 9 and table["cases"].iloc[-1] == 1000  # eight services and the total


def test_mine_on_spark_equals_duckdb(spark: SparkBackend, tmp_path: Path) -> None:
    runs = _run_both(spark, tmp_path, "mine", EVENT_LOGS / "dossiers_en.csv", "--service", SERVICE,
                     "--format", "svg,pdf,dot,bpmn,pnml", "--out", "{E}")
    names = _same_folders(runs["spark"][1], runs["duckdb"][1])
    assert {"dfg.csv", "activities.csv", "variants.csv"} <= {Path(n).name for n in names}
    assert any(n.endswith(".svg") for n in names) and any(n.endswith(".bpmn") for n in names)


def test_flag_on_spark_equals_duckdb_with_the_option(spark: SparkBackend, tmp_path: Path) -> None:
    runs = _run_both(spark, tmp_path, "flag", EVENT_LOGS / "dossiers_en.csv", "--service", SERVICE,
                     "--format", "json", "--out", "{E}")
    assert runs["spark"][0] == runs["duckdb"][0] and '"action"' in runs["duckdb"][0]
    assert {"flags.json", "flags.csv"} <= set(_same_folders(runs["spark"][1], runs["duckdb"][1]))


def test_propose_on_spark_equals_duckdb(spark: SparkBackend, tmp_path: Path) -> None:
    runs = _run_both(spark, tmp_path, "propose", EVENT_LOGS / "dossiers_en.csv", "--service", SERVICE,
                     "--out", "{E}")
    names = _same_folders(runs["spark"][1], runs["duckdb"][1])
    assert {"kpis.csv", "edits.yaml", "flags.json"} <= set(names)
    assert any(n.endswith("proposal.json") for n in names) and any(n.endswith("to_be.bpmn") for n in names)


def test_report_on_spark_equals_duckdb(spark: SparkBackend, tmp_path: Path) -> None:
    runs = _run_both(spark, tmp_path, "report", EVENT_LOGS / "dossiers_en.csv", "--service", SERVICE,
                     "--out", "{E}")
    names = _same_folders(runs["spark"][1], runs["duckdb"][1])
    assert {"index.html", "report.md", "kpis.csv", "flags.json"} <= set(names)


# ---------------------------------------------------------------------------- Spark reads the files
@pytest.fixture(scope="module")
def parquet_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled English log as procsimp writes Parquet (timestamps in nanoseconds, with zone)."""
    path = tmp_path_factory.mktemp("spark_parquet") / "dossiers en.parquet"  # a space: a path Spark writes as a URI
    code, _, err = invoke("convert", EVENT_LOGS / "dossiers_en.csv", "--out", path)
    assert code == 0, err
    return path


def _file_scans(backend: SparkBackend, after: int, path: Path) -> list[int]:
    """The rows that each Parquet scan of ``path`` produced in the SQL executions after ``after``,
    from Spark's own record of its executed plans and their metrics."""
    store = backend.session()._jsparkSession.sharedState().statusStore()
    executions = store.executionsList()
    rows = []
    for i in range(executions.size()):
        execution = executions.apply(i)
        if execution.executionId() <= after:
            continue
        nodes = store.planGraph(execution.executionId()).allNodes()
        values = store.executionMetrics(execution.executionId())
        for j in range(nodes.size()):
            node = nodes.apply(j)
            if not node.desc().startswith("FileScan parquet") or not (
                    str(path) in node.desc() or path.as_uri().replace("file://", "file:") in node.desc()):
                continue
            metrics = node.metrics()
            for k in range(metrics.size()):
                if metrics.apply(k).name() == "number of output rows":
                    value = values.get(metrics.apply(k).accumulatorId())
                    rows.append(int(value.get().replace(",", "")) if value.isDefined() else -1)
    return rows


def _last_execution(backend: SparkBackend) -> int:
    executions = backend.session()._jsparkSession.sharedState().statusStore().executionsList()
    return max((executions.apply(i).executionId() for i in range(executions.size())), default=-1)


def test_spark_reads_a_log_left_on_its_parquet_files_itself(spark: SparkBackend, parquet_log: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from pyspark.sql import SparkSession

    expected_log = read_log(parquet_log, storage="parquet")  # on DuckDB
    expected = {name: fn(expected_log) for name, fn in TABLES.items()}
    shipped: list[int] = []  # the rows of every table this process hands to Spark
    create = SparkSession.createDataFrame

    def counting(self: SparkSession, data: object, *args: object, **kwargs: object) -> object:
        shipped.append(getattr(data, "num_rows", None) or len(data))  # type: ignore[arg-type]
        return create(self, data, *args, **kwargs)

    monkeypatch.setattr(SparkSession, "createDataFrame", counting)
    conf = spark.session().conf
    length = conf.get("spark.sql.maxMetadataStringLength")
    conf.set("spark.sql.maxMetadataStringLength", "10000")  # the plans name the whole path of the file
    before = _last_execution(spark)
    try:
        with engine.use_backend(spark):
            log = read_log(parquet_log, storage="parquet")
            got = {name: fn(log) for name, fn in TABLES.items()}
    finally:
        conf.set("spark.sql.maxMetadataStringLength", length)
    for name in TABLES:
        assert len(expected[name]) > 0, name
        pd.testing.assert_frame_equal(got[name].reset_index(drop=True), expected[name].reset_index(drop=True),
                                      check_dtype=False, rtol=1e-9, obj=name)
    # Spark scanned the file itself, every event of it ...
    scans = _file_scans(spark, before, parquet_log)
    assert scans and max(scans) == log.n_events == 10_349, scans
    # ... and no table of per-event (or per-dossier) size went from this process to Spark: what
    # crossed was the calendar's days and the file's name
    assert shipped and max(shipped) < log.n_cases == 1_000, shipped
    # the log's facts and encoding were made by Spark, not by this process's DuckDB
    assert [type(e.database).__name__ for e in log.parquet._shared.values()] == ["SparkDatabase"]
    # a URI (as a cluster's shared storage is named; written as Hadoop writes paths, spaces as they
    # are) is listed and read by Spark alone
    uri = f"file://{parquet_log}"
    with engine.use_backend(spark):
        at_uri = read_log(uri)
        assert at_uri.n_events == 10_349 and at_uri.parquet.files == (f"file://{parquet_log}",)
        pd.testing.assert_frame_equal(engine.variants(at_uri), expected["variants"], check_dtype=False, rtol=1e-9)
    # the notebook preview of the log at the URI: Spark reads the first rows itself (this process's
    # DuckDB is not asked), and they are DuckDB's first rows of the same file
    from procsimp.read import parquet_source

    expected_head = expected_log.parquet.head(10)
    first = pq.read_table(parquet_log).slice(0, 10).to_pandas()
    assert list(expected_head["case:concept:name"]) == list(first["case:concept:name"].astype(str))

    def no_duckdb() -> None:
        raise AssertionError("the preview asked DuckDB")

    monkeypatch.setattr(parquet_source, "shared_database", no_duckdb)
    conf.set("spark.sql.maxMetadataStringLength", "10000")
    before = _last_execution(spark)
    try:
        with engine.use_backend(spark):
            got_head = at_uri.parquet.head(10)
            html = at_uri._repr_html_()
    finally:
        conf.set("spark.sql.maxMetadataStringLength", length)
    pd.testing.assert_frame_equal(got_head, expected_head, check_dtype=False)
    assert _file_scans(spark, before, parquet_log), "Spark did not read the file for the preview"
    assert str(expected_head["case:concept:name"].iloc[0]) in html and "<table" in html


def test_commands_on_spark_read_the_parquet_files_and_equal_duckdb(spark: SparkBackend, parquet_log: Path,
                                                                    tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """profile, mine, flag and propose on a log left on its files: Spark reads them, and no
    command reads the events into pandas on this machine (propose's to-be log and figures come
    from Spark as codes and times)."""
    from procsimp.read import parquet_source
    from procsimp.read.parquet_source import ParquetSource

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the events of a log left on its files were read into pandas")

    for name in ("frame", "coded_frame"):
        monkeypatch.setattr(ParquetSource, name, refuse)
    monkeypatch.setattr(parquet_source, "read_dataset_frame", refuse)
    for command, options in (("profile", ()), ("mine", ("--service", SERVICE, "--format", "svg,bpmn")),
                             ("flag", ("--service", SERVICE, "--format", "json")),
                             ("propose", ("--service", SERVICE))):
        runs = _run_both(spark, tmp_path / command, command, parquet_log, "--storage", "parquet", *options,
                         "--out", "{E}")
        if command == "flag":
            _same_json(json.loads(runs["spark"][0]), json.loads(runs["duckdb"][0]), "flags")
        else:  # the same text, but for the output folders
            assert runs["spark"][0].replace(str(runs["spark"][1]), "OUT") == (
                runs["duckdb"][0].replace(str(runs["duckdb"][1]), "OUT")), command
        assert _same_folders(runs["spark"][1], runs["duckdb"][1]), command
        assert "events left on its Parquet file, read by Spark from the files itself (as asked)" in runs["spark"][2]
        assert "read by DuckDB out of core (as asked)" in runs["duckdb"][2]


def test_spark_that_cannot_read_the_files_gives_one_error_line(spark: SparkBackend, parquet_log: Path,
                                                                tmp_path: Path) -> None:
    from procsimp.errors import LogReadError

    moved = tmp_path / "moved.parquet"
    shutil.copy(parquet_log, moved)
    log = read_log(moved, storage="parquet")  # read on DuckDB; then the file goes before Spark reads it
    moved.unlink()
    with engine.use_backend(spark), pytest.raises(LogReadError) as caught:
        engine.dfg(log)
    message = str(caught.value)
    assert message.startswith(f"{moved}: Spark could not read the Parquet files (")
    assert "PATH_NOT_FOUND" in message and "\n" not in message
    assert message.endswith("give a path that the Spark driver and every executor reach (a local path in local mode; "
                            "a shared mount, hdfs:// or s3a:// on a cluster), or use the default DuckDB engine "
                            "(--engine duckdb)")
    # the same at the command line, for a URI that Spark cannot reach; DuckDB does not read URIs
    missing = (tmp_path / "nowhere" / "log.parquet").as_uri()
    code, out, err = invoke("--engine", "spark", "profile", missing, "--out", tmp_path / "spark")
    errors = [line for line in err.splitlines() if line.startswith("Error:")]
    assert code == 1 and out == "" and len(errors) == 1 and "Traceback" not in err
    assert errors[0].startswith(f"Error: {missing}: Spark could not read the Parquet files ([PATH_NOT_FOUND] Path does not exist")
    assert not (tmp_path / "spark").exists()
    code, _, err = invoke("--engine", "duckdb", "profile", parquet_log.as_uri())
    assert code == 1 and err.strip() == (
        f"Error: {parquet_log.as_uri()}: a log at a URI is read by the Spark engine, from its Parquet files; add "
        "--engine spark (and --spark-master URL for a cluster), or give a path on this machine")


# ---------------------------------------------------------------------------- Spark checks the files
@pytest.mark.parametrize("name", list(FLAWED))
def test_spark_reading_the_files_warns_the_same(spark: SparkBackend, tmp_path: Path, name: str) -> None:
    """When Spark reads the files itself, every data-quality check is computed there: the same
    lines (words, figures, positions) as the in-memory reader and as DuckDB."""
    path, columns = FLAWED[name](tmp_path)
    memory = list(read_log(path, storage="memory", **columns).warnings)
    assert list(read_log(path, storage="parquet", **columns).warnings) == memory
    with engine.use_backend(spark):
        log = read_log(path, storage="parquet", **columns)
        assert [type(e.database).__name__ for e in log.parquet._shared.values()] == ["SparkDatabase"]
        on_spark = list(log.warnings)
        # every event knows its file (Spark names a local file file:/path in its rows, file:///path
        # in its listing)
        (unplaced,) = log.parquet.query(f"SELECT count(*) FROM {log.parquet.encoded().name} WHERE f IS NULL")[0]
    assert unplaced == 0
    assert on_spark == memory
    assert name == "clean" or on_spark


def test_spark_reading_the_files_gives_the_same_error_for_an_old_time(spark: SparkBackend, tmp_path: Path) -> None:
    from procsimp.errors import LogValidationError

    path = old_time_log(tmp_path)
    messages = []
    for storage, backend in (("memory", None), ("parquet", None), ("parquet", spark)):
        with engine.use_backend(backend) if backend else contextlib.nullcontext(), \
                pytest.raises(LogValidationError) as err:
            read_log(path, storage=storage, **MAPPED)
        messages.append(str(err.value))
    assert messages[2] == messages[1] == messages[0]
    assert "has 1 value(s) that are not valid times, on position 1" in messages[0]


def test_spark_gives_duckdbs_dense_codes(spark: SparkBackend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the dossier ids ranked in ranges of 10 (procsimp/read/codes.py): Spark's codes of every event
    # and its dictionary are DuckDB's, which are the sorted places of the ids
    path, _ = ids_log(tmp_path)
    expected = case_encoding(path)
    found = ranged_codes(monkeypatch)
    with engine.use_backend(spark):
        got = case_encoding(path)
    assert len(found) == 2 and max(found) >= 5  # (dossier ids and steps) the ids in several ranges
    assert got == expected
    # (two of the ids normalise to two others: 108 dossiers, every event kept)
    assert expected[0] == sorted(expected[0]) and len(expected[0]) == len(dossier_ids()) - 2
    assert len(expected[1]) == 2 * len(dossier_ids())


def test_compare_and_conform_with_filters_on_spark_equal_duckdb(spark: SparkBackend, parquet_log: Path,
                                                                 tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """compare and conform, with filters, on a log left on its files: Spark reads them and runs
    the filters (dossier sets as tables of the session) and the plans (jobs run), nothing is read
    into pandas on this machine, and the files written are DuckDB's (a PDF but for its dates)."""
    from procsimp.mine import conformance
    from procsimp.read import parquet_source
    from procsimp.read.parquet_source import ParquetSource

    synth = generate(cases=160, seed=11, lang="vi", to_be=True)
    generated = next(p for p in synth.write(tmp_path / "log", formats=["parquet"]) if p.name == "dossiers.parquet")
    reference = synth.procedure().write(tmp_path / "reference.yaml")
    # one pm4py alignment per path for both engines: where a path has several optimal ones,
    # which one pm4py returns may change between calls (not what this test compares)
    align, memo = conformance._align, {}
    monkeypatch.setattr(conformance, "_align", lambda paths, proc: memo.setdefault(
        (proc.service, tuple(sorted(paths))), align(paths, proc)))

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the events of a log left on its files were read into pandas")

    for name in ("frame", "coded_frame"):
        monkeypatch.setattr(ParquetSource, name, refuse)
    monkeypatch.setattr(parquet_source, "read_dataset_frame", refuse)
    runs = {
        "compare": (parquet_log, "--periods", "2025-01..2025-03,2025-04..2025-06", "--where", f"service={SERVICE}",
                    "--lead-time", "<30d", "--format", "svg,pdf", "--out", "{E}"),
        "conform": (generated, "--reference", reference, "--service", "Đăng ký khai sinh", "--starts-with",
                    "Tiếp nhận hồ sơ", "--format", "json", "--out", "{E}"),
    }
    for command, (log, *options) in runs.items():
        both = _run_both(spark, tmp_path / command, command, log, "--storage", "parquet", *options)
        assert both["spark"][0].replace(str(both["spark"][1]), "OUT") == (
            both["duckdb"][0].replace(str(both["duckdb"][1]), "OUT")), command
        assert len(_same_folders(both["spark"][1], both["duckdb"][1])) >= 3, command
        assert "read by Spark from the files itself (as asked)" in both["spark"][2]
