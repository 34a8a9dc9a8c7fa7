"""Column mapping: detected headers (English, Vietnamese, with and without diacritics), keyword
arguments, mapping files, and the errors that name both candidates or the columns present."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from procsimp.core.log import ROLES, ColumnMapping
from procsimp.errors import MappingError, MissingColumnError
from procsimp.read import (
    detect_mapping,
    frame_to_log,
    load_mapping_file,
    normalise_header,
    read_log,
)
from procsimp.read.mapping import SYNONYMS

VI = ["ma_ho_so", "thu_tuc", "buoc", "bat_dau", "ket_thuc", "can_bo", "phong_ban", "kenh", "ngay_nhan",
      "han_xu_ly", "ket_qua"]
EN = ["case_id", "service", "activity", "start_time", "end_time", "officer", "unit", "channel", "received",
      "due", "outcome"]
ROLE_ORDER = ["case", "service", "activity", "start", "timestamp", "resource", "unit", "channel", "received",
              "due", "outcome"]


def test_synonym_sets_are_disjoint_and_normalised() -> None:
    seen: dict[str, str] = {}
    for role, names in SYNONYMS.items():
        assert role in ROLES
        for name in names:
            assert name == normalise_header(name)
            assert name not in seen, f"{name!r} is a synonym of {seen.get(name)!r} and {role!r}"
            seen[name] = role


@pytest.mark.parametrize(
    ("header", "normal"),
    [("Mã hồ sơ", "mahoso"), ("ma_ho_so", "mahoso"), ("MA HO SO", "mahoso"), ("Đơn vị", "donvi"),
     ("case:concept:name", "caseconceptname"), ("Hạn xử lý", "hanxuly"), ("Start-Time", "starttime")],
)
def test_normalise_header(header: str, normal: str) -> None:
    assert normalise_header(header) == normal


@pytest.mark.parametrize("headers", [VI, EN], ids=["vi", "en"])
def test_generator_headers_are_detected(headers: list[str]) -> None:
    mapping = detect_mapping(headers)
    assert dict(mapping.columns) == {role: h for role, h in zip(ROLE_ORDER, headers, strict=True)}
    assert set(mapping.how.values()) == {"detected"}


@pytest.mark.parametrize(
    ("header", "role"),
    [(h, "case") for h in ["case_id", "case", "caseid", "dossier_id", "ma_ho_so", "Mã hồ sơ", "so_ho_so", "Số hồ sơ"]]
    + [(h, "activity") for h in ["activity", "step", "buoc", "Bước", "ten_buoc", "cong_viec", "Tên bước"]]
    + [(h, "timestamp") for h in ["timestamp", "end_time", "complete_time", "ket_thuc", "thoi_gian", "ngay_xu_ly",
                                  "Kết thúc", "time:timestamp"]]
    + [(h, "start") for h in ["start_time", "bat_dau", "Bắt đầu", "start_timestamp"]]
    + [(h, "resource") for h in ["resource", "officer", "can_bo", "nguoi_xu_ly", "Cán bộ", "org:resource"]]
    + [(h, "unit") for h in ["unit", "department", "phong_ban", "don_vi", "Phòng ban", "org:group"]]
    + [(h, "service") for h in ["service", "procedure", "thu_tuc", "ten_thu_tuc", "Thủ tục", "case:service"]]
    + [(h, "channel") for h in ["channel", "kenh", "hinh_thuc_nop", "Kênh"]]
    + [(h, "received") for h in ["received", "ngay_nhan", "ngay_tiep_nhan", "Ngày tiếp nhận"]]
    + [(h, "due") for h in ["due", "due_date", "han_xu_ly", "han_tra_ket_qua", "Hạn trả kết quả"]]
    + [(h, "outcome") for h in ["outcome", "result", "ket_qua", "Kết quả"]],
)
def test_known_header_maps_to_its_role(header: str, role: str) -> None:
    others = {"case": "ma_ho_so", "activity": "buoc", "timestamp": "ket_thuc"}
    headers = [header] + [h for r, h in others.items() if r != role]
    mapping = detect_mapping(headers)
    assert mapping.columns[role] == header


def test_two_candidates_for_one_role_is_an_error_naming_both() -> None:
    with pytest.raises(MappingError) as err:
        detect_mapping(["Mã hồ sơ", "so_ho_so", "buoc", "ket_thuc"], source="x.csv")
    assert str(err.value) == (
        "x.csv: two columns could be the 'case' column: 'Mã hồ sơ' and 'so_ho_so'; choose one with --case COLUMN "
        "(or case=... in Python, or 'case: COLUMN' in a mapping file)"
    )
    # naming one of them resolves it, the other stays an extra attribute
    df = pd.DataFrame({"Mã hồ sơ": ["a"], "so_ho_so": ["b"], "buoc": ["x"], "ket_thuc": ["2025-01-02 08:00"]})
    log = frame_to_log(df, case="so_ho_so")
    assert log.mapping.columns["case"] == "so_ho_so"
    assert "Mã hồ sơ" in log.df.columns


def test_standard_names_declare_their_role() -> None:
    """A pm4py/XES name is not a guess: it wins over a synonym (running-example has both)."""
    mapping = detect_mapping(["case:concept:name", "concept:name", "Activity", "time:timestamp"], xes=True)
    assert mapping.columns["activity"] == "concept:name"
    assert mapping.how["activity"] == "xes"


def test_xes_dossier_roles_come_from_trace_attributes() -> None:
    cols = ["case:concept:name", "concept:name", "time:timestamp", "dueDate", "case:channel", "case:deadline"]
    mapping = detect_mapping(cols, xes=True)
    assert mapping.columns.get("due") == "case:deadline"  # not the event attribute dueDate
    assert mapping.columns.get("channel") == "case:channel"
    csv_mapping = detect_mapping(["case_id", "activity", "end_time", "dueDate"])
    assert csv_mapping.columns.get("due") == "dueDate"


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "Số hiệu": ["A", "A", "B"], "Công đoạn": ["x", "y", "x"],
        "Lúc xong": ["2025-01-02 08:00", "2025-01-02 09:00", "2025-01-03 08:00"], "người": ["u", "v", "u"],
    })


def test_keyword_arguments_mapping_dict_and_column_mapping() -> None:
    df = _frame()
    by_kwargs = frame_to_log(df, case="Số hiệu", activity="Công đoạn", timestamp="Lúc xong", resource="người")
    by_dict = frame_to_log(df, {"case": "Số hiệu", "activity": "Công đoạn", "timestamp": "Lúc xong",
                                "resource": "người"})
    by_cmap = frame_to_log(df, ColumnMapping(columns={"case": "Số hiệu", "activity": "Công đoạn",
                                                      "timestamp": "Lúc xong", "resource": "người"}))
    for log in (by_dict, by_cmap):
        pd.testing.assert_frame_equal(log.df, by_kwargs.df)
    assert by_kwargs.mapping.how["case"] == "argument"
    # names match after NFC and case/diacritics folding when unambiguous
    folded = frame_to_log(df, case="so hieu", activity="cong doan", timestamp="LUC XONG")
    assert folded.mapping.columns["case"] == "Số hiệu"


def test_yaml_mapping_file(tmp_path: Path) -> None:
    path = tmp_path / "map.yaml"
    path.write_text("case: Số hiệu\nactivity: Công đoạn\ntimestamp: Lúc xong\n", encoding="utf-8")
    assert load_mapping_file(path) == {"case": "Số hiệu", "activity": "Công đoạn", "timestamp": "Lúc xong"}
    log = frame_to_log(_frame(), path, resource="người")
    assert dict(log.mapping.how) == {"case": "file", "activity": "file", "timestamp": "file", "resource": "argument"}
    # a keyword argument wins over the file
    log = frame_to_log(_frame(), path, activity="người")
    assert log.mapping.columns["activity"] == "người"


def test_yaml_mapping_errors(tmp_path: Path) -> None:
    bad_role = tmp_path / "a.yaml"
    bad_role.write_text("dossier: Số hiệu\n", encoding="utf-8")
    with pytest.raises(MappingError, match="unknown role 'dossier'; allowed roles are: case, activity"):
        load_mapping_file(bad_role)
    empty_value = tmp_path / "b.yaml"
    empty_value.write_text("case:\n", encoding="utf-8")
    with pytest.raises(MappingError, match="role 'case' needs one column name, got None"):
        load_mapping_file(empty_value)
    not_a_dict = tmp_path / "c.yaml"
    not_a_dict.write_text("- case\n", encoding="utf-8")
    with pytest.raises(MappingError, match="must be a set of 'role: column' pairs, got a list"):
        load_mapping_file(not_a_dict)


def test_missing_and_duplicate_columns() -> None:
    df = _frame()
    with pytest.raises(MissingColumnError) as err:
        frame_to_log(df, case="Số hiệu", activity="Công đoạn", timestamp="Thời gian", source="f.csv")
    assert str(err.value) == (
        "f.csv: column 'Thời gian' given for 'timestamp' by --timestamp does not exist; columns present: "
        "'Số hiệu', 'Công đoạn', 'Lúc xong', 'người'"
    )
    with pytest.raises(MappingError, match="column 'Số hiệu' is mapped to more than one role"):
        frame_to_log(df, case="Số hiệu", activity="Số hiệu", timestamp="Lúc xong")
    with pytest.raises(MappingError, match="unknown column role 'dossier'"):
        frame_to_log(df, dossier="Số hiệu")


def test_read_log_accepts_a_mapping_path() -> None:
    data = Path(__file__).resolve().parent / "data" / "good"
    log = read_log(data / "custom_headers.tsv", data / "custom_mapping.yaml", cache=False)
    assert (log.n_cases, log.n_events) == (2, 4)
    assert log.mapping.columns["resource"] == "Người thực hiện"
