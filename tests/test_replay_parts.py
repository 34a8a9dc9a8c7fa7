"""The replay's model cut into parts of whole dossiers (:meth:`procsimp.engine.replay.Timeline.parts`).

``flag`` replays each edit flag's edit on parts of about :data:`procsimp.flag.savings.PART_EVENTS`
events, on threads. Every edit and lead time is per dossier, so the parts must give the lead times
and the savings of the whole model: checked here on the bundled logs with parts of a few dozen
events (many parts, dossiers at every boundary) against one part, for every kind of edit.
"""

from __future__ import annotations

import numpy as np
import pytest

from procsimp.core.log import SERVICE
from procsimp.engine.edits import Automate, Edit, Eliminate, Merge, MoveEarlier, Parallelize
from procsimp.engine.replay import Timeline, apply_edit, timeline
from procsimp.errors import ParameterError
from procsimp.flag import flag_steps, savings
from procsimp.read import read_log
from tests.conftest import EVENT_LOGS


@pytest.fixture(scope="module")
def vi_log():  # type: ignore[no-untyped-def]
    return read_log(EVENT_LOGS / "dossiers_vi.csv")


@pytest.fixture(scope="module")
def largest(vi_log) -> Timeline:  # type: ignore[no-untyped-def]
    """The model of the bundled Vietnamese log's largest service."""
    service = str(vi_log.df[SERVICE].value_counts().idxmax())
    return timeline(vi_log, service=service)


def _lead(parts: list[Timeline]) -> np.ndarray:
    return np.concatenate([p.lead_minutes() for p in parts])


def test_parts_are_views_of_whole_dossiers_numbered_from_zero(largest: Timeline) -> None:
    parts = largest.parts(37)
    assert len(parts) > 10
    # every event and every dossier once, in order
    assert sum(len(p.row) for p in parts) == len(largest.row)
    assert sum(len(p.origin) for p in parts) == len(largest.origin)
    np.testing.assert_array_equal(np.concatenate([p.row for p in parts]), largest.row)
    np.testing.assert_array_equal(np.concatenate([p.origin for p in parts]), largest.origin)
    first = 0
    for p in parts:
        assert p.case.min() == 0 and p.case.max() == len(p.origin) - 1
        np.testing.assert_array_equal(p.case + first, largest.case[np.isin(largest.row, p.row)])
        first += len(p.origin)
        # no copy of the event arrays (the case numbers are renumbered, so they are new)
        for name in ("row", "act", "stage", "wait", "proc"):
            assert np.shares_memory(getattr(p, name), getattr(largest, name)), name
        # a dossier is never split: a part ends where a dossier ends
        assert len(p.row) >= 1
        assert p.case[-1] == len(p.origin) - 1
    assert max(len(p.row) for p in parts[:-1]) < 37 + 40


def test_the_parts_give_the_whole_models_lead_times(largest: Timeline) -> None:
    whole = largest.lead_minutes()
    for size in (1, 37, 500):
        np.testing.assert_allclose(_lead(largest.parts(size)), whole, rtol=1e-12, atol=1e-6)


@pytest.mark.parametrize("edit", ["eliminate", "automate", "merge", "parallelize", "move_earlier"])
def test_every_edit_on_the_parts_gives_the_whole_models_lead_times(largest: Timeline, edit: str) -> None:
    # steps that occur in the service, in the order of their first occurrence
    seen = [largest.names[a] for a in dict.fromkeys(largest.act[largest.act >= 0].tolist())]
    a, b, c = seen[1], seen[2], seen[-2]
    e: Edit = {"eliminate": Eliminate(a), "automate": Automate(b), "merge": Merge(a, into=b),
               "parallelize": Parallelize(a, b), "move_earlier": MoveEarlier(c, after=a)}[edit]
    after_whole, effect = apply_edit(largest, e)
    assert effect.cases > 0, "the edit must change some dossiers for the comparison to mean something"
    results = [apply_edit(p, e) for p in largest.parts(37)]
    assert sum(r[1].cases for r in results) == effect.cases
    assert sum(r[1].events_removed for r in results) == effect.events_removed
    np.testing.assert_allclose(_lead([r[0] for r in results]), after_whole.lead_minutes(), rtol=1e-12, atol=1e-6)


def test_a_model_whose_events_are_not_grouped_by_dossier_is_one_part(largest: Timeline) -> None:
    order = np.argsort(largest.stage, kind="stable")  # dossiers interleaved
    shuffled = largest.with_(row=largest.row[order], case=largest.case[order], act=largest.act[order],
                             stage=largest.stage[order], wait=largest.wait[order], proc=largest.proc[order])
    assert shuffled.parts(37) == [shuffled]
    assert largest.parts(len(largest.row)) == [largest]
    with pytest.raises(ParameterError, match="at least 1"):
        largest.parts(0)


def test_flag_savings_on_parts_and_threads_equal_one_part_in_one_thread(vi_log, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(savings, "PART_EVENTS", 10**9)
    monkeypatch.setattr(savings, "MAX_THREADS", 1)
    whole = [f.to_dict() for f in flag_steps(vi_log)]
    monkeypatch.setattr(savings, "PART_EVENTS", 29)
    monkeypatch.setattr(savings, "MAX_THREADS", 3)
    parted = [f.to_dict() for f in flag_steps(vi_log)]
    assert any(f["saving"].get("workdays_per_case") for f in whole)
    assert parted == whole
