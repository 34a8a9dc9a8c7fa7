"""Citizens' data stays private: no personal data in any file procsimp writes, keyed pseudonyms,
no dossier ids in reports unless asked for, rare variants folded, no file outside --out."""

from __future__ import annotations

import csv
import gzip
import json
import os
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from procsimp.errors import ParameterError, PrivacyError
from procsimp.read import read_log
from procsimp.read.privacy import anonymize, fold_rare_variants, personal_columns
from tests.conftest import DATA, invoke

KEY = "f3a1c9e07b5d42a88c61e0d9b7a4f2c1"
SOURCE = DATA / "good" / "dossiers_vi.csv"

#: per dossier of the small log: citizen ID (CCCD), phone, name, e-mail, a note with a phone inside
CITIZENS = {
    "HS-001": ("079123456789", "0912 345 678", "Nguyễn Thị Hồng Nhung", "nhung.nguyen@example.vn", "gọi lại số +84 987 654 321"),
    "HS-002": ("001098765432", "024 3825 1234", "Trần Văn Quyết", "quyet.tran@mail.example.com", "đã hẹn, sđt 0389.111.222"),
    "HS-003": ("046200011122", "0977-888-999", "Lê Thị Thu Thảo", "thao.le@example.org", "không có ghi chú"),
}
EXTRA_HEADERS = ["so_cccd", "Số điện thoại", "Họ và tên", "email", "ghi_chu", "muc_do"]


def personal_values() -> set[str]:
    """Every personal value, and the digits of every number (a writer could drop the spaces)."""
    values = set()
    for cccd, phone, name, email, note in CITIZENS.values():
        values |= {cccd, phone, name, email, note}
        values.add("".join(c for c in phone if c.isdigit()))
    values |= {"987654321", "0389111222"}  # the phones inside the notes
    return values


@pytest.fixture(scope="module")
def pii_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small Vietnamese log with citizens' data in six unmapped columns."""
    lines = list(csv.reader(SOURCE.open(encoding="utf-8", newline="")))
    header, rows = lines[0], lines[1:]
    path = tmp_path_factory.mktemp("input") / "dossiers.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*header, *EXTRA_HEADERS])
        for row in rows:
            writer.writerow([*row, *CITIZENS[row[0]], "cao"])
    return path


def leaks(folder: Path, exclude: Path | None = None) -> list[tuple[str, str]]:
    """(file, value) for every personal value found in any file under ``folder``: as bytes in
    UTF-8 (NFC and NFD) and JSON-escaped, inside gzip files, and in the values of Parquet files."""
    import pyarrow.parquet as pq

    needles: list[tuple[str, bytes]] = []
    for value in personal_values():
        for form in {unicodedata.normalize("NFC", value), unicodedata.normalize("NFD", value)}:
            needles.append((value, form.encode("utf-8")))
            needles.append((value, json.dumps(form).strip('"').encode("ascii")))
    found = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path == exclude:
            continue
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data += gzip.decompress(data)
        if data[:4] == b"PAR1":
            data += json.dumps(pq.read_table(path).to_pylist(), default=str, ensure_ascii=False).encode("utf-8")
        for value, needle in needles:
            if needle in data:
                found.append((path.relative_to(folder).as_posix(), value))
    return found


# ---------------------------------------------------------------------------- detection
def test_personal_columns_are_found_by_values_and_headers(pii_log: Path) -> None:
    log = read_log(pii_log)
    assert personal_columns(log) == {
        "so_cccd": "a header naming a person or their details, 12-digit citizen ID numbers (CCCD)",
        "Số điện thoại": "a header naming a person or their details, phone numbers",
        "Họ và tên": "a header naming a person or their details",
        "email": "a header naming a person or their details, e-mail addresses",
        "ghi_chu": "phone numbers",  # found by its values alone
    }


def test_detection_by_values_without_telling_headers() -> None:
    from procsimp.read import frame_to_log

    frame = pd.DataFrame({
        "case_id": ["A", "A", "B"],
        "activity": ["x", "y", "x"],
        "end_time": pd.to_datetime(["2025-01-02 08:00", "2025-01-02 09:00", "2025-01-03 08:00"]),
        "c1": [79123456789, 79123456789, 1098765432],  # CCCD read as numbers: leading zero lost
        "c2": ["liên hệ: a.b@c.vn", None, "x"],
        "c3": ["+84912345678", "n/a", "n/a"],
        "amount": [1500000, 250000, 120000000000],  # 12 digits, not a citizen ID
        "code": ["DD-250102-0001", "DD-250102-0001", "DD-250103-0002"],
        "fullName": ["A", "A", "B"],  # camelCase header
        "service_name": ["s", "s", "s"],  # "name" inside another word is not a person
    })
    found = personal_columns(frame_to_log(frame))
    assert found == {
        "c1": "12-digit citizen ID numbers (CCCD)",
        "c2": "e-mail addresses",
        "c3": "phone numbers",
        "fullName": "a header naming a person or their details",
    }


# ---------------------------------------------------------------------------- anonymize
def test_anonymize_pseudonymises_and_drops(pii_log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = read_log(pii_log)
    before = log.df.copy()
    result = anonymize(log, key=KEY)
    pd.testing.assert_frame_equal(log.df, before)  # the input is not changed
    df = result.log.df
    assert set(df.columns) == set(log.df.columns) - {"so_cccd", "Số điện thoại", "Họ và tên", "email", "ghi_chu"}
    assert df["muc_do"].tolist() == log.df["muc_do"].tolist()
    cases = sorted(df["case:concept:name"].astype(str).unique())
    assert len(cases) == log.n_cases and all(c.startswith("HS-") and len(c) == 19 for c in cases)
    assert not set(cases) & set(log.df["case:concept:name"].astype(str))
    officers = set(df["org:resource"].dropna().astype(str))
    assert all(o.startswith("CB-") and len(o) == 15 for o in officers)
    assert len(officers) == log.df["org:resource"].nunique()
    # the events keep their order, steps and times; the same dossier keeps one pseudonym
    assert df["concept:name"].tolist() == log.df["concept:name"].tolist()
    assert df["time:timestamp"].tolist() == log.df["time:timestamp"].tolist()
    assert df.groupby("case:concept:name", observed=True).size().sort_values().tolist() == (
        log.df.groupby("case:concept:name", observed=True).size().sort_values().tolist()
    )
    # keyed: the same key gives the same pseudonyms (also from the environment), another key others
    monkeypatch.setenv("PROCSIMP_ANON_KEY", KEY)
    again = anonymize(log).log.df
    assert again["case:concept:name"].tolist() == df["case:concept:name"].tolist()
    other = anonymize(log, key=KEY[::-1]).log.df
    assert not set(other["case:concept:name"].astype(str)) & set(cases)
    assert result.columns["so_cccd"][0] == "dropped" and result.columns["muc_do"] == ("kept", "")
    assert "<table>" in result._repr_html_()


def test_anonymize_can_hash_and_drop_more(pii_log: Path) -> None:
    log = read_log(pii_log)
    result = anonymize(log, key=KEY, personal="hash", drop=["muc_do"])
    df = result.log.df
    assert "muc_do" not in df.columns
    hashed = df["so_cccd"].astype(str)
    assert hashed.str.fullmatch(r"[0-9a-f]{16}").all()
    assert hashed.nunique() == log.df["so_cccd"].nunique()  # still tells dossiers apart
    assert not set(hashed) & {c[0] for c in CITIZENS.values()}
    assert result.columns["Họ và tên"] == ("hashed", "a header naming a person or their details")


def test_anonymize_refuses_bad_arguments(pii_log: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    log = read_log(pii_log)
    monkeypatch.delenv("PROCSIMP_ANON_KEY", raising=False)
    with pytest.raises(PrivacyError, match="anonymize needs a secret key and none was given; make one with"):
        anonymize(log)
    with pytest.raises(PrivacyError, match="the key has 5 byte"):
        anonymize(log, key="short")
    with pytest.raises(PrivacyError, match="personal must be 'drop' or 'hash', got 'keep'"):
        anonymize(log, key=KEY, personal="keep")
    with pytest.raises(PrivacyError, match="cannot drop 'nope': not an unmapped column of the log; unmapped columns: 'so_cccd'"):
        anonymize(log, key=KEY, drop=["nope"])
    with pytest.raises(PrivacyError, match="anonymize needs an EventLog"):
        anonymize(pii_log, key=KEY)  # type: ignore[arg-type]
    with pytest.raises(PrivacyError, match="cannot read the key file"):
        anonymize(log, key_file=tmp_path / "none.key")


def test_anonymize_cli_writes_no_personal_data_and_no_key(pii_log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROCSIMP_ANON_KEY", raising=False)
    key_file = tmp_path / "anon.key"
    key_file.write_text(KEY + "\n", encoding="utf-8")
    out = tmp_path / "shared"
    out.mkdir()
    code, stdout, err = invoke("anonymize", pii_log, "--out", out / "anon.csv", "--key-file", key_file)
    assert code == 0, err
    assert stdout.strip() == f"Wrote {out / 'anon.csv'}: 3 dossiers, 11 events"
    assert "Anonymised:\n  ma_ho_so (case): pseudonymised (dossier id, keyed HMAC)\n  can_bo (resource): pseudonymised" in err
    assert "  ghi_chu: dropped (phone numbers)" in err
    assert "  kept unchanged (nothing personal found in them; check, or drop them with --drop): muc_do" in err
    code, _, err = invoke("anonymize", pii_log, "--out", out / "anon.parquet", "--key-file", key_file, "--personal", "hash")
    assert code == 0, err
    assert leaks(out) == []
    text = (out / "anon.csv").read_text(encoding="utf-8")
    for dossier in CITIZENS:
        assert dossier not in text
    assert "Nguyễn Văn An" not in text  # an officer of the source log
    for path in out.iterdir():
        assert KEY.encode() not in path.read_bytes()
    # the anonymised log is a log: it reads back, and the report on it carries no personal data
    anon = read_log(out / "anon.csv")
    assert anon.n_cases == 3
    code, _, err = invoke("report", out / "anon.csv", "--out", tmp_path / "report", "--format", "svg")
    assert code == 0, err
    assert leaks(tmp_path / "report") == []
    code, _, err = invoke("anonymize", pii_log, "--out", out / "x.csv")
    assert (code, err.strip().split(";")[0]) == (1, "Error: anonymize needs a secret key and none was given")
    assert not (out / "x.csv").exists()


def test_no_personal_data_in_any_file_after_every_command(pii_log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """validate, profile, flag, propose and report on a log with citizens' data: no value of it in
    any file they write, under the output folders, the working directory or the cache."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv("PROCSIMP_CACHE_DIR", raising=False)
    cache = tmp_path / "cache"
    runs = [
        ("validate", pii_log, "--cache", cache),
        ("profile", pii_log, "--out", "profile", "--cache", cache),
        ("flag", pii_log, "--out", "flags", "--cache", cache),
        ("propose", pii_log, "--out", "proposal", "--cache", cache),
        ("report", pii_log, "--out", "report", "--cache", cache),
        ("report", pii_log, "--out", "report", "--format", "dot,bpmn"),
        ("profile", pii_log),
        ("flag", pii_log),
    ]
    for args in runs:
        code, stdout, err = invoke(*args)
        assert code == 0, (args, err)
        for value in personal_values():
            assert value not in stdout, (args, value)
    assert sorted(os.listdir(work)) == ["flags", "profile", "proposal", "report"]  # nothing else
    assert [p.suffix for p in cache.iterdir()] == [".parquet"]  # the cache was used, once
    assert len(list(work.rglob("*.*"))) > 30
    assert leaks(tmp_path, exclude=pii_log) == []


def test_cache_is_never_inside_the_output_folder(pii_log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "report"
    code, _, err = invoke("report", pii_log, "--out", out, "--cache", out / "cache")
    assert code == 1
    assert err.strip() == (
        f"Error: --cache {out / 'cache'} is inside the output folder --out {out}; the cache holds the log's "
        "data and must stay out of the deliverables: give a folder elsewhere, e.g. --cache ~/.cache/procsimp"
    )
    monkeypatch.setenv("PROCSIMP_CACHE_DIR", str(out))
    code, _, err = invoke("profile", pii_log, "--out", out)
    assert code == 1 and "is inside the output folder" in err
    code, _, err = invoke("profile", pii_log, "--out", out, "--no-cache")
    assert code == 0, err
    assert not out.exists() or not [p for p in out.iterdir() if p.suffix == ".parquet"]


# ---------------------------------------------------------------------------- dossier ids
def test_reports_list_dossier_ids_only_when_asked(tmp_path: Path) -> None:
    from procsimp.read import write_log
    from procsimp.synth import generate

    src = write_log(generate(services=["birth_registration"], cases=60, seed=3, lang="vi").log, tmp_path / "log.csv")
    log = read_log(src)
    ids = set(log.df["case:concept:name"].astype(str))
    code, _, err = invoke("report", src, "--out", tmp_path / "plain", "--format", "svg")
    assert code == 0, err
    for path in (tmp_path / "plain").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not [d for d in ids if d.encode() in data], path
    code, _, err = invoke("report", src, "--out", tmp_path / "ids", "--format", "svg", "--include-case-ids")
    assert code == 0, err
    flags = json.loads((tmp_path / "ids" / "flags.json").read_text(encoding="utf-8"))
    assert flags and all(1 <= len(f["example_cases"]) <= 10 and set(f["example_cases"]) <= ids for f in flags)
    for f in flags:  # each named dossier passes through the flagged step
        steps = log.df[log.df["case:concept:name"].isin(f["example_cases"])]
        assert set(f["example_cases"]) <= set(steps.loc[steps["concept:name"] == f["activity"], "case:concept:name"])
    page = (tmp_path / "ids" / "index.html").read_text(encoding="utf-8")
    assert "example_dossiers" in page and flags[0]["example_cases"][0] in page


# ---------------------------------------------------------------------------- rare variants
def test_fold_rare_variants_keeps_totals() -> None:
    variants = pd.DataFrame({
        "service": ["s"] * 4 + ["t"],
        "variant": [("a", "b"), ("a", "c"), ("a",), ("b",), ("x",)],
        "cases": [10, 4, 1, 5, 2],
        "share": [0.5, 0.2, 0.05, 0.25, 1.0],
        "events": [20, 8, 1, 5, 2],
        "lead_days_mean": [1.0, 2.0, 7.0, 3.0, 4.0],
        "rank": [1, 3, 4, 2, 1],
    })
    folded = fold_rare_variants(variants, min_cases=5)
    assert folded["variant"].tolist() == [
        ("a", "b"), ("b",), "other (2 variants of fewer than 5 dossiers)", "other (1 variants of fewer than 5 dossiers)"
    ]
    assert folded["service"].tolist() == ["s", "s", "s", "t"]
    assert folded["cases"].tolist() == [10, 5, 5, 2] and folded["events"].tolist() == [20, 5, 9, 2]
    assert folded["lead_days_mean"].tolist()[2] == pytest.approx((4 * 2.0 + 7.0) / 5)
    assert folded["rank"].tolist() == [1, 2, 3, 1]
    assert folded["cases"].sum() == variants["cases"].sum()
    pd.testing.assert_frame_equal(fold_rare_variants(variants, min_cases=1), variants)
    with pytest.raises(PrivacyError, match="min_cases must be a whole number of at least 1, got 0"):
        fold_rare_variants(variants, min_cases=0)


def test_mine_exports_no_variant_of_fewer_than_k_dossiers(tmp_path: Path) -> None:
    from tests.conftest import EVENT_LOGS

    service = "Đổi giấy phép lái xe"
    code, _, err = invoke("mine", EVENT_LOGS / "dossiers_vi.csv", "--service", service, "--format", "dot", "--out", tmp_path / "m")
    assert code == 0, err
    (table,) = (tmp_path / "m").glob("*/variants.csv")
    rows = list(csv.DictReader(table.open(encoding="utf-8", newline="")))
    rare = [r for r in rows if int(r["cases"]) < 5]
    assert rare == [] or all(r["variant"].startswith("other (") for r in rare)
    others = [r for r in rows if r["variant"].startswith("other (")]
    assert len(others) == 1
    log = read_log(EVENT_LOGS / "dossiers_vi.csv")
    assert sum(int(r["cases"]) for r in rows) == log.for_service(service).n_cases
    code, _, err = invoke("mine", EVENT_LOGS / "dossiers_vi.csv", "--service", service, "--format", "dot",
                          "--out", tmp_path / "all", "--min-variant-cases", "1")
    assert code == 0, err
    (table,) = (tmp_path / "all").glob("*/variants.csv")
    every = list(csv.DictReader(table.open(encoding="utf-8", newline="")))
    assert not [r for r in every if r["variant"].startswith("other (")]
    assert len(every) == len(rows) - 1 + int(others[0]["variant"].split("(")[1].split()[0])


# ---------------------------------------------------------------------------- paths
def test_generate_writes_nothing_outside_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "a" / "b"
    for name in ("../../x.json", "/tmp/x.json", "..", "sub/truth.json"):
        code, _, err = invoke("generate", "--cases", 20, "--out", out, "--truth-name", name)
        assert code == 1
        assert err.strip().startswith(f"Error: --truth-name {name!r} is not a file name: give a name without folders")
    assert list(tmp_path.rglob("*")) == []
    from procsimp.synth import generate

    with pytest.raises(ParameterError, match="--truth-name '../x.json' is not a file name"):
        generate(services=["birth_registration"], cases=10).write(out, truth_name="../x.json")
    assert not (tmp_path / "a" / "x.json").exists()


def test_report_mine_and_propose_name_a_service_folder_alike(tmp_path: Path) -> None:
    """One slug rule: a service called 'CON' (a name Windows reserves) gets one folder name."""
    lines = SOURCE.read_text(encoding="utf-8").replace("Đăng ký khai sinh", "CON")
    log = tmp_path / "con.csv"
    log.write_text(lines, encoding="utf-8")
    folders = {}
    for command, extra in (("report", ["--format", "svg"]), ("mine", ["--format", "dot"]), ("propose", ["--format", "bpmn"])):
        code, _, err = invoke(command, log, "--out", tmp_path / command, *extra)
        assert code == 0, err
        folders[command] = sorted(p.name for p in (tmp_path / command).iterdir() if p.is_dir())
    assert folders["report"] == folders["mine"] == folders["propose"]
    assert "con-service" in folders["report"] and "con" not in folders["report"]
