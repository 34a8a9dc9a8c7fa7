"""SQL text for values and names: the literals and identifiers that the out-of-core reader's
queries (:mod:`procsimp.read.parquet_source`, :mod:`procsimp.read.codes`) write, in the dialect
DuckDB reads and the Spark engine translates."""

from __future__ import annotations

__all__ = ["quote", "sql_string"]


def sql_string(text: str) -> str:
    """``text`` as a SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def quote(name: str) -> str:
    """A SQL identifier for a column name (any characters)."""
    return '"' + str(name).replace('"', '""') + '"'
