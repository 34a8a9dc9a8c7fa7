"""``python -m procsimp`` runs the CLI (:func:`procsimp.cli.entry.run`)."""

from procsimp.cli.entry import run

run()
