"""Scale: time and peak memory of ``procsimp profile``, ``mine``, ``flag`` and ``propose`` on
generated logs of 1M, 5M, 20M and 100M events, with the pm4py way beside them.

    python benchmarks/bench_scale.py                        # 1M and 5M events
    python benchmarks/bench_scale.py --sizes 1M,5M,20M,100M --dir /big/disk/scale-logs
    python benchmarks/bench_scale.py --sizes 1M --commands mine,flag --no-pm4py

The logs are plain Parquet files (no procsimp metadata: what another system would export),
generated once and kept in ``--dir`` (default: a ``procsimp-scale`` folder in the temporary
directory), so later runs reuse them. They are made with procsimp's generator, the fastest way
that still gives realistic dossiers: one year of the eight template services (about 1M events)
is generated once, then copied with new dossier ids and shifted by whole 52-week years (the
weekday of every event stays), the last copy cut at a dossier boundary, until the size is
reached. A 100M-event log is about a century of one province's dossiers: the point is the
size, not the calendar.

Every run is a fresh process (``python -m procsimp CMD LOG``, no cache; procsimp's modules
compiled beforehand, as installing it does), timed on the wall clock and in processor time
(user + system, its child processes such as Graphviz included; steadier than the wall clock on
a shared machine), with its peak resident memory from
``os.wait4``. The pm4py way, in its own process: ``pandas.read_parquet``,
``pm4py.format_dataframe``, ``discover_dfg``, ``discover_performance_dfg`` and the DFG drawn as
SVG (``save_vis_dfg``); it is skipped for a log larger than ``--pm4py-max`` events (default
20M), where it does not fit in memory here. The ratio columns are pm4py's time, processor time
and peak memory over the command's. On a shared machine the wall-clock numbers are noisy; run
with ``--repeat N`` to keep each command's best of N runs.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = ("profile", "mine", "flag", "propose")
#: the events one generated year of the template services holds, about
BASE_EVENTS = 1_000_000
#: whole weeks, so that every copied event keeps its weekday
YEAR_SHIFT_DAYS = 364
#: GNU time, for the peak memory of one command
TIME = shutil.which("time", path="/usr/bin:/bin") if sys.platform.startswith("linux") else None


def parse_size(text: str) -> int:
    """``"5M"`` -> 5,000,000; ``"250k"`` -> 250,000; ``"1e6"`` -> 1,000,000."""
    m = re.fullmatch(r"\s*([0-9.]+(?:e[0-9]+)?)\s*([kKmM]?)\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size; write e.g. 1M, 500k or 2e6")
    value = float(m.group(1)) * {"": 1, "k": 1e3, "m": 1e6}[m.group(2).lower()]
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: a log needs at least one event")
    return int(value)


def label(n: int) -> str:
    return f"{n / 1e6:g}M" if n >= 1e6 else f"{n / 1e3:g}k"


# ---------------------------------------------------------------------------- the logs
def _base(folder: Path):  # type: ignore[no-untyped-def]
    """One generated year (about 1M events) as an Arrow table with plain text columns."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = folder / "base_year.parquet"
    if not path.exists():
        sys.path.insert(0, str(ROOT))
        from procsimp.synth import generate

        log = generate(cases=int(BASE_EVENTS / 10.5), seed=0, months=12, to_be=False).log
        table = pa.Table.from_pandas(log.df, preserve_index=False)
        table = table.cast(pa.schema([
            pa.field(f.name, pa.string() if pa.types.is_dictionary(f.type) else f.type) for f in table.schema
        ]))
        tmp = path.with_suffix(".tmp")
        pq.write_table(table, tmp, compression="zstd")
        tmp.replace(path)
    return pq.read_table(path)


def log_path(n_events: int, folder: Path) -> Path:
    return folder / f"scale_{label(n_events)}.parquet"


def make_log(n_events: int, folder: Path) -> Path:
    """The Parquet log of ``n_events`` events in ``folder`` (generated unless already there)."""
    path = log_path(n_events, folder)
    if path.exists():
        return path
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    base = _base(folder)
    case = base.column("case:concept:name")
    # dossier boundaries: the log is sorted by dossier, so a copy can stop between two of them
    starts = np.flatnonzero(np.r_[True, pc.not_equal(case[1:], case[:-1]).to_numpy(zero_copy_only=False)])
    time_columns = [f.name for f in base.schema if pa.types.is_timestamp(f.type)]
    tmp = path.with_suffix(".tmp")
    written = 0
    with pq.ParquetWriter(tmp, base.schema, compression="zstd") as writer:
        k = 0
        while written < n_events:
            rows = base.num_rows
            if written + rows > n_events:  # the last copy: whole dossiers up to the size
                rows = int(starts[np.searchsorted(starts, n_events - written, side="right") - 1]) or int(starts[1])
            part = base.slice(0, rows)
            ids = pc.binary_join_element_wise(pa.scalar(f"Y{k:03d}-"), part.column("case:concept:name"), "")
            part = part.set_column(0, "case:concept:name", ids)
            shift = pa.scalar(np.timedelta64(k * YEAR_SHIFT_DAYS, "D").astype("timedelta64[ns]"))
            for name in time_columns:
                i = part.schema.get_field_index(name)
                part = part.set_column(i, name, pc.add(part.column(name), shift).cast(base.schema.field(name).type))
            writer.write_table(part)
            written += rows
            k += 1
    tmp.replace(path)
    return path


def _rows(path: Path) -> int:
    out = subprocess.run(
        [sys.executable, "-c", "import sys, pyarrow.parquet as pq; print(pq.read_metadata(sys.argv[1]).num_rows)", str(path)],
        check=True, capture_output=True, text=True,
    )
    return int(out.stdout)


# ---------------------------------------------------------------------------- the runs
def measure(cmd: list[str], *, cwd: Path) -> tuple[float, float, int, float]:
    """(seconds, peak resident GiB, exit code, processor seconds: user + system) of ``cmd`` in a
    fresh process."""
    env = {**_environment(), "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore"}
    with tempfile.TemporaryDirectory() as tmp:
        # GNU time measures the command from a small process of its own: a child's peak memory
        # counts from its parent's size at fork, and this benchmark's process is not small
        peak_file = Path(tmp) / "peak"
        timed = [TIME, "-f", "%M", "-o", str(peak_file), *cmd] if TIME else cmd
        with open(Path(tmp) / "stderr", "w+b") as errors:
            t0 = time.perf_counter()
            proc = subprocess.Popen(timed, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=errors)
            _, status, usage = os.wait4(proc.pid, 0)
            seconds = time.perf_counter() - t0
            proc.returncode = code = os.waitstatus_to_exitcode(status)
            if code != 0:
                errors.seek(0)
                last = errors.read().decode("utf-8", "replace").strip().splitlines() or [f"exit code {code}"]
                print(f"    ({' '.join(cmd[2:4])} failed: {last[-1]})")
        kb = int(peak_file.read_text().split()[-1]) if TIME and peak_file.exists() else usage.ru_maxrss
    return seconds, kb / 1024 / 1024, code, usage.ru_utime + usage.ru_stime


def _environment() -> dict[str, str]:
    """The environment of the measured runs: procsimp as installed, that is with its modules
    compiled once (:func:`compile_sources`); with ``PYTHONDONTWRITEBYTECODE`` set, every run
    would compile them again (about 0.8 s of processor time), while pm4py's come compiled."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def compile_sources() -> None:
    """Compile procsimp's modules once, as installing it does, before any run is measured."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "procsimp")], env=_environment(),
                   check=True, stdout=subprocess.DEVNULL)


def command_line(command: str, log: Path, out: Path) -> list[str]:
    """The command as a user runs it; ``out`` is a new folder for the files it writes."""
    base = [sys.executable, "-m", "procsimp", command, str(log)]
    if command == "flag":
        return [*base, "--format", "json"]
    if command in ("mine", "propose"):
        return [*base, "--out", str(out)]
    return base


def pm4py_way(path: str) -> None:
    """The worker of the pm4py way (run in its own process)."""
    import pandas as pd

    sys._pm4py_welcome_shown = True  # type: ignore[attr-defined]
    import pm4py

    df = pd.read_parquet(path, columns=["case:concept:name", "concept:name", "time:timestamp"])
    df = pm4py.format_dataframe(df, case_id="case:concept:name", activity_key="concept:name",
                                timestamp_key="time:timestamp")
    dfg, start, end = pm4py.discover_dfg(df)
    pm4py.discover_performance_dfg(df)
    with tempfile.TemporaryDirectory() as tmp:  # the map drawn, as mine draws its own
        pm4py.save_vis_dfg(dfg, start, end, str(Path(tmp) / "dfg.svg"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1M,5M", help="comma-separated log sizes in events (default 1M,5M)")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "procsimp-scale",
                        help="where the generated logs are kept between runs")
    parser.add_argument("--commands", default=",".join(COMMANDS), help="the procsimp commands to measure")
    parser.add_argument("--repeat", type=int, default=1, help="runs per command; the best is kept")
    parser.add_argument("--no-pm4py", action="store_true", help="skip the pm4py way")
    parser.add_argument("--pm4py-max", type=parse_size, default=parse_size("20M"),
                        help="largest log the pm4py way is run on (default 20M)")
    parser.add_argument("--events", type=parse_size, default=None, help="one size (as benchmarks/run.py passes it)")
    parser.add_argument("--pm4py-worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--make-log", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.pm4py_worker:
        pm4py_way(args.pm4py_worker)
        return 0
    if args.make_log:
        make_log(args.make_log, args.dir)
        return 0
    sizes = [args.events] if args.events else [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    commands = [c.strip() for c in args.commands.split(",") if c.strip()]
    unknown = sorted(set(commands) - set(COMMANDS))
    if unknown:
        parser.error(f"unknown command(s) {', '.join(unknown)}; choose from {', '.join(COMMANDS)}")
    print(f"{'events':>7}  {'run':<8} {'time s':>8} {'cpu s':>7} {'peak GiB':>8} {'s/M ev':>7}  {'pm4py/it: time':>14} "
          f"{'cpu':>6} {'memory':>7}")
    compile_sources()
    failures = 0
    #: command -> [(size label, events, seconds, processor seconds)] of the runs that succeeded
    per_event: dict[str, list[tuple[str, int, float, float]]] = {}
    for n in sizes:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--make-log", str(n), "--dir", str(args.dir)], check=True)
        path = log_path(n, args.dir)
        events = _rows(path)
        print(f"{label(n):>7}  log: {path} ({events:,} events, {path.stat().st_size / 1e6:,.0f} MB;"
              f" ready in {time.perf_counter() - t0:.0f} s)", flush=True)
        baseline = None
        if not args.no_pm4py and events <= args.pm4py_max:
            runs = [measure([sys.executable, __file__, "--pm4py-worker", str(path)], cwd=ROOT) for _ in range(args.repeat)]
            seconds, peak, code, cpu = min(runs)
            failures += code != 0
            if code == 0:
                baseline = (seconds, peak, cpu)
                print(f"{label(n):>7}  {'pm4py':<8} {seconds:8.1f} {cpu:7.1f} {peak:8.2f} {seconds / events * 1e6:7.2f}",
                      flush=True)
        with tempfile.TemporaryDirectory(prefix="procsimp-scale-out-") as tmp:
            for command in commands:
                runs = [measure(command_line(command, path, Path(tmp) / f"{command}-{i}"), cwd=Path(tmp))
                        for i in range(args.repeat)]
                seconds, peak, code, cpu = min(runs)
                failures += code != 0
                ratio = (f"{baseline[0] / seconds:13.2f}x {baseline[2] / cpu:5.2f}x {baseline[1] / peak:6.2f}x"
                         if baseline is not None and command == "mine" and code == 0 else "")
                print(f"{label(n):>7}  {command:<8} {seconds:8.1f} {cpu:7.1f} {peak:8.2f} {seconds / events * 1e6:7.2f}  {ratio}",
                      flush=True)
                if code == 0:
                    per_event.setdefault(command, []).append((label(n), events, seconds, cpu))
    for command, runs in per_event.items():
        # time per event at each larger size, over that at the smallest (1.00x: it grows linearly)
        (first, e0, s0, c0), *larger = runs
        for size, events, seconds, cpu in larger:
            print(f"  {command} at {size}: time per event {seconds / events / (s0 / e0):.2f}x that at {first} "
                  f"(processor time per event {cpu / events / (c0 / e0):.2f}x)")
    print("  (pm4py = read_parquet + format_dataframe + DFG + performance DFG + the DFG as SVG; the ratio is shown"
          " against mine, which computes the same maps per service and draws them)")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
