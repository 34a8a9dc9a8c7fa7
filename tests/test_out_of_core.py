"""A log that stands on its Parquet files (out of core): the same ``events`` table, the same facts
and the same command outputs as the log read into memory, without its events ever held in pandas
for profile and mine."""

from __future__ import annotations

import json
import math
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import procsimp
from procsimp.core.calendar import WorkCalendar, default_calendar
from procsimp.engine.prepare import prepare
from procsimp.engine.prepare_sql import EVENT_COLUMNS, prepare_sql
from procsimp.errors import LogReadError, LogValidationError, ParameterError
from procsimp.read import parquet_source
from procsimp.read.parquet_source import ParquetSource, choose_storage, new_database
from tests.conftest import EVENT_LOGS, invoke, real_log_path

DICTIONARIES = ("services", "activities", "cases", "channels", "outcomes", "units")


# ---------------------------------------------------------------------------- logs on Parquet
@pytest.fixture(scope="module")
def parquet_logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The bundled logs written by ``procsimp convert``, and the Vietnamese one as another system
    would export it: no procsimp metadata, Vietnamese headers, plain strings, naive local times,
    rows in reverse order, some names decomposed (NFD) or padded; also split into a hive folder."""
    folder = tmp_path_factory.mktemp("ooc")
    out: dict[str, Path] = {}
    for lang in ("en", "vi"):
        code, _, err = invoke("convert", EVENT_LOGS / f"dossiers_{lang}.csv", "--out", folder / f"{lang}.parquet")
        assert code == 0, err
        out[lang] = folder / f"{lang}.parquet"
    table = pq.read_table(out["vi"]).replace_schema_metadata(None)
    columns = {}
    headers = {"case:concept:name": "Mã hồ sơ", "concept:name": "Bước xử lý", "time:timestamp": "Thời gian kết thúc",
               "org:resource": "Cán bộ"}
    for field in table.schema:
        column = table[field.name]
        if pa.types.is_dictionary(field.type):
            column = column.cast(pa.string())
        if field.name == "time:timestamp":
            column = pc.local_timestamp(column)  # naive wall-clock times of Asia/Ho_Chi_Minh
        if field.name == "org:resource":  # the same officer written decomposed and padded
            values = column.to_pylist()
            values = [unicodedata.normalize("NFD", v) + " " if v and i % 3 == 0 else v for i, v in enumerate(values)]
            column = pa.chunked_array([pa.array(values, pa.string())])
        columns[headers.get(field.name, field.name)] = column
    plain = pa.table(columns)
    plain = plain.take(pa.array(np.arange(plain.num_rows)[::-1]))
    pq.write_table(plain, folder / "plain.parquet")
    out["plain"] = folder / "plain.parquet"
    hive = folder / "hive"
    half = plain.num_rows // 2
    for part, rows in (("a", plain.slice(0, half)), ("b", plain.slice(half))):
        (hive / f"part={part}").mkdir(parents=True)
        pq.write_table(rows, hive / f"part={part}" / "data.parquet")
    out["hive"] = hive
    return out


def _both(path: Path) -> tuple[procsimp.EventLog, procsimp.EventLog]:
    memory = procsimp.read_log(path, storage="memory")
    ooc = procsimp.read_log(path, storage="parquet")
    assert memory.storage == "memory" and not memory.out_of_core
    assert ooc.storage == "parquet" and ooc.out_of_core and not ooc.materialised
    return memory, ooc


def _assert_same_events(memory: procsimp.EventLog, ooc: procsimp.EventLog, calendar: WorkCalendar,
                        database: object = None, *, numpy: bool | None = None) -> None:
    a = prepare(memory, calendar)
    b = prepare_sql(ooc.parquet, calendar, database or new_database(), numpy=numpy)
    left, right = a.table, b.table.arrow()
    # schema-driven: a column added to one path and not the other fails here
    assert left.schema.names == right.schema.names == list(EVENT_COLUMNS)
    assert [f.type for f in left.schema] == [f.type for f in right.schema]
    assert left.num_rows == right.num_rows == b.table.num_rows
    for name in left.schema.names:
        x, y = left[name], right[name]
        assert x.null_count == y.null_count, name
        assert pc.all(pc.equal(pc.is_null(x), pc.is_null(y))).as_py(), name
        xs, ys = x.to_numpy(zero_copy_only=False), y.to_numpy(zero_copy_only=False)
        present = ~pc.is_null(x).to_numpy(zero_copy_only=False)
        np.testing.assert_array_equal(xs[present], ys[present], err_msg=name)
    for kind in DICTIONARIES:
        assert list(getattr(a, kind)) == list(getattr(b, kind)), kind
    assert (a.has_start, a.has_due, a.has_received) == (b.has_start, b.has_due, b.has_received)
    assert a.minutes_per_day == b.minutes_per_day
    assert not ooc.materialised


@pytest.mark.parametrize("numpy", [True, False], ids=["numpy-parts", "sql-windows"])
@pytest.mark.parametrize("name", ["en", "vi", "plain", "hive"])
def test_sql_prepare_gives_the_numpy_events_table(parquet_logs: dict[str, Path], name: str, numpy: bool) -> None:
    """Both ways of building the table from the files (numpy a part at a time, DuckDB's default;
    SQL windows, Spark's) give the in-memory table."""
    memory, ooc = _both(parquet_logs[name])
    _assert_same_events(memory, ooc, default_calendar(), numpy=numpy)


@pytest.mark.parametrize("numpy", [True, False], ids=["numpy-parts", "sql-windows"])
def test_sql_prepare_with_another_calendar_and_a_timezone_with_changes(parquet_logs: dict[str, Path],
                                                                       numpy: bool) -> None:
    """Three office periods, Saturday work and a timezone whose offset changes (summer time): the
    working minutes still equal the calendar's own."""
    memory = procsimp.read_log(parquet_logs["plain"], storage="memory", timezone="Europe/Amsterdam")
    ooc = procsimp.read_log(parquet_logs["plain"], storage="parquet", timezone="Europe/Amsterdam")
    calendar = WorkCalendar(timezone="Europe/Amsterdam", hours=(("08:00", "10:00"), ("10:15", "12:00"), ("13:00", "17:30")),
                            weekdays=(0, 1, 2, 3, 4, 5), country="NL")
    _assert_same_events(memory, ooc, calendar, numpy=numpy)


@pytest.mark.parametrize("numpy", [True, False], ids=["numpy-parts", "sql-windows"])
def test_sql_prepare_in_batches_of_services(parquet_logs: dict[str, Path], monkeypatch: pytest.MonkeyPatch,
                                            numpy: bool) -> None:
    """Under a budget smaller than the log, the events table is built one batch of services at a
    time (each batch's sorts within the budget; with numpy, parts of whole dossiers of a few
    thousand events), stored service by service: the same table."""
    from procsimp.engine import batches, prepare_parts

    made: list[list[list[int | None]]] = []
    real = batches.service_batches
    monkeypatch.setattr(batches, "service_batches", lambda counts, budget: made.append(real(counts, budget)) or made[-1])
    parts: list[int] = []
    real_part = prepare_parts._part_table
    monkeypatch.setattr(prepare_parts, "_part_table",
                        lambda part, *args: parts.append(part.num_rows) or real_part(part, *args))
    monkeypatch.setattr(parquet_source, "out_of_core_budget", lambda: 2_000_000)  # about 5,000 events
    memory, ooc = _both(parquet_logs["vi"])
    database = new_database()
    _assert_same_events(memory, ooc, default_calendar(), database, numpy=numpy)
    assert len(made) == 1 and len(made[0]) == len(memory.services) > 1
    if numpy:  # parts of at most the budget's events, plus one dossier
        size = 2_000_000 // prepare_parts.PART_BYTES_PER_EVENT
        longest = int(memory.df.groupby(memory.df["case:concept:name"], observed=True).size().max())
        assert len(parts) > len(memory.services) and sum(parts) == memory.n_events
        assert max(parts) < size + longest
    else:
        assert not parts
    # stored by service: each service's rows are together, in the order of the batches
    table = prepare_sql(ooc.parquet, default_calendar(), database, numpy=numpy).table
    svc = [s for (s,) in database.execute(f"SELECT svc FROM {table.name}").fetchall()]
    assert svc == sorted(svc)


def test_parts_hold_whole_dossiers() -> None:
    """The sorted events stream in record batches that cut dossiers anywhere; the parts regroup
    them into whole dossiers, a dossier larger than a part being a part of its own."""
    from procsimp.engine.prepare_parts import _parts

    cases = np.repeat(np.arange(12, dtype=np.int32), [1, 5, 2, 9, 1, 1, 3, 20, 2, 2, 4, 1])
    table = pa.table({"case_id": cases, "x": np.arange(len(cases))})
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=3))
    parts = list(_parts(reader, 6))
    assert pa.concat_tables(parts).equals(table)
    seen: set[int] = set()
    for part in parts:
        ids = set(part.column("case_id").to_pylist())
        assert not ids & seen  # no dossier in two parts
        seen |= ids
        assert part.num_rows < 6 + 20  # the size, plus at most one dossier read on
    assert len(parts) >= 5 and any(7 in p.column("case_id").to_pylist() for p in parts)


def test_sql_prepare_on_a_real_log(tmp_path: Path) -> None:
    """A public log (lifecycle start/complete pairs made into start times by the reader), written
    to Parquet once: the same events table from the file as in memory."""
    src = real_log_path("Sepsis_Cases-Event_Log.xes.gz")
    code, _, err = invoke("convert", src, "--out", tmp_path / "sepsis.parquet")
    assert code == 0, err
    memory, ooc = _both(tmp_path / "sepsis.parquet")
    _assert_same_events(memory, ooc, default_calendar())


# ---------------------------------------------------------------------------- the log object
def test_facts_come_from_the_files_without_the_events(parquet_logs: dict[str, Path]) -> None:
    memory, ooc = _both(parquet_logs["hive"])
    assert ooc.n_events == memory.n_events and ooc.n_cases == memory.n_cases
    assert ooc.n_activities == memory.n_activities
    assert ooc.activities == memory.activities
    assert ooc.services == memory.services
    assert ooc.time_span == memory.time_span
    for role in ("case", "activity", "start", "resource", "unit", "service", "channel", "received", "due", "outcome"):
        assert ooc.has(role) == memory.has(role), role
    for role in ("activity", "resource", "unit", "service", "channel", "outcome"):
        assert ooc.distinct(role) == memory.distinct(role), role
    assert ooc.mapping.columns == memory.mapping.columns
    assert "storage='parquet'" in repr(ooc) and "storage='memory'" in repr(memory)
    assert ooc.summary()["storage"] == "parquet"
    assert "<table" in ooc._repr_html_()
    one = memory.services[2]
    sub_memory, sub_ooc = memory.for_service(one), ooc.for_service(one)
    assert sub_ooc.out_of_core and sub_ooc.n_events == sub_memory.n_events
    assert sub_ooc.activities == sub_memory.activities
    assert not ooc.materialised and not sub_ooc.materialised
    _assert_same_events(sub_memory, sub_ooc, default_calendar())


def test_the_frame_is_materialised_only_when_read(parquet_logs: dict[str, Path]) -> None:
    memory, ooc = _both(parquet_logs["plain"])
    copy = ooc.replace(source="renamed")
    assert copy.out_of_core and not copy.materialised and not ooc.materialised
    pd.testing.assert_frame_equal(ooc.df, memory.df)
    assert ooc.materialised and not ooc.out_of_core
    assert ooc.storage == "parquet"  # it still stands on its files
    assert not copy.materialised
    narrowed = ooc.replace(df=ooc.df.head(5))  # a new frame: a log held in memory
    assert narrowed.parquet is None and narrowed.n_events == 5


@pytest.mark.parametrize("name", ["en", "plain", "hive"])
def test_a_services_events_are_the_in_memory_ones(parquet_logs: dict[str, Path], name: str) -> None:
    """The events of a service of a log left on its files are the in-memory sub-log's, column for
    column and dtype for dtype: decoded from the encoded table when every column fills a role
    (the bundled log, and a plain export with NFD names in reverse order), read from the files
    when other attributes are kept (the hive folder's partition column)."""
    memory, ooc = _both(parquet_logs[name])
    assert (set(ooc.parquet.types) <= set(ooc.parquet.columns.values())) == (name != "hive")
    for service in memory.services:
        pd.testing.assert_frame_equal(ooc.for_service(service).df, memory.for_service(service).df, obj=service)
    if name != "hive":
        pd.testing.assert_frame_equal(ooc.parquet.coded_frame(), memory.df)
    assert not ooc.materialised


def test_one_services_events_are_held_at_a_time(parquet_logs: dict[str, Path]) -> None:
    """Read for one stage, a service after another: only the last sub-log read keeps its events
    in memory; the others read them again when asked."""
    _, ooc = _both(parquet_logs["en"])
    first, second = (ooc.for_service(s) for s in ooc.services[:2])
    events = first.df
    assert first.materialised and not second.materialised
    assert len(second.df) == second.n_events and second.materialised and not first.materialised
    pd.testing.assert_frame_equal(first.df, events)
    assert first.materialised and not second.materialised and not ooc.materialised


def _count_batches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many batches of services each out-of-core plan ran in, as it runs."""
    from procsimp.engine import batches

    runs: list[int] = []
    real = batches.service_batches

    def counted(counts: dict[int | None, int], budget: int) -> list[list[int | None]]:
        made = real(counts, budget)
        runs.append(len(made))
        return made

    monkeypatch.setattr(batches, "service_batches", counted)
    return runs


def test_the_detectors_run_one_batch_of_services_at_a_time(parquet_logs: dict[str, Path],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Under a budget smaller than the detectors' view of the whole log, their plan runs on
    batches of services: the tables (and so the flags) are those of one run over every event."""
    from procsimp.engine import batches, detector_codes

    assert batches.service_batches({0: 10, 1: 20, 2: 5, None: 3}, 25 * batches.BYTES_PER_EVENT) == [[0], [1, 2], [None]]
    assert batches.service_batches({0: 10, 1: 20}, 30 * batches.BYTES_PER_EVENT) == [[0, 1]]
    whole = procsimp.read_log(parquet_logs["vi"], storage="parquet")
    _, one_run = detector_codes(whole)
    runs = _count_batches(monkeypatch)
    # room for about 5,000 events: one service a batch
    monkeypatch.setattr(parquet_source, "out_of_core_budget", lambda: 2_000_000)
    log = procsimp.read_log(parquet_logs["vi"], storage="parquet")
    _, batched = detector_codes(log)
    # the events table is built in the same batches, then the detectors' plan runs on them
    assert runs == [len(log.services)] * 2 and len(log.services) > 1
    for name, table in one_run.items():
        keys = [c for c in table.columns if table[c].dtype.kind in "iub" or str(table[c].dtype) in ("Int32", "Int64", "boolean")]
        left = table.sort_values(keys).reset_index(drop=True)
        right = batched[name].sort_values(keys).reset_index(drop=True)
        pd.testing.assert_frame_equal(left, right, check_exact=False, rtol=1e-9, obj=name)
    flags = procsimp.flag_steps(log)
    in_memory = procsimp.flag_steps(procsimp.read_log(parquet_logs["vi"], storage="memory"))
    assert flags and [f.to_dict() for f in flags] == [f.to_dict() for f in in_memory]


def test_the_profile_and_map_tables_run_one_batch_of_services_at_a_time(
        parquet_logs: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Out of core, the profile's and maps' plan (exact quantiles, each dossier's ordered steps)
    runs on batches of services too: on a whole 100M-event log it does not fit DuckDB's budget.
    The tables, the profile and the maps are those of one run over every event."""
    from procsimp.engine import aggregates, case_marks

    names = ("dfg", "activities", "variants", "start_end", "cases")
    whole = procsimp.read_log(parquet_logs["vi"], storage="parquet")
    one_run, one_marks = aggregates(whole, tables=names), case_marks(whole)
    one_profile = procsimp.profile(whole).table
    runs = _count_batches(monkeypatch)
    monkeypatch.setattr(parquet_source, "out_of_core_budget", lambda: 2_000_000)  # one service a batch
    log = procsimp.read_log(parquet_logs["vi"], storage="parquet")
    batched, marks = aggregates(log, tables=names), case_marks(log)
    assert runs and all(n == len(log.services) > 1 for n in runs)
    for name in names:
        left, right = getattr(one_run, name), getattr(batched, name)
        assert left is not None and right is not None and len(left) > 0
        keys = list(left.columns[:3])
        pd.testing.assert_frame_equal(left.sort_values(keys).reset_index(drop=True),
                                      right.sort_values(keys).reset_index(drop=True), obj=name)
    pd.testing.assert_frame_equal(one_marks.sort_index(), marks.sort_index())
    pd.testing.assert_frame_equal(one_profile, procsimp.profile(log).table)


def test_the_out_of_core_profile_builds_no_per_dossier_table_unless_asked(
        parquet_logs: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Out of core, profile (headline and breakdown) works through the dossiers a chunk at a time:
    no case or dossier table of the whole log is made, no chunk holds every dossier, and the
    tables are the in-memory ones. ``Profile.cases`` and ``Profile.dossiers`` are made on first
    access, and are then the in-memory ones too."""
    from procsimp import engine
    from procsimp.engine import case_chunks
    from procsimp.profile import indicators

    path = parquet_logs["vi"]
    memory = procsimp.read_log(path, storage="memory")
    expected, expected_by = procsimp.profile(memory), procsimp.profile(memory, by="unit,month")
    whole_tables: list[str] = []
    chunk_sizes: list[int] = []
    real_case_table, real_dossier_table, real_case_frame = engine.case_table, indicators.dossier_table, engine.case_frame

    def case_table(*args: object, **kwargs: object) -> pd.DataFrame:
        whole_tables.append("cases")
        return real_case_table(*args, **kwargs)  # type: ignore[arg-type]

    def dossier_table(*args: object, **kwargs: object) -> pd.DataFrame:
        whole_tables.append("dossiers")
        return real_dossier_table(*args, **kwargs)  # type: ignore[arg-type]

    def case_frame(*args: object, **kwargs: object) -> pd.DataFrame:
        out = real_case_frame(*args, **kwargs)  # type: ignore[arg-type]
        chunk_sizes.append(len(out))
        return out

    monkeypatch.setattr(engine, "case_table", case_table)
    monkeypatch.setattr(indicators, "dossier_table", dossier_table)
    monkeypatch.setattr(engine, "case_frame", case_frame)
    monkeypatch.setattr(case_chunks, "CHUNK_EVENTS", 300)  # a few chunks, the largest service cut in ranges
    _refuse_reading_events(monkeypatch)
    log = procsimp.read_log(path, storage="parquet")
    got, got_by = procsimp.profile(log), procsimp.profile(log, by="unit,month")
    n = memory.n_cases
    assert whole_tables == [] and len(chunk_sizes) >= 2 * 4 and sum(chunk_sizes) == 2 * n
    assert max(chunk_sizes) < max(expected.services["cases"])  # a service in several chunks
    pd.testing.assert_frame_equal(got.table, expected.table)
    pd.testing.assert_frame_equal(got_by.table, expected_by.table)
    assert len(got.cases) == n and whole_tables == ["cases", "dossiers"]
    key = ["service", "case"]
    for name in ("cases", "dossiers"):
        left = getattr(got, name).sort_values(key).reset_index(drop=True)
        right = getattr(expected, name).sort_values(key).reset_index(drop=True)
        pd.testing.assert_frame_equal(left.astype(object), right.astype(object), obj=name)


def test_the_engine_out_of_memory_is_one_error_line(tmp_path: Path) -> None:
    """DuckDB running out of memory for a plan raises a ProcsimpError (one ``Error:`` line at the
    command line, not a traceback) that names the table and how to give DuckDB more memory."""
    from procsimp.engine.backend import DuckDBBackend, use_backend
    from procsimp.errors import EngineResourceError

    log = procsimp.read_log(EVENT_LOGS / "dossiers_vi.csv")
    with use_backend(DuckDBBackend(memory_limit="1MB", threads=1)):
        with pytest.raises(EngineResourceError, match=r"ran out of resources while computing the '\w+' table .*"
                                                      r"PROCSIMP_MEMORY_LIMIT=4GB"):
            procsimp.profile(log)


def test_duckdb_keeps_to_a_budget_out_of_core(parquet_logs: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Once a log is left on its files, procsimp's DuckDB database is held to a budget (512 MiB, or a
    quarter of the memory available when that is less; PROCSIMP_MEMORY_LIMIT when set), not to
    DuckDB's default of 80% of the machine's memory."""
    monkeypatch.delenv("PROCSIMP_MEMORY_LIMIT", raising=False)
    monkeypatch.setattr(parquet_source, "available_memory", lambda: 64 << 30)
    assert parquet_source.out_of_core_limit() == "1024MiB"
    monkeypatch.setattr(parquet_source, "available_memory", lambda: 2 << 30)
    assert parquet_source.out_of_core_limit() == "512MiB"
    monkeypatch.setattr(parquet_source, "available_memory", lambda: 1 << 20)
    assert parquet_source.out_of_core_limit() == "256MiB"
    monkeypatch.setenv("PROCSIMP_MEMORY_LIMIT", "3GB")
    assert parquet_source.out_of_core_limit() == "3GB" and parquet_source.out_of_core_budget() == 3 * 10**9
    monkeypatch.setenv("PROCSIMP_MEMORY_LIMIT", "1.5GiB")
    assert parquet_source.out_of_core_budget() == 3 << 29
    monkeypatch.setattr(parquet_source, "_LIMITED", None)
    monkeypatch.setattr(parquet_source, "available_memory", lambda: 64 << 30)
    monkeypatch.delenv("PROCSIMP_MEMORY_LIMIT")
    db = parquet_source.shared_database()

    def limit() -> str:
        return str(db.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])

    before = limit()
    try:
        db.execute("SET memory_limit = '5GB'")
        parquet_source.limit_memory(db, share=0.25)  # no log left on its files read yet: DuckDB's own
        assert limit() == "4.6 GiB"
        log = procsimp.read_log(parquet_logs["vi"], storage="parquet")
        assert log.n_events and limit() == "1.0 GiB"
        # taken in turns: a quarter while Python holds a service's events, all of it for the engine
        sub = log.for_service(log.services[0])
        assert len(sub.df) and limit() == "256.0 MiB"
        procsimp.engine.detector_tables(sub)
        assert limit() == "1.0 GiB"
        # the replay's plan has all of it; its per-event results then leave Python a turn
        from procsimp.engine.replay import timeline

        assert len(timeline(log, service=log.services[0]).row) and limit() == "256.0 MiB"
        procsimp.engine.detector_tables(log)
        assert limit() == "1.0 GiB"
        other = new_database(memory_limit="300MB")  # a database with its own limit keeps it
        parquet_source.limit_memory(other)
        assert str(other.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]).startswith("286")
    finally:
        db.execute("SET memory_limit = ?", [before])


def test_engine_tables_match(parquet_logs: dict[str, Path]) -> None:
    memory, ooc = _both(parquet_logs["vi"])
    for table in ("dfg", "activity_table", "variants", "start_end", "case_table", "case_marks"):
        left = getattr(procsimp.engine, table)(memory)
        right = getattr(procsimp.engine, table)(ooc)
        pd.testing.assert_frame_equal(left, right, check_exact=False, rtol=1e-12, obj=table)
    assert not ooc.materialised


# ---------------------------------------------------------------------------- the commands
@pytest.fixture
def no_materialising(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any read of an out-of-core log's events fail, so that a command that needs them fails."""
    def refuse(self: ParquetSource) -> pd.DataFrame:
        raise AssertionError(f"the events of {self.source} were read into memory")

    monkeypatch.setattr(ParquetSource, "frame", refuse)


def _close(a: object, b: object, where: str = "") -> None:
    """JSON-like values equal, floats to 1e-12 (DuckDB sums in another order on another layout)."""
    if isinstance(a, float) and isinstance(b, float):
        assert (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12), where
    elif isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            _close(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{where}[{i}]")
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def _drop_storage(text: str) -> str:
    """stderr without the Storage line (the data-quality warnings are the same both ways)."""
    return "\n".join(line for line in text.splitlines() if not line.startswith("Storage: "))


@pytest.mark.parametrize("args", [[], ["--by", "unit,month", "--format", "json"], ["--format", "csv"]])
def test_profile_is_the_same_without_the_events_in_memory(parquet_logs: dict[str, Path], no_materialising: None,
                                                          args: list[str]) -> None:
    path = parquet_logs["plain"]
    code, on_files, err = invoke("profile", path, "--storage", "parquet", *args)
    assert code == 0, err
    assert "read by DuckDB out of core (as asked)" in err
    code, in_memory, err_memory = invoke("profile", path, "--storage", "memory", *args)
    assert code == 0, err_memory
    assert on_files == in_memory
    assert _drop_storage(err) == _drop_storage(err_memory)


def test_mine_is_the_same_without_the_events_in_memory(parquet_logs: dict[str, Path], no_materialising: None,
                                                       tmp_path: Path) -> None:
    path = parquet_logs["vi"]
    code, out, err = invoke("mine", path, "--storage", "parquet", "--out", tmp_path / "files",
                            "--format", "svg,dot,bpmn")
    assert code == 0, err
    code, out_memory, err_memory = invoke("mine", path, "--storage", "memory", "--out", tmp_path / "memory",
                                          "--format", "svg,dot,bpmn")
    assert code == 0, err_memory
    assert out.replace(str(tmp_path / "files"), "OUT") == out_memory.replace(str(tmp_path / "memory"), "OUT")
    files = sorted(p.relative_to(tmp_path / "files") for p in (tmp_path / "files").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "memory") for p in (tmp_path / "memory").rglob("*") if p.is_file())
    assert len(files) > 8
    for rel in files:
        left, right = tmp_path / "files" / rel, tmp_path / "memory" / rel
        if rel.suffix == ".csv":
            pd.testing.assert_frame_equal(pd.read_csv(left), pd.read_csv(right), check_exact=False, rtol=1e-12)
        elif rel.suffix == ".json":
            _close(json.loads(left.read_text()), json.loads(right.read_text()), str(rel))
        else:
            assert left.read_bytes() == right.read_bytes(), rel


def test_flag_gives_the_same_flags(parquet_logs: dict[str, Path]) -> None:
    path = parquet_logs["en"]
    code, on_files, err = invoke("flag", path, "--storage", "parquet", "--format", "json")
    assert code == 0, err
    code, in_memory, err = invoke("flag", path, "--storage", "memory", "--format", "json")
    assert code == 0, err
    _close(json.loads(on_files), json.loads(in_memory))
    assert json.loads(on_files)


def test_flag_reads_no_event_into_pandas(parquet_logs: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """The detectors' tables and the replay of each flag's edit (its saving) are engine plans:
    the log stays on its files, and no service's events are read into pandas."""
    in_memory = procsimp.flag_steps(procsimp.read_log(parquet_logs["en"], storage="memory"))
    read: list[str] = []

    def frame(self: ParquetSource) -> pd.DataFrame:
        read.append(self.source)
        raise AssertionError(f"the events of {self.source} were read into pandas")

    monkeypatch.setattr(ParquetSource, "frame", frame)
    log = procsimp.read_log(parquet_logs["en"], storage="parquet")
    flags = procsimp.flag_steps(log)
    assert flags and not read and not log.materialised
    assert len({f.service for f in flags}) >= 2  # several services replayed
    assert not any(log.for_service(s).materialised for s in log.services)
    assert [f.to_dict() for f in flags] == [f.to_dict() for f in in_memory]
    one = procsimp.flag_steps(log, service=flags[0].service)  # a sub-log on the same files
    assert one and not read
    assert [f.to_dict() for f in one] == [f.to_dict() for f in in_memory if f.service == flags[0].service]


def _refuse_reading_events(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any read of a log's events from its files into pandas fail: the whole frame, one
    service's decoded events, or the dataset read row by row."""
    def refuse(*args: object, **kwargs: object) -> pd.DataFrame:
        raise AssertionError("the events of a log left on its files were read into pandas")

    monkeypatch.setattr(ParquetSource, "frame", refuse)
    monkeypatch.setattr(ParquetSource, "coded_frame", refuse)
    monkeypatch.setattr(parquet_source, "read_dataset_frame", refuse)


def _same_folder(left: Path, right: Path) -> list[Path]:
    """Two output folders hold the same files with the same content (a PDF after its dates)."""
    import re

    files = sorted(p.relative_to(left) for p in left.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(right) for p in right.rglob("*") if p.is_file())
    date = re.compile(rb"/(Creation|Mod)Date \(D:\d+Z?\)")
    for rel in files:
        a, b = (left / rel).read_bytes(), (right / rel).read_bytes()
        if rel.suffix == ".pdf":
            a, b = date.sub(b"", a), date.sub(b"", b)
        assert a.replace(str(left).encode(), b"OUT") == b.replace(str(right).encode(), b"OUT"), rel
    return files


def test_propose_reads_no_event_into_pandas(parquet_logs: dict[str, Path], monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    """propose (with the simulation, the to-be procedure and the diagrams) and report on a log left
    on its Parquet files: the as-is replay, the to-be log, the simulation's officers and units,
    the share of tied times and the report's example dossiers come from the engine as codes and
    times; no event is read from the files into pandas, and every output is the in-memory one."""
    from procsimp.propose import propose_all
    from procsimp.propose.procedure_table import to_be_procedure

    path = parquet_logs["en"]
    service = "Register a birth"
    options = ("--service", service, "--simulate", "--replications", "2")
    code, _, err = invoke("propose", path, "--storage", "memory", *options, "--out", tmp_path / "p_memory")
    assert code == 0, err
    code, _, err = invoke("report", path, "--storage", "memory", "--service", service, "--include-case-ids",
                          "--out", tmp_path / "r_memory")
    assert code == 0, err
    expected = propose_all(procsimp.read_log(path, storage="memory"), simulate=True, replications=2)

    _refuse_reading_events(monkeypatch)
    log = procsimp.read_log(path, storage="parquet")
    got = propose_all(log, simulate=True, replications=2)
    assert not log.materialised and not any(log.for_service(s).materialised for s in log.services)
    assert len(got) == len(expected) == len(log.services) >= 2
    assert any(p.edits for p in got) and all(p.simulated is not None for p in got)
    for p, q in zip(got, expected, strict=True):
        _close(p.kpis_json(), q.kpis_json(), p.service)
        assert to_be_procedure(p) == to_be_procedure(q)
        assert p.diagram().source == q.diagram().source
        columns = [c for c in q.to_be.df.columns if c in p.to_be.df.columns]
        assert len(columns) >= 8  # every role of the log
        pd.testing.assert_frame_equal(p.to_be.df[columns].astype(object), q.to_be.df[columns].astype(object))
    code, _, err = invoke("propose", path, "--storage", "parquet", *options, "--out", tmp_path / "p_files")
    assert code == 0, err
    assert "read by DuckDB out of core (as asked)" in err
    assert len(_same_folder(tmp_path / "p_files", tmp_path / "p_memory")) > 10
    code, _, err = invoke("report", path, "--storage", "parquet", "--service", service, "--include-case-ids",
                          "--out", tmp_path / "r_files")
    assert code == 0, err
    assert len(_same_folder(tmp_path / "r_files", tmp_path / "r_memory")) > 10


# ---------------------------------------------------------------------------- the choice
def test_the_choice_is_automatic_and_can_be_forced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parquet_source, "available_memory", lambda: 16_000_000_000)  # 16 GB free
    assert choose_storage(10_000, "auto") == (
        "memory", "10,000 events take about 0.0 GB in memory, at most a quarter of the 16.0 GB available")
    assert choose_storage(10_000_000, "auto")[0] == "memory"  # 3.7 GB: it fits, and memory is faster
    assert choose_storage(20_000_000, "auto") == (
        "parquet", "20,000,000 events would take about 7.4 GB in memory, more than a quarter of the 16.0 GB available")
    assert choose_storage(50_000_000, "memory") == ("memory", "as asked")
    assert choose_storage(10, "parquet") == ("parquet", "as asked")
    monkeypatch.setattr(parquet_source, "available_memory", lambda: 4_000_000)  # 4 MB free
    storage, why = choose_storage(100_000, "auto")
    assert storage == "parquet" and "more than a quarter" in why


def test_the_setting_and_the_cli_option_force_it(parquet_logs: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    path = parquet_logs["en"]
    assert procsimp.read_log(path).storage == "memory"  # a small log: in memory
    with procsimp.config_context(storage="parquet"):
        assert procsimp.read_log(path).out_of_core
    with pytest.raises(ParameterError, match="storage must be one of auto, memory, parquet"):
        procsimp.config_context(storage="disk").__enter__()
    with pytest.raises(ParameterError, match=r"read_log\(storage=...\) must be one of"):
        procsimp.read_log(path, storage="disk")
    monkeypatch.setattr(parquet_source, "available_memory", lambda: 4_000_000)  # 4 MB free
    log = procsimp.read_log(path)
    reason = "10,349 events would take about 0.0 GB in memory, more than a quarter of the 0.0 GB available"
    assert log.out_of_core and log.parquet.reason == reason
    code, _, err = invoke("profile", path)
    assert code == 0
    assert f"Storage: 10,349 events left on its Parquet file, read by DuckDB out of core ({reason})" in err
    code, _, err = invoke("-q", "profile", path)
    assert code == 0 and "Storage:" not in err
    code, _, err = invoke("profile", path, "--storage", "memory")
    assert code == 0 and "Storage: 10,349 events in memory (as asked)" in err.splitlines()
    code, _, err = invoke("profile", EVENT_LOGS / "dossiers_en.csv")
    assert code == 0 and "Storage:" not in err  # no choice to show for a CSV file
    code, out, _ = invoke("validate", path)
    assert code == 0 and "Storage:    10,349 events left on its Parquet file" in out and "Activities: 37" in out


def test_a_log_that_cannot_stay_on_its_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Times stored as text must be parsed in memory: forced, a clear error; automatic, read into
    memory with a note that says why."""
    frame = pd.DataFrame({"case": ["a", "a", "b"], "activity": ["x", "y", "x"],
                          "timestamp": ["01/02/2025 08:00", "01/02/2025 09:00", "02/02/2025 10:00"]})
    path = tmp_path / "text_times.parquet"
    frame.to_parquet(path)
    with pytest.raises(LogReadError, match=r"cannot stay on its Parquet files: column 'timestamp' \(timestamp\) holds "
                                           r"VARCHAR values, not Parquet timestamps; convert it once"):
        procsimp.read_log(path, storage="parquet")
    code, _, err = invoke("validate", path, "--storage", "parquet")
    assert code == 1 and err.startswith("Error: ") and len(err.strip().splitlines()) == 1
    monkeypatch.setattr(parquet_source, "available_memory", lambda: 1000)
    log = procsimp.read_log(path)
    assert log.storage == "memory" and log.n_events == 3
    assert any("read into memory although large" in w and "VARCHAR" in w for w in log.warnings)


def test_bad_datasets_give_clear_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("not a log")
    with pytest.raises(LogReadError, match="is a folder, not a log file"):
        procsimp.read_log(empty)
    start = pd.Timestamp("2025-03-03 08:00", tz="Asia/Ho_Chi_Minh")
    frame = pd.DataFrame({
        "case:concept:name": ["a", "a", "b"], "concept:name": ["x", "y", "x"],
        "time:timestamp": [start, start + pd.Timedelta(hours=1), start],
        "case:service": ["S1", "S2", "S1"],
    })
    path = tmp_path / "two_services.parquet"
    frame.to_parquet(path)
    with pytest.raises(LogValidationError, match=r"a dossier has more than one service .* case 'a': 'S1', 'S2'"):
        procsimp.read_log(path, storage="parquet")
    broken = tmp_path / "folder"
    broken.mkdir()
    (broken / "part-0.parquet").write_bytes(b"PAR1 not really")
    code, _, err = invoke("validate", broken, "--storage", "parquet")
    assert code == 1 and err.startswith("Error: ") and "folder" in err and len(err.strip().splitlines()) == 1


def test_a_memory_limit_and_a_private_temporary_folder(parquet_logs: dict[str, Path]) -> None:
    """DuckDB under a small memory limit, one thread, builds the same table; its temporary files
    (when it spills) go to a private folder of the system's temporary directory, not to the
    working directory."""
    memory, ooc = _both(parquet_logs["vi"])
    small = new_database(threads=1, memory_limit="200MB")
    _assert_same_events(memory, ooc, default_calendar(), small)
    folder = small.execute("SELECT current_setting('temp_directory')").fetchall()[0][0]
    assert Path(folder).name.startswith("procsimp-duckdb-") and Path(folder).parent != Path.cwd()
