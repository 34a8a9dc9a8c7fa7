"""A plan's encoding builds only the columns its SQL reads (``aggregates(..., lean=True)``): the
maps' tables are the same as from the full encoding, and a later stage that reads more columns
gets a full encoding of the same log, with the same results."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import procsimp
from procsimp import engine
from procsimp.core.calendar import default_calendar
from procsimp.engine.prepare import prepare
from procsimp.engine.sql import EVENT_COLUMNS, columns_read, plan_for
from tests.conftest import EVENT_LOGS

MAP_TABLES = ("dfg", "activities", "variants", "start_end")
LOGS = ["dossiers_vi.csv", "dossiers_en.csv", "dossiers_vi_to_be.csv"]


def _encodings(monkeypatch: pytest.MonkeyPatch) -> list[frozenset[str] | None]:
    """The columns of each encoding the engine makes from now on (None: all of them)."""
    made: list[frozenset[str] | None] = []
    real = engine._prepare

    def counting(*args: object, **kwargs: object) -> object:
        prepared = real(*args, **kwargs)  # type: ignore[arg-type]
        made.append(prepared.columns)
        return prepared

    monkeypatch.setattr(engine, "_prepare", counting)
    return made


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns), kind="stable", na_position="first").reset_index(drop=True)


def test_the_maps_plan_reads_no_case_attributes() -> None:
    reads = columns_read(plan_for(MAP_TABLES, minutes_per_day=480.0))
    assert reads is not None
    assert reads < set(EVENT_COLUMNS)
    assert not reads & {"channel", "outcome", "next_occ", "t_due", "wm_recv"}
    assert {"act", "prev_act", "t_end", "t_start", "t_recv", "occ", "edge_first"} <= reads


def test_a_plan_selecting_every_column_reads_them_all() -> None:
    assert columns_read({"x": "SELECT * FROM events"}) is None
    assert columns_read({"x": "SELECT e.*, 1 AS one FROM events AS e"}) is None
    assert columns_read({"x": "SELECT svc, count(*) AS n FROM events GROUP BY svc"}) == {"svc"}
    # the case table's plan takes the per-case columns with ``c.*``: every column
    assert columns_read(plan_for(("cases",), minutes_per_day=480.0)) is None


@pytest.mark.parametrize("name", LOGS)
def test_lean_columns_equal_the_full_tables_columns(name: str) -> None:
    log = procsimp.read_log(EVENT_LOGS / name)
    cal = default_calendar()
    full = prepare(log, cal)
    reads = columns_read(plan_for(MAP_TABLES, minutes_per_day=480.0))
    assert reads is not None
    lean = prepare(log, cal, columns=reads)
    assert lean.columns == reads and full.columns is None
    assert lean.table.column_names == [c for c in EVENT_COLUMNS if c in reads]
    assert full.table.column_names == list(EVENT_COLUMNS)
    assert lean.table.equals(full.table.select(lean.table.column_names))
    for kind in ("services", "activities", "cases", "resources", "units"):
        assert list(getattr(lean, kind)) == list(getattr(full, kind)), kind


@pytest.mark.parametrize("name", LOGS)
def test_lean_encoding_gives_the_same_map_tables(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    made = _encodings(monkeypatch)
    full = engine.aggregates(procsimp.read_log(EVENT_LOGS / name), tables=MAP_TABLES)
    lean = engine.aggregates(procsimp.read_log(EVENT_LOGS / name), tables=MAP_TABLES, lean=True)
    assert made[0] is None and made[1] is not None and "channel" not in made[1]
    for table in MAP_TABLES:
        pd.testing.assert_frame_equal(getattr(lean, table), getattr(full, table), check_exact=True)


def test_a_later_stage_needing_more_columns_gets_them(monkeypatch: pytest.MonkeyPatch) -> None:
    path: Path = EVENT_LOGS / "dossiers_vi.csv"
    reference = procsimp.read_log(path)
    want_cases = engine.case_table(reference)
    want_detect = engine.detector_tables(reference, tables=("successors", "loops"))

    made = _encodings(monkeypatch)
    log = procsimp.read_log(path)
    maps = engine.aggregates(log, tables=MAP_TABLES, lean=True)
    assert len(made) == 1 and made[0] is not None
    # the case table reads channel, outcome, due ...: the log is encoded again, in full
    pd.testing.assert_frame_equal(engine.case_table(log), want_cases, check_exact=True)
    assert made[1:] == [None]
    got_detect = engine.detector_tables(log, tables=("successors", "loops"))
    for table in ("successors", "loops"):  # they read next_occ and outcome; unsorted rows
        got, want = got_detect[table], want_detect[table]
        assert len(got) > 0
        pd.testing.assert_frame_equal(_sorted(got), _sorted(want), check_exact=True)
    assert engine.encoded(log).columns is None
    assert engine.encoded(log).table.column_names == list(EVENT_COLUMNS)
    # the maps' results kept with the log stay, and asking for them encodes nothing again
    pd.testing.assert_frame_equal(engine.dfg(log), maps.dfg, check_exact=True)
    assert made[1:] == [None]


def test_an_encoding_that_covers_the_plan_is_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    made = _encodings(monkeypatch)
    log = procsimp.read_log(EVENT_LOGS / "dossiers_en.csv")
    engine.encoded(log)  # full
    engine.aggregates(log, tables=MAP_TABLES, lean=True)
    engine.aggregates(log, tables=("cases",))
    assert made == [None]
    other = procsimp.read_log(EVENT_LOGS / "dossiers_en.csv")
    engine.aggregates(other, tables=("dfg",), lean=True)
    engine.aggregates(other, tables=("start_end",), lean=True)  # reads fewer columns than dfg's
    assert len(made) == 2 and made[1] is not None
