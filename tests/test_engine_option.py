"""Choosing the engine: ``procsimp --engine`` / ``--spark-master``, ``PROCSIMP_ENGINE`` /
``PROCSIMP_SPARK_MASTER`` and ``procsimp.config_context(engine=..., spark_master=...)``.

These tests need no Java: a Spark backend is made when chosen and started only by its first
plan, and without a Java runtime that start is one ``Error:`` line. The Spark runs themselves are
in ``tests/test_engine_spark.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from procsimp.core.config import config_context
from procsimp.engine import backend
from procsimp.engine.backend import get_backend
from procsimp.errors import ParameterError
from tests.conftest import EVENT_LOGS, invoke

LOG = EVENT_LOGS / "dossiers_en.csv"


@pytest.fixture
def no_java(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """JAVA_HOME is an empty folder and PATH has no java; no engine chosen by the environment."""
    empty = tmp_path / "jdk"
    empty.mkdir()
    monkeypatch.setenv("JAVA_HOME", str(empty))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("PROCSIMP_ENGINE", raising=False)
    monkeypatch.delenv("PROCSIMP_SPARK_MASTER", raising=False)
    monkeypatch.setattr(backend, "_current", None)
    # as in a new process: no backend made earlier in this run (one may hold a live Spark session)
    monkeypatch.setattr(backend, "_by_name", {})
    yield empty


def test_engine_option_without_java_is_one_error_and_writes_nothing(no_java: Path, tmp_path: Path) -> None:
    out = tmp_path / "profile"
    code, stdout, err = invoke("--engine", "spark", "profile", LOG, "--out", out)
    assert (code, stdout) == (1, "")
    assert err.strip().splitlines()[-1] == (
        f"Error: the Spark engine needs a Java runtime and none was found (JAVA_HOME={str(no_java)!r} has no "
        "bin/java); install a JDK 17 or later (e.g. apt-get install default-jre-headless) and set JAVA_HOME to "
        "it, or use the default DuckDB engine (--engine duckdb, or unset PROCSIMP_ENGINE)"
    )
    assert "Traceback" not in err and not out.exists()
    assert get_backend().name == "duckdb"  # the option lasts as long as its command


def test_engine_option_wins_over_the_environment(no_java: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROCSIMP_ENGINE", "spark")  # would need Java
    code, stdout, err = invoke("--engine", "duckdb", "flag", LOG, "--service", "Register a birth", "--format", "json")
    assert code == 0, err
    assert stdout.startswith("[") and '"action"' in stdout
    code, stdout, err = invoke("flag", LOG, "--service", "Register a birth", "--format", "json")
    assert code == 1 and "Error: the Spark engine needs a Java runtime" in err


def test_spark_master_is_for_the_spark_engine(no_java: Path) -> None:
    code, _, err = invoke("--spark-master", "spark://head:7077", "profile", LOG)
    assert (code, err.strip()) == (2, (
        "Error: Invalid value for --spark-master: a Spark master is for the Spark engine: add --engine spark "
        "(see 'procsimp --help')"))
    code, _, err = invoke("--engine", "spark", "--spark-master", " ", "profile", LOG)
    assert (code, err.strip()) == (2, (
        "Error: Invalid value for --spark-master: give a Spark master URL such as spark://host:7077, yarn or "
        "local[4] (see 'procsimp --help')"))
    code, _, err = invoke("--engine", "postgres", "profile", LOG)
    assert code == 2 and "'postgres' is not one of 'duckdb', 'spark'" in err


def test_the_settings_choose_the_backend_and_its_master(no_java: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert get_backend().name == "duckdb"
    with config_context(engine="spark"):
        assert (get_backend().name, get_backend().master) == ("spark", "local[*]")
        monkeypatch.setenv("PROCSIMP_SPARK_MASTER", "local[1]")
        assert get_backend().master == "local[1]"
        with config_context(spark_master="spark://head:7077"):  # the setting wins over the variable
            made = get_backend()
            assert (made.name, made.master) == ("spark", "spark://head:7077")
            assert get_backend() is made  # one backend per engine and master
    monkeypatch.setenv("PROCSIMP_ENGINE", "spark")
    assert get_backend().master == "local[1]"
    with config_context(engine="duckdb"):
        assert get_backend().name == "duckdb"
    with pytest.raises(ParameterError, match=r"spark_master must be a Spark master URL such as 'local\[\*\]'"):
        with config_context(spark_master=""):
            pass


def test_the_engine_setting_reaches_the_engine_plans(no_java: Path) -> None:
    # profile's plans run on the engine of the settings: on Spark without Java, that is the error
    import procsimp

    log = procsimp.read_log(LOG, cache=False)
    with config_context(engine="spark"), pytest.raises(ParameterError, match="the Spark engine needs a Java runtime"):
        procsimp.profile(log)
    assert len(procsimp.profile(log).table) == 9  # DuckDB again outside the block
