"""Readers and writers for event logs: CSV, Excel, XES, Parquet."""

from __future__ import annotations

from procsimp.io.frame import frame_to_log

__all__ = ["frame_to_log"]
