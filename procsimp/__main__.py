"""``python -m procsimp`` runs the CLI."""

from procsimp.cli import main

main(prog_name="procsimp")
