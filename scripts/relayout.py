"""Move procsimp's modules into the layout that reads like the flow, and rewrite every reference.

The layout, bottom to top (each layer imports only the ones below it)::

    core -> catalog -> read -> engine -> mine -> profile -> flag -> propose -> output -> report -> cli
                                synth (beside the engine: generated logs, written by read)

The move is a table, ``MOVES``: old dotted module (a module or a whole package) -> new dotted
module. The longest matching old name wins, so a package can move as a whole while one of its
modules goes elsewhere. A package mapping carries every file under that folder, including files
added after this table was written. A module that becomes the parent of other moved modules (for
example ``procsimp.mining`` -> ``procsimp.mine``) becomes that package's ``__init__.py``.

What the script does, in order:

1. ``git mv`` every tracked (or new, not ignored) file under ``procsimp/`` whose module moves;
2. writes an ``__init__.py`` (a docstring) in a new package folder that has none;
3. rewrites every reference in the repository's text files: dotted names (``procsimp.x.y`` in
   imports, strings such as ``mock.patch("procsimp...")``, docs, notebooks), ``from procsimp
   import x`` of a moved module, file paths (``procsimp/x/y.py``) and the package data globs in
   ``pyproject.toml``;
4. sorts the imports of the rewritten Python files (``ruff check --select I --fix``).

It is idempotent: no new name starts with an old one, so a second run finds nothing to move or
rewrite and changes nothing. Run it from the repository root, on a clean work tree::

    python scripts/relayout.py          # move and rewrite
    python scripts/relayout.py --check  # exit 1 (and list what would change) if anything would
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "procsimp"

#: old dotted module -> new dotted module (the longest matching old name wins)
MOVES: dict[str, str] = {
    # core: the log and its mapping, settings, calendar, progress, small helpers
    "procsimp.log": "procsimp.core.log",
    "procsimp.config": "procsimp.core.config",
    "procsimp.calendar": "procsimp.core.calendar",
    "procsimp.progress": "procsimp.core.progress",
    "procsimp._atomic": "procsimp.core._atomic",
    "procsimp._cells": "procsimp.core._cells",
    "procsimp._lazy": "procsimp.core._lazy",
    "procsimp._pm4py": "procsimp.core._pm4py",
    "procsimp._rounding": "procsimp.core._rounding",
    "procsimp._slug": "procsimp.core._slug",
    "procsimp._tz": "procsimp.core._tz",
    # catalog: reference data (services, stages) and the approved-procedure reference file
    "procsimp.procedure": "procsimp.catalog.procedure",
    # read: readers, writers, mapping, time parsing, cache, anonymisation of a log
    "procsimp.io": "procsimp.read",
    "procsimp.privacy": "procsimp.read.privacy",
    # engine: plans and backends, the filters (the variant filter is a plan), the office hours a
    # log shows (counted by an engine plan), the replay of edits
    "procsimp.office_hours": "procsimp.engine.office_hours",
    "procsimp.filters": "procsimp.engine.filters",
    "procsimp.redesign.apply": "procsimp.engine.replay",
    "procsimp.redesign.edits": "procsimp.engine.edits",
    # mine: process maps, discovery, conformance, and the drawing of maps and models
    "procsimp.mining": "procsimp.mine",
    "procsimp.discovery": "procsimp.mine.discovery",
    "procsimp.conformance": "procsimp.mine.conformance",
    "procsimp.render": "procsimp.mine.render",
    # profile: indicators per service, unit and period; compare
    "procsimp.stats": "procsimp.profile",
    "procsimp.indicators": "procsimp.profile.indicators",
    "procsimp.comparison": "procsimp.profile.comparison",
    # the files of compare and generate are written by their own stage (with core's atomic
    # writes, slug rule and cell neutralising): their results' write() may not reach up to output
    "procsimp.output.compare": "procsimp.profile.comparison_files",
    "procsimp.output.synth": "procsimp.synth.files",
    # flag: the detectors, and the replay's saving of each flag
    "procsimp.detect": "procsimp.flag",
    "procsimp.redesign.savings": "procsimp.flag.savings",
    # propose: Proposal, impact, simulation, procedure table, to-be diagrams
    "procsimp.redesign": "procsimp.propose",
    # output: every file procsimp writes
    "procsimp.render.procedure_docs": "procsimp.output.procedure_docs",
    "procsimp._outdir": "procsimp.output.folder",
    # cli: the click group (procsimp.cli) and one module per command
    "procsimp.commands": "procsimp.cli.commands",
}

#: docstrings of the package folders the move creates
NEW_PACKAGE_DOCS: dict[str, str] = {
    "procsimp.core": (
        "The bottom layer: the event log and its column mapping, the settings context, the\n"
        "working-day calendar, progress lines and small shared helpers. It imports no other layer."
    ),
}

#: text files whose references are rewritten (by suffix, or by exact name)
TEXT_SUFFIXES = {".py", ".md", ".toml", ".ipynb", ".txt", ".cfg", ".ini", ".yaml", ".yml", ".j2", ".rst"}
TEXT_NAMES = {"Makefile", "run"}
#: folders whose files are data, not references (golden outputs, input logs)
SKIP_DIRS = ("tests/golden/", "tests/data/", "event_logs/", "outputs/")
#: this script and its test quote the old names on purpose
SELF = ("scripts/relayout.py", "tests/test_relayout.py")

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_DOTTED = re.compile(rf"(?<![\w./-]){PACKAGE}((?:\.{_IDENT})+)")
_PATH = re.compile(rf"(?<![\w./-]){PACKAGE}/((?:{_IDENT}/)*{_IDENT})(\.py\b)?")
_FROM_IMPORT = re.compile(rf"^([ \t]*)from {PACKAGE} import ([^\n(]+?)[ \t]*(#[^\n]*)?$", re.M)
_FROM_IMPORT_PAREN = re.compile(rf"^([ \t]*)from {PACKAGE} import \(([^)#]*)\)[ \t]*(#[^\n]*)?$", re.M)


def remap(module: str) -> str:
    """The new dotted name of ``module`` (a module, or a name inside one)."""
    parts = module.split(".")
    for n in range(len(parts), 1, -1):
        new = MOVES.get(".".join(parts[:n]))
        if new is not None:
            return ".".join([new, *parts[n:]])
    return module


def _packages_after() -> set[str]:
    """Dotted names that are packages after the move because a moved module lives below them."""
    out: set[str] = set()
    for new in MOVES.values():
        parts = new.split(".")
        out.update(".".join(parts[:n]) for n in range(2, len(parts)))
    return out


PACKAGES_AFTER = _packages_after()


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout


def _files() -> list[str]:
    listed = _git("ls-files", "-co", "--exclude-standard", "-z").split("\0")
    return sorted(f for f in set(listed) if f and (ROOT / f).is_file())


def _new_path(rel: str) -> str | None:
    """The new path of the file ``rel`` (under ``procsimp/``), or None if it stays."""
    path = Path(rel)
    if path.parts[0] != PACKAGE or "__pycache__" in path.parts:
        return None
    if path.suffix == ".py":
        parts = list(path.with_suffix("").parts)
        is_init = parts[-1] == "__init__"
        if is_init:
            parts = parts[:-1]
        module = ".".join(parts)
        new = remap(module)
        as_package = is_init or new in PACKAGES_AFTER
        if new == module and as_package == is_init:
            return None
        new_parts = new.split(".")
        return "/".join(new_parts) + ("/__init__.py" if as_package else ".py")
    folder = ".".join(path.parent.parts)
    new = remap(folder)
    if new == folder:
        return None
    return "/".join([*new.split("."), path.name])


def move_files(*, dry: bool) -> list[tuple[str, str]]:
    moves = [(rel, new) for rel in _files() if (new := _new_path(rel)) is not None]
    targets = [new for _, new in moves]
    clash = sorted({t for t in targets if targets.count(t) > 1 or (ROOT / t).exists()})
    if clash:
        sys.exit("relayout: these target files exist already or twice: " + ", ".join(clash))
    if dry:
        return moves
    tracked = set(_git("ls-files", "-z").split("\0"))
    for rel, new in moves:
        (ROOT / new).parent.mkdir(parents=True, exist_ok=True)
        if rel in tracked:
            _git("mv", rel, new)
        else:
            (ROOT / rel).rename(ROOT / new)
    # old folders left empty (or holding only caches) go
    for rel, _ in moves:
        folder = (ROOT / rel).parent
        while folder != ROOT / PACKAGE and folder.exists():
            leftovers = [p for p in folder.rglob("*") if "__pycache__" not in p.parts and p.is_file()]
            if leftovers:
                break
            for cache in sorted(folder.rglob("__pycache__"), reverse=True):
                for f in cache.iterdir():
                    f.unlink()
                cache.rmdir()
            folder.rmdir()
            folder = folder.parent
    return moves


def add_package_inits(*, dry: bool) -> list[str]:
    made = []
    for package in sorted(PACKAGES_AFTER):
        init = ROOT.joinpath(*package.split("."), "__init__.py")
        if init.parent.is_dir() and not init.exists():
            made.append(init.relative_to(ROOT).as_posix())
            if not dry:
                doc = NEW_PACKAGE_DOCS.get(package, f"The ``{package}`` package.")
                init.write_text(f'"""{doc}"""\n', encoding="utf-8")
    return made


def _rewrite_from_import(match: re.Match[str]) -> str:
    indent, names, comment = match.group(1), match.group(2), match.group(3)
    items = [n.strip() for n in names.replace("\n", ",").split(",") if n.strip()]
    groups: dict[str, list[str]] = {}
    for item in items:
        name = item.split(" as ")[0].strip()
        new = remap(f"{PACKAGE}.{name}")
        if new == f"{PACKAGE}.{name}":
            parent, leaf = PACKAGE, item
        else:
            parent, _, last = new.rpartition(".")
            leaf = last if last == name else f"{last} as {name}"
            if " as " in item:
                leaf = f"{last} as {item.split(' as ')[1].strip()}"
        groups.setdefault(parent, []).append(leaf)
    if list(groups) == [PACKAGE]:
        return match.group(0)
    lines = [f"{indent}from {parent} import {', '.join(leaves)}" for parent, leaves in groups.items()]
    if comment:
        lines[0] += f"  {comment}"
    return "\n".join(lines)


def _rewrite_path(match: re.Match[str]) -> str:
    inner, py = match.group(1), match.group(2)
    module = f"{PACKAGE}.{inner.replace('/', '.')}"
    if py and (inner == "__init__" or inner.endswith("/__init__")):
        module = module[: -len(".__init__")]
    new = remap(module)
    path = new.replace(".", "/")
    if py:
        path += "/__init__.py" if (new in PACKAGES_AFTER or inner.endswith("__init__")) else ".py"
    return path if new != module or py else match.group(0)


def _rewrite_package_data(text: str) -> str:
    """``pyproject.toml``: the globs of ``[tool.setuptools.package-data]`` are relative to the package."""

    def one(m: re.Match[str]) -> str:
        folder = m.group(1)
        module = f"{PACKAGE}.{folder.replace('/', '.')}"
        new = remap(module)
        return f'"{new[len(PACKAGE) + 1:].replace(".", "/")}/{m.group(2)}"' if new != module else m.group(0)

    def section(m: re.Match[str]) -> str:
        return re.sub(rf'"((?:{_IDENT}/)*{_IDENT})/([^"/]*)"', one, m.group(0))

    return re.sub(r"^procsimp = \[[^\]]*\]", section, text, flags=re.M)


def rewrite_text(text: str, *, name: str = "") -> str:
    text = _FROM_IMPORT.sub(_rewrite_from_import, text)
    text = _FROM_IMPORT_PAREN.sub(_rewrite_from_import, text)
    text = _DOTTED.sub(lambda m: remap(m.group(0)), text)
    text = _PATH.sub(_rewrite_path, text)
    if name == "pyproject.toml":
        text = _rewrite_package_data(text)
    return text


def rewrite_files(*, dry: bool) -> list[str]:
    changed = []
    for rel in _files():
        path = Path(rel)
        if rel in SELF or rel.startswith(SKIP_DIRS) or "__pycache__" in path.parts:
            continue
        if path.suffix not in TEXT_SUFFIXES and path.name not in TEXT_NAMES:
            continue
        old = (ROOT / rel).read_text(encoding="utf-8")
        new = rewrite_text(old, name=path.name)
        if new != old:
            changed.append(rel)
            if not dry:
                (ROOT / rel).write_text(new, encoding="utf-8")
    return changed


def sort_imports(files: list[str]) -> None:
    """A moved import may now be out of order: ruff's import sorting (``I``) puts it back."""
    py = [f for f in files if f.endswith(".py")]
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if not py:
        return
    if ruff is None:
        sys.exit("relayout: ruff is missing (pip install -e '.[test]'); the imports are moved but not sorted")
    subprocess.run([ruff, "check", "--select", "I", "--fix", "--quiet", *py], cwd=ROOT, check=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a run would")
    args = parser.parse_args(argv)
    moves = move_files(dry=args.check)
    inits = add_package_inits(dry=args.check)
    if args.check:
        # references are checked against the files as they are now
        changed = rewrite_files(dry=True)
    else:
        changed = rewrite_files(dry=False)
        sort_imports(changed)
    for old, new in moves:
        print(f"move    {old} -> {new}")
    for init in inits:
        print(f"create  {init}")
    for rel in changed:
        print(f"rewrite {rel}")
    if args.check:
        return 1 if (moves or inits or changed) else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
