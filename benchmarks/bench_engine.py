"""Performance DFG: procsimp's engine against ``pm4py.discover_performance_dfg``.

A log of N events is generated with numpy (string case ids and activity names, second-resolution
completion times) and saved as Parquet. Each contender then runs in a fresh Python process, so
that peak memory is measured fairly:

* **pm4py**: ``pandas.read_parquet`` + ``pm4py.format_dataframe`` + ``discover_performance_dfg``;
* **procsimp**: read the Parquet file into an ``EventLog`` + ``procsimp.engine.dfg`` (which also
  computes working-hour waiting times with the Vietnamese office calendar).

Both totals include loading the data. The discovery-only times (data already in memory) are
printed too. Results are checked to agree (edge counts and mean waiting times).

    python benchmarks/bench_engine.py                     # 1M events
    python benchmarks/bench_engine.py --events 1e6 5e6    # the sizes of issue 4
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def generate(n_events: int, *, seed: int = 0, n_activities: int = 40) -> "pd.DataFrame":  # noqa: F821
    """A random log of about ``n_events`` events in cases of 5-15 steps (numpy only)."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    lens = rng.integers(5, 16, n_events // 5 + 1)
    lens = lens[np.cumsum(lens) <= n_events]
    n, n_cases = int(lens.sum()), len(lens)
    case = np.repeat(np.arange(n_cases), lens)
    # a mostly sequential process with some noise, so there are realistic variants
    pos = np.arange(n) - np.repeat(np.cumsum(lens) - lens, lens)
    act = np.where(rng.random(n) < 0.8, pos % n_activities, rng.integers(0, n_activities, n))
    first = rng.integers(0, 365 * 86_400, n_cases).astype(np.int64) + 1_704_067_200  # 2024-01-01
    gaps = rng.exponential(8 * 3600, n).astype(np.int64)
    gaps[np.cumsum(lens) - lens] = 0
    cum = np.cumsum(gaps)
    seconds = np.repeat(first, lens) + cum - np.repeat(cum[np.cumsum(lens) - lens], lens)
    return pd.DataFrame(
        {
            "case_id": np.array([f"D{i:08d}" for i in range(n_cases)], dtype=object)[case],
            "activity": np.array([f"Bước {i:02d}" for i in range(n_activities)], dtype=object)[act],
            "timestamp": pd.to_datetime(seconds, unit="s", utc=True),
        }
    )


# ---------------------------------------------------------------------------- workers
def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_pm4py(path: str) -> dict[str, object]:
    import pandas as pd

    sys._pm4py_welcome_shown = True  # type: ignore[attr-defined]
    import pm4py

    t0 = time.perf_counter()
    df = pd.read_parquet(path)
    df = pm4py.format_dataframe(df, case_id="case_id", activity_key="activity", timestamp_key="timestamp")
    t1 = time.perf_counter()
    perf, _, _ = pm4py.discover_performance_dfg(df)
    t2 = time.perf_counter()
    edges = {f"{a}\t{b}": [None, v["mean"]] for (a, b), v in perf.items()}
    freq, _, _ = pm4py.discover_dfg(df)
    for (a, b), c in freq.items():
        edges[f"{a}\t{b}"][0] = int(c)
    return {"load_s": t1 - t0, "discover_s": t2 - t1, "total_s": t2 - t0, "peak_mb": _peak_mb(), "edges": edges}


def worker_procsimp(path: str) -> dict[str, object]:
    sys.path.insert(0, str(ROOT))
    from procsimp import engine
    from procsimp.calendar import default_calendar

    default_calendar().work_minutes(["2024-01-01 08:00"])  # build the holiday table outside the timing
    t0 = time.perf_counter()
    log = _read(path)
    t1 = time.perf_counter()
    d = engine.dfg(log)
    t2 = time.perf_counter()
    edges = {f"{a}\t{b}": [int(c), m * 86400] for a, b, c, m in zip(d.source, d.target, d["count"], d.wait_days_mean, strict=True)}
    return {"load_s": t1 - t0, "discover_s": t2 - t1, "total_s": t2 - t0, "peak_mb": _peak_mb(), "edges": edges}


def _read(path: str):  # type: ignore[no-untyped-def]
    try:
        from procsimp.io import read_log
    except ImportError:  # readers not available: the basic normaliser
        import pandas as pd

        from procsimp.log import EventLog

        return EventLog.from_frame(pd.read_parquet(path), case="case_id", activity="activity", timestamp="timestamp")
    return read_log(path, case="case_id", activity="activity", timestamp="timestamp")


def _run_worker(name: str, path: Path) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", name, str(path)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------- main
def bench(n_events: int, folder: Path) -> dict[str, object]:
    df = generate(n_events)
    path = folder / f"log_{n_events}.parquet"
    df.to_parquet(path, index=False)
    n, cases = len(df), int(df["case_id"].nunique())
    del df
    pm = _run_worker("pm4py", path)
    ps = _run_worker("procsimp", path)
    a, b = pm.pop("edges"), ps.pop("edges")
    assert set(a) == set(b), "the two DFGs have different edges"  # type: ignore[arg-type]
    assert all(a[k][0] == b[k][0] for k in a), "edge counts differ"  # type: ignore[index]
    worst = max(abs(a[k][1] - b[k][1]) for k in a)  # type: ignore[index]
    assert worst < 1e-3, f"mean waiting differs by {worst} s"
    return {"events": n, "cases": cases, "pm4py": pm, "procsimp": ps, "max_wait_diff_s": worst}


def report(result: dict[str, object]) -> str:
    pm, ps = result["pm4py"], result["procsimp"]
    assert isinstance(pm, dict) and isinstance(ps, dict)
    lines = [
        f"performance DFG, {result['events']:,} events, {result['cases']:,} cases (results agree)",
        f"  {'':<10}{'load':>9}{'discover':>10}{'total':>9}{'peak MB':>9}",
    ]
    for name, r in (("pm4py", pm), ("procsimp", ps)):
        lines.append(f"  {name:<10}{r['load_s']:>8.2f}s{r['discover_s']:>9.2f}s{r['total_s']:>8.2f}s{r['peak_mb']:>9.0f}")
    lines.append(
        f"  ratio pm4py/procsimp: total {pm['total_s'] / ps['total_s']:.1f}x, "
        f"discover {pm['discover_s'] / ps['discover_s']:.1f}x, memory {pm['peak_mb'] / ps['peak_mb']:.1f}x"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=float, nargs="+", default=[1e6], help="log sizes (events)")
    parser.add_argument("--worker", nargs=2, metavar=("NAME", "PARQUET"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        name, path = args.worker
        result = worker_pm4py(path) if name == "pm4py" else worker_procsimp(path)
        print(json.dumps(result))
        return 0
    with tempfile.TemporaryDirectory(prefix="procsimp-bench-") as tmp:
        for n in args.events:
            print(report(bench(int(n), Path(tmp))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
