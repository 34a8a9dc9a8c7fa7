"""One settings context: the calendar, catalog, protected steps, language, engine and timezone.

Every library function that takes one of these as an argument uses the current settings when the
argument is None, so a notebook or a program sets them once instead of passing them to every
call. Like scikit-learn's ``config_context``::

    import procsimp
    procsimp.settings().catalog                    # None: the bundled catalog
    with procsimp.config_context(calendar=cal, catalog="my_services.yaml", lang="vi"):
        procsimp.profile(log)                      # uses cal and the extended catalog
        with procsimp.config_context(catalog=False):
            procsimp.flag_steps(log)               # no catalog (with a warning)
    # here the settings are as before

The settings are a frozen :class:`Settings`; :func:`config_context` overrides some of them for the
``with`` block and restores them on exit, also when the block raises. They live in a
:mod:`contextvars` variable, so each thread (and each asyncio task) sees its own: a new thread
starts from the defaults, not from the settings of the thread that started it.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from procsimp.core.log import DEFAULT_TIMEZONE
from procsimp.errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.catalog import Catalog
    from procsimp.core.calendar import WorkCalendar

__all__ = ["Settings", "settings", "config_context", "ENGINES", "LANGS", "STORAGES"]

#: the engines that run the per-event work (see :mod:`procsimp.engine`)
ENGINES: tuple[str, ...] = ("duckdb", "spark")
#: where a Parquet log's events are held (see :mod:`procsimp.read.parquet_source`)
STORAGES: tuple[str, ...] = ("auto", "memory", "parquet")
#: the languages of procsimp's text
LANGS: tuple[str, ...] = ("en", "vi")


@dataclass(frozen=True)
class Settings:
    """The settings the library falls back on when an argument is None.

    * ``calendar``: the work calendar (None: the Vietnamese office calendar,
      :func:`procsimp.core.calendar.default_calendar`);
    * ``catalog``: the service catalog, with :func:`procsimp.catalog.resolve_catalog`'s meaning:
      None for the bundled catalog, False for none (legally required steps are then unprotected,
      and a warning says so), a path for the bundled catalog extended by that file, or a
      :class:`~procsimp.catalog.Catalog`;
    * ``protect``: steps that must never be removed or merged, in every service (added to the
      catalog's); ``external``: steps done outside the agency (never proposed for removal);
    * ``lang``: ``"en"`` or ``"vi"``, the language of the report (None: each output's own
      default; the report opens in Vietnamese);
    * ``engine``: ``"duckdb"`` or ``"spark"`` (None: the ``PROCSIMP_ENGINE`` environment
      variable, else DuckDB);
    * ``spark_master``: the Spark master URL the ``spark`` engine connects to
      (``spark://host:7077``, ``yarn``, ``k8s://...``; None: the ``PROCSIMP_SPARK_MASTER``
      environment variable, else local mode on every core, ``local[*]``);
    * ``timezone``: the IANA timezone given to times that carry none when a log is read;
    * ``storage``: where a Parquet log's events are held when it is read: ``"auto"`` (large logs
      stay on their files, see :func:`procsimp.read.parquet_source.choose_storage`), ``"memory"``
      (always read into pandas) or ``"parquet"`` (always out of core, read by DuckDB).
    """

    calendar: WorkCalendar | None = None
    catalog: Catalog | str | os.PathLike[str] | bool | None = None
    protect: tuple[str, ...] = ()
    external: tuple[str, ...] = ()
    lang: str | None = None
    engine: str | None = None
    spark_master: str | None = None
    timezone: str = DEFAULT_TIMEZONE
    storage: str = "auto"

    def __post_init__(self) -> None:
        if self.storage not in STORAGES:
            raise ParameterError(
                f"storage must be one of {', '.join(STORAGES)} (auto: large Parquet logs stay on their files), "
                f"got {self.storage!r}"
            )
        for name in ("protect", "external"):
            value = getattr(self, name)
            if isinstance(value, str) or not isinstance(value, Iterable):
                raise ParameterError(
                    f"{name} must be a list of step names, got {type(value).__name__} {value!r}"
                )
            steps = tuple(value)
            bad = [s for s in steps if not isinstance(s, str) or not s.strip()]
            if bad:
                raise ParameterError(f"{name} must hold step names (non-empty text), got {bad[0]!r}")
            object.__setattr__(self, name, steps)
        if self.lang is not None and self.lang not in LANGS:
            raise ParameterError(f"lang must be one of {', '.join(LANGS)}, got {self.lang!r}")
        if self.engine is not None and self.engine not in ENGINES:
            raise ParameterError(
                f"engine must be one of {', '.join(ENGINES)} or None (PROCSIMP_ENGINE, else duckdb), "
                f"got {self.engine!r}"
            )
        if self.spark_master is not None and (not isinstance(self.spark_master, str) or not self.spark_master.strip()):
            raise ParameterError(
                "spark_master must be a Spark master URL such as 'local[*]', 'spark://host:7077' or 'yarn' "
                f"(or None for PROCSIMP_SPARK_MASTER, else local mode), got {self.spark_master!r}"
            )
        if self.calendar is not None and not hasattr(self.calendar, "work_minutes"):
            raise ParameterError(
                f"calendar must be a procsimp WorkCalendar or None, got {type(self.calendar).__name__}"
            )
        catalog = self.catalog
        if not (catalog is None or isinstance(catalog, (bool, str, os.PathLike)) or hasattr(catalog, "is_protected")):
            raise ParameterError(
                "catalog must be None (the bundled catalog), False (no catalog), a path to a catalog "
                f"file (YAML or CSV) or a procsimp Catalog; got {type(catalog).__name__}"
            )
        if catalog is True:
            raise ParameterError("catalog=True means nothing; use None for the bundled catalog or False for none")
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(self.timezone)
        except (LookupError, ValueError, TypeError, OSError):
            raise ParameterError(
                f"timezone {self.timezone!r} is not a known timezone; use an IANA name such as "
                "Asia/Ho_Chi_Minh or UTC"
            ) from None


_CURRENT: contextvars.ContextVar[Settings] = contextvars.ContextVar("procsimp_settings")
_DEFAULTS = Settings()


def settings() -> Settings:
    """The current settings (the defaults, unless a :func:`config_context` is active here)."""
    return _CURRENT.get(_DEFAULTS)


@contextlib.contextmanager
def config_context(**overrides: Any) -> Iterator[Settings]:
    """Override some settings for a ``with`` block; yields the settings in force inside it.

    Keyword names are the fields of :class:`Settings`; an unknown name or a bad value raises
    :class:`~procsimp.errors.ParameterError` before the block runs. Nested blocks override the
    settings of the enclosing one; each block restores what it found on exit.
    """
    fields = {f.name for f in dataclasses.fields(Settings)}
    unknown = sorted(set(overrides) - fields)
    if unknown:
        raise ParameterError(
            f"unknown setting(s) {', '.join(map(repr, unknown))}; the settings are: {', '.join(sorted(fields))}"
        )
    new = dataclasses.replace(settings(), **overrides)
    token = _CURRENT.set(new)
    try:
        yield new
    finally:
        _CURRENT.reset(token)
