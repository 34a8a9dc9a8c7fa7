"""Each dossier's due date (:func:`procsimp.engine.due.case_due_dates`) of a log left on its
Parquet files: the in-memory log's, row for row, without its events read into pandas."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from procsimp import read_log
from procsimp.engine.due import case_due_dates
from tests.conftest import EVENT_LOGS, invoke, refuse_reading_events


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The bundled Vietnamese log as Parquet, as it is and without its due dates (so that the
    catalog's statutory days give them) or its receipt times (counted from the first step)."""
    folder = tmp_path_factory.mktemp("due")
    code, _, err = invoke("convert", EVENT_LOGS / "dossiers_vi.csv", "--out", folder / "vi.parquet")
    assert code == 0, err
    table = pq.read_table(folder / "vi.parquet")
    out = {"as is": folder / "vi.parquet"}
    for name, dropped in (("no due", ["case:due"]), ("no due, no receipt", ["case:due", "case:received"])):
        out[name] = folder / f"{name.replace(', ', '_').replace(' ', '_')}.parquet"
        pq.write_table(table.drop_columns(dropped), out[name])
    return out


@pytest.mark.parametrize("name", ["as is", "no due", "no due, no receipt"])
def test_due_dates_of_a_log_on_its_files_are_the_in_memory_ones(logs: dict[str, Path], name: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    expected = case_due_dates(read_log(logs[name], storage="memory"))
    with monkeypatch.context() as patched:
        refuse_reading_events(patched)
        log = read_log(logs[name], storage="parquet")
        assert log.out_of_core
        got = case_due_dates(log)
        assert not log.materialised
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert len(got) == 2500 and got["case"].is_unique
    source = {"as is": "log"}.get(name, "catalog")
    assert (got["due_source"] == source).all() and got["due"].notna().all()
    if name == "no due, no receipt":  # counted from each dossier's first step
        first = read_log(logs[name], storage="memory").df.groupby("case:concept:name", observed=True)["start_timestamp"].min()
        assert (got.set_index("case")["received"] == first.reindex(got["case"]).to_numpy()).all()
