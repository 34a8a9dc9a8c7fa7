"""Model discovery: readable BPMN + Petri net from a variant table (procsimp.mine.discovery)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import warnings
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from procsimp.errors import ParameterError
from procsimp.mine import discovery as d
from tests.conftest import EVENT_LOGS, ROOT, real_log_path

RECEIPT = "Receipt_phase_of_an_environmental_permit_application_process_WABO_CoSeLoG_project.xes.gz"


def pm():
    from procsimp.core._pm4py import pm4py

    return pm4py()


def counts(**traces: int) -> dict[tuple[str, ...], int]:
    """``counts(abc=3)`` -> {("a", "b", "c"): 3}: one letter per activity."""
    return {tuple(name): n for name, n in traces.items()}


def accepts(space: d.StateSpace, trace: tuple[str, ...]) -> bool:
    """Whether the net replays ``trace`` from start to the final marking."""
    current = space.closure([0])
    for activity in trace:
        current = space.step(current, activity)
        if not current:
            return False
    return space.states.get(space.final) in current


def bpmn_nodes(model: d.Model) -> dict[str, list]:
    from pm4py.objects.bpmn.obj import BPMN

    kinds: dict[str, list] = {"task": [], "xor": [], "and": [], "start": [], "end": []}
    for n in model.bpmn.get_nodes():
        if isinstance(n, BPMN.Task):
            kinds["task"].append(n)
        elif isinstance(n, BPMN.ExclusiveGateway):
            kinds["xor"].append(n)
        elif isinstance(n, BPMN.ParallelGateway):
            kinds["and"].append(n)
        elif isinstance(n, BPMN.StartEvent):
            kinds["start"].append(n)
        elif isinstance(n, BPMN.EndEvent):
            kinds["end"].append(n)
    return kinds


# ---------------------------------------------------------------------------- real logs, cached
@pytest.fixture(scope="module")
def real():
    """Read a public log once per module: name -> (EventLog, variant table)."""
    import procsimp
    from procsimp.engine import variants

    cache: dict[str, tuple] = {}

    def get(name: str):
        if name not in cache:
            log = procsimp.read_log(real_log_path(name))
            cache[name] = (log, variants(log))
        return cache[name]

    return get


@pytest.fixture(scope="module")
def bundled():
    """The bundled Vietnamese dossier log and its variant table."""
    import procsimp
    from procsimp.engine import variants

    path = EVENT_LOGS / "dossiers_vi.csv"
    if not path.exists():
        pytest.skip(f"bundled log {path.name} not found in {EVENT_LOGS} (generate it with procsimp generate)")
    log = procsimp.read_log(path)
    return log, variants(log)


# ---------------------------------------------------------------------------- small, exact cases
def test_sequence_has_no_gateway_and_fits_exactly():
    m = d.discover_model(counts(abc=5))
    assert (m.tasks, m.gateways, m.loops) == (3, 0, 0)
    assert m.sound and m.soundness == "sound"
    assert m.fitness == pytest.approx(1.0)
    assert m.precision == pytest.approx(1.0)
    assert m.fitting_cases == 1.0 and m.event_coverage == 1.0
    assert m.kind == "simplified" and m.activities == ("a", "b", "c")


def test_choice_is_one_exclusive_split_and_join():
    m = d.discover_model(counts(abd=5, acd=4))
    kinds = bpmn_nodes(m)
    assert (len(kinds["task"]), len(kinds["xor"]), len(kinds["and"])) == (4, 2, 0)
    assert m.precision == pytest.approx(1.0) and m.fitting_cases == 1.0


def test_interleaving_is_a_parallel_block():
    m = d.discover_model(counts(abcd=5, acbd=4))
    kinds = bpmn_nodes(m)
    assert (len(kinds["xor"]), len(kinds["and"])) == (0, 2)
    assert m.sound and m.fitting_cases == 1.0 and m.precision == pytest.approx(1.0)


def test_repeated_step_gets_the_loop_marker_not_gateways():
    m = d.discover_model({("a", "b", "c"): 5, ("a", "b", "b", "c"): 3, ("a", "b", "b", "b", "c"): 2})
    assert (m.tasks, m.gateways, m.loops) == (3, 0, 1)
    looped = [n.get_name() for n in bpmn_nodes(m)["task"] if d.is_loop_task(n)]
    assert looped == ["b"]
    space = d.StateSpace(m.net, m.initial_marking, m.final_marking)
    # the expanded Petri net repeats b as often as needed, but needs it at least once
    assert accepts(space, ("a", "b", "b", "b", "b", "b", "c"))
    assert not accepts(space, ("a", "c"))
    assert m.fitting_cases == 1.0 and m.sound


def test_optional_step_is_a_skip_flow_between_two_gateways():
    m = d.discover_model(counts(abc=5, ac=5), full=True)
    assert (m.tasks, m.gateways) == (3, 2)
    space = d.StateSpace(m.net, m.initial_marking, m.final_marking)
    assert accepts(space, ("a", "c")) and accepts(space, ("a", "b", "c"))
    assert not accepts(space, ("a", "b", "b", "c"))


def test_zero_or_more_fits_the_budget_with_one_loop_gateway_when_needed():
    # b zero or more times between a and c: optional + loop marker would be 2 gateways for 3
    # tasks; with several such steps the compact form (one loop gateway each) is used
    traces = {("a", "c", "e"): 4, ("a", "b", "c", "e"): 3, ("a", "b", "b", "c", "e"): 3,
              ("a", "c", "d", "e"): 3, ("a", "c", "d", "d", "e"): 2}
    m = d.discover_model(traces, noise=0.0)
    assert m.gateways <= m.tasks
    space = d.StateSpace(m.net, m.initial_marking, m.final_marking)
    for trace in traces:
        assert accepts(space, trace)
    assert accepts(space, ("a", "b", "b", "b", "c", "d", "d", "d", "e"))


# ---------------------------------------------------------------------------- checks agree with pm4py
def _bpmn(*edges: tuple[str, str]):
    """A pm4py BPMN from edges between named nodes: s/e = events, X*/P* = gateways, else tasks."""
    from pm4py.objects.bpmn.obj import BPMN

    bpmn = BPMN()
    nodes: dict[str, object] = {}

    def node(name: str):
        if name not in nodes:
            if name == "s":
                obj = BPMN.StartEvent(id="s", name="")
            elif name == "e":
                obj = BPMN.EndEvent(id="e", name="")
            elif name.startswith("X"):
                obj = BPMN.ExclusiveGateway(id=name)
            elif name.startswith("P"):
                obj = BPMN.ParallelGateway(id=name)
            else:
                obj = BPMN.Task(id=f"t_{name}", name=name)
            nodes[name] = obj
            bpmn.add_node(obj)
        return nodes[name]

    for i, (a, b) in enumerate(edges):
        bpmn.add_flow(BPMN.SequenceFlow(node(a), node(b), id=f"f{i}"))
    return bpmn


@pytest.mark.parametrize(
    ("edges", "sound"),
    [
        ([("s", "a"), ("a", "X1"), ("X1", "b"), ("X1", "c"), ("b", "X2"), ("c", "X2"), ("X2", "e")], True),
        ([("s", "a"), ("a", "P1"), ("P1", "b"), ("P1", "c"), ("b", "P2"), ("c", "P2"), ("P2", "e")], True),
        # an exclusive choice joined by a parallel gateway: deadlock
        ([("s", "a"), ("a", "X1"), ("X1", "b"), ("X1", "c"), ("b", "P2"), ("c", "P2"), ("P2", "e")], False),
        # parallel branches joined by an exclusive gateway: the end is reached twice
        ([("s", "a"), ("a", "P1"), ("P1", "b"), ("P1", "c"), ("b", "X2"), ("c", "X2"), ("X2", "e")], False),
    ],
    ids=["xor", "and", "xor-and-deadlock", "and-xor-improper"],
)
def test_soundness_check_agrees_with_woflan(edges, sound):
    net, im, fm = d.bpmn_to_petri(_bpmn(*edges))
    assert d.check_sound(net, im, fm) is sound
    assert d.check_sound(net, im, fm, method="woflan") is sound
    verdict, reason = d.StateSpace(net, im, fm).soundness()
    assert verdict is sound
    if not sound:
        assert reason != "sound"


def test_soundness_reports_unbounded_nets():
    from pm4py.objects.petri_net.obj import Marking, PetriNet
    from pm4py.objects.petri_net.utils.petri_utils import add_arc_from_to

    net = PetriNet("unbounded")
    source, sink, p = PetriNet.Place("source"), PetriNet.Place("sink"), PetriNet.Place("p")
    t1, t2 = PetriNet.Transition("t1", "a"), PetriNet.Transition("t2", "b")
    for x in (source, sink, p):
        net.places.add(x)
    net.transitions.update({t1, t2})
    add_arc_from_to(source, t1, net)
    add_arc_from_to(t1, source, net)
    add_arc_from_to(t1, p, net)  # every a adds a token to p
    add_arc_from_to(source, t2, net)
    add_arc_from_to(t2, sink, net)
    verdict, reason = d.StateSpace(net, Marking({source: 1}), Marking({sink: 1})).soundness()
    assert verdict is False and reason.startswith("unbounded: place p")


def test_check_sound_rejects_unknown_method():
    net, im, fm = d.bpmn_to_petri(_bpmn(("s", "a"), ("a", "e")))
    with pytest.raises(ParameterError) as err:
        d.check_sound(net, im, fm, method="fast")
    assert str(err.value) == "method must be 'state-space' or 'woflan', got 'fast'"


def test_fitness_equals_pm4py_token_replay_on_the_raw_log(real):
    log, table = real("running-example.xes")
    counter, _ = d.variant_counts(table)
    for full in (False, True):
        m = d.discover_model(table, full=full)
        ours, replayed = d.token_fitness(counter, m.net, m.initial_marking, m.final_marking)
        theirs = pm().fitness_token_based_replay(log.to_pm4py(), m.net, m.initial_marking, m.final_marking)
        assert replayed == len(counter)
        assert ours == pytest.approx(theirs["log_fitness"], abs=1e-12)
        assert m.token_fitness == pytest.approx(ours)


@pytest.mark.parametrize("name", ["running-example.xes", "roadtraffic100traces.xes"])
def test_headline_fitness_is_pm4py_alignment_fitness_on_the_raw_log(real, name):
    """Each variant aligned once and weighted by its cases gives pm4py's figures on the raw log."""
    log, table = real(name)
    m = d.discover_model(table, log=log)
    theirs = pm().fitness_alignments(log.to_pm4py(), m.net, m.initial_marking, m.final_marking)
    assert m.fitness == pytest.approx(theirs["average_trace_fitness"], abs=1e-9)
    assert m.fitting_share == pytest.approx(theirs["percentage_of_fitting_traces"] / 100, abs=1e-9)
    assert m.summary()["fitness"] == m.fitness and m.summary()["fitting_share"] == m.fitting_share


def test_alignment_fitness_counts_left_out_activities_as_pm4py_does():
    """A rare activity the model leaves out: aligning the projection plus one log move per such
    event gives pm4py's own alignment of the whole trace."""
    traces = {tuple("abcd"): 40, tuple("acbd"): 30, tuple("abxcd"): 1, tuple("abcdd"): 2, tuple("xad"): 1}
    m = d.discover_model({t: n for t, n in traces.items() if "x" not in t}, noise=0.0)
    assert "x" not in m.activities
    ours = d.alignment_fitness(traces, m.net, m.initial_marking, m.final_marking)
    from pm4py.objects.log.obj import Event, EventLog, Trace

    log = EventLog([Trace([Event({"concept:name": a}) for a in t]) for t, n in traces.items() for _ in range(n)])
    theirs = pm().fitness_alignments(log, m.net, m.initial_marking, m.final_marking)
    assert ours["fitness"] == pytest.approx(theirs["average_trace_fitness"], abs=1e-12)
    assert ours["fitting_share"] == pytest.approx(theirs["percentage_of_fitting_traces"] / 100, abs=1e-12)
    assert ours["fitting_share"] < 1.0


def test_alignment_fitness_is_sampled_with_a_stated_sample_size(real):
    _, table = real(RECEIPT)
    counter, _ = d.variant_counts(table)
    m = d.discover_model(table, align_variants=30)
    exact = d.alignment_fitness(counter, m.net, m.initial_marking, m.final_marking, max_variants=None)
    assert exact["aligned"] == len(counter) == 116
    assert m.fitness == pytest.approx(exact["fitness"], abs=0.03)
    note = next(n for n in m.notes if "alignments of a sample" in n)
    assert note.startswith("fitness and fitting cases from pm4py alignments of a sample of 30 of 116 variants: the 15 most frequent")


def test_left_out_activities_are_listed_with_their_share(real):
    """Sepsis: pm4py's alignments count what the model leaves out; every activity in 5% or more
    of the cases is in the model, or a note says why it could not be."""
    log, table = real("Sepsis_Cases-Event_Log.xes.gz")
    m = d.discover_model(table, log=log)
    df = log.df
    shares = df.groupby("concept:name", observed=True)["case:concept:name"].nunique() / log.n_cases
    assert {x["activity"] for x in m.left_out} == set(shares.index) - set(m.activities)
    for x in m.left_out:
        assert x["case_share"] == pytest.approx(shares[x["activity"]], abs=1e-6)
    # the finding: Release A (64% of cases) and Return ER (28%) were silently left out
    assert {"Release A", "Return ER"} <= set(m.activities)
    frequent = set(shares[shares >= d.KEEP_SHARE].index)
    missing = frequent - set(m.activities)
    if missing:
        assert any(n.startswith("not every frequent activity could be kept: ") for n in m.notes), m.notes
    assert any(n.startswith(f"{len(m.left_out)} of {len(shares)} activities left out") for n in m.notes)
    page = m._repr_html_()
    assert all(x["activity"] in page for x in m.left_out)


def _shuffled_log(seed: int, trial: int) -> dict[tuple[str, ...], int]:
    """A seeded log of steps swapped at random and inserted anywhere (no readable structure)."""
    rng = random.Random(seed)
    traces: dict[tuple[str, ...], int] = {}
    for _ in range(trial + 1):
        traces = {}
        for _ in range(60):
            t = list("abcdefgh"[: rng.randint(3, 8)])
            for _ in range(3):
                i, j = rng.randrange(len(t)), rng.randrange(len(t))
                t[i], t[j] = t[j], t[i]
            if rng.random() < 0.5:
                t.insert(rng.randrange(len(t)), rng.choice("abcdefgh"))
            traces[tuple(t)] = traces.get(tuple(t), 0) + rng.randint(1, 5)
    return traces


def test_low_fitness_points_to_the_full_model():
    traces = _shuffled_log(3, 4)
    m = d.discover_model(traces)
    assert m.fitness < d.MIN_FITNESS
    assert any(
        n.startswith("this readable model cannot keep alignment fitness at 0.9 or more (it is ")
        and "mine --full" in n
        for n in m.notes
    ), m.notes
    full = d.discover_model(traces, full=True)
    assert full.fitness == pytest.approx(1.0)
    assert not any("cannot keep alignment fitness" in n for n in full.notes)


def test_precision_equals_pm4py_alignment_precision_on_a_fitting_log(real):
    log, table = real("running-example.xes")
    m = d.discover_model(table, full=True)
    assert m.fitting_cases == 1.0
    theirs = pm().precision_alignments(log.to_pm4py(), m.net, m.initial_marking, m.final_marking)
    assert m.precision == pytest.approx(theirs, abs=1e-9)


def test_precision_handles_commas_in_activity_names():
    plain = {("Tiếp nhận", "Xem xét trình ký", "Trả"): 5, ("Tiếp nhận", "Trả"): 2}
    comma = {("Tiếp nhận", "Xem xét, trình ký", "Trả"): 5, ("Tiếp nhận", "Trả"): 2}
    a, b = d.discover_model(plain, noise=0.0), d.discover_model(comma, noise=0.0)
    assert "Xem xét, trình ký" in b.activities
    assert (a.precision, a.fitness, a.fitting_cases) == (b.precision, b.fitness, b.fitting_cases)
    assert a.precision == pytest.approx(1.0)


def test_bpmn_net_has_the_language_of_the_process_tree(real):
    """Playouts of pm4py's own net of the tree fit our BPMN-derived net, and the other way."""
    _, table = real(RECEIPT)
    m = d.discover_model(table)
    tree_net = pm().convert_to_petri_net(m.tree)
    ours = d.StateSpace(m.net, m.initial_marking, m.final_marking)
    theirs = d.StateSpace(*tree_net)
    random.seed(7)
    played_theirs = pm().play_out(*tree_net, parameters={"noTraces": 200, "maxTraceLength": 60})
    random.seed(11)
    played_ours = pm().play_out(m.net, m.initial_marking, m.final_marking,
                                parameters={"noTraces": 200, "maxTraceLength": 60})
    traces_theirs = {tuple(e["concept:name"] for e in t) for t in played_theirs}
    traces_ours = {tuple(e["concept:name"] for e in t) for t in played_ours}
    assert len(traces_theirs) > 20 and len(traces_ours) > 20
    assert all(accepts(ours, t) for t in traces_theirs)
    assert all(accepts(theirs, t) for t in traces_ours)


def test_full_model_replays_every_case(real):
    log, table = real(RECEIPT)
    m = d.discover_model(table, full=True, log=log)
    assert m.kind == "full" and m.noise == 0.0
    assert m.fitting_cases == 1.0 and m.sound
    assert m.fitness == pytest.approx(1.0, abs=1e-9)
    assert len(m.activities) == 27 and m.dropped_activities == ()


# ---------------------------------------------------------------------------- readable on real logs
def test_receipt_log_default_model_beats_pm4py_gateway_cascade(real):
    log, table = real(RECEIPT)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        baseline = pm().discover_bpmn_inductive(log.to_pm4py())
    base_tasks, base_gateways = d.bpmn_counts(baseline)
    assert (base_tasks, base_gateways) == (27, 74)  # the measured problem
    m = d.discover_model(table, log=log)
    assert m.gateways <= m.tasks and m.tasks >= 20
    assert m.sound
    # alignment fitness (stricter than token replay): below 0.9, the model says so
    assert 0.8 <= m.fitness <= 1.0 and 0.0 < m.precision <= 1.0
    assert m.fitness >= 0.9 or any("cannot keep alignment fitness at 0.9" in n for n in m.notes)


@pytest.mark.parametrize(
    "name", ["running-example.xes", RECEIPT, "Sepsis_Cases-Event_Log.xes.gz", "BPIC15_1.xes.gz"]
)
def test_default_model_is_readable_and_sound_on_real_logs(real, name):
    log, table = real(name)
    m = d.discover_model(table, log=log)
    assert m.sound, m.soundness
    assert m.tasks <= d.MAX_TASKS
    assert m.gateways <= m.tasks or any("more than one per task" in n for n in m.notes)
    assert 0.0 < m.fitness <= 1.0 and 0.0 < m.precision <= 1.0
    assert 0.0 <= m.fitting_cases <= 1.0 and 0.0 < m.event_coverage <= 1.0
    assert m.cases == log.n_cases
    if log.df["concept:name"].nunique() > d.MAX_TASKS:
        assert any("activities left out" in n for n in m.notes)
        assert len(m.dropped_activities) + m.tasks == log.df["concept:name"].nunique()


def test_bundled_services_default_models(bundled):
    log, table = bundled
    for service in log.services:
        m = d.discover_model(table[table["service"] == service], log=log)
        assert m.service == service
        assert m.sound and m.gateways <= m.tasks and m.left_out == ()
        assert m.cases == int(table.loc[table["service"] == service, "cases"].sum())
        assert m.fitness > 0.9 and m.precision > 0.8


def test_full_model_refuses_hundreds_of_activities(real):
    _, table = real("BPIC15_1.xes.gz")
    with pytest.raises(ParameterError) as err:
        d.discover_model(table, full=True)
    assert str(err.value) == (
        "full=True: the full-fitness model of 398 activities is beyond what the inductive miner "
        "computes in reasonable time (at most 60); keep fewer activities first, e.g. "
        "procsimp.mine(log, activities=0.8).model(full=True), or use the default model"
    )


# ---------------------------------------------------------------------------- contract
def test_input_table_is_not_modified(real):
    _, table = real(RECEIPT)
    before = table.copy(deep=True)
    d.discover_model(table)
    pd.testing.assert_frame_equal(table, before)


def test_log_restricts_the_reference_to_the_tables_service(bundled):
    log, table = bundled
    service = log.services[0]
    m = d.discover_model(table[table["service"] == service], log=log)
    n_cases = log.for_service(service).n_cases
    assert m.cases == n_cases < log.n_cases


def test_variant_input_forms_agree():
    table = pd.DataFrame({"variant": [("a", "b"), ("a", "c")], "cases": [3, 1]})
    a = d.discover_model(table)
    b = d.discover_model({("a", "b"): 3, ("a", "c"): 1})
    c = d.discover_model([(["a", "b"], 3), (["a", "c"], 1)])
    assert a.summary() == b.summary() == c.summary()
    assert a.cases == 4 and a.variants == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"variants": {("a",): 1}, "noise": 1.5},
            "noise must be a number from 0 (keep all behaviour) to below 1 (filter almost "
            "everything), got 1.5; the default 0.2 filters directly-follows relations seen in "
            "fewer than 20% of the cases of the most frequent one",
        ),
        (
            {"variants": pd.DataFrame({"variant": [("a",)], "count": [1]})},
            "variants: the table has no 'cases' column; columns present: variant, count. Pass "
            "the table of procsimp.engine.variants(log) (one row per variant: variant, cases).",
        ),
        (
            {"variants": pd.DataFrame({"service": ["x", "y"], "variant": [("a",), ("b",)], "cases": [1, 1]})},
            "variants: the table holds 2 services ('x', 'y'); a model is drawn per service. "
            "Select one first, e.g. variants[variants['service'] == name].",
        ),
        (
            {"variants": {}},
            "variants: the table is empty (no case); a model needs at least one case. Check the "
            "service name and the filters used to build the table.",
        ),
        (
            {"variants": {("a",): -2}},
            "variants: the case count of variant ('a',) must be a positive integer, got -2",
        ),
        (
            {"variants": 42},
            "variants: expected a DataFrame (procsimp.engine.variants), a mapping of trace "
            "tuples to counts or (trace, count) pairs; got int",
        ),
        (
            {"variants": {("a",): 1}, "log": "dossiers.csv"},
            "log: expected a procsimp EventLog (procsimp.read_log or procsimp.frame_to_log), got str",
        ),
    ],
    ids=["noise", "column", "services", "empty", "count", "type", "log"],
)
def test_errors_teach(kwargs, message):
    with pytest.raises(ParameterError) as err:
        d.discover_model(**kwargs)
    assert str(err.value) == message


def test_summary_is_json_and_repr_html_reports_the_figures():
    m = d.discover_model(counts(abd=5, acd=4, abbd=1))
    summary = m.summary()
    assert json.loads(json.dumps(summary)) == summary
    assert summary["gateways"] == m.gateways and summary["sound"] is True
    page = m._repr_html_()
    for text in ("procsimp Model", f"<td style='text-align:left'>{m.tasks}</td>", "per task",
                 f"{m.fitness:.3f}", f"{m.precision:.3f}", "sound"):
        assert text in page
    assert "gateways=" in repr(m)


_DETERMINISM_SCRIPT = """
import sys, hashlib
sys.path.insert(0, {root!r})
from procsimp.mine.discovery import discover_model
from procsimp.mine.render.bpmn import bpmn_xml
from procsimp.mine.render.pnml import pnml_xml
traces = {{("a","b","c","e"): 5, ("a","c","b","e"): 4, ("a","d","e"): 3, ("a","b","b","c","e"): 1,
           ("a","d","f","d","e"): 2}}
m = discover_model(traces, noise=0.0)
print(hashlib.sha256(bpmn_xml(m, name="p").encode()).hexdigest())
print(hashlib.sha256(pnml_xml(m, name="p")).hexdigest())
"""


def test_output_bytes_do_not_depend_on_hash_seed_or_process():
    script = _DETERMINISM_SCRIPT.format(root=str(ROOT))
    digests = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                             text=True, check=True, timeout=120)
        digests.append(out.stdout.split())
    assert digests[0] == digests[1] and len(digests[0]) == 2


def test_module_import_stays_light():
    out = subprocess.run(
        [sys.executable, "-c", "import sys, procsimp.mine.discovery, procsimp.mine.render.bpmn, "
         "procsimp.mine.render.pnml, procsimp.mine.render; print('pm4py' in sys.modules, 'graphviz' in sys.modules)"],
        capture_output=True, text=True, check=True, timeout=60, cwd=Path(ROOT),
    )
    assert out.stdout.split() == ["False", "False"]


def test_counter_helpers():
    counter, service = d.variant_counts(
        pd.DataFrame({"service": ["s", "s"], "variant": [("a", "b"), ("a",)], "cases": [2, 3]})
    )
    assert service == "s" and counter == Counter({("a", "b"): 2, ("a",): 3})


# ---------------------------------------------------------------------------- properties
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

variant_tables = st.dictionaries(
    keys=st.lists(st.sampled_from("abcdefg"), min_size=1, max_size=7).map(tuple),
    values=st.integers(1, 20),
    min_size=1,
    max_size=10,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(variant_tables)
def test_property_full_model_is_sound_and_fits_every_case(traces):
    m = d.discover_model(traces, full=True)
    assert m.sound, m.soundness
    assert m.fitting_cases == 1.0
    space = d.StateSpace(m.net, m.initial_marking, m.final_marking)
    assert all(accepts(space, t) for t in traces)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(variant_tables)
def test_property_default_model_is_sound_and_has_at_most_one_gateway_per_task(traces):
    m = d.discover_model(traces)
    assert m.sound, m.soundness
    # more gateways than tasks only to keep the activities in 5% or more of the cases, and said
    crowded = any("more than one per task" in n for n in m.notes)
    assert m.gateways <= max(m.tasks, 1) or crowded
    assert set(m.activities) | set(m.dropped_activities) == {a for t in traces for a in t}
    total = sum(traces.values())
    frequent = {a for a in m.activities + m.dropped_activities
                if sum(n for t, n in traces.items() if a in t) >= d.KEEP_SHARE * total}
    if not any("not every frequent activity could be kept" in n for n in m.notes):
        assert frequent <= set(m.activities)
    assert [x["activity"] for x in m.left_out] == list(m.dropped_activities)
    assert m.cases == sum(traces.values())
