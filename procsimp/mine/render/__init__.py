"""Diagrams and model files: Graphviz maps, BPMN 2.0 with diagram layout, PNML.

Names are imported lazily (Graphviz, pm4py and lxml load only when used)::

    from procsimp.mine.render import bpmn_xml, write_bpmn, write_pnml, map_dot, write_map
"""

from __future__ import annotations

from procsimp.core._lazy import lazy_exports

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "bpmn_xml": "procsimp.mine.render.bpmn",
    "write_bpmn": "procsimp.mine.render.bpmn",
    "layout_bpmn": "procsimp.mine.render.bpmn",
    "bpmn_svg": "procsimp.mine.render.bpmn",
    "write_pnml": "procsimp.mine.render.pnml",
    "pnml_xml": "procsimp.mine.render.pnml",
    "map_dot": "procsimp.mine.render.graphviz",
    "write_map": "procsimp.mine.render.graphviz",
    "render_formats": "procsimp.mine.render.graphviz",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS, __all__)
