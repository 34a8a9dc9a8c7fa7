"""Benchmark of the synthetic generator: events per second, generation and writing.

Run ``python benchmarks/bench_synth.py [EVENTS]`` (default 1,000,000 events). It prints the time
to generate the as-is log (and the counterfactual), and to write CSV and Parquet.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path


def main(target_events: int = 1_000_000) -> None:
    from procsimp.synth import generate

    # about 10.5 events per dossier over all templates
    cases = max(1, int(target_events / 10.5))
    t0 = time.perf_counter()
    res = generate(cases=cases, seed=0, to_be=False, months=12)
    t1 = time.perf_counter()
    n = res.log.n_events
    print(f"generate: {n:,} events, {res.log.n_cases:,} dossiers in {t1 - t0:.2f} s "
          f"({n / (t1 - t0):,.0f} events/s)")
    t0 = time.perf_counter()
    res2 = generate(cases=cases, seed=0, to_be=True, months=12)
    t1 = time.perf_counter()
    n2 = res2.log.n_events + (res2.to_be.n_events if res2.to_be is not None else 0)
    print(f"generate with to-be: {n2:,} events in {t1 - t0:.2f} s ({n2 / (t1 - t0):,.0f} events/s)")
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("csv", "parquet"):
            t0 = time.perf_counter()
            paths = res.write(Path(tmp), (fmt,))
            t1 = time.perf_counter()
            size = paths[0].stat().st_size / 1e6
            print(f"write {fmt}: {t1 - t0:.2f} s ({n / (t1 - t0):,.0f} events/s, {size:.0f} MB)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
