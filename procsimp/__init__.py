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

import sys
import types
from typing import TYPE_CHECKING, Any

from procsimp.core._lazy import lazy_exports
from procsimp.core.version import __version__

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "EventLog": "procsimp.core.log",
    "ColumnMapping": "procsimp.core.log",
    "read_log": "procsimp.read",
    "frame_to_log": "procsimp.read",
    "filter_log": "procsimp.engine.filters",
    "write_log": "procsimp.read",
    "convert": "procsimp.read",
    "profile": "procsimp.profile",
    "Profile": "procsimp.profile",
    "compare": "procsimp.profile.comparison",
    "Comparison": "procsimp.profile.comparison",
    "mine": "procsimp.mine",
    "ProcessMap": "procsimp.mine",
    "flag_steps": "procsimp.flag",
    "Flag": "procsimp.flag",
    "propose": "procsimp.propose",
    "conform": "procsimp.mine.conformance",
    "Conformance": "procsimp.mine.conformance",
    "load_reference": "procsimp.catalog.procedure",
    "Reference": "procsimp.catalog.procedure",
    "Proposal": "procsimp.propose",
    "report": "procsimp.report",
    "generate": "procsimp.synth",
    "load_catalog": "procsimp.catalog",
    "Catalog": "procsimp.catalog",
    "WorkCalendar": "procsimp.core.calendar",
    "calendar_for": "procsimp.core.calendar",
    "ProcsimpError": "procsimp.errors",
    "Settings": "procsimp.core.config",
    "settings": "procsimp.core.config",
    "config_context": "procsimp.core.config",
    "anonymize": "procsimp.read.privacy",
    "Anonymized": "procsimp.read.privacy",
}

__all__ = sorted(_EXPORTS) + ["__version__"]

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.catalog import Catalog, load_catalog
    from procsimp.catalog.procedure import Reference, load_reference
    from procsimp.core.calendar import WorkCalendar, calendar_for
    from procsimp.core.config import Settings, config_context, settings
    from procsimp.core.log import ColumnMapping, EventLog
    from procsimp.engine.filters import filter_log
    from procsimp.errors import ProcsimpError
    from procsimp.flag import Flag, flag_steps
    from procsimp.mine import ProcessMap, mine
    from procsimp.mine.conformance import Conformance, conform
    from procsimp.profile import Profile, profile
    from procsimp.profile.comparison import Comparison, compare
    from procsimp.propose import Proposal, propose
    from procsimp.read import convert, frame_to_log, read_log, write_log
    from procsimp.read.privacy import Anonymized, anonymize
    from procsimp.report import report
    from procsimp.synth import generate


__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS, __all__)


class _Package(types.ModuleType):
    """``procsimp.profile``, ``procsimp.mine``, ``procsimp.propose`` and ``procsimp.report`` each
    name both a public function and the package that defines it. Python binds a package's name on
    its parent when the package is first imported (``import procsimp.mine.render`` binds
    ``procsimp.mine``), which would hide the function; the name stays the function's. The
    package is still imported as usual (``from procsimp.mine import discovery``)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _EXPORTS and isinstance(value, types.ModuleType) and value.__name__ == f"{__name__}.{name}":
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
