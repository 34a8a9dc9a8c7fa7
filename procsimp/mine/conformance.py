"""``conform(log, reference)``: how far the dossiers follow the approved procedure.

For each service the reference describes (:mod:`procsimp.catalog.procedure`), the dossiers' paths are
aligned with pm4py's alignments on the procedure's Petri net, one alignment per distinct path
(the variant table, never the raw events); where several alignments are optimal, one canonical
optimum is taken (:mod:`procsimp.mine.canonical_alignment`), so the deviations are the same on
every run. Before aligning, the exceptions are taken out of each
path, and so is the repeat of the step that raised a supplement request. The result gives:

* ``fitness``: pm4py's alignment-based log fitness (1 - total cost / total worst-case cost);
* ``conforming_share``: the share of dossiers whose path the procedure allows;
* ``deviations``: ``extra`` (a step the procedure does not have), ``skipped`` (a required step
  missing), ``order`` (a step of the procedure done out of the allowed order, or repeated) and
  ``overrun`` (a step whose working time exceeds its allotted hours), each with its dossiers
  and share;
* a step table: allotted hours, median and 90th percentile of the working hours the dossiers
  spent at the step (from the completion of the previous step, or the receipt, to the step's
  completion, in the working-time calendar), overrun share, the unit of the procedure and the
  unit the log shows; and a unit table.
"""

from __future__ import annotations

import html
import json
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from procsimp.catalog._text import exact_key
from procsimp.catalog.procedure import Procedure, Reference, load_reference
from procsimp.core import progress
from procsimp.errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.core.calendar import WorkCalendar
    from procsimp.core.log import EventLog

__all__ = ["conform", "Conformance", "ServiceConformance", "DEVIATION_KINDS", "step_hours"]

DEVIATION_KINDS: tuple[str, ...] = ("extra", "skipped", "order", "overrun")
_STEP_COLUMNS = [
    "service", "step", "unit", "unit_in_log", "optional", "allotted_hours", "dossiers",
    "median_hours", "p90_hours", "overrun_share",
]


# ============================================================================ results
@dataclass(frozen=True, eq=False)
class ServiceConformance:
    """One service checked against its procedure."""

    service: str
    procedure: Procedure
    dossiers: int
    fitness: float | None
    conforming_share: float | None
    deviations: tuple[dict[str, Any], ...]
    steps: pd.DataFrame = field(repr=False)
    units: pd.DataFrame = field(repr=False)
    warnings: tuple[str, ...] = ()

    def deviation_frame(self) -> pd.DataFrame:
        cols = ["service", "kind", "step", "dossiers", "share"]
        rows = [{"service": self.service, **d} for d in self.deviations]
        frame = pd.DataFrame(rows)
        if frame.empty:
            return pd.DataFrame(columns=cols)
        return frame[cols + [c for c in frame.columns if c not in cols]]

    def to_dict(self) -> dict[str, Any]:
        from procsimp.core._cells import to_plain

        return to_plain({
            "service": self.service,
            "dossiers": self.dossiers,
            "fitness": self.fitness,
            "conforming_share": self.conforming_share,
            "statutory_days": self.procedure.statutory_days,
            "deviations": [dict(d) for d in self.deviations],
            "steps": self.steps.drop(columns="service").to_dict(orient="records"),
            "units": self.units.drop(columns="service").to_dict(orient="records"),
            "warnings": list(self.warnings),
        })

    def _repr_html_(self) -> str:
        e = html.escape
        dev = "".join(
            f"<tr><td>{e(d['kind'])}</td><td>{e(str(d['step']))}</td><td>{d['dossiers']}</td>"
            f"<td>{100 * d['share']:.1f}%</td></tr>" for d in self.deviations
        ) or "<tr><td colspan='4'>(none)</td></tr>"
        fit = "n/a" if self.fitness is None else f"{self.fitness:.3f}"
        share = "n/a" if self.conforming_share is None else f"{100 * self.conforming_share:.1f}%"
        return (
            f"<div><strong>{e(self.service)}</strong>: {self.dossiers} dossiers, fitness {fit}, "
            f"conforming {share}<table><tr><th>kind</th><th>step</th><th>dossiers</th>"
            f"<th>share</th></tr>{dev}</table>{self.steps.to_html(index=False)}</div>"
        )


@dataclass(frozen=True, eq=False)
class Conformance:
    """What :func:`conform` returns: one :class:`ServiceConformance` per service checked."""

    services: tuple[ServiceConformance, ...]
    reference: Reference
    warnings: tuple[str, ...] = ()

    def __getitem__(self, service: str) -> ServiceConformance:
        key = exact_key(service)
        for s in self.services:
            if exact_key(s.service) == key:
                return s
        raise KeyError(service)

    @property
    def table(self) -> pd.DataFrame:
        """One row per service: dossiers, fitness, conforming share and deviations per kind."""
        rows = []
        for s in self.services:
            row: dict[str, Any] = {
                "service": s.service, "dossiers": s.dossiers, "fitness": s.fitness,
                "conforming_share": s.conforming_share,
            }
            for kind in DEVIATION_KINDS:
                row[kind] = sum(1 for d in s.deviations if d["kind"] == kind)
            rows.append(row)
        return pd.DataFrame(rows, columns=["service", "dossiers", "fitness", "conforming_share", *DEVIATION_KINDS])

    @property
    def deviations(self) -> pd.DataFrame:
        frames = [s.deviation_frame() for s in self.services]
        frames = [f for f in frames if len(f)]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
            columns=["service", "kind", "step", "dossiers", "share"]
        )

    @property
    def steps(self) -> pd.DataFrame:
        frames = [s.steps for s in self.services]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=_STEP_COLUMNS)

    def to_json(self) -> str:
        data = {
            "reference": self.reference.source,
            "services": [s.to_dict() for s in self.services],
            "warnings": list(self.warnings),
        }
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"

    def to_csv(self) -> str:
        from procsimp.core._cells import neutralise_csv

        return neutralise_csv(self.deviations).to_csv(index=False, lineterminator="\n")

    def _repr_html_(self) -> str:
        return "".join(s._repr_html_() for s in self.services) or "<p>(no service checked)</p>"


# ============================================================================ paths
def _clean_path(path: Sequence[str], proc: Procedure) -> tuple[str, ...]:
    """The path without exceptions, and without the repeat of a step after a supplement request."""
    exc = {exact_key(e.name): e for e in proc.exceptions}
    steps = {exact_key(s) for s in proc.step_names}
    out: list[str] = []
    last_step: str | None = None
    pending: str | None = None  # the step a supplement request may repeat
    for i, a in enumerate(path):
        k = exact_key(a)
        e = exc.get(k)
        if e is not None:
            if e.kind == "supplement" and last_step is not None:
                pending = last_step
            if e.kind == "end" and i == len(path) - 1:
                out.append(a)  # the dossier ends here: the net allows it
            continue
        if pending is not None and k == pending:
            pending = None
            continue  # the repeat after the supplement
        pending = None
        if k in steps:
            last_step = k
        out.append(a)
    return tuple(out)


def _align(paths: dict[tuple[str, ...], int], proc: Procedure) -> dict[tuple[str, ...], dict[str, Any]]:
    """Alignments of each distinct path on the procedure's net, one canonical optimum each
    (:mod:`procsimp.mine.canonical_alignment`): the same deviations on every run."""
    from procsimp.mine.canonical_alignment import align_paths

    net, im, fm = proc.petri_net()
    # the net's labels are the procedure's spelling; map the log's spelling onto them
    labels = {exact_key(t.label): t.label for t in net.transitions if t.label is not None}
    order = {exact_key(s): i for i, s in enumerate(proc.step_names)}
    exceptions = {exact_key(e) for e in proc.exception_names}

    def rank(label: str) -> tuple[bool, int]:
        k = exact_key(label)
        return k in exceptions and k not in order, order.get(k, len(order))

    keys = list(paths)
    traces = [tuple(labels.get(exact_key(a), a) for a in path) for path in keys]
    return dict(zip(keys, align_paths(traces, net, im, fm, rank=rank), strict=True))


# ============================================================================ working time
def step_hours(log: EventLog, cal: WorkCalendar) -> pd.DataFrame:
    """Per event: case, activity, unit and the working hours since the previous completion.

    For a log left on its Parquet files, those columns of its events (one service's, as
    :func:`conform` asks) come from the engine as codes and times
    (:func:`procsimp.engine.events.event_frame`), not from a frame of every column."""
    from procsimp.core.log import ACTIVITY, CASE, RECEIVED, START, TIMESTAMP, UNIT
    from procsimp.engine.events import event_frame

    df = event_frame(log, roles=("case", "activity", "unit", "timestamp", "received", "start"), calendar=cal)
    case = df[CASE].astype(object).to_numpy()
    end = df[TIMESTAMP]
    prev = end.shift(1)
    first = np.ones(len(df), dtype=bool)
    first[1:] = case[1:] != case[:-1]
    begin = prev.where(~pd.Series(first, index=df.index))
    if RECEIVED in df.columns:
        rec = df[RECEIVED]
        begin = begin.where(~(pd.Series(first, index=df.index) & rec.notna()), rec)
    if START in df.columns:
        start = df[START]
        begin = begin.where(~(pd.Series(first, index=df.index) & begin.isna()), start)
    minutes = cal.working_minutes_between(begin, end)
    minutes = np.where(np.isnan(minutes), 0.0, np.maximum(minutes, 0.0))
    return pd.DataFrame({
        "case": case,
        "activity": df[ACTIVITY].astype(object).to_numpy(),
        "unit": df[UNIT].astype(object).to_numpy() if UNIT in df.columns else None,
        "hours": minutes / 60.0,
    })


# ============================================================================ one service
def _check_service(
    log: EventLog, proc: Procedure, name: str, cal: WorkCalendar
) -> ServiceConformance:
    from procsimp.engine import variants

    warnings: list[str] = []
    var = variants(log, calendar=cal)
    n = int(var["cases"].sum()) if len(var) else 0
    ref_keys = {exact_key(s): s for s in proc.step_names}
    exc_keys = {exact_key(e) for e in proc.exception_names}
    optional = {exact_key(o) for o in proc.optional}
    log_acts = {exact_key(a): a for a in log.activities}
    for k, s in ref_keys.items():
        if k not in log_acts:
            warnings.append(f"service {name!r}: step {s!r} of the reference does not occur in the log "
                            "(check its spelling against the log)")

    # paths -> cleaned paths, weighted by dossiers
    cleaned: Counter[tuple[str, ...]] = Counter()
    per_variant = []
    for path, cases in zip(var["variant"], var["cases"], strict=True):
        clean_path = _clean_path(tuple(path), proc)
        cleaned[clean_path] += int(cases)
        per_variant.append((tuple(path), clean_path, int(cases)))
    aligned = _align(dict(cleaned), proc)

    weighted = []
    fit_cases = 0
    skipped: Counter[str] = Counter()
    order: Counter[str] = Counter()
    for path, count in cleaned.items():
        al = aligned[path]
        weighted.extend([al] * count)
        if al.get("fitness") == 1.0:
            fit_cases += count
        present = {exact_key(a) for a in path}
        dev_skip: set[str] = set()
        dev_order: set[str] = set()
        for log_move, model_move in al["alignment"]:
            if log_move == ">>" and model_move is not None:  # a move on the model only
                k = exact_key(model_move)
                if k in ref_keys and k not in optional:
                    (dev_order if k in present else dev_skip).add(ref_keys[k])
                elif k in ref_keys and k in present:
                    dev_order.add(ref_keys[k])
            elif model_move == ">>":  # a move on the log only
                k = exact_key(log_move)
                if k in ref_keys:
                    dev_order.add(ref_keys[k])
        for s in dev_skip:
            skipped[s] += count
        for s in dev_order:
            order[s] += count
    fitness = None
    if weighted:
        from pm4py.algo.evaluation.replay_fitness.variants import alignment_based

        fitness = float(alignment_based.evaluate(weighted)["log_fitness"])

    deviations: list[dict[str, Any]] = []
    # extra: steps outside the procedure, with the dossiers that passed through them
    extra_cases: Counter[str] = Counter()
    extra_events: Counter[str] = Counter()
    for path, _, cases in per_variant:
        seen = set()
        for a in path:
            k = exact_key(a)
            if k in ref_keys or k in exc_keys:
                continue
            extra_events[a] += cases
            if a not in seen:
                extra_cases[a] += cases
                seen.add(a)
    def share(count: int) -> float:
        return count / n if n else 0.0

    for a, c in sorted(extra_cases.items(), key=lambda kv: (-kv[1], kv[0])):
        deviations.append({"kind": "extra", "step": a, "dossiers": c, "share": share(c), "events": extra_events[a]})
    for s, c in sorted(skipped.items(), key=lambda kv: (-kv[1], kv[0])):
        deviations.append({"kind": "skipped", "step": s, "dossiers": c, "share": share(c)})
    for s, c in sorted(order.items(), key=lambda kv: (-kv[1], kv[0])):
        deviations.append({"kind": "order", "step": s, "dossiers": c, "share": share(c)})

    # step table: working hours per dossier at each step of the procedure
    times = step_hours(log, cal)
    times["key"] = times["activity"].map(exact_key)
    rows = []
    overruns: list[dict[str, Any]] = []
    unit_rows: dict[str, dict[str, Any]] = {}
    for step in proc.flat_steps:
        k = exact_key(step.name)
        sub = times[times["key"] == k]
        per_case = sub.groupby("case", sort=False)["hours"].sum()
        d = int(len(per_case))
        unit_log = None
        if len(sub) and sub["unit"].notna().any():
            unit_log = str(sub["unit"].dropna().astype(str).value_counts().index[0])
        med = float(per_case.median()) if d else None
        p90 = float(per_case.quantile(0.9)) if d else None
        over_share = None
        if step.hours is not None and d:
            over = per_case[per_case > step.hours + 1e-9]
            over_share = len(over) / d
            if len(over):
                overruns.append({
                    "kind": "overrun", "step": step.name, "dossiers": int(len(over)),
                    "share": len(over) / d, "allotted_hours": step.hours,
                    "median_excess_hours": float((over - step.hours).median()),
                })
        rows.append({
            "service": name, "step": step.name, "unit": step.unit, "unit_in_log": unit_log,
            "optional": k in optional, "allotted_hours": step.hours, "dossiers": d,
            "median_hours": med, "p90_hours": p90, "overrun_share": over_share,
        })
        u = step.unit or unit_log or ""
        agg = unit_rows.setdefault(u, {"service": name, "unit": u or None, "steps": 0,
                                       "allotted_hours": 0.0, "median_hours": 0.0, "_over": set(), "_cases": set()})
        agg["steps"] += 1
        agg["allotted_hours"] = None if step.hours is None or agg["allotted_hours"] is None else agg["allotted_hours"] + step.hours
        agg["median_hours"] += med or 0.0
        agg["_cases"].update(per_case.index)
        if step.hours is not None:
            agg["_over"].update(per_case[per_case > step.hours + 1e-9].index)
    overruns.sort(key=lambda d: (-float(d["share"]), str(d["step"])))
    deviations.extend(overruns)
    units = pd.DataFrame([
        {**{k: v for k, v in a.items() if not k.startswith("_")},
         "overrun_share": (len(a["_over"]) / len(a["_cases"])) if a["_cases"] else None}
        for a in unit_rows.values()
    ], columns=["service", "unit", "steps", "allotted_hours", "median_hours", "overrun_share"])
    return ServiceConformance(
        service=name, procedure=proc, dossiers=n, fitness=fitness,
        conforming_share=(fit_cases / n) if n else None, deviations=tuple(deviations),
        steps=pd.DataFrame(rows, columns=_STEP_COLUMNS), units=units, warnings=tuple(warnings),
    )


# ============================================================================ entry point
def conform(
    log: EventLog,
    reference: Reference | str | os.PathLike[str],
    *,
    service: str | None = None,
    calendar: WorkCalendar | None = None,
) -> Conformance:
    """Check the log against the approved procedure of each service.

    Args:
        log: the event log.
        reference: a :class:`procsimp.catalog.procedure.Reference` or the path of a reference file
            (YAML, or BPMN 2.0).
        service: check only this service (it must be in the log and in the reference).
        calendar: the working-time calendar (default: Vietnamese office hours and holidays).

    Returns:
        a :class:`Conformance`. A service of the reference that the log lacks, or a step that
        no dossier has, gives a warning (in ``warnings``), never a silent zero.
    """
    from procsimp.core.calendar import WorkCalendar, default_calendar
    from procsimp.core.log import EventLog as _EventLog
    from procsimp.engine import DEFAULT_SERVICE

    if not isinstance(log, _EventLog):
        raise ParameterError(f"conform needs an EventLog, got {type(log).__name__}; read one with procsimp.read_log(path)")
    ref = load_reference(reference)
    cal = calendar or default_calendar()
    if not isinstance(cal, WorkCalendar):
        raise ParameterError(f"calendar must be a procsimp WorkCalendar, got {type(calendar).__name__}")
    in_log = list(log.services)
    warnings: list[str] = []
    pairs: list[tuple[Procedure, str | None]] = []
    if service is not None:
        proc = ref.get(service)
        if proc is None:
            raise ParameterError(
                f"service {service!r} is not in the reference {ref.source}; services there: "
                + ", ".join(repr(s) for s in ref.services)
            )
        log.for_service(service) if in_log else None  # a clear error when the log lacks it
        pairs.append((proc, service if in_log else None))
    elif not in_log:
        if len(ref.procedures) != 1:
            raise ParameterError(
                f"the log {log.source} has no service column and the reference describes "
                f"{len(ref.procedures)} services; pass service=... (--service S) to choose one"
            )
        pairs.append((ref.procedures[0], None))
    else:
        log_keys = {exact_key(s): s for s in in_log}
        for proc in ref.procedures:
            match = log_keys.get(exact_key(proc.service))
            if match is None:
                warnings.append(
                    f"service {proc.service!r} of the reference is not in the log {log.source}; "
                    f"services in the log: {', '.join(repr(s) for s in in_log[:10])}"
                )
                continue
            pairs.append((proc, match))
        if not pairs:
            raise ParameterError(
                f"no service of the reference {ref.source} is in the log {log.source}; the reference "
                f"describes {', '.join(repr(s) for s in ref.services)}, the log has "
                f"{', '.join(repr(s) for s in in_log[:10])}; write the services as the log names them"
            )
    results = []
    for i, (proc, match) in enumerate(pairs, 1):
        svc_log = log.for_service(match) if match is not None else log
        name = match if match is not None else (proc.service or DEFAULT_SERVICE)
        progress.step("conform", name, index=i, total=len(pairs))
        res = _check_service(svc_log, proc, name, cal)
        warnings.extend(res.warnings)
        results.append(res)
    return Conformance(services=tuple(results), reference=ref, warnings=tuple(warnings))


# ============================================================================ output
def table_text(result: Conformance) -> str:
    """A plain-text summary for the terminal."""
    lines = []
    for s in result.services:
        fit = "n/a" if s.fitness is None else f"{s.fitness:.3f}"
        share = "n/a" if s.conforming_share is None else f"{100 * s.conforming_share:.1f}%"
        lines.append(f"{s.service}: {s.dossiers} dossiers, fitness {fit}, conforming {share}")
        if not s.deviations:
            lines.append("  no deviation")
        for d in s.deviations:
            extra = ""
            if d["kind"] == "overrun":
                extra = (f" (allotted {d['allotted_hours']:g} h, median excess "
                         f"{d['median_excess_hours']:.1f} h)")
            lines.append(f"  {d['kind']:<8} {d['step']}: {d['dossiers']} dossiers ({100 * d['share']:.1f}%){extra}")
        lines.append("  step table:")
        for r in s.steps.itertuples(index=False):
            allotted = "-" if r.allotted_hours is None or pd.isna(r.allotted_hours) else f"{r.allotted_hours:g} h"
            med = "-" if r.median_hours is None or pd.isna(r.median_hours) else f"{r.median_hours:.1f} h"
            p90 = "-" if r.p90_hours is None or pd.isna(r.p90_hours) else f"{r.p90_hours:.1f} h"
            over = "-" if r.overrun_share is None or pd.isna(r.overrun_share) else f"{100 * r.overrun_share:.1f}%"
            lines.append(f"    {r.step} [{r.unit or r.unit_in_log or '-'}]: allotted {allotted}, "
                         f"median {med}, p90 {p90}, overrun {over}")
    return "\n".join(lines) + "\n"


def deviation_map(result: ServiceConformance, log: EventLog, *, lang: str = "en") -> Any:
    """The service's directly-follows map with each step coloured by its deviation (Graphviz)."""
    import graphviz

    from procsimp.engine import dfg
    from procsimp.mine.render.fonts import font_family

    colours = {"extra": "#f4b6b2", "skipped": "#d0d4dc", "order": "#ffd59e", "overrun": "#fff1a8", None: "#c8ecd9"}
    text = {
        "en": {"extra": "extra step", "skipped": "skipped step", "order": "out of order",
               "overrun": "over its allotted time", None: "as the procedure says"},
        "vi": {"extra": "bước ngoài quy trình", "skipped": "bước bị bỏ qua", "order": "sai thứ tự",
               "overrun": "quá thời gian quy định", None: "đúng quy trình"},
    }[lang]
    kind_of: dict[str, str] = {}
    for d in result.deviations:  # the first (most serious) kind wins
        kind_of.setdefault(exact_key(d["step"]), d["kind"])
    font = font_family()
    fit = "–" if result.fitness is None else f"{result.fitness:.3f}"
    share = "–" if result.conforming_share is None else f"{100 * result.conforming_share:.1f}%"
    title = (f"{result.service}: {result.dossiers} hồ sơ, độ phù hợp {fit}, đúng quy trình {share}" if lang == "vi"
             else f"{result.service}: {result.dossiers} dossiers, fitness {fit}, conforming {share}")
    dot = graphviz.Digraph("conformance", graph_attr={"rankdir": "LR", "fontname": font, "label": title,
                                                       "labelloc": "t"},
                           node_attr={"shape": "box", "style": "rounded,filled", "fontname": font},
                           edge_attr={"fontname": font, "fontsize": "10"})
    edges = dfg(log)
    acts = sorted(set(edges["source"]).union(edges["target"])) or log.distinct("activity")
    ids = {a: f"n{i}" for i, a in enumerate(acts)}
    for a in acts:
        kind = kind_of.get(exact_key(a))
        dot.node(ids[a], a, fillcolor=colours[kind], tooltip=text[kind])
    for step in result.procedure.flat_steps:  # steps no dossier did: dashed
        if step.name not in ids and exact_key(step.name) not in {exact_key(a) for a in acts}:
            ids[step.name] = f"n{len(ids)}"
            dot.node(ids[step.name], step.name, fillcolor=colours["skipped"], style="rounded,dashed,filled")
    for r in edges.itertuples(index=False):
        bad = kind_of.get(exact_key(r.source)) == "extra" or kind_of.get(exact_key(r.target)) == "extra"
        dot.edge(ids[r.source], ids[r.target], label=str(int(r.count)), color="#b3261e" if bad else "#5b6475")
    with dot.subgraph(name="cluster_legend") as leg:
        leg.attr(label="", style="invis")
        for kind in ("extra", "skipped", "order", "overrun", None):
            leg.node(f"legend_{kind}", text[kind], fillcolor=colours[kind], fontsize="10")
    return dot
