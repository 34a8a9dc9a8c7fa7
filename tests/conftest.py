"""Shared fixtures: paths to the bundled logs, the public real logs, and small in-memory logs."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
EVENT_LOGS = ROOT / "event_logs"
#: public real event logs live beside the project, never inside it
REAL_LOGS = Path(os.environ.get("PROCSIMP_REAL_LOGS", ROOT.parent / "shared" / "real_logs"))
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def real_log_path(name: str) -> Path:
    """Path of a public real log; skips the test, saying why, when the folder or file is absent."""
    path = REAL_LOGS / name
    if not path.exists():
        pytest.skip(f"real log {name} not found in {REAL_LOGS} (the shared real_logs folder is not beside the project)")
    return path


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def load_script(path: Path) -> ModuleType:
    """A Python file that is not part of a package (a generator script, ``make_data.py``) as a
    module, without running its ``main``."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses in the script look their module up there
    spec.loader.exec_module(module)
    return module


def invoke(*args: object) -> tuple[int, str, str]:
    """Run ``procsimp ARGS`` in-process: (exit code, stdout, stderr). An exception other than
    the CLI's own exit is raised, so that a traceback is never mistaken for a handled error."""
    from click.testing import CliRunner

    from procsimp.cli import main

    result = CliRunner().invoke(main, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr
