"""The report's trend section: monthly charts per service, rendered in real headless Chromium
without a network request; the months of a reform marked."""

from __future__ import annotations

import math
import re
from collections import Counter

import pytest

from procsimp.errors import ParameterError
from procsimp.report import report
from procsimp.report.trend import TREND_KEYS, chart_svg, parse_since
from procsimp.synth import generate
from tests.conftest import chromium_page, invoke, remote_requests


@pytest.fixture(scope="module")
def small_log():
    return generate(services=["birth_registration", "passport_issuance"], cases=140, seed=4, lang="vi").log


@pytest.fixture(scope="module")
def written(small_log, tmp_path_factory):
    return report(small_log, tmp_path_factory.mktemp("trend"), lang="en", formats=("svg",), since="2025-03-10")


def _monthly(log, service):
    from procsimp.core.log import CASE, RECEIVED, SERVICE

    df = log.df[log.df[SERVICE] == service].drop_duplicates(CASE)
    return Counter(t.strftime("%Y-%m") for t in df[RECEIVED])


def test_chart_svg_leaves_gaps_and_marks_the_reform() -> None:
    months = ["2025-01", "2025-02", "2025-03", "2025-04"]
    svg = chart_svg(months, [0.5, math.nan, 0.7, 0.9], key="on_time_rate", since=parse_since("2025-03-02"))
    assert svg.count("<circle") == 3 and svg.count("<polyline") == 1  # the gap splits the line
    assert svg.count('class="reform"') == 1 and "<title>2025-03-02</title>" in svg
    assert "2025-04: 90.0%" in svg
    assert 'class="reform"' not in chart_svg(months, [1, 2, 3, 4], key="dossiers")
    with pytest.raises(ParameterError, match=r"since: '03/2025' is not a date; write the day the reform took effect as YYYY-MM-DD"):
        parse_since("03/2025")


def test_trend_section_is_in_the_page_with_the_monthly_counts(written, small_log) -> None:
    page = written.html.read_text(encoding="utf-8")
    sections = re.findall(r'<div class="trend" data-service="([^"]+)">(.*?)\n</div>', page, flags=re.S)
    assert sorted(name for name, _ in sections) == sorted(small_log.services)
    for name, body in sections:
        assert body.count('class="trend-chart"') == len(TREND_KEYS)
        dossiers = re.search(r'data-key="dossiers".*?</svg>', body, flags=re.S).group(0)
        shown = dict(re.findall(r"<title>(\d{4}-\d{2}): ([\d,]+)</title>", dossiers))
        expected = _monthly(small_log, name)
        assert {m: int(v.replace(",", "")) for m, v in shown.items()} == dict(expected)
        assert body.count('class="reform"') == len(TREND_KEYS)  # every chart marks March onwards
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:)?//""", page)


@pytest.mark.browser
def test_trend_section_renders_in_headless_chromium(written, artifacts_dir) -> None:
    with chromium_page(written.html) as (page, requests, errors):
        charts = page.locator("div.trend svg.trend-chart")
        assert charts.count() == len(TREND_KEYS) * len(written.ranking)
        first = charts.first
        first.scroll_into_view_if_needed()
        box = first.bounding_box()
        assert box is not None and box["width"] >= 200 and box["height"] >= 60
        reform = page.locator("div.trend svg.trend-chart rect.reform").first.bounding_box()
        assert reform is not None and reform["width"] > 0 and reform["x"] > box["x"]
        assert page.locator("div.trend figcaption span[lang=en]").first.is_visible()
        assert not page.locator("div.trend figcaption span[lang=vi]").first.is_visible()
        page.locator("div.trend").first.screenshot(path=str(artifacts_dir / "trend_en.png"))
        page.click("#lang-toggle")
        assert page.locator("div.trend figcaption span[lang=vi]").first.is_visible()
    remote = remote_requests(requests)
    assert remote == [], f"the report requested network resources: {remote}"
    assert errors == []


def test_report_cli_since(small_log, tmp_path) -> None:
    from procsimp.read import write_log

    src = tmp_path / "dossiers.csv"
    write_log(small_log, src)
    code, _, err = invoke("report", src, "--out", tmp_path / "out", "--format", "svg", "--since", "2025-04-01")
    assert code == 0, err
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert page.count('class="reform"') == len(TREND_KEYS) * len(small_log.services)
    code, _, err = invoke("report", src, "--out", tmp_path / "bad", "--format", "svg", "--since", "April")
    assert code == 1 and err.strip().splitlines()[-1].startswith("Error: since: 'April' is not a date")
