"""Every file procsimp writes for a service and a run, written in one place.

The commands (``profile --out``, ``mine --out``, ``flag --out``, ``propose --out``) and
:func:`procsimp.report` call the same writers, so a file of the same name holds the same
columns and the same content whoever wrote it:

* :mod:`procsimp.output.tables`: the tables (flags, kpis, profile), CSV with spreadsheet
  formulas neutralised (:mod:`procsimp.core._cells`) and JSON;
* :mod:`procsimp.output.maps`: a mined service's map, model and tables, and a whole mine run;
* :mod:`procsimp.output.proposal`: a proposal's diagram, BPMN, procedure files, flags, key
  figures and edit file;
* :mod:`procsimp.output.conformance`: a conformance check's tables and deviation maps;
* :mod:`procsimp.profile.comparison_files`: a comparison's tables and delta maps;
* :mod:`procsimp.synth.files`: a generated log, its to-be log, ground truth and procedure.

Service folders are named by :func:`procsimp.core._slug.service_slugs`, files are written atomically
(:mod:`procsimp.core._atomic`) into a folder that appears whole or not at all (:mod:`procsimp.output.folder`).
``docs/outputs.md`` lists every file and its columns.
"""

from __future__ import annotations

from procsimp.core._lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "write_table": "procsimp.output.tables",
    "write_flags": "procsimp.output.tables",
    "write_kpis": "procsimp.output.tables",
    "write_profile": "procsimp.output.tables",
    "KPI_COLUMNS": "procsimp.output.tables",
    "write_map_files": "procsimp.output.maps",
    "write_mined": "procsimp.output.maps",
    "write_maps": "procsimp.output.maps",
    "MapFiles": "procsimp.output.maps",
    "flags_meta": "procsimp.output.tables",
    "write_proposal": "procsimp.output.proposal",
    "write_proposals": "procsimp.output.proposal",
    "ProposalFiles": "procsimp.output.proposal",
    "PROPOSAL_FORMATS": "procsimp.output.proposal",
    "write_conformance": "procsimp.output.conformance",
    "write_comparison": "procsimp.profile.comparison_files",
    "write_generated": "procsimp.synth.files",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS, __all__)
