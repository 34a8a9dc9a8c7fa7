"""Golden files for the BPMN export and the HTML report of a small fixed log.

Ids, dates and version strings are removed before comparing, and the inline SVG diagrams are
replaced by a placeholder (their bytes depend on the Graphviz build and are checked against their
own golden file in test_render.py). Regenerate after an intended change with
``PROCSIMP_UPDATE_GOLDEN=1 pytest tests/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from procsimp.mine import mine
from procsimp.mine.render.bpmn import bpmn_xml
from procsimp.report import report
from procsimp.synth import generate

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("PROCSIMP_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def fixed_log():
    return generate(services=["birth_registration"], cases=80, seed=11, lang="vi").log


def normalise_xml(text: str) -> str:
    text = re.sub(r'\b(id|bpmnElement|sourceRef|targetRef|processRef|attachedToRef)="[^"]*"', r'\1="#"', text)
    text = re.sub(r"<(bpmn:)?(incoming|outgoing)>[^<]*</", r"<\1\2>#</", text)
    text = re.sub(r'(exporterVersion|expressionLanguage|typeLanguage)="[^"]*"', r'\1="#"', text)
    return text


def normalise_html(text: str) -> str:
    text = re.sub(r"<svg\b.*?</svg>", "<svg/>", text, flags=re.S)
    text = re.sub(r'content="procsimp [^"]*"', 'content="procsimp"', text)
    text = re.sub(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?", "<time>", text)
    return text


def compare(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"golden file {path.name} is missing: run with PROCSIMP_UPDATE_GOLDEN=1"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{name} differs from its golden file; if intended, rerun with PROCSIMP_UPDATE_GOLDEN=1"


def test_bpmn_matches_golden(fixed_log):
    model = mine(fixed_log, service=fixed_log.services[0]).model()
    xml = normalise_xml(bpmn_xml(model, name="Đăng ký khai sinh"))
    assert "Tiếp nhận hồ sơ" in xml
    compare("birth_registration.bpmn", xml)


def test_report_html_matches_golden(fixed_log, tmp_path):
    written = report(fixed_log, tmp_path, lang="vi", formats=("svg",))
    html = normalise_html(written.html.read_text(encoding="utf-8"))
    assert "Đăng ký khai sinh" in html
    compare("report_birth_registration.html", html)


def test_normalisers_remove_only_volatile_parts():
    xml = '<bpmn:task id="t_1" name="A"><bpmn:incoming>f_1</bpmn:incoming></bpmn:task>'
    assert normalise_xml(xml) == '<bpmn:task id="#" name="A"><bpmn:incoming>#</bpmn:incoming></bpmn:task>'
    html = '<p>2025-01-02 08:00</p><svg width="1"><g/></svg><meta content="procsimp 0.1.0">'
    assert normalise_html(html) == '<p><time></p><svg/><meta content="procsimp">'
