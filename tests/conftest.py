"""Shared fixtures: paths to the bundled logs, the public real logs, and small in-memory logs."""

from __future__ import annotations

import os
from pathlib import Path

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
