"""``procsimp anonymize`` on the generated scale logs: time, processor time and peak memory.

    python benchmarks/bench_anonymize.py --sizes 5M --dir /tmp/procsimp-scale
    python benchmarks/bench_anonymize.py --sizes 5M,20M --storage parquet,memory --out csv

Each run is a fresh process, ``python -m procsimp anonymize LOG --storage S --key-file K --out
OUT`` (a new key made for the run), measured as ``bench_scale.py`` measures the other commands:
wall clock, processor time (user + system, steadier on a shared machine) and peak resident
memory (GNU time). The logs are ``bench_scale.py``'s (made there when missing). With
``--storage parquet`` the log stays on its files and the anonymised copy is written from them by
DuckDB a batch at a time; ``--storage memory`` reads it into pandas first. The load average is
printed before each run: compare runs measured together.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scale import label, log_path, measure, parse_size  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="5M", help="comma-separated log sizes in events (default 5M)")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "procsimp-scale",
                        help="where the generated logs are kept")
    parser.add_argument("--storage", default="parquet", help="comma-separated: parquet (on its files), memory")
    parser.add_argument("--out", default="parquet", choices=["parquet", "csv"], help="the format written")
    args = parser.parse_args(argv)
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    storages = [s.strip() for s in args.storage.split(",") if s.strip()]
    print(f"{'events':>7}  {'storage':<8} {'time s':>8} {'cpu s':>7} {'peak GB':>8}  load (1 min)")
    failures = 0
    with tempfile.TemporaryDirectory(prefix="procsimp-anon-bench-") as tmp:
        key = Path(tmp) / "anon.key"
        key.write_text(secrets.token_hex(32), encoding="utf-8")
        for n in sizes:
            script = Path(__file__).resolve().parent / "bench_scale.py"
            subprocess.run([sys.executable, str(script), "--make-log", str(n), "--dir", str(args.dir)], check=True)
            path = log_path(n, args.dir)
            for storage in storages:
                out = Path(tmp) / f"anon-{label(n)}-{storage}.{args.out}"
                load = os.getloadavg()[0]
                seconds, peak, code, cpu = measure(
                    [sys.executable, "-m", "procsimp", "anonymize", str(path), "--storage", storage,
                     "--key-file", str(key), "--out", str(out)], cwd=Path(tmp))
                failures += code != 0
                print(f"{label(n):>7}  {storage:<8} {seconds:8.1f} {cpu:7.1f} {peak:8.2f}  {load:.1f}", flush=True)
                if out.exists():
                    out.unlink()
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
