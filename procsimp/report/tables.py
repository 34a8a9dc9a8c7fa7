"""The table writers live in :mod:`procsimp.output.tables`; these names stay for old imports."""

from __future__ import annotations

from procsimp.output.tables import to_plain, write_table

__all__ = ["write_table", "to_plain"]
