"""Fuzzing: every public entry point either succeeds or raises a :class:`ProcsimpError`.

Hypothesis writes raw CSV and XES bytes (damaged, mis-encoded, hostile) and small logs with odd
names and times, and runs them through ``read_log``, ``profile``, ``mine``, ``flag_steps`` and
``propose``. Anything else (a ``TypeError``, a ``KeyError``, a crash) fails the test with the
example that caused it.

The normal test run tries a bounded number of examples; ``make fuzz`` runs many more (the
``PROCSIMP_FUZZ_EXAMPLES`` environment variable sets how many).
"""

from __future__ import annotations

import gzip
import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from procsimp import read_log
from procsimp.errors import ProcsimpError
from procsimp.read import frame_to_log

EXAMPLES = int(os.environ.get("PROCSIMP_FUZZ_EXAMPLES", "25"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize="PROCSIMP_FUZZ_EXAMPLES" not in os.environ,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
#: the whole flow is slower: a fifth of the examples
FLOW = settings(FUZZ, max_examples=max(3, EXAMPLES // 5))


def _read(data: bytes, name: str, **options: Any) -> None:
    """read_log on ``data`` saved as ``name``: a log, or a ProcsimpError; nothing else."""
    with tempfile.TemporaryDirectory(prefix="procsimp-fuzz-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            read_log(path, cache=False, **options)
        except ProcsimpError:
            pass


# ---------------------------------------------------------------------------- strategies
_HEADERS = ["ma_ho_so", "buoc", "ket_thuc", "bat_dau", "can_bo", "thu_tuc", "case_id", "activity", "end_time",
            "Mã hồ sơ", "Bước", "Thời gian", "", "x", "case_id"]
_TIMES = ["02/01/2025 08:00", "2025-01-02T08:00:00+07:00", "2025-01-02 08:00", "13/13/2025", "45658.5",
          "1735786800", "2025-01-02T08:00:00Z", "31/02/2025 10:00", "", "hôm qua", "9999-12-31", "0"]
_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_CELL = st.one_of(st.sampled_from(_TIMES), _TEXT, st.sampled_from(["HS-1", "HS-2", "Tiếp nhận", "Trả kết quả"]))


@st.composite
def csv_bytes(draw: st.DrawFn) -> bytes:
    """Delimited text, mostly well-formed, then damaged: delimiters, quotes, encodings, bytes."""
    width = draw(st.integers(1, 6))
    header = draw(st.lists(st.sampled_from(_HEADERS), min_size=width, max_size=width))
    rows = draw(st.lists(st.lists(_CELL, min_size=width, max_size=width), max_size=8))
    sep = draw(st.sampled_from([",", ";", "\t", "|"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = newline.join(sep.join(r) for r in [header, *rows]) + draw(st.sampled_from(["", newline]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1258"]))
    data = text.encode(encoding, errors="replace")
    if draw(st.booleans()):  # damage: overwrite, insert or cut bytes
        pos = draw(st.integers(0, max(0, len(data))))
        data = data[:pos] + draw(st.binary(max_size=6)) + data[pos + draw(st.integers(0, 3)):]
    return data


_XES_VALUES = st.one_of(_TEXT.map(lambda t: t.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")),
                        st.sampled_from(["2025-01-02T08:00:00+07:00", "2025-01-02T08:00:00", "abc", "&nbsp;",
                                         "1e309", "-1", "2025-13-45T99:00:00Z"]))


@st.composite
def xes_bytes(draw: st.DrawFn) -> bytes:
    """An XES document of a few traces with typed attributes, nesting and damage."""
    traces = []
    for t in range(draw(st.integers(0, 3))):
        events = []
        for _ in range(draw(st.integers(0, 3))):
            attrs = []
            for key in draw(st.lists(st.sampled_from(["concept:name", "time:timestamp", "org:resource", "x"]),
                                     max_size=4)):
                tag = draw(st.sampled_from(["string", "date", "int", "float", "boolean", "list"]))
                value = draw(_XES_VALUES)
                close = "></list>" if tag == "list" else "/>"
                attrs.append(f'<{tag} key="{key}" value="{value}"{close}')
            events.append("<event>" + "".join(attrs) + "</event>")
        traces.append(f'<trace><string key="concept:name" value="c{t}"/>' + "".join(events) + "</trace>")
    depth = draw(st.sampled_from([0, 0, 0, 3, 150]))
    body = "".join(traces) + '<list key="n">' * depth + "</list>" * depth
    declared = draw(st.sampled_from(["UTF-8", "ISO-8859-1", "windows-1258", "UTF-16"]))
    text = f'<?xml version="1.0" encoding="{declared}"?>\n<log xes.version="1.0">{body}</log>\n'
    data = text.encode(draw(st.sampled_from(["utf-8", "utf-16", "latin-1"])), errors="replace")
    if draw(st.booleans()):
        pos = draw(st.integers(0, len(data)))
        data = data[:pos] + draw(st.binary(max_size=6)) + data[pos + draw(st.integers(0, 3)):]
    if draw(st.booleans()):
        data = gzip.compress(data, mtime=0)
    return data


# ---------------------------------------------------------------------------- properties
@FUZZ
@given(csv_bytes())
def test_read_log_on_csv_bytes(data: bytes) -> None:
    _read(data, "log.csv")


@FUZZ
@given(st.binary(max_size=400), st.sampled_from(["log.csv", "log.xes", "log.xlsx", "log.parquet", "log.csv.gz",
                                                  "log.xes.gz"]))
def test_read_log_on_any_bytes(data: bytes, name: str) -> None:
    _read(data, name)


@FUZZ
@given(xes_bytes())
def test_read_log_on_xes_bytes(data: bytes) -> None:
    _read(data, "log.xes.gz" if data[:2] == b"\x1f\x8b" else "log.xes")


_ARGUMENTS = st.one_of(st.none(), st.integers(-3, 3), st.text(max_size=5), st.binary(max_size=5),
                       st.lists(st.integers(), max_size=2), st.just(float("nan")), st.just(object()))


@FUZZ
@given(_ARGUMENTS, _ARGUMENTS, _ARGUMENTS)
def test_read_log_arguments(path: Any, mapping: Any, timezone: Any) -> None:
    """Any value for the path, mapping or timezone: a log or a ProcsimpError (a file named by a
    short text may exist in the working folder: that is read like any file)."""
    try:
        read_log(path, mapping, timezone=timezone, cache=False)
    except ProcsimpError:
        pass


_NAMES = st.one_of(st.sampled_from(["Tiếp nhận", "Thẩm định", "Trả kết quả", "Ký duyệt"]),
                   st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=8))


@st.composite
def logs(draw: st.DrawFn) -> pd.DataFrame:
    """Events of a few dossiers: odd names, ties, one-event cases, several services."""
    rows = []
    for case in range(draw(st.integers(1, 5))):
        service = draw(st.sampled_from(["Khai sinh", "Lý lịch tư pháp", "<b>x</b>\x1b"]))
        minute = 0
        for _ in range(draw(st.integers(1, 5))):
            minute += draw(st.sampled_from([0, 5, 60, 60 * 24 * 3]))
            rows.append({"case_id": f"HS{case}", "activity": draw(_NAMES), "service": service,
                         "officer": draw(st.sampled_from(["An", "Bình", None])),
                         "end_time": pd.Timestamp("2025-01-02 08:00") + pd.Timedelta(minutes=minute)})
    return pd.DataFrame(rows)


@FLOW
@given(logs())
def test_the_flow_on_odd_logs(frame: pd.DataFrame) -> None:
    from procsimp import flag_steps, mine, profile, propose

    try:
        log = frame_to_log(frame, case="case_id", activity="activity", timestamp="end_time",
                                  resource="officer", service="service")
    except ProcsimpError:
        return
    try:
        profile(log)
    except ProcsimpError:
        pass
    for service in [None, *log.services]:
        try:
            mine(log, service=service)
        except ProcsimpError:
            pass
        try:
            propose(log, flag_steps(log, service=service), service=service)
        except ProcsimpError:
            pass
