"""``procsimp convert LOG --to parquet``: read once, write a mapped, typed Parquet file that reads
back to the same log; one clear error and no file for bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from procsimp.core.log import CASE, TIMESTAMP
from procsimp.errors import LogReadError, ParameterError
from procsimp.read import convert, read_log
from tests.conftest import invoke, real_log_path

ROOT = Path(__file__).resolve().parent.parent
GOOD = ROOT / "tests" / "data" / "good"
BAD = ROOT / "tests" / "data" / "bad"


def _same_log(a, b) -> None:
    pd.testing.assert_frame_equal(a.df, b.df)
    assert a.mapping == b.mapping and a.timezone == b.timezone


def test_a_bundled_csv_round_trips(tmp_path: Path) -> None:
    src = ROOT / "event_logs" / "dossiers_vi.csv"
    written = convert(src, tmp_path / "dossiers.parquet")
    assert written == tmp_path / "dossiers.parquet"
    original, again = read_log(src), read_log(written)
    _same_log(original, again)
    assert again.mapping.columns["case"] == "ma_ho_so"  # the source headers, kept in the metadata
    # sorted by case, then time: each dossier's events are one run, in time order
    df = pq.read_table(written).to_pandas()
    codes = df[CASE].astype(str)
    assert (codes != codes.shift()).sum() == codes.nunique()
    assert (df.groupby(CASE, observed=True)[TIMESTAMP].apply(lambda t: t.is_monotonic_increasing)).all()


def test_an_xes_round_trips_and_the_default_name_is_beside_the_log(tmp_path: Path) -> None:
    src = tmp_path / "small.xes.gz"
    shutil.copy(GOOD / "small.xes.gz", src)
    written = convert(src)
    assert written == tmp_path / "small.parquet"
    _same_log(read_log(src), read_log(written))


def test_a_real_xes_round_trips(tmp_path: Path) -> None:
    src = real_log_path("BPIC15_1.xes.gz")
    written = convert(src, tmp_path / "bpic15.parquet")
    original, again = read_log(src), read_log(written)
    _same_log(original, again)
    assert again.n_events == original.n_events > 50_000


def test_mapping_options_are_applied_once(tmp_path: Path) -> None:
    src = GOOD / "custom_headers.tsv"
    mapping = GOOD / "custom_mapping.yaml"
    written = convert(src, tmp_path / "custom.parquet", mapping=mapping)
    _same_log(read_log(src, mapping), read_log(written))  # no mapping needed any more


def test_bad_values_are_refused(tmp_path: Path) -> None:
    src = ROOT / "event_logs" / "dossiers_en.csv"
    with pytest.raises(ParameterError, match="needs the extension .parquet"):
        convert(src, tmp_path / "out.csv")
    with pytest.raises(ParameterError, match="to='feather' is not a target; use one of parquet"):
        convert(src, tmp_path / "out.parquet", to="feather")
    copy = tmp_path / "log.parquet"
    shutil.copy(convert(src, copy), tmp_path / "same.parquet")
    with pytest.raises(ParameterError, match="is the log itself"):
        convert(copy, copy)
    with pytest.raises(LogReadError, match="no such file"):
        convert(tmp_path / "missing.csv", tmp_path / "missing.parquet")
    assert not (tmp_path / "out.parquet").exists() and not (tmp_path / "missing.parquet").exists()


def test_the_command(tmp_path: Path) -> None:
    out = tmp_path / "en.parquet"
    code, stdout, stderr = invoke("convert", ROOT / "event_logs" / "dossiers_en.csv", "--out", out)
    assert code == 0, stderr
    log = read_log(out)
    assert stdout == f"Wrote {out} ({log.n_events:,} events, {log.n_cases:,} dossiers, {out.stat().st_size:,} bytes)\n"
    assert "Columns used for" in stderr and "case      <- case_id (detected)" in stderr
    _same_log(read_log(ROOT / "event_logs" / "dossiers_en.csv"), log)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("bad_timestamps.csv", "Error: "),
        ("missing_column.csv", "Error: "),
        ("corrupt.parquet", "Error: "),
        ("binary.xes", "Error: "),
    ],
)
def test_bad_input_gives_one_error_line_and_no_file(tmp_path: Path, name: str, message: str) -> None:
    out = tmp_path / "out.parquet"
    code, stdout, stderr = invoke("convert", BAD / name, "--out", out)
    assert code == 1 and stdout == ""
    errors = [line for line in stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and name in errors[0] and "Traceback" not in stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_the_command_refuses_a_cache(tmp_path: Path) -> None:
    code, _, stderr = invoke("convert", ROOT / "event_logs" / "dossiers_en.csv", "--cache", tmp_path / "c")
    assert code == 2 and "--cache is not used here" in stderr
