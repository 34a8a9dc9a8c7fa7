"""Flags against the ground truth of the held-out synthetic structures (issue 5).

Same scoring as ``tests/test_detect_truth.py`` (``tests/truth_scoring.py``): eliminate/merge flags
matched by (service, action, activity, into), parallel pairs in either order when their order
varies, no flag on a step the truth keeps. Measured over 5 seeds x (vi, en), 300 dossiers per
service, every template.

* ``holdout`` has its own step names (Vietnamese and English), unit names, timing distributions
  and waste intensities. The detectors were revised after its first measurement (precision
  0.810, 17 flags on kept steps, 10/15 parallel pairs): consultations of single-purpose bodies,
  steps at the desk that received the dossier, rare rejections at the signature, and pairs of
  consulted bodies. It is no longer unseen.
* ``holdout2`` (a fourth wording and unit set, other timing and intensity draws, a legal-desk
  consultation before the section head's review) was written after that revision. First
  measurement: precision 0.814, the legal-desk consultation flagged as a rubber stamp. The
  detectors were revised (a consultation is recognised when the dossier goes back to any unit
  that works on it earlier, and consultations are not the yardstick "main work step").
* ``holdout3`` (a fifth wording and unit set, other draws, digitising at the front office) was
  written after that. First measurement: precision 0.933 (recall 1, no flag on kept steps, every
  parallel pair), the judicial casework step, which follows the police and court consultations,
  flagged as a rubber stamp. The detectors were revised once more (the step at which the dossier
  comes back from a consulted body continues its unit's own work).
* ``holdout4`` (a sixth wording and unit set, other draws, no assignment step) was written with
  that final revision and measured once; the detectors have not been changed for it: precision
  1.000 (65/65 per language), recall 0.929 (65/70: the driving-licence re-check, whose
  processing is 0.45 of the main work step, above the 0.4 a control may take, is missed in every
  log), no flag on kept steps, every parallel pair.

The assertions are the issue's thresholds. Any that the detectors do not meet on a structure is
marked ``xfail(strict=True)`` with the measured figure, so the gap stays documented and the mark
must be removed once the detectors improve.
"""

from __future__ import annotations

import pytest

from procsimp.core.log import ACTIVITY, UNIT
from procsimp.flag import flag_steps
from procsimp.synth import SERVICE_IDS, generate
from tests.truth_scoring import Score, score_run

CASES = 300 * len(SERVICE_IDS)
SEEDS = range(5)
LANGS = ("vi", "en")
STRUCTURES = ("holdout", "holdout2", "holdout3", "holdout4")

_CACHE: dict[tuple[str, str], Score] = {}


def run(structure: str, lang: str) -> Score:
    if (structure, lang) not in _CACHE:
        score = Score()
        for seed in SEEDS:
            res = generate(cases=CASES, seed=seed, lang=lang, structure=structure)
            score_run(res.truth, flag_steps(res.log), score)
        _CACHE[(structure, lang)] = score
    return _CACHE[(structure, lang)]


def _gap(structure: str, reason: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=f"{structure}: {reason}")


def _cases(test: str) -> list[object]:
    """(structure, lang) parameters of ``test``, with the measured gaps as strict xfails."""
    gaps = {
        ("holdout", "keep"): "measured 7 flags on kept steps per language, all waiting_hotspot "
        "(reduce_wait, formerly automate): the rescaled waits put 3-5x the service's usual waiting before 'Assess the "
        "amount due' (land) and, in the 2 logs where the signature rejected at most one dossier, "
        "before 'Executive signs off' (unemployment); the generator does not mark those as waste",
        ("holdout2", "keep"): "measured 2 flags on kept steps per language: late_knockout on the tax "
        "casework step (a decision the generator keeps) in 2 of 5 logs",
    }
    out: list[object] = []
    for structure in STRUCTURES:
        for lang in LANGS:
            gap = gaps.get((structure, test))
            marks = [_gap(structure, gap)] if gap else []
            out.append(pytest.param(structure, lang, marks=marks, id=f"{structure}-{lang}"))
    return out


@pytest.mark.parametrize("structure", STRUCTURES)
def test_holdout_structure_is_new(structure: str) -> None:
    # each held-out wording shares no step or unit label with the other structures
    hold = generate(cases=300, seed=0, lang="en", structure=structure).log.df
    for other in ("standard", "alt", *(s for s in STRUCTURES if s != structure)):
        log = generate(cases=300, seed=0, lang="en", structure=other).log.df
        assert not set(hold[ACTIVITY].astype(str)) & set(log[ACTIVITY].astype(str)), other
        assert not set(hold[UNIT].astype(str)) & set(log[UNIT].astype(str)), other


@pytest.mark.parametrize(("structure", "lang"), _cases("precision"))
def test_holdout_precision(structure: str, lang: str) -> None:
    s = run(structure, lang)
    assert s.runs == len(SEEDS) and s.injected > 0
    print(
        f"\n{structure}/{lang}: {s.runs} logs, eliminate/merge precision {s.precision:.3f} "
        f"({s.true_positive}/{s.flagged}), recall {s.recall:.3f} ({s.true_positive}/{s.injected}), "
        f"flags on keep {len(s.on_keep)}, parallel found "
        f"{s.parallel_injected - len(s.parallel_missed)}/{s.parallel_injected}"
    )
    assert s.precision >= 0.95, f"false positives: {s.false_positives[:10]}"


@pytest.mark.parametrize(("structure", "lang"), _cases("recall"))
def test_holdout_recall(structure: str, lang: str) -> None:
    s = run(structure, lang)
    assert s.runs == len(SEEDS) and s.injected > 0
    assert s.recall >= 0.9, f"{structure}/{lang}: missed: {s.missed[:10]}"


@pytest.mark.parametrize(("structure", "lang"), _cases("keep"))
def test_holdout_no_flag_on_kept_steps(structure: str, lang: str) -> None:
    s = run(structure, lang)
    assert s.on_keep == [], f"{structure}/{lang}: flags on kept steps: {s.on_keep[:10]}"


@pytest.mark.parametrize(("structure", "lang"), _cases("parallel"))
def test_holdout_every_parallel_pair_found(structure: str, lang: str) -> None:
    s = run(structure, lang)
    assert s.parallel_injected > 0
    assert s.parallel_missed == [], f"{structure}/{lang}: parallel pairs not found: {s.parallel_missed[:10]}"
