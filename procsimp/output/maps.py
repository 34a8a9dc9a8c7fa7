"""The files of a mined service: its process map, its model and the tables behind the map.

``procsimp mine --out OUT`` writes, for each service, ``OUT/<service-slug>/``:

* ``map_<view>.svg|png|pdf|dot``: the process map (:func:`write_map_files`);
* ``model.bpmn`` (BPMN 2.0 with diagram layout) and ``model.pnml`` (Petri net);
* ``dfg.csv``, ``activities.csv``, ``variants.csv``: the tables behind the map (variants
  followed by fewer than ``min_variant_cases`` dossiers folded into one "other" row);

and ``OUT/mine.json``. ``report`` draws its maps with :func:`write_map_files` too, so a map of the
report is the same file as the one ``mine`` writes with the same view, language and format.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from procsimp.core._atomic import write_text

__all__ = [
    "write_map_files",
    "write_mined",
    "write_maps",
    "MapFiles",
    "write_mine_json",
    "write_map_table",
    "MAP_TABLES",
    "MINE_FORMATS",
]

#: the tables ``mine`` writes per service
MAP_TABLES: tuple[str, ...] = ("dfg", "activities", "variants")
#: the formats ``mine`` writes by default: the map's drawings and the model's files
MINE_FORMATS: tuple[str, ...] = ("svg", "png", "pdf", "dot", "bpmn", "pnml")


@dataclass(frozen=True)
class MapFiles:
    """What :func:`write_maps` wrote: the ``mine.json`` records (one per service, in the order
    of the maps), each service's folder and ``mine.json`` itself (paths under the folder
    written into)."""

    records: list[dict[str, Any]]
    folders: dict[str, Path]
    files: list[Path] = field(default_factory=list)


def _plain(value: Any) -> Any:
    """A JSON-safe scalar (numpy numbers to Python, NaN to None)."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_map_files(
    pmap: Any,
    folder: str | os.PathLike[str],
    *,
    view: str = "frequency",
    formats: Iterable[str] = ("svg",),
    lang: str = "en",
    skipped: list[str] | None = None,
) -> dict[str, Path]:
    """``folder/map_<view>.<format>`` for each diagram format (svg, png, pdf, dot); returns
    ``{format: path}``. A PNG too large to draw is left out and its reason appended to
    ``skipped`` when a list is given (else :class:`procsimp.mine.render.graphviz.ImageTooLarge`)."""
    from procsimp.mine.render.graphviz import MAP_FORMATS, render_formats

    chosen = [f for f in formats if f in MAP_FORMATS]
    if not chosen:
        return {}
    return render_formats(pmap, Path(folder), f"map_{view}", chosen, view, lang=lang, skipped=skipped)


def write_map_table(frame: Any, path: str | os.PathLike[str]) -> Path:
    """CSV, UTF-8, atomically; tuples (variants) as 'A → B → C'; formulas neutralised."""
    from procsimp.core._cells import neutralise_csv

    table = frame.copy()
    for col in table.columns:
        if table[col].dtype == object:
            table[col] = table[col].map(
                lambda v: " → ".join(map(str, v)) if isinstance(v, (tuple, list)) else v
            )
    return write_text(path, neutralise_csv(table).to_csv(index=False, lineterminator="\n"))


def _counts(pmap: Any) -> dict[str, Any]:
    """Activities and edges (start and end edges included) kept and in total."""
    from procsimp.mine.render.graphviz import END_NODE, START_NODE

    filters: Mapping[str, Any] = getattr(pmap, "filters", None) or {}
    graph = pmap.graph
    kept_acts = sum(1 for n in graph.nodes if n not in (START_NODE, END_NODE))
    kept_edges = graph.number_of_edges()
    return {
        "activities_kept": _plain(filters.get("activities_kept", kept_acts)),
        "activities_total": _plain(filters.get("activities_total", kept_acts)),
        "edges_kept": _plain(filters.get("edges_kept", kept_edges)),
        "edges_total": _plain(filters.get("edges_total", kept_edges)),
    }


def _model_record(model: Any) -> dict[str, Any] | None:
    if model is None:
        return None
    return {
        "kind": getattr(model, "kind", None),
        "tasks": _plain(getattr(model, "tasks", None)),
        "gateways": _plain(getattr(model, "gateways", None)),
        "fitness": _plain(getattr(model, "fitness", None)),
        "fitness_method": "alignments",
        "fitting_share": _plain(getattr(model, "fitting_share", None)),
        "precision": _plain(getattr(model, "precision", None)),
        "left_out": [
            {"activity": str(x["activity"]), "case_share": _plain(x["case_share"])}
            for x in getattr(model, "left_out", ())
        ],
        "sound": _plain(getattr(model, "sound", None)),
        "noise": _plain(getattr(model, "noise", None)),
        "notes": list(getattr(model, "notes", ())),
    }


def write_mined(
    pmap: Any,
    folder: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    formats: Sequence[str],
    view: str = "frequency",
    lang: str = "en",
    model: Any = None,
    min_variant_cases: int = 5,
    skipped: list[str] | None = None,
    drawn: Mapping[str, Path] | None = None,
) -> dict[str, Any]:
    """Every file ``mine`` writes for one service into ``folder`` (a folder under ``out``):
    the map, the model (when ``model`` is given and bpmn or pnml is among ``formats``) and the
    tables. Returns the service's record of ``mine.json`` (paths relative to ``out``).
    ``drawn``: the map's files when they are already written (:func:`write_map_files`)."""
    from procsimp.mine.render.graphviz import MODEL_FORMATS, render_formats
    from procsimp.read.privacy import fold_rare_variants

    folder, out = Path(folder), Path(out)
    if drawn is None:
        drawn = write_map_files(pmap, folder, view=view, formats=formats, lang=lang, skipped=skipped)
    written: dict[str, Path] = dict(drawn)
    model_fmts = [f for f in formats if f in MODEL_FORMATS]
    if model_fmts and model is not None:
        written.update(render_formats(pmap, folder, "model", model_fmts, view, model=model))
    tables = [
        write_map_table(pmap.dfg, folder / "dfg.csv"),
        write_map_table(pmap.activities, folder / "activities.csv"),
        write_map_table(fold_rare_variants(pmap.variants, min_cases=min_variant_cases), folder / "variants.csv"),
    ]
    record: dict[str, Any] = {
        "service": str(pmap.service),
        "folder": folder.relative_to(out).as_posix(),
        "cases": _plain(pmap.n_cases),
        "events": _plain(pmap.n_events),
        **_counts(pmap),
        "flow_share": _plain((getattr(pmap, "filters", None) or {}).get("flow_share")),
        "model": _model_record(model),
        "files": sorted(p.relative_to(out).as_posix() for p in [*written.values(), *tables]),
    }
    return record


def write_maps(
    maps: Sequence[Any],
    out: str | os.PathLike[str],
    *,
    formats: Sequence[str] = MINE_FORMATS,
    view: str = "frequency",
    lang: str = "en",
    noise: float = 0.2,
    full: bool = False,
    min_variant_cases: int = 5,
    meta: Mapping[str, Any] | None = None,
    skipped: list[str] | None = None,
) -> MapFiles:
    """Every file of ``procsimp mine --out OUT`` for the mined ``maps``
    (:class:`procsimp.mine.ProcessMap`, one per service) into ``out``: each service's folder
    (named by :func:`procsimp.core._slug.service_slugs`) with :func:`write_mined`'s files, and
    ``mine.json``. The model is discovered (``noise``, ``full``: see
    :meth:`procsimp.mine.ProcessMap.model`) only when bpmn or pnml is among ``formats``.
    ``meta`` (e.g. :func:`procsimp.engine.filters.run_metadata` of the log and calendar) is added to
    each record."""
    from concurrent.futures import ThreadPoolExecutor

    from procsimp.core._slug import service_slugs
    from procsimp.mine.render.graphviz import MODEL_FORMATS

    out = Path(out)
    slugs = service_slugs([str(p.service) for p in maps])
    wants_model = any(f in MODEL_FORMATS for f in formats)
    records: list[dict[str, Any]] = []
    folders: dict[str, Path] = {}
    # the maps are drawn by Graphviz's processes, in worker threads, while this thread discovers
    # the models (Python): each service's skipped drawings are reported in the order of the maps
    reasons: list[list[str]] = [[] for _ in maps]
    pool = ThreadPoolExecutor(max_workers=_drawing_workers(), thread_name_prefix="procsimp-draw")
    try:
        drawings = [pool.submit(write_map_files, pmap, out / slugs[str(pmap.service)], view=view, formats=formats,
                                lang=lang, skipped=reasons[i] if skipped is not None else None)
                    for i, pmap in enumerate(maps)]
        for pmap, drawing, reason in zip(maps, drawings, reasons, strict=True):
            folder = out / slugs[str(pmap.service)]
            # discovery (with fitness and precision) runs only when a model file is asked for
            model = pmap.model(noise=noise, full=full) if wants_model else None
            record = write_mined(pmap, folder, out, formats=formats, view=view, lang=lang, model=model,
                                 min_variant_cases=min_variant_cases, drawn=drawing.result())
            if skipped is not None:
                skipped.extend(reason)
            record.update(meta or {})
            records.append(record)
            folders[str(pmap.service)] = folder
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return MapFiles(records=records, folders=folders, files=[write_mine_json(records, out)])


def _drawing_workers() -> int:
    """Graphviz processes drawing at once: one per processor (at most 4, and at most
    ``PROCSIMP_THREADS``)."""
    from procsimp.core.cores import worker_threads

    return worker_threads(4)


def write_mine_json(records: Sequence[Mapping[str, Any]], out: str | os.PathLike[str]) -> Path:
    """``out/mine.json``: one object per service (:func:`write_mined`'s records)."""
    from procsimp.output.tables import write_json

    return write_json(Path(out) / "mine.json", [dict(r) for r in records])
