"""Confidence that means what it says: a flag at 0.8-0.9 is right about 80-90% of the time.

Each detector scores how clearly its thresholds are passed (:func:`procsimp.detect.base.confidence`:
0.5 when every threshold is passed just barely, up to 1). That score orders flags well but is
not a probability. On the training family of randomised procedures (``procsimp generate
--structure random``, seeds 0-99; seeds 100-399 are kept apart as the test family) the flags
that pass a detector's rules were right 93-100% of the time in every band of that score, so:

* the score is mapped onto the rate seen there: ``FLOOR + SPAN * strength``, where
  ``strength`` is how far the score is above 0.5 (0..1);
* the result shrinks with the number of dossiers behind the flag, ``n / (n + SMALL_SAMPLE)``:
  a rule seen in a handful of dossiers is less sure than the same rule seen in hundreds.

The detector's own score stays in the flag's evidence (``detector_score``), with the number of
dossiers the confidence was shrunk by (``dossiers``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.detect.aggregates import LogAggregates
    from procsimp.detect.flag import Flag

__all__ = ["calibrate", "calibrated", "FLOOR", "SPAN", "SMALL_SAMPLE"]

#: the right-rate of the flags that barely pass their rules, on the training family
FLOOR = 0.92
#: ... and what the clearest flags add to it
SPAN = 0.07
#: dossiers that halve the distance to certainty: n / (n + SMALL_SAMPLE)
SMALL_SAMPLE = 2.0

#: evidence fields that count the dossiers behind a flag, in order of preference
_COUNTS = ("cases", "cases_both", "knockouts", "loops", "pair_count")


def calibrated(score: float, dossiers: float) -> float:
    """The calibrated confidence of a detector ``score`` (0.5-1) backed by ``dossiers``."""
    strength = min(1.0, max(0.0, (float(score) - 0.5) / 0.5))
    n = max(0.0, float(dossiers))
    return round((FLOOR + SPAN * strength) * n / (n + SMALL_SAMPLE), 3)


def _dossiers(flag: Flag, ag: LogAggregates) -> float:
    for key in _COUNTS:
        value = flag.evidence.get(key)
        if isinstance(value, (int, float)) and value > 0:
            return float(value)
    row = ag.row(flag.service, flag.activity)
    return float(row["cases"]) if row is not None else 0.0


def calibrate(flags: Iterable[Flag], ag: LogAggregates) -> list[Flag]:
    """New flags whose ``confidence`` is calibrated (see the module docstring)."""
    out: list[Any] = []
    for f in flags:
        n = _dossiers(f, ag)
        evidence = {**f.evidence, "detector_score": f.confidence, "dossiers": int(n)}
        out.append(f.replace(confidence=calibrated(f.confidence, n), evidence=evidence))
    return out
