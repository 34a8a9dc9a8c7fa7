"""Worker process: parse one half of a large XES file (see :func:`procsimp.io.xes._parse_in_two`).

``python -m procsimp.io._xes_worker PART.xes OUT.arrow OUT.json`` scans and parses ``PART.xes``,
writes the events as Arrow IPC and a JSON report ``{"ok": bool, "scan": {...}}``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    from procsimp.io._xes_scan import _Fallback, _rust_parse, _scan_file

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
