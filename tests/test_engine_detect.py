"""The detectors' tables computed by the engine (:mod:`procsimp.engine.sql_detect`).

Each table is checked on the bundled logs, the generated structures, a few logs of the random
family and logs that lack start times, officers, units or some activity and service values.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from procsimp import engine
from procsimp.calendar import default_calendar
from procsimp.detect.aggregates import aggregate
from procsimp.io import read_log
from procsimp.errors import ParameterError
from procsimp.log import ACTIVITY, RESOURCE, SERVICE, START, UNIT, EventLog
from procsimp.synth import generate
from tests.conftest import EVENT_LOGS


def _without(*columns: str) -> Callable[[], EventLog]:
    def make() -> EventLog:
        log = generate(cases=150, seed=5, lang="en").log
        return log.replace(df=log.df.drop(columns=[c for c in columns if c in log.df.columns]))

    return make


def _with_gaps() -> EventLog:
    """Some events without an activity, officer or unit; some cases whose first event has no
    service (the case belongs to the service of its first event)."""
    log = generate(cases=150, seed=7, lang="vi").log
    df = log.df.copy()
    rng = np.random.default_rng(7)
    n = len(df)
    for col, share in ((ACTIVITY, 0.03), (RESOURCE, 0.1), (UNIT, 0.1), (SERVICE, 0.05)):
        df[col] = df[col].astype(object)
        df.loc[rng.random(n) < share, col] = None
    df.loc[rng.random(n) < 0.05, START] = pd.NaT
    return log.replace(df=df)


LOGS: dict[str, Callable[[], EventLog]] = {
    **{name: (lambda name=name: read_log(EVENT_LOGS / name, cache=False))
       for name in ("dossiers_en.csv", "dossiers_vi.csv", "dossiers_vi_to_be.csv")},
    **{f"structure-{s}": (lambda s=s: generate(cases=120, seed=1, structure=s).log)
       for s in ("standard", "alt", "holdout")},
    **{f"random-{seed}": (lambda seed=seed: generate(structure="random", seed=seed).log) for seed in range(4)},
    "no-start-times": _without(START),
    "no-officers": _without(RESOURCE),
    "no-units": _without(UNIT),
    "no-service-officer-unit": _without(SERVICE, RESOURCE, UNIT),
    "gaps": _with_gaps,
}


def _same(expected: pd.DataFrame, got: pd.DataFrame, keys: list[str]) -> None:
    assert len(expected) and len(got) == len(expected)
    merged = expected.merge(got, on=keys, how="outer", suffixes=("", "_sql"), indicator=True)
    assert (merged["_merge"] == "both").all(), merged.loc[merged["_merge"] != "both", keys]
    for col in expected.columns:
        if col in keys:
            continue
        a, b = merged[col].to_numpy(dtype=float), merged[f"{col}_sql"].to_numpy(dtype=float)
        np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-12, equal_nan=True, err_msg=col)


@pytest.mark.parametrize("name", list(LOGS))
def test_pairs_equal_the_numpy_table(name: str) -> None:
    log = LOGS[name]()
    cal = default_calendar()
    expected = aggregate(log, calendar=cal, catalog=False).pairs
    got = engine.detector_tables(log, calendar=cal)["pairs"]
    _same(expected, got[expected.columns], ["service", "source", "target"])


def test_unknown_detector_table_is_refused() -> None:
    log = read_log(EVENT_LOGS / "dossiers_en.csv", cache=False)
    with pytest.raises(ParameterError, match="unknown detector table"):
        engine.detector_tables(log, tables=["steps"])

