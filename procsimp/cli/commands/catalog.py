"""``procsimp catalog``: list the service catalog (built-in, or extended with ``--catalog FILE``)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import click

from procsimp.cli import catalog_option
from procsimp.cli.commands._options import print_format_option
from procsimp.core._cells import neutralise_cell

_safe_cell = neutralise_cell


def _days(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _steps(service: Any, lang: str) -> str:
    """Canonical stages by id, then the service-specific steps named in the chosen language.

    Specific steps are kept as plain names in both languages; a name with Vietnamese letters
    is shown for ``vi``, one without for ``en`` (all of them if that would show none).
    """
    specific = list(service.specific_steps)
    shown = [s for s in specific if (not s.isascii()) == (lang == "vi")] or specific
    return ", ".join([*service.protected_stages, *shown])


def _table(services: list[Any], lang: str) -> str:
    headers = ["ID", "LEVEL", "DAYS", "ESSENTIAL", "VERIFIED"]
    if lang in ("vi", "both"):
        headers.append("NAME (VI)")
    if lang in ("en", "both"):
        headers.append("NAME (EN)")
    headers.append("PROTECTED STEPS")
    rows = []
    for s in services:
        row = [
            s.id,
            s.level or "-",
            _days(s.statutory_days),
            "yes" if s.essential else "no",
            "yes" if s.verified else "no",
        ]
        if lang in ("vi", "both"):
            row.append(s.name_vi)
        if lang in ("en", "both"):
            row.append(s.name_en)
        row.append(_steps(s, "vi" if lang == "both" else lang))
        rows.append(row)
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    lines = []
    for r in [headers, *rows]:
        cells = [
            str(c).ljust(w) if i < len(r) - 1 else str(c)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


@click.command("catalog")
@catalog_option
@print_format_option(help="output format")
@click.option("--essential", is_flag=True, help="only the essential (priority) services")
@click.option(
    "--lang",
    type=click.Choice(["vi", "en", "both"]),
    default="both",
    show_default=True,
    help="which names the table shows",
)
def catalog(catalog: Any, fmt: str, essential: bool, lang: str) -> None:
    """List the service catalog: ids, names, level, statutory days, protected steps.

    The built-in catalog holds the 25 essential public services prioritised for full online
    handling, plus a few common ones. Statutory days are in working days; VERIFIED says whether
    they were checked against the cited source (see --format json for the sources). Extend or
    override entries with your own YAML or CSV file: --catalog FILE.
    """
    from procsimp.catalog import load_catalog

    cat = load_catalog(catalog)
    if essential:
        cat = cat.essential()
    services = list(cat)
    if fmt == "json":
        click.echo(json.dumps(cat.to_records(), ensure_ascii=False, indent=2))
        return
    if fmt == "csv":
        frame = cat.to_frame()
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(list(frame.columns))
        for record in frame.itertuples(index=False):
            writer.writerow(
                [
                    "" if v is None or (isinstance(v, float) and v != v) else _safe_cell(_fmt(v))
                    for v in record
                ]
            )
        click.echo(buffer.getvalue(), nl=False)
        return
    click.echo(_table(services, lang))
    n_ess = sum(s.essential for s in services)
    n_ver = sum(s.verified for s in services)
    click.echo(
        f"\n{len(services)} services ({n_ess} essential); statutory days (working days) verified "
        f"against a cited source for {n_ver}. Sources and notes: --format json."
    )


def _fmt(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return value
