"""``Flag``: one step (or pair of steps) that can go or change, with the evidence for it."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from procsimp.errors import ParameterError

__all__ = ["Flag", "ACTIONS", "Action"]

Action = Literal["eliminate", "merge", "parallelize", "move_earlier", "automate", "reduce_wait", "fix_rework"]
#: the redesign actions: ``eliminate`` (the step goes), ``automate`` (the step stays but the
#: system does it: no officer, no waiting), ``merge``, ``parallelize``, ``move_earlier``,
#: ``reduce_wait`` (the waiting before a step that stays), ``fix_rework`` (remove a cause of rework)
ACTIONS: tuple[str, ...] = (
    "eliminate", "merge", "parallelize", "move_earlier", "automate", "reduce_wait", "fix_rework",
)
#: the fields of a flag, in the order of the JSON output
FIELDS: tuple[str, ...] = (
    "service",
    "activity",
    "into",
    "kind",
    "action",
    "confidence",
    "evidence",
    "saving",
    "explanation",
)


@dataclass(frozen=True)
class Flag:
    """A proposed change to one step of one service.

    * ``activity``: the step that disappears for ``eliminate`` and ``merge``; the step concerned
      otherwise (for ``automate``, the step the system takes over; for ``reduce_wait``, the
      step before which dossiers wait; for ``parallelize``, the first of the pair; for ``move_earlier``, the
      knock-out check to move; for ``fix_rework``, the supplement request or the repeated step).
    * ``into``: for ``merge``, the step that absorbs ``activity``; for ``parallelize``, the
      other step of the pair; for ``move_earlier``, the step it should come right after;
      otherwise None.
    * ``kind``: the detector's name (``relay_handoff``, ``rubber_stamp``, ...).
    * ``evidence``: the numbers that triggered the flag (plain JSON values).
    * ``saving``: ``{"workdays_per_case": float, "handoffs_removed": float}`` at least.
    * ``explanation``: ``{"en": "...", "vi": "..."}``, one plain sentence each.
    """

    service: str
    activity: str
    kind: str
    action: str
    confidence: float
    evidence: Mapping[str, Any] = field(default_factory=dict)
    saving: Mapping[str, float] = field(default_factory=dict)
    explanation: Mapping[str, str] = field(default_factory=dict)
    into: str | None = None

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ParameterError(
                f"Flag action {self.action!r} is not allowed; use one of: {', '.join(ACTIONS)}"
            )
        if not 0.0 <= float(self.confidence) <= 1.0:
            raise ParameterError(f"Flag confidence must be between 0 and 1, got {self.confidence!r}")
        if self.action in ("merge", "parallelize") and not self.into:
            raise ParameterError(f"a {self.action!r} flag needs `into`: the other step of the pair")

    @property
    def key(self) -> tuple[str, str, str, str | None]:
        """Identifies a flag across runs: (service, action, activity, into)."""
        return (self.service, self.action, self.activity, self.into)

    def replace(self, **changes: Any) -> Flag:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["evidence"] = dict(self.evidence)
        d["saving"] = dict(self.saving)
        d["explanation"] = dict(self.explanation)
        return {k: d[k] for k in FIELDS}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Flag:
        unknown = sorted(set(data) - set(FIELDS))
        if unknown:
            raise ParameterError(
                f"unknown flag field(s) {', '.join(unknown)}; a flag has: {', '.join(FIELDS)}"
            )
        missing = [k for k in ("service", "activity", "kind", "action", "confidence") if k not in data]
        if missing:
            raise ParameterError(f"a flag needs the field(s) {', '.join(missing)}")
        return cls(**{k: data[k] for k in FIELDS if k in data})

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    def _repr_html_(self) -> str:
        ev = "".join(
            f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(str(v))}</td></tr>"
            for k, v in self.evidence.items()
        )
        target = f" → {html.escape(self.into)}" if self.into else ""
        return (
            f"<div><strong>{html.escape(self.action)}</strong>: {html.escape(self.activity)}{target}"
            f" <em>({html.escape(self.kind)}, confidence {self.confidence:.2f})</em>"
            f"<p>{html.escape(self.explanation.get('en', ''))}</p><table>{ev}</table></div>"
        )
