"""Float aggregates that give the same bits however the rows are split between threads.

DuckDB (and Spark) sum the rows of a group in parallel, in an order that changes from run to run;
floating-point addition is not associative, so ``avg`` and ``sum`` of doubles could differ in their
last digit between two runs on the same log. These sum exact decimals instead: each value is
rounded once to :data:`SCALE` decimal places (a working minute to about 1e-12 of a minute), the
decimals add up exactly in 128-bit integers, whatever their order, and the total (or mean) becomes
a double at the end. The same SQL runs on DuckDB and, translated, on Spark.
"""

from __future__ import annotations

__all__ = ["SCALE", "exact_avg", "exact_sum"]

#: decimal places kept of each value: 26 digits remain for the whole part of a total
SCALE = 12
_DECIMAL = f"DECIMAL(38, {SCALE})"


def _filtered(where: str | None) -> str:
    return f" FILTER (WHERE {where})" if where else ""


def exact_avg(expr: str, *, where: str | None = None) -> str:
    """SQL for the mean of ``expr`` (a double) over the rows where ``where`` holds (default: all),
    the same whatever the order of the rows."""
    return f"CAST(avg(CAST({expr} AS {_DECIMAL})){_filtered(where)} AS DOUBLE)"


def exact_sum(expr: str, *, where: str | None = None) -> str:
    """SQL for the sum of ``expr`` (a double) over the rows where ``where`` holds (default: all),
    the same whatever the order of the rows."""
    return f"CAST(sum(CAST({expr} AS {_DECIMAL})){_filtered(where)} AS DOUBLE)"
