"""Bad input that used to crash, print a traceback or give a silently wrong result.

Bad *files* are in the corpus (``tests/data/bad/``, checked by ``tests/test_validate_cli.py``);
these tests build inputs that are too large for the corpus, or check what is read from a file that
is accepted.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from procsimp import read_log
from procsimp.errors import LogReadError
from tests.conftest import invoke

DATA = Path(__file__).resolve().parent / "data"
BAD = DATA / "bad"

_XES = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0" xmlns="http://www.xes-standard.org/">\n'
    "{traces}</log>\n"
)


def _trace(case: str, *events: str) -> str:
    return f'<trace><string key="concept:name" value="{case}"/>\n' + "".join(events) + "</trace>\n"


def _event(activity: str, time: str, extra: str = "") -> str:
    return (f'<event><string key="concept:name" value="{activity}"/>{extra}'
            f'<date key="time:timestamp" value="{time}"/></event>\n')


# ---------------------------------------------------------------------------- XES
def test_deep_nesting_in_a_gzip_file_is_refused_before_parsing(tmp_path: Path) -> None:
    """5,000 nested lists ended in a segmentation fault of the XES parser (exit 139, no message)."""
    path = tmp_path / "deep.xes.gz"
    path.write_bytes(gzip.compress((BAD / "deep_nesting.xes").read_bytes()))
    with pytest.raises(LogReadError, match=r"elements are nested more than 100 levels deep \(at byte 1612\)"):
        read_log(path, cache=False)


def test_a_number_attribute_with_a_word_keeps_every_value_as_written(tmp_path: Path) -> None:
    """One <int key="org:resource" value="abc"/> used to quote every other officer ('"An"') and
    turn the bad one into 0."""
    path = tmp_path / "int.xes"
    path.write_text(_XES.format(traces=(
        _trace("c1", _event("A", "2025-01-02T10:00:00+07:00", '<string key="org:resource" value="An"/>'),
               _event("B", "2025-01-02T11:00:00+07:00", '<string key="org:resource" value="Bình"/>'))
        + _trace("c2", _event("A", "2025-01-02T10:00:00+07:00", '<int key="org:resource" value="abc"/>'),
                 _event("B", "2025-01-02T12:00:00+07:00", '<int key="org:resource" value="7"/>'))
    )), encoding="utf-8")
    log = read_log(path, cache=False)
    assert log.df["org:resource"].astype(str).tolist() == ["An", "Bình", "abc", "7"]


def test_an_int_attribute_that_is_not_a_number_is_read_as_text_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "int.xes"
    path.write_text(_XES.format(traces=(
        _trace("c1", _event("A", "2025-01-02T10:00:00+07:00", '<int key="org:resource" value="12"/>'),
               _event("B", "2025-01-02T11:00:00+07:00", '<int key="org:resource" value="abc"/>'))
    )), encoding="utf-8")
    log = read_log(path, cache=False)
    assert log.df["org:resource"].astype(str).tolist() == ["12", "abc"]
    assert "attribute 'org:resource' is typed <int> but 1 value(s) are not numbers (e.g. 'abc'); it is read as text" \
        in log.warnings


# ---------------------------------------------------------------------------- CSV
def test_cr_only_line_endings_are_read(tmp_path: Path) -> None:
    """Old Mac line endings (CR alone) ended in a csv traceback."""
    path = tmp_path / "cr.csv"
    path.write_bytes(b"case_id,activity,end_time\rC1,Receive,2025-01-02 08:00\rC1,Return,2025-01-02 09:00\r")
    log = read_log(path, cache=False)
    assert log.df["concept:name"].astype(str).tolist() == ["Receive", "Return"]


def test_a_bad_byte_deep_in_a_utf8_file_is_named_at_its_true_offset(tmp_path: Path) -> None:
    """Beyond the sample that decides the encoding, one Windows-1258 byte used to make the whole
    file decode as Windows-1258 (every Vietnamese letter garbled, exit 0)."""
    rows = ["case_id,activity,end_time"] + [f"C{i},Tiếp nhận,2025-01-02 08:00" for i in range(5000)]
    data = ("\n".join(rows) + "\n").encode("utf-8")
    path = tmp_path / "deep.csv"
    path.write_bytes(data[:100_000] + b"\xe9" + data[100_000:])
    row = data.count(b"\n", 0, 100_000) + 1
    with pytest.raises(LogReadError) as err:
        read_log(path, cache=False)
    assert str(err.value) == (
        f"{path}: the file is UTF-8 but byte 0xe9 at offset 100000 (row {row}) is not; correct that cell, "
        "or save the file again as UTF-8 CSV"
    )


def test_zero_width_spaces_do_not_make_a_second_activity(tmp_path: Path) -> None:
    path = tmp_path / "zw.csv"
    path.write_text(
        "case_id,activity,end_time\nC1,Tiếp nhận,2025-01-02 08:00\nC1,Trả kết quả,2025-01-02 09:00\n"
        "C2,Tiếp\u200b nhận,2025-01-02 08:00\nC2,Trả kết quả\ufeff,2025-01-02 09:00\n", encoding="utf-8")
    log = read_log(path, cache=False)
    assert sorted(log.df["concept:name"].astype(str).unique()) == ["Tiếp nhận", "Trả kết quả"]
    assert (
        "column 'activity' (activity): 2 distinct value(s) hold invisible characters (zero-width space and the "
        "like), e.g. 'Tiếp\\u200b nhận'; they are removed, so those values count as the same names written "
        "without them"
    ) in log.warnings
