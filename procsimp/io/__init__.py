"""Readers and writers for event logs: CSV/TSV, Excel, XES (.xes.gz), Parquet.

* :func:`read_log` reads any of them into a validated :class:`~procsimp.log.EventLog`
  (column mapping, timestamp parsing, lifecycle pairing, errors and warnings; see
  :mod:`procsimp.io.frame`), with a Parquet cache for large files (:mod:`procsimp.io.cache`);
* :func:`write_log` writes an EventLog as CSV, Parquet or XES, atomically;
* :func:`convert` reads a big log once and keeps it as a mapped, typed Parquet file;
* :func:`frame_to_log` turns an in-memory DataFrame into an EventLog with the same rules.

Names are imported lazily, so that ``import procsimp.io`` (and the XES worker process) stay light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from procsimp._lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "read_log": "procsimp.io.read",
    "sniff_format": "procsimp.io.read",
    "write_log": "procsimp.io.write",
    "convert": "procsimp.io.conversion",
    "neutralise_formulas": "procsimp.io.write",
    "frame_to_log": "procsimp.io.frame",
    "nfc_categorical": "procsimp.io.frame",
    "parse_times": "procsimp.io.times",
    "detect_mapping": "procsimp.io.mapping",
    "load_mapping_file": "procsimp.io.mapping",
    "normalise_header": "procsimp.io.mapping",
    "SYNONYMS": "procsimp.io.mapping",
}

__all__ = [
    "SYNONYMS",
    "convert",
    "detect_mapping",
    "frame_to_log",
    "load_mapping_file",
    "neutralise_formulas",
    "nfc_categorical",
    "normalise_header",
    "parse_times",
    "read_log",
    "sniff_format",
    "write_log",
]

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.io.conversion import convert
    from procsimp.io.frame import frame_to_log, nfc_categorical
    from procsimp.io.mapping import SYNONYMS, detect_mapping, load_mapping_file, normalise_header
    from procsimp.io.read import read_log, sniff_format
    from procsimp.io.times import parse_times
    from procsimp.io.write import neutralise_formulas, write_log


__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS, __all__)
