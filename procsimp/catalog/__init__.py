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

from procsimp.catalog.loader import load_catalog
from procsimp.catalog.model import GROUPS, LEVELS, Catalog, Service
from procsimp.catalog.stages import STAGE_IDS, Stage, hint_kinds, keywords, kinds, stage, stages

__all__ = [
    "Catalog",
    "Service",
    "Stage",
    "load_catalog",
    "stages",
    "stage",
    "kinds",
    "keywords",
    "hint_kinds",
    "STAGE_IDS",
    "LEVELS",
    "GROUPS",
]
