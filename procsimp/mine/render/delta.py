"""The delta process map: two sides of a comparison in one drawing, so in one layout.

Every step and path seen on either side is drawn once. Labels give the frequency on both sides
and its change (``120 → 95 (−25)``), and the mean waiting time before the step or on the path,
in working hours, with its change. Colours follow the change in waiting time: red when it grew,
green when it shrank (by more than 10% and 0.1 h), grey otherwise. A step or path seen only on
the second side is blue, bold and marked "new"; one seen only on the first is grey, dashed and
marked "gone".
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from procsimp.errors import ParameterError
from procsimp.mine.render.graphviz import _fmt_dec, _num, count_label

__all__ = ["delta_dot", "delta_label", "WORSE", "BETTER", "SAME", "NEW", "GONE"]

WORSE = "#d7301f"
BETTER = "#1a9850"
SAME = "#636363"
NEW = "#2166ac"
GONE = "#bdbdbd"

_TEXT = {
    "en": {
        "wait": "wait",
        "h": "h",
        "new": "new",
        "gone": "gone",
        "legend": "red: more waiting · green: less waiting · blue, bold: new · grey, dashed: gone",
        "counts": "counts {a} → {b}; waiting: mean working hours before the step or on the path",
    },
    "vi": {
        "wait": "chờ",
        "h": "giờ",
        "new": "mới",
        "gone": "không còn",
        "legend": "đỏ: chờ lâu hơn · xanh lá: chờ ít hơn · xanh dương, đậm: mới · xám, nét đứt: không còn",
        "counts": "số lượt {a} → {b}; thời gian chờ: giờ làm việc trung bình trước bước hoặc trên đường nối",
    },
}


def _hours(value: float | None, lang: str) -> str:
    return "–" if value is None else _fmt_dec(value, 1, lang)


def _signed(value: float, digits: int, lang: str) -> str:
    text = count_label(abs(value), lang=lang) if digits == 0 else _fmt_dec(abs(value), digits, lang)
    return ("−" if value < 0 else "+") + text


def delta_label(row: Any, *, lang: str = "en") -> list[str]:
    """The figure lines of one step or path (a row of ``Comparison.deltas[service]``)."""
    t = _TEXT[lang]
    a, b = int(row["count_a"]), int(row["count_b"])
    ca, cb = count_label(a, lang=lang), count_label(b, lang=lang)
    wa, wb = _num(row["wait_hours_a"]), _num(row["wait_hours_b"])
    if row["status"] == "new":
        return [f"{t['new']}: {cb}", f"{t['wait']} {_hours(wb, lang)} {t['h']}"]
    if row["status"] == "gone":
        return [f"{t['gone']}: {ca} → 0", f"{t['wait']} {_hours(wa, lang)} {t['h']}"]
    lines = [f"{ca} → {cb} ({_signed(b - a, 0, lang)})"]
    if wa is not None and wb is not None:
        lines.append(f"{t['wait']} {_hours(wa, lang)} → {_hours(wb, lang)} {t['h']} ({_signed(wb - wa, 1, lang)})")
    elif wa is not None or wb is not None:
        lines.append(f"{t['wait']} {_hours(wa, lang)} → {_hours(wb, lang)} {t['h']}")
    return lines


def _colour(row: Any) -> str:
    if row["status"] == "new":
        return NEW
    if row["status"] == "gone":
        return GONE
    wa, wb = _num(row["wait_hours_a"]), _num(row["wait_hours_b"])
    if wa is None or wb is None:
        return SAME
    diff = wb - wa
    if abs(diff) > 0.1 and abs(diff) > 0.1 * max(abs(wa), 1e-9):
        return WORSE if diff > 0 else BETTER
    return SAME


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def delta_dot(
    delta: pd.DataFrame,
    *,
    title: str = "",
    labels: tuple[str, str] = ("A", "B"),
    lang: str = "en",
    hours_per_day: float = 7.5,
) -> Any:
    """The delta map of one service as a Graphviz ``Digraph`` (nothing rendered yet).

    ``delta`` is a table of ``Comparison.deltas``: ``kind`` (``step`` / ``path``), ``source``,
    ``target``, ``count_a``, ``count_b``, ``wait_hours_a``, ``wait_hours_b``, ``status``.
    """
    import graphviz

    from procsimp.mine.render.fonts import font_family

    if lang not in _TEXT:
        raise ParameterError(f"lang must be 'en' or 'vi', got {lang!r}")
    missing = {"kind", "source", "target", "count_a", "count_b", "wait_hours_a", "wait_hours_b", "status"} - set(delta.columns)
    if missing:
        raise ParameterError(f"delta_dot needs a table of Comparison.deltas; missing columns: {', '.join(sorted(missing))}")
    t = _TEXT[lang]
    font = font_family()
    steps = delta[delta["kind"] == "step"].reset_index(drop=True)
    paths = delta[delta["kind"] == "path"].reset_index(drop=True)
    ids = {name: f"n{i}" for i, name in enumerate(steps["source"])}
    for name in [*paths["source"], *paths["target"]]:  # a path's end that is not a step row
        ids.setdefault(name, f"n{len(ids)}")

    dot = graphviz.Digraph(name="delta_map")
    head = _esc(title)
    sub = _esc(f"{labels[0]} → {labels[1]}")
    legend = _esc(t["legend"])
    dot.attr(
        "graph", rankdir="LR", fontname=font, fontsize="11", bgcolor="white", pad="0.25", nodesep="0.3",
        ranksep="0.5", labelloc="t", labeljust="l", outputorder="edgesfirst",
        label=(
            '<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">'
            f'<tr><td align="left"><font point-size="14"><b>{head}</b></font></td></tr>'
            f'<tr><td align="left"><font point-size="10">{sub}</font></td></tr>'
            f'<tr><td align="left"><font point-size="9">{_esc(t["counts"].format(a=labels[0], b=labels[1]))}</font></td></tr>'
            f'<tr><td align="left"><font point-size="9">{legend}</font></td></tr></table>>'
        ),
    )
    dot.attr("node", shape="box", style="rounded,filled", fontname=font, fontsize="11", margin="0.12,0.06")
    dot.attr("edge", fontname=font, fontsize="9", arrowsize="0.7")
    counts = [max(int(r.count_a), int(r.count_b)) for r in paths.itertuples()] or [1]
    top = max(max(counts), 1)

    for _, row in steps.iterrows():
        colour = _colour(row)
        lines = delta_label(row, lang=lang)
        body = f"<b>{_esc(str(row['source']))}</b>" + "".join(f'<br/><font point-size="9">{_esc(x)}</font>' for x in lines)
        attrs = {"color": colour, "penwidth": "2" if colour != SAME else "1", "fillcolor": "#ffffff"}
        if row["status"] == "new":
            attrs.update(fillcolor="#d1e5f0", penwidth="2.5", peripheries="2")
        elif row["status"] == "gone":
            attrs.update(fillcolor="#f5f5f5", style="rounded,filled,dashed", fontcolor="#9e9e9e")
        dot.node(ids[row["source"]], label=f"<{body}>", tooltip=" | ".join([str(row["source"]), *lines]), **attrs)
    for name, node_id in ids.items():  # ends of paths without a step row (not expected)
        if name not in set(steps["source"]):
            dot.node(node_id, label=_esc(str(name)))
    for _, row in paths.iterrows():
        colour = _colour(row)
        lines = delta_label(row, lang=lang)
        width = 0.8 + 3.2 * max(int(row["count_a"]), int(row["count_b"])) / top
        attrs = {"color": colour, "fontcolor": colour if colour != GONE else "#7f7f7f", "penwidth": f"{width:.2f}"}
        if row["status"] == "new":
            attrs["style"] = "bold"
        elif row["status"] == "gone":
            attrs["style"] = "dashed"
        dot.edge(
            ids[row["source"]], ids[row["target"]], label="\n".join(lines),
            tooltip=f"{row['source']} → {row['target']}: " + "; ".join(lines), **attrs,
        )
    return dot
