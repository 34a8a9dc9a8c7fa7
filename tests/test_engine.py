"""The aggregate engine: hand-computed values, a pure-Python oracle, pm4py agreement, backends."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from procsimp import engine
from procsimp.core._pm4py import pm4py
from procsimp.core.calendar import WorkCalendar, default_calendar
from procsimp.core.log import EventLog
from procsimp.errors import ParameterError
from procsimp.read import frame_to_log, read_log
from tests.conftest import EVENT_LOGS, real_log_path
from tests.sample_logs import TZ, random_logs, small_log


# ---------------------------------------------------------------------------- hand-computed
def test_dfg_hand_computed() -> None:
    d = engine.dfg(small_log())
    assert list(d.columns) == [
        "service", "source", "target", "count", "cases",
        "wait_hours_mean", "wait_hours_median", "wait_hours_p90",
        "wait_days_mean", "wait_days_median", "wait_days_p90",
    ]
    rows = {(r.service, r.source, r.target): r for r in d.itertuples()}
    assert set(rows) == {("S1", "R", "C"), ("S1", "C", "R"), ("S2", "R", "X")}
    # a: R done 08:00, C starts 08:30 -> 30 min waiting
    rc = rows[("S1", "R", "C")]
    assert rc.count == 1 and rc.cases == 1
    assert rc.wait_hours_mean == pytest.approx(0.5)
    assert rc.wait_days_mean == pytest.approx(0.5 / 24)
    # a: C done Mon 09:00, R starts Tue 09:00: 2.5 h + 3.5 h on Monday, 1.5 h on Tuesday
    cr = rows[("S1", "C", "R")]
    assert cr.wait_hours_mean == pytest.approx(7.5)
    assert cr.wait_days_mean == pytest.approx(1.0)
    # b: R done Mon 08:00, X starts Tue 08:00 -> one working day of 7.5 h
    assert rows[("S2", "R", "X")].wait_hours_p90 == pytest.approx(7.5)


def test_activity_table_hand_computed() -> None:
    t = engine.activity_table(small_log())
    r = t.set_index(["service", "activity"])
    # R in S1: processing 15 min (a), 60 min (a, second R), 60 min (c) -> mean 45 min
    assert r.loc[("S1", "R"), "events"] == 3
    assert r.loc[("S1", "R"), "cases"] == 2
    assert r.loc[("S1", "R"), "proc_hours_mean"] == pytest.approx(0.75)
    assert r.loc[("S1", "R"), "proc_hours_median"] == pytest.approx(1.0)
    assert r.loc[("S1", "R"), "proc_days_mean"] == pytest.approx(0.75 / 24)
    assert r.loc[("S1", "R"), "wait_hours_mean"] == pytest.approx(7.5)  # only the repeat waits
    assert r.loc[("S1", "R"), "resources"] == 2  # u1, u3 (the missing officer is not counted)
    assert r.loc[("S1", "R"), "units"] == 2
    assert r.loc[("S1", "R"), "is_start_share"] == pytest.approx(1.0)
    assert r.loc[("S1", "R"), "is_end_share"] == pytest.approx(1.0)
    assert r.loc[("S1", "C"), "is_start_share"] == 0.0
    # b's R has no start: no processing time; X processes Tue 08:00 -> Wed 08:00 = 7.5 working h
    assert math.isnan(r.loc[("S2", "R"), "proc_hours_mean"])
    assert r.loc[("S2", "X"), "proc_hours_mean"] == pytest.approx(7.5)
    assert r.loc[("S2", "X"), "proc_days_mean"] == pytest.approx(1.0)
    assert r.loc[("S2", "X"), "is_end_share"] == 1.0


def test_case_table_hand_computed() -> None:
    c = engine.case_table(small_log()).set_index("case")
    assert list(c.index) == ["a", "b", "c"]
    a = c.loc["a"]
    assert a["service"] == "S1" and a["channel"] == "online" and a["events"] == 3
    # received Sunday 10:00 (outside office hours) -> the clock starts Monday 07:30
    assert a["received"] == pd.Timestamp("2025-03-02 10:00", tz=TZ)
    assert a["first"] == pd.Timestamp("2025-03-03 07:45", tz=TZ)
    assert a["last"] == pd.Timestamp("2025-03-04 10:00", tz=TZ)
    assert a["lead_days"] == pytest.approx((pd.Timestamp("2025-03-04 10:00") - pd.Timestamp("2025-03-02 10:00")) / pd.Timedelta(days=1))
    assert a["lead_workdays"] == pytest.approx((450 + 150) / 450)
    # hand-offs: u1 -> u2 (officer changes), u2 -> missing officer but unit D1 -> D2
    assert a["handoffs"] == 2
    assert a["units"] == 2 and a["resources"] == 2
    assert bool(a["rework"]) is True  # R twice
    assert a["due_source"] == "log"
    assert a["timeliness"] == "early" and bool(a["on_time"]) is True
    b = c.loc["b"]
    assert b["handoffs"] == 0  # same officer; a missing unit is no change
    assert bool(b["rework"]) is False
    assert b["timeliness"] == "late" and bool(b["on_time"]) is False
    assert b["lead_days"] == pytest.approx(2.0)  # no received: first completion (no start) -> last
    cc = c.loc["c"]
    assert pd.isna(cc["due"]) and cc["due_source"] == "none"
    assert pd.isna(cc["on_time"]) and pd.isna(cc["timeliness"])


def test_variants_and_start_end_hand_computed() -> None:
    log = small_log()
    v = engine.variants(log)
    assert list(v.columns) == ["service", "variant", "cases", "share", "events", "lead_days_mean", "rank"]
    got = {(r.service, r.variant): (r.cases, r.share, r.events, r.rank) for r in v.itertuples()}
    assert got == {
        ("S1", ("R",)): (1, 0.5, 1, 1),
        ("S1", ("R", "C", "R")): (1, 0.5, 3, 2),
        ("S2", ("R", "X")): (1, 1.0, 2, 1),
    }
    se = engine.start_end(log)
    assert sorted(map(tuple, se[["service", "activity", "role", "cases"]].to_numpy().tolist())) == [
        ("S1", "R", "end", 2),
        ("S1", "R", "start", 2),
        ("S2", "R", "start", 1),
        ("S2", "X", "end", 1),
    ]


def test_ties_keep_the_file_order() -> None:
    """Events with the same time follow the file's order, not a re-sort by name."""
    t = pd.Timestamp("2025-03-03 09:00")
    df = pd.DataFrame({"case": ["k", "k", "k"], "act": ["Zeta", "Alpha", "Mid"], "end": [t, t, t]})
    log = frame_to_log(df, case="case", activity="act", timestamp="end")
    d = engine.dfg(log)
    assert set(zip(d.source, d.target, strict=True)) == {("Zeta", "Alpha"), ("Alpha", "Mid")}
    assert engine.variants(log)["variant"].iloc[0] == ("Zeta", "Alpha", "Mid")


def test_no_service_column_is_one_default_service() -> None:
    df = pd.DataFrame(
        {"case": ["1", "1", "2"], "act": ["a", "b", "a"], "end": pd.date_range("2025-03-03 08:00", periods=3, freq="h")}
    )
    log = frame_to_log(df, case="case", activity="act", timestamp="end")
    for table in (engine.dfg(log), engine.activity_table(log), engine.variants(log), engine.start_end(log), engine.case_table(log)):
        assert set(table["service"]) == {engine.DEFAULT_SERVICE}


def test_catalog_statutory_days_give_the_due_date() -> None:
    """Without case:due, the due date is receipt + the catalog's statutory working days."""

    class Entry:
        statutory_days = 2.0

    class Catalog:
        def get(self, key: str) -> Entry | None:
            return Entry() if key == "S1" else None

    log = small_log()
    df = log.df.drop(columns=["case:due"])
    log = log.replace(df=df)
    c = engine.case_table(log, catalog=Catalog()).set_index("case")
    # a: received Sunday -> the clock starts Monday 07:30; + 2 working days = Wednesday 07:30,
    # which the calendar writes as the end of Tuesday's last working period
    assert c.loc["a", "due"] == pd.Timestamp("2025-03-04 17:00", tz=TZ)
    assert c.loc["a", "due_source"] == "catalog"
    assert c.loc["a", "timeliness"] == "on_time"
    assert c.loc["c", "due_source"] == "catalog"
    assert c.loc["c", "due"] == default_calendar().add_workdays(pd.DatetimeIndex([c.loc["c", "first"]]), 2)[0]
    assert pd.isna(c.loc["b", "due"]) and c.loc["b", "due_source"] == "none"  # S2 not in catalog


def test_custom_calendar_changes_working_hours_only() -> None:
    log = small_log()
    cal = WorkCalendar(hours=(("08:00", "16:00"),), country=None)
    d = engine.dfg(log, calendar=cal).set_index(["source", "target"])
    # C done Mon 09:00, R starts Tue 09:00: 7 h on Monday + 1 h on Tuesday
    assert d.loc[("C", "R"), "wait_hours_mean"] == pytest.approx(8.0)
    assert d.loc[("C", "R"), "wait_days_mean"] == pytest.approx(1.0)
    assert engine.dfg(log).set_index(["source", "target"]).loc[("C", "R"), "wait_hours_mean"] == pytest.approx(7.5)


def test_inputs_are_not_mutated_and_results_are_fresh_copies() -> None:
    log = small_log()
    before = log.df.copy()
    first = engine.dfg(log)
    first.loc[0, "count"] = 999
    first["cases"] = -1
    again = engine.dfg(log)
    assert 999 not in again["count"].tolist() and (again["cases"] > 0).all()
    engine.case_table(log)
    pd.testing.assert_frame_equal(log.df, before)


def test_bad_arguments_teach() -> None:
    with pytest.raises(ParameterError, match=r"expected an EventLog, got DataFrame; read one with procsimp.read_log"):
        engine.dfg(pd.DataFrame())  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match=r"calendar must be a procsimp.core.calendar.WorkCalendar or None"):
        engine.dfg(small_log(), calendar="VN")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match=r"unknown engine table\(s\) 'edges'; choose from: dfg, activities"):
        engine.aggregates(small_log(), tables=["edges"])
    with pytest.raises(ParameterError, match=r"top_variants must be a whole number >= 1, got 0"):
        engine.filter_variants(small_log(), top=0)
    with pytest.raises(ParameterError, match=r"min_case_share must be a share between 0 and 1 \(0.01 for 1%\), got 5"):
        engine.filter_variants(small_log(), min_share=5)


def test_filter_variants_keeps_whole_cases_of_the_top_variants() -> None:
    log = small_log()
    top = engine.filter_variants(log, top=1)
    assert sorted(top.df["case:concept:name"].astype(str).unique()) == ["b", "c"]
    share = engine.filter_variants(log, min_share=0.75)  # only S2's single variant has 100%
    assert sorted(share.df["case:concept:name"].astype(str).unique()) == ["b"]
    assert engine.filter_variants(log) is log


# ---------------------------------------------------------------------------- backend seam
class CountingBackend:
    """A backend that delegates to DuckDB and records the plans it ran."""

    name = "counting"

    def __init__(self) -> None:
        self.plans: list[list[str]] = []
        self.inner = engine.DuckDBBackend(threads=1)

    def run(self, plan, tables):  # type: ignore[no-untyped-def]
        self.plans.append(list(plan))
        return self.inner.run(plan, tables)


def test_backend_seam_runs_the_same_plan() -> None:
    log = small_log()
    expected = engine.dfg(log)
    backend = CountingBackend()
    other = small_log()  # a new log object: nothing cached
    with engine.use_backend(backend):
        got = engine.dfg(other)
        engine.aggregates(other, tables=("activities", "variants", "cases"))
    assert backend.plans == [["_steps", "dfg"], ["_steps", "_cases", "activities", "variants", "cases"]]
    pd.testing.assert_frame_equal(got, expected)
    assert engine.get_backend().name == "duckdb"
    with pytest.raises(ParameterError, match=r"set_backend\(\) needs an object with a `name` and a `run\(plan, tables\)` method"):
        engine.set_backend(object())  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match=r"DuckDBBackend\(threads=...\) must be a positive integer, got 0"):
        engine.DuckDBBackend(threads=0)


def test_backend_database_is_public() -> None:
    """``DuckDBBackend.database``: without settings of its own, the database where Parquet logs
    are read (so their tables are read where they are); with a thread limit, a database of its own
    that has it; made once."""
    from procsimp.read.parquet_source import shared_database

    shared = engine.DuckDBBackend()
    assert shared.database is shared_database() and shared.database is shared.database
    own = engine.DuckDBBackend(threads=1)
    assert own.database is not shared_database() and own.database is own.database
    assert own.database.execute("SELECT current_setting('threads')").fetchone() == (1,)


# ---------------------------------------------------------------------------- properties
def _oracle(log: EventLog) -> dict[str, object]:
    """Directly-follows counts, hand-offs and rework computed case by case in plain Python."""
    df = log.df
    svc = df["case:service"].astype(object) if "case:service" in df else pd.Series([engine.DEFAULT_SERVICE] * len(df))
    edges: Counter[tuple[str, str, str]] = Counter()
    edge_cases: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    handoffs: dict[str, int] = {}
    rework: dict[str, bool] = {}
    for case, idx in df.groupby("case:concept:name", observed=True, sort=False).groups.items():
        idx = sorted(idx)
        acts = [str(df.at[i, "concept:name"]) for i in idx]
        s = str(svc.iloc[idx[0]])
        for a, b in zip(acts, acts[1:], strict=False):
            edges[(s, a, b)] += 1
            edge_cases[(s, a, b)].add(str(case))
        h = 0
        last: dict[str, object] = {}
        for i in idx:
            changed = False
            for col in ("org:resource", "org:group"):
                v = df.at[i, col]
                if pd.isna(v):
                    continue
                if col in last and last[col] != v:
                    changed = True
                last[col] = v
            h += changed
        handoffs[str(case)] = h
        rework[str(case)] = len(set(acts)) < len(acts)
    return {"edges": edges, "edge_cases": edge_cases, "handoffs": handoffs, "rework": rework}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_logs())
def test_engine_matches_a_plain_python_oracle(log: EventLog) -> None:
    oracle = _oracle(log)
    d = engine.dfg(log)
    got = {(r.service, r.source, r.target): r.count for r in d.itertuples()}
    assert got == dict(oracle["edges"])  # type: ignore[arg-type]
    got_cases = {(r.service, r.source, r.target): r.cases for r in d.itertuples()}
    assert got_cases == {k: len(v) for k, v in oracle["edge_cases"].items()}  # type: ignore[union-attr]
    c = engine.case_table(log)
    assert dict(zip(c["case"], c["handoffs"], strict=True)) == oracle["handoffs"]
    assert dict(zip(c["case"], c["rework"], strict=True)) == oracle["rework"]
    assert (d["wait_hours_mean"].dropna() >= 0).all() and (d["wait_days_mean"].dropna() >= 0).all()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_logs())
def test_counts_add_up(log: EventLog) -> None:
    check_invariants(log)


def check_invariants(log: EventLog) -> None:
    """DFG edges sum to events − cases and start/end to cases, per service; variants cover all."""
    agg = engine.aggregates(log)
    cases = agg.cases
    per = cases.groupby("service")[["events"]].agg(["sum", "count"])
    per.columns = ["events", "cases"]
    edges = agg.dfg.groupby("service")["count"].sum()
    for service, row in per.iterrows():
        assert int(edges.get(service, 0)) == row["events"] - row["cases"], service
        for role in ("start", "end"):
            se = agg.start_end
            assert se[(se.service == service) & (se.role == role)]["cases"].sum() == row["cases"]
        v = agg.variants[agg.variants.service == service]
        assert v["cases"].sum() == row["cases"] and v["events"].sum() == row["events"]
        assert v["share"].sum() == pytest.approx(1.0)
        a = agg.activities[agg.activities.service == service]
        assert a["events"].sum() == row["events"]
        assert a["is_start_share"].sum() == pytest.approx(1.0)
        assert a["is_end_share"].sum() == pytest.approx(1.0)
    assert int(per["events"].sum()) == log.n_events and int(per["cases"].sum()) == log.n_cases


def _pm4py_agrees(log: EventLog) -> None:
    """Frequency and performance DFG, start/end activities and variants equal pm4py's."""
    pm = pm4py()
    frame = log.to_pm4py()
    for service in log.services or [None]:
        part = frame if service is None else frame[frame["case:service"] == service]
        name = service or engine.DEFAULT_SERVICE
        d = engine.dfg(log)
        d = d[d.service == name]
        graph, starts, ends = pm.discover_dfg(part)
        assert {(r.source, r.target): r.count for r in d.itertuples()} == dict(graph)
        perf, _, _ = pm.discover_performance_dfg(part)
        assert set(perf) == set(graph)
        for r in d.itertuples():
            # without start times, waiting is completion -> completion, as pm4py measures it
            assert r.wait_days_mean * 86400 == pytest.approx(perf[(r.source, r.target)]["mean"], abs=1e-6)
            assert r.wait_days_median * 86400 == pytest.approx(perf[(r.source, r.target)]["median"], abs=1e-6)
        se = engine.start_end(log)
        se = se[se.service == name]
        assert {r.activity: r.cases for r in se.itertuples() if r.role == "start"} == dict(starts)
        assert {r.activity: r.cases for r in se.itertuples() if r.role == "end"} == dict(ends)
        v = engine.variants(log)
        v = v[v.service == name]
        assert dict(zip(v["variant"], v["cases"], strict=True)) == {
            tuple(k): int(n) for k, n in pm.get_variants(part).items()
        }


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_logs(with_start=False))
def test_dfg_and_performance_dfg_match_pm4py_on_random_logs(log: EventLog) -> None:
    _pm4py_agrees(log)


@pytest.mark.real_logs
@pytest.mark.parametrize(
    "name",
    ["BPIC15_1.xes.gz", "Receipt_phase_of_an_environmental_permit_application_process_WABO_CoSeLoG_project.xes.gz"],
)
def test_real_logs_match_pm4py(name: str) -> None:
    log = read_log(real_log_path(name))
    if log.has("start"):  # pm4py measures completion -> completion: compare without starts
        log = log.replace(df=log.df.drop(columns=["start_timestamp"]))
    check_invariants(log)
    _pm4py_agrees(log)


def _bundled_logs() -> list[Path]:
    return sorted(p for p in EVENT_LOGS.glob("*") if p.suffix in (".csv", ".parquet", ".xes", ".gz") and "to_be" not in p.name)


def test_bundled_services_hold_the_invariants() -> None:
    paths = _bundled_logs()
    if not paths:
        pytest.skip(f"no bundled logs in {EVENT_LOGS} yet (procsimp generate writes them)")
    for path in paths:
        log = read_log(path)
        assert log.services, f"{path.name} has no service column"
        check_invariants(log)


def test_large_log_is_linear_work_not_python_loops() -> None:
    """100k events in one pass: every event is accounted for (engine runs in SQL)."""
    rng = np.random.default_rng(7)
    lens = rng.integers(3, 12, 12_000)
    n = int(lens.sum())
    case = np.repeat(np.arange(len(lens)), lens)
    times = pd.Timestamp("2025-01-01", tz=TZ) + pd.to_timedelta(np.arange(n) * 600, unit="s")
    df = pd.DataFrame(
        {
            "case:concept:name": pd.Categorical.from_codes(case, [f"c{i}" for i in range(len(lens))]),
            "concept:name": pd.Categorical.from_codes(rng.integers(0, 25, n), [f"step {i}" for i in range(25)]),
            "time:timestamp": times,
        }
    )
    log = frame_to_log(df)
    d = engine.dfg(log)
    assert int(d["count"].sum()) == n - len(lens)
    assert int(engine.variants(log)["cases"].sum()) == len(lens)


@pytest.mark.parametrize("log", [small_log(), read_log(EVENT_LOGS / "dossiers_vi.csv", cache=False)],
                         ids=["small", "bundled"])
def test_case_sums_add_up_the_case_table(log: EventLog) -> None:
    """The profile's counts per service and channel (plan ``case_sums``) are the case table's
    dossiers, events, hand-offs, units and reworked dossiers, added up per service and channel."""
    cases = engine.case_table(log)
    frame = cases.assign(channel=cases["channel"].astype(object).where(cases["channel"].notna(), "(none)"),
                         service=cases["service"].astype(object), rework=cases["rework"].astype(np.int64))
    expected = (frame.groupby(["service", "channel"])
                .agg(cases=("case", "size"), events=("events", "sum"), handoffs=("handoffs", "sum"),
                     units=("units", "sum"), rework=("rework", "sum"))
                .reset_index())
    got = engine.case_sums(log.replace())
    got = got.assign(channel=got["channel"].astype(object).where(got["channel"].notna(), "(none)"),
                     service=got["service"].astype(object))
    got = got.sort_values(["service", "channel"]).reset_index(drop=True)
    assert got["cases"].sum() == len(cases) and got["events"].sum() == len(log.df)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def _rows_sorted(df: pd.DataFrame) -> pd.DataFrame:
    key = df.apply(lambda row: repr(tuple(row)), axis=1)
    return df.loc[key.sort_values(kind="stable").index].reset_index(drop=True)


def test_maps_plan_reads_its_steps_as_a_view_and_gives_the_same_tables() -> None:
    """The maps' plan makes ``_steps`` (a projection read by three results) a view, the other
    plans a temporary table; the tables are the same either way."""
    from procsimp.engine.sql import plan_for

    maps = ("dfg", "activities", "variants", "start_end")
    assert plan_for(maps, minutes_per_day=450.0).views == frozenset({"_steps"})
    assert plan_for(("dfg", "cases"), minutes_per_day=450.0).views == frozenset()
    assert plan_for(("cases",), minutes_per_day=450.0).views == frozenset()

    made: list[str] = []

    class Recording(engine.DuckDBBackend):
        def run(self, plan, tables):  # type: ignore[no-untyped-def]
            original = plan.views
            plan.views = frozenset()
            as_tables = super().run(plan, tables)
            plan.views = original
            made.append(",".join(sorted(plan.views)))
            as_views = super().run(plan, tables)
            for name in as_tables:  # the raw results come in no set order
                pd.testing.assert_frame_equal(_rows_sorted(as_views[name]), _rows_sorted(as_tables[name]))
            return as_views

    log = small_log()
    expected = engine.aggregates(small_log(), tables=maps)
    with engine.use_backend(Recording(threads=1)):
        got = engine.aggregates(log, tables=maps)
    assert made == ["_steps"]
    for name in maps:
        pd.testing.assert_frame_equal(getattr(got, name), getattr(expected, name))
