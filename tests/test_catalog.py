"""The service catalog: data files, lookup, protection, user extensions, errors and the CLI."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import procsimp.catalog as catalog_pkg
from procsimp.catalog import (
    GROUPS,
    LEVELS,
    STAGE_IDS,
    Catalog,
    Service,
    extend_catalog,
    hint_kinds,
    keywords,
    kinds,
    load_catalog,
    stage,
    stages,
)
from procsimp.cli import main
from procsimp.errors import CatalogError, ParameterError, ProcsimpError

DATA_DIR = Path(catalog_pkg.__file__).resolve().parent
SERVICES_YAML = DATA_DIR / "services.yaml"
STAGES_YAML = DATA_DIR / "stages.yaml"


def builtin_catalog_error(tmp_path: Path, text: str) -> str:
    """The error line of ``procsimp catalog`` run on a copy of the package whose built-in
    catalog (``services.yaml``) is ``text``: the packaged file is read and checked on first use."""
    package = Path(catalog_pkg.__file__).resolve().parent.parent
    copy = tmp_path / "site" / "procsimp"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "catalog" / "services.yaml").write_text(text, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(copy.parent)}
    run = subprocess.run(
        [sys.executable, "-m", "procsimp", "catalog"], capture_output=True, text=True, env=env, cwd=tmp_path, check=False
    )
    assert run.returncode == 1 and run.stdout == "", run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr  # one Error: line, never a traceback
    return lines[0]


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def raw_services() -> list[dict]:
    return yaml.safe_load(SERVICES_YAML.read_text(encoding="utf-8"))["services"]


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# ============================================================================ built-in data
def test_25_essential_services_with_names_levels_and_statutory_days(cat: Catalog) -> None:
    essential = cat.essential()
    assert len(essential) == 25
    assert all(s.essential for s in essential)
    for s in essential:
        assert s.name_vi and s.name_en and s.agency, s.id
        assert s.level in LEVELS, s.id
        assert isinstance(s.statutory_days, float) and s.statutory_days > 0, s.id
    # non-essential common services exist too, and are not counted among the 25
    assert len(cat) > 25
    assert {s.id for s in cat if not s.essential} >= {"certified_copy", "building_permit_house"}


def test_essential_services_follow_the_issue_grouping(cat: Catalog) -> None:
    groups = {g: {s.id for s in cat.essential() if s.group == g} for g in GROUPS}
    assert groups["public_security"] >= {
        "id_card",
        "permanent_residence",
        "temporary_residence",
        "temporary_absence",
        "vehicle_registration",
        "traffic_fine_camera",
        "passport",
        "judicial_record",
        "seal_registration",
        "driving_licence_exchange",
    }
    assert groups["civil_status"] == {
        "birth_registration",
        "death_registration",
        "marriage_registration",
        "birth_residence_health_insurance",
        "death_residence_funeral",
        "land_change_registration",
    }
    assert groups["other"] == {
        "health_insurance_renewal",
        "tax_registration",
        "electricity_new_connection",
        "electricity_contract_change",
        "exam_admission_registration",
        "unemployment_benefit",
    }
    assert sum(len(v) for v in groups.values()) == 25
    assert all(s.group in GROUPS for s in cat)


def test_data_files_are_nfc_and_vietnamese_names_carry_diacritics(cat: Catalog) -> None:
    for path in (SERVICES_YAML, STAGES_YAML):
        assert unicodedata.is_normalized("NFC", path.read_text(encoding="utf-8")), path.name
    for s in cat:
        for text in (s.name_vi, s.name_en, *s.aliases, *s.protected_steps, s.agency):
            assert unicodedata.is_normalized("NFC", text), (s.id, text)
        assert not s.name_vi.isascii(), f"{s.id}: Vietnamese name without diacritics: {s.name_vi}"
        assert s.name_en.isascii(), f"{s.id}: English name with non-ASCII letters: {s.name_en}"
    for st in stages():
        assert not st.vi.isascii() and st.en.isascii(), st.id


def test_ids_are_unique_snake_case(raw_services: list[dict]) -> None:
    ids = [e["id"] for e in raw_services]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in ids), ids


def test_codes_are_never_invented(cat: Catalog, raw_services: list[dict], tmp_path: Path) -> None:
    # every official code in the packaged file comes with a citation in the same entry
    for entry in raw_services:
        if entry.get("code"):
            assert entry.get("sources"), f"{entry['id']}: code {entry['code']!r} without a source"
    assert all(s.sources for s in cat if s.code)
    # and the loader refuses a code without a citation in the entry that sets it
    error = builtin_catalog_error(
        tmp_path,
        SERVICES_YAML.read_text(encoding="utf-8")
        .replace("    code: null\n", '    code: "9.999990"\n', 1)
        .replace(
            "      - Luật Căn cước số 26/2023/QH15, Điều 26 (07 ngày làm việc kể từ ngày nhận đủ hồ sơ)\n"
            "      - Luật Căn cước số 26/2023/QH15, Điều 23 (thu nhận thông tin nhân dạng và sinh trắc học)\n",
            "",
        )
        .replace(
            "    verified: true\n    sources:\n    notes",
            "    verified: false\n    sources: []\n    notes",
            1,
        )
    )
    assert error.startswith("Error: built-in catalog services.yaml: ") and "needs a citation" in error


def test_verified_days_cite_documents_not_paths(cat: Catalog) -> None:
    verified = [s for s in cat if s.verified]
    assert len(verified) >= 10
    for s in verified:
        assert s.sources and s.statutory_days is not None, s.id
    for s in cat:
        for src in s.sources:
            assert not src.startswith(("/", "~", "file:", "C:")) and "\\" not in src, src
            # a document number such as 68/2020/QH14, 296/QĐ-VPCP, or the utility's standard
            assert re.search(r"\d+/\d{4}/|\d+/QĐ-|EVN", src), (s.id, src)
    unverified = [s for s in cat if not s.verified]
    assert unverified and all(s.notes for s in unverified)


def test_every_service_protects_start_signature_and_end(cat: Catalog) -> None:
    by_id = {st.id: st for st in stages()}
    for s in cat:
        for sid in ("receive", "sign", "return"):
            assert cat.is_protected(s, by_id[sid].vi) and cat.is_protected(s, by_id[sid].en), (
                s.id,
                sid,
            )
        # canonical stages listed by an entry appear in both languages
        for sid in s.protected_stages:
            assert by_id[sid].vi in s.protected_steps and by_id[sid].en in s.protected_steps
        # service-specific legal steps come as Vietnamese / English pairs
        specific = s.specific_steps
        assert sum(not x.isascii() for x in specific) == sum(x.isascii() for x in specific), s.id


def test_protection_data_is_specific_to_each_service(cat: Catalog) -> None:
    birth = cat.get("birth_registration")
    assert birth.protected_stages == ("receive", "sign", "return")
    assert birth.specific_steps == ("Ghi vào Sổ hộ tịch", "Record in the civil status register")
    assert cat.get("permanent_residence").protected_stages == (
        "receive",
        "appraise",
        "sign",
        "return",
    )
    assert "Xác minh thông tin cư trú" in cat.get("temporary_residence").protected_steps


# ============================================================================ stages
def test_stage_vocabulary_is_the_agreed_table() -> None:
    agreed = [
        ("receive", "Tiếp nhận hồ sơ", "Receive dossier"),
        ("check_completeness", "Kiểm tra tính đầy đủ", "Check completeness"),
        ("request_supplement", "Yêu cầu bổ sung hồ sơ", "Request supplement"),
        ("resubmit", "Nộp bổ sung hồ sơ", "Resubmit dossier"),
        ("transfer", "Chuyển hồ sơ đến phòng chuyên môn", "Transfer to handling unit"),
        ("assign", "Phân công xử lý", "Assign officer"),
        ("appraise", "Thẩm định hồ sơ", "Appraise dossier"),
        ("review", "Xem xét, trình ký", "Review and submit for signature"),
        ("sign", "Ký duyệt kết quả", "Sign decision"),
        ("notify_rejection", "Thông báo từ chối", "Notify rejection"),
        ("return", "Trả kết quả", "Return result"),
    ]
    assert [(s.id, s.vi, s.en) for s in stages()] == agreed
    assert tuple(s.id for s in stages()) == STAGE_IDS
    stages().clear()  # callers get a copy
    assert len(stages()) == 11


def test_stage_lookup_by_id_and_names() -> None:
    assert stage("receive").en == "Receive dossier"
    assert stage("TIẾP NHẬN HỒ SƠ").id == "receive"
    assert stage("tiep nhan ho so").id == "receive"
    assert stage(unicodedata.normalize("NFD", "Ký duyệt kết quả")).id == "sign"
    assert stage("sign decision ").id == "sign"
    assert stage("Nộp phí") is None


@pytest.mark.parametrize(
    ("kind", "vi", "vi_plain", "en"),
    [
        ("forward", "chuyển", "chuyen", "forward"),
        ("transfer", "chuyển", "chuyen", "transfer"),
        ("review", "xem xét", "xem xet", "review"),
        ("check", "kiểm tra", "kiem tra", "check"),
        ("approve", "phê duyệt", "phe duyet", "approve"),
        ("sign", "ký", "ky", "sign"),
        ("reject", "từ chối", "tu choi", "reject"),
        ("supplement", "bổ sung", "bo sung", "supplement"),
        ("notify_rejection", "từ chối", "tu choi", "rejection"),
    ],
)
def test_keywords_in_both_languages_with_and_without_diacritics(
    kind: str, vi: str, vi_plain: str, en: str
) -> None:
    words = keywords(kind)
    assert isinstance(words, tuple)
    assert vi in words and vi_plain in words and en in words
    assert all(w == w.casefold() and unicodedata.is_normalized("NFC", w) for w in words)


def test_unknown_keyword_kind_teaches() -> None:
    with pytest.raises(ParameterError) as err:
        keywords("teleport")
    message = str(err.value)
    assert message.startswith("keywords: kind 'teleport' is not known; use one of ")
    assert "forward" in message and "notify_rejection" in message and "sign" in message
    assert set(kinds()) >= {
        "receive",
        "transfer",
        "review",
        "approve",
        "sign",
        "reject",
        "supplement",
        "verify",
    }


def test_hint_kinds_match_whole_words_only() -> None:
    for st in stages():
        assert st.kind in hint_kinds(st.vi), st.vi
        assert st.kind in hint_kinds(st.en), st.en
        assert st.kind in hint_kinds(unicodedata.normalize("NFD", st.vi).upper()), st.vi
    assert hint_kinds("Đăng ký khai sinh") == ()  # "đăng ký" (register) is not a signature
    assert hint_kinds("dang ky xe") == ()
    assert hint_kinds("Kỳ họp") == ()  # "kỳ" is not "ký"
    assert hint_kinds("ky so") == ("sign",)
    assert hint_kinds("Xem xét, trình ký") == ("review",)  # submitting for signature is not signing
    assert hint_kinds("Forward to unit") == ("transfer",)
    assert hint_kinds("") == ()


# ============================================================================ lookup
def test_get_by_id_names_in_both_languages_and_aliases(cat: Catalog) -> None:
    birth = cat.get("birth_registration")
    assert isinstance(birth, Service) and birth.name_vi == "Đăng ký khai sinh"
    for key in (
        "Đăng ký khai sinh",
        "Register a birth",
        "REGISTER A BIRTH",
        "  đăng   ký  khai sinh ",
        unicodedata.normalize("NFD", "Đăng ký khai sinh"),
        "Dang ky khai sinh",
        "Birth registration",
        "Khai sinh",
    ):
        assert cat.get(key) is birth, key
    assert cat.get("Register permanent residence").id == "permanent_residence"
    assert cat.get("Đăng ký thường trú").id == "permanent_residence"
    assert cat.get("Cấp, đổi, cấp lại thẻ Căn cước công dân").id == "id_card"
    assert cat.get("Liên thông khai sinh").id == "birth_residence_health_insurance"
    assert cat.get("Cấp phép khai thác cát") is None
    assert cat.get("") is None and cat.get(None) is None  # type: ignore[arg-type]
    assert "Register a birth" in cat and "nothing like it" not in cat


def test_get_accepts_code_and_name_combined_as_in_logs(cat: Catalog) -> None:
    for key in (
        "9.999990 - Đăng ký khai sinh",
        "9.999990: Đăng ký khai sinh",
        "Đăng ký khai sinh (9.999990)",
        "Đăng ký khai sinh [DKKS]",
    ):
        assert cat.get(key).id == "birth_registration", key
    # a hyphen inside a name is not a code separator
    assert cat.get("Đăng ký khai sinh - đăng ký thường trú") is None


def test_get_by_code_when_a_code_is_given(tmp_path: Path, cat: Catalog) -> None:
    path = write(
        tmp_path,
        "codes.yaml",
        'services:\n  - id: birth_registration\n    code: "9.999999"\n'
        "    sources: [Quyết định số 1/2099/QĐ-TEST (test citation)]\n",
    )
    ext = extend_catalog(cat, path)
    assert ext.get("9.999999").id == "birth_registration"
    assert ext.get("9.999999 - something the log wrote").id == "birth_registration"
    assert cat.get("9.999999") is None  # the original catalog is unchanged


def test_loose_match_that_names_two_services_matches_neither() -> None:
    def svc(i: str, vi: str) -> Service:
        return Service(i, None, vi, f"Service {i}", "commune", "", 1.0, False, (), False, (), "")

    two = Catalog([svc("a", "Đăng ký ca"), svc("b", "Đăng ký cá")])
    assert two.get("Đăng ký ca").id == "a" and two.get("ĐĂNG KÝ CÁ").id == "b"
    assert two.get("dang ky ca") is None
    with pytest.raises(CatalogError, match="names both service 'a' and service 'b'"):
        Catalog([svc("a", "Đăng ký ca"), svc("b", "ĐĂNG KÝ CA")])


def test_match_log_reports_services_not_in_catalog(cat: Catalog) -> None:
    values = [
        "Đăng ký khai sinh",
        "Cấp phép X",
        "Đăng ký khai sinh",
        None,
        float("nan"),
        "Register a death",
    ]
    matched = cat.match_log(values)
    assert list(matched) == ["Đăng ký khai sinh", "Cấp phép X", "Register a death"]
    assert matched["Đăng ký khai sinh"].id == "birth_registration"
    assert matched["Cấp phép X"] is None
    frame = cat.match_frame(values)
    assert list(frame["status"]) == ["in catalog", "not in catalog", "in catalog"]
    assert list(frame["id"].fillna("")) == ["birth_registration", "", "death_registration"]
    assert frame["statutory_days"].tolist()[0] == 1.0


def test_require_names_close_matches(cat: Catalog) -> None:
    assert cat.require("passport").id == "passport"
    with pytest.raises(ParameterError) as err:
        cat.require("Đăng ký khai snh")
    assert str(err.value).startswith(
        "service 'Đăng ký khai snh' is not in the catalog (29 services); did you mean "
    )
    assert "'Đăng ký khai sinh'" in str(err.value)


# ============================================================================ protection
def test_is_protected_for_a_service_and_for_every_service(cat: Catalog) -> None:
    assert cat.is_protected("birth_registration", "Ghi vào Sổ hộ tịch")
    assert cat.is_protected("Register a birth", "record in the civil status register")
    assert cat.is_protected("Đăng ký khai sinh", "Ghi vao So ho tich")  # typed without diacritics
    assert not cat.is_protected("death_residence_funeral", "Thẩm định hồ sơ")
    assert cat.is_protected("permanent_residence", "Thẩm định hồ sơ")
    assert cat.is_protected("permanent_residence", "appraise")  # a stage id
    assert not cat.is_protected(
        "birth_registration", "Xác minh thông tin cư trú"
    )  # another service's step
    assert not cat.is_protected("birth_registration", "Chuyển hồ sơ đến phòng chuyên môn")
    # receive / sign / return are protected for every service, known or not
    for service in (None, "Cấp phép X", "passport"):
        assert cat.is_protected(service, "Tiếp nhận hồ sơ")
        assert cat.is_protected(service, "Sign decision")
        assert cat.is_protected(service, "TRẢ KẾT QUẢ")
        assert not cat.is_protected(service, "Xem xét, trình ký")
    assert not cat.is_protected("passport", None)  # type: ignore[arg-type]
    assert cat.protected_steps("birth_registration")[:2] == ("Tiếp nhận hồ sơ", "Receive dossier")
    assert "Ghi vào Sổ hộ tịch" in cat.protected_steps("birth_registration")
    assert "Ghi vào Sổ hộ tịch" not in cat.protected_steps(None)


# ============================================================================ extension
def test_yaml_override_is_field_by_field_and_never_mutates(tmp_path: Path, cat: Catalog) -> None:
    path = write(
        tmp_path,
        "mine.yaml",
        "services:\n"
        "  - id: birth_registration\n"
        "    statutory_days: 2\n"
        "    notes: Our province allows 2 days.\n",
    )
    ext = load_catalog(path)
    birth = ext.get("birth_registration")
    before = cat.get("birth_registration")
    assert birth.statutory_days == 2.0 and birth.notes == "Our province allows 2 days."
    assert birth.name_vi == before.name_vi and birth.protected_steps == before.protected_steps
    assert birth.sources == before.sources
    assert birth.verified is False  # the citation was for the old value
    assert before.statutory_days == 1.0 and before.verified is True
    assert load_catalog().get("birth_registration").statutory_days == 1.0
    assert len(ext) == len(cat) and ext.origins == ("built-in catalog services.yaml", str(path))
    assert load_catalog() is load_catalog()  # the packaged file is read once


def test_yaml_adds_services_and_catalog_wide_protected_steps(tmp_path: Path, cat: Catalog) -> None:
    path = write(
        tmp_path,
        "mine.yml",
        "protected_for_all: [{vi: Lưu hồ sơ, en: Archive dossier}]\n"
        "services:\n"
        "  - id: sand_permit\n"
        "    name_vi: Cấp phép khai thác cát\n"
        "    name_en: Sand mining permit\n"
        "    level: tỉnh\n"
        "    statutory_days: 30\n"
        "    protected_steps: [receive, Thẩm định hồ sơ, {vi: Khảo sát hiện trường, en: Survey the site}]\n",
    )
    ext = extend_catalog(cat, path)
    sand = ext.get("Cấp phép khai thác cát")
    assert sand.id == "sand_permit" and sand.level == "province" and sand.statutory_days == 30.0
    assert sand.essential is False and sand.verified is False and sand.code is None
    assert sand.protected_steps == (
        "Tiếp nhận hồ sơ",
        "Receive dossier",
        "Thẩm định hồ sơ",
        "Appraise dossier",
        "Khảo sát hiện trường",
        "Survey the site",
    )
    assert ext.is_protected("sand_permit", "survey the site")
    assert ext.is_protected("passport", "Lưu hồ sơ") and not cat.is_protected(
        "passport", "Lưu hồ sơ"
    )
    assert len(ext) == len(cat) + 1 and len(ext.essential()) == 25


def test_csv_extension_comma_and_semicolon_files(tmp_path: Path, cat: Catalog) -> None:
    comma = write(
        tmp_path,
        "mine.csv",
        "\ufeffid,name_vi,name_en,level,statutory_days,essential,protected_steps,sources,notes\n"
        'road_permit,Cấp phép đào đường,Road digging permit,huyện,"4,5",có,receive;Kiểm tra hiện trường;sign,,\n'
        "passport,,,,6,,,Thông tư 1/2099/TT-TEST,Faster here\n",
    )
    ext = extend_catalog(cat, comma)
    road = ext.get("road_permit")
    assert (road.level, road.statutory_days, road.essential) == ("district", 4.5, True)
    assert road.protected_steps == (
        "Tiếp nhận hồ sơ",
        "Receive dossier",
        "Kiểm tra hiện trường",
        "Ký duyệt kết quả",
        "Sign decision",
    )
    passport = ext.get("passport")
    assert passport.statutory_days == 6.0 and passport.sources == ("Thông tư 1/2099/TT-TEST",)
    assert passport.name_vi == cat.get("passport").name_vi and passport.notes == "Faster here"

    semicolon = write(
        tmp_path,
        "excel.csv",
        "ID;Name VI;Name EN;Statutory days;Protected steps\n"
        "road_permit;Cấp phép đào đường;Road digging permit;4;receive|sign\n",
    )
    road2 = extend_catalog(cat, semicolon).get("Road digging permit")
    assert road2.statutory_days == 4.0 and road2.protected_stages == ("receive", "sign")


def test_csv_in_windows_1258_with_decomposed_marks(tmp_path: Path) -> None:
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}

    def cp1258(text: str) -> bytes:  # Windows-1258 keeps tone marks as combining characters
        out = []
        for ch in text:
            d = unicodedata.normalize("NFD", ch)
            out.append(unicodedata.normalize("NFC", "".join(c for c in d if c not in tones)))
            out.append("".join(c for c in d if c in tones))
        return "".join(out).encode("cp1258")

    text = (
        "id,name_vi,name_en,level,statutory_days\n"
        "temp_works,Cấp phép xây dựng công trình tạm thời,Temporary works permit,tỉnh,4\n"
        "road_permit,Cấp giấy phép đào đường,Road digging permit,huyện,5\n"
    )
    path = tmp_path / "w1258.csv"
    path.write_bytes(cp1258(text))
    ext = load_catalog(path)
    works = ext.get("Cấp phép xây dựng công trình tạm thời")
    assert works is not None and works.id == "temp_works"
    assert (
        unicodedata.is_normalized("NFC", works.name_vi)
        and ext.get("road_permit").level == "district"
    )


def test_several_files_apply_in_order(tmp_path: Path) -> None:
    a = write(tmp_path, "a.yaml", "services:\n  - {id: passport, statutory_days: 6}\n")
    b = write(tmp_path, "b.csv", "id,statutory_days\npassport,4\n")
    assert load_catalog([a, b]).get("passport").statutory_days == 4.0
    assert load_catalog([b, a]).get("passport").statutory_days == 6.0


# ============================================================================ bad files
BAD_FILES = [
    (
        "bad.yaml",
        "services:\n  - id: birth_registration\n    statutory_days: five\n",
        "{p}: entry 1 (id 'birth_registration'), field 'statutory_days': expected a number of "
        "working days (such as 7 or 0.5), got 'five'",
    ),
    (
        "bad.yaml",
        "services:\n  - id: passport\n  - id: permit_x\n    name_vi: Cấp phép X\n    name_en: Permit X\n    level: city\n",
        "{p}: entry 2 (id 'permit_x'), field 'level': 'city' is not a level; use one of ministry, "
        "province, district, commune",
    ),
    (
        "bad.yaml",
        "services:\n  - id: passport\n    statutory_days: -3\n",
        "{p}: entry 1 (id 'passport'), field 'statutory_days': -3 is not a number of working days; "
        "use a number >= 0 or leave it empty",
    ),
    (
        "bad.yaml",
        "services:\n  - id: passport\n    statutory_day: 3\n",
        "{p}: entry 1 (id 'passport'), field 'statutory_day': is not a catalog field (did you mean "
        "'statutory_days'?); the fields are id, code, name_vi, name_en, aliases, group, level, agency, "
        "statutory_days, essential, protected_steps, verified, sources, membership_source, "
        "protected_sources, notes",
    ),
    (
        "bad.yaml",
        "services:\n  - id: passport\n    essential: maybe\n",
        "{p}: entry 1 (id 'passport'), field 'essential': expected true or false, got 'maybe'",
    ),
    (
        "bad.yaml",
        "services:\n  - name_vi: Cấp phép X\n",
        "{p}: entry 1, field 'id': is missing; every entry needs an id (an existing id overrides that entry)",
    ),
    (
        "bad.yaml",
        "services:\n  - id: permit_x\n    name_vi: Cấp phép X\n",
        "{p}: entry 1 (id 'permit_x'), field 'name_en': is missing; a new service needs at least id, "
        "name_vi and name_en",
    ),
    (
        "bad.yaml",
        'services:\n  - id: passport\n    code: "9.999991"\n',
        "{p}: entry 1 (id 'passport'), field 'code': '9.999991' is given without 'sources' in the same "
        "entry; an official procedure code needs a citation (never invent one: leave the code empty "
        "if you cannot cite where it comes from)",
    ),
    (
        "bad.yaml",
        "services:\n  - id: passport\n    code: 9.99999\n    sources: [x 1/2000/y]\n",
        "{p}: entry 1 (id 'passport'), field 'code': expected text, got the number 9.99999; write the "
        'code in quotes (code: "...") so that its digits are kept exactly',
    ),
    (
        "bad.yaml",
        "services:\n  - id: permit_x\n    name_vi: Cấp phép X\n    name_en: Permit X\n    verified: true\n    statutory_days: 3\n",
        "{p}: entry 1 (id 'permit_x'), field 'verified': is true but 'sources' is empty; cite the "
        "document that gives the statutory days, or set verified to false",
    ),
    (
        "bad.yaml",
        "services:\n  - id: permit_x\n    name_vi: Đăng ký khai sinh\n    name_en: Permit X\n",
        "{p}: entry 1 (id 'permit_x'), field 'name_vi': 'Đăng ký khai sinh' already names service "
        "'birth_registration'; give a different value, or use id 'birth_registration' to override that service",
    ),
    (
        "bad.yaml",
        "services:\n  - {id: passport, statutory_days: 5}\n  - {id: passport, statutory_days: 6}\n",
        "{p}: entry 2 (id 'passport'), field 'id': 'passport' is also used by entry 1; each id may "
        "appear once per file",
    ),
    (
        "bad.yaml",
        "services:\n  - id: permit x\n",
        "{p}: entry 1, field 'id': 'permit x' is not a valid id; use letters, digits, '_', '.' and '-', "
        "without spaces",
    ),
    (
        "bad.yaml",
        "services:\n  - id: passport\n    protected_steps: [receive, 7]\n",
        "{p}: entry 1 (id 'passport'), field 'protected_steps': expected a stage id (receive, sign ...), "
        "a step name or {{vi: ..., en: ...}}, got 7",
    ),
    (
        "bad.yaml",
        "service:\n  - id: passport\n",
        "{p}: top-level key 'service' is not allowed (did you mean 'services'?); use services, "
        "protected_for_all, description, version, notes",
    ),
    (
        "bad.yaml",
        "services:\n  - id: x\n    name_vi: [a\n",
        "{p}: not valid YAML (expected ',' or ']', but got '<stream end>' at line 4, column 1); fix the syntax",
    ),
    ("bad.yaml", "", "{p}: the file is empty; it needs a 'services:' list of entries"),
    (
        "bad.csv",
        "id,name_vi,name_en,statutory_days\npermit_x,Cấp phép X,Permit X,abc\n",
        "{p}: line 2 (id 'permit_x'), field 'statutory_days': expected a number of working days "
        "(such as 7 or 0.5), got 'abc'",
    ),
    (
        "bad.csv",
        "id,name_vi,name_en,days\n",
        "{p}: header, field 'days': is not a catalog column; the columns are id, code, name_vi, "
        "name_en, aliases, group, level, agency, statutory_days, essential, protected_steps, verified, "
        "sources, membership_source, protected_sources, notes",
    ),
    (
        "bad.csv",
        "id,name_vi,name_en\npermit_x,Cấp phép X,Permit X,extra\n",
        "{p}: line 2 (id 'permit_x'): has 4 cells but the header has 3 columns; quote cells that contain ','",
    ),
    (
        "bad.csv",
        "name_vi,name_en\nCấp phép X,Permit X\n",
        "{p}: header, field 'id': column is missing; every row needs an id",
    ),
    (
        "bad.txt",
        "id: x\n",
        "{p}: catalog file type '.txt' is not supported; use a YAML (.yaml, .yml) or CSV (.csv) file",
    ),
]


@pytest.mark.parametrize(("name", "text", "expected"), BAD_FILES)
def test_bad_files_raise_one_teaching_error(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    path = write(tmp_path, name, text)
    with pytest.raises(CatalogError) as err:
        load_catalog(path)
    assert isinstance(err.value, ProcsimpError) and isinstance(err.value, ValueError)
    assert str(err.value) == expected.format(p=path)


def test_missing_file_error(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(CatalogError) as err:
        load_catalog(path)
    assert str(err.value) == f"{path}: catalog file not found; check the path"


def test_builtin_parser_enforces_essential_statutory_days(tmp_path: Path) -> None:
    text = SERVICES_YAML.read_text(encoding="utf-8").replace(
        "    statutory_days: 8\n", "    statutory_days: null\n", 1
    )
    text = text.replace(
        "    verified: true\n    sources:\n      - Luật Xuất cảnh",
        "    verified: false\n    sources:\n      - Luật Xuất cảnh",
        1,
    )
    assert builtin_catalog_error(tmp_path, text) == (
        "Error: built-in catalog services.yaml: entry 9 (id 'passport'), field 'statutory_days': is empty; "
        "every essential service needs its statutory days"
    )


# ============================================================================ display
def test_to_frame_and_html(cat: Catalog) -> None:
    frame = cat.to_frame()
    assert len(frame) == len(cat) and frame["id"].is_unique
    assert list(frame.columns[:4]) == ["id", "code", "name_vi", "name_en"]
    assert frame["essential"].sum() == 25 and frame["statutory_days"].dtype == float
    row = frame.set_index("id").loc["birth_registration"]
    assert row["name_vi"] == "Đăng ký khai sinh" and "Ghi vào Sổ hộ tịch" in row["protected_steps"]
    page = cat._repr_html_()
    assert "<table>" in page and "Đăng ký khai sinh" in page and "25 essential" in page
    assert "Đăng ký khai sinh" in cat.get("birth_registration")._repr_html_()
    evil = Catalog(
        [Service("x", None, "<b>Tên</b>", "<script>", "commune", "", 1.0, False, (), False, (), "")]
    )
    assert "<script>" not in evil._repr_html_() and "&lt;script&gt;" in evil._repr_html_()
    record = cat.get("passport").to_dict()
    assert (
        json.loads(json.dumps(record, ensure_ascii=False))["protected_steps"][0]
        == "Tiếp nhận hồ sơ"
    )


# ============================================================================ CLI
def run(*args: str) -> object:
    return CliRunner().invoke(main, ["catalog", *args], catch_exceptions=False)


def test_cli_table_lists_the_catalog() -> None:
    result = run()
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == [
        "ID",
        "LEVEL",
        "DAYS",
        "ESSENTIAL",
        "VERIFIED",
        "NAME",
        "(VI)",
        "NAME",
        "(EN)",
        "PROTECTED",
        "STEPS",
    ]
    birth = next(line for line in lines if line.startswith("birth_registration "))
    assert birth.split()[1:5] == ["commune", "1", "yes", "yes"]
    assert "Đăng ký khai sinh" in birth and "Register a birth" in birth
    assert birth.endswith("receive, sign, return, Ghi vào Sổ hộ tịch")
    assert lines[-1] == (
        "29 services (25 essential); statutory days (working days) verified against a cited source "
        "for 12. Sources and notes: --format json."
    )
    essential = run("--essential", "--lang", "en").output.splitlines()
    assert len(essential) == 1 + 25 + 2
    assert "NAME (VI)" not in essential[0] and "NAME (EN)" in essential[0]
    assert essential[-1].startswith("25 services (25 essential);")
    assert next(x for x in essential if x.startswith("birth_registration ")).endswith(
        "receive, sign, return, Record in the civil status register"
    )


def test_cli_json_and_csv(tmp_path: Path) -> None:
    records = json.loads(run("--format", "json").output)
    assert len(records) == 29
    assert set(records[0]) == {
        "id",
        "code",
        "name_vi",
        "name_en",
        "level",
        "agency",
        "statutory_days",
        "essential",
        "protected_steps",
        "verified",
        "sources",
        "notes",
        "group",
        "aliases",
        "membership_source",
        "protected_sources",
    }
    assert {r["id"]: r["statutory_days"] for r in records}["passport"] == 8.0

    ext = write(tmp_path, "evil.csv", 'id,name_vi,name_en\nevil,=HYPERLINK("x"),+cmd\n')
    out = run("--format", "csv", "--catalog", str(ext)).output
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 30
    evil = rows[-1]
    assert evil["name_vi"] == '\'=HYPERLINK("x")' and evil["name_en"] == "'+cmd"
    assert evil["essential"] == "false" and evil["statutory_days"] == ""
    passport = next(r for r in rows if r["id"] == "passport")
    assert passport["statutory_days"] == "8" and passport["verified"] == "true"


def test_cli_catalog_option_extends(tmp_path: Path) -> None:
    ext = write(
        tmp_path,
        "mine.yaml",
        "services:\n  - {id: sand_permit, name_vi: Cấp phép khai thác cát, name_en: Sand permit, essential: true, statutory_days: 30}\n",
    )
    result = run("--catalog", str(ext), "--essential")
    assert result.exit_code == 0
    line = next(x for x in result.output.splitlines() if x.startswith("sand_permit "))
    assert line.split()[1:5] == ["-", "30", "yes", "no"]
    assert result.output.splitlines()[-1].startswith("26 services (26 essential);")


def test_cli_bad_catalog_is_one_error_line(tmp_path: Path) -> None:
    bad = write(
        tmp_path,
        "bad.yaml",
        "services:\n  - id: passport\n  - id: permit_x\n    name_vi: Cấp phép X\n    name_en: Permit X\n    level: city\n",
    )
    result = CliRunner().invoke(main, ["catalog", "--catalog", str(bad)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: {bad}: entry 2 (id 'permit_x'), field 'level': 'city' is not a level; use one of "
        "ministry, province, district, commune\n"
    )
    missing = tmp_path / "missing.csv"
    result = CliRunner().invoke(main, ["catalog", "--catalog", str(missing)])
    assert (
        result.exit_code == 1
        and result.stderr == f"Error: {missing}: catalog file not found; check the path\n"
    )


def test_cli_help_lists_the_command() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0 and "catalog" in result.output
    help_text = CliRunner().invoke(main, ["catalog", "--help"]).output
    for option in ("--catalog", "--format", "--essential", "--lang"):
        assert option in help_text


def test_every_entry_records_the_source_of_its_membership_and_protected_steps():
    from procsimp.catalog import load_catalog

    catalog = load_catalog()
    services = list(catalog)
    assert sum(s.essential for s in services) == 25
    for s in services:
        assert s.membership_source, s.id
        # the decision's appendix was not read: no entry may claim a checked membership
        if s.essential:
            assert "Decision 06/QĐ-TTg" in s.membership_source and "not read" in s.membership_source
        # a cited protected step comes with a service-specific protected step it backs
        if s.protected_sources:
            assert s.specific_steps, s.id
