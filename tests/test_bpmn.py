"""BPMN 2.0 export with diagram interchange, checked by the real BPMN clients.

* bpmn-moddle (node, ``tests/js/check_bpmn.mjs``): import warnings, a shape for every flow
  node, an edge for every sequence flow, no overlapping shapes, gateways <= tasks;
* bpmn-js in headless Chromium: ``importXML`` without warnings or page errors, a screenshot per
  model kept in ``tests/artifacts/``;
* pm4py reads the BPMN and PNML files back.

Node and the npm packages must be present (``make test`` installs them). Set
``PROCSIMP_SKIP_NODE=1`` to skip the node and browser checks on a machine without them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from procsimp.errors import ParameterError
from procsimp.mine import discovery as d
from procsimp.mine.render import bpmn as rb
from procsimp.mine.render.pnml import pnml_xml, write_pnml
from tests.conftest import EVENT_LOGS, real_log_path

JS = Path(__file__).resolve().parent / "js"
CHECKER = JS / "check_bpmn.mjs"
VIEWER = JS / "node_modules" / "bpmn-js" / "dist" / "bpmn-viewer.production.min.js"
CHROMIUM = "/usr/bin/chromium"
RECEIPT = "Receipt_phase_of_an_environmental_permit_application_process_WABO_CoSeLoG_project.xes.gz"
NS = {"bpmn": rb.NS_BPMN, "bpmndi": rb.NS_BPMNDI, "dc": rb.NS_DC, "di": rb.NS_DI}
NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")

#: public log -> short key of its default model
REAL_LOGS = {
    "running-example.xes": "running_example",
    RECEIPT: "receipt",
    "Sepsis_Cases-Event_Log.xes.gz": "sepsis",
    "BPIC15_1.xes.gz": "bpic15_1",
}


def _need_node() -> str:
    """The node executable; fails (not skips) when node or the npm packages are missing."""
    if os.environ.get("PROCSIMP_SKIP_NODE") == "1":
        pytest.skip("PROCSIMP_SKIP_NODE=1: node/bpmn-moddle/bpmn-js checks switched off")
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: run 'make test' (it installs nodejs and npm), or set "
                    "PROCSIMP_SKIP_NODE=1 to skip the bpmn-moddle and bpmn-js checks")
    if not (JS / "node_modules" / "bpmn-moddle").is_dir() or not VIEWER.is_file():
        pytest.fail(f"bpmn-moddle/bpmn-js are not installed in {JS / 'node_modules'}: run "
                    f"'cd {JS.relative_to(JS.parent.parent)} && npm ci' (make test does it), or set "
                    "PROCSIMP_SKIP_NODE=1")
    return node


def check_with_moddle(paths: list[Path]) -> dict[str, dict]:
    node = _need_node()
    out = subprocess.run([node, str(CHECKER), *map(str, paths)], capture_output=True, text=True,
                         timeout=120, cwd=JS)
    assert out.returncode == 0, out.stderr + out.stdout
    return {Path(r["file"]).name: r for r in json.loads(out.stdout)["files"]}


# ---------------------------------------------------------------------------- models, once
@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """name -> (Model, BPMN path): default models of the real logs and bundled services, plus
    one full model; written once for the whole module."""
    import procsimp
    from procsimp.engine import variants

    out = tmp_path_factory.mktemp("bpmn")
    found: dict[str, tuple[d.Model, Path]] = {}

    def add(key: str, model: d.Model) -> None:
        path = out / f"{key}.bpmn"
        rb.write_bpmn(model, path)
        found[key] = (model, path)

    for name, key in REAL_LOGS.items():
        try:
            path = real_log_path(name)
        except pytest.skip.Exception:
            continue
        log = procsimp.read_log(path)
        table = variants(log)
        add(key, d.discover_model(table, log=log))
        if name == RECEIPT:
            add("receipt_full", d.discover_model(table, log=log, full=True))
    bundled = EVENT_LOGS / "dossiers_vi.csv"
    if bundled.exists():
        log = procsimp.read_log(bundled)
        table = variants(log)
        for i, service in enumerate(log.services):
            add(f"bundled_{i}", d.discover_model(table[table["service"] == service], log=log))
    if not found:
        pytest.skip("neither the public real logs nor the bundled event_logs/ are present")
    return found


# ---------------------------------------------------------------------------- bpmn-moddle
def test_every_model_imports_cleanly_into_bpmn_moddle(models):
    reports = check_with_moddle([path for _, path in models.values()])
    assert len(reports) == len(models)
    for key, (model, path) in models.items():
        r = reports[path.name]
        assert r["error"] is None, key
        assert r["warnings"] == [], (key, r["warnings"])
        assert r["nodes_without_shape"] == [], key
        assert r["flows_without_edge"] == [] and r["short_edges"] == [], key
        assert r["overlaps"] == [], (key, r["overlaps"])
        assert r["detached_edges"] == [], (key, r["detached_edges"])
        assert r["bad_refs"] == [], key
        assert r["executable"] is False and r["target_namespace"] == rb.TARGET_NAMESPACE
        assert (r["tasks"], r["gateways"]) == (model.tasks, model.gateways), key
        assert r["events"] == 2 and r["flows"] > r["tasks"]
        if model.kind == "simplified":
            assert r["gateways"] <= r["tasks"], key
        assert model.sound, (key, model.soundness)


def test_checker_reports_problems(tmp_path):
    """The node checker must catch what it claims to catch (else the test above proves nothing)."""
    good = rb.bpmn_xml(d.discover_model({("a", "b"): 2, ("a", "c"): 1}))
    shapes = re.findall(r'<bpmndi:BPMNShape id="[^"]+" bpmnElement="([^"]+)"', good)
    edge = re.search(r'<bpmndi:BPMNEdge id="[^"]+" bpmnElement="(Flow_1)">.*?</bpmndi:BPMNEdge>\n', good, re.S)
    bad = good.replace(edge.group(0), "")  # a flow without an edge
    first = re.search(rf'bpmnElement="{re.escape(shapes[0])}"[^>]*>\s*<dc:Bounds x="(\d+)" y="(\d+)"', good)
    bad = re.sub(rf'(<bpmndi:BPMNShape id="[^"]+" bpmnElement="{re.escape(shapes[1])}"[^>]*>\s*<dc:Bounds x=")\d+(" y=")\d+', r"\g<1>{}\g<2>{}".format(*first.groups()), bad)  # moved onto another
    bad = bad.replace(f'bpmnElement="{shapes[-1]}"', 'bpmnElement="Nowhere_1"', 1)
    (tmp_path / "bad.bpmn").write_text(bad, encoding="utf-8")
    (tmp_path / "broken.bpmn").write_text("<not-bpmn", encoding="utf-8")
    node = _need_node()
    out = subprocess.run([node, str(CHECKER), str(tmp_path / "bad.bpmn"), str(tmp_path / "broken.bpmn")],
                         capture_output=True, text=True, timeout=60, cwd=JS)
    assert out.returncode == 1
    bad_r, broken_r = json.loads(out.stdout)["files"]
    assert broken_r["error"]
    assert bad_r["flows_without_edge"] == ["Flow_1"]
    assert bad_r["nodes_without_shape"] == [shapes[-1]]
    assert bad_r["overlaps"], bad_r
    assert bad_r["warnings"], bad_r  # the unresolved reference "Nowhere_1"


# ---------------------------------------------------------------------------- the XML itself
def xml_problems(xml: bytes | str) -> list[str]:
    """What breaks the BPMN rules in a file: ids, refs, shapes, edges (empty when all is well)."""
    root = etree.fromstring(xml.encode("utf-8") if isinstance(xml, str) else xml)
    problems: list[str] = []
    process = root.find("bpmn:process", NS)
    if process.get("isExecutable") != "false" or not root.get("targetNamespace"):
        problems.append("isExecutable/targetNamespace")
    ids = [el.get("id") for el in root.iter() if el.get("id") is not None]
    if len(ids) != len(set(ids)):
        problems.append("duplicate ids")
    problems += [f"bad id {i}" for i in ids if not NCNAME.match(i)]
    flows = {f.get("id"): f for f in process.findall("bpmn:sequenceFlow", NS)}
    nodes = [el for el in process if el.tag != f"{{{rb.NS_BPMN}}}sequenceFlow"]
    for n in nodes:
        inc = sorted(x.text for x in n.findall("bpmn:incoming", NS))
        out = sorted(x.text for x in n.findall("bpmn:outgoing", NS))
        if inc != sorted(f for f, el in flows.items() if el.get("targetRef") == n.get("id")):
            problems.append(f"incoming of {n.get('id')}")
        if out != sorted(f for f, el in flows.items() if el.get("sourceRef") == n.get("id")):
            problems.append(f"outgoing of {n.get('id')}")
    bounds = {}
    for shape in root.iter(f"{{{rb.NS_BPMNDI}}}BPMNShape"):
        b = shape.find("dc:Bounds", NS)
        bounds[shape.get("bpmnElement")] = tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))
    problems += [f"no shape for {n.get('id')}" for n in nodes if n.get("id") not in bounds]
    items = sorted(bounds.items())
    for i, (a, (x, y, w, h)) in enumerate(items):
        for b, (x2, y2, w2, h2) in items[i + 1:]:
            if x < x2 + w2 and x2 < x + w and y < y2 + h2 and y2 < y + h:
                problems.append(f"overlap {a} {b}")
    edges = {e.get("bpmnElement"): e for e in root.iter(f"{{{rb.NS_BPMNDI}}}BPMNEdge")}
    for fid, flow in flows.items():
        if fid not in edges:
            problems.append(f"no edge for {fid}")
            continue
        points = [(float(p.get("x")), float(p.get("y"))) for p in edges[fid].findall("di:waypoint", NS)]
        if len(points) < 2:
            problems.append(f"short edge {fid}")
            continue
        src, tgt = flow.get("sourceRef"), flow.get("targetRef")
        for (px, py), node in ((points[0], src), (points[-1], tgt)):
            x, y, w, h = bounds[node]
            on_x = x - 1 <= px <= x + w + 1 and (abs(py - y) <= 1 or abs(py - y - h) <= 1)
            on_y = y - 1 <= py <= y + h + 1 and (abs(px - x) <= 1 or abs(px - x - w) <= 1)
            if not (on_x or on_y):
                problems.append(f"edge {fid} not on the border of {node}")
        for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
            if not (x0 == x1 or y0 == y1):
                problems.append(f"diagonal segment in {fid}")
            for node_id, (x, y, w, h) in bounds.items():  # never through another shape
                if node_id not in (src, tgt) and (
                    min(x0, x1) < x + w and max(x0, x1) > x and min(y0, y1) < y + h and max(y0, y1) > y
                ):
                    problems.append(f"edge {fid} crosses {node_id}")
    # left to right: the start event is the leftmost shape, the end event the rightmost
    start = process.find("bpmn:startEvent", NS).get("id")
    end = process.find("bpmn:endEvent", NS).get("id")
    if bounds[start][0] != min(b[0] for b in bounds.values()):
        problems.append("start event is not leftmost")
    if bounds[end][0] + bounds[end][2] != max(b[0] + b[2] for b in bounds.values()):
        problems.append("end event is not rightmost")
    return problems


def test_xml_structure_ids_and_geometry(models):
    for key, (_, path) in models.items():
        assert xml_problems(path.read_bytes()) == [], key


def test_xml_checks_catch_problems():
    good = rb.bpmn_xml(d.discover_model({("a", "b", "c"): 2, ("a", "c"): 1}))
    assert xml_problems(good) == []
    shapes = re.findall(r'<dc:Bounds x="(\d+)" y="(\d+)"', good)
    (x2, y2), (x1, y1) = shapes[2], shapes[1]
    moved = good.replace(f'<dc:Bounds x="{x2}" y="{y2}"', f'<dc:Bounds x="{x1}" y="{y1}"', 1)
    assert any(p.startswith("overlap") for p in xml_problems(moved))
    diagonal = re.sub(r'(<di:waypoint x=")(\d+)(" y="\d+" />\s*</bpmndi:BPMNEdge>)',
                      lambda m: m.group(1) + str(int(m.group(2)) + 7) + m.group(3), good, count=1)
    assert any("diagonal" in p or "border" in p for p in xml_problems(diagonal))


variant_tables = st.dictionaries(
    keys=st.lists(st.sampled_from(["Tiếp nhận", "Kiểm tra", "Thẩm định", "Xem xét, trình ký",
                                   "Ký duyệt", "Trả kết quả", "Yêu cầu bổ sung"]),
                  min_size=1, max_size=8).map(tuple),
    values=st.integers(1, 30),
    min_size=1,
    max_size=10,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(variant_tables, st.booleans())
def test_property_every_model_gets_a_clean_diagram(traces, full):
    model = d.discover_model(traces, full=full)
    xml = rb.bpmn_xml(model, name="p")
    assert xml_problems(xml) == []
    assert xml == rb.bpmn_xml(model, name="p")


def test_vietnamese_names_are_kept_and_special_characters_escaped(tmp_path):
    traces = {("Tiếp nhận hồ sơ", "Xem xét, trình ký", 'Ký "duyệt" <kết quả> & trả'): 3,
              ("Tiếp nhận hồ sơ", 'Ký "duyệt" <kết quả> & trả'): 1}
    m = d.discover_model(traces, noise=0.0)
    path = rb.write_bpmn(m, tmp_path / "vi.bpmn", name="Đăng ký khai sinh")
    raw = path.read_bytes()
    assert "Tiếp nhận hồ sơ".encode() in raw and "Đăng ký khai sinh".encode() in raw
    root = etree.fromstring(raw)
    names = {el.get("name") for el in root.iter(f"{{{rb.NS_BPMN}}}task")}
    assert names == {"Tiếp nhận hồ sơ", "Xem xét, trình ký", 'Ký "duyệt" <kết quả> & trả'}
    assert root.find("bpmn:process", NS).get("name") == "Đăng ký khai sinh"
    # decomposed input (Windows-1258 style) is written precomposed (NFC)
    import unicodedata

    nfd = {tuple(unicodedata.normalize("NFD", a) for a in t): n for t, n in traces.items()}
    assert rb.bpmn_xml(d.discover_model(nfd, noise=0.0), name="Đăng ký khai sinh") == raw.decode()


def test_same_model_same_bytes_and_stable_task_ids(tmp_path):
    traces = {("a", "b", "c"): 3, ("a", "c", "b"): 2, ("a", "d"): 1}
    one = rb.bpmn_xml(d.discover_model(traces, noise=0.0), name="p")
    two = rb.bpmn_xml(d.discover_model(dict(reversed(list(traces.items()))), noise=0.0), name="p")
    assert one == two
    # a task keeps its id in another model (as-is and to-be diagrams can be compared)
    other = rb.bpmn_xml(d.discover_model({("a", "b"): 1}), name="p")
    ids = lambda xml: dict(re.findall(r'<bpmn:task id="([^"]+)" name="([^"]+)"', xml))  # noqa: E731
    assert {v: k for k, v in ids(one).items()}["b"] == {v: k for k, v in ids(other).items()}["b"]


def test_pm4py_bpmn_objects_are_laid_out_too(models, tmp_path):
    """A BPMN from pm4py's own discovery (uuid ids, gateway cascades) gets a clean diagram."""
    from procsimp.core._pm4py import pm4py

    model, _ = next(iter(models.values()))
    pm = pm4py()
    import procsimp

    log = procsimp.read_log(real_log_path("running-example.xes"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        native = pm.discover_bpmn_inductive(log.to_pm4py())
    first = rb.bpmn_xml(native, name="native")
    assert first == rb.bpmn_xml(native, name="native")
    path = tmp_path / "native.bpmn"
    path.write_text(first, encoding="utf-8")
    r = check_with_moddle([path])["native.bpmn"]
    assert r["warnings"] == [] and r["overlaps"] == [] and r["nodes_without_shape"] == []
    assert r["flows_without_edge"] == [] and r["detached_edges"] == []
    assert (r["tasks"], r["gateways"]) == d.bpmn_counts(native)


def test_pm4py_reads_the_bpmn_back(models):
    from procsimp.core._pm4py import pm4py

    model, path = models.get("receipt", next(iter(models.values())))
    back = pm4py().read_bpmn(str(path))
    assert d.bpmn_counts(back) == (model.tasks, model.gateways)
    assert {n.get_name() for n in back.get_nodes() if n.get_name()} >= set(model.activities)


def test_bad_input_is_refused():
    with pytest.raises(ParameterError) as err:
        rb.bpmn_xml("model.bpmn")
    assert str(err.value) == (
        "expected a procsimp Model (procsimp.mine.discovery.discover_model) or a pm4py BPMN graph, got str"
    )


def test_write_is_atomic_and_returns_the_path(tmp_path):
    m = d.discover_model({("a", "b"): 1})
    target = tmp_path / "sub" / "model.bpmn"
    assert rb.write_bpmn(m, target) == target
    assert target.read_text(encoding="utf-8").startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert [p.name for p in target.parent.iterdir()] == ["model.bpmn"]


def test_svg_preview_draws_every_node(models):
    model, _ = next(iter(models.values()))
    svg = rb.bpmn_svg(model)
    root = etree.fromstring(svg.encode())
    assert root.tag.endswith("svg")
    assert svg.count("<polyline") == len(model.bpmn.get_flows())
    assert svg.count("<rect") == model.tasks


# ---------------------------------------------------------------------------- PNML
def test_pnml_round_trips_through_pm4py_and_is_deterministic(models, tmp_path):
    from procsimp.core._pm4py import pm4py

    model, _ = models.get("receipt", next(iter(models.values())))
    path = write_pnml(model, tmp_path / "model.pnml")
    assert path.read_bytes() == pnml_xml(model)  # named after the service
    net, im, fm = pm4py().read_pnml(str(path))
    assert len(net.places) == len(model.net.places)
    assert len(net.transitions) == len(model.net.transitions)
    assert sorted(t.label for t in net.transitions if t.label) == sorted(
        t.label for t in model.net.transitions if t.label)
    assert d.check_sound(net, im, fm)
    assert model.net.name == ""  # the model's own net is not renamed by the export


def test_pnml_refuses_other_objects():
    with pytest.raises(ParameterError) as err:
        pnml_xml(object())
    assert str(err.value) == (
        "expected a procsimp Model (procsimp.mine.discovery.discover_model) or a (net, "
        "initial_marking, final_marking) tuple, got object"
    )


# ---------------------------------------------------------------------------- bpmn-js in Chromium
SCREENSHOT_MODELS = ("running_example", "receipt", "bpic15_1", "bundled_0")


def test_bpmn_js_renders_models_in_headless_chromium(models, artifacts_dir):
    _need_node()
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: run 'make test' (it installs chromium) or set PROCSIMP_SKIP_NODE=1")
    from playwright.sync_api import sync_playwright

    js = VIEWER.read_text(encoding="utf-8")
    css = "".join((VIEWER.parent / "assets" / f).read_text(encoding="utf-8")
                  for f in ("diagram-js.css", "bpmn-js.css"))
    page_html = (
        "<!doctype html><html><head><meta charset='utf-8'><style>" + css +
        "html,body{margin:0;background:#fff} #canvas{width:100vw;height:100vh}</style></head>"
        "<body><div id='canvas'></div><script>" + js + "</script></body></html>"
    )
    chosen = [k for k in SCREENSHOT_MODELS if k in models] or list(models)[:2]
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        try:
            for key in chosen:
                model, path = models[key]
                layout = rb.layout_bpmn(model)
                page = browser.new_page(viewport={"width": int(min(layout.width + 40, 3000)),
                                                  "height": int(min(layout.height + 40, 1600))})
                errors: list[str] = []
                page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
                page.route("**/*", lambda route: route.abort()
                           if not route.request.url.startswith(("about:", "data:")) else route.continue_())
                page.set_content(page_html)
                result = page.evaluate(
                    """async (xml) => {
                        const viewer = new BpmnJS({container: '#canvas'});
                        try {
                          const r = await viewer.importXML(xml);
                          viewer.get('canvas').zoom('fit-viewport');
                          const ids = viewer.get('elementRegistry').getAll().map(e => e.id);
                          return {warnings: r.warnings.map(w => w.message), ids};
                        } catch (e) {
                          return {error: String(e), warnings: (e.warnings || []).map(w => w.message)};
                        }
                    }""",
                    path.read_text(encoding="utf-8"),
                )
                shot = artifacts_dir / f"bpmn_{key}.png"
                page.screenshot(path=str(shot))
                page.close()
                assert "error" not in result, (key, result)
                assert result["warnings"] == [] and errors == [], (key, result["warnings"], errors)
                xml_ids = set(re.findall(r'<bpmn:(?:task|startEvent|endEvent|exclusiveGateway|'
                                         r'parallelGateway|sequenceFlow) id="([^"]+)"', path.read_text("utf-8")))
                assert xml_ids <= set(result["ids"]), key  # every node and flow was drawn
                assert shot.stat().st_size > 5_000
        finally:
            browser.close()


# ---------------------------------------------------------------------------- missing tools
def test_missing_node_fails_loudly_unless_switched_off(monkeypatch):
    monkeypatch.delenv("PROCSIMP_SKIP_NODE", raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(pytest.fail.Exception) as err:
        _need_node()
    assert "node is not installed: run 'make test'" in str(err.value)
    monkeypatch.setenv("PROCSIMP_SKIP_NODE", "1")
    with pytest.raises(pytest.skip.Exception) as skipped:
        _need_node()
    assert "PROCSIMP_SKIP_NODE=1" in str(skipped.value)


def test_missing_npm_packages_fail_loudly(monkeypatch, tmp_path):
    import sys

    monkeypatch.delenv("PROCSIMP_SKIP_NODE", raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/node")
    monkeypatch.setattr(sys.modules[__name__], "JS", tmp_path / "js")
    with pytest.raises(pytest.fail.Exception) as err:
        _need_node()
    assert "bpmn-moddle/bpmn-js are not installed" in str(err.value)
