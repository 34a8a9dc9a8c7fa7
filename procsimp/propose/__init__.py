"""Proposals: simplified to-be workflows with their measured effect.

* :func:`propose` turns accepted flags into typed edits (:mod:`procsimp.engine.edits`),
  replays every dossier under them (:mod:`procsimp.engine.replay`), rediscovers a sound to-be
  model and reports before / after key figures (:mod:`procsimp.propose.impact`);
* :meth:`Proposal.simulate` checks the estimate under load with a discrete-event simulation
  (:mod:`procsimp.propose.simulate`, SimPy);
* :meth:`Proposal.diagram` draws the as-is and to-be maps side by side
  (:mod:`procsimp.propose.diagram`).
"""

from __future__ import annotations

from procsimp.engine.edits import (
    Automate,
    Edit,
    EditFile,
    Eliminate,
    Merge,
    MoveEarlier,
    Parallelize,
    Refusal,
    edit_file_text,
    edit_from_dict,
    edit_from_flag,
    edits_from_flags,
    load_edit_file,
    write_edit_file,
)
from procsimp.engine.replay import ApplyResult, EditEffect, Timeline, apply_edits, timeline
from procsimp.propose.impact import KPI_LABELS, KPI_NAMES, kpi_deltas, kpi_table, kpis
from procsimp.propose.proposal import Proposal, propose, propose_all, select_flags

__all__ = [
    "ApplyResult",
    "Automate",
    "Edit",
    "EditEffect",
    "EditFile",
    "Eliminate",
    "KPI_LABELS",
    "KPI_NAMES",
    "Merge",
    "MoveEarlier",
    "Parallelize",
    "Proposal",
    "Refusal",
    "Timeline",
    "apply_edits",
    "edit_from_dict",
    "edit_file_text",
    "edit_from_flag",
    "edits_from_flags",
    "kpi_deltas",
    "kpi_table",
    "kpis",
    "load_edit_file",
    "propose",
    "propose_all",
    "select_flags",
    "timeline",
    "write_edit_file",
]
