"""PNML export of a model's Petri net (pm4py's exporter, with a stable element order).

pm4py writes places, transitions and arcs in the order of Python sets, which changes from run
to run. The XML tree pm4py builds is kept as it is, only its elements are sorted (places, then
transitions, then arcs, each by id), so the same model always gives the same bytes.
"""

from __future__ import annotations

import copy
import os
import re
import uuid
from pathlib import Path
from typing import Any

from procsimp.errors import ParameterError
from procsimp.mine.render._text import xml_safe

__all__ = ["pnml_xml", "write_pnml"]


def _net_of(model: Any) -> tuple[Any, Any, Any]:
    if isinstance(model, tuple) and len(model) == 3:
        return model
    net = getattr(model, "net", None)
    if net is None:
        raise ParameterError(
            f"expected a procsimp Model (procsimp.mine.discovery.discover_model) or a "
            f"(net, initial_marking, final_marking) tuple, got {type(model).__name__}"
        )
    return net, model.initial_marking, model.final_marking


def _net_id(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")
    if not cleaned or not (cleaned[0].isalpha() or cleaned[0] == "_"):
        cleaned = f"net_{cleaned}" if cleaned else "net"
    return cleaned


_ORDER = {"place": 0, "transition": 1, "arc": 2}


def _element_key(el: Any) -> tuple[int, str, str, str]:
    """Places, then transitions, then arcs; each by id (arcs by their ends)."""
    return (_ORDER.get(el.tag, 3), el.get("source", ""), el.get("target", ""), el.get("id", ""))


def pnml_xml(model: Any, *, name: str | None = None) -> bytes:
    """PNML (UTF-8 bytes) of a Model's Petri net, or of a ``(net, im, fm)`` tuple."""
    from procsimp.core._pm4py import pm4py

    pm4py()
    from lxml import etree
    from pm4py.objects.petri_net.exporter.variants.pnml import export_petri_tree

    net, im, fm = _net_of(model)
    title = name or getattr(model, "service", None) or "process"
    # a copy named after the model, so the model's own net is never changed
    net, im, fm = copy.deepcopy((net, im, fm))
    net.name = _net_id(str(title))
    for transition in net.transitions:  # XML cannot carry control characters or U+FFFE
        if transition.label is not None:
            transition.label = xml_safe(str(transition.label))
    tree = export_petri_tree(net, im, final_marking=fm)
    root = tree.getroot()
    for name_el in root.iter("net"):
        text = name_el.find("name/text")
        if text is not None:
            text.text = xml_safe(str(title))
    for page in root.iter("page"):
        children = sorted(page, key=_element_key)
        arcs = 0
        for el in children:
            page.remove(el)
        for el in children:
            if el.tag == "arc":  # pm4py ids arcs by memory address: number them
                arcs += 1
                el.set("id", f"a{arcs}")
            for tool in el.iter("toolspecific"):  # pm4py draws a random uuid for silent steps
                if tool.get("localNodeID") is not None:
                    tool.set("localNodeID", str(uuid.uuid5(uuid.NAMESPACE_URL, f"procsimp:{el.get('id')}")))
            page.append(el)
    for final in root.iter("finalmarkings"):
        for marking in final:
            places = sorted(marking, key=lambda el: el.get("idref", ""))
            for el in places:
                marking.remove(el)
            for el in places:
                marking.append(el)
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def write_pnml(model: Any, path: str | os.PathLike[str], *, name: str | None = None) -> Path:
    """Write a Model's Petri net (with initial and final marking) as PNML, atomically."""
    from procsimp.core._atomic import write_bytes

    target = Path(path)
    return write_bytes(target, pnml_xml(model, name=name or getattr(model, "service", None) or target.stem))
