"""Reading benchmark: procsimp's readers against pandas + pm4py on the same generated log.

Run ``python benchmarks/bench_read.py [--events N] [--repeat R]`` (default 1,000,000 events). It
generates a dossier log with a vectorised numpy generator, writes it as CSV (English headers,
ISO 8601 times with offset, like ``procsimp generate --lang en``) and as XES, then prints:

* CSV: ``procsimp.read_log`` vs ``pandas.read_csv`` + ``pm4py.format_dataframe``;
* XES: ``procsimp.read_log`` vs ``pm4py.read_xes(variant="rustxes")``;
* the re-read of the same file from procsimp's Parquet cache;
* memory: ``EventLog.df`` vs pm4py's formatted frame (``memory_usage(deep=True)``).

Times are the best of ``--repeat`` runs, wall clock and CPU (this process plus the worker
processes procsimp starts for large XES files). Targets (issue 2): CSV at least 3x faster, XES at least
as fast as rustxes, a cached re-read under a second at 1M events, memory at most half.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ACTIVITIES = [
    "Tiếp nhận hồ sơ", "Kiểm tra tính đầy đủ", "Yêu cầu bổ sung hồ sơ", "Nộp bổ sung hồ sơ",
    "Chuyển hồ sơ đến phòng chuyên môn", "Phân công xử lý", "Thẩm định hồ sơ", "Xem xét, trình ký",
    "Ký duyệt kết quả", "Thông báo từ chối", "Trả kết quả", "Xác minh thông tin cư trú",
]
SERVICES = ["Đăng ký khai sinh", "Cấp phiếu lý lịch tư pháp", "Cấp giấy phép xây dựng", "Đăng ký kết hôn",
            "Cấp hộ chiếu phổ thông", "Đăng ký thường trú", "Cấp đổi giấy phép lái xe", "Trợ cấp thất nghiệp"]
UNITS = ["Bộ phận một cửa", "Phòng Tư pháp", "Phòng Quản lý đô thị", "Lãnh đạo UBND", "Văn phòng đăng ký đất đai"]
CHANNELS = ["Trực tiếp", "Trực tuyến", "Bưu chính"]


def generate(events: int, seed: int = 0) -> pd.DataFrame:
    """A dossier log of about ``events`` events (10 per case on average), vectorised."""
    rng = np.random.default_rng(seed)
    per_case = rng.integers(4, 17, size=max(1, events // 10))
    per_case = per_case[np.cumsum(per_case) <= events]
    n_cases = len(per_case)
    n = int(per_case.sum())
    case_of = np.repeat(np.arange(n_cases), per_case)
    first = np.concatenate([[0], np.cumsum(per_case)[:-1]])
    step = np.arange(n) - first[case_of]
    base = np.datetime64("2025-01-01T00:00:00", "s").astype(np.int64)
    case_start = base + rng.integers(0, 365 * 86400, size=n_cases)
    gaps = rng.exponential(6 * 3600, size=n).astype(np.int64) + 60
    gaps[first] = 0
    offs = np.cumsum(gaps)
    offs = offs - np.repeat(offs[first], per_case)
    end = case_start[case_of] + offs
    start = end - rng.integers(60, 3600, size=n)
    act = np.where(step == 0, 0, rng.integers(1, len(ACTIVITIES), size=n))
    last = np.concatenate([first[1:] - 1, [n - 1]])
    act[last] = ACTIVITIES.index("Trả kết quả")
    tz = "Asia/Ho_Chi_Minh"

    def times(seconds: np.ndarray) -> pd.Series:
        utc = pd.to_datetime(seconds - 7 * 3600, unit="s", utc=True)
        return pd.Series(utc).dt.tz_convert(tz)

    received = case_start - 300
    frame = pd.DataFrame({
        "case_id": pd.Series(np.char.add("HS-", np.char.zfill(case_of.astype(str), 7))),
        "service": np.array(SERVICES)[rng.integers(0, len(SERVICES), size=n_cases)][case_of],
        "activity": np.array(ACTIVITIES)[act],
        "start_time": times(start),
        "end_time": times(end),
        "officer": np.char.add("CB-", rng.integers(0, 400, size=n).astype(str)),
        "unit": np.array(UNITS)[rng.integers(0, len(UNITS), size=n)],
        "channel": np.array(CHANNELS)[rng.integers(0, len(CHANNELS), size=n_cases)][case_of],
        "received": times(received[case_of]),
        "due": times(received[case_of] + 10 * 86400),
        "outcome": np.where(rng.random(n_cases) < 0.9, "Đã giải quyết", "Từ chối")[case_of],
    })
    return frame


def write_files(frame: pd.DataFrame, folder: Path) -> tuple[Path, Path]:
    """The CSV (ISO times with offset) and the XES file of the generated log."""
    from procsimp.read import frame_to_log, write_log

    csv = folder / "dossiers.csv"
    out = frame.copy()
    for col in ("start_time", "end_time", "received", "due"):
        text = out[col].dt.strftime("%Y-%m-%dT%H:%M:%S")
        out[col] = text + "+07:00"
    out.to_csv(csv, index=False)
    log = frame_to_log(frame)
    xes = folder / "dossiers.xes"
    write_log(log, xes)
    return csv, xes


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the XES worker processes)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """(best wall time, CPU time of that run, result) over ``repeat`` runs."""
    runs = []
    result = None
    for _ in range(repeat):
        result = None
        gc.collect()
        c0, t0 = _cpu(), time.perf_counter()
        result = fn()
        runs.append((time.perf_counter() - t0, _cpu() - c0))
    wall, cpu = min(runs)
    return wall, cpu, result


def line(label: str, wall: float, cpu: float, extra: str = "") -> None:
    print(f"{label:<48} {wall:6.2f} s wall {cpu:6.2f} s CPU  {extra}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)

    from procsimp.core._pm4py import pm4py
    from procsimp.read import read_log

    pm = pm4py()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        frame = generate(args.events)
        csv, xes = write_files(frame, folder)
        n = len(frame)
        del frame
        print(f"generated {n:,} events; CSV {csv.stat().st_size / 1e6:.0f} MB, XES {xes.stat().st_size / 1e6:.0f} MB "
              f"({time.perf_counter() - t0:.1f} s)")

        # -- CSV
        def pandas_pm4py() -> pd.DataFrame:
            df = pd.read_csv(csv)
            return pm.format_dataframe(df, case_id="case_id", activity_key="activity", timestamp_key="end_time")

        w_pm, c_pm, pm_frame = best(pandas_pm4py, args.repeat)
        w_ps, c_ps, log = best(lambda: read_log(csv, cache=False), args.repeat)
        assert log.n_events == n, (log.n_events, n)
        mem_pm = int(pm_frame.memory_usage(deep=True).sum())
        mem_ps = int(log.df.memory_usage(deep=True).sum())
        del pm_frame
        line("CSV  pandas.read_csv + pm4py.format_dataframe", w_pm, c_pm)
        line("CSV  procsimp.read_log", w_ps, c_ps, f"speed-up {w_pm / w_ps:4.1f}x  (target >= 3x)")
        print(f"MEM  pm4py formatted frame {mem_pm / 1e6:7.1f} MB, procsimp EventLog {mem_ps / 1e6:7.1f} MB: "
              f"ratio {mem_ps / mem_pm:.2f}  (target <= 0.50)")
        csv_scaled = w_ps * 1e6 / n
        del log

        # -- XES, plain and gzip-compressed
        gz = folder / "dossiers.xes.gz"
        with open(xes, "rb") as src, gzip.open(gz, "wb", compresslevel=6) as dst:
            dst.write(src.read())
        xes_scaled = 0.0
        for path in (xes, gz):
            w_pm, c_pm, pm_log = best(lambda p=path: pm.read_xes(str(p), variant="rustxes"), args.repeat)
            assert len(pm_log) == n, (len(pm_log), n)
            del pm_log
            w_ps, c_ps, log = best(lambda p=path: read_log(p, cache=False), args.repeat)
            assert log.n_events == n
            kind = path.name.split(".", 1)[1]
            line(f"{kind:<6} pm4py.read_xes(variant='rustxes')", w_pm, c_pm)
            line(f"{kind:<6} procsimp.read_log", w_ps, c_ps, f"speed-up {w_pm / w_ps:4.1f}x  (target >= 1x)")
            if path == xes:
                xes_scaled = w_ps * 1e6 / n

        # -- cache: the first read fills it, the second reads it
        cache = folder / "cache"
        read_log(xes, cache=cache)
        w_c, c_c, cached = best(lambda: read_log(xes, cache=cache), max(args.repeat, 1))
        from procsimp.read.cache import mapped_only

        pd.testing.assert_frame_equal(cached.df, mapped_only(log).df)  # the cache keeps mapped columns only
        line("XES  re-read from the Parquet cache", w_c, c_c, "(target < 1 s at 1M events)")
        print(f"scaled to 1M events: cache {w_c * 1e6 / n:.2f} s, CSV {csv_scaled:.2f} s, XES {xes_scaled:.2f} s")
        try:
            load = os.getloadavg()
            print(f"load average during the run: {load[0]:.1f} on {os.cpu_count()} cores")
        except OSError:  # pragma: no cover
            pass


if __name__ == "__main__":
    main(sys.argv[1:])
