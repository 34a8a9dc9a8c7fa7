"""Proposals measured against the truth: synthetic logs with a counterfactual to-be.

``procsimp.synth.generate(..., to_be=True)`` builds every dossier twice: as-is, and with the
injected waste removed. The counterfactual is an independent truth, not a replay of the as-is
times: the steps whose predecessor the edits change wait fresh draws from an independent stream,
and units that lose work have slightly shorter queues (``truth["generator"]["counterfactual"]``).
A proposal applying the same changes must estimate the to-be's key figures; these tests assert
the mean lead time within ±10% and the on-time rate within ±5 points, across 10 seeds, both label
languages, both structures and every service template, with the flags of the ground truth and
with the flags of ``flag_steps``.
"""

from __future__ import annotations

import functools

import pandas as pd
import pytest

import procsimp
from procsimp.flag.flag import Flag
from procsimp.propose import kpis, propose
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


def test_true_edits_match_the_counterfactual_dossier_structure_not_its_times() -> None:
    """Beyond the means: with the true edits, each dossier keeps its outcome and has the
    counterfactual's steps (the order of parallel steps follows their times), each edit's
    structural effect is present in both, and the replay never makes a dossier longer. The times
    are not the counterfactual's: its fresh waits are independent of the as-is draws the replay
    reuses, so dossiers end at other times, yet paired (the waits the edits leave alone are the
    same) and without bias."""
    import numpy as np

    from procsimp.core.calendar import default_calendar
    from procsimp.core.log import ACTIVITY, CASE, OUTCOME, RECEIVED, START, TIMESTAMP

    cal = default_calendar()
    for seed in (0, 3):
        res = synth(seed)
        flags = truth_flags(res)
        for service in res.log.services:
            waste = res.truth["services"][service]["waste"]
            p = propose(res.log, flags, service=service, model=False)
            frames = {"estimate": p.to_be.df, "counterfactual": res.to_be.for_service(service).df,
                      "as-is": res.log.for_service(service).df}
            groups = {k: df.groupby(CASE, observed=True) for k, df in frames.items()}
            steps = {k: g[ACTIVITY].agg(lambda s: tuple(sorted(map(str, s)))).sort_index()
                     for k, g in groups.items()}
            assert steps["estimate"].equals(steps["counterfactual"]), service
            outcome = {k: g[OUTCOME].first().astype(str).sort_index() for k, g in groups.items()}
            assert outcome["estimate"].equals(outcome["counterfactual"])
            assert outcome["estimate"].equals(outcome["as-is"])
            for which in ("estimate", "counterfactual"):
                t = frames[which]
                act = t[ACTIVITY].astype(str).to_numpy()
                case = t[CASE].astype(str).to_numpy()
                prev = np.r_[None, act[:-1]]
                prev = np.where(np.r_[False, case[1:] == case[:-1]], prev, None)
                for w in waste:
                    if w["action"] in ("eliminate", "merge"):
                        assert w["activity"] not in set(act), (which, service, w)
                    if w["action"] == "move_earlier":
                        assert (prev[act == w["activity"]] == w["into"]).all(), (which, service, w)
                    if w["action"] == "parallelize":
                        a = t[act == w["activity"]].set_index(CASE)
                        b = t[act == w["into"]].set_index(CASE).reindex(a.index)
                        overlap = ((b[START] < a[TIMESTAMP]) & (a[START] < b[TIMESTAMP])).mean()
                        assert overlap > 0.05, (which, service, overlap)  # the as-is has none
            received = pd.DatetimeIndex(groups["as-is"][RECEIVED].first().sort_index())
            est, cf, before = (
                cal.working_minutes_between(received, pd.DatetimeIndex(groups[k][TIMESTAMP].max().sort_index()))
                for k in ("estimate", "counterfactual", "as-is")
            )
            assert (est <= before + 1e-6).all()  # the replay only removes time
            assert (cf > before).any()  # the truth's fresh waits can be longer than the time saved
            same_end = np.abs(est - cf) < 2 / 60
            assert same_end.mean() < 0.5, f"{service}: the counterfactual replays the as-is draws"
            assert np.corrcoef(est, cf)[0, 1] > 0.5, service
            assert abs(np.median(est - cf)) < 0.05 * np.median(cf), service
