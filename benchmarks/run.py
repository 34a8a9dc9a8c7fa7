"""Run every benchmark in this folder and print its ratios against the baselines.

Usage: python benchmarks/run.py [--events N] [--only read,engine,...]

Each ``bench_*.py`` is a script that measures one hot path against a baseline (pm4py, pandas)
on the same generated data in the same run, and prints ratios. Wall-clock numbers on a shared
machine are noisy; the ratios are what to compare across runs.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: arguments a benchmark always gets here: the generalisation benchmark runs on its training
#: family (seeds 100-699 are held out, measured once on purpose, never as part of a routine run)
FIXED_ARGS: dict[str, list[str]] = {"detect_generalise": ["--seeds", "0-99"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=None, help="events per generated log (each benchmark has its own default)")
    parser.add_argument("--only", default="", help="comma-separated benchmark names (read, engine, synth, detect, ...)")
    args = parser.parse_args()
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    failures = 0
    for script in sorted(HERE.glob("bench_*.py")):
        name = script.stem.removeprefix("bench_")
        if only and name not in only:
            continue
        cmd = [sys.executable, str(script), *FIXED_ARGS.get(name, [])]
        if args.events:
            cmd += ["--events", str(args.events)]
        print(f"== {name} ==", flush=True)
        failures += subprocess.call(cmd) != 0
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
