"""The files of ``procsimp compare LOG ... --out OUT`` (:meth:`procsimp.profile.comparison.Comparison.write`):

* ``compare.json``: the whole comparison (:meth:`~procsimp.profile.comparison.Comparison.to_dict`);
* ``compare.csv``: one row per service and side, the indicators and, on the second side's row,
  each ``<indicator>_change`` (formulas neutralised);
* ``<service-slug>/delta_map.<svg|png|pdf|dot>``: the delta map of each service with events on
  either side.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["write_comparison", "COMPARE_FORMATS"]

#: the default formats of the delta maps
COMPARE_FORMATS: tuple[str, ...] = ("svg", "png", "pdf")


def write_comparison(
    result: Any, out: str | os.PathLike[str], *, formats: Sequence[str] = COMPARE_FORMATS, lang: str = "en"
) -> list[Path]:
    """Every file of a :class:`procsimp.profile.comparison.Comparison` into ``out`` (atomically);
    returns the paths."""
    from procsimp.core._atomic import write_text
    from procsimp.core._cells import csv_text
    from procsimp.core._slug import service_slugs
    from procsimp.errors import ParameterError
    from procsimp.mine.render.graphviz import MAP_FORMATS, write_dot

    bad = [f for f in formats if f not in MAP_FORMATS]
    if bad:
        raise ParameterError(f"format {bad[0]!r} is not a map format; choose from {', '.join(MAP_FORMATS)}")
    out = Path(out)
    written = [
        write_text(out / "compare.json", json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"),
        write_text(out / "compare.csv", csv_text(result.table)),
    ]
    slugs = service_slugs(sorted(result.deltas))
    for service in sorted(result.deltas):
        if result.deltas[service].empty:
            continue
        dot = result.map_dot(service, lang=lang)
        for fmt in formats:
            written.append(write_dot(dot, out / slugs[service] / f"delta_map.{fmt}", format=fmt))
    return written
