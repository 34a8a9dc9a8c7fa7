# Long module: the reference-file schema: parsing, validation with located errors and the model it builds belong together.
"""The approved internal procedure (quy trình nội bộ): the reference a log is checked against.

A reference file is YAML with a list ``procedures``; each entry describes one service::

    procedures:
      - service: Đăng ký khai sinh
        statutory_days: 1
        source: Quyết định số 123/QĐ-UBND          # optional: the approving document
        steps:
          - {name: Tiếp nhận hồ sơ, unit: Bộ phận một cửa, hours: 0.5}
          - {name: Kiểm tra tính đầy đủ, unit: Bộ phận một cửa, hours: 1}
          - parallel:                              # any order, or at once
              - {name: Xác minh tại cơ quan Công an, unit: Công an tỉnh, hours: 16}
              - {name: Xác minh tại Tòa án, unit: Tòa án nhân dân, hours: 16}
          - {name: Ký duyệt kết quả, unit: Lãnh đạo, hours: 2}
          - {name: Trả kết quả, unit: Bộ phận một cửa, hours: 0.5}
        optional: [Xác minh tại Tòa án]            # steps that may be skipped
        exceptions:                                # may occur without being a deviation
          - {name: Yêu cầu bổ sung hồ sơ, kind: supplement}
          - Nộp bổ sung hồ sơ
          - {name: Thông báo từ chối, kind: end}

An exception may occur anywhere. After an exception of kind ``supplement`` the step that raised
it (the last step before it) may be done once more: that repeat is not a deviation either. A
dossier may end with an exception of kind ``end`` (a rejection notice) without the remaining
steps. A BPMN 2.0 file is read as a reference too (:func:`read_bpmn_reference`).

:meth:`Procedure.petri_net` builds the procedure's Petri net with pm4py's objects, for
pm4py's alignments (:func:`procsimp.mine.conformance.conform`).
"""

from __future__ import annotations

import html
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from procsimp.catalog._text import clean, exact_key
from procsimp.errors import ProcedureError

__all__ = [
    "ProcedureStep",
    "Parallel",
    "ProcedureException",
    "Procedure",
    "Reference",
    "EXCEPTION_KINDS",
    "load_reference",
    "read_bpmn_reference",
    "round_up_half_hour",
]

#: kinds of exception: ``anywhere`` (default), ``supplement`` (the step before it may be
#: repeated after it), ``end`` (the dossier may end with it)
EXCEPTION_KINDS: tuple[str, ...] = ("anywhere", "supplement", "end")


# ============================================================================ the model
@dataclass(frozen=True)
class ProcedureStep:
    """One step of the procedure: its name, the unit that does it and its allotted working hours."""

    name: str
    unit: str | None = None
    hours: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        if self.unit is not None:
            out["unit"] = self.unit
        if self.hours is not None:
            out["hours"] = _plain_number(self.hours)
        return out


@dataclass(frozen=True)
class Parallel:
    """Steps that may run in any order or at once."""

    steps: tuple[ProcedureStep, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"parallel": [s.to_dict() for s in self.steps]}


@dataclass(frozen=True)
class ProcedureException:
    """A step that may occur without being a deviation (see :data:`EXCEPTION_KINDS`)."""

    name: str
    kind: str = "anywhere"

    def to_dict(self) -> Any:
        return self.name if self.kind == "anywhere" else {"name": self.name, "kind": self.kind}


Item = ProcedureStep | Parallel


@dataclass(frozen=True)
class Procedure:
    """One service's approved procedure: ordered steps (with parallel blocks), optional steps
    and exceptions, and the statutory time in working days."""

    service: str
    steps: tuple[Item, ...]
    statutory_days: float | None = None
    optional: tuple[str, ...] = ()
    exceptions: tuple[ProcedureException, ...] = ()
    source: str | None = None

    # ------------------------------------------------------------------ derived
    @property
    def flat_steps(self) -> tuple[ProcedureStep, ...]:
        """Every step, parallel blocks unfolded, in order."""
        out: list[ProcedureStep] = []
        for item in self.steps:
            out.extend(item.steps if isinstance(item, Parallel) else (item,))
        return tuple(out)

    @property
    def step_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.flat_steps)

    @property
    def exception_names(self) -> tuple[str, ...]:
        return tuple(e.name for e in self.exceptions)

    @property
    def total_hours(self) -> float | None:
        """Allotted working hours end to end: the sum over the sequence, the longest branch of a
        parallel block; None when a step has no hours."""
        total = 0.0
        for item in self.steps:
            hours = [s.hours for s in (item.steps if isinstance(item, Parallel) else (item,))]
            if any(h is None for h in hours):
                return None
            total += max(float(h) for h in hours if h is not None)
        return total

    def step(self, name: str) -> ProcedureStep | None:
        key = exact_key(name)
        return next((s for s in self.flat_steps if exact_key(s.name) == key), None)

    # ------------------------------------------------------------------ conversions
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"service": self.service}
        out["statutory_days"] = None if self.statutory_days is None else _plain_number(self.statutory_days)
        if self.source:
            out["source"] = self.source
        out["steps"] = [item.to_dict() for item in self.steps]
        if self.optional:
            out["optional"] = list(self.optional)
        if self.exceptions:
            out["exceptions"] = [e.to_dict() for e in self.exceptions]
        return out

    def petri_net(self) -> tuple[Any, Any, Any]:
        """The procedure as a workflow net (pm4py ``PetriNet``, initial and final marking).

        Steps are transitions in sequence; a parallel block is an AND-split and AND-join of
        silent transitions; an optional step has a silent skip; an exception of kind ``end``
        may fire from any place between two items of the sequence into the final place.
        Other exceptions are not in the net: :func:`procsimp.mine.conformance.conform` takes them
        out of the dossiers' paths before aligning.
        """
        from pm4py.objects.petri_net.obj import Marking, PetriNet
        from pm4py.objects.petri_net.utils.petri_utils import add_arc_from_to

        net = PetriNet(f"reference: {self.service}")
        counter = iter(range(1_000_000))

        def place(name: str) -> Any:
            p = PetriNet.Place(f"{name}_{next(counter)}")
            net.places.add(p)
            return p

        def trans(label: str | None, name: str = "t") -> Any:
            t = PetriNet.Transition(f"{name}_{next(counter)}", label)
            net.transitions.add(t)
            return t

        optional = {exact_key(o) for o in self.optional}

        def step_between(step: ProcedureStep, src: Any, dst: Any) -> None:
            t = trans(step.name)
            add_arc_from_to(src, t, net)
            add_arc_from_to(t, dst, net)
            if exact_key(step.name) in optional:
                skip = trans(None, "skip")
                add_arc_from_to(src, skip, net)
                add_arc_from_to(skip, dst, net)

        source = place("source")
        current = source
        between = [source]
        for item in self.steps:
            nxt = place("p")
            if isinstance(item, Parallel):
                split, join = trans(None, "split"), trans(None, "join")
                add_arc_from_to(current, split, net)
                add_arc_from_to(join, nxt, net)
                for step in item.steps:
                    b_in, b_out = place("branch_in"), place("branch_out")
                    add_arc_from_to(split, b_in, net)
                    add_arc_from_to(b_out, join, net)
                    step_between(step, b_in, b_out)
            else:
                step_between(item, current, nxt)
            current = nxt
            between.append(nxt)
        sink = current
        for exc in self.exceptions:
            if exc.kind != "end":
                continue
            for p in between[1:-1]:  # after the first item, before the last
                t = trans(exc.name, "end")
                add_arc_from_to(p, t, net)
                add_arc_from_to(t, sink, net)
        im, fm = Marking(), Marking()
        im[source] = 1
        fm[sink] = 1
        return net, im, fm

    def _repr_html_(self) -> str:
        return _procedure_html(self)


@dataclass(frozen=True)
class Reference:
    """The procedures of a reference file (one per service) and where they came from."""

    procedures: tuple[Procedure, ...]
    source: str = "<memory>"
    warnings: tuple[str, ...] = field(default=())

    def get(self, service: str) -> Procedure | None:
        key = exact_key(service)
        return next((p for p in self.procedures if exact_key(p.service) == key), None)

    @property
    def services(self) -> tuple[str, ...]:
        return tuple(p.service for p in self.procedures)

    def to_yaml(self) -> str:
        """The reference in the YAML format that :func:`load_reference` reads back unchanged."""
        import yaml

        header = (
            "# procsimp reference procedure (quy trình nội bộ): steps in order with the unit and\n"
            "# the allotted working hours; see docs/procedure.md\n"
        )
        data = {"procedures": [p.to_dict() for p in self.procedures]}
        return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write :meth:`to_yaml` atomically."""
        from procsimp.core._atomic import write_text

        return write_text(path, self.to_yaml())

    def _repr_html_(self) -> str:
        return "".join(_procedure_html(p) for p in self.procedures) or "<p>(no procedure)</p>"


def _procedure_html(p: Procedure) -> str:
    e = html.escape
    rows = []
    n = 0
    for item in p.steps:
        group = item.steps if isinstance(item, Parallel) else (item,)
        for s in group:
            n += 1
            mark = " ∥" if isinstance(item, Parallel) else ""
            rows.append(
                f"<tr><td>{n}{mark}</td><td>{e(s.name)}</td><td>{e(s.unit or '')}</td>"
                f"<td style='text-align:right'>{'' if s.hours is None else f'{s.hours:g}'}</td></tr>"
            )
    days = "" if p.statutory_days is None else f" · statutory {p.statutory_days:g} working days"
    return (
        f"<div><strong>{e(p.service)}</strong>{e(days)}<table><tr><th>#</th><th>step</th>"
        f"<th>unit</th><th>hours</th></tr>{''.join(rows)}</table></div>"
    )


def _plain_number(x: float) -> float | int:
    f = float(x)
    return int(f) if f.is_integer() else f


def round_up_half_hour(hours: float) -> float:
    """Hours rounded up to the next half hour (at least half an hour)."""
    if hours is None or not math.isfinite(hours):
        raise ValueError(f"not a number of hours: {hours!r}")
    return max(0.5, math.ceil(round(float(hours) * 2, 9)) / 2)


# ============================================================================ reading YAML
class _At:
    def __init__(self, file: str, entry: str) -> None:
        self.file, self.entry = file, entry

    def error(self, field: str | None, problem: str) -> ProcedureError:
        where = f"{self.file}: {self.entry}" + (f", field {field!r}" if field else "")
        return ProcedureError(f"{where}: {problem}")


def _name(value: Any, at: _At, field: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise at.error(field, f"expected a step name (text), got {value!r}")
    text = clean(value)
    if not text:
        raise at.error(field, "is empty; give the step's name as the log writes it")
    return text


def _hours(value: Any, at: _At, field: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise at.error(field, f"expected working hours as a number >= 0 (e.g. 4 or 0.5), got {value!r}")
    return float(value)


def _step(raw: Any, at: _At, field: str) -> ProcedureStep:
    if isinstance(raw, str):
        return ProcedureStep(name=_name(raw, at, field))
    if not isinstance(raw, Mapping):
        raise at.error(field, f"expected {{name, unit, hours}} or {{parallel: [...]}}, got {raw!r}")
    unknown = sorted(set(map(str, raw)) - {"name", "unit", "hours"})
    if unknown:
        raise at.error(f"{field}.{unknown[0]}", "is not a step field; a step has name, unit and hours")
    if "name" not in raw:
        raise at.error(f"{field}.name", "is missing; every step needs the name the log gives it")
    unit = raw.get("unit")
    if unit is not None and not isinstance(unit, str):
        raise at.error(f"{field}.unit", f"expected the unit's name (text), got {unit!r}")
    return ProcedureStep(
        name=_name(raw["name"], at, f"{field}.name"),
        unit=clean(unit) if unit is not None and clean(unit) else None,
        hours=_hours(raw.get("hours"), at, f"{field}.hours"),
    )


def _names(value: Any, at: _At, field: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (str, Mapping)) or not isinstance(value, Sequence):
        raise at.error(field, f"expected a list, got {value!r}")
    return list(value)


def _procedure(raw: Any, at: _At) -> Procedure:
    if not isinstance(raw, Mapping):
        raise at.error(None, f"expected a mapping with service, statutory_days and steps, got {raw!r}")
    allowed = {"service", "statutory_days", "steps", "optional", "exceptions", "source"}
    unknown = sorted(set(map(str, raw)) - allowed)
    if unknown:
        raise at.error(unknown[0], f"is not a field of a procedure; use {', '.join(sorted(allowed))}")
    service = raw.get("service")
    if not isinstance(service, str) or not clean(service):
        raise at.error("service", f"expected the service's name as the log writes it, got {service!r}")
    at = _At(at.file, f"{at.entry} ({clean(service)!r})")
    days = raw.get("statutory_days")
    if days is not None and (
        isinstance(days, bool) or not isinstance(days, (int, float)) or not math.isfinite(days) or days <= 0
    ):
        raise at.error("statutory_days", f"expected working days as a number > 0, got {days!r}")
    items: list[Item] = []
    raw_steps = _names(raw.get("steps"), at, "steps")
    if not raw_steps:
        raise at.error("steps", "is missing or empty; list the steps in order")
    for i, item in enumerate(raw_steps):
        fld = f"steps[{i}]"
        if isinstance(item, Mapping) and "parallel" in item:
            if set(map(str, item)) != {"parallel"}:
                raise at.error(fld, "a parallel block has only the key 'parallel' with a list of steps")
            branch = _names(item["parallel"], at, f"{fld}.parallel")
            if len(branch) < 2:
                raise at.error(f"{fld}.parallel", "needs at least two steps")
            items.append(Parallel(tuple(_step(s, at, f"{fld}.parallel[{j}]") for j, s in enumerate(branch))))
        else:
            items.append(_step(item, at, fld))
    names = [s.name for it in items for s in (it.steps if isinstance(it, Parallel) else (it,))]
    seen: set[str] = set()
    for n in names:
        if exact_key(n) in seen:
            raise at.error("steps", f"step {n!r} is listed twice; each step appears once (repeats "
                           "after a supplement request are allowed by the exceptions)")
        seen.add(exact_key(n))
    optional = []
    for i, o in enumerate(_names(raw.get("optional"), at, "optional")):
        name = _name(o, at, f"optional[{i}]")
        if exact_key(name) not in seen:
            raise at.error(f"optional[{i}]", f"{name!r} is not one of the steps; optional steps must be listed in steps")
        optional.append(name)
    exceptions = []
    for i, x in enumerate(_names(raw.get("exceptions"), at, "exceptions")):
        fld = f"exceptions[{i}]"
        if isinstance(x, Mapping):
            unknown = sorted(set(map(str, x)) - {"name", "kind"})
            if unknown:
                raise at.error(f"{fld}.{unknown[0]}", "is not a field of an exception; use name and kind")
            name = _name(x.get("name"), at, f"{fld}.name")
            kind = x.get("kind", "anywhere")
            if kind not in EXCEPTION_KINDS:
                raise at.error(f"{fld}.kind", f"{kind!r} is not a kind of exception; use one of {', '.join(EXCEPTION_KINDS)}")
        else:
            name, kind = _name(x, at, fld), "anywhere"
        if exact_key(name) in seen:
            raise at.error(fld, f"{name!r} is both a step and an exception; list it in one place")
        exceptions.append(ProcedureException(name=name, kind=str(kind)))
    src = raw.get("source")
    return Procedure(
        service=clean(service),
        steps=tuple(items),
        statutory_days=None if days is None else float(days),
        optional=tuple(optional),
        exceptions=tuple(exceptions),
        source=None if src is None else clean(src),
    )


def parse_reference(data: Any, label: str) -> Reference:
    """A :class:`Reference` from the parsed YAML ``data`` (``label`` names it in errors)."""
    top = _At(label, "top level")
    if not isinstance(data, Mapping) or "procedures" not in data:
        raise top.error("procedures", "is missing; a reference file is a mapping with a list "
                        "'procedures' (see docs/procedure.md)")
    raw = _names(data["procedures"], top, "procedures")
    if not raw:
        raise top.error("procedures", "is empty; give at least one procedure")
    procs = [_procedure(p, _At(label, f"procedures[{i}]")) for i, p in enumerate(raw)]
    seen: dict[str, int] = {}
    for i, p in enumerate(procs):
        k = exact_key(p.service)
        if k in seen:
            raise _At(label, f"procedures[{i}]").error(
                "service", f"{p.service!r} is already described by procedures[{seen[k]}]; give each service once"
            )
        seen[k] = i
    return Reference(procedures=tuple(procs), source=label)


def load_reference(path: str | os.PathLike[str] | Reference) -> Reference:
    """Read a reference procedure file: YAML (see this module) or BPMN 2.0 (``.bpmn``/``.xml``)."""
    if isinstance(path, Reference):
        return path
    p = Path(path)
    label = str(path)
    if not p.is_file():
        raise ProcedureError(f"{label}: reference file not found; give the path of a YAML or BPMN procedure")
    data = p.read_bytes()
    if p.suffix.lower() in (".bpmn", ".xml") or data.lstrip()[:5] == b"<?xml":
        return read_bpmn_reference(p)
    import yaml

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProcedureError(f"{label}: is not UTF-8 text; save the reference as UTF-8") from None
    try:
        parsed = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "top level"
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise ProcedureError(f"{label}: {where}: not valid YAML ({problem}); check the indentation and quotes") from None
    return parse_reference(parsed, label)


# ============================================================================ reading BPMN
_BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
#: namespace of procsimp's BPMN extension attributes (``procsimp:hours``, ``procsimp:unit``,
#: ``procsimp:exception``, ``procsimp:statutoryDays``)
PROCSIMP_NS = "https://procsimp.org/bpmn"
_TASKS = ("task", "userTask", "serviceTask", "manualTask", "scriptTask", "businessRuleTask",
          "sendTask", "receiveTask", "callActivity", "subProcess")


def _doc_hours(text: str) -> float | None:
    import re

    m = re.search(r"(?i)(?:hours|giờ|thời gian)\s*[:=]\s*([0-9]+(?:[.,][0-9]+)?)", text)
    return float(m.group(1).replace(",", ".")) if m else None


def read_bpmn_reference(path: str | os.PathLike[str]) -> Reference:
    """A reference from a BPMN 2.0 file: each process is one procedure.

    Tasks become steps, in the order of the sequence flows from the start event. A parallel
    gateway's branches become a parallel block; a task that an exclusive gateway can bypass is
    optional. Hours come from a ``procsimp:hours`` attribute or a documentation line
    ``hours: 4`` (``giờ: 4``); the unit from ``procsimp:unit`` or the lane holding the task. A
    task with ``procsimp:exception="supplement|end|anywhere"`` is an exception, outside the
    flow. The process's ``name`` is the service; ``procsimp:statutoryDays`` its statutory days.
    """
    from lxml import etree

    label = str(path)
    try:
        tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise ProcedureError(f"{label}: not valid XML ({exc}); export the model again as BPMN 2.0") from None
    ns = {"b": _BPMN_NS}
    processes = tree.getroot().findall(".//b:process", ns)
    if not processes:
        raise ProcedureError(f"{label}: no BPMN process found; the file must be BPMN 2.0 XML with a <process>")
    procs = []
    for i, proc in enumerate(processes):
        at = _At(label, f"process[{i}] ({proc.get('id')!r})")
        procs.append(_bpmn_process(proc, at, ns))
    return Reference(procedures=tuple(procs), source=label)


def _bpmn_process(proc: Any, at: _At, ns: dict[str, str]) -> Procedure:
    def local(el: Any) -> str:
        return str(el.tag).split("}")[-1]

    service = clean(proc.get("name") or "")
    if not service:
        raise at.error("name", "the process has no name; give it the service's name as the log writes it")
    lanes: dict[str, str] = {}
    for lane in proc.findall(".//b:lane", ns):
        for ref in lane.findall("b:flowNodeRef", ns):
            lanes[(ref.text or "").strip()] = clean(lane.get("name") or "")
    nodes = {el.get("id"): el for el in proc if el.get("id")}
    out_flows: dict[str, list[str]] = {}
    in_count: dict[str, int] = {}
    for el in proc.findall("b:sequenceFlow", ns):
        src, dst = el.get("sourceRef"), el.get("targetRef")
        out_flows.setdefault(src, []).append(dst)
        in_count[dst] = in_count.get(dst, 0) + 1

    def as_step(el: Any) -> ProcedureStep:
        name = clean(el.get("name") or "")
        if not name:
            raise at.error(f"task {el.get('id')!r}", "has no name; name it as the log names the step")
        hours_attr = el.get(f"{{{PROCSIMP_NS}}}hours")
        hours: float | None = None
        if hours_attr is not None:
            try:
                hours = float(hours_attr.replace(",", "."))
            except ValueError:
                raise at.error(f"task {name!r} procsimp:hours", f"expected a number of hours, got {hours_attr!r}") from None
        else:
            for doc in el.findall("b:documentation", ns):
                hours = _doc_hours(doc.text or "")
                if hours is not None:
                    break
        unit = el.get(f"{{{PROCSIMP_NS}}}unit") or lanes.get(el.get("id")) or None
        return ProcedureStep(name=name, unit=clean(unit) if unit else None, hours=hours)

    exceptions = []
    for el in proc:
        if local(el) in _TASKS and el.get(f"{{{PROCSIMP_NS}}}exception"):
            kind = el.get(f"{{{PROCSIMP_NS}}}exception")
            if kind not in EXCEPTION_KINDS:
                raise at.error(f"task {el.get('name')!r} procsimp:exception",
                               f"{kind!r} is not a kind; use one of {', '.join(EXCEPTION_KINDS)}")
            exceptions.append(ProcedureException(name=as_step(el).name, kind=kind))
    starts = [n for n, el in nodes.items() if local(el) == "startEvent"]
    if len(starts) != 1:
        raise at.error("startEvent", f"expected one start event, found {len(starts)}")

    items: list[Item] = []
    optional: list[str] = []

    def walk(node: str | None, stop: str | None, out: list[Item], depth: int = 0) -> str | None:
        """Follow the flow from ``node`` until ``stop`` (a join) or the end; return the join reached."""
        seen = 0
        while node is not None and node != stop:
            seen += 1
            if seen > 10_000 or depth > 50:
                raise at.error("sequenceFlow", "the flow has a loop; a reference procedure is loop-free")
            el = nodes.get(node)
            if el is None:
                raise at.error("sequenceFlow", f"a flow points to {node!r}, which is not in the process")
            kind = local(el)
            nxt = out_flows.get(node, [])
            if kind in _TASKS:
                out.append(as_step(el))
            elif kind in ("parallelGateway", "exclusiveGateway", "inclusiveGateway") and len(nxt) > 1:
                join = _common_join(nxt)
                branches: list[list[Item]] = []
                for b in nxt:
                    branch: list[Item] = []
                    walk(b, join, branch, depth + 1)
                    branches.append(branch)
                if kind == "parallelGateway":
                    flat = []
                    for br in branches:
                        if len(br) != 1 or isinstance(br[0], Parallel):
                            raise at.error(f"gateway {node!r}", "each parallel branch must hold exactly one task")
                        flat.append(br[0])
                    out.append(Parallel(tuple(flat)))  # type: ignore[arg-type]
                else:
                    taken = [br for br in branches if br]
                    if len(taken) != 1 or len(taken[0]) < 1 or len(branches) != 2:
                        raise at.error(f"gateway {node!r}", "an exclusive gateway may only bypass tasks "
                                       "(one branch with tasks, one empty); model other choices as exceptions")
                    for it in taken[0]:
                        if isinstance(it, Parallel):
                            raise at.error(f"gateway {node!r}", "a bypassed branch holds only tasks")
                        optional.append(it.name)
                        out.append(it)
                node = join
                nxt = out_flows.get(join, []) if join else []
            elif kind == "endEvent":
                return None
            if len(nxt) > 1:
                continue  # a join that is also a split: handled on the next turn
            node = nxt[0] if nxt else None
        return node

    def _reach(start: str) -> list[str]:
        order, stack, seen = [], [start], set()
        while stack:
            n = stack.pop(0)
            if n in seen:
                continue
            seen.add(n)
            order.append(n)
            stack.extend(out_flows.get(n, []))
        return order

    def _common_join(starts_: list[str]) -> str | None:
        reach = [_reach(s) for s in starts_]
        common = set(reach[0]).intersection(*map(set, reach[1:]))
        for n in reach[0]:
            if n in common and local(nodes[n]) in ("parallelGateway", "exclusiveGateway", "inclusiveGateway"):
                return n
        return None

    first = out_flows.get(starts[0], [])
    walk(first[0] if first else None, None, items)
    items = [it for it in items if not (isinstance(it, ProcedureStep) and it.name in {e.name for e in exceptions})]
    if not items:
        raise at.error("task", "no task on the flow from the start event")
    days_attr = proc.get(f"{{{PROCSIMP_NS}}}statutoryDays")
    days = None
    if days_attr is not None:
        try:
            days = float(days_attr)
        except ValueError:
            raise at.error("procsimp:statutoryDays", f"expected working days, got {days_attr!r}") from None
    return Procedure(service=service, steps=tuple(items), statutory_days=days,
                     optional=tuple(optional), exceptions=tuple(exceptions))
