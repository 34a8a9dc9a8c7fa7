"""``PROCSIMP_THREADS`` caps every pool procsimp starts (:mod:`procsimp.core.cores`)."""

from __future__ import annotations

import pytest

from procsimp.core.cores import threads_setting, usable_cores, worker_threads
from procsimp.engine.backend import DuckDBBackend
from procsimp.errors import ParameterError


@pytest.mark.parametrize(("value", "expected"), [(None, None), ("", None), ("  ", None), ("3", 3), (" 2 ", 2), ("0", 1)])
def test_the_setting_is_a_whole_number_or_none(monkeypatch: pytest.MonkeyPatch, value: str | None,
                                               expected: int | None) -> None:
    if value is None:
        monkeypatch.delenv("PROCSIMP_THREADS", raising=False)
    else:
        monkeypatch.setenv("PROCSIMP_THREADS", value)
    assert threads_setting() == expected


def test_a_setting_that_is_not_a_number_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROCSIMP_THREADS", "two")
    with pytest.raises(ParameterError, match=r"^PROCSIMP_THREADS='two' is not a whole number; set it to e\.g\. 2 or unset it$"):
        worker_threads(4)
    with pytest.raises(ParameterError, match="PROCSIMP_THREADS='two'"):
        DuckDBBackend()


def test_workers_follow_the_setting_up_to_the_pools_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROCSIMP_THREADS", raising=False)
    assert usable_cores() >= 1
    assert worker_threads(4) == min(4, usable_cores())
    assert worker_threads(1) == 1
    monkeypatch.setenv("PROCSIMP_THREADS", "1")
    assert worker_threads(4) == 1
    monkeypatch.setenv("PROCSIMP_THREADS", "8")
    assert worker_threads(4) == 4
    assert worker_threads(16) == 8


def test_duckdb_runs_on_the_threads_the_setting_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROCSIMP_THREADS", "1")
    backend = DuckDBBackend()
    assert backend.threads == 1
    assert backend.database.execute("SELECT current_setting('threads')").fetchone()[0] == 1
    # given threads win over the setting
    assert DuckDBBackend(threads=2).threads == 2
