"""The service catalog: the procedures procsimp knows, their statutory days and protected steps.

The built-in catalog (``services.yaml``) holds the 25 essential public services that Viet Nam
prioritised for full online handling (Project 06), plus a few common services. Each entry has a
stable id, the name in Vietnamese and English, the level and agency, the statutory processing
time in working days, whether it is essential, the steps the law requires (never proposed for
removal), and whether the statutory days were verified against a cited source::

    from procsimp.catalog import load_catalog
    cat = load_catalog()                      # or load_catalog("my_services.yaml")
    svc = cat.get("Đăng ký khai sinh")         # also by id, code or English name
    cat.is_protected(svc, "Ký duyệt kết quả")  # True: the signature is protected
    cat.match_log(["Đăng ký khai sinh", "Cấp phép X"])  # {..., "Cấp phép X": None}

``stages()`` and ``keywords(kind)`` give the canonical one-stop-shop stage vocabulary and the
multilingual keyword hints (``stages.yaml``).
"""

from __future__ import annotations

import os
import warnings
from typing import Any

from procsimp.catalog.loader import extend_catalog, load_catalog
from procsimp.catalog.model import GROUPS, LEVELS, Catalog, Service
from procsimp.catalog.stages import STAGE_IDS, Stage, hint_kinds, keywords, kinds, stage, stages

__all__ = [
    "Catalog",
    "CatalogWarning",
    "resolve_catalog",
    "Service",
    "Stage",
    "load_catalog",
    "extend_catalog",
    "stages",
    "stage",
    "kinds",
    "keywords",
    "hint_kinds",
    "STAGE_IDS",
    "LEVELS",
    "GROUPS",
]


class CatalogWarning(UserWarning):
    """A service of the log has no entry in the service catalog, or no catalog is used: the steps
    the law requires are not protected (only the catalog-wide and the given ones are)."""


#: the warning of ``catalog=False``
NO_CATALOG_WARNING = (
    "no service catalog is used (catalog=False), so the steps the law requires are not protected "
    "(only the steps given with protect= / --protect are); use the bundled catalog (catalog=None) or "
    "give your own with --catalog FILE"
)


def resolve_catalog(value: Any = None) -> Catalog:
    """The catalog that ``value`` means, with one meaning everywhere in procsimp:

    * ``None``: the catalog of the current settings (:func:`procsimp.settings`), by default the
      bundled catalog;
    * ``False``: no catalog; returns an empty catalog (no service, no protected step, no
      statutory days) and warns (:class:`CatalogWarning`) that the legally required steps are
      unprotected;
    * a path (``str`` or ``os.PathLike``): the bundled catalog extended by that YAML or CSV file
      (as ``--catalog FILE``);
    * a :class:`Catalog` (or an object with its ``get(name)`` lookup): that one.

    Anything else raises :class:`~procsimp.errors.ParameterError`.
    """
    from procsimp.errors import ParameterError

    if value is None:
        from procsimp.core.config import settings

        value = settings().catalog
        if value is None:
            return load_catalog()
    if value is False:
        warnings.warn(NO_CATALOG_WARNING, CatalogWarning, stacklevel=2)
        return Catalog((), origins=("no catalog",))
    if isinstance(value, (str, os.PathLike)):
        return load_catalog(value)
    if isinstance(value, Catalog) or (hasattr(value, "get") and not isinstance(value, (dict, bytes))):
        return value  # type: ignore[no-any-return]  # or an object with Catalog's lookups
    raise ParameterError(
        "catalog must be None (the bundled catalog, or the one of procsimp.config_context), False "
        "(no catalog), a path to a catalog file (YAML or CSV) or a procsimp Catalog; got "
        f"{type(value).__name__} {value!r}"[:300]
    )
