"""Flag unneeded steps: one module per detector, a registry, and :func:`flag_steps`.

    flags = procsimp.flag_steps(log, service="...", protect=["Ký duyệt kết quả"])

Detectors judge *behaviour* (processing and waiting times, successors, hand-offs, rejections,
rework, order), computed once per log in :class:`LogAggregates`. Activity names only add a
little confidence, so every detector works on opaque activity codes too. Start and end steps,
steps with real decisions, and protected steps are never proposed for elimination or merge.
Service and step names are compared in Unicode NFC; a protected step that is not in the log is an
error, and a service the catalog does not know gets a :class:`CatalogWarning`.
"""

from __future__ import annotations

from procsimp.flag.aggregates import ROLE_THRESHOLDS, LogAggregates, aggregate
from procsimp.flag.base import Detector, Interval
from procsimp.flag.duplicate_check import DuplicateCheck
from procsimp.flag.flag import ACTIONS, FIELDS, Flag
from procsimp.flag.late_knockout import LateKnockout
from procsimp.flag.mergeable import Mergeable
from procsimp.flag.parallelizable import Parallelizable
from procsimp.flag.pipeline import (
    REMOVING_ACTIONS,
    CatalogWarning,
    check_protect,
    flag_steps,
    normalize_name,
    run_detectors,
)
from procsimp.flag.registry import DETECTORS, get_detector, make_detectors, register
from procsimp.flag.relay_handoff import RelayHandoff
from procsimp.flag.rework_loop import ReworkLoop
from procsimp.flag.rubber_stamp import RubberStamp
from procsimp.flag.waiting_hotspot import WaitingHotspot

__all__ = [
    "ACTIONS",
    "DETECTORS",
    "FIELDS",
    "REMOVING_ACTIONS",
    "ROLE_THRESHOLDS",
    "CatalogWarning",
    "Detector",
    "DuplicateCheck",
    "Flag",
    "Interval",
    "LateKnockout",
    "LogAggregates",
    "Mergeable",
    "Parallelizable",
    "RelayHandoff",
    "ReworkLoop",
    "RubberStamp",
    "WaitingHotspot",
    "aggregate",
    "check_protect",
    "flag_steps",
    "get_detector",
    "make_detectors",
    "normalize_name",
    "register",
    "run_detectors",
]
