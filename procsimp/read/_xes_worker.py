"""Worker process for large XES files (see :mod:`procsimp.read.xes`).

* ``python -m procsimp.read._xes_worker PART.xes OUT.arrow OUT.json`` scans and parses one half of
  a file, writes the events as Arrow IPC and a JSON report ``{"ok": bool, "scan": {...}}``;
* ``python -m procsimp.read._xes_worker --scan FILE.xes OUT.json`` only scans (while the calling
  process parses), and writes ``{"ok": true, "scan": {...}}``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    from procsimp.read._xes_scan import _Fallback, _rust_parse, _scan_file

    if argv and argv[0] == "--scan":
        source, report = Path(argv[1]), Path(argv[2])
        report.write_text(json.dumps({"ok": True, "scan": _scan_file(source).to_dict()}), encoding="utf-8")
        return 0
    part, out_arrow, out_json = (Path(a) for a in argv)
    scan = _scan_file(part)
    ok = scan.trusted
    if ok:
        try:
            frame = _rust_parse(part)
            frame.write_ipc(out_arrow, compression="uncompressed")
        except _Fallback:
            ok = False
    out_json.write_text(json.dumps({"ok": ok, "scan": scan.to_dict()}), encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover - run as a separate process
    sys.exit(main(sys.argv[1:]))
