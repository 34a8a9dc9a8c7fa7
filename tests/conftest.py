"""Shared fixtures: paths to the bundled logs, the public real logs, and small in-memory logs."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

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


def refuse_reading_events(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any read of the events of a log left on its Parquet files into pandas fail."""
    from procsimp.read import parquet_source
    from procsimp.read.parquet_source import ParquetSource

    def refuse(*args: object, **kwargs: object) -> Any:
        raise AssertionError("the events of a log left on its files were read into pandas")

    monkeypatch.setattr(ParquetSource, "frame", refuse)
    monkeypatch.setattr(ParquetSource, "coded_frame", refuse)
    monkeypatch.setattr(parquet_source, "read_dataset_frame", refuse)


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local Spark session (two cores, two shuffle partitions) for every test of the run that
    needs one: starting a JVM takes seconds. Skips, saying why, without Java or pyspark."""
    if shutil.which("java") is None:
        pytest.skip("no Java runtime on this machine: the Spark backend needs one (make test installs it as root)")
    pytest.importorskip("pyspark", reason="pyspark is not installed: pip install 'procsimp[spark]' (make test does)")
    from procsimp import engine
    from procsimp.engine.spark import SparkBackend

    backend = SparkBackend(master="local[2]", shuffle_partitions=2)
    backend.session()
    yield backend
    backend.session().stop()
    engine.backend._by_name.clear()  # backends made by --engine spark hold the stopped session


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextlib.contextmanager
def chromium_page(path: Path, *, width: int = 1280, height: int = 900) -> Iterator[tuple[Any, list[str], list[str]]]:
    """``path`` loaded in real headless Chromium (Playwright): yields ``(page, requests,
    errors)``, the URLs the page requested and its script and console errors. Fails when
    Chromium is missing, unless ``PROCSIMP_SKIP_BROWSER=1`` asks to skip."""
    playwright = pytest.importorskip("playwright.sync_api", reason="the playwright package is part of the test extra")
    if not Path(CHROMIUM).exists():
        if os.environ.get("PROCSIMP_SKIP_BROWSER") == "1":
            pytest.skip("PROCSIMP_SKIP_BROWSER=1: Chromium tests skipped on request")
        pytest.fail("Chromium is missing: `make test` installs it (apt-get install chromium)")
    requests: list[str] = []
    errors: list[str] = []
    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        try:
            yield page, requests, errors
        finally:
            browser.close()


def remote_requests(requests: list[str]) -> list[str]:
    """The requested URLs that are not local files or inline data."""
    return [u for u in requests if not u.startswith(("file:", "data:", "about:"))]
