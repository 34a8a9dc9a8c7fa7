"""mine(): process maps, their simplification, and the rule that filtering never invents edges."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from procsimp import engine
from procsimp.core.log import EventLog
from procsimp.errors import ParameterError
from procsimp.mine import END_NODE, MAX_ACTIVITIES, MAX_EDGES, START_NODE, ProcessMap, mine
from procsimp.read import frame_to_log, read_log
from tests.conftest import EVENT_LOGS, real_log_path
from tests.sample_logs import random_logs, small_log

RECEIPT = "Receipt_phase_of_an_environmental_permit_application_process_WABO_CoSeLoG_project.xes.gz"


def _edges(pmap: ProcessMap) -> set[tuple[str, str]]:
    return {(u, v) for u, v in pmap.graph.edges if u != START_NODE and v != END_NODE}


def assert_map_is_faithful(log: EventLog, pmap: ProcessMap) -> None:
    """Every edge and figure of a (filtered) map was observed in the unfiltered engine tables."""
    full = engine.dfg(pmap.log)
    full = full[full.service == pmap.service]
    observed = {(r.source, r.target): r for r in full.itertuples()}
    for u, v in _edges(pmap):
        assert (u, v) in observed, f"invented edge {u} -> {v}"
        data = pmap.graph.edges[u, v]
        assert data["count"] == observed[(u, v)].count and data["cases"] == observed[(u, v)].cases
    assert _edges(pmap) == set(zip(pmap.dfg.source, pmap.dfg.target, strict=True))
    se = engine.start_end(pmap.log)
    se = se[se.service == pmap.service]
    starts = dict(zip(se[se.role == "start"].activity, se[se.role == "start"].cases, strict=True))
    ends = dict(zip(se[se.role == "end"].activity, se[se.role == "end"].cases, strict=True))
    for u, v, data in pmap.graph.edges(data=True):
        if u == START_NODE:
            assert data["count"] == starts[v]
        if v == END_NODE:
            assert data["count"] == ends[u]
    activities = set(pmap.activities["activity"])
    assert set(pmap.graph.nodes) == activities | {START_NODE, END_NODE}
    for node in activities:
        assert pmap.graph.nodes[node]["events"] == int(pmap.activities.set_index("activity").loc[node, "events"])


def assert_connected(pmap: ProcessMap, full: ProcessMap) -> None:
    """Each kept activity keeps its strongest incoming and outgoing edge among kept nodes."""
    g, whole = pmap.graph, full.graph
    kept = set(g.nodes)
    for node in kept - {START_NODE, END_NODE}:
        ins = [(whole.edges[u, node]["count"], u) for u in whole.predecessors(node) if u in kept and u != END_NODE]
        outs = [(whole.edges[node, v]["count"], v) for v in whole.successors(node) if v in kept and v != START_NODE]
        if ins:
            best = max(c for c, _ in ins)
            assert any(g.has_edge(u, node) and c == best for c, u in ins), f"{node} lost its strongest incoming edge"
        if outs:
            best = max(c for c, _ in outs)
            assert any(g.has_edge(node, v) and c == best for c, v in outs), f"{node} lost its strongest outgoing edge"


# ---------------------------------------------------------------------------- small logs
def test_full_map_of_one_service() -> None:
    pmap = mine(small_log(), "S1", activities=1.0, paths=1.0)
    assert pmap.service == "S1" and pmap.n_cases == 2 and pmap.n_events == 4
    g = pmap.graph
    assert set(g.nodes) == {START_NODE, END_NODE, "R", "C"}
    assert set(g.edges) == {(START_NODE, "R"), ("R", "C"), ("C", "R"), ("R", END_NODE)}
    assert g.edges[START_NODE, "R"]["count"] == 2 and g.edges["R", END_NODE]["cases"] == 2
    assert g.edges["C", "R"]["wait_hours_mean"] == pytest.approx(7.5)
    assert g.edges["C", "R"]["wait_days_mean"] == pytest.approx(1.0)
    assert g.nodes["R"]["events"] == 3 and g.nodes["R"]["proc_hours_mean"] == pytest.approx(0.75)
    for attr in ("events", "cases", "proc_hours_mean", "proc_hours_median", "proc_hours_p90", "wait_hours_mean"):
        assert attr in g.nodes["C"]
    for attr in ("count", "cases", "wait_hours_mean", "wait_hours_median", "wait_hours_p90", "wait_days_mean"):
        assert attr in g.edges["R", "C"]
    assert int(pmap.dfg["count"].sum()) == pmap.n_events - pmap.n_cases
    assert pmap.filters["activities_kept"] == pmap.filters["activities_total"] == 2
    assert pmap.filters["flow_share"] == pytest.approx(1.0)
    assert "ProcessMap(service='S1', cases=2, events=4, activities=2/2, edges=4/4)" == repr(pmap)
    assert "procsimp ProcessMap" in pmap._repr_html_()


def test_service_selection_errors_teach() -> None:
    log = small_log()
    with pytest.raises(ParameterError) as err:
        mine(log)
    assert str(err.value) == (
        "the log <memory> has 2 services; mine one at a time with service=... "
        "(CLI: --service S); services: 'S1', 'S2'"
    )
    with pytest.raises(ParameterError, match=r"service 'S9' is not in the log <memory>; services in the log: 'S1', 'S2'"):
        mine(log, "S9")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"activities": 80}, "activities must be a share above 0 and at most 1 (0.8 keeps the activities covering 80% of events), got 80; for 80% write 0.8"),
        ({"paths": 0}, "paths must be a share above 0 and at most 1 (0.5 keeps the edges covering 50% of the flow), got 0"),
        ({"paths": "half"}, "paths must be a number between 0 and 1 (0.5 keeps the edges covering 50% of the flow), got 'half'"),
        ({"top_variants": 0}, "top_variants must be a whole number >= 1, got 0"),
        ({"min_case_share": 0.9}, "min_case_share=0.9 keeps no case of service 'S1': its most frequent variant covers 0.5000 of the cases; use a smaller share"),
    ],
)
def test_bad_filters_teach(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ParameterError) as err:
        mine(small_log(), "S1", **kwargs)  # type: ignore[arg-type]
    assert str(err.value) == message


def test_variant_filters_and_filter_method() -> None:
    log = small_log()
    full = mine(log, "S1")
    top = full.filter(top_variants=1)
    assert top.n_cases == 1 and list(top.variants["variant"]) == [("R",)]
    assert set(top.graph.nodes) == {START_NODE, "R", END_NODE}
    again = top.filter(top_variants=None)
    assert again.n_cases == 2 and again.filters["top_variants"] is None
    assert full.filter(min_case_share=0.5).n_cases == 2
    # the original map is unchanged (results never mutate)
    assert full.n_cases == 2 and full.filters["top_variants"] is None


def test_no_service_column_map_uses_the_default_service() -> None:
    df = pd.DataFrame({"c": ["1", "1", "2", "2"], "a": ["x", "y", "x", "y"], "t": pd.date_range("2025-03-03 08:00", periods=4, freq="h")})
    log = frame_to_log(df, case="c", activity="a", timestamp="t")
    pmap = mine(log)
    assert pmap.service == engine.DEFAULT_SERVICE
    assert mine(log, engine.DEFAULT_SERVICE).n_cases == 2


def test_model_is_discovered_from_the_variant_table() -> None:
    pmap = mine(small_log(), "S1")
    model = pmap.model()
    assert model.sound is True
    assert model.tasks == 2


# ---------------------------------------------------------------------------- properties
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    random_logs(),
    st.one_of(st.none(), st.floats(0.05, 1.0)),
    st.one_of(st.none(), st.floats(0.05, 1.0)),
    st.one_of(st.none(), st.integers(1, 4)),
    st.one_of(st.none(), st.floats(0.0, 0.4)),
)
def test_filtering_never_invents_edges(
    log: EventLog, activities: float | None, paths: float | None, top: int | None, share: float | None
) -> None:
    best = engine.variants(log).groupby("service")["share"].max()
    for service in log.services or [engine.DEFAULT_SERVICE]:
        if share is not None and share > best[service]:
            with pytest.raises(ParameterError, match=r"keeps no case of service"):
                mine(log, service, min_case_share=share)
            continue
        pmap = mine(log, service, activities=activities, paths=paths, top_variants=top, min_case_share=share)
        assert_map_is_faithful(log, pmap)
        full = pmap.filter(activities=1.0, paths=1.0)
        assert _edges(pmap) <= _edges(full)
        assert_connected(pmap, full)
        assert full.filters["flow_share"] == pytest.approx(1.0)
        assert int(full.dfg["count"].sum()) == full.n_events - full.n_cases
        assert sum(d["count"] for u, _, d in full.graph.edges(data=True) if u == START_NODE) == full.n_cases
        assert sum(d["count"] for _, v, d in full.graph.edges(data=True) if v == END_NODE) == full.n_cases
        if activities is not None:
            ev = pmap.filters["events_share"]
            assert ev >= activities - 1e-9 or pmap.filters["activities_kept"] == pmap.filters["activities_total"]


# ---------------------------------------------------------------------------- real and bundled logs
@pytest.mark.real_logs
def test_bpic15_default_map_is_legible_and_full_map_complete() -> None:
    log = read_log(real_log_path("BPIC15_1.xes.gz"))
    pmap = mine(log)
    assert pmap.filters["activities_total"] == 398
    assert len(pmap.activities) <= MAX_ACTIVITIES
    # about MAX_EDGES: the strongest ones, plus each kept activity's strongest in and out edge
    assert pmap.graph.number_of_edges() <= MAX_EDGES + pmap.filters["activities_kept"] // 2
    assert_map_is_faithful(log, pmap)
    full = pmap.filter(activities=1.0, paths=1.0)
    assert len(full.activities) == 398
    assert int(full.dfg["count"].sum()) == 52_217 - 1_199
    assert_connected(pmap, full)
    slider = pmap.filter(activities=0.8, paths=0.5)
    assert slider.filters["events_share"] >= 0.8
    assert_map_is_faithful(log, slider)
    assert_connected(slider, full)
    assert nx.is_directed_acyclic_graph(pmap.graph) in (True, False)  # a plain networkx graph


@pytest.mark.real_logs
def test_receipt_map_matches_engine_and_is_whole_by_default() -> None:
    log = read_log(real_log_path(RECEIPT))
    pmap = mine(log)
    assert pmap.n_cases == 1_434 and pmap.n_events == 8_577
    assert len(pmap.activities) == pmap.filters["activities_total"] <= MAX_ACTIVITIES
    # about MAX_EDGES: the strongest ones, plus each kept activity's strongest in and out edge
    assert pmap.graph.number_of_edges() <= MAX_EDGES + pmap.filters["activities_kept"] // 2
    assert_map_is_faithful(log, pmap)


def test_every_bundled_service_maps_faithfully() -> None:
    paths = sorted(p for p in EVENT_LOGS.glob("*") if p.suffix in (".csv", ".parquet", ".xes", ".gz") and "to_be" not in p.name)
    if not paths:
        pytest.skip(f"no bundled logs in {EVENT_LOGS} yet (procsimp generate writes them)")
    for path in paths:
        log = read_log(Path(path))
        for service in log.services:
            pmap = mine(log, service)
            assert_map_is_faithful(log, pmap)
            full = pmap.filter(activities=1.0, paths=1.0)
            assert int(full.dfg["count"].sum()) == full.n_events - full.n_cases
            assert_connected(pmap, full)
