"""The engine's float means and sums are reproducible: the same log, run twice with several
threads, gives byte-identical CSV files. DuckDB adds the rows of a group in parallel, in an order
that changes between runs; the engine sums exact decimals (procsimp.engine.sums), so the order
does not show in the last digit of a mean (before, ``variants.csv``'s ``lead_days_mean`` and the
means of ``dfg.csv`` and ``activities.csv`` differed between two runs on this log)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from procsimp import engine
from tests.conftest import invoke

COLUMNS = ("--case", "case", "--activity", "activity", "--timestamp", "time", "--resource", "officer",
           "--service-column", "service", "--storage", "parquet")


def _write_log(path: Path, cases: int = 200_000) -> int:
    """A log of three services, 3 to 5 steps per dossier, exponential gaps: about 800,000 events,
    enough for DuckDB to split every aggregate's input between threads."""
    rng = np.random.default_rng(7)
    steps = np.array(["Tiếp nhận", "Thẩm định", "Phê duyệt", "Trả kết quả"])
    per_case = rng.integers(3, 6, size=cases)
    case = np.repeat(np.arange(cases), per_case)
    first = np.repeat(np.cumsum(per_case) - per_case, per_case)
    pos = np.arange(len(case)) - first
    act = np.where(pos == 0, 0, np.where(pos == np.repeat(per_case, per_case) - 1, 3, rng.integers(1, 3, len(case))))
    gaps = (rng.exponential(20 * 3600, size=len(case)) * 1e6).astype(np.int64)
    gaps[pos == 0] = 0
    elapsed = np.cumsum(gaps)
    start = 1_704_067_200_000_000 + rng.integers(0, 300 * 86_400, size=cases) * 1_000_000
    times = np.repeat(start, per_case) + elapsed - elapsed[first]
    pq.write_table(pa.table({
        "case": np.char.add("hs", case.astype(str)), "activity": steps[act],
        "time": pa.array(times, pa.timestamp("us")),
        "officer": np.char.add("cb", rng.integers(0, 40, len(case)).astype(str)),
        "service": np.array(["1.000001", "2.000002", "3.000003"])[case % 3],
    }), path)
    return len(case)


def _run(log: Path, out: Path) -> tuple[str, dict[str, bytes]]:
    """profile's CSV and mine's CSV files, computed on a fresh four-thread DuckDB database."""
    with engine.use_backend(engine.DuckDBBackend(threads=4)):
        code, profile, err = invoke("profile", log, *COLUMNS, "--format", "csv")
        assert code == 0, err
        code, _, err = invoke("mine", log, *COLUMNS, "--out", out, "--format", "dot")
        assert code == 0, err
    return profile, {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.csv"))}


def test_profile_and_mine_give_the_same_bytes_twice(tmp_path: Path) -> None:
    assert _write_log(tmp_path / "log.parquet") > 700_000
    profile_1, files_1 = _run(tmp_path / "log.parquet", tmp_path / "first")
    profile_2, files_2 = _run(tmp_path / "log.parquet", tmp_path / "second")
    assert len(files_1) == 9 and set(files_1) == set(files_2)  # dfg, activities, variants per service
    assert len(profile_1.splitlines()) >= 4 and profile_1 == profile_2  # a header, a row per service
    for name, data in files_1.items():
        assert data == files_2[name], name
