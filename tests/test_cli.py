"""The CLI boundary: one-line errors, shared options, python -m procsimp."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from procsimp.cli import main, parse_office_hours, parse_workdays
from tests.conftest import EVENT_LOGS

LOG = str(EVENT_LOGS / "dossiers_vi.csv")


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["nope"], "Error: No such command 'nope'. (see 'procsimp --help')"),
        (
            ["mine", LOG, "--view", "heat"],
            "Error: Invalid value for '--view': 'heat' is not one of 'frequency', 'performance'. (see 'procsimp mine --help')",
        ),
        (
            ["profile", LOG, "--workdays", "sat-mon"],
            "Error: Invalid value for --workdays: 'sat-mon' runs backwards; write e.g. mon-fri (see 'procsimp profile --help')",
        ),
        (
            ["profile", LOG, "--office-hours", "7h-11h"],
            "Error: Invalid value for --office-hours: '7h-11h' is not a period; write HH:MM-HH:MM, comma-separated, e.g. 07:30-11:30,13:30-17:00 (see 'procsimp profile --help')",
        ),
    ],
)
def test_usage_errors_are_one_line_with_exit_2(args, line):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert result.output.splitlines() == [line]


def test_calendar_option_parsers():
    assert parse_office_hours("07:30-11:30,13:30-17:00") == (("07:30", "11:30"), ("13:30", "17:00"))
    assert parse_workdays("mon-fri") == (0, 1, 2, 3, 4)
    assert parse_workdays("mon-fri,sat") == (0, 1, 2, 3, 4, 5)
    assert parse_workdays("Monday,Wednesday") == (0, 2)


def test_working_saturdays_shorten_working_day_figures():
    """With Saturday as a working day, more of each dossier's time is working time."""
    base = CliRunner().invoke(main, ["profile", LOG, "--format", "json"])
    six = CliRunner().invoke(main, ["profile", LOG, "--format", "json", "--workdays", "mon-sat"])
    assert base.exit_code == 0 and six.exit_code == 0, base.output + six.output
    import json

    def total(output: str) -> dict:
        return next(r for r in json.loads(output)["services"] if r["service"] == "(all services)")

    b, s = total(base.stdout), total(six.stdout)
    assert s["lead_workdays_mean"] > b["lead_workdays_mean"]
    assert s["lead_days_mean"] == pytest.approx(b["lead_days_mean"])  # calendar days do not change


def test_python_dash_m_runs_the_cli():
    done = subprocess.run([sys.executable, "-m", "procsimp", "--help"], capture_output=True, text=True, check=False)
    assert done.returncode == 0
    assert "validate" in done.stdout and "Welcome to" not in done.stdout + done.stderr
