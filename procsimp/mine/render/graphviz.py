# Long module: one drawing: the map's DOT, legend, colour scales and SVG/PNG/PDF rendering share its styling.
"""Process maps as Graphviz diagrams: DOT source, SVG, PNG and PDF.

:func:`map_dot` draws a :class:`procsimp.mine.ProcessMap` left to right, in the manner of
Disco's maps:

* a start node ▶ and an end node ■, with an arrow to every start activity and from every end
  activity, labelled with the number of dossiers;
* one box per activity with its name and, in the *frequency* view, its number of events (the box
  is shaded by frequency), or, in the *performance* view, its mean processing time (the box is
  coloured on the same time scale as the arrows);
* one arrow per directly-follows pair, as wide as it is frequent (log scale), coloured by its
  mean waiting time in *working* time (bands bounded by the map's own quantiles, see
  :func:`time_scale`; the as-is and the to-be share the as-is scale), labelled with its count
  or its mean waiting time; a log that records dates only is measured in calendar days;
* a legend (a subgraph) with the colour bands and their unit;
* ghosted (grey, dashed) boxes and arrows for the steps that a proposal removes.

Every label is set in the font chosen by :mod:`procsimp.mine.render.fonts`, which has the Vietnamese
diacritics. Names are escaped (quotes, backslashes, ``<``, ``&``), long names are wrapped and
cut with "…", and the full name and figures are in each node's and arrow's tooltip (shown on
hover in the SVG). Output is deterministic: nodes and edges are emitted in a fixed order and no
attribute depends on the run, so the same map gives the same DOT and SVG bytes.

Graphviz's ``dot`` program does the layout; without it, :func:`write_map` raises an
:class:`~procsimp.errors.OptionalDependencyError` that gives the install command.
"""

from __future__ import annotations

import html
import math
import os
import re
import textwrap
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from procsimp.core._atomic import write_bytes, write_text
from procsimp.core._rounding import half_up
from procsimp.errors import OptionalDependencyError, ParameterError, ProcsimpError
from procsimp.mine.render._text import drawable

if TYPE_CHECKING:  # pragma: no cover
    import graphviz

    from procsimp.mine import ProcessMap

__all__ = [
    "VIEWS",
    "LANGS",
    "MAP_FORMATS",
    "MODEL_FORMATS",
    "FORMATS",
    "START_NODE",
    "END_NODE",
    "TIME_COLOURS",
    "LABELLED_ARROWS_MAX",
    "CURVED_ARROWS_MAX",
    "GRAPHVIZ_INSTALL_HINT",
    "map_dot",
    "node_ids",
    "combine_maps",
    "write_map",
    "write_dot",
    "render_formats",
    "parse_formats",
    "time_bins",
    "duration_label",
    "count_label",
    "time_scale",
    "TimeScale",
    "BAND_QUANTILES",
    "MAX_IMAGE_PX",
    "ImageTooLarge",
]

VIEWS: tuple[str, ...] = ("frequency", "performance")
LANGS: tuple[str, ...] = ("en", "vi")
#: diagram formats that Graphviz writes (``dot`` is the DOT source itself)
MAP_FORMATS: tuple[str, ...] = ("svg", "png", "pdf", "dot")
#: model formats, written from ``pmap.model()``
MODEL_FORMATS: tuple[str, ...] = ("bpmn", "pnml")
FORMATS: tuple[str, ...] = MAP_FORMATS + MODEL_FORMATS

#: the artificial start and end nodes of a ProcessMap's graph (same values as procsimp.mine)
START_NODE = "▶"
END_NODE = "■"

GRAPHVIZ_INSTALL_HINT = (
    "install Graphviz: sudo apt-get install graphviz fonts-dejavu-core fonts-noto-core "
    "(macOS: brew install graphviz; Windows: winget install graphviz), or run `make install`"
)

#: sequential colour scale for mean waiting and processing times (ColorBrewer YlOrRd, the six
#: darkest classes, so the shortest times stay visible on white)
TIME_COLOURS: tuple[str, ...] = ("#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026", "#800026")
#: upper bounds of the first five time classes: in working hours (h) or working days (d)
_TIME_BOUNDS: tuple[tuple[float, str], ...] = ((1, "h"), (4, "h"), (1, "d"), (3, "d"), (10, "d"))
#: box fills for the frequency view (ColorBrewer Blues), least to most frequent
_FREQ_FILLS: tuple[str, ...] = ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6")
_DARK_FILLS = frozenset({"#e31a1c", "#bd0026", "#800026"})
_NO_TIME = "#969696"  # an arrow or box whose time is unknown
_GHOST_LINE = "#bdbdbd"
_GHOST_FILL = "#f5f5f5"
_GHOST_TEXT = "#9e9e9e"
_TERMINAL_LINE = "#7f7f7f"
_MIN_PEN, _MAX_PEN = 1.0, 7.0
_MAX_TERMINAL_PEN = 3.0

#: above this many arrows, their figures move from labels to tooltips: Graphviz turns every
#: arrow label into a layout node, and on maps of hundreds of arrows that costs minutes
LABELLED_ARROWS_MAX = 250
#: above this many arrows, arrows are straight lines (spline routing costs minutes)
CURVED_ARROWS_MAX = 1500
#: Graphviz settings that trade crossing minimisation for speed on large maps
_FAST_LAYOUT = {"mclimit": "0.05", "nslimit": "0.5", "nslimit1": "0.5", "remincross": "false"}

#: names longer than this are wrapped (at most three lines) and cut with "…"
_MAX_NAME_ONE_LINE = 36
_WRAP_WIDTH = 28
_MAX_LINES = 3

_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "frequency": "frequency map",
        "performance": "performance map",
        "cases": "cases",
        "events": "events",
        "activities_shown": "activities shown",
        "edges_shown": "paths shown",
        "of": "of",
        "min": "min",
        "h": "h",
        "d": "d",
        "na": "–",
        "lt1min": "< 1 min",
        "legend": "Legend",
        "wait_scale": "Mean waiting time between steps (working time)",
        "time_scale": "Mean time (working time): arrows waiting, boxes processing",
        "units": "h = working hours · d = working days of {hpd} h",
        "width": "Arrow width: number of transitions (log scale)",
        "freq_labels": "Box: events (darker = more) · arrow label: transitions",
        "perf_labels": "Box: mean processing time · arrow label: mean waiting time",
        "no_time": "grey arrow or –: time unknown",
        "ghost": "Grey, dashed: removed by the proposal",
        "no_labels": "Large map: the figures of each arrow are in its tooltip (hover in the SVG)",
        "start": "start",
        "end": "end",
        "starts_here": "dossiers starting here",
        "ends_here": "dossiers ending here",
        "transitions": "transitions",
        "processing": "processing (working time)",
        "waiting_before": "waiting before it (working time)",
        "waiting": "waiting (working time)",
        "waiting_days": "waiting (calendar days), mean",
        "mean": "mean",
        "median": "median",
        "p90": "p90",
        "removed": "removed by the proposal",
        "flow_shown": "{pct}% of transitions shown",
        "bands": "colour bands: this map's own quantiles (20, 40, 60, 80, 95%) of the times shown",
        "day_units": "d = calendar days: the log records dates only, so times within a day are not measured",
        "wait_scale_days": "Mean waiting time between steps (calendar days)",
        "time_scale_days": "Mean time (calendar days): arrows waiting, boxes processing",
        "automated": "automated by the proposal",
    },
    "vi": {
        "frequency": "bản đồ tần suất",
        "performance": "bản đồ thời gian",
        "cases": "hồ sơ",
        "events": "sự kiện",
        "activities_shown": "bước hiển thị",
        "edges_shown": "luồng hiển thị",
        "of": "trên",
        "min": "phút",
        "h": "giờ",
        "d": "ngày",
        "na": "–",
        "lt1min": "< 1 phút",
        "legend": "Chú giải",
        "wait_scale": "Thời gian chờ trung bình giữa các bước (giờ làm việc)",
        "time_scale": "Thời gian trung bình (giờ làm việc): mũi tên là chờ, ô là xử lý",
        "units": "giờ = giờ làm việc · ngày = ngày làm việc ({hpd} giờ)",
        "width": "Độ dày mũi tên: số lần chuyển bước (thang log)",
        "freq_labels": "Ô: số sự kiện (càng đậm càng nhiều) · nhãn mũi tên: số lần chuyển",
        "perf_labels": "Ô: thời gian xử lý trung bình · nhãn mũi tên: thời gian chờ trung bình",
        "no_time": "mũi tên xám hoặc –: không rõ thời gian",
        "ghost": "Xám, nét đứt: bị loại bỏ theo đề xuất",
        "no_labels": "Bản đồ lớn: số liệu của mũi tên hiện khi rê chuột (SVG)",
        "start": "bắt đầu",
        "end": "kết thúc",
        "starts_here": "hồ sơ bắt đầu tại đây",
        "ends_here": "hồ sơ kết thúc tại đây",
        "transitions": "lần chuyển",
        "processing": "xử lý (giờ làm việc)",
        "waiting_before": "chờ trước bước (giờ làm việc)",
        "waiting": "chờ (giờ làm việc)",
        "waiting_days": "chờ (ngày lịch), trung bình",
        "mean": "TB",
        "median": "trung vị",
        "p90": "p90",
        "removed": "bị loại bỏ theo đề xuất",
        "flow_shown": "hiển thị {pct}% lượt chuyển",
        "bands": "dải màu: các phân vị (20, 40, 60, 80, 95%) thời gian của chính bản đồ này",
        "day_units": "ngày = ngày lịch: nhật ký chỉ ghi ngày, nên không đo được thời gian trong ngày",
        "wait_scale_days": "Thời gian chờ trung bình giữa các bước (ngày lịch)",
        "time_scale_days": "Thời gian trung bình (ngày lịch): mũi tên là chờ, ô là xử lý",
        "automated": "được tự động hóa theo đề xuất",
    },
}



# ---------------------------------------------------------------------------- validation
def _check_choice(name: str, value: Any, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise ParameterError(
            f"{name}={value!r} is not allowed; use one of: {', '.join(map(repr, allowed))}"
        )
    return str(value)


def parse_formats(formats: str | Iterable[str], allowed: Sequence[str] = FORMATS) -> list[str]:
    """Formats from ``"svg,png"`` or ``["svg", "png"]`` (``"all"`` = every allowed one).

    Case-insensitive, a leading dot is ignored, duplicates are dropped, order is kept. An unknown
    or empty list raises a :class:`ParameterError` that lists what is allowed.
    """
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    chosen: list[str] = []
    for item in items:
        fmt = str(item).strip().lower().lstrip(".")
        if not fmt:
            continue
        if fmt == "all":
            chosen.extend(f for f in allowed if f not in chosen)
            continue
        if fmt not in allowed:
            raise ParameterError(
                f"format {fmt!r} is not supported; use a comma-separated list of: "
                f"{', '.join(allowed)} (or 'all')"
            )
        if fmt not in chosen:
            chosen.append(fmt)
    if not chosen:
        raise ParameterError(
            f"no format given; use a comma-separated list of: {', '.join(allowed)} (or 'all')"
        )
    return chosen


# ---------------------------------------------------------------------------- numbers
def _num(value: Any) -> float | None:
    """A finite float, or None for None / NaN / NA / non-numbers."""
    if value is None:
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def count_label(value: float | None, *, lang: str = "en") -> str:
    """A count as a map shows it: '1,234,567' in English, '1.234.567' in Vietnamese, '–' for none."""
    _check_choice("lang", lang, LANGS)
    if value is None:
        return _TEXT[lang]["na"]
    text = f"{half_up(value):,}"
    return text.replace(",", ".") if lang == "vi" else text


def _fmt_dec(value: float, digits: int, lang: str) -> str:
    text = f"{half_up(value, digits):,.{digits}f}"
    if lang == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def duration_label(hours: float | None, *, hours_per_day: float = 7.5, lang: str = "en") -> str:
    """A working-time duration as a map shows it: '< 1 min', '35 min', '4.3 h', '3.1 d'.

    ``d`` is a working day of ``hours_per_day`` hours; 100 days and more have no decimal.
    Figures round half up as written (4.25 h -> '4.3 h', 30.5 min -> '31 min'); Vietnamese uses
    the decimal comma ('2,0 ngày'); None gives '–'.
    """
    _check_choice("lang", lang, LANGS)
    t = _TEXT[lang]
    if hours is None:
        return t["na"]
    if hours <= 0:
        return f"0 {t['min']}"
    minutes = hours * 60
    if minutes < 1:
        return t["lt1min"]
    if minutes < 59.5:
        return f"{half_up(minutes)} {t['min']}"
    if hours < hours_per_day:
        return f"{_fmt_dec(hours, 1, lang)} {t['h']}"
    days = hours / hours_per_day
    return f"{_fmt_dec(days, 0 if days >= 100 else 1, lang)} {t['d']}"


def _bound_hours(bound: tuple[float, str], hpd: float) -> float:
    value, unit = bound
    return value * hpd if unit == "d" else value


def time_bins(hours_per_day: float = 7.5, lang: str = "en") -> list[tuple[str, str]]:
    """The time colour scale as ``(label, colour)`` pairs, shortest first.

    The steps are fixed in working time (< 1 h, 1–4 h, 4 h–1 d, 1–3 d, 3–10 d, ≥ 10 d), so maps
    of different services or of the as-is and the to-be share one scale.
    """
    _check_choice("lang", lang, LANGS)
    t = _TEXT[lang]

    def label(b: tuple[float, str]) -> str:
        return f"{_fmt_dec(b[0], 0, lang)} {t[b[1]]}"

    bounds = _TIME_BOUNDS
    labels = [f"< {label(bounds[0])}"]
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        if lo[1] == hi[1]:
            labels.append(f"{_fmt_dec(lo[0], 0, lang)}–{label(hi)}")
        else:
            labels.append(f"{label(lo)}–{label(hi)}")
    labels.append(f"≥ {label(bounds[-1])}")
    return list(zip(labels, TIME_COLOURS, strict=True))


#: quantiles of a map's own times that bound its colour bands
BAND_QUANTILES: tuple[float, ...] = (0.2, 0.4, 0.6, 0.8, 0.95)


@dataclass(frozen=True)
class TimeScale:
    """The colour scale of a map's times: band bounds taken from the map's own figures.

    ``bounds`` are in working hours, or in calendar days when ``days`` (a log that records
    dates only); a value below ``bounds[0]`` gets the first colour, at or above
    ``bounds[-1]`` the last. Pass one scale to several maps (as-is and to-be) to compare them.
    """

    bounds: tuple[float, ...]
    days: bool = False
    hours_per_day: float = 7.5

    @property
    def colours(self) -> tuple[str, ...]:
        k = len(self.bounds) + 1
        if k >= len(TIME_COLOURS):
            return TIME_COLOURS
        step = (len(TIME_COLOURS) - 1) / max(k - 1, 1)
        return tuple(TIME_COLOURS[round(i * step)] for i in range(k))

    def colour(self, value: float | None) -> str:
        if value is None:
            return _NO_TIME
        for bound, colour in zip(self.bounds, self.colours, strict=False):
            if value < bound:
                return colour
        return self.colours[-1]

    def text(self, value: float | None, lang: str) -> str:
        """A time in the scale's unit: '35 min', '4.2 h', '3.1 d' (or calendar days)."""
        if not self.days:
            return duration_label(value, hours_per_day=self.hours_per_day, lang=lang)
        if value is None:
            return _TEXT[lang]["na"]
        digits = 0 if value >= 100 or value == 0 else 1
        return f"{_fmt_dec(value, digits, lang)} {_TEXT[lang]['d']}"

    def bins(self, lang: str) -> list[tuple[str, str]]:
        """``(label, colour)`` per band, shortest first."""
        if not self.bounds:
            return [(_TEXT[lang]["na"], self.colours[0])]
        b = [self.text(x, lang) for x in self.bounds]
        labels = [f"< {b[0]}"] + [f"{lo}–{hi}" for lo, hi in zip(b[:-1], b[1:], strict=True)] + [f"≥ {b[-1]}"]
        return list(zip(labels, self.colours, strict=True))


def _is_day_resolution(pmap: Any) -> bool:
    """Whether the map's log records dates only (the reader's day-resolution finding)."""
    log = _origin(pmap)
    return any("look day-resolution" in str(w) for w in getattr(log, "warnings", ()) or ())


def _origin(pmap: Any) -> Any:
    """The log ``pmap`` was mined from, for its source and warnings: a ProcessMap's ``origin``
    (which does not copy the service's events out of a log of several services), else its
    ``log``."""
    origin = getattr(pmap, "origin", None)
    return origin if origin is not None else getattr(pmap, "log", None)


def _edge_time(data: Mapping[str, Any], days: bool) -> float | None:
    return _num(data.get("wait_days_mean" if days else "wait_hours_mean"))


def _node_time(data: Mapping[str, Any], days: bool) -> float | None:
    return _num(data.get("proc_days_mean" if days else "proc_hours_mean"))


def time_scale(pmap: Any, *, view: str = "frequency") -> TimeScale:
    """The colour scale of ``pmap``'s times: bands bounded by the quantiles
    :data:`BAND_QUANTILES` of its arrows' mean waiting times (and, in the performance view,
    its boxes' mean processing times), in working hours, or calendar days for a log that
    records dates only. Equal bounds merge, so a map with few distinct times has fewer bands."""
    import numpy as np

    graph = pmap.graph
    days = _is_day_resolution(pmap)
    values = [
        _edge_time(graph.edges[e], days)
        for e in graph.edges
        if e[0] != START_NODE and e[1] != END_NODE
    ]
    if view == "performance":
        values += [_node_time(graph.nodes[a], days) for a in graph.nodes if a not in (START_NODE, END_NODE)]
    finite = np.array([v for v in values if v is not None], dtype=float)
    bounds: list[float] = []
    if len(finite):
        for q in np.quantile(finite, BAND_QUANTILES):
            b = float(_nice(q))
            if b > 0 and (not bounds or b > bounds[-1]):
                bounds.append(b)
    return TimeScale(bounds=tuple(bounds), days=days, hours_per_day=_hours_per_day(pmap))


def _nice(value: float) -> float:
    """``value`` rounded to two significant digits (legend bounds stay readable)."""
    if value <= 0 or not math.isfinite(value):
        return 0.0
    return float(f"{value:.2g}")


def _log_fraction(value: float | None, lo: float, hi: float) -> float:
    """Where ``value`` sits between ``lo`` and ``hi`` on a log scale, in [0, 1]."""
    if value is None or value <= 0 or hi <= lo:
        return 0.0 if (value is None or value <= 0 or hi <= 0) else 1.0
    frac = (math.log(value) - math.log(lo)) / (math.log(hi) - math.log(lo))
    return min(1.0, max(0.0, frac))


# ---------------------------------------------------------------------------- text
def _clean(text: Any) -> str:
    return drawable(text)


def _wrap_name(name: str) -> tuple[list[str], bool]:
    """Lines for a box label and whether the name was shortened."""
    if len(name) <= _MAX_NAME_ONE_LINE:
        return [name], False
    lines = textwrap.wrap(
        name, width=_WRAP_WIDTH, break_long_words=True, break_on_hyphens=True
    ) or [name[:_WRAP_WIDTH]]
    cut = len(lines) > _MAX_LINES
    lines = lines[:_MAX_LINES]
    if cut:
        last = lines[-1]
        lines[-1] = (last[: _WRAP_WIDTH - 1] if len(last) >= _WRAP_WIDTH else last).rstrip() + "…"
    return lines, cut


def _html(text: str) -> str:
    """Text for a Graphviz HTML-like label: entities for &, <, >; backslashes kept literal.

    Graphviz expands escapes such as ``\\N`` (the node id) even in HTML-like labels, and turns
    ``\\\\`` into one backslash (an entity such as ``&#92;`` would be expanded too).
    """
    return html.escape(text, quote=False).replace("\\", "\\\\")


def _tooltip(lines: Iterable[str], *, node: bool = False) -> Any:
    """A DOT escString tooltip, lines joined by the ``\\n`` escape.

    An edge tooltip keeps a backslash literal when it is doubled. A node tooltip is expanded
    twice by Graphviz (so ``\\\\N`` still becomes the node id), and how often differs between
    versions: there a backslash is drawn as the look-alike "⧵" (U+29F5) instead.
    """
    import graphviz

    twin = "⧵" if node else "\\\\"
    body = "\\n".join(_clean(line).replace("\\", twin) for line in lines)
    return graphviz.nohtml(body)


def _stats_line(label: str, data: Mapping[str, Any], key: str, hpd: float, lang: str) -> str | None:
    t = _TEXT[lang]
    values = [_num(data.get(f"{key}_{s}")) for s in ("mean", "median", "p90")]
    if all(v is None for v in values):
        return None
    parts = [
        f"{t[s]} {duration_label(v, hours_per_day=hpd, lang=lang)}"
        for s, v in zip(("mean", "median", "p90"), values, strict=True)
        if v is not None
    ]
    return f"{label}: " + " · ".join(parts)


# ---------------------------------------------------------------------------- map facts
def _hours_per_day(pmap: Any) -> float:
    calendar = getattr(pmap, "calendar", None)
    if calendar is None:
        from procsimp.core.calendar import default_calendar

        calendar = default_calendar()
    return float(calendar.minutes_per_day) / 60.0


def _ghost_sets(ghost: Iterable[Any]) -> tuple[set[str], set[tuple[str, str]]]:
    if isinstance(ghost, str):
        ghost = [ghost]
    nodes: set[str] = set()
    edges: set[tuple[str, str]] = set()
    for item in ghost:
        if isinstance(item, str):
            nodes.add(unicodedata.normalize("NFC", item))
        elif isinstance(item, Sequence) and len(item) == 2 and all(isinstance(x, str) for x in item):
            edges.add(
                (unicodedata.normalize("NFC", item[0]), unicodedata.normalize("NFC", item[1]))
            )
        else:
            raise ParameterError(
                f"ghost item {item!r} is neither an activity name nor a (source, target) pair "
                "of activity names; pass e.g. ghost=['Review'] or ghost=[('Receive', 'Review')]"
            )
    return nodes, edges


def _flow_order(graph: Any) -> list[Any]:
    """Activities in flow order: breadth-first from ▶ along the heaviest arrows first.

    Independent of the graph's insertion order, so the same map always gives the same DOT.
    """
    def weight(u: Any, v: Any) -> float:
        return _num(graph.edges[u, v].get("count")) or 0.0

    acts = [n for n in graph.nodes if n not in (START_NODE, END_NODE)]
    seen: set[Any] = set()
    order: list[Any] = []
    queue = [START_NODE] if START_NODE in graph else []
    while queue:
        node = queue.pop(0)
        succ = sorted(
            (v for v in graph.successors(node) if v not in seen and v not in (START_NODE, END_NODE)),
            key=lambda v: (-weight(node, v), str(v)),
        )
        for v in succ:
            seen.add(v)
            order.append(v)
            queue.append(v)
    rest = sorted(
        (n for n in acts if n not in seen),
        key=lambda n: (-(_num(graph.nodes[n].get("events")) or 0.0), str(n)),
    )
    return order + rest


def _ids(acts: Sequence[Any], id_prefix: str) -> dict[Any, str]:
    ids: dict[Any, str] = {a: f"{id_prefix}a{i}" for i, a in enumerate(acts)}
    ids[START_NODE] = f"{id_prefix}start"
    ids[END_NODE] = f"{id_prefix}end"
    return ids


def node_ids(pmap: ProcessMap, *, id_prefix: str = "") -> dict[str, str]:
    """``{activity name: node id}`` as :func:`map_dot` draws ``pmap`` with ``id_prefix``.

    Includes :data:`START_NODE` and :data:`END_NODE`. Use it to add statements about given
    activities to a drawing (frames around merged steps, highlighted boxes ...).
    """
    graph = getattr(pmap, "graph", None)
    if graph is None or not hasattr(graph, "nodes"):
        raise ParameterError(
            f"node_ids needs a ProcessMap (from procsimp.mine(log)); got {type(pmap).__name__}"
        )
    return {str(k): v for k, v in _ids(_flow_order(graph), id_prefix).items()}


def _default_title(pmap: Any, view: str, n_acts: int, n_edges: int, lang: str) -> list[str]:
    t = _TEXT[lang]
    service = getattr(pmap, "service", None)
    first = _clean(service) if service else ""
    log = _origin(pmap)
    source = str(getattr(log, "source", "") or "")
    if log is not None and source and source != "<memory>" and not getattr(log, "services", True):
        first = Path(source).name  # a log without services: name it by its file
    facts = []
    n_cases = _num(getattr(pmap, "n_cases", None))
    n_events = _num(getattr(pmap, "n_events", None))
    if n_cases is not None:
        facts.append(f"{count_label(n_cases, lang=lang)} {t['cases']}")
    if n_events is not None:
        facts.append(f"{count_label(n_events, lang=lang)} {t['events']}")
    filters = getattr(pmap, "filters", None) or {}
    if not isinstance(filters, Mapping):
        filters = {}
    total_acts = _num(filters.get("activities_total"))
    total_edges = _num(filters.get("edges_total"))
    acts = count_label(n_acts, lang=lang)
    if total_acts is not None:
        acts += f" {t['of']} {count_label(total_acts, lang=lang)}"
    facts.append(f"{acts} {t['activities_shown']}")
    edges = count_label(n_edges, lang=lang)
    if total_edges is not None:
        edges += f" {t['of']} {count_label(total_edges, lang=lang)}"
    facts.append(f"{edges} {t['edges_shown']}")
    flow = _num(filters.get("flow_share"))
    if total_edges is not None and n_edges < total_edges and flow is not None:
        facts.append(t["flow_shown"].format(pct=_fmt_dec(100 * flow, 1, lang)))
    facts.append(t[view])
    return [line for line in (first, " · ".join(facts)) if line]


def _legend_html(
    view: str, hpd: float, lang: str, ghosted: bool, labelled: bool = True, scale: TimeScale | None = None
) -> str:
    t = _TEXT[lang]
    bins = time_bins(hpd, lang) if scale is None else scale.bins(lang)
    n = len(bins)
    days = scale is not None and scale.days
    title = t["time_scale"] if view == "performance" else t["wait_scale"]
    if days:
        title = t["time_scale_days"] if view == "performance" else t["wait_scale_days"]
    rows = [
        f'<tr><td colspan="{n}" align="left"><b>{_html(t["legend"])}</b></td></tr>',
        f'<tr><td colspan="{n}" align="left">{_html(title)}</td></tr>',
        "<tr>"
        + "".join(
            f'<td bgcolor="{colour}" width="58" height="12" fixedsize="true"></td>'
            for _, colour in bins
        )
        + "</tr>",
        "<tr>" + "".join(f'<td><font point-size="9">{_html(lbl)}</font></td>' for lbl, _ in bins)
        + "</tr>",
    ]
    notes = [
        t["day_units"] if days else t["units"].format(hpd=_fmt_dec(hpd, 1, lang).rstrip("0").rstrip(",.")),
        *([t["bands"]] if scale is not None else []),
        t["width"],
        t["perf_labels"] if view == "performance" else t["freq_labels"],
        t["no_time"],
    ]
    if ghosted:
        notes.append(t["ghost"])
    if not labelled:
        notes.append(t["no_labels"])
    rows += [
        f'<tr><td colspan="{n}" align="left"><font point-size="9">{_html(note)}</font></td></tr>'
        for note in notes
    ]
    return (
        '<<table border="0" cellborder="0" cellspacing="1" cellpadding="2">'
        + "".join(rows)
        + "</table>>"
    )


# ---------------------------------------------------------------------------- the map
def map_dot(
    pmap: ProcessMap,
    *,
    view: str = "frequency",
    ghost: Iterable[Any] = (),
    lang: str = "en",
    title: str | Sequence[str] | None = None,
    legend: bool = True,
    id_prefix: str = "",
    arrow_labels: bool | None = None,
    scale: TimeScale | None = None,
    automated: Iterable[str] = (),
) -> graphviz.Digraph:
    """The process map as a Graphviz ``Digraph`` (left to right; nothing is rendered yet).

    Args:
        pmap: a :class:`procsimp.mine.ProcessMap` (what :func:`procsimp.mine` returns); its
            ``graph`` carries the counts and times drawn.
        view: ``"frequency"`` (boxes show events, arrows show transitions) or
            ``"performance"`` (boxes show mean processing time, arrows mean waiting time).
            In both views arrow width follows frequency and arrow colour mean waiting time.
        ghost: activity names, and ``(source, target)`` pairs, to draw grey and dashed: the
            steps and paths that a proposal removes. Arrows into and out of a ghosted activity
            are ghosted too. Names that the map does not show are ignored.
        lang: ``"en"`` or ``"vi"``: the language of the title, legend, units and tooltips
            (activity names are drawn as they are in the log).
        title: the title above the map (one string or lines); default: the service, its cases,
            events, activities and paths shown, and the view.
        legend: whether to add the legend subgraph (``cluster_legend``).
        id_prefix: prefix of every node id, so that two maps can share one drawing (as-is and
            to-be side by side).
        arrow_labels: whether arrows carry their figure as a label; default: only up to
            :data:`LABELLED_ARROWS_MAX` arrows (the figures are always in the tooltips). Large
            maps also get a faster layout, and straight arrows above
            :data:`CURVED_ARROWS_MAX`; Graphviz still needs minutes for thousands of arrows.
        scale: the colour scale of times (:func:`time_scale`); default: the map's own
            quantiles. Times are in working hours, or in calendar days when the log records
            dates only.
        automated: activity names to mark as automated by a proposal (a gear and a blue
            border).

    Returns:
        a ``graphviz.Digraph``; ``.source`` is the DOT text, ``.pipe(format="svg")`` renders it,
        and a notebook displays it. Use :func:`write_map` to write a file.
    """
    import graphviz

    from procsimp.mine.render.fonts import font_family

    view = _check_choice("view", view, VIEWS)
    lang = _check_choice("lang", lang, LANGS)
    graph = getattr(pmap, "graph", None)
    if graph is None or not hasattr(graph, "nodes"):
        raise ParameterError(
            f"map_dot needs a ProcessMap (from procsimp.mine(log)); got {type(pmap).__name__}, "
            "which has no networkx `graph`"
        )
    t = _TEXT[lang]
    hpd = _hours_per_day(pmap)
    font = font_family()
    ghost_nodes, ghost_edges = _ghost_sets(ghost)
    automated_set = {_clean(a) for a in automated}
    scale = scale if scale is not None else time_scale(pmap, view=view)
    days = scale.days

    acts = _flow_order(graph)
    ids = _ids(acts, id_prefix)
    rank = {START_NODE: -1, **{a: i for i, a in enumerate(acts)}, END_NODE: len(acts)}
    edges = sorted(
        (e for e in graph.edges if e[0] in rank and e[1] in rank),
        key=lambda e: (rank[e[0]], rank[e[1]]),
    )
    counts = [c for c in (_num(graph.edges[e].get("count")) for e in edges) if c and c > 0]
    c_lo, c_hi = (min(counts), max(counts)) if counts else (1.0, 1.0)
    events = [v for v in (_num(graph.nodes[a].get("events")) for a in acts) if v and v > 0]
    e_lo, e_hi = (min(events), max(events)) if events else (1.0, 1.0)

    labelled = len(edges) <= LABELLED_ARROWS_MAX if arrow_labels is None else bool(arrow_labels)
    effort: dict[str, str] = {}
    if len(edges) > LABELLED_ARROWS_MAX:
        effort.update(_FAST_LAYOUT)
    if len(edges) > CURVED_ARROWS_MAX:
        effort["splines"] = "line"

    if title is None:
        title_lines = _default_title(pmap, view, len(acts), len(edges), lang)
    else:
        title_lines = [title] if isinstance(title, str) else list(title)
        title_lines = [line for line in title_lines if str(line).strip()]
    label = ""
    if title_lines:
        head, *tail = [_html(_clean(x)) for x in title_lines]
        label = (
            '<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">'
            f'<tr><td align="left"><font point-size="14"><b>{head}</b></font></td></tr>'
            + "".join(
                f'<tr><td align="left"><font point-size="10">{x}</font></td></tr>' for x in tail
            )
            + "</table>>"
        )

    name = f"{id_prefix}process_map" if id_prefix else "process_map"
    dot = graphviz.Digraph(name=name)
    dot.attr(
        "graph",
        rankdir="LR",
        fontname=font,
        fontsize="11",
        bgcolor="white",
        pad="0.25",
        nodesep="0.3",
        ranksep="0.45",
        outputorder="edgesfirst",
        labelloc="t",
        labeljust="l",
        **({"label": label} if label else {}),
        **effort,
    )
    dot.attr(
        "node",
        shape="box",
        style="rounded,filled",
        fontname=font,
        fontsize="11",
        color="#4d4d4d",
        penwidth="1",
        margin="0.12,0.06",
    )
    dot.attr("edge", fontname=font, fontsize="9", arrowsize="0.7")

    # start and end
    start_cases = sum(_num(graph.edges[e].get("count")) or 0 for e in edges if e[0] == START_NODE)
    end_cases = sum(_num(graph.edges[e].get("count")) or 0 for e in edges if e[1] == END_NODE)
    terminal = {"shape": "circle", "fixedsize": "true", "width": "0.42", "fontsize": "13"}
    with dot.subgraph(name=f"{id_prefix}start_rank") as sub:
        sub.attr(rank="source")
        sub.node(
            ids[START_NODE],
            label=START_NODE,
            fillcolor="#d9f0d3",
            color="#1b7837",
            fontcolor="#1b7837",
            tooltip=_tooltip([t["start"], f"{count_label(start_cases, lang=lang)} {t['cases']}"], node=True),
            **terminal,
        )
    with dot.subgraph(name=f"{id_prefix}end_rank") as sub:
        sub.attr(rank="sink")
        sub.node(
            ids[END_NODE],
            label=END_NODE,
            fillcolor="#fddbc7",
            color="#b2182b",
            fontcolor="#b2182b",
            tooltip=_tooltip([t["end"], f"{count_label(end_cases, lang=lang)} {t['cases']}"], node=True),
            **terminal,
        )

    # activities
    for act in acts:
        data = graph.nodes[act]
        full = _clean(act)
        lines, _ = _wrap_name(full)
        n_events = _num(data.get("events"))
        ghosted = full in ghost_nodes
        if view == "frequency":
            figure = count_label(n_events, lang=lang)
            fill = _FREQ_FILLS[min(len(_FREQ_FILLS) - 1, int(_log_fraction(n_events, e_lo, e_hi) * len(_FREQ_FILLS)))]
        else:
            proc = _node_time(data, days)
            figure = scale.text(proc, lang)
            fill = "#ffffff" if proc is None else scale.colour(proc)
        attrs: dict[str, str] = {"fillcolor": fill}
        text_colour = "#ffffff" if fill in _DARK_FILLS else "#000000"
        if ghosted:
            attrs = {
                "fillcolor": _GHOST_FILL,
                "color": _GHOST_LINE,
                "style": "rounded,filled,dashed",
            }
            text_colour = _GHOST_TEXT
        elif full in automated_set:
            attrs.update(color="#1565c0", penwidth="2.5")
            lines = ["⚙ " + lines[0], *lines[1:]]
        body = "<br/>".join(_html(line) for line in lines)
        attrs["fontcolor"] = text_colour
        attrs["label"] = f'<{body}<br/><font point-size="9">{_html(figure)}</font>>'
        n_cases = count_label(_num(data.get("cases")), lang=lang)
        tip = [full, f"{t['events']}: {count_label(n_events, lang=lang)} · {t['cases']}: {n_cases}"]
        for key, what in (("proc_hours", t["processing"]), ("wait_hours", t["waiting_before"])):
            line = _stats_line(what, data, key, hpd, lang)
            if line:
                tip.append(line)
        if ghosted:
            tip.append(t["removed"])
        elif full in automated_set:
            tip.append(t["automated"])
        attrs["tooltip"] = _tooltip(tip, node=True)
        dot.node(ids[act], **attrs)

    # arrows
    for src, dst in edges:
        data = graph.edges[src, dst]
        count = _num(data.get("count"))
        is_terminal = src == START_NODE or dst == END_NODE
        top = _MAX_TERMINAL_PEN if is_terminal else _MAX_PEN
        pen = _MIN_PEN + (top - _MIN_PEN) * _log_fraction(count, c_lo, c_hi)
        s_name, d_name = _clean(src), _clean(dst)
        ghosted = (
            s_name in ghost_nodes or d_name in ghost_nodes or (s_name, d_name) in ghost_edges
        )
        attrs = {"penwidth": f"{pen:.2f}"}
        if is_terminal:
            attrs.update(color=_TERMINAL_LINE, fontcolor="#595959")
            attrs["label"] = count_label(count, lang=lang) if view == "frequency" else ""
            what = t["starts_here"] if src == START_NODE else t["ends_here"]
            tip = [f"{s_name} → {d_name}", f"{count_label(count, lang=lang)} {what}"]
        else:
            wait = _edge_time(data, days)
            attrs["color"] = scale.colour(wait)
            attrs["fontcolor"] = "#252525"
            attrs["label"] = count_label(count, lang=lang) if view == "frequency" else scale.text(wait, lang)
            tip = [
                f"{s_name} → {d_name}",
                f"{t['transitions']}: {count_label(count, lang=lang)} · "
                f"{t['cases']}: {count_label(_num(data.get('cases')), lang=lang)}",
            ]
            line = _stats_line(t["waiting"], data, "wait_hours", hpd, lang)
            if line:
                tip.append(line)
            wait_days = _num(data.get("wait_days_mean"))
            if wait_days is not None:
                tip.append(f"{t['waiting_days']}: {_fmt_dec(wait_days, 1, lang)}")
        if ghosted:
            attrs.update(color=_GHOST_LINE, style="dashed", fontcolor=_GHOST_TEXT)
            tip.append(t["removed"])
        if attrs.get("label") and labelled:
            attrs["label"] = graphviz.nohtml(" " + attrs["label"] + " ")
        else:
            attrs.pop("label", None)
        attrs["tooltip"] = _tooltip(tip)
        if "label" in attrs:
            attrs["labeltooltip"] = attrs["tooltip"]
        dot.edge(ids[src], ids[dst], **attrs)

    if legend:
        with dot.subgraph(name=f"cluster_{id_prefix}legend") as sub:
            sub.attr(label="", color="#d9d9d9", style="rounded", margin="6")
            sub.node(
                f"{id_prefix}legend",
                label=_legend_html(view, hpd, lang, bool(ghost_nodes or ghost_edges), labelled, scale),
                shape="plain",
                style="",
                tooltip=_tooltip([t["legend"]], node=True),
            )
        # keep the legend below the end node, out of the flow
        dot.edge(ids[END_NODE], f"{id_prefix}legend", style="invis", minlen="1")
    return dot


def combine_maps(
    drawings: Sequence[graphviz.Digraph],
    *,
    caption: str | Sequence[str] | None = None,
    name: str = "maps",
) -> graphviz.Digraph:
    """Several :func:`map_dot` drawings in one diagram, each in its own frame (top to bottom).

    Give each drawing its own ``id_prefix`` (``map_dot(asis, id_prefix="asis_")``) so that no
    node ids collide; ``caption`` (one string or lines, e.g. the KPI deltas) goes below. Used
    for the as-is and to-be side by side.
    """
    import graphviz

    from procsimp.mine.render.fonts import font_family

    names = [d.name or "" for d in drawings]
    if len(drawings) < 1 or len(set(names)) != len(names):
        raise ParameterError(
            f"combine_maps needs drawings made with distinct id_prefix values, got names {names!r}; "
            "use map_dot(pmap, id_prefix='asis_') and map_dot(other, id_prefix='tobe_')"
        )
    font = font_family()
    out = graphviz.Digraph(name=name)
    out.attr("graph", rankdir="LR", fontname=font, bgcolor="white", pad="0.25",
             labelloc="b", labeljust="l")
    if caption:
        lines = [caption] if isinstance(caption, str) else list(caption)
        out.attr("graph", label="<" + "<br/>".join(_html(_clean(x)) for x in lines) + ">",
                 fontsize="11")
    # in a left-to-right layout Graphviz stacks unconnected frames bottom-up: add them in reverse
    # so that the first drawing ends up on top
    for drawing in reversed(drawings):
        sub = graphviz.Digraph(name=f"cluster_{drawing.name}")
        sub.graph_attr.update(drawing.graph_attr)
        sub.graph_attr.update(color="#bdbdbd", style="rounded", margin="12")
        sub.node_attr.update(drawing.node_attr)
        sub.edge_attr.update(drawing.edge_attr)
        sub.body += drawing.body
        out.subgraph(sub)
    return out


# ---------------------------------------------------------------------------- output
#: a PNG wider or taller than this is not written (Graphviz clips bitmaps at 32,767 px, and
#: a map that large is unreadable as a picture): the SVG and PDF scale, the PNG is refused
MAX_IMAGE_PX = 16_000


class ImageTooLarge(ProcsimpError):
    """A bitmap of the drawing would exceed :data:`MAX_IMAGE_PX`."""


def _check_png_size(dot: graphviz.Digraph, dpi: float, path: Path) -> None:
    """Raise :class:`ImageTooLarge` when the PNG of ``dot`` at ``dpi`` would be too large.

    Small drawings (up to 60 boxes) are never that large and are not measured; larger ones
    are laid out once as SVG to read their size."""
    boxes = sum(1 for line in dot.body if re.match(r"\s*\w+ \[", line))
    if boxes <= 60:
        return
    svg = pipe(dot, "svg")[:4000].decode("utf-8", "replace")
    m = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    if not m:
        return
    w, h = (float(m.group(1)) * dpi / 72, float(m.group(2)) * dpi / 72)
    if max(w, h) > MAX_IMAGE_PX:
        raise ImageTooLarge(
            f"{path.name} not written: the map would be {w:,.0f} × {h:,.0f} px, beyond the "
            f"{MAX_IMAGE_PX:,} px a PNG is drawn at (Graphviz clips bitmaps at 32,767 px and a "
            "picture that large cannot be read); use the SVG or PDF, or simplify the map with "
            "--activities and --paths"
        )


def pipe(dot: graphviz.Digraph, fmt: str) -> bytes:
    """The diagram rendered by Graphviz as ``fmt`` bytes; every failure is a ProcsimpError."""
    return pipe_formats(dot, [fmt])[fmt]


def _run_layout(dot: graphviz.Digraph, fmts: Sequence[str]) -> dict[str, bytes]:
    """One Graphviz process, one layout, every format of ``fmts`` (``dot -Tsvg -o F1 -Tpdf -o F2``:
    the same bytes as one process per format). Failures are raised as the graphviz package raises
    them (:class:`graphviz.ExecutableNotFound`, :class:`graphviz.CalledProcessError`)."""
    import subprocess
    import tempfile

    import graphviz

    # procsimp's neato drawings have every node pinned in points (redesign.diagram.panels);
    # dot's own stderr is in the error of pipe_formats
    no_op = dot.engine == "neato"
    if len(fmts) == 1:
        return {fmts[0]: dot.pipe(format=fmts[0], quiet=True, neato_no_op=1 if no_op else None)}
    with tempfile.TemporaryDirectory(prefix="procsimp-dot-") as tmp:
        files = {fmt: Path(tmp) / f"drawing.{fmt}" for fmt in fmts}
        cmd = [os.fspath(graphviz.DOT_BINARY), f"-K{dot.engine}", *(["-n1"] if no_op else [])]
        for fmt, file in files.items():
            cmd += [f"-T{fmt}", "-o", os.fspath(file)]
        try:
            done = subprocess.run(cmd, input=dot.source.encode(dot.encoding), capture_output=True, check=False)
        except FileNotFoundError:
            raise graphviz.ExecutableNotFound(cmd) from None
        if done.returncode:
            raise graphviz.CalledProcessError(done.returncode, cmd, output=done.stdout, stderr=done.stderr)
        return {fmt: file.read_bytes() for fmt, file in files.items()}


def pipe_formats(dot: graphviz.Digraph, fmts: Sequence[str]) -> dict[str, bytes]:
    """The diagram rendered by Graphviz in each of ``fmts`` (one layout, one process):
    ``{format: bytes}``; every failure is a ProcsimpError."""
    import graphviz

    fmt = "/".join(fmts)
    try:
        return _run_layout(dot, fmts)
    except BrokenPipeError:  # dot stopped reading its input: it failed, nothing was drawn
        raise ProcsimpError(
            f"Graphviz stopped before it read the whole {fmt.upper()} diagram (broken pipe); nothing was drawn: "
            "check that Graphviz works (dot -V), or write the DOT source with --format dot"
        ) from None
    except graphviz.ExecutableNotFound:
        raise OptionalDependencyError(
            f"writing a {fmt.upper()} diagram needs Graphviz's `dot` program, which was not found "
            f"on PATH; {GRAPHVIZ_INSTALL_HINT}. The DOT source can still be written with "
            "--format dot"
        ) from None
    except graphviz.CalledProcessError as exc:
        if dot.engine == "neato" and dot.graph_attr.get("splines") not in ("line", "false"):
            # a pinned panel whose boxes touch: neato cannot route curved edges around them
            # ("trying to delete a non-line"); the same drawing with straight edges
            straight = dot.copy()
            straight.graph_attr["splines"] = "line"
            return pipe_formats(straight, fmts)
        stderr = exc.stderr.decode("utf-8", "replace") if isinstance(exc.stderr, bytes) else str(exc.stderr or "")
        detail = " ".join(stderr.split())[:300] or f"exit code {exc.returncode}"
        raise ProcsimpError(f"Graphviz could not render the {fmt.upper()} diagram: {detail}") from None


def write_dot(
    dot: graphviz.Digraph,
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    dpi: float | None = None,
) -> Path:
    """Write any Graphviz ``Digraph`` to ``path`` as svg, png, pdf or dot, atomically.

    ``format`` defaults to the file's suffix. ``dpi`` sets the PNG resolution (default: 144 for
    a drawing of up to 20 boxes, 96 above, so that labels stay sharp and big maps stay a
    manageable size); it does not change the other formats.
    """
    target = Path(path)
    fmt = format if format is not None else target.suffix.lstrip(".").lower()
    if not fmt:
        raise ParameterError(
            f"cannot tell the format of {str(target)!r}: give format= (one of "
            f"{', '.join(MAP_FORMATS)}) or a file suffix such as .svg"
        )
    fmt = _check_choice("format", fmt, MAP_FORMATS)
    if fmt == "dot":
        return write_text(target, dot.source)
    if fmt == "png":
        if dpi is None:
            boxes = sum(1 for line in dot.body if re.match(r"\s*\w+ \[", line))
            dpi = 144 if boxes <= 22 else 96
        if not (math.isfinite(dpi) and 30 <= dpi <= 600):
            raise ParameterError(f"dpi must be between 30 and 600, got {dpi!r}; e.g. dpi=144")
        _check_png_size(dot, dpi, target)
        dot = dot.copy()
        dot.graph_attr["dpi"] = f"{dpi:g}"
    return write_bytes(target, pipe(dot, fmt))


def write_map(
    pmap: ProcessMap,
    path: str | os.PathLike[str],
    *,
    view: str = "frequency",
    format: str | None = None,
    lang: str = "en",
    ghost: Iterable[Any] = (),
) -> Path:
    """Draw ``pmap`` (see :func:`map_dot`) and write it to ``path``; returns the path.

    ``format`` is ``"svg"``, ``"png"``, ``"pdf"`` or ``"dot"`` (the DOT source); it defaults to
    the file's suffix. The file appears complete or not at all.
    """
    target = Path(path)
    fmt = format if format is not None else target.suffix.lstrip(".").lower()
    if fmt:
        _check_choice("format", fmt, MAP_FORMATS)
    return write_dot(map_dot(pmap, view=view, ghost=ghost, lang=lang), target, format=fmt or None)


def render_formats(
    pmap: ProcessMap,
    out_dir: str | os.PathLike[str],
    stem: str,
    formats: str | Iterable[str],
    view: str = "frequency",
    *,
    lang: str = "en",
    ghost: Iterable[Any] = (),
    model: Any = None,
    noise: float = 0.2,
    skipped: list[str] | None = None,
) -> dict[str, Path]:
    """Write ``out_dir/stem.<format>`` for each format; returns ``{format: path}``.

    Diagram formats (svg, png, pdf, dot) share one :func:`map_dot` drawing. A PNG beyond
    :data:`MAX_IMAGE_PX` is not written: the reason is appended to ``skipped`` when a list is
    given, else :class:`ImageTooLarge` is raised. Model formats
    (bpmn, pnml) are written from ``model``, or from ``pmap.model(noise=noise)`` discovered once
    when ``model`` is None.
    """
    chosen = parse_formats(formats)
    out = Path(out_dir)
    written: dict[str, Path] = {}
    diagram = None
    # the SVG and the PDF come from one layout (one Graphviz process); the PNG has a
    # resolution of its own, so a drawing of its own
    laid_out = [fmt for fmt in chosen if fmt in ("svg", "pdf")]
    drawn: dict[str, bytes] = {}
    for fmt in chosen:
        if fmt in MAP_FORMATS:
            if diagram is None:
                diagram = map_dot(pmap, view=view, ghost=ghost, lang=lang)
                if len(laid_out) > 1:
                    drawn = pipe_formats(diagram, laid_out)
            if fmt in drawn:
                written[fmt] = write_bytes(out / f"{stem}.{fmt}", drawn[fmt])
                continue
            try:
                written[fmt] = write_dot(diagram, out / f"{stem}.{fmt}", format=fmt)
            except ImageTooLarge as exc:
                if skipped is None:
                    raise
                skipped.append(str(exc))
            continue
        if model is None:
            model = pmap.model(noise=noise)
        if fmt == "bpmn":
            from procsimp.mine.render.bpmn import write_bpmn

            write_bpmn(model, out / f"{stem}.bpmn")
        else:
            from procsimp.mine.render.pnml import write_pnml

            write_pnml(model, out / f"{stem}.pnml")
        written[fmt] = out / f"{stem}.{fmt}"
    return written
