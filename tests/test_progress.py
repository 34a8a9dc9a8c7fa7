"""Progress on a terminal: a status line on stderr with the stage and the service, erased before
other output and at the end; nothing when stderr is not a terminal or with ``--quiet``.

The terminal is a real pseudo-terminal (:mod:`pty`) given to ``python -m procsimp`` as stderr.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from procsimp.core import progress

ROOT = Path(__file__).resolve().parent.parent
pty = pytest.importorskip("pty", reason="pseudo-terminals need a POSIX system")

GENERATE = ["generate", "--services", "birth_registration,passport", "--cases", "40", "--format", "csv"]
ERASE = "\r\x1b[2K"


def _env() -> dict[str, str]:
    return dict(os.environ, TERM="xterm", PYTHONPATH=str(ROOT), PYTHONHASHSEED="0")


def _run_on_terminal(args: list[str]) -> tuple[int, str, bytes]:
    """``procsimp ARGS`` with stderr on a pseudo-terminal: (exit code, what the terminal got, stdout)."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "procsimp", *args], cwd=ROOT, env=_env(),
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=follower,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the last writer closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    out = proc.stdout.read() if proc.stdout else b""
    return proc.wait(), b"".join(chunks).decode("utf-8", "replace"), out


def _visible(terminal: str) -> str:
    """What stays on the screen: each status line drawn then erased is gone."""
    text = terminal.replace("\r\n", "\n")
    return re.sub(r"\r\x1b\[2K[^\r\n]*(?=\r\x1b\[2K)", "", text).replace(ERASE, "")


def test_a_terminal_shows_the_stage_and_the_service(tmp_path: Path) -> None:
    code, terminal, _ = _run_on_terminal([*GENERATE, "--out", str(tmp_path / "a")])
    assert code == 0, terminal
    lines = re.findall(r"\r\x1b\[2K(procsimp · [^\r\n]*?)(?=\r|\n|$)", terminal)
    assert any(re.fullmatch(r"procsimp · generate · birth_registration \(1/2\) · \d+ s", x) for x in lines), lines
    assert any(re.fullmatch(r"procsimp · generate · passport \(2/2\) · \d+ s", x) for x in lines), lines
    assert terminal.rfind(ERASE) > terminal.rfind("procsimp ·")  # the last status line was erased
    visible = _visible(terminal)
    assert "procsimp ·" not in visible and visible.startswith("40 dossiers, ")


def test_other_output_erases_the_line_first(tmp_path: Path) -> None:
    """A warning or a message on stderr never lands after the status text on the same line."""
    log = ROOT / "event_logs" / "dossiers_en.csv"
    code, terminal, out = _run_on_terminal(["profile", str(log)])
    assert code == 0, terminal
    assert "procsimp · read · dossiers_en.csv" in terminal and "procsimp · profile" in terminal
    # every status text is followed by an erase, never by other text on the same line
    assert re.findall(r"procsimp · [^\r]*\n", terminal) == []
    assert all(terminal[m.end():].startswith(ERASE) for m in re.finditer(r"procsimp · [^\r\n]* \d+ s", terminal))
    visible = _visible(terminal)
    assert "Columns used for" in visible and "procsimp ·" not in visible
    assert b"procsimp \xc2\xb7" not in out  # stdout (piped) holds the table only


def test_piped_stderr_holds_no_progress(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "procsimp", *GENERATE, "--out", str(tmp_path / "b")],
        cwd=ROOT, env=_env(), capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "procsimp ·" not in done.stderr and "\r" not in done.stderr and "\x1b" not in done.stderr


def test_quiet_prints_nothing_extra_on_a_terminal(tmp_path: Path) -> None:
    code, quiet, _ = _run_on_terminal(["--quiet", *GENERATE, "--out", str(tmp_path / "c")])
    assert code == 0, quiet
    assert "procsimp ·" not in quiet and ERASE not in quiet
    piped = subprocess.run(
        [sys.executable, "-m", "procsimp", *GENERATE, "--out", str(tmp_path / "d")],
        cwd=ROOT, env=_env(), capture_output=True, text=True, check=False,
    )
    assert quiet.replace("\r\n", "\n").replace(str(tmp_path / "c"), "OUT") == piped.stderr.replace(str(tmp_path / "d"), "OUT")


def test_steps_reach_only_a_listener_of_this_context() -> None:
    seen: list[tuple] = []
    progress.step("flag", "A")  # nobody listens: nothing happens
    with progress.listening(lambda *a: seen.append(a)):
        progress.step("report", "Đăng ký khai sinh", index=1, total=3)
    progress.step("flag", "B")
    assert seen == [("report", "Đăng ký khai sinh", 1, 3)]


def test_status_line_is_silent_off_a_terminal() -> None:
    stream = io.StringIO()
    with progress.status_line(stream=stream) as line:
        progress.step("flag", "A")
        assert line.wrap(stream) is stream
    assert stream.getvalue() == ""
