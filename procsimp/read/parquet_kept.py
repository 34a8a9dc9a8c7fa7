"""What a filter keeps of a log left on its Parquet files, as a condition on its encoded events.

:func:`procsimp.filter_log` narrows a log held in memory by masks over its DataFrame. A log that
stands on its Parquet files (:mod:`procsimp.read.parquet_source`) is narrowed instead by a
:class:`Kept` added to its :class:`~procsimp.read.parquet_source.ParquetSource`: the same files,
the same encoding, and one more condition on the encoded events that every query of the log (its
facts, the engine's ``events`` table, the decoded events) then applies. So a filtered log stays
out of core, and the stages after the filter run in the engine as before.

A :class:`Kept` keeps whole dossiers, or the events of some steps:

* dossiers chosen by a query over the events the filter saw (``cases_sql``: one column
  ``case_id`` of codes, reading the placeholder :data:`EVENTS`): the query runs in the database
  that reads the log (DuckDB, or Spark with the Spark engine) into a table of that database,
  once; no dossier id leaves it;
* dossiers named (``case_names``: a period's dossiers in :func:`procsimp.compare`, the dossiers of
  the variants kept): registered once into a table of that database as their codes;
* steps named (``activities``): their codes, written into the condition.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.read.parquet_source import Encoding, ParquetSource

__all__ = ["EVENTS", "Kept", "codes_of"]

#: in ``Kept.cases_sql``, where the events the filter saw go (as a parenthesised query)
EVENTS = "__procsimp_events__"

_names = __import__("itertools").count()


def codes_of(names: Any, dictionary: Sequence[str]) -> Any:
    """The codes (int32, sorted) of ``names`` in a sorted ``dictionary``; names not in it are left out."""
    import numpy as np
    import pandas as pd

    found = pd.Index(dictionary).get_indexer(pd.Index(pd.unique(pd.Series(names, dtype=object).astype(str))))
    return np.sort(found[found >= 0]).astype(np.int32)


@dataclass(frozen=True, eq=False)
class Kept:
    """The events a filter keeps of an out-of-core log (see the module docstring): those of the
    dossiers of ``cases_sql`` (run over the events of ``over``) or of ``case_names``, and of the
    steps ``activities``; None keeps every one."""

    over: ParquetSource | None = None
    cases_sql: str | None = None
    case_names: Any = None
    activities: tuple[str, ...] | None = None
    #: database id -> the table of the dossiers kept there
    _tables: dict[int, str] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def conditions(self, enc: Encoding) -> list[str]:
        """The SQL conditions on the encoded events of ``enc`` (its codes)."""
        out = []
        if self.cases_sql is not None or self.case_names is not None:
            out.append(f"case_id IN (SELECT case_id FROM {self.table(enc)})")
        if self.activities is not None:
            codes = codes_of(list(self.activities), enc.dictionaries["activity"])
            out.append(f"act IN ({', '.join(str(int(c)) for c in codes) or 'NULL'})")
        return out

    def table(self, enc: Encoding) -> str:
        """The table of the codes of the dossiers kept, in the database of ``enc`` (made once)."""
        from procsimp.errors import LogReadError
        from procsimp.read.parquet_source import SPACE_FIX, drop_table, duckdb_error

        database = enc.database
        with self._lock:
            if id(database) in self._tables:
                return self._tables[id(database)]
            name = f"procsimp_kept{next(_names)}"
            events = None if self.over is None or self.cases_sql is None else self.over.events_sql(database)
            con = database.cursor()
            try:
                if events is not None:
                    assert self.cases_sql is not None
                    con.execute(f"CREATE TABLE {name} AS {self.cases_sql.replace(EVENTS, f'({events})')}")
                else:
                    import pyarrow as pa

                    codes = codes_of(self.case_names, enc.dictionaries["case"])
                    con.register(f"{name}_in", pa.table({"case_id": pa.array(codes, pa.int32())}))
                    try:
                        con.execute(f"CREATE TABLE {name} AS SELECT case_id FROM {name}_in")
                    finally:
                        con.unregister(f"{name}_in")
            except LogReadError:
                raise
            except Exception as exc:  # the database's own exception classes
                source = self.over.source if self.over is not None else "the log"
                raise duckdb_error(source, "filtering the log", exc, getattr(database, "space_fix", SPACE_FIX)) from None
            finally:
                con.close()
            weakref.finalize(self, drop_table, database, name)
            self._tables[id(database)] = name
            return name
