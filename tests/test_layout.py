"""The package's layout: no import cycles, and no long module without a reason at its top.

The import graph is read statically from every module's source (``ast``): absolute
``procsimp...`` imports at module level and inside functions alike, so a function-level import
that closes a cycle counts; imports under ``if TYPE_CHECKING:`` are left out (they never run).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "procsimp"

#: a module longer than this needs a reason, written on its first line
LINE_LIMIT = 600
REASON_PREFIX = "# Long module: "

#: module -> the reason written on its first line (after ``# Long module: ``)
LONG_MODULES: dict[str, str] = {
    "procsimp/core/calendar.py": "working-minute arithmetic, its inverse, holidays and due dates share the calendar's tables.",
    "procsimp/catalog/loader.py": "one validator for two file formats (YAML and CSV) that share every field rule and error message.",
    "procsimp/flag/aggregates.py": "the detectors' tables and the step roles, one plan of the engine plus the judgements on its results.",
    "procsimp/mine/discovery.py": "model discovery and the tree-to-BPMN rewriting rules it applies share one graph representation.",
    "procsimp/read/frame.py": "every reader ends in one validation pass over the same arrays; split, those arrays would travel between modules.",
    "procsimp/read/parquet_source.py": "a log left on its Parquet files: the schema mapping, the checks and the one encoding pass in DuckDB share its source.",
    "procsimp/read/times.py": "one timestamp-format decision per column; the format detectors and parsers share the same vectorised helpers.",
    "procsimp/read/xes.py": "XES reading (fast path and safe fallback) and writing share the attribute typing and the XML safety checks.",
    "procsimp/catalog/procedure.py": "the reference-file schema: parsing, validation with located errors and the model it builds belong together.",
    "procsimp/propose/proposal.py": "the Proposal result with its views (procedure table, diagrams, KPIs) and propose() that builds it.",
    "procsimp/propose/simulate.py": "one discrete-event model (arrivals, officer pools, working-minute clock, replications) over one shared state.",
    "procsimp/mine/render/bpmn.py": "one layout algorithm (order, placement, orthogonal routing) and its BPMN-DI serialisation.",
    "procsimp/mine/render/graphviz.py": "one drawing: the map's DOT, legend, colour scales and SVG/PNG/PDF rendering share its styling.",
    "procsimp/report/__init__.py": "the report assembles every stage per service; its file writing is to move to one output layer.",
    "procsimp/synth/_random.py": "one grammar of procedures whose productions share the random state and the vocabulary.",
    "procsimp/synth/templates.py": "data: the generator's service templates, written as Python literals.",
}


def _modules(package: Path) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """ids of the nodes under an ``if TYPE_CHECKING:`` block."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                skipped.update(id(n) for n in ast.walk(child))
    return skipped


def import_graph(package: Path = PACKAGE) -> nx.DiGraph:
    """Module -> imported procsimp module, each edge with the line of its first import."""
    modules = _modules(package)

    def owner(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        skipped = _type_checking_nodes(tree)
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{path}:{node.lineno}: use an absolute import"
                base = node.module or ""
                names = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            else:
                continue
            for name in names:
                target = owner(name) if name.split(".")[0] == "procsimp" else None
                if target and target != module and not graph.has_edge(module, target):
                    graph.add_edge(module, target, line=node.lineno)
    return graph


def test_the_import_graph_sees_module_and_function_level_imports() -> None:
    graph = import_graph()
    # module level: the engine package imports its planner
    assert graph.has_edge("procsimp.engine", "procsimp.engine.sql")
    # inside a function: the filters reach the engine only for the variant filter
    assert graph.has_edge("procsimp.engine.filters", "procsimp.engine")
    # under TYPE_CHECKING only: the engine names the EventLog type, the log never imports the engine
    assert not graph.has_edge("procsimp.core.log", "procsimp.engine")


def test_a_planted_cycle_is_found(tmp_path: Path) -> None:
    pkg = tmp_path / "procsimp"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from procsimp.sub import b\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "b.py").write_text("def f():\n    from procsimp import a\n")
    (pkg / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from procsimp import a\n"
    )
    cycles = [sorted(c) for c in nx.simple_cycles(import_graph(pkg))]
    assert cycles == [["procsimp.a", "procsimp.sub.b"]]


def test_no_import_cycles() -> None:
    graph = import_graph()
    cycles = sorted(sorted(c) for c in nx.simple_cycles(graph))
    lines = []
    for cycle in cycles[:20]:
        ring = nx.find_cycle(graph.subgraph(cycle))
        lines.append("  " + " -> ".join(f"{a} (line {graph.edges[a, b]['line']})" for a, b in ring) + f" -> {ring[0][0]}")
    assert not cycles, f"{len(cycles)} import cycle(s); move the shared piece down a layer:\n" + "\n".join(lines)


def test_long_modules_say_why_on_their_first_line() -> None:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        n_lines = text.count("\n")
        first = text.split("\n", 1)[0]
        if n_lines > LINE_LIMIT and rel not in LONG_MODULES:
            problems.append(f"{rel}: {n_lines} lines; split it, or write its reason on line 1 and list it here")
        if rel in LONG_MODULES:
            if n_lines <= LINE_LIMIT:
                problems.append(f"{rel}: {n_lines} lines now; take it off LONG_MODULES and drop its reason line")
            elif first != REASON_PREFIX + LONG_MODULES[rel]:
                problems.append(f"{rel}: line 1 is {first!r}, not {REASON_PREFIX + LONG_MODULES[rel]!r}")
    missing = sorted(set(LONG_MODULES) - {p.relative_to(ROOT).as_posix() for p in PACKAGE.rglob("*.py")})
    problems += [f"{rel}: listed in LONG_MODULES but gone; take it off" for rel in missing]
    assert not problems, "\n".join(problems)


#: the layers, bottom first. A module imports modules of its own layer and of lower ranks only;
#: two layers of one rank do not import each other.
LAYERS: dict[str, int] = {
    "core": 0,
    "catalog": 1,
    "read": 2,
    "engine": 3,
    "synth": 3,
    "mine": 4,
    "profile": 5,
    "flag": 5,
    "propose": 6,
    "output": 7,
    "report": 8,
    "cli": 9,
    "api": 10,
}
#: the modules directly under ``procsimp/`` and their layer
TOP_MODULES: dict[str, str] = {"procsimp": "api", "procsimp.__main__": "cli", "procsimp.errors": "core"}


def layer_of(module: str) -> str | None:
    if module in TOP_MODULES:
        return TOP_MODULES[module]
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or parts[1] in LAYERS else None


def upward_imports(graph: nx.DiGraph) -> list[str]:
    """Each import of a module from a higher layer (or from another layer of the same rank)."""
    out = []
    for a, b in sorted(graph.edges):
        la, lb = layer_of(a), layer_of(b)
        if la is None or lb is None or la == lb:
            continue
        if LAYERS[lb] >= LAYERS[la]:
            out.append(f"  {a} ({la}) imports {b} ({lb}) at line {graph.edges[a, b]['line']}")
    return out


def test_every_module_is_in_a_layer() -> None:
    lost = sorted(m for m in import_graph().nodes if layer_of(m) not in LAYERS)
    assert not lost, (
        "modules in no layer; move them into one of the layer folders "
        f"({', '.join(LAYERS)}) or list them in TOP_MODULES: {lost}"
    )


def test_a_planted_upward_import_is_found(tmp_path: Path) -> None:
    pkg = tmp_path / "procsimp"
    for layer in ("core", "flag", "propose"):
        (pkg / layer).mkdir(parents=True)
        (pkg / layer / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "errors.py").write_text("")
    (pkg / "propose" / "edits.py").write_text("from procsimp.flag import x\nfrom procsimp.core import y\n")
    # inside a function, as detect.pipeline once reached up into redesign.savings
    (pkg / "flag" / "pipeline.py").write_text("def f():\n    from procsimp.propose import edits\n")
    (pkg / "core" / "log.py").write_text("from procsimp import errors\n")
    found = upward_imports(import_graph(pkg))
    assert found == ["  procsimp.flag.pipeline (flag) imports procsimp.propose.edits (propose) at line 2"]


def test_dependencies_point_down_the_layers() -> None:
    found = upward_imports(import_graph())
    assert not found, (
        f"{len(found)} import(s) against the layers ({' < '.join(LAYERS)}); move the shared "
        "piece down to the lower layer:\n" + "\n".join(found)
    )


def test_a_stage_function_is_not_hidden_by_its_package() -> None:
    """``procsimp.profile``, ``mine``, ``propose`` and ``report`` are functions even when their
    packages were imported first (a fresh interpreter, so no earlier test has touched them)."""
    code = (
        "import inspect, sys\n"
        "import procsimp.profile.indicators, procsimp.mine.render.graphviz, procsimp.propose.proposal, procsimp.report.i18n\n"
        "import procsimp\n"
        "from procsimp import propose\n"
        "print([inspect.isfunction(getattr(procsimp, n)) for n in ('profile', 'mine', 'propose', 'report')],"
        " inspect.isfunction(propose), type(sys.modules['procsimp.mine']).__name__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[True,", "True,", "True,", "True]", "True", "module"]
