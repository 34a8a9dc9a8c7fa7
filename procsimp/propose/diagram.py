"""As-is and to-be process maps in one drawing, with the proposal's changes marked.

Both maps are drawn by :func:`procsimp.mine.render.graphviz.map_dot` (one renderer for every map)
and placed in one Graphviz graph as two clusters, the as-is above the to-be so that their steps
line up from left to right:

* in the as-is, the steps the proposal removes (eliminated, or merged into another step) are
  ghosted (grey, dashed), and each merged step is boxed together with the step that absorbs it;
* in the to-be, a step that absorbed another has a double border and says what it absorbed;
  an automated step carries a gear;
  steps made parallel are boxed together as parallel branches; a knock-out check moved earlier
  has a bold border;
* the caption gives the key figures before and after, with the change;
* both maps use the as-is map's colour scale.

:func:`panels` gives the two maps as separate drawings that share the as-is layout (every step
in the same place; removed steps ghosted in the to-be), or the as-is map alone when the
proposal changes nothing: the report shows those.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from procsimp.engine.edits import Merge, MoveEarlier, Parallelize
from procsimp.errors import ParameterError
from procsimp.mine.render._text import drawable

if TYPE_CHECKING:  # pragma: no cover
    import graphviz

    from procsimp.propose.proposal import Proposal

__all__ = ["side_by_side", "caption_lines", "panels", "automated_steps"]

#: changes listed one per line in the caption; the rest are counted
_MAX_EDIT_LINES = 8

_TEXT = {
    "en": {
        "as_is": "As-is",
        "to_be": "To-be (proposal)",
        "merged": "merged",
        "absorbs": "+ {x}",
        "parallel": "in parallel",
        "moved": "moved earlier",
        "automated": "automated",
        "lead": "Lead time (mean)",
        "lead_p90": "Lead time (p90)",
        "workdays": "working days",
        "days": "days",
        "steps": "Steps per dossier",
        "handoffs": "Hand-offs per dossier",
        "units": "Units per dossier",
        "on_time": "On time",
        "edits": "Changes",
        "no_edits": "no change accepted",
        "ghost": "In the as-is, grey dashed steps are the ones the proposal removes.",
        "more": "… and {n} more (see proposal.json)",
    },
    "vi": {
        "as_is": "Hiện trạng",
        "to_be": "Đề xuất",
        "merged": "gộp",
        "absorbs": "+ {x}",
        "parallel": "song song",
        "moved": "đưa lên sớm",
        "automated": "tự động hóa",
        "lead": "Thời gian giải quyết (TB)",
        "lead_p90": "Thời gian giải quyết (p90)",
        "workdays": "ngày làm việc",
        "days": "ngày",
        "steps": "Số bước mỗi hồ sơ",
        "handoffs": "Chuyển giao mỗi hồ sơ",
        "units": "Đơn vị mỗi hồ sơ",
        "on_time": "Đúng hạn",
        "edits": "Thay đổi",
        "no_edits": "không có thay đổi nào được chấp nhận",
        "ghost": "Trong sơ đồ hiện trạng, các bước xám nét đứt là các bước bị loại bỏ theo đề xuất.",
        "more": "… và {n} thay đổi khác (xem proposal.json)",
    },
}


def _num(value: Any, digits: int, lang: str) -> str:
    text = f"{float(value):,.{digits}f}"
    if lang == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def _delta(before: Any, after: Any, *, digits: int, unit: str, lang: str, percent: bool = False) -> str | None:
    if before is None or after is None:
        return None
    if percent:
        b, a = 100 * float(before), 100 * float(after)
        return f"{_num(b, 1, lang)}% → {_num(a, 1, lang)}% ({'+' if a - b >= 0 else '−'}{_num(abs(a - b), 1, lang)} pt)"
    b, a = float(before), float(after)
    rel = f" ({'+' if a - b >= 0 else '−'}{_num(abs(a - b) / b * 100, 0, lang)}%)" if b else ""
    return f"{_num(b, digits, lang)} → {_num(a, digits, lang)}{(' ' + unit) if unit else ''}{rel}"


def caption_lines(proposal: Proposal, lang: str = "en") -> list[str]:
    """The caption: key figures before → after, and the changes made."""
    t = _TEXT[lang]
    b, a = proposal.kpis_before, proposal.kpis_after
    lines = []
    parts = [
        (t["lead"], _delta(b.get("lead_time_workdays_mean"), a.get("lead_time_workdays_mean"), digits=1, unit=t["workdays"], lang=lang)),
        ("", _delta(b.get("lead_time_days_mean"), a.get("lead_time_days_mean"), digits=1, unit=t["days"], lang=lang)),
        (t["lead_p90"], _delta(b.get("lead_time_workdays_p90"), a.get("lead_time_workdays_p90"), digits=1, unit=t["workdays"], lang=lang)),
        (t["on_time"], _delta(b.get("on_time_rate"), a.get("on_time_rate"), digits=1, unit="", lang=lang, percent=True)),
        (t["steps"], _delta(b.get("steps_per_case"), a.get("steps_per_case"), digits=1, unit="", lang=lang)),
        (t["handoffs"], _delta(b.get("handoffs_per_case"), a.get("handoffs_per_case"), digits=1, unit="", lang=lang)),
        (t["units"], _delta(b.get("units_per_case"), a.get("units_per_case"), digits=1, unit="", lang=lang)),
    ]
    lead = [p for p in parts[:2] if p[1]]
    if lead:
        lines.append(f"{t['lead']}: " + " · ".join(p[1] for p in lead if p[1]))
    for label, text in parts[2:]:
        if text:
            lines.append(f"{label}: {text}")
    edits = [e.describe(lang) for e in proposal.edits]
    if not edits:
        lines.append(f"{t['edits']}: {t['no_edits']}")
    else:
        lines.append(f"{t['edits']}:")
        shown = edits[:_MAX_EDIT_LINES]
        lines.extend(f"  • {e}" for e in shown)
        if len(edits) > len(shown):
            lines.append("  " + t["more"].format(n=len(edits) - len(shown)))
    if proposal.removed:
        lines.append(t["ghost"])
    return lines


def _node_ids(pmap: Any, prefix: str) -> dict[str, str]:
    """Activity name -> node id in :func:`map_dot`'s drawing of ``pmap`` with ``prefix``."""
    from procsimp.mine.render.graphviz import node_ids

    return node_ids(pmap, id_prefix=prefix)


def _drop_edges_between(dot: graphviz.Digraph, pairs: Sequence[tuple[str, str]]) -> None:
    """Remove the arrows between the nodes of each pair, both ways (steps now in parallel)."""
    if not pairs:
        return
    pattern = re.compile(
        r"^\s*(?:" + "|".join(
            rf"{re.escape(a)} -> {re.escape(b)}|{re.escape(b)} -> {re.escape(a)}" for a, b in pairs
        ) + r")\s*\["
    )
    dot.body[:] = [line for line in dot.body if not pattern.match(line)]


def _subgraph(dot: graphviz.Digraph, name: str) -> graphviz.Digraph:
    """``dot``'s statements as a cluster (its title becomes the cluster's label)."""
    import graphviz

    sub = graphviz.Digraph(name=name)
    sub.body.extend(dot.body)
    sub.attr("graph", style="rounded", color="#bdbdbd", margin="12")
    return sub


def _title(label: str, pmap: Any, lang: str) -> list[str]:
    from procsimp.propose.impact import KPI_LABELS

    cases = getattr(pmap, "n_cases", None)
    events = getattr(pmap, "n_events", None)
    facts = []
    if cases is not None:
        facts.append(f"{_num(cases, 0, lang)} {KPI_LABELS[lang]['cases']}")
    if events is not None:
        facts.append(f"{_num(events, 0, lang)} {'events' if lang == 'en' else 'sự kiện'}")
    return [label, " · ".join(facts)] if facts else [label]


def automated_steps(proposal: Proposal) -> list[str]:
    """Steps the proposal automates (accepted ``automate`` recommendations or edits)."""
    out: list[str] = []
    for item in (*proposal.recommendations, *proposal.edits):
        if getattr(item, "action", None) == "automate":
            name = str(getattr(item, "activity", ""))
            if name and name not in out and name not in proposal.removed:
                out.append(name)
    return out


def _positions(dot: graphviz.Digraph) -> dict[str, dict[str, str]]:
    """Node name -> Graphviz layout (``pos`` in points, ``width`` / ``height`` in inches)."""
    import json

    from procsimp.mine.render.graphviz import pipe

    laid = json.loads(pipe(dot, "json").decode("utf-8"))
    return {
        str(o["name"]): {"pos": str(o["pos"]), "width": str(o["width"]), "height": str(o["height"])}
        for o in laid.get("objects", [])
        if "pos" in o and "nodes" not in o  # nodes, not clusters
    }


def _pin(dot: graphviz.Digraph, layout: dict[str, dict[str, str]]) -> graphviz.Digraph:
    """``dot`` drawn by ``neato -n`` with its nodes at the positions of ``layout`` (same size)."""
    pinned = dot.copy()
    pinned.engine = "neato"
    pinned.graph_attr.update(splines="true", overlap="true")
    for name, where in layout.items():
        x, y = where["pos"].split(",")
        pinned.node(name, pos=f"{x},{y}!", width=where["width"], height=where["height"], fixedsize="shape")
    return pinned


def panels(
    proposal: Proposal,
    *,
    lang: str = "en",
    view: str = "performance",
    maps: Sequence[Any] | None = None,
) -> list[graphviz.Digraph]:
    """The as-is and to-be maps as two drawings that share one layout and one colour scale.

    The to-be panel keeps every as-is step where the as-is drawing has it: removed steps are
    ghosted, automated steps carry a gear, steps made parallel are linked by a dotted line.
    With no accepted change, only the as-is panel is returned (the to-be would be the same).
    Render them with ``.pipe(format="svg", neato_no_op=1)`` for a pinned panel, or
    :func:`render_panel`.
    """
    from procsimp.mine import mine
    from procsimp.mine.render.graphviz import map_dot, time_scale

    if lang not in _TEXT:
        raise ParameterError(f"lang={lang!r} is not allowed; use 'en' or 'vi'")
    t = _TEXT[lang]
    if maps is None:
        before = mine(proposal.as_is, calendar=proposal.calendar)
        after = mine(proposal.to_be, calendar=proposal.calendar)
    else:
        before, after = maps
    scale = time_scale(before, view=view)
    removed = list(proposal.removed)
    automated = automated_steps(proposal)
    changed = bool(proposal.edits or automated)
    d_before = map_dot(before, view=view, ghost=removed, lang=lang, id_prefix="p_", scale=scale,
                       title=_title(t["as_is"] if changed else t["as_is"] + " = " + t["to_be"], before, lang))
    if not changed:
        return [d_before]
    d_after = map_dot(after, view=view, lang=lang, id_prefix="p_", scale=scale, automated=automated,
                      ghost=removed, title=_title(t["to_be"], after, lang))
    ids_before = _node_ids(before, "p_")
    ids_after = _node_ids(after, "p_")
    # node ids follow each map's own order: give the to-be nodes the as-is ids by name
    rename = {ids_after[a]: ids_before[a] for a in ids_after if a in ids_before}
    d_after = _renamed(d_after, rename)
    for name in removed:  # removed steps stay in place, ghosted
        if name in ids_before and name not in ids_after:
            d_after.node(ids_before[name], label=_html_label(name), style="rounded,filled,dashed",
                         fillcolor="#f5f5f5", color="#bdbdbd", fontcolor="#9e9e9e",
                         tooltip=name)
    for e in proposal.edits:
        if isinstance(e, Parallelize) and e.a in ids_before and e.b in ids_before:
            d_after.edge(ids_before[e.a], ids_before[e.b], style="dotted", color="#2171b5",
                         arrowhead="none", label=f"∥ {t['parallel']}", fontcolor="#2171b5")
    layout = _positions(d_before)
    return [_pin(d_before, layout), _pin(d_after, layout)]


def _html_label(name: str) -> str:
    return f"<{html.escape(name)}>"


def _renamed(dot: graphviz.Digraph, rename: dict[str, str]) -> graphviz.Digraph:
    """A copy of ``dot`` with node ids replaced (whole words only)."""
    if not rename:
        return dot.copy()
    pattern = re.compile(r"\b(" + "|".join(re.escape(k) for k in sorted(rename, key=len, reverse=True)) + r")\b")
    out = dot.copy()
    out.body[:] = [pattern.sub(lambda m: rename[m.group(1)], line) for line in dot.body]
    return out


def render_panel(dot: graphviz.Digraph, fmt: str = "svg") -> bytes:
    """Render a drawing of :func:`panels` (pinned ones by ``neato -n``)."""
    from procsimp.mine.render.graphviz import pipe

    return pipe(dot, fmt)


def side_by_side(
    proposal: Proposal,
    *,
    lang: str = "en",
    view: str = "performance",
    maps: Sequence[Any] | None = None,
) -> graphviz.Digraph:
    """One Graphviz drawing with the as-is map above the to-be map (see the module docstring).

    ``maps`` may pass the two :class:`procsimp.mine.ProcessMap` objects (as-is, to-be) when
    they are already mined; by default both are mined with the default simplification.
    """
    import graphviz

    from procsimp.mine import mine
    from procsimp.mine.render.fonts import font_family
    from procsimp.mine.render.graphviz import map_dot

    if lang not in _TEXT:
        raise ParameterError(f"lang={lang!r} is not allowed; use 'en' or 'vi'")
    t = _TEXT[lang]
    font = font_family()
    if maps is None:
        cal = proposal.calendar
        before = mine(proposal.as_is, calendar=cal)
        after = mine(proposal.to_be, calendar=cal)
    else:
        before, after = maps
    from procsimp.mine.render.graphviz import time_scale

    removed = list(proposal.removed)
    automated = automated_steps(proposal)
    scale = time_scale(before, view=view)  # one colour scale: the as-is map's
    d_before = map_dot(before, view=view, ghost=removed, lang=lang, id_prefix="asis_", legend=False,
                       title=_title(t["as_is"], before, lang), scale=scale)
    d_after = map_dot(after, view=view, lang=lang, id_prefix="tobe_", legend=True,
                      title=_title(t["to_be"], after, lang), scale=scale, automated=automated)
    ids_before = _node_ids(before, "asis_")
    ids_after = _node_ids(after, "tobe_")
    # steps run in parallel in the to-be: their order no longer matters, so no arrows between them
    _drop_edges_between(
        d_after,
        [
            (ids_after[e.a], ids_after[e.b])
            for e in proposal.edits
            if isinstance(e, Parallelize) and e.a in ids_after and e.b in ids_after
        ],
    )

    c_before = _subgraph(d_before, "cluster_asis")
    c_after = _subgraph(d_after, "cluster_tobe")

    # merged steps: boxed together in the as-is; the absorbing step marked in the to-be
    absorbed: dict[str, list[str]] = {}
    for i, e in enumerate(proposal.edits):
        if isinstance(e, Merge):
            absorbed.setdefault(e.into, []).append(e.activity)
            if e.activity in ids_before and e.into in ids_before:
                with c_before.subgraph(name=f"cluster_asis_merge{i}") as sub:
                    sub.attr(label=f"{t['merged']}", style="dashed,rounded", color="#6a51a3",
                             fontcolor="#6a51a3", fontsize="10", fontname=font)
                    sub.node(ids_before[e.activity])
                    sub.node(ids_before[e.into])
        elif isinstance(e, Parallelize):
            if e.a in ids_after and e.b in ids_after:
                with c_after.subgraph(name=f"cluster_tobe_par{i}") as sub:
                    sub.attr(label=f"∥ {t['parallel']}", style="dashed,rounded", color="#2171b5",
                             fontcolor="#2171b5", fontsize="10", fontname=font)
                    sub.node(ids_after[e.a])
                    sub.node(ids_after[e.b])
                c_after.edge(ids_after[e.a], ids_after[e.b], style="dotted", color="#2171b5", arrowhead="none",
                             constraint="false")
        elif isinstance(e, MoveEarlier) and e.activity in ids_after:
            c_after.node(ids_after[e.activity], penwidth="2.5", color="#238b45",
                         xlabel=f"↶ {t['moved']}", fontname=font)
    for into, parts in absorbed.items():
        if into in ids_after:
            c_after.node(
                ids_after[into], peripheries="2", color="#6a51a3",
                xlabel=drawable(" ".join(t["absorbs"].format(x=p) for p in parts)), fontname=font,
            )

    dot = graphviz.Digraph(name="proposal")
    caption = caption_lines(proposal, lang)
    head = html.escape(drawable(proposal.service))
    rows = "".join(
        f'<tr><td align="left"><font point-size="11">{html.escape(drawable(x))}</font></td></tr>' for x in caption
    )
    dot.attr(
        "graph",
        rankdir="LR",
        fontname=font,
        bgcolor="white",
        pad="0.3",
        nodesep="0.3",
        ranksep="0.45",
        outputorder="edgesfirst",
        labelloc="b",
        labeljust="l",
        forcelabels="true",
        label=(
            '<<table border="0" cellborder="0" cellspacing="0" cellpadding="2">'
            f'<tr><td align="left"><font point-size="14"><b>{head}</b></font></td></tr>{rows}</table>>'
        ),
    )
    # dot stacks the two disconnected maps bottom-up in the order they are declared: the to-be
    # first puts the as-is on top
    dot.subgraph(c_after)
    dot.subgraph(c_before)
    return dot
