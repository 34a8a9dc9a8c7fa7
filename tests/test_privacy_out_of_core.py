"""anonymize on a log left on its Parquet files: written straight from the files (no event read
into pandas), and the same file, pseudonyms, column decisions, figures and errors as the log read
into memory."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from procsimp.engine.filters import filter_log
from procsimp.errors import PrivacyError
from procsimp.read import privacy_files, read_log
from procsimp.read.privacy import anonymize, personal_columns
from tests.conftest import EVENT_LOGS, invoke, refuse_reading_events

KEY = "0c9f8e7d6c5b4a39281706f5e4d3c2b1"


@pytest.fixture(scope="module")
def vi_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled Vietnamese log as Parquet (Vietnamese headers, naive times), with citizens'
    data and other attributes in unmapped columns: names with diacritics (few distinct values),
    citizen ID numbers held as whole numbers with gaps, a free-text note (mostly distinct values,
    some with a phone number, some empty, padded, invisible characters or starting like a
    formula), a level of few values, a paid flag with gaps, a reply time with gaps, a
    score, a signing date with gaps; and one row without a dossier id whose level holds an e-mail address (left out of
    the log, so it makes no column personal)."""
    rows = list(csv.DictReader((EVENT_LOGS / "dossiers_vi.csv").open(encoding="utf-8", newline="")))
    frame = pd.DataFrame(rows)
    for column in ("bat_dau", "ket_thuc", "ngay_nhan", "han_xu_ly"):
        frame[column] = pd.to_datetime(frame[column], format="%d/%m/%Y %H:%M:%S")
    n = len(frame)
    names = ["Nguyễn Thị Hồng Nhung", "Trần Văn Quyết", "Lê Thị Thu Thảo", "Đặng Hữu Phước", None]
    dossier = frame["ma_ho_so"].astype("category").cat.codes.to_numpy()
    frame["Họ và tên"] = [names[d % 5] for d in dossier]
    frame["so_giay_to"] = pd.array([None if d % 6 == 0 else 79_100_000_000 + int(d) for d in dossier], dtype="Int64")

    def note(i: int) -> str | None:
        if i % 11 == 0:
            return None
        if i % 13 == 0:
            return ""
        if i % 17 == 0:
            return "=HYPERLINK(\"x\")"
        if i % 19 == 0:
            return f"  đã hẹn lại\u200b lần {i}  "
        if i % 23 == 0:
            return f"gọi lại số 0912 345 {i % 1000:03d}"
        return f"ghi chú số {i}: hồ sơ đầy đủ"

    frame["ghi_chu"] = [note(i) for i in range(n)]
    frame["muc_do"] = [None if i % 9 == 0 else ["cao", "thấp", " trung bình "][i % 3] for i in range(n)]
    frame["da_thanh_toan"] = pd.array([None if i % 10 == 0 else i % 2 == 0 for i in range(n)], dtype="boolean")
    frame["lich_tra_loi"] = frame["ket_thuc"].where(pd.Series(range(n)) % 4 != 0) + pd.Timedelta(days=3)
    frame["diem"] = [i / 8 for i in range(n)]
    frame["ngay_ky"] = frame["ket_thuc"].dt.date.where(pd.Series(range(n)) % 5 != 0)
    orphan = frame.iloc[[0]].copy()
    orphan["ma_ho_so"] = None
    orphan["muc_do"] = "lien.he@example.vn"
    frame = pd.concat([frame, orphan], ignore_index=True)
    path = tmp_path_factory.mktemp("anon_ooc") / "dossiers_vi.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None), path)
    return path


@pytest.mark.parametrize(("name", "personal"), [("anon.parquet", "drop"), ("anon.csv", "hash"),
                                                ("anon.csv.gz", "drop"), ("anon.parquet", "hash")])
def test_out_of_core_anonymize_writes_the_in_memory_file(vi_log: Path, tmp_path: Path, name: str, personal: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    memory = read_log(vi_log, storage="memory")
    expected = anonymize(memory, key=KEY, personal=personal, out=tmp_path / "memory" / name)
    # (a few batches, so that the batches are joined in order)
    monkeypatch.setattr(privacy_files, "BATCH_ROWS", 4096)
    with monkeypatch.context() as patched:
        refuse_reading_events(patched)
        log = read_log(vi_log, storage="parquet")
        assert log.out_of_core
        got = anonymize(log, key=KEY, personal=personal, out=tmp_path / "files" / name)
        assert not log.materialised
    assert got.log is None and got.path == tmp_path / "files" / name
    assert dict(got.columns) == dict(expected.columns)
    assert got.describe() == expected.describe()
    assert (got.n_cases, got.n_events) == (expected.log.n_cases, expected.log.n_events) == (memory.n_cases, memory.n_events)
    # what was found: the names by header, the ID numbers and the phones in the notes by value;
    # not the level, whose only e-mail address is on a row left out of the log
    assert expected.columns["Họ và tên"] == ("dropped" if personal == "drop" else "hashed",
                                             "a header naming a person or their details")
    assert expected.columns["so_giay_to"][1] == "12-digit citizen ID numbers (CCCD)"
    assert expected.columns["ghi_chu"][1] == "phone numbers"
    assert expected.columns["muc_do"] == ("kept", "")
    mine = read_log(tmp_path / "files" / name, storage="memory").df
    theirs = read_log(tmp_path / "memory" / name, storage="memory").df
    pd.testing.assert_frame_equal(mine, theirs)
    assert mine["case:concept:name"].astype(str).str.fullmatch(r"HS-[0-9a-f]{16}").all()
    assert mine["org:resource"].dropna().astype(str).str.fullmatch(r"CB-[0-9a-f]{12}").all()
    if name.endswith(".csv"):  # the same bytes: order, times, numbers, neutralised formulas
        assert (tmp_path / "files" / name).read_bytes() == (tmp_path / "memory" / name).read_bytes()
    else:  # the same rows in the same order
        if name.endswith(".parquet"):
            a, b = pq.read_table(tmp_path / "files" / name), pq.read_table(tmp_path / "memory" / name)
            assert a.schema.names == b.schema.names and a.num_rows == b.num_rows
            for column in a.schema.names:
                assert a[column].cast(b[column].type).equals(b[column]) if not pa.types.is_dictionary(
                    b[column].type) else a[column].equals(b[column].cast(pa.string())), column
    assert sorted(p.name for p in (tmp_path / "files").iterdir()) == [name]  # nothing else left beside it


def test_personal_columns_of_a_log_left_on_its_files(vi_log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = personal_columns(read_log(vi_log, storage="memory"))
    with monkeypatch.context() as patched:
        refuse_reading_events(patched)
        log = read_log(vi_log, storage="parquet")
        assert personal_columns(log) == expected
    assert set(expected) == {"Họ và tên", "so_giay_to", "ghi_chu"}  # (the ID numbers by their values only)


def test_a_filtered_log_left_on_its_files(vi_log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A filtered log stays on its files: the events the filters keep, found and written as the
    filtered log read into memory."""
    filters = {"time_from": "2025-02-01", "lead_time": ">3d"}
    memory = filter_log(read_log(vi_log, storage="memory"), **filters)
    expected = anonymize(memory, key=KEY, personal="hash", out=tmp_path / "memory.csv")
    with monkeypatch.context() as patched:
        refuse_reading_events(patched)
        log = filter_log(read_log(vi_log, storage="parquet"), **filters)
        got = anonymize(log, key=KEY, personal="hash", out=tmp_path / "files.csv")
        assert log.out_of_core and not log.materialised
    assert 0 < got.n_events == expected.n_events < read_log(vi_log, storage="memory").n_events
    assert (got.n_cases, dict(got.columns)) == (expected.n_cases, dict(expected.columns))
    assert (tmp_path / "files.csv").read_bytes() == (tmp_path / "memory.csv").read_bytes()


def test_cli_anonymize_out_of_core_is_the_in_memory_command(vi_log: Path, tmp_path: Path) -> None:
    key_file = tmp_path / "anon.key"
    key_file.write_text(KEY + "\n", encoding="utf-8")
    runs = {}
    for storage in ("memory", "parquet"):
        out = tmp_path / storage / "anon.csv"
        code, stdout, err = invoke("anonymize", vi_log, "--storage", storage, "--key-file", key_file, "--out", out,
                                   "--personal", "hash", "--drop", "muc_do")
        assert code == 0, err
        runs[storage] = (stdout.replace(str(out), "OUT"), err[err.index("Anonymised:"):], out.read_bytes())
    assert runs["parquet"] == runs["memory"]
    stdout, err, _ = runs["parquet"]
    assert stdout.strip().startswith("Wrote OUT: ") and "dossiers" in stdout
    assert "  muc_do: dropped (asked for)\n" in err
    assert "  Họ và tên: hashed (a header naming a person or their details)\n" in err


def test_out_of_core_refusals_are_the_in_memory_ones(vi_log: Path, tmp_path: Path) -> None:
    log = read_log(vi_log, storage="parquet")
    memory = read_log(vi_log, storage="memory")
    for kwargs in ({"drop": ["nope"]}, {"drop": ["concept:name"]}, {"personal": "keep"}, {"key": "short"}):
        with pytest.raises(PrivacyError) as in_memory:
            anonymize(memory, **{"key": KEY, **kwargs}, out=tmp_path / "m.parquet")  # type: ignore[arg-type]
        with pytest.raises(PrivacyError) as on_files:
            anonymize(log, **{"key": KEY, **kwargs}, out=tmp_path / "f.parquet")  # type: ignore[arg-type]
        assert str(on_files.value) == str(in_memory.value)
    assert list(tmp_path.iterdir()) == []


def test_cli_errors_leave_no_file(vi_log: Path, tmp_path: Path) -> None:
    """A bad key file and an output that cannot be written: one Error: line, no file."""
    out = tmp_path / "shared" / "anon.parquet"
    short = tmp_path / "short.key"
    short.write_text("abc\n", encoding="utf-8")
    code, stdout, err = invoke("anonymize", vi_log, "--storage", "parquet", "--key-file", short, "--out", out)
    assert code == 1 and stdout == ""
    assert err.strip() == (f"Error: the key file {short} has 3 byte(s); a key needs at least 16 random bytes; make one "
                           "with: python -c \"import secrets; print(secrets.token_hex(32))\" > anon.key, keep it secret, "
                           "and pass --key-file anon.key (or set PROCSIMP_ANON_KEY)")
    code, _, err = invoke("anonymize", vi_log, "--storage", "parquet", "--key-file", tmp_path / "none.key", "--out", out)
    assert code == 1 and err.count("\n") == 1 and err.startswith(f"Error: {tmp_path / 'none.key'}: cannot read the key file")
    assert not out.parent.exists()
    key_file = tmp_path / "anon.key"
    key_file.write_text(KEY, encoding="utf-8")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    code, _, err = invoke("anonymize", vi_log, "--storage", "parquet", "--key-file", key_file,
                          "--out", blocker / "anon.csv")
    # (after the mapping read from the files, one line)
    assert code == 1 and err.count("Error:") == 1 and "Traceback" not in err
    assert err.splitlines()[-1] == f"Error: {blocker}: File exists"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "anon.key", "short.key"]


def test_an_interrupted_write_leaves_no_partial_file(vi_log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C (or any failure) after some batches were written: the output does not appear."""
    log = read_log(vi_log, storage="parquet")
    monkeypatch.setattr(privacy_files, "BATCH_ROWS", 2048)
    seen = []
    real = privacy_files._decoded

    def interrupted(*args: object, **kwargs: object) -> pa.Table:
        seen.append(1)
        if len(seen) == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(privacy_files, "_decoded", interrupted)
    for name in ("anon.parquet", "anon.csv"):
        seen.clear()
        with pytest.raises(KeyboardInterrupt):
            anonymize(log, key=KEY, out=tmp_path / name)
        assert len(seen) == 3
    assert list(tmp_path.iterdir()) == []
