"""``procsimp generate``: write synthetic dossier logs with their ground truth."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("generate")
@click.option(
    "--services",
    default=None,
    metavar="ID,ID...",
    help="service templates to generate, comma-separated (default: all of "
    "birth_registration, permanent_residence, passport, judicial_record, "
    "driving_licence_exchange, land_change_registration, tax_registration, unemployment_benefit)",
)
@click.option("--cases", type=int, default=2000, show_default=True, help="dossiers in total, split over the services")
@click.option("--seed", type=int, default=0, show_default=True, help="random seed; the same seed gives byte-identical files")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True, help="language of labels and CSV headers")
@click.option(
    "--structure",
    type=click.Choice(["standard", "alt", "codes", "holdout", "holdout2", "holdout3", "holdout4"]),
    default="standard",
    show_default=True,
    help="workflow structure: standard; alt (other wording, units, timings); codes (alt with opaque step codes); "
    "holdout to holdout4 (four more wordings, unit sets, timings and waste intensities, for measuring detectors "
    "on structures they were not built on)",
)
@click.option("--to-be", "to_be", is_flag=True, help="also write the counterfactual log with the waste removed")
@click.option(
    "--format",
    "formats",
    default="csv",
    show_default=True,
    metavar="csv,parquet,xes",
    help="file formats, comma-separated",
)
@click.option("--start", default="2025-01-01", show_default=True, metavar="YYYY-MM-DD", help="first day of dossier arrivals")
@click.option("--months", type=int, default=6, show_default=True, help="months of dossier arrivals")
@click.option("--stem", default="dossiers", show_default=True, help="file name stem of the logs")
@click.option("--truth-name", default="ground_truth.json", show_default=True, help="file name of the ground truth")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="folder to write the files to",
)
def generate(
    services: str | None,
    cases: int,
    seed: int,
    lang: str,
    structure: str,
    to_be: bool,
    formats: str,
    start: str,
    months: int,
    stem: str,
    truth_name: str,
    out: Path,
) -> None:
    """Generate synthetic dossier logs with known waste and their ground truth.

    Writes OUT/<stem>.<ext> for each format, OUT/<stem>_to_be.<ext> with --to-be, and
    OUT/ground_truth.json (injected waste, steps to keep, KPIs of both logs).

    \b
    Example:
      procsimp generate --services birth_registration,passport --cases 1000 --seed 7 --lang en --to-be --format csv,parquet --out data/
    """
    from procsimp.synth import _check_file_name, _check_formats
    from procsimp.synth import generate as run

    fmts = _check_formats(formats)
    if "/" in stem or "\\" in stem or not stem.strip():
        raise click.BadParameter(f"{stem!r} is not a file name stem (no folders)", param_hint="--stem")
    _check_file_name("truth_name", truth_name)  # nothing may be written outside --out
    result = run(
        services=services, cases=cases, seed=seed, lang=lang, structure=structure,
        to_be=to_be, start=start, months=months,
    )
    paths = result.write(out, fmts, stem=stem, truth_name=truth_name)
    for path in paths:
        click.echo(str(path))
    per_service = list(result.truth["services"].values())
    with_dossiers = [s for s in per_service if s["cases"] > 0]
    n_waste = sum(len(s["waste"]) for s in with_dossiers)
    in_services = f"{len(with_dossiers)} services"
    if len(with_dossiers) < len(per_service):
        in_services = f"{len(with_dossiers)} of {len(per_service)} services with dossiers"
    click.echo(
        f"{result.log.n_cases} dossiers, {result.log.n_events} events, "
        f"{in_services}, {n_waste} injected waste items",
        err=True,
    )
