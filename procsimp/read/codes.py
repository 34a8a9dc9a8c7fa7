"""Dense codes of a text column's distinct values, in SQL that scales on DuckDB and on Spark.

The out-of-core encoding (:meth:`procsimp.read.parquet_source.ParquetSource.encoded`) gives each
distinct normalised value of a column (a dossier id, a step, an officer ...) its place in the
sorted list of those values, as pandas codes a sorted categorical: ``0, 1, 2, ...``. A rank over
every value at once (``dense_rank() OVER (ORDER BY norm)``) gives that, but Spark computes a
window without ``PARTITION BY`` in one task, on one core, which millions of dossier ids make slow.

So the rank is taken in two levels, in SQL that both databases run as written:

1. the values are cut into ranges of about :data:`BUCKET` values by boundaries taken from a
   sorted sample of them (a value's range: a ``CASE`` over the boundaries, so that ranges are
   in the order of the values);
2. each range ranks its own values (``dense_rank() OVER (PARTITION BY bucket ORDER BY norm)``,
   one task per range) and counts them;
3. a value's code is its rank in its range plus the count of the values of the ranges before
   (a running sum over the few ranges).

The codes are the same as the one-window rank's, whatever the boundaries: the sample decides how
the work is shared, not the result. A column with at most :data:`BUCKET` values is one range.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from procsimp.read.sql_text import sql_string

__all__ = ["BUCKET", "code_table"]

#: about how many distinct values one range ranks (one task on Spark)
BUCKET = 100_000
#: sampled values per range, of which one becomes a boundary
_SAMPLED = 64


def _boundaries(con: Any, pairs: str, size: int) -> list[str]:
    """The values that start the second, third ... range (none: one range), in increasing order."""
    (n,) = con.execute(f"SELECT count(*) FROM {pairs}").fetchall()[0]
    ranges = max(1, -(-int(n) // size))
    if ranges == 1:
        return []
    # a sample of about _SAMPLED values per range, chosen by a hash of the value (any choice
    # gives the same codes), sorted by the database as it compares the values
    every = max(1, int(n) // (ranges * _SAMPLED))
    sample = [str(v) for (v,) in con.execute(
        f"SELECT DISTINCT norm FROM {pairs} WHERE hash(norm) % {every} = 0 ORDER BY norm").fetchall()]
    step = len(sample) / ranges
    return list(dict.fromkeys(sample[int(i * step)] for i in range(1, ranges) if int(i * step) < len(sample)))


def code_table(con: Any, pairs: str, create: Callable[[str, str], str], name: str, *,
               bucket: int | None = None) -> str:
    """Create the table ``(raw, norm, code)`` of the table ``pairs`` (its distinct ``(raw, norm)``
    pairs, ``norm`` not NULL; several raw values may share a ``norm`` and then its code) on the
    cursor ``con``, with ``create(name, sql)`` (which names the table it makes); returns its name.
    ``bucket``: values per range (default :data:`BUCKET`)."""
    boundaries = _boundaries(con, pairs, int(bucket or BUCKET))
    which = ("CASE " + " ".join(f"WHEN norm < {sql_string(b)} THEN {i}" for i, b in enumerate(boundaries))
             + f" ELSE {len(boundaries)} END") if boundaries else "0"
    ranked = create(f"{name}_ranked", f"""
SELECT raw, norm, bucket, dense_rank() OVER (PARTITION BY bucket ORDER BY norm) AS k
FROM (SELECT raw, norm, {which} AS bucket FROM {pairs})""")
    return create(name, f"""
SELECT r.raw, r.norm, CAST(o.before + r.k - 1 AS INTEGER) AS code FROM {ranked} r JOIN (
  SELECT bucket, sum(n) OVER (ORDER BY bucket) - n AS before FROM (
    SELECT bucket, max(k) AS n FROM {ranked} GROUP BY bucket)) o ON o.bucket = r.bucket""")
