"""procsimp: simplify public-service procedures with process mining.

The flow, one public function per stage::

    log = procsimp.read_log("dossiers.csv")        # EventLog
    prof = procsimp.profile(log)                     # Profile: KPIs per service
    diff = procsimp.compare(log, periods="2025-01..2025-03,2025-04..2025-06")  # Comparison
    pmap = procsimp.mine(log, service="...")         # ProcessMap: DFG + BPMN model
    flags = procsimp.flag_steps(log, service="...")  # list[Flag]
    plan = procsimp.propose(log, flags)              # Proposal: to-be + before/after KPIs
    procsimp.report(log, out="outputs/report")       # HTML report, tables, diagrams
    procsimp.conform(log, "approved.yaml")           # Conformance: vs the approved procedure

Names are imported lazily, so ``import procsimp`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from procsimp._lazy import lazy_exports

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "EventLog": "procsimp.log",
    "ColumnMapping": "procsimp.log",
    "read_log": "procsimp.io",
    "frame_to_log": "procsimp.io",
    "filter_log": "procsimp.filters",
    "write_log": "procsimp.io",
    "convert": "procsimp.io",
    "profile": "procsimp.stats",
    "Profile": "procsimp.stats",
    "compare": "procsimp.comparison",
    "Comparison": "procsimp.comparison",
    "mine": "procsimp.mining",
    "ProcessMap": "procsimp.mining",
    "flag_steps": "procsimp.detect",
    "Flag": "procsimp.detect",
    "propose": "procsimp.redesign",
    "conform": "procsimp.conformance",
    "Conformance": "procsimp.conformance",
    "load_reference": "procsimp.procedure",
    "Reference": "procsimp.procedure",
    "Proposal": "procsimp.redesign",
    "report": "procsimp.report",
    "generate": "procsimp.synth",
    "load_catalog": "procsimp.catalog",
    "Catalog": "procsimp.catalog",
    "WorkCalendar": "procsimp.calendar",
    "calendar_for": "procsimp.calendar",
    "ProcsimpError": "procsimp.errors",
    "Settings": "procsimp.config",
    "settings": "procsimp.config",
    "config_context": "procsimp.config",
    "anonymize": "procsimp.privacy",
    "Anonymized": "procsimp.privacy",
}

__all__ = sorted(_EXPORTS) + ["__version__"]

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.calendar import WorkCalendar, calendar_for
    from procsimp.catalog import Catalog, load_catalog
    from procsimp.comparison import Comparison, compare
    from procsimp.config import Settings, config_context, settings
    from procsimp.conformance import Conformance, conform
    from procsimp.detect import Flag, flag_steps
    from procsimp.errors import ProcsimpError
    from procsimp.filters import filter_log
    from procsimp.io import convert, frame_to_log, read_log, write_log
    from procsimp.log import ColumnMapping, EventLog
    from procsimp.mining import ProcessMap, mine
    from procsimp.privacy import Anonymized, anonymize
    from procsimp.procedure import Reference, load_reference
    from procsimp.redesign import Proposal, propose
    from procsimp.report import report
    from procsimp.stats import Profile, profile
    from procsimp.synth import generate


__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS, __all__)
