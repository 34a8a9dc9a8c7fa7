"""Output folders are whole or untouched: built aside, renamed into place, locked, checked first."""

from __future__ import annotations

import errno
import hashlib
import importlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from procsimp.errors import OutputFolderError, ParameterError, ProcsimpError
from procsimp.output.folder import MARKER, output_folder
from tests.conftest import DATA, ROOT, invoke

LOG = DATA / "good" / "dossiers_vi.csv"
BUSY = "another procsimp run"


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) with the hash of its bytes."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def siblings(folder: Path) -> list[str]:
    """What a run left beside ``folder``: temporary folders, old copies, lock files."""
    return sorted(p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}."))


@pytest.fixture(scope="module")
def old_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished report folder, written once by the CLI (svg only, to stay quick)."""
    out = tmp_path_factory.mktemp("old") / "report"
    code, _, err = invoke("report", LOG, "--out", out, "--format", "svg")
    assert code == 0, err
    return out


def copy_of(folder: Path, dest: Path) -> Path:
    import shutil

    shutil.copytree(folder, dest)
    return dest


# ---------------------------------------------------------------------------- the swap
def test_a_successful_run_replaces_the_folder_whole(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with output_folder(out, command="test") as folder:
        (folder.work / "a.txt").write_text("one", encoding="utf-8")
        assert not out.exists()  # nothing appears before the end
    assert sorted(os.listdir(out)) == [MARKER, "a.txt"]
    with output_folder(out, command="test") as folder:
        (folder.work / "b.txt").write_text("two", encoding="utf-8")
        assert (out / "a.txt").read_text(encoding="utf-8") == "one"  # the old folder stays until the end
        assert folder.final(folder.work / "b.txt") == out.resolve() / "b.txt"
    assert sorted(os.listdir(out)) == [MARKER, "b.txt"]  # no mix of the two runs
    assert siblings(out) == []


def test_an_exception_leaves_the_old_folder_and_no_debris(old_report: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rep = importlib.import_module("procsimp.report")  # the package; procsimp.report is the function
    from procsimp.read import read_log

    out = copy_of(old_report, tmp_path / "report")
    before = snapshot(out)

    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("the Markdown writer broke")

    monkeypatch.setattr(rep, "_markdown", broken)  # index.html and every table are written by then
    with pytest.raises(RuntimeError, match="the Markdown writer broke"):
        rep.report(read_log(LOG), out, formats=("svg",))
    assert snapshot(out) == before
    assert siblings(out) == []


def test_a_full_disk_names_the_folder_not_a_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rep = importlib.import_module("procsimp.report")  # the package; procsimp.report is the function
    from procsimp.read import read_log

    def full(path: Path, text: str) -> Path:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(rep, "write_text", full)
    out = tmp_path / "report"
    with pytest.raises(OutputFolderError) as caught:
        rep.report(read_log(LOG), out, formats=("svg",))
    assert str(caught.value) == f"{out}: could not write the outputs (no space left on the disk); the folder was left as it was"
    assert not out.exists() and siblings(out) == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_an_interrupted_report_over_an_old_one_leaves_it_whole(old_report: Path, tmp_path: Path, sig: int) -> None:
    out = copy_of(old_report, tmp_path / "report")
    before = snapshot(out)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # Ctrl-C as a terminal delivers it: a test run started in the background of a non-interactive
    # shell inherits SIGINT ignored, and Python keeps an ignored SIGINT ignored in the child
    proc = subprocess.Popen(
        [sys.executable, "-m", "procsimp", "report", str(LOG), "--out", str(out), "--format", "svg,png,pdf"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    # wait until the new report is half-written (its first table is in the temporary folder)
    while proc.poll() is None and not list(tmp_path.glob(".report.*.procsimp-tmp/profile.csv")):
        time.sleep(0.01)
    assert proc.poll() is None, "the report finished before it could be interrupted"
    proc.send_signal(sig)
    _, err = proc.communicate()
    # SIGTERM: exit status 143; Ctrl-C: "Aborted!", then the process ends by SIGINT (procsimp.cli.entry)
    assert proc.returncode == (143 if sig == signal.SIGTERM else -signal.SIGINT), err
    if sig == signal.SIGINT:
        assert err.decode().strip().endswith("Aborted!")
        assert b"Traceback" not in err
    assert snapshot(out) == before
    assert siblings(out) == []


def test_ctrl_c_during_the_final_renames_waits_for_them_then_reaches_the_handler(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Ctrl-C while the finished folder is put in place is held back until it is, then sent
    to the SIGINT handler of the program (which notes it, as ``procsimp.cli.entry`` does), not
    raised past it."""
    folder_module = importlib.import_module("procsimp.output.folder")
    real_swap = folder_module._swap

    def swap_interrupted(work: Path, target: Path) -> None:
        signal.raise_signal(signal.SIGINT)
        real_swap(work, target)

    monkeypatch.setattr(folder_module, "_swap", swap_interrupted)
    seen: list[int] = []

    def handler(signum: int, frame: object) -> None:
        seen.append(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        with pytest.raises(KeyboardInterrupt), output_folder(tmp_path / "out", command="test") as folder:
            (folder.work / "a.txt").write_text("one", encoding="utf-8")
    finally:
        signal.signal(signal.SIGINT, previous)
    assert seen == [signal.SIGINT]
    assert (tmp_path / "out" / "a.txt").read_text(encoding="utf-8") == "one"
    assert siblings(tmp_path / "out") == []


#: a command whose engine never returns after Ctrl-C, as DuckDB's query cancellation can hang:
#: the interrupt reaches the program's handler, then the call goes on waiting
_STUCK = """
import sys, time
from procsimp.engine import backend

def stuck(self, plan, tables):
    announced = False
    while True:
        try:  # (the signal may come as soon as the line is out: it is caught from there)
            if not announced:
                print("engine running", flush=True)
                announced = True
            time.sleep(3600)
        except KeyboardInterrupt:
            pass

backend.DuckDBBackend.run = stuck
from procsimp.cli.entry import run
sys.argv = ["procsimp", *sys.argv[1:]]
run()
"""


def test_ctrl_c_ends_the_process_even_when_the_engine_does_not_stop(tmp_path: Path) -> None:
    from procsimp.cli.entry import GRACE_SECONDS

    out = tmp_path / "report"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", _STUCK, "report", str(LOG), "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert proc.stdout is not None
    assert proc.stdout.readline() == b"engine running\n"
    proc.send_signal(signal.SIGINT)
    try:  # a guard against a hang of the test itself, not a measure of speed
        _, err = proc.communicate(timeout=GRACE_SECONDS + 120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == -signal.SIGINT, err
    assert err.decode().strip().splitlines()[-1].startswith("Aborted! (the engine did not stop within")
    assert not out.exists()


def _new_session_with_sigint() -> None:
    """In the child: a session of its own (the terminal's foreground group, so to speak), with
    SIGINT delivered as a terminal delivers it (see the test above)."""
    os.setsid()
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_stops_a_shell_loop_of_commands(tmp_path: Path) -> None:
    """Ctrl-C reaches the shell and procsimp together. A shell that waits for a command goes on
    with its script when the command exits with a status, and stops when the command ended by
    SIGINT: procsimp ends by SIGINT, so the loop stops at the first report."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    script = (f'for i in 1 2; do "{sys.executable}" -m procsimp report "{LOG}" --out "{tmp_path}/r$i" '
              '--format svg,png,pdf; done; echo the-loop-went-on')
    proc = subprocess.Popen(["bash", "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            preexec_fn=_new_session_with_sigint)
    while proc.poll() is None and not list(tmp_path.glob(".r1.*.procsimp-tmp/profile.csv")):
        time.sleep(0.01)
    assert proc.poll() is None, "the first report finished before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)  # the whole group, as Ctrl-C on a terminal
    out, err = proc.communicate()
    assert b"the-loop-went-on" not in out, err
    assert proc.returncode == -signal.SIGINT, err
    assert err.decode().strip().endswith("Aborted!")
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no report, whole or half-written


def test_debris_of_a_killed_run_is_removed_by_the_next(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (tmp_path / ".out.k1ll3d.procsimp-tmp").mkdir()
    (tmp_path / ".out.k1ll3d.procsimp-tmp" / "half.csv").write_text("x", encoding="utf-8")
    with output_folder(out, command="test") as folder:
        (folder.work / "a.txt").write_text("one", encoding="utf-8")
    assert siblings(out) == []


# ---------------------------------------------------------------------------- the lock
def test_a_second_writer_in_the_same_process_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with output_folder(out, command="test"):
        with pytest.raises(OutputFolderError, match=BUSY), output_folder(out, command="test"):
            pass
    with output_folder(out, command="test"):  # released at the end
        pass


def test_two_concurrent_reports_into_one_folder_one_is_refused(old_report: Path, tmp_path: Path) -> None:
    """A report run holds the folder (a second process, stopped half-way); a second report run is
    refused with one line naming the folder and the first run's process, and changes nothing."""
    out = copy_of(old_report, tmp_path / "report")
    before = snapshot(out)
    holder = (
        "import sys\n"
        "from procsimp.output.folder import output_folder\n"
        "with output_folder(sys.argv[1], command='report') as f:\n"
        "    (f.work / 'index.html').write_text('new', encoding='utf-8')\n"
        "    print('holding', flush=True)\n"
        "    sys.stdin.readline()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    first = subprocess.Popen([sys.executable, "-c", holder, str(out)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    assert first.stdout is not None and first.stdout.readline().strip() == b"holding"
    code, _, err = invoke("report", LOG, "--out", out, "--format", "svg")
    assert code == 1
    assert err.strip() == (
        f"Error: {out}: another procsimp run (process {first.pid}) is writing this folder; wait for it "
        "to finish, or choose another output folder"
    )
    assert snapshot(out) == before  # the refused run touched nothing
    first.communicate(b"\n")
    assert first.returncode == 0
    assert (out / "index.html").read_text(encoding="utf-8") == "new"  # the first run's folder, whole
    assert siblings(out) == []


# ---------------------------------------------------------------------------- checks before the analysis
def test_a_foreign_folder_is_refused_unless_force(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.docx").write_bytes(b"the user's own file")
    code, _, err = invoke("profile", LOG, "--out", out)
    assert code == 1
    assert err.strip() == (
        f"Error: {out}: the folder is not empty and was not written by procsimp; its files would be replaced: "
        "choose another output folder, or add --force (force=True in Python) to replace it"
    )
    assert os.listdir(out) == ["notes.docx"]
    code, _, err = invoke("profile", LOG, "--out", out, "--force")
    assert code == 0, err
    assert sorted(os.listdir(out)) == [MARKER, "profile.csv", "profile.json"]


def test_another_commands_folder_is_refused_unless_force(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert invoke("flag", LOG, "--out", out)[0] == 0
    code, _, err = invoke("profile", LOG, "--out", out)
    assert code == 1
    assert err.strip() == (
        f"Error: {out}: the folder holds the output of 'procsimp flag', which this 'procsimp profile' run "
        "would replace: choose another output folder, or add --force (force=True in Python) to replace it"
    )
    assert invoke("flag", LOG, "--out", out)[0] == 0  # the same command may replace its own folder


@pytest.mark.parametrize("command", ["profile", "flag", "mine", "propose", "report"])
def test_a_read_only_folder_is_named_before_the_log_is_read(tmp_path: Path, command: str) -> None:
    """The log does not even exist: the error is about the folder, so it came first."""
    out = tmp_path / "locked"
    out.mkdir()
    (out / MARKER).write_text(json.dumps({"command": command}) + "\n", encoding="utf-8")
    out.chmod(0o555)
    try:
        code, _, err = invoke(command, tmp_path / "missing.csv", "--out", out)
    finally:
        out.chmod(0o755)
    assert code == 1
    assert err.strip() == (
        f"Error: {out}: the folder is read-only; make it writable (chmod u+w) or choose another output folder"
    )
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        code, _, err = invoke(command, tmp_path / "missing.csv", "--out", parent / "new")
    finally:
        parent.chmod(0o755)
    assert code == 1
    assert err.strip() == (
        f"Error: {parent}: the folder is read-only, so the output folder 'new' cannot be created in it; "
        "make it writable or choose another output folder"
    )


def test_report_out_must_be_a_folder(tmp_path: Path) -> None:
    from procsimp.read import read_log
    from procsimp.report import report

    log = read_log(LOG)
    file = tmp_path / "a.txt"
    file.write_text("x", encoding="utf-8")
    with pytest.raises(OutputFolderError, match="is a file, not a folder"):
        report(log, file)
    for bad in (None, 5, b"out", ""):
        with pytest.raises(ParameterError, match="out must be the path of a folder"):
            report(log, bad)  # type: ignore[arg-type]
    assert issubclass(OutputFolderError, ProcsimpError)


def test_the_working_directory_and_the_log_folder_are_never_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "thesis.docx").write_bytes(b"months of work")
    monkeypatch.chdir(work)
    for out in (".", "..", str(tmp_path)):
        code, _, err = invoke("profile", LOG, "--out", out, "--force")
        assert code == 1
        assert err.strip().endswith(
            "is the working directory, a folder that holds it, or your home folder; procsimp replaces its "
            "output folder as a whole, so give it a folder of its own, e.g. --out outputs/report"
        )
    data = tmp_path / "data"
    data.mkdir()
    log = data / "log.csv"
    log.write_bytes(LOG.read_bytes())
    code, _, err = invoke("flag", log, "--out", data, "--force")
    assert code == 1
    assert err.strip() == (
        f"Error: the log {log} is inside the output folder --out {data}, which is replaced as a whole when "
        "the command succeeds; move the log or choose another --out"
    )
    from procsimp.read import read_log
    from procsimp.report import report

    with pytest.raises(ParameterError, match="is inside the output folder"):
        report(read_log(log), data, force=True)
    assert sorted(os.listdir(work)) == ["thesis.docx"] and os.listdir(data) == ["log.csv"]
