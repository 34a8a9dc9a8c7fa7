"""scripts/ensure-system-deps installs only what is missing, command by command and package by package.

apt-get, dpkg-query and id are stand-ins on a PATH of their own (the real apt-get cannot run in a
test); the script itself and the Makefile's arguments to it are the real ones.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "ensure-system-deps"


def _exe(path: Path, body: str) -> None:
    path.write_text("#!/bin/bash\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def _makefile_specs(variable: str) -> list[str]:
    text = (ROOT / "Makefile").read_text()
    m = re.search(rf"^{variable} := (.*)$", text, re.M)
    assert m, f"{variable} is not set in the Makefile"
    assert f"ensure-system-deps $({variable})" in text
    return m.group(1).split()


@pytest.fixture
def sandbox(tmp_path: Path):
    """A PATH with the few real tools the script needs, a fake apt-get that 'installs' a package
    by creating the command it provides, and a fake dpkg-query that knows the installed set."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "grep", "cat", "env", "chmod"):
        real = shutil.which(tool)
        assert real, tool
        (bin_dir / tool).symlink_to(real)
    state = tmp_path / "state"
    state.mkdir()
    (state / "installed").write_text("")
    provides = {"nodejs": "node", "npm": "npm", "chromium": "chromium"}
    cases = "\n".join(f"    {pkg}) cmd={cmd} ;;" for pkg, cmd in provides.items())
    _exe(bin_dir / "id", 'echo 0\n')
    _exe(
        bin_dir / "apt-get",
        f"""echo "$*" >> {state}/apt.log
[ "$1" = update ] && exit 0
for p in "$@"; do
  case "$p" in -*|install) continue ;; esac
  if [ "$p" = npm ] && [ -e {state}/vendor-node ]; then
    echo "E: Unable to correct problems, you have held broken packages." >&2; exit 100
  fi
  echo "$p" >> {state}/installed
  case "$p" in
{cases}
    *) cmd= ;;
  esac
  [ -n "$cmd" ] && printf '#!/bin/bash\\necho 1\\n' > {bin_dir}/$cmd && chmod +x {bin_dir}/$cmd
done
exit 0
""",
    )
    _exe(
        bin_dir / "dpkg-query",
        f"""pkg="${{@: -1}}"
grep -qx "$pkg" {state}/installed && {{ echo -n 'install ok installed'; exit 0; }}
exit 1
""",
    )

    def run(*specs: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
        env = {"PATH": str(bin_dir), "HOME": str(tmp_path)}
        done = subprocess.run(
            ["/bin/bash", str(SCRIPT), *specs], capture_output=True, text=True, env=env, check=False
        )
        log = state / "apt.log"
        calls = log.read_text().splitlines() if log.exists() else []
        return done, [c for c in calls if not c.startswith("update")]

    def vendor_node() -> None:
        """A Node.js from a vendor repository: node and its bundled npm, Debian package nodejs."""
        for cmd in ("node", "npm"):
            _exe(bin_dir / cmd, "echo v20\n")
        (state / "installed").write_text("nodejs\n")
        (state / "vendor-node").write_text("")

    run.vendor_node = vendor_node  # type: ignore[attr-defined]
    return run


def test_vendor_node_is_left_alone_and_only_chromium_is_installed(sandbox) -> None:
    sandbox.vendor_node()
    done, calls = sandbox(*_makefile_specs("TEST_SYSTEM_DEPS"))
    assert done.returncode == 0, done.stderr
    assert calls == ["install -y -qq --no-install-recommends chromium"]


def test_missing_node_installs_nodejs_and_npm_one_command_at_a_time(sandbox) -> None:
    done, calls = sandbox(*_makefile_specs("TEST_SYSTEM_DEPS"))
    assert done.returncode == 0, done.stderr
    assert calls == [
        "install -y -qq --no-install-recommends chromium",
        "install -y -qq --no-install-recommends nodejs",
        "install -y -qq --no-install-recommends npm",
    ]


def test_everything_present_installs_nothing(sandbox) -> None:
    sandbox.vendor_node()
    sandbox("chromium=chromium")
    done, calls = sandbox(*_makefile_specs("TEST_SYSTEM_DEPS"))
    assert done.returncode == 0
    assert calls == ["install -y -qq --no-install-recommends chromium"]  # from the first call only


def test_a_package_already_installed_is_not_asked_for_again(sandbox, tmp_path: Path) -> None:
    # the command is missing although one of its packages is installed: only the other is asked for
    (tmp_path / "state" / "installed").write_text("fonts-dejavu-core\n")
    done, calls = sandbox("mytool=fonts-dejavu-core,graphviz")
    assert calls == ["install -y -qq --no-install-recommends graphviz"]
    # graphviz provides no 'mytool' here, so the script says what to install and fails
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "Error: 'mytool' is missing or incomplete. Install it with: sudo apt-get install -y graphviz"
    )


def test_not_root_prints_the_command_instead(sandbox, tmp_path: Path) -> None:
    _exe(tmp_path / "bin" / "id", "echo 1000\n")
    done, calls = sandbox("node=nodejs", "npm=npm")
    assert calls == []
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "Error: 'node' is missing or incomplete. Install it with: sudo apt-get install -y nodejs",
        "Error: 'npm' is missing or incomplete. Install it with: sudo apt-get install -y npm",
    ]


def test_the_script_is_executable() -> None:
    assert os.access(SCRIPT, os.X_OK)
