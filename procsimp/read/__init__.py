"""Readers and writers for event logs: CSV/TSV, Excel, XES (.xes.gz), Parquet.

* :func:`read_log` reads any of them into a validated :class:`~procsimp.core.log.EventLog`
  (column mapping, timestamp parsing, lifecycle pairing, errors and warnings; see
  :mod:`procsimp.read.frame`), with a Parquet cache for large files (:mod:`procsimp.read.cache`);
* :func:`write_log` writes an EventLog as CSV, Parquet or XES, atomically;
* :func:`convert` reads a big log once and keeps it as a mapped, typed Parquet file;
* :func:`frame_to_log` turns an in-memory DataFrame into an EventLog with the same rules.

Names are imported lazily, so that ``import procsimp.read`` (and the XES worker process) stay light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from procsimp.core._lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "read_log": "procsimp.read.read",
    "sniff_format": "procsimp.read.read",
    "write_log": "procsimp.read.write",
    "convert": "procsimp.read.conversion",
    "neutralise_formulas": "procsimp.read.write",
    "frame_to_log": "procsimp.read.frame",
    "nfc_categorical": "procsimp.read.frame",
    "parse_times": "procsimp.read.times",
    "detect_mapping": "procsimp.read.mapping",
    "load_mapping_file": "procsimp.read.mapping",
    "normalise_header": "procsimp.read.mapping",
    "SYNONYMS": "procsimp.read.mapping",
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
    from procsimp.read.conversion import convert
    from procsimp.read.frame import frame_to_log, nfc_categorical
    from procsimp.read.mapping import SYNONYMS, detect_mapping, load_mapping_file, normalise_header
    from procsimp.read.read import read_log, sniff_format
    from procsimp.read.times import parse_times
    from procsimp.read.write import neutralise_formulas, write_log


__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS, __all__)
