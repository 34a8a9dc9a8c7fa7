"""The HTML report: self-contained, bilingual, ranked; checked in real headless Chromium."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from procsimp.cli import main
from procsimp.report import report, slugify
from procsimp.report.i18n import LANGS, STRINGS
from procsimp.synth import generate
from tests.conftest import chromium_page, remote_requests


@pytest.fixture(scope="module")
def small_log():
    return generate(services=["birth_registration", "land_change_registration"], cases=120, seed=3, lang="vi").log


@pytest.fixture(scope="module")
def written(small_log, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    return report(small_log, out, lang="vi", formats=("svg", "bpmn"))


def test_every_label_has_both_languages():
    for key, texts in STRINGS.items():
        assert set(texts) == set(LANGS), key
        assert all(texts[lang].strip() for lang in LANGS), key


def test_slugify_is_safe_and_unique():
    """report, mine and propose name service folders by one rule (procsimp.core._slug)."""
    from procsimp.cli.commands import mine as mine_command
    from procsimp.report import service_slugs

    assert slugify is mine_command.slugify and service_slugs is mine_command.service_slugs
    assert slugify("Đăng ký khai sinh") == "dang-ky-khai-sinh"
    assert service_slugs(["Đăng ký khai sinh", "Dang ky khai sinh"]) == {
        "Đăng ký khai sinh": "dang-ky-khai-sinh", "Dang ky khai sinh": "dang-ky-khai-sinh-2"
    }
    assert slugify("../..").startswith("service-")
    assert slugify("con") == "con-service" and slugify("CON") == "con-service"


def test_report_writes_tables_and_per_service_files(written, small_log):
    out = written.out
    for name in ("index.html", "report.md", "profile.csv", "profile.json", "flags.csv", "flags.json", "kpis.csv", "kpis.json"):
        assert (out / name).is_file(), name
    kpis = json.loads((out / "kpis.json").read_text(encoding="utf-8"))
    assert sorted(k["service"] for k in kpis) == sorted(small_log.services)
    for record in kpis:
        assert record["before"]["cases"] == record["after"]["cases"]
        assert record["assumptions"], "every estimate lists its assumptions"
    for service in small_log.services:
        folder = out / slugify(service)
        assert (folder / "map_frequency.svg").is_file()
        assert (folder / "as_is_to_be.svg").is_file()
        assert (folder / "to_be.bpmn").read_text(encoding="utf-8").count("bpmndi:BPMNShape") > 2
    # no partial files are left behind
    assert not list(out.rglob("*.part"))


def test_ranking_is_by_expected_gain(written):
    gains = list(written.ranking["expected_gain_workdays"])
    assert gains == sorted(gains, reverse=True)


def test_html_is_self_contained(written):
    page = written.html.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:)?//""", page), "no remote resources"
    assert "<link" not in page and "@import" not in page
    assert "Tiếp nhận hồ sơ" in page  # Vietnamese step names, NFC, inline in the SVG


@pytest.mark.browser
def test_report_in_headless_chromium(written, artifacts_dir):
    with chromium_page(written.html) as (page, requests, errors):
        assert page.evaluate("document.documentElement.dataset.lang") == "vi"
        title_vi = page.locator("header h1 span[lang=vi]")
        assert title_vi.is_visible() and not page.locator("header h1 span[lang=en]").is_visible()
        page.screenshot(path=str(artifacts_dir / "report_vi.png"), full_page=False)
        page.click("#lang-toggle")
        assert page.evaluate("document.documentElement.dataset.lang") == "en"
        assert page.locator("header h1 span[lang=en]").is_visible()
        assert not title_vi.is_visible()
        rows = page.locator("#ranking tbody tr")
        assert rows.count() == len(written.ranking)
        assert page.locator("section.service svg").count() >= 3 * rows.count()
        page.screenshot(path=str(artifacts_dir / "report_en.png"), full_page=False)
    remote = remote_requests(requests)
    assert remote == [], f"the report requested network resources: {remote}"
    assert errors == []


def test_report_cli(small_log, tmp_path):
    from procsimp.read import write_log

    src = tmp_path / "dossiers.csv"
    write_log(small_log, src)
    result = CliRunner().invoke(main, ["report", str(src), "--out", str(tmp_path / "out"), "--format", "svg", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Report:" in result.output
    assert (tmp_path / "out" / "index.html").is_file()
    bad = CliRunner().invoke(main, ["report", str(src), "--format", "gif", "--out", str(tmp_path / "o2")])
    assert bad.exit_code == 2
    assert "'gif' is not a format" in bad.output


def test_every_finding_kind_is_translated():
    from procsimp.flag.registry import DETECTORS

    for kind in DETECTORS:
        assert f"k_{kind}" in STRINGS, f"the report has no wording for the finding {kind!r}"


def test_diagrams_and_lists_come_in_both_languages(written):
    page = written.html.read_text(encoding="utf-8")
    # each diagram is drawn once per language, with ids kept unique in the page
    assert page.count('<div lang="en"><svg') == page.count('<div lang="vi"><svg') >= 3
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "duplicate element ids in the report"
    assert "Flag(" not in page and "Eliminate(" not in page, "raw Python objects leaked into the page"
