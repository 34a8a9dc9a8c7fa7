"""Lazy, quiet access to pm4py.

``import pm4py`` prints a licence banner on stderr when imported from a console entry point.
procsimp imports it here only, after marking the banner as shown, so that machine-readable
output (JSON on stdout, CSV) stays clean.
"""

from __future__ import annotations

import sys
from types import ModuleType


def pm4py() -> ModuleType:
    """Return the ``pm4py`` module, imported without its banner."""
    if "pm4py" not in sys.modules:
        sys._pm4py_welcome_shown = True  # type: ignore[attr-defined]
    import pm4py as module

    return module
