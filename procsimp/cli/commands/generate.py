"""``procsimp generate``: write synthetic dossier logs with their ground truth (wraps
:func:`procsimp.generate` and :func:`procsimp.synth.files.write_generated`)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("generate")
@click.option(
    "--services",
    default=None,
    metavar="ID,ID... | N",
    help="service templates to generate, comma-separated (default: all of "
    "birth_registration, permanent_residence, passport, judicial_record, "
    "driving_licence_exchange, land_change_registration, tax_registration, unemployment_benefit); "
    "with --structure random, the number of services to draw (default 1)",
)
@click.option(
    "--cases",
    type=int,
    default=None,
    help="dossiers in total, split over the services (default 2000; with --structure random, "
    "each drawn service's own volume of 150-600 dossiers)",
)
@click.option("--seed", type=int, default=0, show_default=True, help="random seed; the same seed gives byte-identical files")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True, help="language of labels and CSV headers")
@click.option(
    "--structure",
    type=click.Choice(["standard", "alt", "codes", "holdout", "holdout2", "holdout3", "holdout4", "random"]),
    default="standard",
    show_default=True,
    help="workflow structure: standard; alt (other wording, units, timings); codes (alt with opaque step codes); "
    "holdout to holdout4 (four more wordings, unit sets, timings and waste intensities, for measuring detectors "
    "on structures they were not built on); random (whole services drawn from a grammar of Vietnamese "
    "procedures: steps, units, officers, office hours, timings, waste and names; service i from seed SEED+i)",
)
@click.option("--to-be", "to_be", is_flag=True, help="also write the counterfactual log with the waste removed")
@click.option(
    "--procedure", is_flag=True,
    help="also write OUT/<stem>_procedure.yaml: the approved to-be procedure (steps, units, allotted "
    "hours) in the reference format of procsimp conform",
)
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
    cases: int | None,
    seed: int,
    lang: str,
    structure: str,
    to_be: bool,
    procedure: bool,
    formats: str,
    start: str,
    months: int,
    stem: str,
    truth_name: str,
    out: Path,
) -> None:
    """Generate synthetic dossier logs with known waste and their ground truth.

    Writes OUT/<stem>.<ext> for each format, OUT/<stem>_to_be.<ext> with --to-be, and
    OUT/ground_truth.json (injected waste, steps to keep, KPIs of both logs) and, with
    --procedure, OUT/<stem>_procedure.yaml (the approved to-be procedure, for procsimp conform).

    \b
    Examples:
      procsimp generate --services birth_registration,passport --cases 1000 --seed 7 --lang en --to-be --format csv,parquet --out data/
      procsimp generate --structure random --services 20 --seed 0 --out family/
    """
    from procsimp.synth import generate as run
    from procsimp.synth.files import check_generated_files, write_generated

    fmts = check_generated_files(formats, stem=stem, truth_name=truth_name)  # nothing outside --out
    chosen: str | int | None = services
    if structure == "random" and services is not None:
        try:
            chosen = int(services)
        except ValueError:
            raise click.BadParameter(
                f"{services!r} is not a number; with --structure random, --services is how many "
                "services to draw (e.g. --services 20)",
                param_hint="--services",
            ) from None
    result = run(
        services=chosen, cases=cases, seed=seed, lang=lang, structure=structure,
        to_be=to_be, start=start, months=months,
    )
    paths = write_generated(result, out, fmts, stem=stem, truth_name=truth_name, procedure=procedure)
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
