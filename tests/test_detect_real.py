"""``flag_steps`` on public real logs: BPIC 2015 municipalities 1-3 and the WABO receipt phase.

These logs have no start times and BPIC 2015 has day-resolution dates and opaque activity codes
(``01_HOOFD_010``). The flags must be well formed, reproducible, and never touch the first or
last steps of the process (computed here from the log itself, independently of the detectors).
The top five flags per log are printed (run with ``-s``).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from procsimp.core.log import ACTIVITY, CASE
from procsimp.flag import FIELDS, CatalogWarning, flag_steps
from procsimp.flag.flag import ACTIONS
from procsimp.read import read_log
from tests.conftest import real_log_path

REAL = [
    "BPIC15_1.xes.gz",
    "BPIC15_2.xes.gz",
    "BPIC15_3.xes.gz",
    "Receipt_phase_of_an_environmental_permit_application_process_WABO_CoSeLoG_project.xes.gz",
]


def first_and_last_steps(df: pd.DataFrame, min_share: float = 0.1) -> set[str]:
    """Steps that start or end at least ``min_share`` of the cases, and the most frequent ones."""
    g = df.groupby(CASE, sort=False, observed=True)[ACTIVITY]
    out: set[str] = set()
    for ends in (g.first(), g.last()):
        counts = ends.astype(str).value_counts()
        out |= set(counts.index[counts / counts.sum() >= min_share]) | {counts.index[0]}
    return out


@pytest.mark.real_logs
@pytest.mark.parametrize("name", REAL)
def test_flags_on_real_logs(name: str) -> None:
    log = read_log(real_log_path(name), cache=False)
    with pytest.warns(CatalogWarning, match="the log has no service column"):  # no catalog entry applies
        flags = flag_steps(log)
        again = flag_steps(log)
    assert flags, f"{name}: no flags at all"
    assert [f.to_dict() for f in again] == [f.to_dict() for f in flags]
    edges = first_and_last_steps(log.df)
    steps = set(log.df[ACTIVITY].astype(str).unique())
    for f in flags:
        d = f.to_dict()
        assert tuple(d) == FIELDS and f.action in ACTIONS and 0 <= f.confidence <= 1
        json.dumps(d, allow_nan=False)
        assert f.activity in steps and (f.into is None or f.into in steps)
        touched = {f.activity} | ({f.into} if f.action == "parallelize" else set())
        assert not touched & edges, f"{name}: {f.action} {touched & edges} is a first or last step"
    print(f"\n{name}: {log.n_events} events, {log.n_cases} cases, {len(flags)} flags; top 5:")
    for f in flags[:5]:
        print(f"  {f.action} {f.activity}{' -> ' + f.into if f.into else ''} ({f.kind}, {f.confidence:.2f}, "
              f"{f.saving['workdays_per_case']:.2f} workdays/case): {f.explanation['en']}")


@pytest.mark.real_logs
def test_early_ends_without_outcomes_are_not_called_rejections() -> None:
    # BPIC 2015 has no outcome: a permit case that ends after "create publication document" is
    # not known to be rejected (the extract also cuts cases still open), so no late knock-out
    log = read_log(real_log_path("BPIC15_1.xes.gz"), activity="activityNameEN", cache=False)
    with pytest.warns(CatalogWarning):
        flags = flag_steps(log, detectors=["late_knockout"])
    assert [f.explanation["en"] for f in flags if "rejected" in f.explanation["en"]] == []
