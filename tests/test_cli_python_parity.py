"""Two front doors, one verb: each command that writes files is a thin wrapper over Python
functions, so calling those functions on the same log with the same options writes the same
files, byte for byte (XLSX and DOCX, whose zip members carry a time of writing, by content; PDF
without its creation date; CSV numbers to the last bits).

The Python side does what a notebook user does: read the log, take the calendar the commands
take (:func:`procsimp.calendar_for`, with the office hours the log's times show), call the stage
function(s) and write through :mod:`procsimp.output`."""

from __future__ import annotations

import contextlib
import csv
import io
import math
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import procsimp
from procsimp.core.config import config_context
from procsimp.engine.filters import run_metadata
from procsimp.engine.office_hours import log_calendar
from procsimp.output.folder import MARKER
from procsimp.output.maps import write_maps
from procsimp.output.proposal import write_proposals
from procsimp.output.tables import flags_meta, write_flags, write_profile
from procsimp.propose import propose_all
from tests.conftest import invoke

pytestmark = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz `dot` is not installed (apt-get install graphviz)"
)

SERVICES = "birth_registration,judicial_record"
PDF_DATE = re.compile(rb"/CreationDate \(D:\d+Z?\)")


def files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and p.name != MARKER}


def same_files(cli: Path, python: Path) -> int:
    """Assert both folders hold the same files with the same content; returns how many."""
    names = files(cli)
    assert names and names == files(python)
    for name in sorted(names):
        a, b = cli / name, python / name
        if a.suffix == ".xlsx":
            import openpyxl

            def cells(path: Path) -> list[Any]:
                book = openpyxl.load_workbook(path)
                return [(ws.title, list(ws.iter_rows(values_only=True))) for ws in book.worksheets]

            assert cells(a) == cells(b), name
        elif a.suffix == ".docx":
            import docx

            def text(path: Path) -> list[Any]:
                doc = docx.Document(str(path))
                return [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells]

            assert text(a) == text(b), name
        elif a.suffix == ".csv":
            assert table(a, approx=True) == table(b), name
        elif a.suffix == ".pdf":  # the same drawing; cairo stamps the time of writing
            assert PDF_DATE.sub(b"", a.read_bytes()) == PDF_DATE.sub(b"", b.read_bytes()), name
        else:
            assert a.read_bytes() == b.read_bytes(), name
    return len(names)


def table(path: Path, *, approx: bool = False) -> list[list[Any]]:
    """A CSV's cells, numbers as :func:`pytest.approx` to the last bits: DuckDB's parallel
    ``avg`` may sum a column in another order from one run to the next."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))

    def cell(text: str) -> Any:
        try:
            value = float(text)
        except ValueError:
            return text
        if not math.isfinite(value):
            return text
        return pytest.approx(value, rel=1e-12, abs=0) if approx else value

    return [rows[0], *([cell(c) for c in row] for row in rows[1:])]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """``procsimp generate`` into one folder and ``procsimp.generate(...).write`` into another."""
    cli = tmp_path_factory.mktemp("generate_cli")
    code, _, err = invoke("generate", "--services", SERVICES, "--cases", 300, "--seed", 5, "--lang", "vi",
                          "--procedure", "--to-be", "--format", "csv,parquet", "--out", cli)
    assert code == 0, err
    python = tmp_path_factory.mktemp("generate_python")
    result = procsimp.generate(services=SERVICES, cases=300, seed=5, lang="vi", to_be=True)
    result.write(python, ("csv", "parquet"), procedure=True)
    return cli, python


@pytest.fixture(scope="module")
def log_path(generated: tuple[Path, Path]) -> Path:
    return generated[0] / "dossiers.csv"


@contextlib.contextmanager
def command_calendar(log: Any) -> Iterator[Any]:
    """The calendar a command uses with no calendar option: the log's (Vietnamese holidays for a
    Vietnamese log) as the setting, with the office hours its event times show."""
    base, _ = procsimp.calendar_for(log)
    with config_context(calendar=base):
        yield log_calendar(log, base, infer=True)[0]


def both(tmp_path: Path, args: tuple[object, ...], python: Callable[[Any, Any, Path], object], log_path: Path) -> int:
    cli_out, py_out = tmp_path / "cli", tmp_path / "python"
    code, _, err = invoke(*args, "--out", cli_out)
    assert code == 0, err
    log = procsimp.read_log(log_path, cache=False)
    with command_calendar(log) as cal:
        python(log, cal, py_out)
    return same_files(cli_out, py_out)


def test_generate(generated: tuple[Path, Path]) -> None:
    assert same_files(*generated) == 6  # two logs in two formats, the truth, the procedure


def test_profile(log_path: Path, tmp_path: Path) -> None:
    def python(log: Any, cal: Any, out: Path) -> None:
        write_profile(procsimp.profile(log, calendar=cal), out)

    assert both(tmp_path, ("profile", log_path), python, log_path) == 2


def test_compare(log_path: Path, tmp_path: Path) -> None:
    periods = "2025-01..2025-03,2025-04..2025-06"

    def python(log: Any, cal: Any, out: Path) -> None:
        procsimp.compare(log, periods=periods, calendar=cal).write(out)

    # compare.json, compare.csv and three delta maps per service
    assert both(tmp_path, ("compare", log_path, "--periods", periods), python, log_path) == 2 + 2 * 3


def test_mine(log_path: Path, tmp_path: Path) -> None:
    formats = ["svg", "png", "dot", "bpmn", "pnml"]

    def python(log: Any, cal: Any, out: Path) -> None:
        from procsimp.mine import mine_all

        write_maps(mine_all(log, calendar=cal), out, formats=formats, meta=run_metadata(log, cal))

    args = ("mine", log_path, "--format", ",".join(formats))
    # per service: the map in three formats, two models, three tables; and mine.json
    assert both(tmp_path, args, python, log_path) == 2 * (3 + 2 + 3) + 1


def test_flag(log_path: Path, tmp_path: Path) -> None:
    def python(log: Any, cal: Any, out: Path) -> None:
        write_flags(procsimp.flag_steps(log, calendar=cal), out, meta=flags_meta(log, cal))

    assert both(tmp_path, ("flag", log_path, "--format", "json"), python, log_path) == 3


def test_propose(log_path: Path, tmp_path: Path) -> None:
    formats = ["svg", "dot", "bpmn", "xlsx", "yaml"]

    def python(log: Any, cal: Any, out: Path) -> None:
        proposals = propose_all(log, procsimp.flag_steps(log, calendar=cal), calendar=cal)
        write_proposals(proposals, out, formats=formats, lang="en", meta=run_metadata(log, cal))

    args = ("propose", log_path, "--format", ",".join(formats), "--lang", "en")
    # per service: two drawings, two models, two procedure files, flags.json/csv, proposal.json;
    # and kpis.json/csv, flags.json/csv, edits.yaml
    assert both(tmp_path, args, python, log_path) == 2 * 9 + 5


def test_conform(generated: tuple[Path, Path], log_path: Path, tmp_path: Path) -> None:
    reference = generated[0] / "dossiers_procedure.yaml"

    def python(log: Any, cal: Any, out: Path) -> None:
        from procsimp.output.conformance import write_conformance

        write_conformance(procsimp.conform(log, reference, calendar=cal), log, out)

    args = ("conform", log_path, "--reference", reference)
    assert both(tmp_path, args, python, log_path) == 3 + 2  # three tables, one map per service
