"""The report a leader signs off: the summary, numbers in the report's language, evidence as
sentences, minor flags in the appendix, the catalog's verified status; in headless Chromium."""

from __future__ import annotations

import re

import pytest

from procsimp.report import report
from procsimp.report.wording import change_phrase, count_phrase, days_phrase, evidence_sentences
from procsimp.synth import generate
from tests.conftest import chromium_page


def test_numbers_follow_the_language():
    assert count_phrase(2500, "dossier", "vi") == "2.500 hồ sơ"
    assert count_phrase(2500, "dossier", "en") == "2,500 dossiers"
    assert days_phrase(1.26, "vi") == "1,3 ngày làm việc"
    assert days_phrase(1.26, "en") == "1.3 working days"
    assert count_phrase(1, "dossier", "en") == "1 dossier"


def test_changes_read_as_words_and_unknown_actions_are_kept():
    assert change_phrase("merge", "A", "B", "vi") == "gộp “A” vào “B”"
    assert change_phrase("parallelize", "A", "B", "vi") == "chạy song song “A” và “B”"
    assert change_phrase("eliminate", "A", None, "vi") == "bỏ bước “A”"
    assert change_phrase("automate", "A", None, "vi") == "tự động hóa “A”"
    assert change_phrase("merge", "A", "B", "en") == "merge “A” into “B”"
    assert change_phrase("split_up", "A", "B", "en") == "split up “A” → “B”"


def test_evidence_is_sentences():
    ev = {"cases": 2500, "case_share": 0.93, "wait_hours_mean": 4.37, "top_successor": "Ký duyệt",
          "name_hint": True, "new_measure": 1234.5}
    vi = evidence_sentences(ev, "vi")
    assert vi[:4] == [
        "Liên quan đến 2.500 hồ sơ.",
        "93% số hồ sơ đi qua bước này.",
        "Hồ sơ chờ trung bình 4,4 giờ làm việc trước bước này.",
        "Bước tiếp theo thường là “Ký duyệt”.",
    ]
    assert vi[4] == "Chỉ số “new measure”: 1.234,5."
    en = evidence_sentences(ev, "en")
    assert en[0] == "It concerns 2,500 dossiers." and en[-1] == "New measure: 1,234.5."
    assert all(s.endswith(".") and "{" not in s for s in vi + en)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    # over a thousand dossiers, so that thousands separators show; a service the catalog has
    # not verified (land change) and one it has (birth registration)
    log = generate(services=["birth_registration", "land_change_registration"],
                   cases={"birth_registration": 1100, "land_change_registration": 120}, seed=8, lang="vi").log
    out = tmp_path_factory.mktemp("summary")
    return report(log, out, lang="vi", formats=("svg",), min_saving=0.05)


def test_minor_flags_are_in_the_appendix(page):
    html = page.html.read_text(encoding="utf-8")
    import json

    flags = json.loads((page.out / "flags.json").read_text(encoding="utf-8"))
    minor = [f for f in flags if f["saving"]["workdays_per_case"] < 0.05]
    major = [f for f in flags if f["saving"]["workdays_per_case"] >= 0.05]
    assert minor and major
    appendix = html[html.index('id="appendix"'):]
    body = html[:html.index('id="appendix"')]
    assert appendix.count("<tr><td>") == len(minor)
    assert body.count('<td class="evidence">') == len(major)


@pytest.mark.browser
def test_summary_and_numbers_in_both_languages_in_chromium(page, artifacts_dir):
    with chromium_page(page.html) as (tab, _requests, errors):
        # Vietnamese: the summary opens the page, on one screen, in plain words
        summary = tab.locator("#summary")
        box = summary.bounding_box()
        assert box is not None and box["y"] < 200 and box["height"] < 900
        text = summary.inner_text()
        assert "Tóm tắt để quyết định" in text and "Summary for decision" not in text
        assert "Hiệu quả dự kiến" in text and "Thay đổi cần sửa đổi văn bản quy phạm pháp luật" in text
        assert re.search(r"trên 1\.\d{3} hồ sơ", text), text
        assert re.search(r"Tiết kiệm \d+,\d ngày làm việc mỗi hồ sơ", text), text
        assert re.search(r"(bỏ bước|gộp|chạy song song|đưa) “", text)
        assert "{" not in text and "'" not in text
        ranking = tab.locator("#ranking tbody tr").first.inner_text()
        assert re.search(r"\b1\.\d{3}\b", tab.locator("#ranking").inner_text())
        # the statutory time with the catalog's status beside it
        land = tab.locator("section.service").filter(has_text="Đăng ký biến động").locator(".statutory")
        assert "chưa kiểm chứng" in land.inner_text()
        birth = tab.locator("section.service").filter(has_text="Đăng ký khai sinh").first.locator(".statutory")
        assert "đã đối chiếu nguồn" in birth.inner_text() and "Luật Hộ tịch" in birth.inner_text()
        evidence = tab.locator("section.service td.evidence").first.inner_text()
        assert evidence.endswith(".") and "_" not in evidence and "{" not in evidence
        tab.screenshot(path=str(artifacts_dir / "report_summary_vi.png"))

        tab.click("#lang-toggle")
        text = summary.inner_text()
        assert "Summary for decision" in text and "Tóm tắt" not in text
        assert re.search(r"over 1,\d{3} dossiers", text), text
        assert re.search(r"Saves \d+\.\d working days per dossier", text), text
        assert re.search(r"\b1,\d{3}\b", tab.locator("#ranking").inner_text())
        assert "unverified" in land.inner_text()
        assert ranking  # the first row was there in Vietnamese too
        tab.screenshot(path=str(artifacts_dir / "report_summary_en.png"))
        assert errors == []
