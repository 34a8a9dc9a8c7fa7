"""Write docs/detectors.md from the detectors' own documentation (tests check it is up to date).

For every registered detector: the flag kind and action, the rules (the module's text), and each
parameter with its default, allowed range and meaning.

Usage: python scripts/gen_detector_docs.py [--check]
"""

from __future__ import annotations

import inspect
import re
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "docs" / "detectors.md"


def _parameter_texts(doc: str) -> dict[str, str]:
    """name -> description from a numpydoc ``Parameters`` section."""
    match = re.search(r"Parameters\n\s*-+\n(.*?)(?:\n\s*\n\s*[A-Z][a-z]+\n\s*-+\n|\Z)", doc, flags=re.S)
    if not match:
        return {}
    out: dict[str, str] = {}
    name = None
    for line in textwrap.dedent(match.group(1)).splitlines():
        if line and not line.startswith(" "):
            name = line.split(":")[0].strip()
            out[name] = ""
        elif name is not None and line.strip():
            out[name] = (out[name] + " " + line.strip()).strip()
    return out


def render() -> str:
    from procsimp.flag.registry import DETECTORS

    lines = [
        "# procsimp detectors",
        "",
        "Generated from the detectors' own documentation by `scripts/gen_detector_docs.py`; do not edit",
        "by hand. Every detector reads the per-log aggregates (`procsimp.flag.aggregate`), never the",
        "events, and judges behaviour: step names only add a little confidence. Parameters are",
        "keyword-only. `flag_steps(log, detectors={\"rubber_stamp\": {\"max_proc_share\": 0.3}})` runs that",
        "detector alone with that setting; name every detector (`None` for its defaults) to run them all.",
        "",
    ]
    for name, cls in DETECTORS.items():
        module_doc = inspect.getdoc(sys.modules[cls.__module__]) or ""
        params = {**_parameter_texts(inspect.getdoc(cls) or ""), **_parameter_texts(inspect.getdoc(cls.__init__) or "")}
        constraints = getattr(cls, "_constraints", {})
        lines += [f"## `{name}` → {cls.action}", "", module_doc, "", "| parameter | default | allowed | meaning |",
                  "|---|---|---|---|"]
        for pname, p in inspect.signature(cls.__init__).parameters.items():
            if pname == "self" or p.kind is not inspect.Parameter.KEYWORD_ONLY:
                continue
            allowed = constraints[pname].describe() if pname in constraints else ""
            text = params.get(pname, "").replace("|", "\\|")
            lines.append(f"| `{pname}` | `{p.default!r}` | {allowed} | {text} |")
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    from _docgen import write_or_check  # a sibling module: scripts/ is on the path when run

    return write_or_check(TARGET, render(), "python scripts/gen_detector_docs.py")


if __name__ == "__main__":
    raise SystemExit(main())
