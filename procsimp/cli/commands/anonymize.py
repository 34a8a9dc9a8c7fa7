"""``procsimp anonymize LOG --out FILE``: a copy of the log that can be shared
(wraps :func:`procsimp.anonymize`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from procsimp.cli import load_log, log_options
from procsimp.errors import ParameterError


@click.command("anonymize")
@log_options
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="the anonymised log to write: .csv, .csv.gz, .parquet, .xes or .xes.gz",
)
@click.option(
    "--key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="file holding the secret key of the pseudonyms (at least 16 bytes) [default: $PROCSIMP_ANON_KEY]",
)
@click.option(
    "--personal",
    type=click.Choice(["drop", "hash"]),
    default="drop",
    show_default=True,
    help="what to do with the columns that look like personal data: drop them, or replace each "
    "value by a keyed hash",
)
@click.option("--drop", multiple=True, metavar="COLUMN", help="also treat this column as personal data (repeatable)")
def anonymize(
    log_args: dict[str, Any], out: Path, key_file: Path | None, personal: str, drop: tuple[str, ...]
) -> None:
    """Write a copy of LOG that can be shared: dossier ids and officers replaced by keyed
    pseudonyms, and the columns that look like personal data dropped or hashed.

    Pseudonyms are HMAC-SHA256 under a secret key from --key-file or $PROCSIMP_ANON_KEY; the key
    is never written anywhere, and the same key gives the same pseudonyms, so logs anonymised
    apart still join. Personal data is found by its values (12-digit citizen ID numbers, Vietnamese
    phone numbers, e-mail addresses) and by headers naming a person (ho_ten, Họ và tên, name,
    citizen, so_dien_thoai, email, dia_chi ...). stderr says what was done to each column.

    \b
    Make a key once, keep it secret and reuse it:
      python -c "import secrets; print(secrets.token_hex(32))" > anon.key
    """
    from procsimp.read.privacy import anonymize as run_anonymize
    from procsimp.read.privacy import load_key

    key = load_key(key_file=key_file)  # a missing key fails before the log is read
    source = Path(log_args["path"])
    if source.exists() and out.exists() and os.path.samefile(source, out):
        raise ParameterError(f"--out {out} is the log itself; write the anonymised copy to another file")
    log = load_log(log_args)
    result = run_anonymize(log, key=key, personal=personal, drop=drop, out=out)
    click.echo("Anonymised:", err=True)
    for line in result.describe():
        click.echo(f"  {line}", err=True)
    click.echo(f"Wrote {result.path}: {result.n_cases:,} dossiers, {result.n_events:,} events")
