"""``mine_all`` over several services gives the same maps and models as one ``mine`` per service:
a log on its files is encoded once (its tables are per service), a log in memory one service at a
time, keeping none; the variant table alone comes from a lean per-case table, equal to the one the
case table gives."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import procsimp
from procsimp import engine
from procsimp.errors import ParameterError
from procsimp.mine import mine, mine_all
from procsimp.mine.discovery import discover_model
from tests.conftest import EVENT_LOGS, invoke


def _same_attrs(a: dict, b: dict, where: object) -> None:
    assert a.keys() == b.keys(), where
    for key, value in a.items():
        if isinstance(value, float):
            assert value == pytest.approx(b[key], rel=1e-12, nan_ok=True), (where, key)
        else:
            assert value == b[key], (where, key)


def _same_map(a: procsimp.ProcessMap, b: procsimp.ProcessMap) -> None:
    assert a.service == b.service
    for name in ("dfg", "activities", "variants", "start_end"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=False, rtol=1e-12, obj=name)
    assert (a.n_cases, a.n_events) == (b.n_cases, b.n_events)
    assert dict(a.filters) == dict(b.filters)
    assert list(a.graph.nodes) == list(b.graph.nodes)
    for node, data in a.graph.nodes(data=True):
        _same_attrs(data, b.graph.nodes[node], node)
    edges_a = {(s, t): d for s, t, d in a.graph.edges(data=True)}
    edges_b = {(s, t): d for s, t, d in b.graph.edges(data=True)}
    assert edges_a.keys() == edges_b.keys()
    for pair, data in edges_a.items():
        _same_attrs(data, edges_b[pair], pair)


def _count_encodings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The events of each log the engine encodes from now on (one entry per encoding)."""
    import procsimp.engine as engine_module

    prepared: list[int] = []
    real = engine_module._prepare

    def counting(log_: object, *args: object) -> object:
        prepared.append(getattr(log_, "n_events", -1))
        return real(log_, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(engine_module, "_prepare", counting)
    return prepared


@pytest.fixture(scope="module")
def parquet_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("together") / "vi.parquet"
    code, _, err = invoke("convert", EVENT_LOGS / "dossiers_vi.csv", "--out", path)
    assert code == 0, err
    return path


@pytest.mark.parametrize("storage", ["memory", "parquet"])
def test_mine_all_equals_one_mine_per_service(storage: str, parquet_log: Path) -> None:
    log = procsimp.read_log(parquet_log, storage=storage)
    assert len(log.services) > 1
    options = {"activities": 0.9, "paths": 0.8}
    together = mine_all(log, **options)
    alone = [mine(procsimp.read_log(parquet_log, storage=storage), name, **options) for name in log.services]
    assert [m.service for m in together] == list(log.services)
    for a, b in zip(together, alone, strict=True):
        _same_map(a, b)
        assert a.log is not None and a.log.n_events == a.n_events  # the service's own events
        model_a, model_b = a.model(), b.model()
        assert (model_a.tasks, model_a.gateways, model_a.fitness, model_a.precision) == (
            model_b.tasks, model_b.gateways, model_b.fitness, model_b.precision)


def test_mine_all_runs_the_engine_once(parquet_log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = procsimp.read_log(parquet_log, storage="parquet")
    prepared = _count_encodings(monkeypatch)
    maps = mine_all(log)
    assert len(maps) == len(log.services) > 1
    assert prepared == [log.n_events]  # one events table: the whole log's
    for pmap in maps:  # the model is measured on the map's variants: no other pass
        pmap.model()
    assert prepared == [log.n_events]


def test_mine_all_of_some_services_encodes_only_theirs(parquet_log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = procsimp.read_log(parquet_log, storage="parquet")
    names = list(log.services[:2])
    prepared = _count_encodings(monkeypatch)
    maps = mine_all(log, services=names)
    assert prepared == [sum(m.n_events for m in maps)] and prepared[0] < log.n_events
    for pmap in maps:
        _same_map(pmap, mine(procsimp.read_log(parquet_log, storage="parquet"), pmap.service))


def test_mine_all_with_a_variant_filter_still_mines_each_service() -> None:
    log = procsimp.read_log(EVENT_LOGS / "dossiers_en.csv")
    maps = mine_all(log, top_variants=2)
    for pmap in maps:
        assert pmap.filters["top_variants"] == 2
        assert len(pmap.variants) <= 2
        assert pmap.filters["cases_total"] >= pmap.n_cases
        _same_map(pmap, mine(log, pmap.service, top_variants=2))


def test_mine_all_names_a_missing_service() -> None:
    log = procsimp.read_log(EVENT_LOGS / "dossiers_en.csv")
    with pytest.raises(ParameterError, match="service 'Nope' is not in the log"):
        mine_all(log, services=[log.services[0], "Nope"])


def test_model_of_a_map_equals_the_model_measured_on_its_log() -> None:
    log = procsimp.read_log(EVENT_LOGS / "dossiers_vi.csv")
    name = log.services[0]
    pmap = mine(log, name)
    on_log = discover_model(pmap.variants, log=log.for_service(name))
    own = pmap.model()
    assert (own.fitness, own.precision, own.fitting_share, own.left_out) == (
        on_log.fitness, on_log.precision, on_log.fitting_share, on_log.left_out)


def test_variants_alone_read_the_lean_case_table() -> None:
    from procsimp.engine.spark import to_spark_sql
    from procsimp.engine.sql import plan_for

    alone = plan_for(("variants",), minutes_per_day=450.0)
    assert list(alone) == ["_variant_cases", "variants"]
    assert "_variant_cases" in alone["variants"]
    shared = plan_for(("variants", "cases"), minutes_per_day=450.0)
    assert "_variant_cases" not in shared and "FROM _cases" in shared["variants"]
    out = to_spark_sql(alone["_variant_cases"])  # Spark runs the same plan
    assert "COLLECT_LIST(act)" not in out

    lean = procsimp.read_log(EVENT_LOGS / "dossiers_vi.csv")
    full = procsimp.read_log(EVENT_LOGS / "dossiers_vi.csv")
    a = engine.variants(lean)
    b = engine.aggregates(full, tables=("variants", "cases")).variants
    pd.testing.assert_frame_equal(a, b)
    assert len(a) > 10


@pytest.mark.parametrize("storage", ["memory", "parquet"])
def test_the_engine_run_service_by_service_gives_the_same_tables(storage: str, parquet_log: Path) -> None:
    whole = engine.aggregates(procsimp.read_log(parquet_log, storage=storage))
    split = engine.aggregates(procsimp.read_log(parquet_log, storage=storage), by_service=True)
    for name in engine.TABLES:
        a, b = getattr(whole, name), getattr(split, name)
        assert len(a) > 0, name
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12, obj=name)


def test_mine_all_in_memory_encodes_one_service_at_a_time_and_keeps_none(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc
    import weakref

    import procsimp.engine as engine_module
    from procsimp.core.log import EventLog
    from procsimp.mine.render.graphviz import map_dot

    log = procsimp.read_log(EVENT_LOGS / "dossiers_vi.csv")  # in memory
    encoded: list[tuple[list[str], int]] = []  # (the services encoded, earlier sub-logs still alive)
    earlier: list[weakref.ref[object]] = []
    real_prepare = engine_module._prepare

    def watching(log_: EventLog, *args: object) -> object:
        gc.collect()
        encoded.append((log_.services, sum(r() is not None for r in earlier)))
        earlier.append(weakref.ref(log_))
        return real_prepare(log_, *args)  # type: ignore[arg-type]

    kept: list[object] = []
    real_for_service = EventLog.for_service

    def counting(self: EventLog, service: object, *, keep: bool = True) -> EventLog:
        if keep:
            kept.append(service)
        return real_for_service(self, service, keep=keep)  # type: ignore[arg-type]

    monkeypatch.setattr(engine_module, "_prepare", watching)
    monkeypatch.setattr(EventLog, "for_service", counting)
    maps = mine_all(log)
    assert len(maps) == len(log.services) > 1
    # each service's events alone, the one before let go of (not kept with the log)
    assert encoded == [([m.service], 0) for m in maps]
    assert sum(m.n_events for m in maps) == log.n_events
    gc.collect()
    assert all(r() is None for r in earlier) and kept == []
    first = maps[0]
    for view in ("frequency", "performance"):  # drawing reads the log's warnings, copies no events
        assert first.service in map_dot(first, view=view).source
    assert kept == [] and first.origin is log
    sub = first.log  # made now, from the whole log
    assert kept == [first.service]
    assert sub is not None and sub is not log and sub.services == [first.service]
    assert sub.n_events == first.n_events and sub.n_cases == first.n_cases
    assert first.log is sub and first.origin is sub  # made once
    _same_map(first.filter(activities=0.9), mine(log, first.service, activities=0.9))


def test_mine_all_leaves_a_kept_service_log_and_the_engine_s_work_on_it_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    log = procsimp.read_log(EVENT_LOGS / "dossiers_vi.csv")
    name = log.services[0]
    kept = log.for_service(name)
    before = engine.aggregates(kept, tables=("dfg",)).dfg
    prepared = _count_encodings(monkeypatch)
    maps = mine_all(log)
    assert prepared == [m.n_events for m in maps]  # its own copies, one per service
    assert log.for_service(name) is kept
    again = engine.aggregates(kept, tables=("dfg",)).dfg
    assert len(prepared) == len(maps)  # still encoded: not let go of by mine_all
    pd.testing.assert_frame_equal(before, again)


def test_a_map_of_a_day_resolution_log_is_drawn_in_days_without_the_service_s_events(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from procsimp.core.log import EventLog
    from procsimp.mine.render.graphviz import time_scale

    frame = pd.read_csv(EVENT_LOGS / "dossiers_en.csv").drop(columns=["start_time"])
    frame["end_time"] = frame["end_time"].str.slice(0, 10)  # dates only
    path = tmp_path / "days.csv"
    frame.to_csv(path, index=False)
    log = procsimp.read_log(path)
    assert any("look day-resolution" in w for w in log.warnings)
    maps = mine_all(log)
    assert len(maps) > 1

    def refused(self: EventLog, service: object, *, keep: bool = True) -> EventLog:
        raise AssertionError(f"the events of {service!r} were copied")

    monkeypatch.setattr(EventLog, "for_service", refused)
    for pmap in maps:
        assert time_scale(pmap).days  # calendar days: the log records dates only
    monkeypatch.undo()
    assert not time_scale(mine(procsimp.read_log(EVENT_LOGS / "dossiers_en.csv"), maps[0].service)).days


@pytest.mark.parametrize("storage", ["memory", "parquet"])
def test_release_lets_go_of_the_events_table_and_a_later_call_encodes_again(
        storage: str, parquet_log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    log = procsimp.read_log(parquet_log, storage=storage)
    prepared = _count_encodings(monkeypatch)
    before = engine.aggregates(log, tables=("dfg", "activities"))
    table = engine.encoded(log).table
    assert prepared == [log.n_events]
    engine.release(log)
    if storage == "parquet":  # the table in DuckDB is dropped with its last handle
        name, database = table.name, table.database
        del table
        gc.collect()
        con = database.cursor()
        try:
            assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]).fetchall() == [(0,)]
        finally:
            con.close()
    after = engine.aggregates(log, tables=("dfg", "activities"))
    assert prepared == [log.n_events, log.n_events]  # encoded again
    for name in ("dfg", "activities"):
        pd.testing.assert_frame_equal(getattr(before, name), getattr(after, name), obj=name)
    engine.release(procsimp.read_log(EVENT_LOGS / "dossiers_en.csv"))  # nothing kept: nothing to do
