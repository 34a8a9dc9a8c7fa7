# Long module: model discovery and the tree-to-BPMN rewriting rules it applies share one graph representation.
"""Readable process models: BPMN and Petri nets discovered from a variant table.

pm4py's inductive miner is run on the *variant table* (one weighted trace per variant), never on
raw events. Its process tree is then drawn as BPMN by procsimp itself, so that the model reads
like one a person would draw:

* a step that repeats on its own (``*(A, τ)``) becomes one task with the BPMN loop marker;
* "zero or more times" (``×(τ, *(A, τ))``) becomes an optional task with the loop marker, or
  one loop gateway when gateways are scarce;
* silent steps (τ) become skip flows, never tasks;
* gateway cascades are collapsed: a gateway with one incoming and one outgoing flow is removed,
  consecutive splits (or joins) of the same kind are merged.

The default model shows the main flow with at most one gateway per task, at most
:data:`MAX_TASKS` tasks and at most :data:`MAX_MODEL_STATES` reachable states. When the log's
behaviour needs more, infrequent behaviour is filtered step by step (more noise, then fewer
activities) until it fits; :attr:`Model.notes` lists every step taken. An activity in
:data:`KEEP_SHARE` (5%) or more of the cases is never left out silently: the model keeps it (with
more gateways if needed) or a note says why it could not, and :attr:`Model.left_out` lists every
activity not shown with its share of cases. When the readable model's fitness is below
:data:`MIN_FITNESS`, a note points to the full model.

:func:`edit_model` applies a proposal's changes to a model (the to-be model): same activities
and structure, removed steps ghosted, automated steps as service tasks, parallel steps in one
parallel block. ``full=True`` gives the
full-fitness model (inductive miner without noise, every activity).

The Petri net of a model is pm4py's conversion of the exported BPMN (loop markers expanded into
their gateways), so the net that is checked is the BPMN the reader sees:

* soundness is decided on the net's reachability graph (:class:`StateSpace`), exactly as
  defined (option to complete, proper completion, no dead transition, bounded); pm4py's WOFLAN
  gives the same verdicts (``check_sound(..., method="woflan")``) but needs tens of seconds
  for a net with a few hundred reachable markings;
* fitness is pm4py's alignment-based fitness, each distinct variant aligned once and weighted
  by its cases (equal to ``pm4py.fitness_alignments`` on the raw log), sampled with a stated
  sample size when there are many variants; the share of cases that fit is reported beside it,
  and pm4py's token-based replay fitness as ``token_fitness``;
* precision is ETC (escaping edges) read from the reachability graph; on a fitting log it
  equals ``pm4py.precision_alignments``.
"""

from __future__ import annotations

import html
import math
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from procsimp.errors import ParameterError, ProcsimpError
from procsimp.mine.render.bpmn import LOOP_MARKER, is_loop_task

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from procsimp.core.log import EventLog

__all__ = [
    "Model",
    "discover_model",
    "variant_counts",
    "bpmn_to_petri",
    "reduce_silent",
    "check_sound",
    "token_fitness",
    "language_quality",
    "StateSpace",
    "bpmn_counts",
    "is_loop_task",
    "make_loop_task",
    "alignment_fitness",
    "edit_model",
    "CHANGE_KINDS",
]

#: gateways allowed per task in the default (simplified) model
MAX_GATEWAYS_PER_TASK = 1.0
#: the default model never shows more tasks than this; the rarest activities go first
MAX_TASKS = 40
#: the full-fitness model is refused above this many activities (the inductive miner without
#: noise took 6 s on BPIC15_1 cut to 40 activities, 68 s at 80, and over 15 minutes at 398)
MAX_FULL_ACTIVITIES = 60
#: an activity in at least this share of the cases is never left out of the default model
#: without a note saying why (every model lists what it leaves out in ``left_out``)
KEEP_SHARE = 0.05
#: below this alignment fitness, the default model's notes point to the full model
MIN_FITNESS = 0.9
#: noise thresholds tried, in order, before activities are dropped
_NOISE_STEPS = (0.2, 0.3, 0.4, 0.5)
#: minimum share of cases an activity must reach to stay in the default model, tried in order
_ACTIVITY_STEPS = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5)


def _quiet_pm4py() -> None:
    """Import pm4py without its licence banner (before any ``from pm4py...`` import)."""
    from procsimp.core._pm4py import pm4py

    pm4py()


# ============================================================================ the result
@dataclass(frozen=True, eq=False)
class Model:
    """A discovered process model: BPMN for people, a Petri net for checks.

    ``bpmn`` is a pm4py BPMN graph (tasks that repeat carry the BPMN loop marker, see
    :func:`is_loop_task`); ``net``, ``initial_marking`` and ``final_marking`` are pm4py's Petri
    net conversion of that same BPMN. ``sound`` says whether the net is a sound workflow net
    (decided on its reachability graph; ``soundness`` says why not, or "sound").

    ``fitness`` is pm4py's alignment-based fitness (the mean over the cases of their trace
    fitness) and ``fitting_share`` the share of cases whose alignment has no deviation, both
    from each variant aligned once and weighted by its cases (sampled when there are many
    variants: :attr:`notes` says so); ``precision`` is ETC precision; all are measured against
    the log given to :func:`discover_model` (else against the variant table), so an activity the
    model does not show counts as a deviation. ``token_fitness`` is pm4py's token-based replay
    fitness, ``fitting_cases`` the share of cases the net replays perfectly (read from its
    state space), ``event_coverage`` the share of events whose activity the model shows.
    ``left_out`` lists every activity of the log the model does not show, as
    ``{"activity", "case_share"}``, the most frequent first; ``notes`` lists what was filtered
    to keep the model readable.
    """

    bpmn: Any
    net: Any
    initial_marking: Any
    final_marking: Any
    sound: bool
    fitness: float | None
    precision: float | None
    tasks: int
    gateways: int
    kind: str
    noise: float
    activities: tuple[str, ...] = ()
    dropped_activities: tuple[str, ...] = ()
    loops: int = 0
    cases: int = 0
    variants: int = 0
    fitting_cases: float | None = None
    fitting_share: float | None = None
    token_fitness: float | None = None
    left_out: tuple[dict[str, Any], ...] = ()
    event_coverage: float | None = None
    min_activity_share: float = 0.0
    service: str | None = None
    soundness: str = ""
    notes: tuple[str, ...] = ()
    tree: Any = field(default=None, repr=False)
    ast: Any = field(default=None, repr=False)
    compact: bool = field(default=False, repr=False)
    changes: Mapping[str, str] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ facts
    @property
    def gateways_per_task(self) -> float:
        """Gateways divided by tasks (``inf`` for a model with gateways and no task)."""
        if self.tasks == 0:
            return 0.0 if self.gateways == 0 else math.inf
        return self.gateways / self.tasks

    def summary(self) -> dict[str, Any]:
        """The model's figures as a plain dict (JSON-ready)."""
        return {
            "service": self.service,
            "kind": self.kind,
            "tasks": self.tasks,
            "gateways": self.gateways,
            "loops": self.loops,
            "sound": self.sound,
            "fitness": self.fitness,
            "fitting_share": self.fitting_share,
            "precision": self.precision,
            "token_fitness": self.token_fitness,
            "fitting_cases": self.fitting_cases,
            "event_coverage": self.event_coverage,
            "noise": self.noise,
            "min_activity_share": self.min_activity_share,
            "cases": self.cases,
            "variants": self.variants,
            "activities": list(self.activities),
            "dropped_activities": list(self.dropped_activities),
            "left_out": [dict(x) for x in self.left_out],
            "notes": list(self.notes),
        }

    # ------------------------------------------------------------------ export
    def to_bpmn_xml(self, *, name: str | None = None) -> str:
        """BPMN 2.0 XML with diagram layout (see :func:`procsimp.mine.render.bpmn.bpmn_xml`)."""
        from procsimp.mine.render.bpmn import bpmn_xml

        return bpmn_xml(self, name=name or self.service or "process")

    def write_bpmn(self, path: Any, *, name: str | None = None) -> Any:
        """Write the BPMN 2.0 file (with BPMNDI) atomically; returns the path."""
        from procsimp.mine.render.bpmn import write_bpmn

        return write_bpmn(self, path, name=name)

    def write_pnml(self, path: Any) -> Any:
        """Write the Petri net as PNML atomically; returns the path."""
        from procsimp.mine.render.pnml import write_pnml

        return write_pnml(self, path)

    # ------------------------------------------------------------------ display
    def __repr__(self) -> str:
        return (
            f"Model(service={self.service!r}, kind={self.kind!r}, tasks={self.tasks}, "
            f"gateways={self.gateways}, sound={self.sound}, fitness={_fmt(self.fitness)}, "
            f"fitting_share={_fmt(self.fitting_share)}, precision={_fmt(self.precision)}, "
            f"left_out={len(self.left_out)})"
        )

    def _repr_html_(self) -> str:
        rows = [
            ("service", self.service or ""),
            ("kind", self.kind),
            ("tasks", self.tasks),
            ("gateways", f"{self.gateways} ({self.gateways_per_task:.2f} per task)"),
            ("loop tasks", self.loops),
            ("sound", "yes" if self.sound else "NO"),
            ("fitness (alignments)", _fmt(self.fitness)),
            ("cases that fit", _pct(self.fitting_share)),
            ("precision", _fmt(self.precision)),
            ("events of shown activities", _pct(self.event_coverage)),
            ("noise threshold", f"{self.noise:g}"),
            ("cases / variants", f"{self.cases} / {self.variants}"),
        ]
        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
            f"<td style='text-align:left'>{html.escape(str(v))}</td></tr>"
            for k, v in rows
        )
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        dropped = ", ".join(
            f"{x['activity']} ({_pct(x['case_share'])} of cases)" for x in self.left_out[:30]
        )
        if len(self.left_out) > 30:
            dropped += f", … ({len(self.left_out) - 30} more)"
        try:
            from procsimp.mine.render.bpmn import bpmn_svg

            drawing = bpmn_svg(self, name=self.service or "process", max_width=1200)
        except ProcsimpError as exc:  # e.g. Graphviz missing: say so instead of a drawing
            drawing = f"<p>(diagram not drawn: {html.escape(str(exc))})</p>"
        return (
            "<div><strong>procsimp Model</strong>"
            f"<table>{body}</table>"
            f"<div style='overflow-x:auto'>{drawing}</div>"
            + (f"<p>Simplifications:</p><ul>{notes}</ul>" if notes else "")
            + (
                f"<p>{len(self.left_out)} activities left out: {html.escape(dropped)}</p>"
                if self.left_out
                else ""
            )
            + "</div>"
        )


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


# ============================================================================ loop tasks
def make_loop_task(name: str, *, id: str = "") -> Any:
    """A pm4py BPMN task carrying the BPMN standard loop marker (it repeats, at least once)."""
    _quiet_pm4py()
    from pm4py.objects.bpmn.obj import BPMN

    task = BPMN.Task(id=id, name=name)
    setattr(task, LOOP_MARKER, True)
    return task


# ============================================================================ variants
def variant_counts(variants: Any) -> tuple[Counter[tuple[str, ...]], str | None]:
    """The variant table as a ``Counter`` (trace tuple -> cases) and its service name.

    Accepts the table of :func:`procsimp.engine.variants` (columns ``variant`` and ``cases``, an
    optional ``service`` with a single value), a mapping of trace tuples to counts, or an
    iterable of ``(trace, count)`` pairs.
    """
    import pandas as pd

    service: str | None = None
    pairs: Iterable[tuple[Any, Any]]
    if isinstance(variants, pd.DataFrame):
        missing = [c for c in ("variant", "cases") if c not in variants.columns]
        if missing:
            raise ParameterError(
                f"variants: the table has no {', '.join(map(repr, missing))} column; columns "
                f"present: {', '.join(map(str, variants.columns)) or '(none)'}. Pass the table "
                "of procsimp.engine.variants(log) (one row per variant: variant, cases)."
            )
        if "service" in variants.columns:
            names = [str(s) for s in pd.unique(variants["service"].dropna())]
            if len(names) > 1:
                shown = ", ".join(repr(s) for s in names[:10])
                raise ParameterError(
                    f"variants: the table holds {len(names)} services ({shown}); a model is "
                    "drawn per service. Select one first, e.g. "
                    "variants[variants['service'] == name]."
                )
            service = names[0] if names else None
        pairs = zip(variants["variant"].tolist(), variants["cases"].tolist(), strict=True)
    elif isinstance(variants, Mapping):
        pairs = variants.items()
    elif isinstance(variants, Iterable) and not isinstance(variants, (str, bytes)):
        pairs = variants
    else:
        raise ParameterError(
            f"variants: expected a DataFrame (procsimp.engine.variants), a mapping of trace "
            f"tuples to counts or (trace, count) pairs; got {type(variants).__name__}"
        )
    counter: Counter[tuple[str, ...]] = Counter()
    for trace, count in pairs:
        if isinstance(trace, str) or not isinstance(trace, Sequence | tuple | list):
            if hasattr(trace, "tolist"):
                trace = trace.tolist()
            else:
                raise ParameterError(
                    f"variants: a variant must be a tuple of activity names, got {trace!r}"
                )
        try:
            n = int(count)
        except (TypeError, ValueError):
            raise ParameterError(
                f"variants: the case count of variant {tuple(trace)!r} must be a positive "
                f"integer, got {count!r}"
            ) from None
        if n < 0 or n != count:
            raise ParameterError(
                f"variants: the case count of variant {tuple(trace)!r} must be a positive "
                f"integer, got {count!r}"
            )
        if n:
            counter[tuple(str(a) for a in trace)] += n
    return counter, service


def _log_counts(log: Any, service: str | None) -> Counter[tuple[str, ...]]:
    """Variant counts of an EventLog (restricted to ``service`` when it has that service)."""
    from procsimp.core.log import EventLog

    if not isinstance(log, EventLog):
        raise ParameterError(
            f"log: expected a procsimp EventLog (procsimp.read_log or procsimp.frame_to_log), "
            f"got {type(log).__name__}"
        )
    if service is not None and log.has("service") and service in log.services:
        log = log.for_service(service)
    from procsimp.engine import variants as engine_variants

    table = engine_variants(log)
    if "service" in table.columns and table["service"].nunique() > 1:
        table = table.assign(service="all")  # pooled: the caller gave a multi-service log
        counter: Counter[tuple[str, ...]] = Counter()
        for trace, n in zip(table["variant"].tolist(), table["cases"].tolist(), strict=True):
            counter[tuple(trace)] += int(n)
        return counter
    return variant_counts(table)[0]


def _canonical(counter: Counter[tuple[str, ...]]) -> Counter[tuple[str, ...]]:
    """The same counts in a fixed order (most cases first), so discovery is deterministic."""
    return Counter(dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))))


#: the longest trace given to the inductive miner and to token replay: their cost grows with the
#: square of a trace's length (one dossier of 20,000 events exhausted 24 GB)
MAX_TRACE_EVENTS = 500


def _fold_long(counter: Counter[tuple[str, ...]]) -> tuple[Counter[tuple[str, ...]], int]:
    """(counter with every trace of more than :data:`MAX_TRACE_EVENTS` events shortened, number of
    cases shortened). A long trace first loses repeats of a step in a row (A A A -> A); if still
    too long, it keeps its first ``MAX_TRACE_EVENTS - 1`` events and its last one."""
    if all(len(t) <= MAX_TRACE_EVENTS for t in counter):
        return counter, 0
    out: Counter[tuple[str, ...]] = Counter()
    folded = 0
    for trace, n in counter.items():
        if len(trace) > MAX_TRACE_EVENTS:
            folded += n
            trace = tuple(a for i, a in enumerate(trace) if i == 0 or a != trace[i - 1])
            if len(trace) > MAX_TRACE_EVENTS:
                trace = trace[: MAX_TRACE_EVENTS - 1] + trace[-1:]
        out[trace] += n
    return _canonical(out), folded


def _project(counter: Counter[tuple[str, ...]], keep: set[str]) -> Counter[tuple[str, ...]]:
    out: Counter[tuple[str, ...]] = Counter()
    for trace, n in counter.items():
        out[tuple(a for a in trace if a in keep)] += n
    return _canonical(out)


def _case_share(counter: Counter[tuple[str, ...]]) -> dict[str, float]:
    total = sum(counter.values())
    cases: Counter[str] = Counter()
    for trace, n in counter.items():
        for a in set(trace):
            cases[a] += n
    return {a: c / total for a, c in cases.items()} if total else {}


# ============================================================================ discovery
def _inductive_tree(counter: Counter[tuple[str, ...]], noise: float) -> Any:
    """pm4py's inductive miner (IMf when noise > 0) on a variant counter."""
    from procsimp.core._pm4py import pm4py

    pm4py()
    from pm4py.algo.discovery.inductive.dtypes.im_ds import IMDataStructureUVCL
    from pm4py.algo.discovery.inductive.variants.im import IMUVCL
    from pm4py.algo.discovery.inductive.variants.imf import IMFUVCL
    from pm4py.objects.process_tree.utils import generic as pt_util

    params = {"noise_threshold": float(noise), "multiprocessing": False}
    miner = IMFUVCL(params) if noise > 0 else IMUVCL(params)
    tree = miner.apply(IMDataStructureUVCL(Counter(counter)), params)
    tree = pt_util.fold(tree)
    pt_util.tree_sort(tree)
    return tree


# A tiny immutable process-tree AST: ("task", name) | ("tau",) | (op, (children...))
# with op in "seq", "xor", "and", "or", "loop" (loop children: do, redo...).
_OPS = {"->": "seq", "X": "xor", "+": "and", "O": "or", "*": "loop", "<>": "and"}
TAU: tuple[Any, ...] = ("tau",)


def _ast(tree: Any) -> tuple[Any, ...]:
    if not tree.children:
        return TAU if tree.label is None else ("task", str(tree.label))
    op = tree.operator.value if tree.operator is not None else "->"
    kind = _OPS.get(op)
    if kind is None:  # partial orders etc. are not produced by the inductive miner
        raise ParameterError(f"unsupported process tree operator {op!r}")
    return (kind, tuple(_ast(c) for c in tree.children))


def _simplify(node: tuple[Any, ...], *, compact: bool = False) -> tuple[Any, ...]:
    """Semantics-preserving rewrites that make the BPMN smaller.

    ``compact`` draws "zero or more A" as one loop gateway around A (a mixed gateway) instead
    of an optional A with the loop marker (a split and a join).
    """
    if node[0] in ("task", "tau", "looptask"):
        return node
    kind = node[0]
    children = [_simplify(c, compact=compact) for c in node[1]]
    if kind == "loop":
        do, redo = children[0], children[1:]
        redo = [r for r in redo]
        if all(r == TAU for r in redo) and do == TAU:
            return TAU
        # *(A, τ) with A a task: the task repeats on its own (BPMN loop marker)
        if do[0] == "task" and all(r == TAU for r in redo):
            return ("looptask", do[1])
        # *(τ, A) with A a task: "zero or more A", an optional task with the loop marker
        if do == TAU and len(redo) == 1 and redo[0][0] in ("task", "looptask") and not compact:
            return ("xor", (TAU, ("looptask", redo[0][1])))
        return ("loop", (do, *redo))
    if kind in ("seq", "and"):
        children = [c for c in children if c != TAU]
        flat: list[tuple[Any, ...]] = []
        for c in children:
            flat.extend(c[1] if c[0] == kind else (c,))
        if not flat:
            return TAU
        if len(flat) == 1:
            return flat[0]
        return (kind, tuple(flat))
    if kind == "xor":
        flat = []
        for c in children:
            flat.extend(c[1] if c[0] == "xor" else (c,))
        has_tau = any(c == TAU for c in flat)
        rest = [c for c in flat if c != TAU]
        # ×(τ, A↻) = "zero or more A": one loop gateway when compact
        if compact and has_tau and len(rest) == 1 and rest[0][0] == "looptask":
            return ("loop", (TAU, ("task", rest[0][1])))
        # ×(τ, *(A, τ)) = "zero or more A"
        if has_tau and len(rest) == 1 and rest[0][0] == "loop":
            do, *redo = rest[0][1]
            if all(r == TAU for r in redo) and do != TAU:
                return ("loop", (TAU, do))
        # ×(τ, A↻) stays; an optional "zero or more" needs no extra skip
        if has_tau and len(rest) == 1 and rest[0][0] == "loop" and rest[0][1][0] == TAU:
            return rest[0]
        out = ([TAU] if has_tau else []) + rest
        if not rest:
            return TAU
        if len(out) == 1:
            return out[0]
        return ("xor", tuple(out))
    if kind == "or":
        rest = [c for c in children if c != TAU]
        if not rest:
            return TAU
        if len(rest) == 1 and len(children) == 1:
            return rest[0]
        return ("or", tuple(children))
    return (kind, tuple(children))


# ============================================================================ flow graph
class _Flow:
    """A small mutable flow graph used while building and reducing the BPMN."""

    def __init__(self) -> None:
        self.kind: dict[int, str] = {}  # start | end | task | xor | and | or
        self.name: dict[int, str] = {}
        self.loop: set[int] = set()
        self.edges: list[tuple[int, int]] = []
        self._next = 0

    def add(self, kind: str, name: str = "", loop: bool = False) -> int:
        n = self._next
        self._next += 1
        self.kind[n] = kind
        self.name[n] = name
        if loop:
            self.loop.add(n)
        return n

    def connect(self, a: int, b: int) -> None:
        self.edges.append((a, b))

    def ins(self, n: int) -> list[int]:
        return [a for a, b in self.edges if b == n]

    def outs(self, n: int) -> list[int]:
        return [b for a, b in self.edges if a == n]

    def is_gateway(self, n: int) -> bool:
        return self.kind[n] in ("xor", "and", "or")

    # ------------------------------------------------------------------ build
    def build(self, node: tuple[Any, ...]) -> tuple[int, int] | None:
        kind = node[0]
        if kind == "tau":
            return None
        if kind in ("task", "looptask"):
            n = self.add("task", node[1], loop=kind == "looptask")
            return n, n
        children = node[1]
        if kind == "seq":
            parts = [p for p in (self.build(c) for c in children) if p is not None]
            if not parts:
                return None
            for (_, a), (b, _) in zip(parts, parts[1:], strict=False):
                self.connect(a, b)
            return parts[0][0], parts[-1][1]
        if kind in ("xor", "and", "or"):
            split, join = self.add(kind), self.add(kind)
            skip = False
            for c in children:
                part = self.build(c)
                if part is None:
                    if kind == "xor" and not skip:
                        self.connect(split, join)
                        skip = True
                    continue
                self.connect(split, part[0])
                self.connect(part[1], join)
            return split, join
        if kind == "loop":
            join, split = self.add("xor"), self.add("xor")
            do = self.build(children[0])
            if do is None:
                self.connect(join, split)
            else:
                self.connect(join, do[0])
                self.connect(do[1], split)
            for redo in children[1:]:
                part = self.build(redo)
                if part is None:
                    self.connect(split, join)
                else:
                    self.connect(split, part[0])
                    self.connect(part[1], join)
            return join, split
        raise ParameterError(f"unsupported process tree node {kind!r}")

    # ------------------------------------------------------------------ reduce
    def reduce(self, *, mixed: bool) -> None:
        """Collapse gateway cascades; keep the language of the flow graph unchanged."""
        changed = True
        while changed:
            changed = False
            # exact duplicate flows (two skips between the same exclusive gateways)
            seen: set[tuple[int, int]] = set()
            unique = []
            for e in self.edges:
                if e in seen and self.kind[e[0]] in ("xor",):
                    changed = True
                    continue
                seen.add(e)
                unique.append(e)
            self.edges = unique
            for n in sorted(self.kind):
                if not self.is_gateway(n):
                    continue
                ins, outs = self.ins(n), self.outs(n)
                if len(ins) == 1 and len(outs) == 1 and ins[0] != n:
                    self._drop(n, ins[0], outs[0])
                    changed = True
                    break
            if changed:
                continue
            for a, b in list(self.edges):
                if a == b or not self.is_gateway(a) or self.kind[a] != self.kind[b]:
                    continue
                if self.kind[a] == "or":
                    continue
                out_a, in_b = self.outs(a), self.ins(b)
                if len(out_a) != 1 and len(in_b) != 1:
                    continue
                if (b, a) in self.edges:
                    continue
                n_in = len(self.ins(a)) + len(in_b) - 1
                n_out = len(out_a) - 1 + len(self.outs(b))
                if n_in > 1 and n_out > 1 and (not mixed or self.kind[a] != "xor"):
                    continue
                self._merge(a, b)
                changed = True
                break

    def _drop(self, n: int, pred: int, succ: int) -> None:
        self.edges = [e for e in self.edges if n not in e]
        self.edges.append((pred, succ))
        del self.kind[n], self.name[n]

    def _merge(self, a: int, b: int) -> None:
        """Merge gateway ``b`` into ``a`` (the flow a -> b disappears)."""
        edges = []
        for s, t in self.edges:
            if (s, t) == (a, b):
                continue
            s = a if s == b else s
            t = a if t == b else t
            if (s, t) in edges and self.kind[s] == "xor":
                continue
            edges.append((s, t))
        self.edges = edges
        del self.kind[b], self.name[b]

    # ------------------------------------------------------------------ counts
    def counts(self) -> tuple[int, int, int]:
        tasks = sum(1 for k in self.kind.values() if k == "task")
        gateways = sum(1 for n in self.kind if self.is_gateway(n))
        return tasks, gateways, len(self.loop & set(self.kind))

    # ------------------------------------------------------------------ to pm4py
    def to_bpmn(self, name: str = "") -> Any:
        from procsimp.core._pm4py import pm4py

        pm4py()
        from pm4py.objects.bpmn.obj import BPMN

        bpmn = BPMN(process_id="procsimp_process", name=name)
        nodes: dict[int, Any] = {}
        gw = 0
        for n in sorted(self.kind):
            kind = self.kind[n]
            if kind == "start":
                obj = BPMN.StartEvent(id="StartEvent_1", name="", isInterrupting=False)
            elif kind == "end":
                obj = BPMN.EndEvent(id="EndEvent_1", name="")
            elif kind == "task":
                obj = (make_loop_task if n in self.loop else _plain_task)(
                    self.name[n], id=f"Task_{n}"
                )
            else:
                gw += 1
                direction = _direction(len(self.ins(n)), len(self.outs(n)))
                cls = {
                    "xor": BPMN.ExclusiveGateway,
                    "and": BPMN.ParallelGateway,
                    "or": BPMN.InclusiveGateway,
                }[kind]
                obj = cls(id=f"Gateway_{n}", gateway_direction=direction)
            nodes[n] = obj
            bpmn.add_node(obj)
        for i, (a, b) in enumerate(self.edges, start=1):
            bpmn.add_flow(BPMN.SequenceFlow(nodes[a], nodes[b], id=f"Flow_{i}"))
        return bpmn


def _plain_task(name: str, *, id: str = "") -> Any:
    _quiet_pm4py()
    from pm4py.objects.bpmn.obj import BPMN

    return BPMN.Task(id=id, name=name)


def _direction(n_in: int, n_out: int) -> Any:
    _quiet_pm4py()
    from pm4py.objects.bpmn.obj import BPMN

    if n_out > 1 and n_in <= 1:
        return BPMN.Gateway.Direction.DIVERGING
    if n_in > 1 and n_out <= 1:
        return BPMN.Gateway.Direction.CONVERGING
    return BPMN.Gateway.Direction.UNSPECIFIED


def _flow_from_tree(tree: Any, *, compact: bool) -> _Flow:
    """The reduced flow graph of a pm4py process tree (``compact`` allows mixed gateways)."""
    return _flow_from_ast(_simplify(_ast(tree), compact=compact), mixed=compact)


def _flow_from_ast(ast: tuple[Any, ...], *, mixed: bool) -> _Flow:
    flow = _Flow()
    start = flow.add("start")
    part = flow.build(ast)
    end = flow.add("end")
    if part is None:
        flow.connect(start, end)
    else:
        flow.connect(start, part[0])
        flow.connect(part[1], end)
    flow.reduce(mixed=mixed)
    return flow


# ============================================================================ BPMN -> Petri net
def bpmn_counts(bpmn: Any) -> tuple[int, int]:
    """``(tasks, gateways)`` of a pm4py BPMN graph."""
    _quiet_pm4py()
    from pm4py.objects.bpmn.obj import BPMN

    nodes = bpmn.get_nodes()
    tasks = sum(1 for n in nodes if isinstance(n, BPMN.Activity))
    gateways = sum(1 for n in nodes if isinstance(n, BPMN.Gateway))
    return tasks, gateways


def _expand_loops(bpmn: Any) -> Any:
    """A copy of ``bpmn`` where every loop-marked task is drawn with explicit gateways."""
    _quiet_pm4py()
    from pm4py.objects.bpmn.obj import BPMN

    out = BPMN(process_id=bpmn.get_process_id(), name=bpmn.get_name())
    mapping: dict[Any, tuple[Any, Any]] = {}
    for node in sorted(bpmn.get_nodes(), key=lambda n: str(n.get_id())):
        if is_loop_task(node):
            join = BPMN.ExclusiveGateway(id=f"{node.get_id()}_loopjoin")
            task = BPMN.Task(id=str(node.get_id()), name=node.get_name())
            split = BPMN.ExclusiveGateway(id=f"{node.get_id()}_loopsplit")
            for n in (join, task, split):
                out.add_node(n)
            out.add_flow(BPMN.SequenceFlow(join, task, id=f"{node.get_id()}_loop_in"))
            out.add_flow(BPMN.SequenceFlow(task, split, id=f"{node.get_id()}_loop_out"))
            out.add_flow(BPMN.SequenceFlow(split, join, id=f"{node.get_id()}_loop_back"))
            mapping[node] = (join, split)
        else:
            mapping[node] = (node, node)
            out.add_node(node)
    for flow in sorted(bpmn.get_flows(), key=lambda f: str(f.get_id())):
        source = mapping[flow.get_source()][1]
        target = mapping[flow.get_target()][0]
        if source is flow.get_source() and target is flow.get_target():
            out.add_flow(flow)
        else:
            out.add_flow(BPMN.SequenceFlow(source, target, id=str(flow.get_id())))
    return out


def bpmn_to_petri(bpmn: Any) -> tuple[Any, Any, Any]:
    """pm4py's Petri net conversion of a BPMN graph, reduced, with stable names.

    Loop-marked tasks (:func:`is_loop_task`) are expanded into their gateways first, so the net
    has the same language as the BPMN shown. pm4py's converter is run without its own
    reduction (quadratic on wide choices: minutes for a 400-way choice) and the silent
    transitions it adds are then fused in linear time by :func:`reduce_silent`.
    """
    from procsimp.core._pm4py import pm4py

    pm4py()
    from pm4py.objects.conversion.bpmn.variants import to_petri_net

    has_loops = any(is_loop_task(n) for n in bpmn.get_nodes())
    source = _expand_loops(bpmn) if has_loops else bpmn
    net, im, fm = to_petri_net.apply(source, parameters={"enable_reduction": False})
    reduce_silent(net, im, fm)
    _rename_net(net)
    return net, im, fm


def reduce_silent(net: Any, initial_marking: Any, final_marking: Any) -> Any:
    """Fuse silent transitions in series with their neighbour (in place; returns ``net``).

    Two rules of Murata's fusion of series transitions, restricted so that they keep both the
    visible language and soundness (no choice is moved):

    * a silent ``t`` whose only input place ``p`` has one producer ``u`` and no other consumer:
      ``u`` produces ``t``'s outputs directly (pm4py's single-entry rule);
    * a silent ``t`` whose only output place ``q`` has one consumer ``u`` and no other
      producer, and whose input places feed nothing but ``t``: ``u`` consumes ``t``'s inputs
      directly (pm4py's single-exit rule, without moving a choice).
    """
    _quiet_pm4py()
    from pm4py.objects.petri_net.utils.petri_utils import (
        add_arc_from_to,
        remove_place,
        remove_transition,
    )

    marked = set(initial_marking) | set(final_marking)
    changed = True
    while changed:
        changed = False
        for t in sorted(net.transitions, key=lambda x: str(x.name)):
            if t not in net.transitions or t.label is not None:
                continue
            if len(t.in_arcs) == 1:
                p = next(iter(t.in_arcs)).source
                if p not in marked and len(p.in_arcs) == 1 and len(p.out_arcs) == 1:
                    u = next(iter(p.in_arcs)).source
                    if u is not t:
                        targets = [a.target for a in t.out_arcs]
                        remove_transition(net, t)
                        remove_place(net, p)
                        for q in targets:
                            add_arc_from_to(u, q, net)
                        changed = True
                        continue
            if len(t.out_arcs) == 1:
                q = next(iter(t.out_arcs)).target
                if q not in marked and len(q.in_arcs) == 1 and len(q.out_arcs) == 1:
                    u = next(iter(q.out_arcs)).target
                    sources = [a.source for a in t.in_arcs]
                    if u is not t and all(len(x.out_arcs) == 1 for x in sources):
                        remove_transition(net, t)
                        remove_place(net, q)
                        for x in sources:
                            add_arc_from_to(x, u, net)
                        changed = True
    return net


def _rename_net(net: Any) -> None:
    """Give places and transitions stable names (pm4py uses random uuids)."""
    import networkx as nx

    graph = nx.DiGraph()
    for p in net.places:
        graph.add_node(("p", id(p)), label="p:" + ("source" if p.name == "source" else "sink" if p.name == "sink" else ""))
    for t in net.transitions:
        graph.add_node(("t", id(t)), label="t:" + (t.label or "").encode("unicode_escape").decode("ascii"))
    for arc in net.arcs:
        s = ("p", id(arc.source)) if arc.source in net.places else ("t", id(arc.source))
        d = ("p", id(arc.target)) if arc.target in net.places else ("t", id(arc.target))
        graph.add_edge(s, d)
    with warnings.catch_warnings():  # networkx notes that its hashes changed in 3.5
        warnings.simplefilter("ignore")
        hashes = nx.weisfeiler_lehman_subgraph_hashes(graph, node_attr="label", iterations=4)
    objs = {("p", id(p)): p for p in net.places} | {("t", id(t)): t for t in net.transitions}
    # name by first reach from the source place, ties broken by the neighbourhood hash
    order: dict[Any, int] = {}
    sources = [k for k, o in objs.items() if k[0] == "p" and o.name == "source"]
    frontier = sorted(sources, key=lambda k: hashes[k])
    while frontier:
        nxt: list[Any] = []
        for k in frontier:
            if k in order:
                continue
            order[k] = len(order)
            nxt.extend(s for s in graph.successors(k) if s not in order)
        frontier = sorted(set(nxt), key=lambda k: (hashes[k], graph.nodes[k]["label"]))
    rest = sorted((k for k in objs if k not in order), key=lambda k: (hashes[k], graph.nodes[k]["label"]))
    for k in rest:
        order[k] = len(order)
    n_p = n_t = 0
    for k in sorted(objs, key=order.__getitem__):
        obj = objs[k]
        if k[0] == "p":
            if obj.name not in ("source", "sink"):
                n_p += 1
                obj.name = f"p{n_p}"
        else:
            n_t += 1
            obj.name = f"t{n_t}"


#: markings explored at most by the state-space checks (soundness, precision, fitting cases)
MAX_STATES = 200_000
#: a default model may reach at most this many markings (more means a wall of concurrency
#: that nobody can read, and slow checks)
MAX_MODEL_STATES = 5_000


class StateSpace:
    """The reachability graph of a Petri net, explored breadth-first with pm4py's net objects.

    Markings are tuples of token counts over the places (sorted by name). Exploration stops at
    ``max_states`` markings (``complete`` is then False) or when a marking strictly covers one
    of its ancestors (the net is unbounded: ``bounded`` is False).
    """

    def __init__(self, net: Any, initial_marking: Any, final_marking: Any, *, max_states: int = MAX_STATES) -> None:
        self.places = sorted(net.places, key=lambda p: str(p.name))
        index = {p: i for i, p in enumerate(self.places)}
        self.transitions = sorted(net.transitions, key=lambda t: str(t.name))
        self.pre: list[tuple[tuple[int, int], ...]] = []
        self.post: list[tuple[tuple[int, int], ...]] = []
        for t in self.transitions:
            pre: Counter[int] = Counter()
            post: Counter[int] = Counter()
            for a in t.in_arcs:
                pre[index[a.source]] += int(a.weight)
            for a in t.out_arcs:
                post[index[a.target]] += int(a.weight)
            self.pre.append(tuple(sorted(pre.items())))
            self.post.append(tuple(sorted(post.items())))
        self.labels: list[str | None] = [t.label for t in self.transitions]
        self.initial = self._marking(initial_marking, index)
        self.final = self._marking(final_marking, index)
        self.max_states = max_states
        self.states: dict[tuple[int, ...], int] = {}
        self.markings: list[tuple[int, ...]] = []
        self.edges: list[list[tuple[int, int]]] = []  # per state: (transition, next state)
        self.complete = True
        self.bounded = True
        self.unbounded_place: str | None = None
        self._explore()

    def _marking(self, marking: Any, index: dict[Any, int]) -> tuple[int, ...]:
        m = [0] * len(self.places)
        for p, n in marking.items():
            m[index[p]] = int(n)
        return tuple(m)

    def _explore(self) -> None:
        from collections import deque

        parent: list[int] = []
        self._add(self.initial, parent, -1)
        queue = deque([0])
        while queue:
            s = queue.popleft()
            m = self.markings[s]
            out = self.edges[s]
            for t, (pre, post) in enumerate(zip(self.pre, self.post, strict=True)):
                if any(m[p] < w for p, w in pre):
                    continue
                nm = list(m)
                for p, w in pre:
                    nm[p] -= w
                for p, w in post:
                    nm[p] += w
                key = tuple(nm)
                target = self.states.get(key)
                if target is None:
                    if len(self.markings) >= self.max_states:
                        self.complete = False
                        return
                    if max(key) > 1 and self._covers_ancestor(key, s, parent):
                        self.bounded = False
                        self.complete = False
                        return
                    target = self._add(key, parent, s)
                    queue.append(target)
                out.append((t, target))

    def _add(self, key: tuple[int, ...], parent: list[int], origin: int) -> int:
        n = len(self.markings)
        self.states[key] = n
        self.markings.append(key)
        self.edges.append([])
        parent.append(origin)
        return n

    def _covers_ancestor(self, key: tuple[int, ...], s: int, parent: list[int]) -> bool:
        while s >= 0:
            m = self.markings[s]
            if m != key and all(a <= b for a, b in zip(m, key, strict=True)):
                grown = [i for i, (a, b) in enumerate(zip(m, key, strict=True)) if b > a]
                self.unbounded_place = str(self.places[grown[0]].name)
                return True
            s = parent[s]
        return False

    # ------------------------------------------------------------------ soundness
    def soundness(self) -> tuple[bool, str]:
        """Classical soundness: option to complete, proper completion, no dead transition."""
        if not self.bounded:
            return False, f"unbounded: place {self.unbounded_place} can collect tokens without limit"
        if not self.complete:
            return False, f"not verified: the state space has more than {self.max_states} markings"
        final = self.states.get(self.final)
        if final is None:
            return False, "the final marking cannot be reached"
        for m in self.markings:
            if m != self.final and all(b >= a for a, b in zip(self.final, m, strict=True)):
                return False, "improper completion: tokens are left behind when the end is reached"
        reverse: list[list[int]] = [[] for _ in self.markings]
        fired = [False] * len(self.transitions)
        for s, out in enumerate(self.edges):
            for t, d in out:
                reverse[d].append(s)
                fired[t] = True
        seen = {final}
        stack = [final]
        while stack:
            for s in reverse[stack.pop()]:
                if s not in seen:
                    seen.add(s)
                    stack.append(s)
        if len(seen) < len(self.markings):
            return False, f"{len(self.markings) - len(seen)} reachable markings cannot complete (deadlock or livelock)"
        dead = [self.labels[t] or str(self.transitions[t].name) for t, ok in enumerate(fired) if not ok]
        if dead:
            return False, f"dead transitions (never enabled): {', '.join(sorted(map(str, dead))[:5])}"
        return True, "sound"

    # ------------------------------------------------------------------ language
    def closure(self, states: Iterable[int]) -> frozenset[int]:
        """The states reachable through silent transitions only."""
        seen = set(states)
        stack = list(seen)
        while stack:
            for t, d in self.edges[stack.pop()]:
                if self.labels[t] is None and d not in seen:
                    seen.add(d)
                    stack.append(d)
        return frozenset(seen)

    def step(self, states: frozenset[int], label: str) -> frozenset[int]:
        """The silent closure of the states reached by one ``label`` transition."""
        nxt = {d for s in states for t, d in self.edges[s] if self.labels[t] == label}
        return self.closure(nxt) if nxt else frozenset()

    def enabled(self, states: frozenset[int]) -> set[str]:
        """Visible labels enabled in a closed set of states."""
        return {self.labels[t] for s in states for t, _ in self.edges[s] if self.labels[t] is not None}  # type: ignore[misc]


def check_sound(
    net: Any, initial_marking: Any, final_marking: Any, *, method: str = "state-space"
) -> bool:
    """Whether a workflow net is sound.

    ``method="state-space"`` (default) checks the classical definition on the reachability
    graph (option to complete, proper completion, no dead transitions, boundedness), exploring
    at most :data:`MAX_STATES` markings. ``method="woflan"`` runs pm4py's WOFLAN
    (``pm4py.check_soundness``), which gives the same verdict but is much slower on models with
    concurrency (tens of seconds for a net with a few hundred markings).
    """
    if method == "woflan":
        import warnings

        from procsimp.core._pm4py import pm4py

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = pm4py().check_soundness(net, initial_marking, final_marking)
        return bool(result[0] if isinstance(result, tuple) else result)
    if method != "state-space":
        raise ParameterError(f"method must be 'state-space' or 'woflan', got {method!r}")
    if not _is_workflow_net(net, initial_marking, final_marking):
        return False
    return StateSpace(net, initial_marking, final_marking).soundness()[0]


def _is_workflow_net(net: Any, initial_marking: Any, final_marking: Any) -> bool:
    """One source place (initially marked), one sink place (finally marked), all on a path."""
    import networkx as nx

    sources = [p for p in net.places if not p.in_arcs]
    sinks = [p for p in net.places if not p.out_arcs]
    if len(sources) != 1 or len(sinks) != 1:
        return False
    if dict(initial_marking) != {sources[0]: 1} or dict(final_marking) != {sinks[0]: 1}:
        return False
    graph = nx.DiGraph()
    for arc in net.arcs:
        graph.add_edge(id(arc.source), id(arc.target))
    graph.add_edge(id(sinks[0]), id(sources[0]))  # short-circuit
    nodes = {id(p) for p in net.places} | {id(t) for t in net.transitions}
    return set(graph.nodes) == nodes and nx.is_strongly_connected(graph)


# ============================================================================ quality
def _fake_log(traces: Iterable[tuple[str, ...]]) -> Any:
    _quiet_pm4py()
    from pm4py.objects.log.obj import Event, EventLog, Trace

    log = EventLog()
    for trace in traces:
        log.append(Trace([Event({"concept:name": a}) for a in trace]))
    return log


def _sample_variants(
    items: Sequence[tuple[tuple[str, ...], int]], max_variants: int | None, seed: int
) -> list[tuple[tuple[str, ...], float]]:
    """``(trace, weight)`` pairs to replay: every variant when there are at most
    ``max_variants``, else the most frequent half of that budget exactly and a seeded uniform
    sample of the rest, weighted up to stand for all of it (Horvitz-Thompson weights).
    ``items`` is sorted most cases first."""
    import numpy as np

    if max_variants is None or len(items) <= max_variants:
        return [(t, float(n)) for t, n in items]
    head_n = max(1, max_variants // 2)
    head, tail = items[:head_n], items[head_n:]
    k = max(1, max_variants - head_n)
    rng = np.random.default_rng(seed)
    picked = sorted(rng.choice(len(tail), size=min(k, len(tail)), replace=False).tolist())
    scale = len(tail) / len(picked)
    return [(t, float(n)) for t, n in head] + [(tail[i][0], tail[i][1] * scale) for i in picked]


def _std_move_cost() -> int:
    from pm4py.objects.petri_net.utils import align_utils

    return int(align_utils.STD_MODEL_LOG_MOVE_COST)


#: distinct variants aligned at most by pm4py's alignments (the rest is sampled); A* alignments
#: cost about 80 ms a variant on the Sepsis log (12 tasks), seconds on BPIC15_1 (37 tasks)
MAX_ALIGN_VARIANTS = 100
#: work budget of the alignments: sampled variants x mean projected trace length x activities
#: of the net (Sepsis: 100 variants fit; BPIC15_1: about 16)
MAX_ALIGN_WORK = 20_000
#: variants aligned at least when the log has more
MIN_ALIGN_VARIANTS = 10
#: a trace longer than this is aligned by pm4py's Dijkstra search rather than its A*: the same
#: optimal cost, but A* keeps a linear-programming solution as long as the trace with every
#: queued state, so its memory grows with the square of the trace's length (3.3-5.8 GB for one
#: trace of 500 events, against 0.3 GB)
LONG_ALIGN_EVENTS = 100


def alignment_fitness(
    counter: Mapping[tuple[str, ...], int],
    net: Any,
    initial_marking: Any,
    final_marking: Any,
    *,
    max_variants: int | None = MAX_ALIGN_VARIANTS,
    seed: int = 0,
    max_work: int | None = MAX_ALIGN_WORK,
) -> dict[str, float]:
    """pm4py's alignment-based fitness, each distinct variant aligned once and weighted by its
    cases.

    Returns ``fitness`` (the mean trace fitness over the cases, what
    ``pm4py.fitness_alignments`` calls ``average_trace_fitness``), ``fitting_share`` (the share
    of cases whose alignment has no deviation), ``aligned`` (variants aligned), ``variants``,
    ``exact`` (the most frequent variants, all aligned) and ``exact_cases`` (their share of the
    cases). An activity the net does
    not show is a deviation (a move on the log). With more than ``max_variants`` variants, the
    most frequent half of that budget is aligned exactly and the rest estimated from a seeded
    uniform sample (see :func:`token_fitness`); on a big net with long traces the budget shrinks
    (to at least :data:`MIN_ALIGN_VARIANTS`) so that the mean trace length times the net's
    activities times the variants stays within ``max_work``. Traces of more than
    :data:`LONG_ALIGN_EVENTS` events are aligned by pm4py's Dijkstra search instead of its A*
    (the same optimal cost, in memory that grows with the trace rather than its square).
    """
    _quiet_pm4py()
    from pm4py.algo.conformance.alignments.petri_net import algorithm as alignments

    items = sorted(((t, int(n)) for t, n in counter.items() if n > 0), key=lambda kv: (-kv[1], kv[0]))
    total = sum(n for _, n in items)
    if not total:
        return {"fitness": math.nan, "fitting_share": math.nan, "aligned": 0, "variants": 0, "exact": 0, "exact_cases": 0.0}
    labels = {t.label for t in net.transitions if t.label is not None}
    if max_variants is not None and max_work is not None and len(items) > max_variants:
        # A* alignments cost grows with the trace and the net: fewer variants on big models
        head = items[: max(1, max_variants // 2)]
        length = sum(sum(1 for a in t if a in labels) for t, _ in head) / len(head)
        per_variant = max(1.0, length * max(len(labels), 1))
        max_variants = int(min(max_variants, max(MIN_ALIGN_VARIANTS, max_work // per_variant)))
    sample = _sample_variants(items, max_variants, seed)
    # an event whose activity no transition shows can only be a move on the log: the optimal
    # alignment of a trace is that of its projection on the net's activities plus one log move
    # per such event (exactly pm4py's cost and fitness), and projections repeat across variants
    projected = [tuple(a for a in t if a in labels) for t, _ in sample]
    distinct = list(dict.fromkeys(projected))
    by_trace: dict[tuple[str, ...], Any] = {}
    for variant, group in (
        (alignments.Variants.VERSION_STATE_EQUATION_A_STAR, [t for t in distinct if len(t) <= LONG_ALIGN_EVENTS]),
        (alignments.Variants.VERSION_DIJKSTRA_NO_HEURISTICS, [t for t in distinct if len(t) > LONG_ALIGN_EVENTS]),
    ):
        if not group:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            aligned = alignments.apply(
                _fake_log(group), net, initial_marking, final_marking, variant=variant,
                parameters={"show_progress_bar": False},
            )
        by_trace.update(zip(group, aligned, strict=True))
    unit = _std_move_cost()
    weight = sum(w for _, w in sample)
    fit = fitting = 0.0
    for (trace, w), proj in zip(sample, projected, strict=True):
        r = by_trace[proj]
        if r is None or "bwc" not in r:
            f = 0.0
        else:
            extra = len(trace) - len(proj)
            den = r["bwc"] // unit + extra
            f = 1 - (r["cost"] // unit + extra) / den if den > 0 else 0.0
        fit += w * f
        fitting += w if f == 1.0 else 0.0
    exact_n = len(items) if len(sample) == len(items) else max(1, (max_variants or 2) // 2)
    return {
        "fitness": fit / weight,
        "fitting_share": fitting / weight,
        "aligned": len(sample),
        "variants": len(items),
        "exact": exact_n,
        "exact_cases": sum(n for _, n in items[:exact_n]) / total,
    }


#: distinct variants replayed at most by pm4py's token replay (the rest is sampled)
MAX_REPLAY_VARIANTS = 300


def token_fitness(
    counter: Mapping[tuple[str, ...], int],
    net: Any,
    initial_marking: Any,
    final_marking: Any,
    *,
    max_variants: int | None = MAX_REPLAY_VARIANTS,
    seed: int = 0,
) -> tuple[float, int]:
    """pm4py's token-based replay fitness (``log_fitness``), weighted by variant counts.

    Each distinct variant is replayed once with pm4py and its token counts are weighted by its
    cases, which gives exactly ``pm4py.fitness_token_based_replay`` on the full log. pm4py's
    replay costs about 10 ms per variant on a noisy log, so when there are more than
    ``max_variants`` distinct variants, the most frequent half of that budget is replayed
    exactly and the rest is estimated from a seeded uniform sample of the remaining variants
    (Horvitz-Thompson weights). Returns ``(fitness, variants replayed)``.
    """
    from procsimp.core._pm4py import pm4py

    pm4py()
    from pm4py.algo.conformance.tokenreplay import algorithm as token_replay

    items = sorted(((t, int(n)) for t, n in counter.items() if n > 0), key=lambda kv: (-kv[1], kv[0]))
    if not items:
        return math.nan, 0
    sample = _sample_variants(items, max_variants, seed)
    results = token_replay.apply(
        _fake_log(t for t, _ in sample),
        net,
        initial_marking,
        final_marking,
        variant=token_replay.Variants.TOKEN_REPLAY,
        parameters={"consider_remaining_in_fitness": True, "show_progress_bar": False},
    )
    totals = dict.fromkeys(("missing_tokens", "consumed_tokens", "remaining_tokens", "produced_tokens"), 0.0)
    for r, (_, w) in zip(results, sample, strict=True):
        for key in totals:
            totals[key] += w * r[key]
    m, c = totals["missing_tokens"], totals["consumed_tokens"]
    r_, p = totals["remaining_tokens"], totals["produced_tokens"]
    if c <= 0 or p <= 0:
        return 0.0, len(sample)
    # pm4py's formula (pm4py.algo.evaluation.replay_fitness.variants.token_replay.evaluate)
    return 0.5 * (1 - m / c) + 0.5 * (1 - r_ / p), len(sample)


def language_quality(counter: Mapping[tuple[str, ...], int], space: StateSpace) -> dict[str, float]:
    """ETC precision and the share of perfectly fitting cases, on the net's state space.

    Precision follows Muñoz-Gama & Carmona's escaping-edges measure as pm4py computes it
    (prefixes of every case, weighted by how many cases share them, plus the start), but the
    activities the model allows after a prefix are read from the reachability graph, through
    silent steps. pm4py's token-replay version counts only transitions enabled without a silent
    step (so a choice behind a gateway allows "nothing") and splits prefixes at commas, which
    breaks names such as "Xem xét, trình ký". Prefixes the model cannot replay are skipped, as
    in pm4py.
    """
    items = [(t, int(n)) for t, n in counter.items() if n > 0]
    total = sum(n for _, n in items)
    if not total:
        return {"precision": math.nan, "fitting_cases": math.nan}
    init = space.closure([0])
    final = space.states.get(space.final)
    observed: dict[tuple[str, ...], set[str]] = {}
    weight: Counter[tuple[str, ...]] = Counter()
    reached: dict[tuple[str, ...], frozenset[int]] = {(): init}
    fitting = 0
    for trace, n in items:
        current = init
        for i, activity in enumerate(trace):
            prefix = trace[:i]
            if i:
                observed.setdefault(prefix, set()).add(activity)
                weight[prefix] += n
            nxt_key = trace[: i + 1]
            nxt = reached.get(nxt_key)
            if nxt is None:
                nxt = space.step(current, activity) if current else frozenset()
                reached[nxt_key] = nxt
            current = nxt
            if not current:
                break
        if current and final is not None and final in current:
            fitting += n
    enabled0 = space.enabled(init)
    starts = {t[0] for t, _ in items if t}
    sum_at = total * len(enabled0)
    sum_ee = total * len(enabled0 - starts)
    enabled_cache: dict[frozenset[int], set[str]] = {}
    for prefix, nexts in observed.items():
        states = reached.get(prefix)
        if not states:
            continue
        enabled = enabled_cache.get(states)
        if enabled is None:
            enabled = enabled_cache[states] = space.enabled(states)
        sum_at += len(enabled) * weight[prefix]
        sum_ee += len(enabled - nexts) * weight[prefix]
    precision = 1.0 - sum_ee / sum_at if sum_at > 0 else 1.0
    return {"precision": float(precision), "fitting_cases": fitting / total}


# ============================================================================ entry point
def _check_noise(noise: Any) -> float:
    try:
        value = float(noise)
    except (TypeError, ValueError):
        value = math.nan
    if not (0.0 <= value < 1.0):
        raise ParameterError(
            f"noise must be a number from 0 (keep all behaviour) to below 1 (filter almost "
            f"everything), got {noise!r}; the default 0.2 filters directly-follows relations "
            "seen in fewer than 20% of the cases of the most frequent one"
        )
    return value


@dataclass
class _Candidate:
    tree: Any
    flow: _Flow
    noise: float
    min_share: float
    keep: frozenset[str]
    bpmn: Any = None
    net: Any = None
    im: Any = None
    fm: Any = None
    space: StateSpace | None = None
    compact: bool = False

    def build(self, service: str | None, max_states: int) -> _Candidate:
        self.bpmn = self.flow.to_bpmn(name=service or "")
        self.net, self.im, self.fm = bpmn_to_petri(self.bpmn)
        self.space = StateSpace(self.net, self.im, self.fm, max_states=max_states)
        return self


def _activity_levels(
    all_activities: list[str], shares: dict[str, float], noise_steps: list[float]
) -> list[tuple[float, frozenset[str], list[float]]]:
    """``(min case share, activities, noise steps)`` tried by the default model, in order.

    First every activity (at most :data:`MAX_TASKS`, the most frequent), then only those in
    at least 1%, 2%, 5% ... 50% of the cases, each with rising noise; then, at the highest
    noise, ever fewer of the most frequent activities (a min share of -1 marks these).
    """
    by_share = sorted(all_activities, key=lambda a: (-shares.get(a, 0.0), a))
    levels: list[tuple[float, frozenset[str], list[float]]] = []
    for min_share in _ACTIVITY_STEPS:
        keep = frozenset([a for a in by_share if shares.get(a, 0.0) >= min_share][:MAX_TASKS])
        if keep and all(keep != k for _, k, _ in levels):
            levels.append((min_share, keep, noise_steps))
    k = len(levels[-1][1]) if levels else 0
    while k > 1:
        k = min(k - 1, int(k * 0.8))
        levels.append((-1.0, frozenset(by_share[: max(k, 1)]), noise_steps[-1:]))
    return levels


def _shown(flow: _Flow) -> set[str]:
    return {flow.name[n] for n in flow.kind if flow.kind[n] == "task"}


def _simplified(
    counter: Counter[tuple[str, ...]],
    noise: float,
    all_activities: list[str],
    shares: dict[str, float],
    service: str | None,
    forced: frozenset[str] = frozenset(),
) -> tuple[_Candidate, list[str]]:
    """The least filtered model that is readable and keeps every activity in at least
    :data:`KEEP_SHARE` of the cases.

    In order: a readable model (gateways <= tasks, a small state space) with every such
    activity; else one with every such activity and more gateways than tasks (said in a note);
    else the least filtered readable model that leaves some out, with a note naming them and
    why they could not be kept.
    """
    notes: list[str] = []
    noise_steps = [noise] + [x for x in _NOISE_STEPS if x > noise]
    levels = [
        (ms, keep | forced, steps) for ms, keep, steps in _activity_levels(all_activities, shares, noise_steps)
    ]
    must = frozenset(a for a in all_activities if shares.get(a, 0.0) >= KEEP_SHARE) | forced
    faithful = [lv for lv in levels if must <= lv[1]]
    crowded: _Candidate | None = None  # faithful, complete state space, gateways > tasks
    last: _Candidate | None = None
    for pass_levels, strict in ((faithful, False), ([lv for lv in levels if lv not in faithful], True)):
        for min_share, keep, steps in pass_levels:
            projected = counter if len(keep) == len(all_activities) else _project(counter, set(keep))
            for step in steps:
                tree = _inductive_tree(projected, step)
                for compact in (False, True):
                    flow = _flow_from_tree(tree, compact=compact)
                    last = _Candidate(tree, flow, step, min_share, keep, compact=compact)
                    tasks, gateways, _ = flow.counts()
                    if not strict and not must <= _shown(flow):
                        continue  # the noise filter dropped a frequent activity
                    if gateways > MAX_GATEWAYS_PER_TASK * max(tasks, 1):
                        if strict or crowded is not None:
                            continue
                        last.build(service, MAX_MODEL_STATES)
                        assert last.space is not None
                        if last.space.complete:
                            crowded = last
                        continue
                    last.build(service, MAX_MODEL_STATES)
                    assert last.space is not None
                    if last.space.complete:
                        return last, notes
                    break  # too much concurrency: filter more
        if crowded is not None:
            tasks, gateways, _ = crowded.flow.counts()
            notes.append(
                f"to keep every activity in {KEEP_SHARE:.0%} or more of the cases, the model has "
                f"{gateways} gateways for {tasks} tasks (more than one per task)"
            )
            return crowded, notes
        if not strict:
            if len(must) > MAX_TASKS:
                why = (
                    f"{len(must)} activities are each in {KEEP_SHARE:.0%} or more of the cases and "
                    f"a readable model shows at most {MAX_TASKS}"
                )
            else:
                why = (
                    f"with all {len(must)} activities in {KEEP_SHARE:.0%} or more of the cases, every "
                    f"model tried had more than {MAX_MODEL_STATES:,} reachable states (too much "
                    "concurrency to check or draw)"
                )
            notes.append(f"not every frequent activity could be kept: {why}; see left_out")
    assert last is not None
    notes.append(
        "the log's behaviour could not be shown with at most one gateway per task and at most "
        f"{MAX_MODEL_STATES} reachable states; this is the most filtered model tried"
    )
    return last.build(service, MAX_STATES), notes


def discover_model(
    variants: pd.DataFrame | Mapping[tuple[str, ...], int] | Iterable[tuple[Sequence[str], int]],
    *,
    noise: float = 0.2,
    full: bool = False,
    log: EventLog | None = None,
    align_variants: int | None = MAX_ALIGN_VARIANTS,
    keep: Iterable[str] = (),
) -> Model:
    """Discover a readable, sound BPMN model (and its Petri net) from a variant table.

    ``variants`` is the table of :func:`procsimp.engine.variants` for one service (columns
    ``variant`` and ``cases``), a mapping of trace tuples to case counts, or ``(trace, count)``
    pairs.

    The default model runs pm4py's inductive miner (IMf) with ``noise`` on the variants and
    keeps it readable: at most one gateway per task, at most :data:`MAX_TASKS` tasks and at
    most :data:`MAX_MODEL_STATES` reachable states (no wall of concurrent optional steps).
    When needed, the noise threshold is raised (up to 0.5) and then the rarest activities are
    left out, step by step; :attr:`Model.notes` lists what was done. ``full=True`` gives the
    full-fitness model instead (inductive miner without noise filtering, every activity).

    ``keep`` names activities the default model must show whatever their frequency (the steps
    a proposal edits), as it must show every activity in :data:`KEEP_SHARE` or more of the
    cases; when it cannot, :attr:`Model.notes` says why and :attr:`Model.left_out` lists them.

    Fitness (pm4py alignments, sampled beyond ``align_variants`` variants) and precision are
    measured against ``log`` (an :class:`~procsimp.core.log.EventLog`; for
    a multi-service log, the events of the table's service) when it is given, else against the
    variant table itself. The input is never modified.
    """
    noise = _check_noise(noise)
    counter, service = variant_counts(variants)
    if not counter:
        raise ParameterError(
            "variants: the table is empty (no case); a model needs at least one case. Check the "
            "service name and the filters used to build the table."
        )
    counter, folded = _fold_long(_canonical(counter))
    reference = _fold_long(_canonical(_log_counts(log, service)))[0] if log is not None else counter
    all_activities = sorted({a for t in counter for a in t})
    shares = _case_share(counter)
    notes: list[str] = []
    shortened: list[str] = []
    if folded:
        shortened.append(
            f"{folded} dossier(s) with more than {MAX_TRACE_EVENTS:,} events were shortened for discovery and "
            f"fitness (repeats of a step in a row folded into one, then the first {MAX_TRACE_EVENTS - 1:,} "
            "events and the last kept): the miner and token replay grow with the square of a trace's length"
        )
    if full:
        if len(all_activities) > MAX_FULL_ACTIVITIES:
            raise ParameterError(
                f"full=True: the full-fitness model of {len(all_activities)} activities is beyond "
                f"what the inductive miner computes in reasonable time (at most "
                f"{MAX_FULL_ACTIVITIES}); keep fewer activities first, e.g. "
                "procsimp.mine(log, activities=0.8).model(full=True), or use the default model"
            )
        tree = _inductive_tree(counter, 0.0)
        chosen = _Candidate(tree, _flow_from_tree(tree, compact=False), 0.0, 0.0, frozenset(all_activities))
        chosen.build(service, MAX_STATES)
        kind = "full"
        notes = [*shortened, *notes]
    else:
        forced = frozenset(str(a) for a in keep) & frozenset(all_activities)
        chosen, notes = _simplified(counter, noise, all_activities, shares, service, forced)
        notes = [*shortened, *notes]
        kind = "simplified"
        if chosen.noise > noise:
            notes.append(
                f"noise threshold raised from {noise:g} to {chosen.noise:g} to keep the model "
                "readable"
            )
        elif chosen.noise > 0:
            notes.append(
                f"infrequent behaviour filtered (inductive miner IMf, noise threshold {chosen.noise:g})"
            )
    return _measured(
        chosen,
        reference,
        kind=kind,
        service=service,
        notes=notes,
        all_activities=all_activities,
        align_variants=align_variants,
    )


def _measured(
    chosen: _Candidate,
    reference: Counter[tuple[str, ...]],
    *,
    kind: str,
    service: str | None,
    notes: list[str],
    all_activities: Sequence[str],
    align_variants: int | None,
    shown: set[str] | None = None,
    display: _Flow | None = None,
    display_bpmn: Any = None,
) -> Model:
    """The :class:`Model` of a built candidate, measured against ``reference``.

    ``shown`` overrides the activities the model shows (a to-be model shows its removed steps
    ghosted but does not run them); ``display`` / ``display_bpmn`` the flow and BPMN drawn.
    """
    space = chosen.space
    assert space is not None
    net, im, fm = chosen.net, chosen.im, chosen.fm
    sound, soundness = space.soundness()
    if sound and not _is_workflow_net(net, im, fm):
        sound, soundness = False, "not a workflow net (one source and one sink place expected)"
    if space.complete:
        language = language_quality(reference, space)
    else:
        language = {"precision": math.nan, "fitting_cases": math.nan}
        notes.append(f"precision not computed: {soundness}")
    aligned = alignment_fitness(reference, net, im, fm, max_variants=align_variants)
    if aligned["aligned"] < aligned["variants"]:
        notes.append(
            f"fitness and fitting cases from pm4py alignments of a sample of {aligned['aligned']} "
            f"of {aligned['variants']} variants: the {aligned['exact']} most frequent "
            f"({aligned['exact_cases']:.0%} of the cases) and a seeded random sample of "
            f"{aligned['aligned'] - aligned['exact']} others standing for the rest"
        )
    fitness = aligned["fitness"]
    token, _ = token_fitness(reference, net, im, fm)
    flow = display or chosen.flow
    tasks, gateways, loops = flow.counts()
    shown_set = _shown(chosen.flow) if shown is None else set(shown)
    events_total = sum(len(t) * n for t, n in reference.items())
    events_kept = sum(sum(1 for a in t if a in shown_set) * n for t, n in reference.items())
    ref_shares = _case_share(reference)
    every = sorted(set(all_activities) | set(ref_shares), key=lambda a: (-ref_shares.get(a, 0.0), a))
    dropped = tuple(a for a in every if a not in shown_set and ref_shares.get(a, 0.0) > 0)
    left_out = tuple(
        {"activity": a, "case_share": round(ref_shares.get(a, 0.0), 6)} for a in dropped
    )
    if dropped:
        frequent = [a for a in dropped if ref_shares.get(a, 0.0) >= KEEP_SHARE]
        filtered = [a for a in dropped if a in chosen.keep]
        reason = []
        if len(chosen.keep) < len(all_activities):
            reason.append(
                f"activities in fewer than {chosen.min_share:.0%} of the cases"
                if chosen.min_share > 0 and len(chosen.keep) < MAX_TASKS
                else f"only the {len(chosen.keep)} activities in the most cases are kept"
            )
        if filtered:
            reason.append(f"{len(filtered)} removed as infrequent behaviour by the noise filter")
        listed = ", ".join(f"{a} ({ref_shares.get(a, 0.0):.1%})" for a in dropped[:5])
        more = f", and {len(dropped) - 5} more" if len(dropped) > 5 else ""
        notes.append(
            f"{len(dropped)} of {len([a for a in every if ref_shares.get(a, 0.0) > 0])} "
            "activities left out"
            + (f" ({'; '.join(reason)})" if reason else "")
            + f": {listed}{more}"
            + (f"; {len(frequent)} of them in {KEEP_SHARE:.0%} or more of the cases" if frequent else "")
        )
    if kind == "simplified" and not math.isnan(fitness) and fitness < MIN_FITNESS:
        notes.append(
            f"this readable model cannot keep alignment fitness at {MIN_FITNESS:g} or more "
            f"(it is {fitness:.3f}); the full model keeps all behaviour: mine --full "
            "(Python: model(full=True)), less readable"
        )
    return Model(
        bpmn=display_bpmn if display_bpmn is not None else chosen.bpmn,
        net=net,
        initial_marking=im,
        final_marking=fm,
        sound=sound,
        fitness=_nan_none(fitness),
        precision=_nan_none(language["precision"]),
        fitting_share=_nan_none(aligned["fitting_share"]),
        token_fitness=_nan_none(token),
        left_out=left_out,
        tasks=tasks,
        gateways=gateways,
        kind=kind,
        noise=float(chosen.noise),
        activities=tuple(sorted(shown_set)),
        dropped_activities=dropped,
        loops=loops,
        cases=sum(reference.values()),
        variants=len(reference),
        fitting_cases=_nan_none(language["fitting_cases"]),
        event_coverage=events_kept / events_total if events_total else None,
        min_activity_share=max(float(chosen.min_share), 0.0),
        service=service,
        soundness=soundness,
        notes=tuple(notes),
        tree=chosen.tree,
        ast=_simplify(_ast(chosen.tree), compact=chosen.compact) if chosen.tree is not None else None,
        compact=chosen.compact,
    )


def _nan_none(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


# ============================================================================ to-be models
#: how each change is marked on a task of an edited model (``Model.changes``)
CHANGE_KINDS = ("removed", "automated", "parallel", "moved", "absorbs")


def _replace_leaf(node: tuple[Any, ...], name: str, new: tuple[Any, ...]) -> tuple[tuple[Any, ...], bool]:
    """``node`` with the leaf of task ``name`` (plain or loop task) replaced by ``new``."""
    if node[0] in ("task", "looptask"):
        return (new, True) if node[1] == name else (node, False)
    if node[0] == "tau":
        return node, False
    out, hit = [], False
    for child in node[1]:
        c, h = (child, False) if hit else _replace_leaf(child, name, new)
        out.append(c)
        hit = hit or h
    return (node[0], tuple(out)), hit


def _leaf(node: tuple[Any, ...], name: str) -> tuple[Any, ...] | None:
    if node[0] in ("task", "looptask"):
        return node if node[1] == name else None
    if node[0] == "tau":
        return None
    for child in node[1]:
        found = _leaf(child, name)
        if found is not None:
            return found
    return None


def edit_model(
    model: Model,
    *,
    log: EventLog | None = None,
    removed: Mapping[str, str] | None = None,
    automated: Mapping[str, str] | None = None,
    parallel: Sequence[tuple[str, str, str]] = (),
    moved: Sequence[tuple[str, str, str]] = (),
    absorbs: Mapping[str, str] | None = None,
    align_variants: int | None = MAX_ALIGN_VARIANTS,
    name: str | None = None,
) -> Model:
    """The model ``model`` with changes applied (a to-be model), as a new :class:`Model`.

    It keeps the same activities and structure, so it reads (and is laid out) like the
    original:

    * ``removed`` (``{activity: why}``): the task stays in the drawing, ghosted (grey, with
      ``why`` as its documentation), and is skipped by the model's behaviour;
    * ``automated`` (``{activity: why}``): the task is drawn as a BPMN service task;
    * ``parallel`` (``(a, b, why)``): ``b`` moves beside ``a`` in one parallel block;
    * ``moved`` (``(activity, after, why)``): the task moves right after ``after``;
    * ``absorbs`` (``{activity: what}``): a task that takes over another step's work.

    Fitness, precision and ``left_out`` are measured against ``log`` (the to-be log). Each
    change must name a task of the model; :attr:`Model.notes` of the result lists the changes
    and ``Model.changes`` maps each changed task to its kind (:data:`CHANGE_KINDS`).
    """
    if model.ast is None:
        raise ParameterError("edit_model needs a model made by discover_model (it has no process tree)")
    removed = dict(removed or {})
    automated = dict(automated or {})
    absorbs = dict(absorbs or {})
    ast = model.ast
    shown = set(model.activities)
    wanted = list(removed) + list(automated) + list(absorbs) + [x for p in parallel for x in p[:2]] + [
        x for m in moved for x in m[:2]
    ]
    missing = [a for a in dict.fromkeys(wanted) if a not in shown]
    if missing:
        raise ParameterError(
            f"edit_model: {', '.join(map(repr, missing))} not a task of the model; its tasks: "
            f"{', '.join(map(repr, sorted(shown)))}. Discover the model with keep=[...] so that "
            "it shows every step a change names"
        )
    changes: dict[str, str] = {}
    docs: dict[str, str] = {}
    for a, b, why in parallel:
        leaf_b = _leaf(ast, b)
        leaf_a = _leaf(ast, a)
        assert leaf_a is not None and leaf_b is not None
        ast, _ = _replace_leaf(ast, b, TAU)
        ast, _ = _replace_leaf(ast, a, ("and", (leaf_a, leaf_b)))
        changes.setdefault(a, "parallel")
        changes.setdefault(b, "parallel")
        docs[a] = f"{docs.get(a, '')} {why}".strip()
        docs[b] = f"{docs.get(b, '')} {why}".strip()
    for activity, after, why in moved:
        leaf = _leaf(ast, activity)
        leaf_after = _leaf(ast, after)
        assert leaf is not None and leaf_after is not None
        ast, _ = _replace_leaf(ast, activity, TAU)
        ast, _ = _replace_leaf(ast, after, ("seq", (leaf_after, leaf)))
        changes[activity] = "moved"
        docs[activity] = f"{docs.get(activity, '')} {why}".strip()
    for a, why in absorbs.items():
        changes.setdefault(a, "absorbs")
        docs[a] = f"{docs.get(a, '')} {why}".strip()
    for a, why in automated.items():
        changes[a] = "automated"
        docs[a] = f"{docs.get(a, '')} {why}".strip()
    for a, why in removed.items():
        changes[a] = "removed"
        docs[a] = why
    display = _simplify(ast, compact=model.compact)
    semantic = display
    for a in removed:
        semantic, _ = _replace_leaf(semantic, a, TAU)
    semantic = _simplify(semantic, compact=model.compact)
    display_flow = _flow_from_ast(display, mixed=model.compact)
    run_flow = _flow_from_ast(semantic, mixed=model.compact)
    title = name or model.service or ""
    display_bpmn = display_flow.to_bpmn(name=title)
    for node in display_bpmn.get_nodes():
        label = node.get_name() if hasattr(node, "get_name") else ""
        if label in changes and node.__class__.__name__ in ("Task", "UserTask"):
            node.procsimp_change = changes[label]  # type: ignore[attr-defined]
            node.procsimp_note = docs.get(label, "")  # type: ignore[attr-defined]
    candidate = _Candidate(model.tree, run_flow, model.noise, model.min_activity_share,
                           frozenset(model.activities), compact=model.compact)
    candidate.build(title, MAX_STATES)
    reference = (
        _canonical(_log_counts(log, model.service)) if log is not None else Counter()
    )
    if not reference:
        raise ParameterError("edit_model: log is required (the to-be log the model is measured against)")
    kept_shown = _shown(run_flow)
    notes = [
        f"the as-is model with {len(changes)} step(s) changed: "
        + "; ".join(f"{a}: {k}" for a, k in changes.items())
    ]
    result = _measured(
        candidate,
        reference,
        kind="to-be",
        service=model.service,
        notes=notes,
        all_activities=sorted(kept_shown),
        align_variants=align_variants,
        shown=kept_shown | set(removed),
        display=display_flow,
        display_bpmn=display_bpmn,
    )
    return replace(result, ast=display, changes=dict(changes), tree=None)
