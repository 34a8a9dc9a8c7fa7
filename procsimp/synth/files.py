"""The files of ``procsimp generate --out OUT`` (:meth:`procsimp.synth.SynthResult.write`):

* ``<stem>.<csv|parquet|xes>``: the generated log, one file per format;
* ``<stem>_to_be.<ext>``: the counterfactual log with the waste removed (``to_be=True``);
* ``ground_truth.json`` (``truth_name``): the injected waste, the steps to keep and the KPIs;
* ``<stem>_procedure.yaml`` (``procedure=True``): the approved to-be procedure, a reference
  for ``procsimp conform``.

The same seed gives the same bytes; each file is written atomically.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from procsimp.errors import ParameterError
from procsimp.read.write import WRITE_FORMATS

__all__ = ["write_generated", "check_generated_files", "SYNTH_FORMATS"]

#: the formats a generated log can be written in
SYNTH_FORMATS: tuple[str, ...] = WRITE_FORMATS


def check_formats(formats: Iterable[str] | str) -> tuple[str, ...]:
    """The formats asked for, each once, in order (``"csv,parquet"`` or a list)."""
    if isinstance(formats, str):
        formats = [f for f in formats.split(",") if f.strip()]
    fmts = tuple(dict.fromkeys(f.strip().lower() for f in formats))
    bad = [f for f in fmts if f not in SYNTH_FORMATS]
    if bad or not fmts:
        raise ParameterError(
            f"format {bad[0] if bad else ''!r} is not supported; choose one or more of "
            f"{', '.join(SYNTH_FORMATS)} (comma-separated, e.g. csv,parquet)"
        )
    return fmts


def check_file_name(option: str, name: str) -> None:
    """A plain file name, so that nothing is written outside the output folder."""
    text = str(name)
    if (not text.strip() or text in (".", "..") or any(c in text for c in "/\\\0")
            or (len(text) > 1 and text[1] == ":")):
        flag = "--" + option.replace("_", "-")
        raise ParameterError(
            f"{flag} {text!r} is not a file name: give a name without folders (no / or \\), "
            f"e.g. {flag} {'dossiers' if option == 'stem' else 'ground_truth.json'}; the file goes into --out"
        )


def check_generated_files(
    formats: Iterable[str] | str = ("csv",), *, stem: str = "dossiers", truth_name: str = "ground_truth.json"
) -> tuple[str, ...]:
    """Check the file options of :func:`write_generated` (before generating); returns the formats."""
    fmts = check_formats(formats)
    check_file_name("stem", stem)
    check_file_name("truth_name", truth_name)
    return fmts


def write_generated(
    result: Any,
    out: str | os.PathLike[str],
    formats: Iterable[str] | str = ("csv",),
    *,
    stem: str = "dossiers",
    truth_name: str = "ground_truth.json",
    procedure: bool = False,
) -> list[Path]:
    """Every file of a :class:`procsimp.synth.SynthResult` into ``out``; returns the paths."""
    from procsimp.synth._write import write_log_file, write_truth

    fmts = check_generated_files(formats, stem=stem, truth_name=truth_name)
    out = Path(out)
    paths = []
    for fmt in fmts:
        paths.append(write_log_file(result.log, out / f"{stem}.{fmt}", fmt, result.lang))
        if result.to_be is not None:
            paths.append(write_log_file(result.to_be, out / f"{stem}_to_be.{fmt}", fmt, result.lang))
    paths.append(write_truth(result.truth, out / truth_name))
    if procedure:
        paths.append(result.procedure().write(out / f"{stem}_procedure.yaml"))
    return paths
