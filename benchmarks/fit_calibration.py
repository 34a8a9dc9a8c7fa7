"""Re-fit the calibrated confidence of the flags on the TRAINING family (seeds 0-99 only).

    python benchmarks/fit_calibration.py                  # seeds 0-99, writes procsimp/flag/calibration.yaml
    python benchmarks/fit_calibration.py --seeds 0-49 --out /tmp/calibration.yaml

Each seed draws one service of the randomised procedure family (as
``benchmarks/bench_detect_generalise.py`` does, with whose functions the flags are made and
judged). The flags are made with the detectors' raw scores (``calibration=False``); each flag of an
action with truth (eliminate, merge, automate, parallelize, fix_rework, move_earlier) is right
when it matches the truth. The tables of :mod:`procsimp.flag.calibration` are fitted on those
flags and written, with the seeds and the date, to the calibration file shipped with procsimp.

Printed: the training reliability table (confidence band, flags, right, share right) before
calibration (raw scores) and after (the new table applied to the same flags), and the tables.

Seeds 100-699 are the held-out TEST families and are refused: a table fitted on them would make
the test figures meaningless. Run this again whenever the detectors change.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_detect_generalise as bench  # noqa: E402

from procsimp.flag.calibration import JUDGED_ACTIONS, Calibration, fit_calibration  # noqa: E402

DEFAULT_OUT = ROOT / "procsimp" / "detect" / "calibration.yaml"
FIRST_TEST_SEED = 100


def check_training(seeds: Sequence[int]) -> None:
    """Refuse any seed of the held-out test family (>= 100)."""
    test = [s for s in seeds if s >= FIRST_TEST_SEED]
    if test:
        raise SystemExit(
            f"Error: --seeds includes {len(test)} seed(s) of the held-out test family (first: {test[0]}); "
            f"fit the calibration on training seeds only, e.g. --seeds 0-{FIRST_TEST_SEED - 1}"
        )


def collect(seeds: Sequence[int], *, cases: int | None = None, progress: bool = True) -> tuple[Any, list[tuple[str, Mapping[str, Any], list[Any]]]]:
    """The benchmark's summary of the raw flags, and (service, truth, raw flags) per service."""
    services: list[tuple[str, Mapping[str, Any], list[Any]]] = []
    summary = bench.run(
        seeds, cases=cases, progress=progress, flag_options={"calibration": False},
        each=lambda name, truth, flags: services.append((name, truth, flags)),
    )
    return summary, services


def records(services: Sequence[tuple[str, Mapping[str, Any], list[Any]]]) -> list[dict[str, Any]]:
    """One record per judged flag: kind, action, raw confidence, right (by the benchmark's rules)."""
    out = []
    for name, truth, flags in services:
        for f in flags:
            if f.action not in JUDGED_ACTIONS:
                continue
            (raw, right, action, kind), = bench.score_service(name, truth, [f]).judged
            out.append({"kind": kind, "action": action, "raw": raw, "right": right})
    return out


def rescored(services: Sequence[tuple[str, Mapping[str, Any], list[Any]]], calibration: Calibration) -> Any:
    """The benchmark's summary of the same flags with ``calibration`` applied."""
    summary = bench.Summary()
    for name, truth, flags in services:
        summary.add(bench.score_service(name, truth, calibration.apply(flags)))
    return summary


def worst_gap(bands: Sequence[Mapping[str, Any]], *, min_flags: int = 30) -> float:
    """The largest distance, in points, between a band's share right and the band (bands with at
    least ``min_flags`` flags)."""
    gaps = [0.0]
    for b in bands:
        if b["flags"] >= min_flags:
            lo, hi = (float(x) for x in b["band"].split("-"))
            share = b["share_right"]
            gaps.append(100 * max(lo - share, share - hi, 0.0))
    return max(gaps)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default="0-99", help="training seeds (default 0-99); seeds >= 100 are refused")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="calibration file to write (default: the one shipped)")
    parser.add_argument("--min-flags", type=int, default=10, help="fewest training flags in a band (default 10)")
    parser.add_argument("--min-group", type=int, default=20,
                        help="fewest training flags for a detector/action to get its own table (default 20)")
    parser.add_argument("--z", type=float, default=1.0, help="standard errors of the small-sample shrinkage (default 1)")
    parser.add_argument("--cases", type=int, default=None, help="dossiers per service (default: each draw's own volume)")
    args = parser.parse_args(argv)
    seeds = bench.parse_seeds(args.seeds)
    check_training(seeds)
    t0 = time.perf_counter()
    before, services = collect(seeds, cases=args.cases)
    recs = records(services)
    calibration = fit_calibration(
        recs, seeds=args.seeds, fitted=dt.datetime.now(dt.timezone.utc).date().isoformat(),
        source=f"procsimp generate --structure random, seeds {args.seeds}: {len(services)} services, {len(recs)} judged flags",
        min_flags=args.min_flags, min_group=args.min_group, z=args.z,
    )
    after = rescored(services, calibration)
    rel_before, rel_after = before.table()["reliability"], after.table()["reliability"]
    calibration = Calibration(
        groups=calibration.groups, z=calibration.z, seeds=calibration.seeds, fitted=calibration.fitted,
        source=calibration.source, min_flags=calibration.min_flags,
        notes={"training_reliability": {
            "before": [[b["band"], b["flags"], b["right"]] for b in rel_before],
            "after": [[b["band"], b["flags"], b["right"]] for b in rel_after],
        }},
    )
    calibration.save(args.out)
    print(f"training family, seeds {args.seeds}: {len(services)} services, {len(recs)} judged flags\n")
    print("reliability BEFORE calibration (raw detector scores)")
    print(bench.render_reliability(rel_before))
    print(f"largest gap, bands of 30 flags or more: {worst_gap(rel_before):.1f} points\n")
    print("reliability AFTER calibration (the new table applied to the same flags)")
    print(bench.render_reliability(rel_after))
    print(f"largest gap, bands of 30 flags or more: {worst_gap(rel_after):.1f} points\n")
    print("tables (detector/action: raw_from -> probability [right/flags])")
    for name, bands in calibration.groups.items():
        print(f"  {name}: " + ", ".join(f"{b.raw_from:.3f} -> {b.probability:.3f} [{b.right}/{b.flags}]" for b in bands))
    try:
        shown = args.out.resolve().relative_to(ROOT)
    except ValueError:
        shown = args.out
    print(f"\nwrote {shown} ({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
