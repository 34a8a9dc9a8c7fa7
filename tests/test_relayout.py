"""scripts/relayout.py, the record of the move to the layered layout: its rewriting, and that the
tree holds no old module path (a second run changes nothing)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import load_script

ROOT = Path(__file__).resolve().parent.parent
relayout = load_script(ROOT / "scripts" / "relayout.py")


def test_a_module_maps_by_its_longest_old_name() -> None:
    assert relayout.remap("procsimp.render.graphviz.write_dot") == "procsimp.mine.render.graphviz.write_dot"
    assert relayout.remap("procsimp.render.procedure_docs") == "procsimp.output.procedure_docs"
    assert relayout.remap("procsimp.redesign.savings") == "procsimp.flag.savings"
    assert relayout.remap("procsimp.redesign") == "procsimp.propose"
    assert relayout.remap("procsimp.report") == "procsimp.report"
    assert relayout.remap("procsimp.logging") == "procsimp.logging"  # a whole name, not a prefix


def test_every_kind_of_reference_is_rewritten() -> None:
    old = (
        "from procsimp import engine, progress  # both\n"
        "    from procsimp import __version__\n"
        "import procsimp.io.frame\n"
        'mock.patch("procsimp.detect.pipeline.replay_savings")\n'
        "importlib.import_module(f\"procsimp.commands.{name}\")\n"
        "see `procsimp/detect/calibration.yaml`, `procsimp/cli.py` and `procsimp/stats.py`\n"
        "https://example.org/procsimp/detect/ and procsimp.profile(log) stay\n"
    )
    new = relayout.rewrite_text(old)
    assert new == (
        "from procsimp import engine  # both\n"
        "from procsimp.core import progress\n"
        "    from procsimp import __version__\n"
        "import procsimp.read.frame\n"
        'mock.patch("procsimp.flag.pipeline.replay_savings")\n'
        "importlib.import_module(f\"procsimp.cli.commands.{name}\")\n"
        "see `procsimp/flag/calibration.yaml`, `procsimp/cli/__init__.py` and `procsimp/profile/__init__.py`\n"
        "https://example.org/procsimp/detect/ and procsimp.profile(log) stay\n"
    )
    assert relayout.rewrite_text(new) == new


def test_package_data_globs_follow_their_folders() -> None:
    old = 'procsimp = ["py.typed", "detect/*.yaml", "render/assets/*", "report/templates/*"]\n'
    assert relayout.rewrite_text(old, name="pyproject.toml") == (
        'procsimp = ["py.typed", "flag/*.yaml", "mine/render/assets/*", "report/templates/*"]\n'
    )


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs a git checkout")
def test_the_tree_is_in_the_new_layout() -> None:
    """A run on this tree would move and rewrite nothing."""
    moves = relayout.move_files(dry=True)
    inits = relayout.add_package_inits(dry=True)
    changed = relayout.rewrite_files(dry=True)
    assert (moves, inits, changed) == ([], [], [])


def test_a_parenthesised_import_of_moved_modules_is_split() -> None:
    old = "from procsimp import (\n    engine,\n    progress,\n    log as L,\n)\nfrom procsimp import (\n    engine,\n    errors,\n)\n"
    assert relayout.rewrite_text(old) == (
        "from procsimp import engine\nfrom procsimp.core import progress, log as L\n"
        "from procsimp import (\n    engine,\n    errors,\n)\n"
    )
