"""The files of ``procsimp conform LOG --reference F --out OUT``.

* ``conformance.json``: the whole result (:meth:`procsimp.mine.conformance.Conformance.to_json`);
* ``deviations.csv``: one row per deviation (:meth:`~procsimp.mine.conformance.Conformance.to_csv`);
* ``steps.csv``: allotted, median and 90th-percentile working hours per step;
* ``<service>/deviations.svg``: the service's map with its deviations marked.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

__all__ = ["write_conformance"]


def write_conformance(result: Any, log: Any, out: str | os.PathLike[str], *, lang: str = "en") -> list[Path]:
    """Every file of a conformance check ``result`` of ``log`` into ``out``; returns their paths."""
    from procsimp.core._atomic import write_text
    from procsimp.core._cells import neutralise_csv
    from procsimp.core._slug import service_slugs
    from procsimp.mine.conformance import deviation_map
    from procsimp.mine.render.graphviz import write_dot

    out = Path(out)
    written = [
        write_text(out / "conformance.json", result.to_json()),
        write_text(out / "deviations.csv", result.to_csv()),
        write_text(out / "steps.csv", neutralise_csv(result.steps).to_csv(index=False, lineterminator="\n")),
    ]
    slugs = service_slugs([s.service for s in result.services])
    for s in result.services:
        svc_log = log.for_service(s.service) if log.services else log
        written.append(write_dot(deviation_map(s, svc_log, lang=lang), out / slugs[s.service] / "deviations.svg"))
    return written
