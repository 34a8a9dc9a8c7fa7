"""The to-be model is the as-is model with the accepted edits applied, and every edit shows in
``to_be.bpmn`` (read back as XML, and by bpmn-moddle without warnings) and in the diagram."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import procsimp
from procsimp.engine.edits import Automate, Eliminate, Merge, MoveEarlier, Parallelize
from procsimp.mine.render.bpmn import CHANGE_COLOURS, NS_BIOC, NS_BPMN
from procsimp.propose import propose_all
from tests.bpmn_moddle import assert_clean, check_bpmn
from tests.conftest import EVENT_LOGS, real_log_path

B = f"{{{NS_BPMN}}}"


def read_bpmn(path: Path) -> dict:
    """Tasks by name (kind, documentation, colour), flows and parallel gateways of a BPMN file."""
    root = ET.parse(path).getroot()
    process = root.find(f"{B}process")
    assert process is not None
    colours = {
        s.get("bpmnElement"): s.get(f"{{{NS_BIOC}}}stroke")
        for s in root.iter("{http://www.omg.org/spec/BPMN/20100524/DI}BPMNShape")
    }
    tasks: dict[str, dict] = {}
    kinds: dict[str, str] = {}
    for el in process:
        kind = el.tag.removeprefix(B)
        kinds[el.get("id")] = kind
        if kind in ("task", "serviceTask", "userTask"):
            doc = el.find(f"{B}documentation")
            tasks[el.get("name")] = {
                "id": el.get("id"),
                "kind": kind,
                "doc": "" if doc is None else doc.text or "",
                "stroke": colours.get(el.get("id")),
            }
    flows = [(f.get("sourceRef"), f.get("targetRef")) for f in process.iter(f"{B}sequenceFlow")]
    return {"tasks": tasks, "flows": flows, "kinds": kinds}


def assert_edits_visible(plan, bpmn: dict) -> int:
    """Every accepted edit of ``plan`` is visible in the BPMN read back; returns how many."""
    tasks, flows, kinds = bpmn["tasks"], bpmn["flows"], bpmn["kinds"]
    removed = CHANGE_COLOURS["removed"][0]
    seen = 0
    net_labels = {t.label for t in plan.model.net.transitions if t.label}
    for e in plan.edits:
        if isinstance(e, (Eliminate, Merge)):
            t = tasks[e.activity]  # still drawn, ghosted
            assert t["stroke"] == removed and e.describe("en") in t["doc"], (e, t)
            assert e.activity not in net_labels  # ...and no longer run
            if isinstance(e, Merge):
                assert e.describe("en") in tasks[e.into]["doc"]
        elif isinstance(e, Parallelize):
            a, b = tasks[e.a]["id"], tasks[e.b]["id"]
            splits = [s for s, t in flows if t == a and kinds[s] == "parallelGateway"]
            assert any((s, b) in flows for s in splits), (e, "not in one parallel block")
        elif isinstance(e, Automate):  # the step stays, done by the system: a service task
            assert tasks[e.activity]["kind"] == "serviceTask", (e, tasks[e.activity])
            assert e.activity in net_labels
        elif isinstance(e, MoveEarlier):
            assert (tasks[e.after]["id"], tasks[e.activity]["id"]) in flows, e
            assert tasks[e.activity]["stroke"] == CHANGE_COLOURS["moved"][0]
        else:  # pragma: no cover - a new edit kind must be drawn too
            raise AssertionError(f"edit {e!r} has no drawing")
        seen += 1
    for r in plan.recommendations:
        if r.action == "automate":
            assert tasks[r.activity]["kind"] == "serviceTask"
            seen += 1
    return seen


def assert_diagram_shows_edits(plan) -> None:
    source = plan.diagram(lang="en").source
    for e in plan.edits:
        for name in {getattr(e, k, None) for k in ("activity", "into", "a", "b")} - {None}:
            assert name.replace('"', '\\"') in source or _html(name) in source, (e, name)
    if plan.removed:
        assert "dashed" in source
    if any(isinstance(e, Parallelize) for e in plan.edits):
        assert "in parallel" in source


def _html(text: str) -> str:
    import html

    return html.escape(text)


def test_bundled_to_be_models_show_every_edit(tmp_path: Path) -> None:
    log = procsimp.read_log(EVENT_LOGS / "dossiers_en.csv")
    proposals = propose_all(log, procsimp.flag_steps(log))
    files, shown = [], 0
    kinds = set()
    for i, plan in enumerate(proposals):
        path = plan.write_bpmn(tmp_path / f"to_be_{i}.bpmn")
        files.append(path)
        bpmn = read_bpmn(path)
        shown += assert_edits_visible(plan, bpmn)
        kinds |= {e.action for e in plan.edits}
        assert_diagram_shows_edits(plan)
        # the same activities as the as-is model, which is not rediscovered from the to-be log
        as_is = plan.as_is
        assert set(bpmn["tasks"]) <= set(as_is.df["concept:name"].astype(str))
        assert plan.model.kind == "to-be"
    assert shown >= len(proposals) and {"eliminate", "merge", "parallelize"} <= kinds
    for report in check_bpmn(files):
        assert_clean(report)


def test_to_be_keeps_the_as_is_layout_when_nothing_changes(tmp_path: Path) -> None:
    log = procsimp.read_log(EVENT_LOGS / "dossiers_en.csv")
    service = log.services[0]
    plan = procsimp.propose(log, [], service=service)
    assert plan.edits == ()
    from procsimp.engine import variants
    from procsimp.mine.discovery import discover_model
    from procsimp.mine.render.bpmn import layout_bpmn

    sub = log.for_service(service)
    as_is = discover_model(variants(sub), log=sub)
    a, b = layout_bpmn(as_is), layout_bpmn(plan.model)
    assert [(n.name, n.x, n.y) for n in a.nodes] == [(n.name, n.x, n.y) for n in b.nodes]


@pytest.mark.real_logs
@pytest.mark.parametrize(
    "name", ["Sepsis_Cases-Event_Log.xes.gz", "roadtraffic100traces.xes", "BPIC15_4.xes.gz"]
)
def test_real_log_to_be_bpmn_shows_each_accepted_edit(name: str, tmp_path: Path) -> None:
    log = procsimp.read_log(real_log_path(name))
    plan = procsimp.propose(log)
    path = plan.write_bpmn(tmp_path / "to_be.bpmn")
    bpmn = read_bpmn(path)
    assert assert_edits_visible(plan, bpmn) == len(plan.edits) + sum(
        r.action == "automate" for r in plan.recommendations
    )
    assert not any(n.startswith("not drawn") for n in plan.model.notes), plan.model.notes
    assert_clean(check_bpmn([path])[0])
