"""The registry of detectors: name (the flag ``kind``) -> detector class.

``DETECTORS`` lists every built-in detector in the order they run. :func:`make_detectors` turns
what a user passes (names, classes, instances, or a mapping name -> parameters) into detector
instances, with clear errors for unknown names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from procsimp.errors import ParameterError
from procsimp.flag.base import Detector
from procsimp.flag.duplicate_check import DuplicateCheck
from procsimp.flag.late_knockout import LateKnockout
from procsimp.flag.mergeable import Mergeable
from procsimp.flag.parallelizable import Parallelizable
from procsimp.flag.relay_handoff import RelayHandoff
from procsimp.flag.rework_loop import ReworkLoop
from procsimp.flag.rubber_stamp import RubberStamp
from procsimp.flag.waiting_hotspot import WaitingHotspot

__all__ = ["DETECTORS", "get_detector", "make_detectors", "register"]

#: name -> detector class, in the order they run
DETECTORS: dict[str, type[Detector]] = {
    cls.name: cls
    for cls in (
        RelayHandoff,
        RubberStamp,
        DuplicateCheck,
        ReworkLoop,
        Mergeable,
        Parallelizable,
        LateKnockout,
        WaitingHotspot,
    )
}


def register(cls: type[Detector]) -> type[Detector]:
    """Add a detector class to :data:`DETECTORS` (usable as a class decorator)."""
    if not (isinstance(cls, type) and issubclass(cls, Detector)) or not cls.name:
        raise ParameterError(
            f"register: {cls!r} is not a Detector subclass with a `name`; subclass "
            "procsimp.flag.Detector and set name = '...'"
        )
    DETECTORS[cls.name] = cls
    return cls


def get_detector(name: str) -> type[Detector]:
    """The detector class registered under ``name``."""
    try:
        return DETECTORS[name]
    except KeyError:
        raise ParameterError(
            f"unknown detector {name!r}; available detectors: {', '.join(DETECTORS)}"
        ) from None


def make_detectors(spec: Any = None) -> list[Detector]:
    """Detector instances from ``spec``.

    ``None``: every registered detector with its defaults; a name, class or instance; an
    iterable of those; or a mapping ``name -> {parameter: value}``.
    """
    if spec is None:
        return [cls() for cls in DETECTORS.values()]
    if isinstance(spec, Mapping):
        out = []
        for name, params in spec.items():
            if params is not None and not isinstance(params, Mapping):
                raise ParameterError(
                    f"detectors[{name!r}] must be a mapping of parameters (or None), got {params!r}"
                )
            out.append(get_detector(name)(**dict(params or {})))
        return out
    if isinstance(spec, (str, Detector)) or isinstance(spec, type):
        spec = [spec]
    if not isinstance(spec, Iterable):
        raise ParameterError(
            f"detectors must be None, names, Detector classes or instances, or a mapping name -> "
            f"parameters; got {type(spec).__name__}"
        )
    out = []
    for item in spec:
        if isinstance(item, Detector):
            out.append(item)
        elif isinstance(item, type) and issubclass(item, Detector):
            out.append(item())
        elif isinstance(item, str):
            out.append(get_detector(item)())
        else:
            raise ParameterError(
                f"detectors: {item!r} is not a detector name, class or instance; "
                f"available detectors: {', '.join(DETECTORS)}"
            )
    return out
