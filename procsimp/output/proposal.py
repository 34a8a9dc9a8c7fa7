"""The files of a proposal run: one writer for ``procsimp propose --out`` and for ``report``.

For each service, ``OUT/<service-slug>/`` (:func:`write_proposal`):

* ``as_is_to_be.svg|png|pdf|dot``: the as-is and to-be maps in one drawing;
* ``as_is.bpmn`` and ``to_be.bpmn``: the as-is model and the to-be model, BPMN 2.0 with
  diagram layout (format ``bpmn``);
* ``to_be_procedure.xlsx|docx|yaml``: the to-be as the agency's internal procedure (formats
  ``xlsx``, ``docx``, ``yaml``; the YAML is a reference for ``conform``);
* ``flags.json`` / ``flags.csv``: the service's flags (:func:`procsimp.output.tables.write_flags`);
* ``proposal.json``: the edits, refused edits, recommendations, key figures and assumptions;

and in ``OUT/`` (:func:`write_proposals`):

* ``kpis.json`` / ``kpis.csv``: the key figures before and after, per service
  (:func:`procsimp.output.tables.write_kpis`);
* ``flags.json`` / ``flags.csv``: every service's flags;
* ``edits.yaml``: every flag with ``accept: true/false``, to edit and pass back with
  ``propose --accept`` (:func:`procsimp.engine.edits.write_edit_file`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "write_proposal",
    "write_proposals",
    "ProposalFiles",
    "PROPOSAL_FORMATS",
    "DIAGRAM_FORMATS",
    "PROCEDURE_FORMATS",
]

#: the as-is / to-be drawing
DIAGRAM_FORMATS: tuple[str, ...] = ("svg", "png", "pdf", "dot")
#: the to-be internal procedure
PROCEDURE_FORMATS: tuple[str, ...] = ("xlsx", "docx", "yaml")
#: every format a proposal can be written in
PROPOSAL_FORMATS: tuple[str, ...] = (*DIAGRAM_FORMATS, "bpmn", *PROCEDURE_FORMATS)


@dataclass(frozen=True)
class ProposalFiles:
    """What :func:`write_proposals` wrote: the ``kpis.json`` records, each service's folder and
    files, and the run's own files (paths under the folder written into)."""

    records: list[dict[str, Any]]
    folders: dict[str, Path]
    service_files: dict[str, list[Path]]
    files: list[Path] = field(default_factory=list)


def write_proposal(
    p: Any,
    folder: str | os.PathLike[str],
    *,
    formats: Sequence[str],
    view: str = "performance",
    lang: str = "vi",
    meta: Mapping[str, Any] | None = None,
    maps: Sequence[Any] | None = None,
    example_cases: Sequence[Sequence[str]] | None = None,
    skipped: list[str] | None = None,
) -> list[Path]:
    """Every file of one service's proposal ``p`` into ``folder`` (see the module docstring).

    ``maps`` may pass the as-is and to-be :class:`procsimp.mine.ProcessMap` already mined.
    ``example_cases`` adds, per flag, the dossiers that pass through its step. A PNG too large
    to draw is left out and its reason appended to ``skipped`` when a list is given."""
    from procsimp.mine.render.graphviz import ImageTooLarge, write_dot
    from procsimp.output.tables import write_flags, write_json

    folder = Path(folder)
    written: list[Path] = []
    diagram_formats = [f for f in formats if f in DIAGRAM_FORMATS]
    if diagram_formats:
        from procsimp.propose.diagram import side_by_side

        dot = side_by_side(p, lang=lang, view=view, maps=maps)
        for fmt in diagram_formats:
            try:
                written.append(write_dot(dot, folder / f"as_is_to_be.{fmt}", format=fmt))
            except ImageTooLarge as exc:
                if skipped is None:
                    raise
                skipped.append(str(exc))
    if "bpmn" in formats and p.model is not None:
        from procsimp.mine.render.bpmn import write_bpmn

        if p.as_is_model is not None:
            written.append(write_bpmn(p.as_is_model, folder / "as_is.bpmn", name=str(p.service)))
        written.append(p.write_bpmn(folder / "to_be.bpmn"))
    if any(f in formats for f in PROCEDURE_FORMATS):
        written.extend(_write_procedure(p, folder, formats, lang=lang))
    written.extend(write_flags(p.flags, folder, example_cases=example_cases))
    written.append(write_json(folder / "proposal.json", {**p.kpis_json(), **(meta or {})}))
    return written


def _write_procedure(p: Any, folder: Path, formats: Sequence[str], *, lang: str) -> list[Path]:
    """to_be_procedure.xlsx / .docx / .yaml: the to-be as the agency's internal procedure."""
    from procsimp.catalog.procedure import Reference
    from procsimp.output.procedure_docs import write_procedure_docx, write_procedure_xlsx
    from procsimp.propose.procedure_table import procedure_changes, to_be_procedure

    proc = to_be_procedure(p)
    changes = procedure_changes(p, lang)
    hpd = p.calendar.minutes_per_day / 60.0 if p.calendar is not None else 7.5
    written: list[Path] = []
    if "xlsx" in formats:
        written.append(write_procedure_xlsx(proc, folder / "to_be_procedure.xlsx", lang=lang,
                                            changes=changes, hours_per_day=hpd))
    if "docx" in formats:
        written.append(write_procedure_docx(proc, folder / "to_be_procedure.docx", lang=lang,
                                            changes=changes, hours_per_day=hpd))
    if "yaml" in formats:
        written.append(Reference(procedures=(proc,), source=p.service).write(folder / "to_be_procedure.yaml"))
    return written


def write_proposals(
    proposals: Sequence[Any],
    out: str | os.PathLike[str],
    *,
    formats: Sequence[str],
    view: str = "performance",
    lang: str = "vi",
    meta: Mapping[str, Any] | None = None,
    maps: Mapping[str, Sequence[Any]] | None = None,
    example_cases: Mapping[str, Sequence[Sequence[str]]] | None = None,
    skipped: list[str] | None = None,
) -> ProposalFiles:
    """Every file of a proposal run into ``out``: each service's folder (named by
    :func:`procsimp.core._slug.service_slugs`, in the order of ``proposals``) and the run's tables
    and edit file. ``maps`` and ``example_cases`` are keyed by service."""
    from procsimp.core._slug import service_slugs
    from procsimp.engine.edits import write_edit_file
    from procsimp.output.tables import write_flags, write_kpis

    out = Path(out)
    slugs = service_slugs([str(p.service) for p in proposals])
    records: list[dict[str, Any]] = []
    folders: dict[str, Path] = {}
    service_files: dict[str, list[Path]] = {}
    examples = example_cases or {}
    for p in proposals:
        name = str(p.service)
        folder = out / slugs[name]
        written = write_proposal(
            p, folder, formats=formats, view=view, lang=lang, meta=meta,
            maps=(maps or {}).get(name), example_cases=examples.get(name), skipped=skipped,
        )
        record = {**p.kpis_json(), **(meta or {})}
        record["folder"] = folder.relative_to(out).as_posix()
        record["files"] = sorted(f.relative_to(out).as_posix() for f in written)
        records.append(record)
        folders[name] = folder
        service_files[name] = written
    files = write_kpis(proposals, records, out)
    all_flags = [f for p in proposals for f in p.flags]
    all_examples: list[Sequence[str]] | None = None
    if example_cases is not None:
        all_examples = []
        for p in proposals:
            ex = examples.get(str(p.service))
            all_examples.extend(ex if ex is not None else [[] for _ in p.flags])
    files += write_flags(all_flags, out, example_cases=all_examples)
    files.append(write_edit_file(proposals, out / "edits.yaml"))
    return ProposalFiles(records=records, folders=folders, service_files=service_files, files=files)
