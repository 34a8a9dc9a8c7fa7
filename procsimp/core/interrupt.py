"""Ctrl-C (SIGINT) as DuckDB reports it.

A SIGINT that arrives while DuckDB runs a query stops the query, and DuckDB raises its own
error in place of Python's ``KeyboardInterrupt``: a ``RuntimeError`` that says ``Query
interrupted`` (DuckDB 1.x and 2.x, on the signal), or its ``InterruptException`` (when
``connection.interrupt()`` stops it). procsimp turns either back into ``KeyboardInterrupt``
wherever it runs a query, so that a notebook's interrupt and the CLI's Ctrl-C stop the work as
an interrupt, never as a failed read or a traceback.
"""

from __future__ import annotations

__all__ = ["is_interrupt", "raise_if_interrupt"]


def is_interrupt(exc: BaseException) -> bool:
    """Whether ``exc`` is a Ctrl-C: ``KeyboardInterrupt``, or DuckDB's report of one."""
    if isinstance(exc, KeyboardInterrupt):
        return True
    kind = type(exc)
    if kind.__name__ == "InterruptException" and kind.__module__.split(".")[0] in ("duckdb", "_duckdb"):
        return True
    return kind is RuntimeError and str(exc).strip().startswith("Query interrupted")


def raise_if_interrupt(exc: BaseException) -> None:
    """Raise ``KeyboardInterrupt`` (from None) when ``exc`` is a Ctrl-C (:func:`is_interrupt`)."""
    if is_interrupt(exc):
        raise KeyboardInterrupt from None
