"""The event log: a pandas DataFrame that knows its column mapping.

Once a log is read, no function asks for column names again. Columns carry pm4py's names, so a
pm4py function accepts ``log.to_pm4py()`` as it is.

Invariants of ``EventLog.df`` (checked by :meth:`EventLog.check`):

* events are sorted by case, then by completion time; ties keep the order of the source file;
* ``time:timestamp`` (and ``start_timestamp``, ``case:received``, ``case:due`` when present) are
  timezone-aware ``datetime64[..., tz]`` (any resolution);
* text columns (case id, activity, officer, unit, service, channel, outcome) are categorical,
  and their values are Unicode NFC;
* the index is a ``RangeIndex``.
"""

from __future__ import annotations

import dataclasses
import html
import unicodedata
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from procsimp.core._categories import without_unused
from procsimp.errors import MissingColumnError, ParameterError

__all__ = [
    "CASE",
    "ACTIVITY",
    "TIMESTAMP",
    "START",
    "RESOURCE",
    "UNIT",
    "SERVICE",
    "CHANNEL",
    "RECEIVED",
    "DUE",
    "OUTCOME",
    "ROLES",
    "REQUIRED_ROLES",
    "TEXT_ROLES",
    "TIME_ROLES",
    "DEFAULT_TIMEZONE",
    "ColumnMapping",
    "EventLog",
]

CASE = "case:concept:name"
ACTIVITY = "concept:name"
TIMESTAMP = "time:timestamp"
START = "start_timestamp"
RESOURCE = "org:resource"
UNIT = "org:group"
SERVICE = "case:service"
CHANNEL = "case:channel"
RECEIVED = "case:received"
DUE = "case:due"
OUTCOME = "case:outcome"

#: role name (as used by keyword arguments, CLI options and mapping files) -> standard column
ROLES: dict[str, str] = {
    "case": CASE,
    "activity": ACTIVITY,
    "timestamp": TIMESTAMP,
    "start": START,
    "resource": RESOURCE,
    "unit": UNIT,
    "service": SERVICE,
    "channel": CHANNEL,
    "received": RECEIVED,
    "due": DUE,
    "outcome": OUTCOME,
}
REQUIRED_ROLES: tuple[str, ...] = ("case", "activity", "timestamp")
TEXT_ROLES: tuple[str, ...] = ("case", "activity", "resource", "unit", "service", "channel", "outcome")
TIME_ROLES: tuple[str, ...] = ("timestamp", "start", "received", "due")
#: roles whose value belongs to the dossier, not to one event
CASE_ROLES: tuple[str, ...] = ("service", "channel", "received", "due", "outcome")

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


@dataclass(frozen=True)
class ColumnMapping:
    """Which source column fills each role, and how that was decided.

    ``columns`` maps a role (``"case"``, ``"activity"``, ...) to the column name in the source
    file. ``how`` maps the same role to where the choice came from: ``"argument"`` (keyword
    argument or CLI option), ``"file"`` (YAML mapping file), ``"detected"`` (a known header) or
    ``"xes"`` (the standard XES attribute).
    """

    columns: Mapping[str, str] = field(default_factory=dict)
    how: Mapping[str, str] = field(default_factory=dict)
    #: role -> how the values were read, for time roles (``"dd/mm/yyyy HH:MM:SS"``, ``"ISO 8601"``)
    formats: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.columns) - set(ROLES))
        if unknown:
            raise ParameterError(
                f"unknown role(s) {', '.join(map(repr, unknown))} in the column mapping; "
                f"allowed roles are: {', '.join(ROLES)}"
            )

    def __contains__(self, role: object) -> bool:
        return role in self.columns

    def source(self, role: str) -> str | None:
        """The source column mapped to ``role``, or None."""
        return self.columns.get(role)

    def describe(self) -> list[str]:
        """One line per mapped role: ``case      <- Mã hồ sơ (detected)``."""
        width = max((len(r) for r in ROLES), default=0)
        return [
            f"{role:<{width}} <- {self.columns[role]} ({self.how.get(role, 'argument')}"
            + (f", {self.formats[role]})" if self.formats.get(role) else ")")
            for role in ROLES
            if role in self.columns
        ]

    def to_dict(self) -> dict[str, Any]:
        return {"columns": dict(self.columns), "how": dict(self.how), "formats": dict(self.formats)}


# log -> {services: the log of those services}, see EventLog.for_service
_SUBLOGS: weakref.WeakKeyDictionary[EventLog, dict[tuple[Any, ...], EventLog | None]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True, eq=False)
class EventLog:
    """An event log: ``df`` with pm4py column names, plus the mapping it was read with.

    Build one with :func:`procsimp.read_log` (from a file) or :func:`procsimp.frame_to_log` (from
    a DataFrame); narrow one with :func:`procsimp.filter_log`. Methods never mutate the log; they
    return a new one.

    A log read from Parquet files may stand on them (``storage == "parquet"``, see
    :mod:`procsimp.read.parquet_source`): ``parquet`` says where they are, and its facts (events,
    cases, activities, services, time span) and the engine's tables come from DuckDB. Its ``df``
    is then made only when something reads it, a stage that truly needs every event as a row
    (such as ``check``, or :func:`procsimp.anonymize` without ``out``, which returns the new log
    in memory; not ``profile``, ``mine``, ``flag``, ``propose``, ``compare``, ``conform``,
    ``anonymize`` writing its ``out`` file, or :func:`procsimp.filter_log`, whose filtered log
    stands on the same files);
    :attr:`materialised` tells whether that happened, and :attr:`out_of_core` whether the events
    are still only on the files.
    """

    df: pd.DataFrame
    mapping: ColumnMapping = field(default_factory=ColumnMapping)
    source: str = "<memory>"
    timezone: str = DEFAULT_TIMEZONE
    warnings: tuple[str, ...] = ()
    #: the filters applied to this log, in order: ``{filter, value, cases_before, cases_after,
    #: events_before, events_after}`` each (see :func:`procsimp.filter_log`)
    filters: tuple[dict[str, Any], ...] = ()
    #: for a log that stands on Parquet files (out of core), where they are
    #: (:class:`procsimp.read.parquet_source.ParquetSource`); None for a log held in memory
    parquet: Any = None

    # ------------------------------------------------------------------ construction
    def replace(self, **changes: Any) -> EventLog:
        """A copy with some fields replaced (the DataFrame is not copied unless given; a new
        DataFrame makes a log held in memory)."""
        if "df" in changes:
            changes.setdefault("parquet", None)
        else:
            changes["df"] = self.__dict__["df"]  # as it is: not materialised by the copy
        return dataclasses.replace(self, **changes)

    # ------------------------------------------------------------------ storage
    @property
    def out_of_core(self) -> bool:
        """Whether the log stands on its Parquet files and its events are not in memory: the
        engine then reads the files with DuckDB (see :mod:`procsimp.read.parquet_source`)."""
        return self.parquet is not None and self.__dict__["df"] is None

    @property
    def materialised(self) -> bool:
        """Whether the events are held in memory as the DataFrame ``df``. For a log that stands on
        Parquet files this turns True the first time something reads ``df``, that is a stage that
        needs every event as a row (the engine's stages do not)."""
        return self.__dict__["df"] is not None

    @property
    def storage(self) -> str:
        """``"memory"`` (``df`` holds the events) or ``"parquet"`` (out of core)."""
        return "parquet" if self.parquet is not None else "memory"

    # ------------------------------------------------------------------ facts
    def has(self, role_or_column: str) -> bool:
        """Whether the log has a column for a role (``"due"``) or a standard column name."""
        if self.out_of_core:
            role = role_or_column if role_or_column in ROLES else _ROLE_OF.get(role_or_column)
            return bool(role is not None and self.parquet.facts()["has"].get(role, False))
        column = ROLES.get(role_or_column, role_or_column)
        return column in self.df.columns and bool(self.df[column].notna().any())

    @property
    def n_events(self) -> int:
        if self.out_of_core:
            return int(self.parquet.facts()["events"])
        return len(self.df)

    @property
    def n_cases(self) -> int:
        if self.out_of_core:
            return int(self.parquet.facts()["cases"])
        return int(self.df[CASE].nunique())

    @property
    def n_activities(self) -> int:
        """Distinct activity names."""
        if self.out_of_core:
            return int(self.parquet.facts()["n_activities"])
        return int(self.df[ACTIVITY].nunique())

    @property
    def activities(self) -> list[str]:
        """Activity names in order of first appearance."""
        if self.out_of_core:
            return self.parquet.activities()
        return [str(a) for a in pd.unique(self.df[ACTIVITY].astype(str))]

    @property
    def services(self) -> list[str]:
        """Service names (``case:service``) sorted; ``[]`` when the log has no service column."""
        if self.out_of_core:
            return list(self.parquet.facts()["services"])
        if not self.has("service"):
            return []
        values = self.df[SERVICE]
        if isinstance(values.dtype, pd.CategoricalDtype):  # the categories in use: a count, no hashing
            return sorted(str(s) for s in without_unused(values).cat.categories)
        return sorted(str(s) for s in values.dropna().unique())

    def distinct(self, role: str) -> list[str]:
        """The distinct values of a text role's column (``"activity"``, ``"unit"`` ...), sorted;
        ``[]`` when the log has no such column. Read from the files for an out-of-core log."""
        if role not in TEXT_ROLES:
            raise ParameterError(f"distinct() takes a text role ({', '.join(TEXT_ROLES)}), got {role!r}")
        if self.out_of_core:
            return self.parquet.distinct(role)
        column = ROLES[role]
        if column not in self.df.columns:
            return []
        values = self.df[column]
        names = values.cat.categories if isinstance(values.dtype, pd.CategoricalDtype) else values.dropna().unique()
        return sorted(str(n) for n in names)

    @property
    def time_span(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        if self.out_of_core:
            facts = self.parquet.facts()
            if facts["first"] is None:
                return None
            return tuple(  # type: ignore[return-value]
                pd.Timestamp(int(facts[k]), unit="us", tz="UTC").tz_convert(self.timezone) for k in ("first", "last")
            )
        if self.df.empty:
            return None
        ts = self.df[TIMESTAMP]
        first = ts.min()
        if self.has("start"):
            first = min(first, self.df[START].min())
        return first, ts.max()

    # ------------------------------------------------------------------ views
    def for_service(self, service: str | Iterable[str] | None, *, keep: bool = True) -> EventLog:
        """The events of one service (or several); ``None`` returns the log itself.

        A log without a service column is treated as one service: asking for it by any name
        raises, listing what exists. The sub-log is made once and kept while this log lives (so
        the stages that ask for the same service share its encoding and aggregates); a log of
        that service only is returned as it is. ``keep=False`` makes a new sub-log that is not kept
        (nor taken from those kept): for a caller that works through the services one at a time
        and lets go of each (and of the engine's work on it), so that they are not all in memory
        together.
        """
        if service is None:
            return self
        if not isinstance(service, (str, list, tuple, set, frozenset)) or (
                not isinstance(service, str) and not all(isinstance(s, str) for s in service)):
            raise ParameterError(
                f"service must be the name of a service (or a list of names), got {type(service).__name__} "
                f"{service!r}; services in the log: {', '.join(repr(s) for s in self.services[:20]) or '(none)'}"
            )
        wanted = [service] if isinstance(service, str) else list(service)
        wanted = [unicodedata.normalize("NFC", s).strip() if isinstance(s, str) else s for s in wanted]
        available = self.services
        missing = [s for s in wanted if s not in available]
        if missing:
            shown = ", ".join(repr(s) for s in available[:20]) or "(the log has no service column)"
            raise ParameterError(
                f"service {missing[0]!r} is not in the log {self.source}; "
                f"services in the log: {shown}"
            )
        # one sub-log per log and services, reused: the engine's encoding and the detectors'
        # aggregates are cached per log object, so every stage that asks for a service shares them
        key = tuple(wanted)
        per_log = _SUBLOGS.setdefault(self, {}) if keep else {}
        if key in per_log:
            found = per_log[key]
            return self if found is None else found
        if self.out_of_core:
            # the same files, narrowed to those services by the SQL that reads them
            sub = None if set(wanted) >= set(available) else self.replace(parquet=self.parquet.for_services(wanted))
            per_log[key] = sub
            return self if sub is None else sub
        if set(wanted) >= set(available) and not self.df[SERVICE].isna().any():
            per_log[key] = None  # every event is of those services: the log itself, not a copy
            return self
        mask = self.df[SERVICE].isin(wanted)
        df = self.df.loc[mask].reset_index(drop=True)
        unchanged = bool(mask.all())
        for col in df.columns:
            if isinstance(df[col].dtype, pd.CategoricalDtype):
                df[col] = without_unused(df[col])
                unchanged = unchanged and len(df[col].cat.categories) == len(self.df[col].cat.categories)
        # a log of that service only is its own sub-log (None: the cache must not hold the log)
        sub = None if unchanged else self.replace(df=df)
        per_log[key] = sub
        return self if sub is None else sub

    def column(self, role: str) -> pd.Series:
        """The column for a role; raises a clear error listing what exists when absent."""
        name = ROLES.get(role, role)
        if name not in self.df.columns:
            raise MissingColumnError(
                f"the log {self.source} has no {role!r} column; "
                f"columns present: {', '.join(self.df.columns)}"
            )
        return self.df[name]

    def to_pm4py(self) -> pd.DataFrame:
        """A plain DataFrame for pm4py functions: text columns as str, pm4py's column names."""
        df = self.df.copy()
        for col in df.columns:
            if isinstance(df[col].dtype, pd.CategoricalDtype):
                df[col] = df[col].astype(object).where(df[col].notna(), None)
        return df

    def check(self) -> None:
        """Assert the invariants listed in the module docstring (used by tests and readers)."""
        df = self.df
        for role in REQUIRED_ROLES:
            if ROLES[role] not in df.columns:
                raise MissingColumnError(f"EventLog is missing required column {ROLES[role]!r}")
        assert isinstance(df.index, pd.RangeIndex), "index must be a RangeIndex"
        for role in TIME_ROLES:
            col = ROLES[role]
            if col in df.columns:
                assert isinstance(df[col].dtype, pd.DatetimeTZDtype), f"{col} must be tz-aware"
        codes = df[CASE].cat.codes.to_numpy() if isinstance(df[CASE].dtype, pd.CategoricalDtype) else None
        if codes is not None and len(codes) > 1:
            # events of a case are contiguous and time-ordered
            change = codes[1:] != codes[:-1]
            n_blocks = int(change.sum()) + 1
            assert n_blocks == df[CASE].nunique(), "events of a case must be contiguous"
            ts = df[TIMESTAMP].array.asi8
            same = ~change
            assert bool((ts[1:][same] >= ts[:-1][same]).all()), "events must be time-ordered"

    # ------------------------------------------------------------------ display
    def summary(self) -> dict[str, Any]:
        span = self.time_span
        return {
            "source": self.source,
            "storage": self.storage,
            "cases": self.n_cases,
            "events": self.n_events,
            "activities": self.n_activities,
            "services": len(self.services) if self.services else 1,
            "first_event": None if span is None else span[0].isoformat(),
            "last_event": None if span is None else span[1].isoformat(),
            "timezone": self.timezone,
            "mapping": dict(self.mapping.columns),
            "warnings": list(self.warnings),
            "filters": [dict(f) for f in self.filters],
        }

    def __repr__(self) -> str:
        return (
            f"EventLog(source={self.source!r}, cases={self.n_cases}, events={self.n_events}, "
            f"activities={self.n_activities}, services={len(self.services) or 1}, storage={self.storage!r})"
        )

    def __len__(self) -> int:
        return self.n_events

    def _repr_html_(self) -> str:
        s = self.summary()
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
            f"<td style='text-align:left'>{html.escape(str(v))}</td></tr>"
            for k, v in s.items()
            if k not in ("mapping", "warnings", "filters")
        )
        warn = "".join(f"<li>{html.escape(w)}</li>" for w in self.warnings)
        return (
            f"<div><strong>procsimp EventLog</strong><table>{rows}</table>"
            + (f"<details><summary>{len(self.warnings)} warning(s)</summary><ul>{warn}</ul></details>" if warn else "")
            + (self.parquet.head(10) if self.out_of_core else self.df.head(10)).to_html(max_cols=12)
            + "</div>"
        )


_ROLE_OF = {column: role for role, column in ROLES.items()}


class _Frame:
    """The ``df`` field of :class:`EventLog`: for a log that stands on Parquet files and was read
    without its events, the first read of ``df`` materialises them (every event, in memory) from
    the files; :attr:`EventLog.materialised` tells whether that happened."""

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        value = obj.__dict__.get("df")
        source = obj.__dict__.get("parquet")
        if value is None and source is not None:
            value = obj.__dict__["df"] = source.frame()
            if source.services is not None:
                # the events of some services of a log left on its files (read for one stage, one
                # service after another): only the last sub-log read keeps them in memory
                previous = _HELD[0]() if _HELD else None
                if previous is not None and previous is not obj:
                    previous.__dict__["df"] = None
                _HELD[:] = [weakref.ref(obj)]
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__["df"] = value


#: the sub-log of a log left on its files whose events were read last (see :class:`_Frame`)
_HELD: list[weakref.ref[EventLog]] = []

setattr(EventLog, "df", _Frame())  # noqa: B010 (the dataclass field becomes this descriptor)
