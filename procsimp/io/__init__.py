"""Readers and writers for event logs: CSV/TSV, Excel, XES (.xes.gz), Parquet.

* :func:`read_log` reads any of them into a validated :class:`~procsimp.log.EventLog`
  (column mapping, timestamp parsing, lifecycle pairing, errors and warnings; see
  :mod:`procsimp.io.frame`), with a Parquet cache for large files (:mod:`procsimp.io.cache`);
* :func:`write_log` writes an EventLog as CSV, Parquet or XES, atomically;
* :func:`frame_to_log` turns an in-memory DataFrame into an EventLog with the same rules.
"""

from __future__ import annotations

from procsimp.io.frame import frame_to_log, nfc_categorical
from procsimp.io.mapping import SYNONYMS, detect_mapping, load_mapping_file, normalise_header
from procsimp.io.read import read_log, sniff_format
from procsimp.io.times import parse_times
from procsimp.io.write import neutralise_formulas, write_log

__all__ = [
    "read_log",
    "write_log",
    "frame_to_log",
    "sniff_format",
    "parse_times",
    "detect_mapping",
    "load_mapping_file",
    "normalise_header",
    "nfc_categorical",
    "neutralise_formulas",
    "SYNONYMS",
]
