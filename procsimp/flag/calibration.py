"""Calibrated confidence: a flag's confidence is the probability that the flag is right.

A detector scores how clearly a flag passes its thresholds (its *raw* confidence). That score
is not a probability: a relay hand-off at 0.8 and a parallel pair at 0.8 are not right equally
often. The calibration turns it into one, in two readable steps:

1. **The table** (``procsimp/flag/calibration.yaml``): for each detector and action
   (``relay_handoff/eliminate``, ``parallelizable/parallelize``, ...), bands of raw confidence
   with the number of flags of that band on the training family, how many were right, and the
   probability given to a flag of that band. The bands are an isotonic fit (pool adjacent
   violators, then adjacent blocks pooled until each has ``min_flags``), so the probability never
   falls when the raw confidence rises; each band's probability is ``(right + 0.5) / (flags + 1)``
   (the mean of the Jeffreys posterior), never exactly 0 or 1. A detector and action with too few
   training flags use the table of its action over every detector (``"*/eliminate"``), or the
   pooled table ``"*"``; an action that has no truth to be judged by (``reduce_wait``) keeps its
   raw score as the probability.
2. **The shrinkage for small samples**: the probability is replaced by the lower end of its
   Wilson score interval (``z`` standard errors, 1 by default) with the number of dossiers behind
   the flag as the sample size (the dossiers that have both steps for a pair, otherwise the
   dossiers that have the step). The same pattern seen on 15 dossiers is less certain than on 500.

The table is fitted on the randomised procedure family's TRAINING seeds only
(``benchmarks/fit_calibration.py``; seeds 0-99), never on the held-out test seeds. The raw
confidence stays in the flag's evidence (``raw_confidence``) with the name of the table that was
used (``calibration``), so a person can read both.
"""

from __future__ import annotations

import functools
import html
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from procsimp.errors import ParameterError
from procsimp.flag._common import wilson_lower

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.flag.flag import Flag

__all__ = [
    "Band",
    "Calibration",
    "CalibrationError",
    "calibrate",
    "fit_calibration",
    "load_calibration",
    "shrink",
    "flag_dossiers",
    "POOLED",
    "JUDGED_ACTIONS",
]

#: the table used for a detector and action with too few training flags of its own
POOLED = "*"
#: the actions that have truth to be judged by (the others keep their raw confidence)
JUDGED_ACTIONS: tuple[str, ...] = ("eliminate", "merge", "automate", "parallelize", "fix_rework", "move_earlier")
#: evidence fields giving the number of dossiers behind a flag, the first present is used
DOSSIER_FIELDS: tuple[str, ...] = ("cases_both", "pair_count", "cases")
_FILE = "calibration.yaml"


class CalibrationError(ParameterError):
    """A calibration file that cannot be read or is not a calibration table."""


def shrink(probability: float, dossiers: float | None, *, z: float = 1.0) -> float:
    """The lower end of the Wilson score interval of ``probability`` on ``dossiers`` dossiers
    (``z`` standard errors); ``probability`` itself when the number of dossiers is unknown.

    Grows with ``dossiers`` towards ``probability``: 0.95 becomes 0.86 on 15 dossiers and 0.94 on
    500 (z = 1).
    """
    p = min(max(float(probability), 0.0), 1.0)
    if dossiers is None or not math.isfinite(float(dossiers)) or dossiers <= 0 or z <= 0:
        return p
    return wilson_lower(p * float(dossiers), float(dossiers), z=z)


def flag_dossiers(evidence: Mapping[str, Any]) -> float | None:
    """The number of dossiers behind a flag, from its evidence (:data:`DOSSIER_FIELDS`)."""
    for name in DOSSIER_FIELDS:
        value = evidence.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
    return None


@dataclass(frozen=True)
class Band:
    """One row of a calibration table: flags with a raw confidence from ``raw_from`` (up to the
    next band's) were right ``right`` times out of ``flags`` on the training family, and get
    ``probability``."""

    raw_from: float
    flags: int
    right: int
    probability: float

    def to_dict(self) -> dict[str, Any]:
        return {"raw_from": self.raw_from, "flags": self.flags, "right": self.right, "probability": self.probability}


@dataclass(frozen=True)
class Calibration:
    """Calibration tables per ``"kind/action"`` (plus :data:`POOLED`), the small-sample shrinkage,
    and where the tables come from (``seeds``, ``fitted`` date, ``source``)."""

    groups: Mapping[str, tuple[Band, ...]]
    z: float = 1.0
    seeds: str = ""
    fitted: str = ""
    source: str = ""
    min_flags: int = 0
    notes: Mapping[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ lookup
    def table_for(self, kind: str, action: str) -> str | None:
        """The name of the table a flag of this detector and action uses (None: uncalibrated)."""
        if action not in JUDGED_ACTIONS:
            return None
        for name in (f"{kind}/{action}", f"{POOLED}/{action}", POOLED):
            if name in self.groups:
                return name
        return None

    def probability(self, kind: str, action: str, raw: float) -> tuple[float, str | None]:
        """The table's probability for a raw confidence (before the shrinkage) and the table used;
        ``raw`` itself when no table applies."""
        name = self.table_for(kind, action)
        if name is None:
            return float(raw), None
        bands = self.groups[name]
        chosen = bands[0]
        for band in bands:
            if raw >= band.raw_from:
                chosen = band
            else:
                break
        return chosen.probability, name

    def confidence(self, kind: str, action: str, raw: float, dossiers: float | None) -> float:
        """The calibrated confidence of a flag: the table's probability, shrunk for few dossiers."""
        p, _ = self.probability(kind, action, raw)
        return round(shrink(p, dossiers, z=self.z), 3)

    def apply(self, flags: Iterable[Flag]) -> list[Flag]:
        """New flags whose confidence is calibrated; the raw confidence is kept in the evidence
        (``raw_confidence``) with the table used (``calibration``). Applying it to flags that are
        already calibrated starts again from their ``raw_confidence``."""
        out = []
        for f in flags:
            ev = dict(f.evidence)
            raw = float(ev.get("raw_confidence", f.confidence))
            _, name = self.probability(f.kind, f.action, raw)
            ev["raw_confidence"] = round(raw, 3)
            ev["calibration"] = name or "none"
            out.append(f.replace(confidence=self.confidence(f.kind, f.action, raw, flag_dossiers(ev)), evidence=ev))
        return out

    # ------------------------------------------------------------------ files
    def to_dict(self) -> dict[str, Any]:
        return {
            "fitted": self.fitted,
            "seeds": self.seeds,
            "source": self.source,
            "min_flags": self.min_flags,
            "shrinkage": {"method": "wilson_lower_bound", "z": self.z, "dossiers": list(DOSSIER_FIELDS)},
            **({"notes": dict(self.notes)} if self.notes else {}),
            "groups": {name: [b.to_dict() for b in bands] for name, bands in self.groups.items()},
        }

    def to_yaml(self) -> str:
        import yaml

        head = "\n".join(f"# {line}".rstrip() for line in _HEADER.strip().splitlines())
        body = yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False, default_flow_style=None, width=120)
        return f"{head}\n{body}"

    def save(self, path: str | Path) -> Path:
        """Write the table as YAML (atomically: never a partial file)."""
        from procsimp.core._atomic import write_text

        return write_text(path, self.to_yaml())

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "calibration") -> Calibration:
        if not isinstance(data, Mapping) or not isinstance(data.get("groups"), Mapping):
            raise CalibrationError(f"{source}: not a calibration table; it needs a 'groups:' mapping of bands")
        groups: dict[str, tuple[Band, ...]] = {}
        for name, rows in data["groups"].items():
            if not isinstance(rows, Sequence) or not rows:
                raise CalibrationError(f"{source}: group {name!r} needs a list of bands (raw_from, flags, right, probability)")
            bands: list[Band] = []
            for i, row in enumerate(rows, 1):
                try:
                    band = Band(float(row["raw_from"]), int(row["flags"]), int(row["right"]), float(row["probability"]))
                except (KeyError, TypeError, ValueError):
                    raise CalibrationError(
                        f"{source}: group {name!r}, band {i}: needs numbers raw_from, flags, right and probability; got {row!r}"
                    ) from None
                if not 0.0 <= band.probability <= 1.0:
                    raise CalibrationError(f"{source}: group {name!r}, band {i}: probability {band.probability} is not in 0..1")
                if bands and (band.raw_from <= bands[-1].raw_from or band.probability < bands[-1].probability):
                    raise CalibrationError(
                        f"{source}: group {name!r}, band {i}: raw_from must increase and probability must not fall "
                        "from one band to the next; re-fit with benchmarks/fit_calibration.py"
                    )
                bands.append(band)
            groups[str(name)] = tuple(bands)
        shrinkage = data.get("shrinkage") or {}
        try:
            z = float(shrinkage.get("z", 1.0))
        except (TypeError, ValueError, AttributeError):
            raise CalibrationError(f"{source}: shrinkage needs a number z (standard errors), got {shrinkage!r}") from None
        return cls(
            groups=groups,
            z=z,
            seeds=str(data.get("seeds", "")),
            fitted=str(data.get("fitted", "")),
            source=str(data.get("source", "")),
            min_flags=int(data.get("min_flags") or 0),
            notes=dict(data.get("notes") or {}),
        )

    # ------------------------------------------------------------------ display
    def __repr__(self) -> str:
        return f"Calibration({len(self.groups)} tables, seeds {self.seeds or '?'}, fitted {self.fitted or '?'}, z={self.z:g})"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(name)}</td><td>{b.raw_from:.3f}</td><td>{b.flags}</td><td>{b.right}</td>"
            f"<td>{b.probability:.3f}</td></tr>"
            for name, bands in self.groups.items()
            for b in bands
        )
        return (
            f"<div><strong>Calibration</strong> (seeds {html.escape(self.seeds)}, fitted {html.escape(self.fitted)}, "
            f"Wilson lower bound at z={self.z:g} on the dossiers behind each flag)"
            "<table><tr><th>detector/action</th><th>raw from</th><th>flags</th><th>right</th><th>probability</th></tr>"
            f"{rows}</table></div>"
        )


_HEADER = """
Calibrated confidence of the flags (procsimp.flag.calibration).
For each detector/action: bands of raw detector confidence (raw_from = lower edge), the training flags of
the band, how many were right, and the probability given to a flag of that band ((right + 0.5) / (flags + 1)).
A detector/action with too few training flags of its own uses "*/action" (that action over all detectors),
or else "*" (every flag). The probability is then shrunk for small samples: the lower end of its Wilson
interval (z standard errors) on the dossiers behind the flag.
Fitted on the randomised family's TRAINING seeds only. Do not edit by hand: re-fit with
    python benchmarks/fit_calibration.py
"""


def load_calibration(path: str | Path | None = None) -> Calibration:
    """The calibration table in ``path``, or the one shipped with procsimp (None)."""
    if path is None:
        return _shipped()
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise CalibrationError(f"{p}: cannot read the calibration file ({exc.strerror or exc})") from None
    return _parse(text, str(p))


@functools.lru_cache(maxsize=1)
def _shipped() -> Calibration:
    from importlib.resources import files

    return _parse(files("procsimp.flag").joinpath(_FILE).read_text(encoding="utf-8"), f"procsimp/flag/{_FILE}")


def _parse(text: str, source: str) -> Calibration:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CalibrationError(f"{source}: not valid YAML ({exc}); re-fit with benchmarks/fit_calibration.py") from None
    return Calibration.from_dict(data, source=source)


def calibrate(flags: Iterable[Flag], calibration: Calibration | str | Path | None = None) -> list[Flag]:
    """New flags with calibrated confidence (:meth:`Calibration.apply`); ``calibration`` is a
    :class:`Calibration`, a path to a calibration file, or None for the one shipped with procsimp."""
    cal = calibration if isinstance(calibration, Calibration) else load_calibration(calibration)
    return cal.apply(flags)


# ---------------------------------------------------------------------------- fitting
def _isotonic(points: Sequence[tuple[float, bool]], min_flags: int) -> list[Band]:
    """Bands of a non-decreasing share right over the raw confidence (pool adjacent violators on
    the distinct raw values, then pool adjacent blocks until each has ``min_flags`` flags)."""
    by_raw: dict[float, list[int]] = {}
    for raw, right in points:
        cell = by_raw.setdefault(round(float(raw), 3), [0, 0])
        cell[0] += 1
        cell[1] += bool(right)
    blocks: list[list[float]] = []  # [raw_from, flags, right]
    for raw in sorted(by_raw):
        n, k = by_raw[raw]
        blocks.append([raw, n, k])
        while len(blocks) > 1 and blocks[-2][2] / blocks[-2][1] >= blocks[-1][2] / blocks[-1][1]:
            _, n2, k2 = blocks.pop()
            blocks[-1][1] += n2
            blocks[-1][2] += k2
    # pool small blocks into a neighbour (the one whose share is closer), which keeps the order
    while len(blocks) > 1 and min(b[1] for b in blocks) < min_flags:
        i = min(range(len(blocks)), key=lambda j: (blocks[j][1], j))
        if i == 0:
            j = 1
        elif i == len(blocks) - 1:
            j = i - 1
        else:
            share = blocks[i][2] / blocks[i][1]
            j = i - 1 if share - blocks[i - 1][2] / blocks[i - 1][1] <= blocks[i + 1][2] / blocks[i + 1][1] - share else i + 1
        lo, hi = min(i, j), max(i, j)
        blocks[lo] = [blocks[lo][0], blocks[lo][1] + blocks[hi][1], blocks[lo][2] + blocks[hi][2]]
        del blocks[hi]
    bands = [Band(0.0 if i == 0 else float(b[0]), int(b[1]), int(b[2]), round((b[2] + 0.5) / (b[1] + 1), 3))
             for i, b in enumerate(blocks)]
    # rounding must not make a later band less likely than an earlier one
    out: list[Band] = []
    for b in bands:
        if out and b.probability < out[-1].probability:
            b = Band(b.raw_from, b.flags, b.right, out[-1].probability)
        out.append(b)
    return out


def fit_calibration(
    records: Iterable[Mapping[str, Any]],
    *,
    seeds: str,
    fitted: str,
    source: str = "",
    min_flags: int = 10,
    min_group: int = 20,
    z: float = 1.0,
) -> Calibration:
    """Fit the tables from judged training flags.

    ``records``: one mapping per flag with ``kind``, ``action``, ``raw`` (the raw confidence)
    and ``right`` (whether the flag matches the truth). A detector and action with fewer than
    ``min_group`` flags gets no table of its own and uses the table of its action over every
    detector (``"*/eliminate"``), or, with too few of those too, the pooled one (:data:`POOLED`);
    each band holds at least ``min_flags`` flags where there are that many.
    """
    rows = [r for r in records if r["action"] in JUDGED_ACTIONS]
    if not rows:
        raise ParameterError("fit_calibration needs judged flags (eliminate, merge, automate, parallelize, ...); got none")
    by_group: dict[str, list[tuple[float, bool]]] = {}
    for r in rows:
        by_group.setdefault(f"{r['kind']}/{r['action']}", []).append((float(r["raw"]), bool(r["right"])))
    groups: dict[str, tuple[Band, ...]] = {}
    for name in sorted(by_group):
        if len(by_group[name]) >= min_group:
            groups[name] = tuple(_isotonic(by_group[name], min_flags))
    by_action: dict[str, list[tuple[float, bool]]] = {}
    for name, pts in by_group.items():
        by_action.setdefault(name.split("/", 1)[1], []).extend(pts)
    for action in sorted(by_action):
        if len(by_action[action]) >= min_group:
            groups[f"{POOLED}/{action}"] = tuple(_isotonic(by_action[action], min_flags))
    groups[POOLED] = tuple(_isotonic([p for pts in by_group.values() for p in pts], min_flags))
    return Calibration(groups=groups, z=z, seeds=seeds, fitted=fitted, source=source, min_flags=min_flags)
