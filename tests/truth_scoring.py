"""Scoring flags against the ground truth of a synthetic log (``procsimp.synth``), shared by the
ground-truth and held-out tests: eliminate/merge flags matched by (service, action, activity,
into), parallel pairs in either order when their order varies, flags on steps the truth keeps."""

from __future__ import annotations

from dataclasses import dataclass, field

from procsimp.flag.flag import Flag

__all__ = ["Score", "score_run"]


@dataclass
class Score:
    runs: int = 0
    true_positive: int = 0
    flagged: int = 0
    injected: int = 0
    false_positives: list[tuple] = field(default_factory=list)
    missed: list[tuple] = field(default_factory=list)
    on_keep: list[tuple] = field(default_factory=list)
    parallel_injected: int = 0
    parallel_missed: list[tuple] = field(default_factory=list)
    other_injected: int = 0
    other_found: int = 0
    flags: list[Flag] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.true_positive / self.flagged if self.flagged else 1.0

    @property
    def recall(self) -> float:
        return self.true_positive / self.injected if self.injected else 1.0


def _pair(service: str, a: str, b: str | None) -> tuple[str, frozenset[str | None]]:
    return service, frozenset((a, b))


def removal_key(f: Flag) -> tuple:
    """The flag's key, with ``automate`` (the same saving as ``eliminate``, the step stays)
    matched as the elimination of the step."""
    service, action, activity, into = f.key
    return (service, "eliminate" if action == "automate" else action, activity, into)


def score_run(truth: dict, flags: list[Flag], score: Score) -> None:
    """Add one log's flags to ``score``, following the truth's matching rules."""
    waste_keys: set[tuple] = set()
    removal: set[tuple] = set()
    parallel_fixed: set[tuple] = set()
    parallel_free: set[tuple] = set()
    other: set[tuple] = set()
    keep: set[tuple[str, str]] = set()
    for service, t in truth["services"].items():
        for w in t["waste"]:
            key = (service, w["action"], w["activity"], w["into"])
            waste_keys.add(key)
            if w["action"] in ("eliminate", "merge"):
                removal.add(key)
            elif w["action"] == "parallelize":
                if w.get("order") == "varies":
                    parallel_free.add(_pair(service, w["activity"], w["into"]))
                else:
                    parallel_fixed.add(key)
            else:
                other.add(key)
        keep |= {(service, k["activity"]) for k in t["keep"]}

    def is_waste(f: Flag) -> bool:
        if removal_key(f) in waste_keys:
            return True
        return f.action == "parallelize" and _pair(f.service, f.activity, f.into) in parallel_free

    flagged = {removal_key(f) for f in flags if f.action in ("eliminate", "merge", "automate")}
    score.runs += 1
    score.true_positive += len(flagged & removal)
    score.flagged += len(flagged)
    score.injected += len(removal)
    score.false_positives += sorted(flagged - removal)
    score.missed += sorted(removal - flagged)
    for f in flags:
        touched = [f.activity] + ([f.into] if f.action == "parallelize" and f.into else [])
        if any((f.service, a) in keep for a in touched) and not is_waste(f):
            score.on_keep.append((f.key, f.kind))
    found_fixed = {f.key for f in flags if f.action == "parallelize"}
    found_free = {_pair(f.service, f.activity, f.into) for f in flags if f.action == "parallelize"}
    score.parallel_injected += len(parallel_fixed) + len(parallel_free)
    score.parallel_missed += sorted(parallel_fixed - found_fixed) + sorted(
        (s, tuple(sorted(p))) for s, p in parallel_free - found_free
    )
    score.other_injected += len(other)
    score.other_found += len(other & {f.key for f in flags})
    score.flags += flags
