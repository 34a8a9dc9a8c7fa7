"""What-if simulation (SimPy): calibration on the as-is, agreement with the counterfactual,
determinism, intervals, capacity and parameter errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from procsimp.errors import ParameterError
from procsimp.flag.flag import Flag
from procsimp.propose import kpis, propose
from procsimp.propose.simulate import interval, simulate, simulate_log
from procsimp.read import frame_to_log
from procsimp.synth import generate

SERVICES = ["passport", "land_change_registration"]


def truth_flags(truth: dict) -> list[Flag]:
    return [
        Flag(service=name, activity=w["activity"], kind=w["kind"], action=w["action"],
             confidence=1.0, into=w.get("into"))
        for name, svc in truth["services"].items()
        for w in svc["waste"]
    ]


@pytest.fixture(scope="module")
def synth():
    return generate(services=SERVICES, cases=800, seed=5, to_be=True)


@pytest.fixture(scope="module")
def proposals(synth):
    flags = truth_flags(synth.truth)
    return {s: propose(synth.log, flags, service=s, model=False) for s in synth.log.services}


@pytest.fixture(scope="module")
def simulated(proposals):
    return {s: p.simulate(replications=3, seed=0) for s, p in proposals.items()}


def test_the_simulated_as_is_is_calibrated_on_the_log(simulated, proposals) -> None:
    for service, p in simulated.items():
        sim = p.simulated
        observed = kpis(proposals[service].as_is)["lead_time_days_mean"]
        mean = sim.as_is["lead_time_days_mean"]["mean"]
        assert abs(mean / observed - 1) <= 0.10, f"{service}: simulated {mean:.2f} vs log {observed:.2f} days"
        assert sim.calibration_error == pytest.approx(mean / observed - 1)
        # the same holds in working days, and the structure figures are resampled faithfully
        wd = sim.as_is["lead_time_workdays_mean"]["mean"]
        assert abs(wd / kpis(proposals[service].as_is)["lead_time_workdays_mean"] - 1) <= 0.10
        assert abs(sim.as_is["steps_per_case"]["mean"] / kpis(proposals[service].as_is)["steps_per_case"] - 1) <= 0.05


def test_the_simulated_to_be_agrees_with_the_counterfactual(simulated, synth) -> None:
    for service, p in simulated.items():
        truth = kpis(synth.to_be.for_service(service))
        sim = p.simulated.to_be
        assert abs(sim["lead_time_days_mean"]["mean"] / truth["lead_time_days_mean"] - 1) <= 0.10
        assert abs(sim["on_time_rate"]["mean"] - truth["on_time_rate"]) <= 0.07
        # and the proposal improves on the as-is in the simulation as in the replay
        assert sim["lead_time_days_mean"]["high"] < p.simulated.as_is["lead_time_days_mean"]["low"]


def test_results_have_95_percent_intervals_and_are_seeded(simulated, proposals) -> None:
    service = SERVICES_NAME(proposals)
    sim = simulated[service].simulated
    for table in (sim.as_is, sim.to_be):
        for name, iv in table.items():
            if iv["mean"] is not None:
                assert iv["low"] <= iv["mean"] <= iv["high"], name
    d = sim.to_dict()
    assert set(d["lead_time_days_mean"]) == {"mean", "low", "high"}
    assert d["replications"] == 3 and d["level"] == 0.95
    assert len(sim.runs_as_is) == 3 and len(sim.runs_to_be) == 3
    again = simulate(proposals[service], replications=3, seed=0)
    pd.testing.assert_frame_equal(again.runs_to_be, sim.runs_to_be)
    other = simulate(proposals[service], replications=1, seed=1)
    assert not other.runs_to_be.iloc[0].equals(sim.runs_to_be.iloc[0])
    assert any("SimPy" in a for a in simulated[service].assumptions)
    assert "simulated to-be" in sim._repr_html_()


def SERVICES_NAME(proposals) -> str:  # noqa: N802 - the first service's name in the log
    return sorted(proposals)[0]


def test_fewer_officers_mean_more_queueing(proposals) -> None:
    log = proposals[SERVICES_NAME(proposals)].as_is
    runs = [simulate_log(log, replications=1, seed=3, staff_factor=f) for f in (1.0, 0.34, 0.01)]
    full, third, single = runs
    lead = [s.as_is["lead_time_days_mean"]["mean"] for s in runs]
    assert lead[0] < lead[1] < lead[2], lead
    assert lead[2] > 1.2 * lead[0]
    assert (single.units["servers"] == 1).all()
    assert (third.units["servers"] <= full.units["servers"]).all()
    assert (third.units["servers"] < full.units["servers"]).any()
    busiest = full.units.sort_values("utilisation_observed").iloc[-1]
    assert 0 < busiest["utilisation_observed"] < 1
    assert any("what-if capacity" in a for a in single.assumptions)


def test_parameters_are_checked(proposals) -> None:
    p = proposals[SERVICES_NAME(proposals)]
    with pytest.raises(ParameterError, match=r"replications must be a whole number from 1 to 1000, got 0"):
        simulate(p, replications=0)
    with pytest.raises(ParameterError, match="seed must be a whole number >= 0"):
        simulate(p, seed=-1)
    with pytest.raises(ParameterError, match="capacity: unit 'Nowhere' is not in the log"):
        simulate(p, capacity={"Nowhere": 2}, replications=1)
    with pytest.raises(ParameterError, match="staff_factor must be a number > 0"):
        simulate(p, staff_factor=0, replications=1)


def test_a_log_without_officers_has_unlimited_capacity() -> None:
    df = pd.DataFrame({
        "c": ["a", "a", "b", "b"],
        "x": ["S", "T", "S", "T"],
        "s": ["2025-03-03 08:00", "2025-03-03 09:00", "2025-03-04 08:00", "2025-03-04 10:00"],
        "e": ["2025-03-03 08:30", "2025-03-03 09:30", "2025-03-04 08:30", "2025-03-04 10:30"],
    })
    log = frame_to_log(df, case="c", activity="x", start="s", timestamp="e")
    sim = simulate_log(log, replications=3, seed=2)
    assert any("unlimited capacity" in a for a in sim.assumptions)
    assert sim.to_be is None
    lead = sim.as_is["lead_time_workdays_mean"]["mean"]
    # each dossier is a resampled mix of the observed waits (60 or 90 min) and 30 min steps
    assert 90 / 450 <= lead <= 150 / 450


def test_interval() -> None:
    iv = interval([1.0, 2.0, 3.0])
    assert iv["mean"] == 2.0
    assert iv["low"] == pytest.approx(2.0 - 4.302652729911275 * 1.0 / np.sqrt(3))
    assert interval([]) == {"mean": None, "low": None, "high": None}
    assert interval([5.0]) == {"mean": 5.0, "low": 5.0, "high": 5.0}
