"""Proposals measured against the truth: synthetic logs with a counterfactual to-be.

``procsimp.synth.generate(..., to_be=True)`` builds every dossier twice from the same random
draws: as-is, and with the injected waste removed. A proposal applying the same changes must
estimate the to-be's key figures; these tests assert the mean lead time within ±10% and the
on-time rate within ±5 points, across 10 seeds, both label languages, both structures and every
service template, with the flags of the ground truth and with the flags of ``flag_steps``.
"""

from __future__ import annotations

import functools

import pytest

import procsimp
from procsimp.detect.flag import Flag
from procsimp.redesign import kpis, propose
from procsimp.synth import SERVICE_IDS, SynthResult, generate

SEEDS = tuple(range(10))
#: three services per seed, rotating so that every template (with its merge, parallel pair or
#: late knock-out) is covered several times
PER_SEED = 3


def services_for(seed: int) -> list[str]:
    ids = list(SERVICE_IDS)
    return [ids[(seed * PER_SEED + i) % len(ids)] for i in range(PER_SEED)]


@functools.cache
def synth(seed: int) -> SynthResult:
    return generate(
        services=services_for(seed),
        cases=1100,
        seed=seed,
        lang="vi" if seed % 2 == 0 else "en",
        structure="alt" if seed in (3, 8) else "standard",
        to_be=True,
    )


def truth_flags(res: SynthResult) -> list[Flag]:
    """The injected waste of the ground truth, as flags."""
    return [
        Flag(service=name, activity=w["activity"], kind=w["kind"], action=w["action"],
             confidence=1.0, into=w.get("into"))
        for name, svc in res.truth["services"].items()
        for w in svc["waste"]
    ]


def check_estimates(res: SynthResult, flags: list[Flag], label: str) -> list[str]:
    problems = []
    for service in res.log.services:
        p = propose(res.log, flags, service=service, model=False)
        truth = kpis(res.to_be.for_service(service))
        est, real = p.kpis_after["lead_time_days_mean"], truth["lead_time_days_mean"]
        if abs(est / real - 1) > 0.10:
            problems.append(
                f"{label} {service}: to-be mean lead time {est:.3f} days vs counterfactual {real:.3f} "
                f"({100 * (est / real - 1):+.1f}%); edits {[e.key for e in p.edits]}"
            )
        e_ot, r_ot = p.kpis_after["on_time_rate"], truth["on_time_rate"]
        if abs(e_ot - r_ot) > 0.05:
            problems.append(
                f"{label} {service}: on-time rate {e_ot:.3f} vs counterfactual {r_ot:.3f}; "
                f"edits {[e.key for e in p.edits]}"
            )
    return problems


@pytest.mark.parametrize("seed", SEEDS)
def test_estimate_matches_the_counterfactual_with_the_true_flags(seed: int) -> None:
    res = synth(seed)
    problems = check_estimates(res, truth_flags(res), f"seed {seed} (truth flags)")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("seed", SEEDS)
def test_estimate_matches_the_counterfactual_with_the_detected_flags(seed: int) -> None:
    res = synth(seed)
    flags = procsimp.flag_steps(res.log)
    problems = check_estimates(res, flags, f"seed {seed} (flag_steps)")
    assert not problems, "\n".join(problems)


def test_the_true_edits_reproduce_the_counterfactual_dossier_by_dossier() -> None:
    """Beyond the means: with the true edits, each dossier's steps and last completion are the
    counterfactual's (times agree to the second the generator rounds them to)."""
    from procsimp.log import ACTIVITY, CASE, TIMESTAMP

    res = synth(0)
    flags = truth_flags(res)
    for service in res.log.services:
        p = propose(res.log, flags, service=service, model=False)
        ours = p.to_be.df.groupby(CASE, observed=True)
        cf = res.to_be.for_service(service).df.groupby(CASE, observed=True)
        seq_ours = ours[ACTIVITY].agg(lambda s: tuple(map(str, s)))
        seq_cf = cf[ACTIVITY].agg(lambda s: tuple(map(str, s)))
        assert seq_ours.sort_index().equals(seq_cf.sort_index()), service
        last_ours = ours[TIMESTAMP].max().sort_index()
        last_cf = cf[TIMESTAMP].max().sort_index()
        gap = (last_ours - last_cf).abs().dt.total_seconds()
        assert gap.max() <= 120, f"{service}: a dossier ends {gap.max():.0f} s away from the counterfactual"
        assert (gap <= 2).mean() >= 0.95
