# Long module: one layout algorithm (order, placement, orthogonal routing) and its BPMN-DI serialisation.
"""BPMN 2.0 XML with complete diagram interchange (BPMNDI), laid out left to right.

pm4py's own BPMN layout comes out garbled in bpmn.io, so procsimp lays the diagram out itself:

1. nodes get a canonical order (breadth-first from the start event, ties broken by name and a
   Weisfeiler-Lehman hash of the neighbourhood), so ids and output bytes are stable;
2. Graphviz ``dot`` (rankdir=LR) places the nodes in columns, with BPMN shape sizes
   (tasks 100×80, gateways 50×50, events 36×36), which guarantees shapes do not overlap;
3. sequence flows are routed orthogonally by procsimp: horizontal runs through free space of
   each column, vertical jogs on their own tracks in the gaps between columns, flows leaving
   and entering shapes on their borders; flows that go back (loops) run around the shapes.

The XML has ``targetNamespace``, ``isExecutable="false"``, ``incoming``/``outgoing`` on every
node, NCName ids, XML-escaped UTF-8 names (Vietnamese kept), and a ``BPMNShape`` with
``dc:Bounds`` for every flow node and a ``BPMNEdge`` with at least two ``di:waypoint`` for every
sequence flow. Tasks that repeat carry ``standardLoopCharacteristics`` (the loop marker).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import unicodedata
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from procsimp.errors import ParameterError

#: the attribute of a pm4py BPMN task that carries the BPMN standard loop marker (set by
#: :func:`procsimp.mine.discovery.make_loop_task`, drawn here)
LOOP_MARKER = "procsimp_loop"


def is_loop_task(node: Any) -> bool:
    """Whether a BPMN node is a task with the standard loop marker."""
    return bool(getattr(node, LOOP_MARKER, False))

__all__ = ["BpmnLayout", "bpmn_xml", "write_bpmn", "layout_bpmn", "bpmn_svg", "is_loop_task", "LOOP_MARKER"]

NS_BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NS_BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
NS_DC = "http://www.omg.org/spec/DD/20100524/DC"
NS_DI = "http://www.omg.org/spec/DD/20100524/DI"
#: colour extensions bpmn-js reads (bpmn.io's and the OMG's non-normative one)
NS_BIOC = "http://bpmn.io/schema/bpmn/biocolor/1.0"
NS_COLOR = "http://www.omg.org/spec/BPMN/non-normative/color/1.0"
#: (stroke, fill) of a changed task in a to-be model; a removed step is ghosted
CHANGE_COLOURS = {
    "removed": ("#9e9e9e", "#f0f0f0"),
    "automated": ("#1565c0", "#e3f2fd"),
    "parallel": ("#2171b5", "#ffffff"),
    "moved": ("#238b45", "#edf8e9"),
    "absorbs": ("#6a51a3", "#f2f0f7"),
}
TARGET_NAMESPACE = "urn:procsimp:bpmn"

#: shape sizes in pixels (bpmn-js defaults)
TASK_SIZE = (100, 80)
GATEWAY_SIZE = (50, 50)
EVENT_SIZE = (36, 36)
MARGIN = 40  # around the diagram
MIN_GAP = 56  # between columns
TRACK = 12  # between two vertical tracks in a gap
CLEAR = 14  # free space kept around shapes by horizontal runs
NODESEP = 36  # between shapes of one column

_EVENT_KINDS = ("startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent")
_GATEWAY_KINDS = ("exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway")
_TASK_KINDS = ("task", "userTask", "sendTask", "subProcess")


# ============================================================================ the flow graph
@dataclass
class _Node:
    obj: Any
    kind: str
    name: str
    loop: bool
    change: str = ""  # how a to-be model changed this task (procsimp.mine.discovery.CHANGE_KINDS)
    note: str = ""
    id: str = ""
    width: int = 0
    height: int = 0
    x: float = 0.0  # top-left corner
    y: float = 0.0
    column: int = 0

    @property
    def cx(self) -> float:
        return self.x + self.width / 2

    @property
    def cy(self) -> float:
        return self.y + self.height / 2

    @property
    def bottom(self) -> float:
        return self.y + self.height

    @property
    def right(self) -> float:
        return self.x + self.width


@dataclass
class _Edge:
    source: int
    target: int
    name: str
    id: str = ""
    points: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class BpmnLayout:
    """A laid-out BPMN process: nodes with bounds, flows with waypoints (pixels)."""

    nodes: list[_Node]
    edges: list[_Edge]
    width: float
    height: float
    name: str

    def shapes(self) -> dict[str, tuple[float, float, float, float]]:
        """``id -> (x, y, width, height)`` of every flow node."""
        return {n.id: (n.x, n.y, n.width, n.height) for n in self.nodes}

    def waypoints(self) -> dict[str, list[tuple[float, float]]]:
        """``flow id -> waypoints``."""
        return {e.id: list(e.points) for e in self.edges}


def _kind(obj: Any) -> str:
    from procsimp.core._pm4py import pm4py

    pm4py()  # quietly, before any ``from pm4py...`` import
    from pm4py.objects.bpmn.obj import BPMN

    checks = (
        (BPMN.StartEvent, "startEvent"),
        (BPMN.EndEvent, "endEvent"),
        (BPMN.IntermediateCatchEvent, "intermediateCatchEvent"),
        (BPMN.IntermediateThrowEvent, "intermediateThrowEvent"),
        (BPMN.ExclusiveGateway, "exclusiveGateway"),
        (BPMN.ParallelGateway, "parallelGateway"),
        (BPMN.InclusiveGateway, "inclusiveGateway"),
        (BPMN.EventBasedGateway, "eventBasedGateway"),
        (BPMN.UserTask, "userTask"),
        (BPMN.SendTask, "sendTask"),
        (BPMN.Task, "task"),
        (BPMN.SubProcess, "subProcess"),
    )
    for cls, kind in checks:
        if isinstance(obj, cls):
            return kind
    raise ParameterError(
        f"BPMN element {type(obj).__name__} ({getattr(obj, 'name', '')!r}) is not supported by "
        "the BPMN export; supported: events (start, end, intermediate), tasks, sub-processes "
        "and exclusive, parallel, inclusive and event-based gateways"
    )


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: Any) -> str:
    """NFC text without characters XML 1.0 forbids."""
    return _XML_BAD.sub("", unicodedata.normalize("NFC", str(text or ""))).strip()


def _size(kind: str, name: str) -> tuple[int, int]:
    if kind in _EVENT_KINDS:
        return EVENT_SIZE
    if kind in _GATEWAY_KINDS:
        return GATEWAY_SIZE
    n = len(name)
    if n <= 48:
        return TASK_SIZE
    if n <= 80:
        return (130, 80)
    return (160, 100)


def _graph(bpmn: Any) -> tuple[list[_Node], list[_Edge]]:
    """Nodes and flows of a pm4py BPMN in canonical order, with stable ids."""
    import networkx as nx
    from pm4py.objects.bpmn.obj import BPMN

    raw_nodes = list(bpmn.get_nodes())
    flows = [f for f in bpmn.get_flows() if isinstance(f, BPMN.SequenceFlow)]
    nodes = [
        _Node(
            obj=o,
            kind=_kind(o),
            name=_clean(o.get_name()),
            loop=is_loop_task(o),
            change=str(getattr(o, "procsimp_change", "") or ""),
            note=_clean(getattr(o, "procsimp_note", "") or ""),
        )
        for o in raw_nodes
    ]
    index = {id(o): i for i, o in enumerate(raw_nodes)}
    pairs = []
    for f in flows:
        s, t = index.get(id(f.get_source())), index.get(id(f.get_target()))
        if s is None or t is None:
            raise ParameterError(
                f"sequence flow {f.get_id()} connects a node that is not in the BPMN graph; "
                "add both ends with bpmn.add_node before exporting"
            )
        pairs.append((s, t, _clean(f.get_name())))
    graph = nx.MultiDiGraph()
    for i, n in enumerate(nodes):
        graph.add_node(i, label=f"{n.kind}|{n.name}|{int(n.loop)}".encode("unicode_escape").decode("ascii"))
    for s, t, _ in pairs:
        graph.add_edge(s, t)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wl = nx.weisfeiler_lehman_subgraph_hashes(nx.DiGraph(graph), node_attr="label", iterations=3)

    def key(i: int) -> tuple[str, str]:
        return (graph.nodes[i]["label"], "".join(wl.get(i, [])))

    succ: dict[int, list[int]] = defaultdict(list)
    for s, t, _ in pairs:
        succ[s].append(t)
    order: list[int] = []
    seen: set[int] = set()
    starts = sorted((i for i, n in enumerate(nodes) if n.kind == "startEvent"), key=key)
    pending = sorted((i for i in range(len(nodes))), key=key)
    queue = list(starts)
    while len(order) < len(nodes):
        if not queue:
            queue = [next(i for i in pending if i not in seen)]
        frontier: list[int] = []
        for i in queue:
            if i in seen:
                continue
            seen.add(i)
            order.append(i)
            frontier.extend(sorted((t for t in succ[i] if t not in seen), key=key))
        queue = frontier
    rank = {old: new for new, old in enumerate(order)}
    nodes = [nodes[i] for i in order]
    edges = sorted(
        (_Edge(source=rank[s], target=rank[t], name=name) for s, t, name in pairs),
        key=lambda e: (e.source, e.target, e.name),
    )
    counters: dict[str, int] = defaultdict(int)
    used: set[str] = set()
    prefix = {
        "startEvent": "StartEvent",
        "endEvent": "EndEvent",
        "intermediateCatchEvent": "Event",
        "intermediateThrowEvent": "Event",
    }
    for n in nodes:
        if n.kind in _TASK_KINDS:
            digest = hashlib.sha1(n.name.encode("utf-8")).hexdigest()[:7]
            base = f"Activity_{digest}"
        elif n.kind in _GATEWAY_KINDS:
            counters["Gateway"] += 1
            base = f"Gateway_{counters['Gateway']}"
        else:
            p = prefix[n.kind]
            counters[p] += 1
            base = f"{p}_{counters[p]}"
        candidate, k = base, 1
        while candidate in used:
            k += 1
            candidate = f"{base}_{k}"
        used.add(candidate)
        n.id = candidate
        n.width, n.height = _size(n.kind, n.name)
    for i, e in enumerate(edges, start=1):
        e.id = f"Flow_{i}"
    return nodes, edges


# ============================================================================ layout
def _graphviz_positions(nodes: list[_Node], edges: list[_Edge]) -> tuple[dict[int, tuple[float, float]], list[list[tuple[float, float]]]]:
    """Node centres and edge spline points from ``dot -Tjson`` (y pointing down)."""
    import graphviz

    lines = [
        "digraph G {",
        '  graph [rankdir=LR, nodesep="%.3f", ranksep="0.8", splines=true, newrank=false];'
        % (NODESEP / 72),
        '  node [shape=box, fixedsize=true, label=""];',
        "  edge [arrowhead=none];",
    ]
    main = _main_path(nodes, edges)
    for i, n in enumerate(nodes):
        group = ', group="main"' if i in main else ""
        lines.append(f'  n{i} [width="{n.width / 72:.4f}", height="{n.height / 72:.4f}"{group}];')
    for e in edges:
        weight = 4 if nodes[e.source].kind not in _GATEWAY_KINDS and nodes[e.target].kind not in _GATEWAY_KINDS else 2
        lines.append(f"  n{e.source} -> n{e.target} [weight={weight}];")
    # start events in the first column, end events alone in the last one
    starts = " ".join(f"n{i};" for i, n in enumerate(nodes) if n.kind == "startEvent")
    ends = " ".join(f"n{i};" for i, n in enumerate(nodes) if n.kind == "endEvent")
    if starts:
        lines.append(f"  {{rank=source; {starts}}}")
    if ends:
        lines.append(f"  {{rank=sink; {ends}}}")
    lines.append("}")
    try:
        raw = graphviz.Source("\n".join(lines)).pipe(format="json", encoding="utf-8")
    except graphviz.ExecutableNotFound as exc:  # pragma: no cover - depends on the machine
        from procsimp.errors import OptionalDependencyError

        raise OptionalDependencyError(
            "the BPMN layout needs Graphviz's 'dot' program; install it with "
            "'apt-get install graphviz' (Debian/Ubuntu) or 'brew install graphviz' (macOS)"
        ) from exc
    data = json.loads(raw)
    top = float(data["bb"].split(",")[3])
    centres: dict[int, tuple[float, float]] = {}
    gvid_to_node: dict[int, int] = {}
    for obj in data.get("objects", []):
        name = obj.get("name", "")
        if name.startswith("n") and name[1:].isdigit():
            x, y = (float(v) for v in obj["pos"].split(","))
            centres[int(name[1:])] = (x, top - y)
            gvid_to_node[int(obj["_gvid"])] = int(name[1:])
    splines: list[list[tuple[float, float]]] = [[] for _ in edges]
    by_pair: dict[tuple[int, int], list[int]] = defaultdict(list)
    for k, e in enumerate(edges):
        by_pair[(e.source, e.target)].append(k)
    for obj in data.get("edges", []):
        s, t = gvid_to_node[int(obj["tail"])], gvid_to_node[int(obj["head"])]
        ks = by_pair.get((s, t))
        if not ks:
            continue
        k = ks.pop(0)
        pts = []
        for token in obj.get("pos", "").split():
            if token[:2] in ("e,", "s,"):
                continue
            x, y = (float(v) for v in token.split(","))
            pts.append((x, top - y))
        splines[k] = pts
    return centres, splines


def _main_path(nodes: list[_Node], edges: list[_Edge]) -> set[int]:
    """The start-to-end path through the most tasks (ignoring loops back); Graphviz keeps the
    nodes of one ``group`` on a straight line, so the main flow reads as one line."""
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_nodes_from(range(len(nodes)))
    for e in edges:
        graph.add_edge(e.source, e.target)
    starts = [i for i, n in enumerate(nodes) if n.kind == "startEvent"]
    if not starts:
        return set()
    # drop the edges that close a cycle in a depth-first search from the start
    back: set[tuple[int, int]] = set()
    state = {starts[0]: 1}  # 1 = on the stack, 2 = done
    stack = [(starts[0], iter(sorted(graph.successors(starts[0]))))]
    while stack:
        node, successors = stack[-1]
        nxt = next(successors, None)
        if nxt is None:
            state[node] = 2
            stack.pop()
        elif state.get(nxt) == 1:
            back.add((node, nxt))
        elif nxt not in state:
            state[nxt] = 1
            stack.append((nxt, iter(sorted(graph.successors(nxt)))))
    dag = nx.DiGraph([(e.source, e.target) for e in edges if (e.source, e.target) not in back])
    dag.add_nodes_from(range(len(nodes)))
    if not nx.is_directed_acyclic_graph(dag):
        return set()
    best: dict[int, tuple[int, list[int]]] = {}
    for v in reversed(list(nx.topological_sort(dag))):
        gain = 1 if nodes[v].kind in _TASK_KINDS else 0
        options = [best[w] for w in sorted(dag.successors(v)) if w in best]
        if nodes[v].kind == "endEvent":
            best[v] = (gain, [v])
        elif options:
            score, path = max(options, key=lambda o: (o[0], [-x for x in o[1]]))
            best[v] = (score + gain, [v, *path])
    return set(best.get(starts[0], (0, []))[1])


def _spline_y_at(points: list[tuple[float, float]], x: float) -> float | None:
    """The y where a cubic B-spline (Graphviz control points) crosses ``x``, if it does."""
    if len(points) < 4:
        return None
    samples: list[tuple[float, float]] = []
    for i in range(0, len(points) - 3, 3):
        p0, p1, p2, p3 = points[i : i + 4]
        for k in range(17):
            u = k / 16
            a, b, c, d = (1 - u) ** 3, 3 * u * (1 - u) ** 2, 3 * u * u * (1 - u), u**3
            samples.append(
                (a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0], a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1])
            )
    for (x0, y0), (x1, y1) in zip(samples, samples[1:], strict=False):
        if (x0 - x) * (x1 - x) <= 0 and x0 != x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return None


class _Columns:
    """Columns of the layered layout, the space shapes block in each, and the horizontal runs
    of flows already routed through each (so that two flows do not share a line)."""

    RUN = 7  # half-height of the band a horizontal run reserves

    def __init__(self, nodes: list[_Node]) -> None:
        self.nodes = nodes
        xs = sorted({round(n.cx) for n in nodes})
        merged: list[float] = []
        for x in xs:
            if merged and x - merged[-1] < 4:
                continue
            merged.append(x)
        self.count = len(merged)
        for n in nodes:
            n.column = min(range(len(merged)), key=lambda k: abs(merged[k] - n.cx))
        # start events alone in the first column, end events alone in the last one
        starts = [n for n in nodes if n.kind == "startEvent"]
        ends = [n for n in nodes if n.kind == "endEvent"]
        if any(n.column == s.column for s in starts for n in nodes if n.kind != "startEvent"):
            for n in nodes:
                n.column = 0 if n.kind == "startEvent" else n.column + 1
            self.count += 1
        if any(n.column == e.column for e in ends for n in nodes if n.kind != "endEvent"):
            for n in ends:
                n.column = self.count
            self.count += 1
        used = sorted({n.column for n in nodes})
        renumber = {c: k for k, c in enumerate(used)}
        for n in nodes:
            n.column = renumber[n.column]
        self.count = len(used)
        self.members: list[list[_Node]] = [[] for _ in range(self.count)]
        for n in nodes:
            self.members[n.column].append(n)
        self.width = [max(n.width for n in m) if m else 0 for m in self.members]
        self.runs: list[list[tuple[float, str]]] = [[] for _ in range(self.count)]

    def blocked(self, column: int, owner: str | None = None) -> list[tuple[float, float]]:
        spans = [(n.y - CLEAR, n.bottom + CLEAR) for n in self.members[column]]
        if owner is not None:
            spans += [(y - self.RUN, y + self.RUN) for y, o in self.runs[column] if o != owner]
        return sorted(spans)

    def is_free(self, column: int, y: float, owner: str | None = None) -> bool:
        return not any(a < y < b for a, b in self.blocked(column, owner))

    def free_y(self, column: int, want: float, owner: str | None = None) -> float:
        """The free y nearest to ``want`` in a column."""
        spans = self.blocked(column, owner)
        candidates = [want] + [a for a, _ in spans] + [b for _, b in spans]
        free = [y for y in candidates if not any(a < y < b for a, b in spans)]
        return min(free, key=lambda y: (abs(y - want), y))

    def level(self, columns: list[int], want: float, side: int, owner: str | None = None) -> float:
        """One y, beyond ``want`` on ``side`` (+1 below, -1 above), free in all ``columns``."""
        y = want
        for _ in range(8 * len(self.nodes) + 8):
            moved = False
            for c in columns:
                for a, b in self.blocked(c, owner):
                    if a < y < b:
                        y = b if side > 0 else a
                        moved = True
            if not moved:
                break
        return y

    def take(self, columns: list[int], ys: list[float], owner: str) -> None:
        for c, y in zip(columns, ys, strict=True):
            self.runs[c].append((y, owner))

    def clear_between(self, column: int, y0: float, y1: float, x: float, skip: _Node) -> bool:
        """Whether a vertical segment at ``x`` from ``y0`` to ``y1`` crosses no other shape."""
        lo, hi = min(y0, y1), max(y0, y1)
        for n in self.members[column]:
            if n is skip:
                continue
            if n.x - 4 <= x <= n.right + 4 and n.y - 4 < hi and n.bottom + 4 > lo:
                return False
        return True


@dataclass
class _Route:
    """A flow's route before the x coordinates of the gap tracks are known."""

    edge: _Edge
    forward: bool = True
    start: tuple[str, float] = ("right", 0.0)  # side of the source, y of the first run
    end: tuple[str, float] = ("left", 0.0)  # side of the target, y of the last run
    # vertical jogs in travel order: (gap, y0, y1, track key); gap c lies right of column c
    jogs: list[tuple[int, float, float, str]] = field(default_factory=list)


def layout_bpmn(model_or_bpmn: Any, *, name: str = "process") -> BpmnLayout:
    """Lay a BPMN graph (or a :class:`procsimp.mine.discovery.Model`) out left to right."""
    bpmn = _as_bpmn(model_or_bpmn)
    nodes, edges = _graph(bpmn)
    if not nodes:
        raise ParameterError("the BPMN graph has no node to lay out")
    centres, splines = _graphviz_positions(nodes, edges)
    for i, n in enumerate(nodes):
        cx, cy = centres[i]
        # whole-pixel centres: shapes of different heights on one line stay aligned
        n.x, n.y = round(cx) - n.width / 2, round(cy) - n.height / 2
    _snap(nodes, edges)
    cols = _Columns(nodes)
    outdeg: dict[int, int] = defaultdict(int)
    indeg: dict[int, int] = defaultdict(int)
    for e in edges:
        outdeg[e.source] += 1
        indeg[e.target] += 1
    plans: dict[int, _Route] = {}
    ordered = sorted(range(len(edges)), key=lambda k: (nodes[edges[k].target].column <= nodes[edges[k].source].column, k))
    for k in ordered:
        plans[k] = _plan(edges[k], nodes, cols, splines[k], outdeg, indeg)
    routes = [plans[k] for k in range(len(edges))]
    gap_x = _space_columns(nodes, cols, routes)
    for r in routes:
        r.edge.points = _points(r, nodes, gap_x)
    # shift everything so that the drawing starts at the margin
    min_x = min([n.x for n in nodes] + [p[0] for e in edges for p in e.points])
    min_y = min([n.y for n in nodes] + [p[1] for e in edges for p in e.points])
    dx, dy = MARGIN - min_x, MARGIN - min_y
    for n in nodes:
        n.x, n.y = round(n.x + dx), round(n.y + dy)
    for e in edges:
        e.points = _tidy([(round(x + dx), round(y + dy)) for x, y in e.points])
    width = max([n.right for n in nodes] + [p[0] for e in edges for p in e.points]) + MARGIN
    height = max([n.bottom for n in nodes] + [p[1] for e in edges for p in e.points]) + MARGIN
    return BpmnLayout(nodes=nodes, edges=edges, width=width, height=height, name=_clean(name) or "process")


def _plan(
    edge: _Edge,
    nodes: list[_Node],
    cols: _Columns,
    spline: list[tuple[float, float]],
    outdeg: dict[int, int],
    indeg: dict[int, int],
) -> _Route:
    s, t = nodes[edge.source], nodes[edge.target]
    cs, ct = s.column, t.column
    route = _Route(edge=edge, forward=ct > cs)
    fork = f"out{edge.source}" if outdeg[edge.source] > 1 else None
    merge = f"in{edge.target}" if indeg[edge.target] > 1 else None
    own = f"e{edge.id}"
    if ct > cs:  # forward: out of the right side, into the left side
        owner = f"n{edge.source}"
        middle = list(range(cs + 1, ct))
        wants = [_round(_spline_y_at(spline, _column_centre(cols, c))) for c in middle]
        level = next(
            (
                y
                for y in (s.cy, t.cy, *[w for w in wants if w is not None])
                if all(cols.is_free(c, y, owner) for c in middle)
            ),
            None,
        )
        ys = [s.cy]
        for c, want in zip(middle, wants, strict=True):
            if level is not None:
                ys.append(level)
            else:
                prefer = ys[-1] if cols.is_free(c, ys[-1], owner) else want
                ys.append(cols.free_y(c, (s.cy + t.cy) / 2 if prefer is None else prefer, owner))
        ys.append(t.cy)
        cols.take(middle, ys[1:-1], owner)
        route.start, route.end = ("right", s.cy), ("left", t.cy)
        for k, c in enumerate(range(cs, ct)):
            first, last = c == cs, c == ct - 1
            key = (fork if first else None) or (merge if last else None) or f"{own}.{k}"
            route.jogs.append((c, ys[k], ys[k + 1], key))
        return route
    if edge.source != edge.target and cs == ct:  # same column: out right, jog, in right
        route.start, route.end = ("right", s.cy), ("right", t.cy)
        route.jogs.append((cs, s.cy, t.cy, own))
        return route
    # backward (loops): one horizontal run around the shapes, below or above them, whichever
    # is shorter; leave and enter through the bottom/top when nothing is in the way
    span = list(range(cs, ct - 1, -1))
    self_loop = edge.source == edge.target
    best: tuple[float, int, float, bool, bool] | None = None
    for side in (1, -1):
        refs = [s.bottom, t.bottom] if side > 0 else [s.y, t.y]
        start = (max(refs) if side > 0 else min(refs)) + side * CLEAR
        level = cols.level(span, start, side, own)
        out_clear = not self_loop and cols.clear_between(cs, s.cy, level, s.cx, s)
        in_clear = not self_loop and cols.clear_between(ct, t.cy, level, t.cx, t)
        cost = abs(level - s.cy) + abs(level - t.cy) + (0 if out_clear else 60) + (0 if in_clear else 60)
        if best is None or cost < best[0] - 1e-9:
            best = (cost, side, level, out_clear, in_clear)
    assert best is not None
    _, side, level, out_clear, in_clear = best
    cols.take(span, [level] * len(span), own)
    if out_clear:
        route.start = ("bottom" if side > 0 else "top", level)
    else:
        route.start = ("right", s.cy)
        route.jogs.append((cs, s.cy, level, own + ".a"))
    if in_clear:
        route.end = ("bottom" if side > 0 else "top", level)
    else:
        route.end = ("left", t.cy)
        route.jogs.append((ct - 1, level, t.cy, merge or own + ".z"))
    return route


def _snap(nodes: list[_Node], edges: list[_Edge]) -> None:
    """Put a node on its predecessor's line when Graphviz left it a few pixels off."""
    preds: dict[int, list[int]] = defaultdict(list)
    for e in edges:
        preds[e.target].append(e.source)
    for i, n in enumerate(nodes):
        for p in sorted(preds[i]):
            q = nodes[p]
            dy = q.cy - n.cy
            if p == i or dy == 0 or abs(dy) > 4 or q.cx >= n.cx:
                continue
            moved = (n.y + dy, n.bottom + dy)
            if all(
                m is n or m.right <= n.x or m.x >= n.right or moved[1] + 10 <= m.y or moved[0] >= m.bottom + 10
                for m in nodes
            ):
                n.y += dy
            break


def _round(value: float | None) -> float | None:
    return None if value is None else float(round(value))


def _column_centre(cols: _Columns, c: int) -> float:
    members = cols.members[c]
    return sum(n.cx for n in members) / len(members) if members else 0.0


def _space_columns(nodes: list[_Node], cols: _Columns, routes: list[_Route]) -> dict[tuple[int, str], float]:
    """Place columns left to right with gaps wide enough for their vertical tracks."""
    per_gap: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in routes:
        for gap, y0, y1, key in r.jogs:
            if abs(y0 - y1) >= 0.5:
                per_gap[gap][key].extend([y0, y1])
    tracks: dict[int, dict[str, int]] = {}
    n_tracks: dict[int, int] = {}
    for gap, groups in per_gap.items():
        spans = sorted(((min(v), max(v), k) for k, v in groups.items()), key=lambda s: (s[0], s[1], s[2]))
        ends: list[float] = []
        assign: dict[str, int] = {}
        for lo, hi, k in spans:
            for i, end in enumerate(ends):
                if end + 8 < lo:
                    ends[i] = hi
                    assign[k] = i
                    break
            else:
                ends.append(hi)
                assign[k] = len(ends) - 1
        tracks[gap] = assign
        n_tracks[gap] = len(ends)
    centre: list[float] = []
    lead = max(MIN_GAP, (n_tracks.get(-1, 0) + 1) * TRACK)
    gaps: dict[int, tuple[float, float]] = {-1: (0.0, lead)}
    x = lead
    for c in range(cols.count):
        centre.append(x + cols.width[c] / 2)
        right = x + cols.width[c]
        gap = max(MIN_GAP, (n_tracks.get(c, 0) + 1) * TRACK)
        gaps[c] = (right, right + gap)
        x = right + gap
    for n in nodes:
        n.x = centre[n.column] - n.width / 2
    out: dict[tuple[int, str], float] = {}
    for gap, (lo, hi) in gaps.items():
        out[(gap, "")] = (lo + hi) / 2
        count = n_tracks.get(gap, 0)
        for key, i in tracks.get(gap, {}).items():
            out[(gap, key)] = lo + (hi - lo) * (i + 1) / (count + 1)
    return out


def _points(route: _Route, nodes: list[_Node], gap_x: dict[tuple[int, str], float]) -> list[tuple[float, float]]:
    s, t = nodes[route.edge.source], nodes[route.edge.target]
    pts: list[tuple[float, float]] = []
    side, y = route.start
    if side == "right":
        pts.append((s.right, s.cy))
    elif side == "bottom":
        pts += [(s.cx, s.bottom), (s.cx, y)]
    else:
        pts += [(s.cx, s.y), (s.cx, y)]
    for gap, y0, y1, key in route.jogs:
        x = gap_x.get((gap, key), gap_x[(gap, "")])
        pts += [(x, y0), (x, y1)]
    side, y = route.end
    if side == "left":
        pts.append((t.x, t.cy))
    elif side == "right":
        pts.append((t.right, t.cy))
    elif side == "bottom":
        pts += [(t.cx, y), (t.cx, t.bottom)]
    else:
        pts += [(t.cx, y), (t.cx, t.y)]
    return pts


def _tidy(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Drop repeated points and middle points of straight runs."""
    out: list[tuple[float, float]] = []
    for p in points:
        if out and p == out[-1]:
            continue
        out.append(p)
    changed = True
    while changed and len(out) > 2:
        changed = False
        for i in range(1, len(out) - 1):
            (x0, y0), (x1, y1), (x2, y2) = out[i - 1], out[i], out[i + 1]
            if (x0 == x1 == x2) or (y0 == y1 == y2):
                if min(x0, x2) <= x1 <= max(x0, x2) and min(y0, y2) <= y1 <= max(y0, y2):
                    del out[i]
                    changed = True
                    break
    if len(out) == 1:
        out.append(out[0])
    return out


# ============================================================================ XML
def _as_bpmn(model_or_bpmn: Any) -> Any:
    from procsimp.core._pm4py import pm4py

    pm4py()
    from pm4py.objects.bpmn.obj import BPMN

    bpmn = getattr(model_or_bpmn, "bpmn", model_or_bpmn)
    if not isinstance(bpmn, BPMN):
        raise ParameterError(
            f"expected a procsimp Model (procsimp.mine.discovery.discover_model) or a pm4py BPMN "
            f"graph, got {type(model_or_bpmn).__name__}"
        )
    return bpmn


def _num(v: float) -> str:
    return str(int(round(v)))


def bpmn_xml(model_or_bpmn: Any, *, name: str = "process") -> str:
    """BPMN 2.0 XML, with a diagram (BPMNDI) laid out left to right, for a model.

    ``model_or_bpmn`` is a :class:`procsimp.mine.discovery.Model` or a pm4py BPMN graph; ``name`` is
    the process name shown by BPMN tools. The same input always gives the same bytes.
    """
    layout = layout_bpmn(model_or_bpmn, name=name)
    return _xml(layout)


def _xml(layout: BpmnLayout) -> str:
    from procsimp.mine.render._text import xml_safe

    return xml_safe(_xml_text(layout))  # names with control characters or U+FFFE stay valid XML


def _xml_text(layout: BpmnLayout) -> str:
    from procsimp.core.version import __version__

    incoming: dict[int, list[str]] = defaultdict(list)
    outgoing: dict[int, list[str]] = defaultdict(list)
    for e in layout.edges:
        outgoing[e.source].append(e.id)
        incoming[e.target].append(e.id)
    coloured = any(n.change for n in layout.nodes)
    colour_ns = f' xmlns:bioc="{NS_BIOC}" xmlns:color="{NS_COLOR}"' if coloured else ""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<bpmn:definitions xmlns:bpmn="{NS_BPMN}" xmlns:bpmndi="{NS_BPMNDI}" '
        f'xmlns:dc="{NS_DC}" xmlns:di="{NS_DI}"{colour_ns} id="Definitions_1" '
        f'targetNamespace="{TARGET_NAMESPACE}" exporter="procsimp" '
        f'exporterVersion="{__version__}">',
        f'  <bpmn:process id="Process_1" name={quoteattr(layout.name)} isExecutable="false">',
    ]
    for i, n in enumerate(layout.nodes):
        kind = "serviceTask" if n.change == "automated" and n.kind == "task" else n.kind
        attrs = f'id="{n.id}"'
        if n.name:
            attrs += f" name={quoteattr(n.name)}"
        if n.kind in _GATEWAY_KINDS:
            direction = _gateway_direction(len(incoming[i]), len(outgoing[i]))
            attrs += f' gatewayDirection="{direction}"'
        if n.kind == "subProcess":
            attrs += ' triggeredByEvent="false"'
        children = []
        if n.note:
            children.append(f"      <bpmn:documentation>{escape(n.note)}</bpmn:documentation>")
        children += [f"      <bpmn:incoming>{f}</bpmn:incoming>" for f in incoming[i]]
        children += [f"      <bpmn:outgoing>{f}</bpmn:outgoing>" for f in outgoing[i]]
        if n.loop and n.kind in _TASK_KINDS:
            children.append("      <bpmn:standardLoopCharacteristics />")
        if children:
            out.append(f"    <bpmn:{kind} {attrs}>")
            out.extend(children)
            out.append(f"    </bpmn:{kind}>")
        else:
            out.append(f"    <bpmn:{kind} {attrs} />")
    for e in layout.edges:
        attrs = f'id="{e.id}" sourceRef="{layout.nodes[e.source].id}" targetRef="{layout.nodes[e.target].id}"'
        if e.name:
            attrs += f" name={quoteattr(e.name)}"
        out.append(f"    <bpmn:sequenceFlow {attrs} />")
    out.append("  </bpmn:process>")
    out.append('  <bpmndi:BPMNDiagram id="BPMNDiagram_1">')
    out.append('    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="Process_1">')
    for n in layout.nodes:
        extra = ' isMarkerVisible="true"' if n.kind == "exclusiveGateway" else ""
        if n.kind == "subProcess":
            extra = ' isExpanded="false"'
        if n.change in CHANGE_COLOURS:
            stroke, fill = CHANGE_COLOURS[n.change]
            extra += (
                f' bioc:stroke="{stroke}" bioc:fill="{fill}" '
                f'color:border-color="{stroke}" color:background-color="{fill}"'
            )
        out.append(f'      <bpmndi:BPMNShape id="{n.id}_di" bpmnElement="{n.id}"{extra}>')
        out.append(
            f'        <dc:Bounds x="{_num(n.x)}" y="{_num(n.y)}" width="{n.width}" height="{n.height}" />'
        )
        out.append("      </bpmndi:BPMNShape>")
    for e in layout.edges:
        out.append(f'      <bpmndi:BPMNEdge id="{e.id}_di" bpmnElement="{e.id}">')
        for x, y in e.points:
            out.append(f'        <di:waypoint x="{_num(x)}" y="{_num(y)}" />')
        out.append("      </bpmndi:BPMNEdge>")
    out.append("    </bpmndi:BPMNPlane>")
    out.append("  </bpmndi:BPMNDiagram>")
    out.append("</bpmn:definitions>")
    return "\n".join(out) + "\n"


def _gateway_direction(n_in: int, n_out: int) -> str:
    if n_out > 1 and n_in <= 1:
        return "Diverging"
    if n_in > 1 and n_out <= 1:
        return "Converging"
    if n_in > 1 and n_out > 1:
        return "Mixed"
    return "Unspecified"


def write_bpmn(model: Any, path: str | os.PathLike[str], *, name: str | None = None) -> Path:
    """Write ``model`` (a Model or pm4py BPMN) as a BPMN 2.0 file with BPMNDI, atomically."""
    from procsimp.core._atomic import write_text

    target = Path(path)
    title = name or getattr(model, "service", None) or target.stem
    return write_text(target, bpmn_xml(model, name=title))


# ============================================================================ SVG preview
def bpmn_svg(model_or_bpmn: Any, *, name: str = "process", max_width: int | None = None) -> str:
    """A small standalone SVG drawing of the laid-out model (for notebooks and reports)."""
    layout = layout_bpmn(model_or_bpmn, name=name)
    w, h = math.ceil(layout.width), math.ceil(layout.height)
    style = f' style="max-width:{max_width}px"' if max_width else ""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}"{style} '
        'font-family="Noto Sans, DejaVu Sans, Arial, sans-serif" font-size="11">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/>'
        "</marker></defs>",
    ]
    for e in layout.edges:
        pts = " ".join(f"{x},{y}" for x, y in e.points)
        parts.append(
            f'<polyline points="{pts}" fill="none" stroke="#333" stroke-width="1.3" marker-end="url(#arrow)"/>'
        )
    for n in layout.nodes:
        if n.kind in _EVENT_KINDS:
            sw = 3 if n.kind == "endEvent" else 1.5
            parts.append(
                f'<circle cx="{n.cx}" cy="{n.cy}" r="{n.width / 2}" fill="#fff" stroke="#333" stroke-width="{sw}"/>'
            )
        elif n.kind in _GATEWAY_KINDS:
            d = f"M{n.cx},{n.y} L{n.right},{n.cy} L{n.cx},{n.bottom} L{n.x},{n.cy} z"
            parts.append(f'<path d="{d}" fill="#fff" stroke="#333" stroke-width="1.5"/>')
            mark = {"exclusiveGateway": "×", "parallelGateway": "+", "inclusiveGateway": "○"}.get(n.kind, "")
            parts.append(
                f'<text x="{n.cx}" y="{n.cy + 7}" text-anchor="middle" font-size="22">{mark}</text>'
            )
        else:
            stroke, fill = CHANGE_COLOURS.get(n.change, ("#333", "#fff"))
            dash = ' stroke-dasharray="6,4"' if n.change == "removed" else ""
            ink = ' fill="#9e9e9e"' if n.change == "removed" else ""
            parts.append(
                f'<rect x="{n.x}" y="{n.y}" width="{n.width}" height="{n.height}" rx="10" '
                f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"{dash}>'
                f'<title>{escape(n.note)}</title></rect>'
                if n.note
                else f'<rect x="{n.x}" y="{n.y}" width="{n.width}" height="{n.height}" rx="10" '
                f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"{dash}/>'
            )
            lines = _wrap(n.name, max(8, int(n.width / 6.2)))[:6]
            first = n.cy - (len(lines) - 1) * 7
            for k, line in enumerate(lines):
                parts.append(
                    f'<text x="{n.cx}" y="{first + 14 * k + 4}" text-anchor="middle"{ink}>{escape(line)}</text>'
                )
            if n.change == "automated":
                parts.append(f'<text x="{n.x + 12}" y="{n.y + 16}" text-anchor="middle" font-size="14">⚙</text>')
            if n.loop:
                parts.append(
                    f'<text x="{n.cx}" y="{n.bottom - 4}" text-anchor="middle" font-size="13">↻</text>'
                )
    parts.append("</svg>")
    return "".join(parts)


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        lines.append(current)
    return lines or [""]
