"""DuckDB's spill folders go with the process that made them: at exit, on SIGTERM, and, for a
process killed outright, at the next procsimp process, which removes only folders that are surely
stale (its own naming, this user's, the owner process gone)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from procsimp.core._spill import remove_stale

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX signals and process checks")

ROOT = Path(__file__).resolve().parent.parent

# a process that makes procsimp's DuckDB database, prints its spill folder, runs a query that
# spills, and then waits to be ended
CHILD = """
import sys
from procsimp.read.parquet_source import shared_database
db = shared_database()
db.execute("SET enable_progress_bar = false")
db.execute("SET memory_limit = '32MB'")
db.execute("SET threads = 1")
db.execute("CREATE TABLE big AS SELECT md5(CAST(range AS VARCHAR)) AS b FROM range(1000000)")
print(db.execute("SELECT current_setting('temp_directory')").fetchall()[0][0], flush=True)
sys.stdin.read()
"""


def _child(tmp: Path) -> tuple[subprocess.Popen[str], Path]:
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, env=env)
    assert proc.stdout is not None
    folder = Path(proc.stdout.readline().strip())
    assert folder.parent == tmp and folder.is_dir(), folder
    assert folder.name.startswith(f"procsimp-duckdb-{proc.pid}-")
    assert any(folder.iterdir())  # DuckDB spilled the table there
    return proc, folder


def test_the_folder_goes_at_exit_and_on_sigterm(tmp_path: Path) -> None:
    proc, folder = _child(tmp_path)
    assert proc.stdin is not None
    proc.stdin.close()  # the child reads to the end, then exits normally
    assert proc.wait() == 0
    assert not folder.exists()
    proc, folder = _child(tmp_path)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait() == -signal.SIGTERM  # ended by the signal, as without procsimp's handler
    assert not folder.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_killed_process_folder_is_removed_by_the_next_one_and_nothing_else(tmp_path: Path) -> None:
    proc, stale = _child(tmp_path)
    proc.kill()  # SIGKILL: no clean-up can run
    assert proc.wait() == -signal.SIGKILL
    assert stale.is_dir()
    dead = proc.pid  # reaped: no process has that id now
    # what must stay: a live process's folder, the old naming without a process id, a file and a
    # link of the naming, another program's folder, and the folder the link points to
    live = tmp_path / f"procsimp-duckdb-{os.getpid()}-abc123"
    old = tmp_path / "procsimp-duckdb-k2j4h5g6"
    file = tmp_path / f"procsimp-duckdb-{dead}-file"
    target = tmp_path / "elsewhere"
    link = tmp_path / f"procsimp-duckdb-{dead}-link"
    other = tmp_path / f"other-duckdb-{dead}-x"
    for folder in (live, old, target, other):
        folder.mkdir()
        (folder / "keep").write_text("x")
    file.write_text("x")
    link.symlink_to(target, target_is_directory=True)
    kept = sorted(p.name for p in tmp_path.iterdir() if p != stale)

    assert remove_stale(tmp_path) == [stale]
    assert not stale.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == kept
    assert (target / "keep").exists() and (live / "keep").exists()
    assert remove_stale(tmp_path) == []
    # the next procsimp process does it by itself when it makes its own folder
    proc, _ = _child(tmp_path)
    proc.kill()
    proc.wait()
    proc2, newest = _child(tmp_path)
    assert proc2.stdin is not None
    proc2.stdin.close()
    assert proc2.wait() == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == kept  # the killed one's folder went too
