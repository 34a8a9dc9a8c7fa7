"""bpmn-moddle (the parser of bpmn.io) run on BPMN files, shared by the to-be model tests."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

JS = ROOT / "tests" / "js"
CHECKER = JS / "check_bpmn.mjs"


def check_bpmn(files: list[Path]) -> list[dict]:
    """Reports of tests/js/check_bpmn.mjs (bpmn-moddle) for ``files``."""
    node = shutil.which("node")
    if node is None or not (JS / "node_modules" / "bpmn-moddle").is_dir():
        if os.environ.get("PROCSIMP_SKIP_NODE") == "1":
            pytest.skip("PROCSIMP_SKIP_NODE=1: the bpmn-moddle checks are skipped on request")
        pytest.fail("node or the npm packages in tests/js are missing: `make test` installs them (make js-deps)")
    done = subprocess.run(
        [node, str(CHECKER), *map(str, files)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr or done.stdout
    return json.loads(done.stdout)["files"]


def assert_clean(report: dict) -> None:
    assert report["error"] is None, report
    assert report["warnings"] == [], report["warnings"]
    for key in ("nodes_without_shape", "flows_without_edge", "short_edges", "detached_edges", "bad_refs", "overlaps"):
        assert report[key] == [], (report["file"], key, report[key])
    assert report["tasks"] > 0 and report["events"] == 2
