"""Delimited text (CSV, TSV, TXT): encoding and delimiter detection, then a fast Arrow read.

Encodings seen in exports: UTF-8 (with or without BOM), UTF-16 LE/BE (with BOM, sometimes
without), and Windows-1258, whose Vietnamese letters decode to base letters plus combining marks
(normalised to NFC later, like every text value). The delimiter is the one of ``,``, ``;``, tab and
``|`` that splits the first lines into the same number of fields.

Every column is read as text by pyarrow's multi-threaded CSV reader; a column whose values are all
plain numbers (no leading zeros) becomes numeric. Roles are mapped and times parsed afterwards
(:func:`procsimp.read.frame.frame_to_log`).
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from procsimp.errors import LogReadError

__all__ = ["read_delimited", "detect_encoding", "detect_delimiter", "DelimitedInfo"]

_DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_NULLS = ["", "NULL", "null", "NaN", "nan", "N/A", "n/a", "#N/A", "None"]
_NUMERIC = r"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$"
_HEAD = 1 << 16


@dataclass
class DelimitedInfo:
    encoding: str
    delimiter: str
    warnings: list[str] = field(default_factory=list)


def detect_encoding(data: bytes, source: str) -> tuple[str, int]:
    """(Python codec name, length of the byte-order mark) for the text in ``data``."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8", 3
    if data.startswith(codecs.BOM_UTF32_LE) or data.startswith(codecs.BOM_UTF32_BE):
        return ("utf-32-le" if data.startswith(codecs.BOM_UTF32_LE) else "utf-32-be"), 4
    if data.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le", 2
    if data.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be", 2
    head = data[:_HEAD]
    if len(head) >= 4 and b"\x00" in head:
        even, odd = head[0::2], head[1::2]
        if odd.count(0) > 0.3 * len(odd) and even.count(0) < 0.05 * len(even):
            return "utf-16-le", 0
        if even.count(0) > 0.3 * len(even) and odd.count(0) < 0.05 * len(odd):
            return "utf-16-be", 0
        pos = head.index(b"\x00")
        raise LogReadError(
            f"{source}: the file holds binary data (a NUL byte at offset {pos}), not delimited text; "
            "give a CSV, Excel (.xlsx), XES or Parquet file"
        )
    try:
        head.decode("utf-8")
        return "utf-8", 0
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3 and exc.reason.startswith("unexpected end"):
            return "utf-8", 0  # a character cut by the sample boundary
    _decode_fallback(data, source)  # refuses UTF-8 text with a bad byte
    return _single_byte_encoding(data, source), 0


def _single_byte_encoding(data: bytes, source: str) -> str:
    """Windows-1258 for non-UTF-8 text (Vietnamese exports); anything else is refused.

    Legacy Vietnamese font encodings (TCVN3, VNI) and other code pages would decode to wrong
    letters without an error, so they are not guessed.
    """
    try:
        data.decode("cp1258")
        return "cp1258"
    except UnicodeDecodeError as exc:
        bad = exc.start
    raise LogReadError(
        f"{source}: the text cannot be decoded as UTF-8, UTF-16 or Windows-1258 (byte 0x{data[bad]:02x} at "
        f"offset {bad}); save the file again as UTF-8 CSV"
    )


def _check_binary(text: str, source: str) -> None:
    sample = text[:_HEAD]
    if not sample:
        return
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n\f")
    if "\x00" in sample or control > 0.05 * len(sample):
        raise LogReadError(
            f"{source}: the file holds binary data ({control} control characters in the first "
            f"{len(sample)}), not delimited text; give a CSV, Excel (.xlsx), XES or Parquet file"
        )


def detect_delimiter(head: str, source: str) -> str:
    """The delimiter that splits the first lines of ``head`` into the same number of fields."""
    lines = head.splitlines()
    if len(head) >= _HEAD and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut
    lines = [ln for ln in lines[:50] if ln.strip()]
    best: tuple[float, int, str] | None = None
    for d in _DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=d)]
        if not counts or counts[0] < 2:
            continue
        share = sum(c == counts[0] for c in counts) / len(counts)
        key = (round(share, 2), counts[0], d)
        if best is None or key[:2] > best[:2]:
            best = key
    if best is None:
        first = lines[0][:80] if lines else ""
        raise LogReadError(
            f"{source}: found a single column (header {first!r}); procsimp splits columns at a comma, "
            "semicolon, tab or '|': save the log as CSV with one of these delimiters"
        )
    return best[2]


def _header(head: str, delimiter: str, source: str = "<memory>") -> list[str]:
    try:
        row = next(csv.reader(io.StringIO(head, newline=""), delimiter=delimiter))
    except (csv.Error, StopIteration) as exc:
        raise LogReadError(f"{source}: the header row cannot be read ({exc}); save the file again as CSV") from None
    names: list[str] = []
    for i, raw in enumerate(row):
        name = unicodedata.normalize("NFC", raw.strip().lstrip("\ufeff")) or f"column {i + 1}"
        base, k = name, 2
        while name in names:
            name = f"{base} ({k})"
            k += 1
        names.append(name)
    return names


def read_delimited(path: Path, source: str, data: bytes | None = None) -> tuple[pd.DataFrame, DelimitedInfo]:
    """Read a delimited text file into a DataFrame of text (and plain-number) columns."""
    if data is None:
        data = path.read_bytes()
    if not data:
        raise LogReadError(f"{source}: the file is empty (0 bytes); export the log again")
    if data.isspace():
        raise LogReadError(
            f"{source}: the file holds only blank space ({len(data):,} bytes of spaces and line breaks), no log; "
            "export the log again"
        )
    encoding, bom = detect_encoding(data, source)
    warnings: list[str] = []
    body = data[bom:]
    if encoding == "utf-8" and b"\r" in body[:_HEAD] and b"\n" not in body[:_HEAD]:
        body = body.replace(b"\r", b"\n")  # old Mac line endings: CR alone ends a line
    if encoding == "utf-8":
        utf8 = body
        text_head = body[:_HEAD].decode("utf-8", errors="ignore")
    else:
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError as exc:
            raise LogReadError(
                f"{source}: the text cannot be decoded as {encoding} (byte 0x{body[exc.start]:02x} at offset "
                f"{exc.start + bom}); save the file again as UTF-8 CSV"
            ) from None
        if "\r" in text[:_HEAD] and "\n" not in text[:_HEAD]:
            text = text.replace("\r", "\n")
        utf8 = text.encode("utf-8")
        text_head = text[:_HEAD]
        if encoding == "cp1258":
            warnings.append("the file is not UTF-8; it was read as Windows-1258 (Vietnamese)")
    _check_binary(text_head, source)
    if not text_head.strip():
        raise LogReadError(f"{source}: the file is empty (only blank text); export the log again")
    delimiter = detect_delimiter(text_head, source)
    names = _header(text_head, delimiter, source)
    coded = _repetitive_columns(text_head, delimiter, names)
    try:
        table = _arrow_read(utf8, names, delimiter, source, newlines=False, coded=coded)
    except _Retry:
        table = _arrow_read(utf8, names, delimiter, source, newlines=True, coded=coded)
    except UnicodeError:
        raise
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc) or "utf8" in str(exc).lower():
            text = _decode_fallback(body, source)
            warnings.append("the file is not UTF-8; it was read as Windows-1258 (Vietnamese)")
            table = _arrow_read(text.encode("utf-8"), names, delimiter, source, newlines=False, coded=coded)
        else:
            raise LogReadError(f"{source}: cannot be read as delimited text ({_first_line(exc)})") from None
    if table.num_rows == 0:
        raise LogReadError(
            f"{source}: the file has a header ({', '.join(repr(n) for n in names[:12])}) but no events; "
            "export the log again with its rows"
        )
    columns = {}
    for name in names:
        col = table.column(name)
        columns[name] = _maybe_numeric(col)
    frame = pd.DataFrame(columns)
    return frame, DelimitedInfo(encoding=encoding, delimiter=delimiter, warnings=warnings)


class _Retry(Exception):
    pass


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _decode_fallback(body: bytes, source: str) -> str:
    """The text of a file whose start is UTF-8 but whose whole is not.

    When the part before the first bad byte already holds letters beyond ASCII in UTF-8, the file
    is UTF-8 with a damaged cell: that byte is named (its true offset and row), because reading the
    whole file as Windows-1258 would turn every letter into garbage.
    """
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        if not body[: exc.start].isascii():
            row = body.count(b"\n", 0, exc.start) + 1
            raise LogReadError(
                f"{source}: the file is UTF-8 but byte 0x{body[exc.start]:02x} at offset {exc.start} (row {row}) "
                "is not; correct that cell, or save the file again as UTF-8 CSV"
            ) from None
    enc = _single_byte_encoding(body, source)
    return body.decode(enc)


def _repetitive_columns(head: str, delimiter: str, names: list[str]) -> set[str]:
    """Columns whose first values repeat a lot (ids, names, codes): read dictionary-encoded."""
    lines = head.splitlines()[1:-1][:2000]
    rows = [r for r in csv.reader(lines, delimiter=delimiter) if len(r) == len(names)]
    if len(rows) < 20:
        return set()
    coded = set()
    for i, name in enumerate(names):
        values = [r[i] for r in rows]
        distinct = len(set(values))
        numeric = all(v.replace(".", "", 1).lstrip("-").isdigit() for v in values if v)
        if distinct <= 0.5 * len(values) and not numeric:
            coded.add(name)
    return coded


def _arrow_read(utf8: bytes, names: list[str], delimiter: str, source: str, *, newlines: bool,
                coded: Collection[str] = frozenset()) -> pa.Table:
    invalid: list[pacsv.InvalidRow] = []

    def handler(row: pacsv.InvalidRow) -> str:
        invalid.append(row)
        return "skip"

    table = pacsv.read_csv(
        pa.BufferReader(utf8),
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, use_threads=True,
                                       block_size=1 << 22),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=newlines,
                                         invalid_row_handler=handler),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.dictionary(pa.int32(), pa.string()) if n in coded else pa.string()
                          for n in names},
            null_values=_NULLS,
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )
    if invalid:
        if not newlines and b'"' in utf8:
            raise _Retry()
        where = ", ".join(_row_label(r, utf8) for r in invalid[:3])
        example = invalid[0]
        raise LogReadError(
            f"{source}: {len(invalid)} row(s) have a different number of fields than the header "
            f"({example.actual_columns} instead of {example.expected_columns}; {where}); quote values that "
            f"contain the delimiter ({_DELIMITER_NAMES[delimiter]}) or fix those rows"
        )
    return table


def _row_label(row: pacsv.InvalidRow, utf8: bytes) -> str:
    """'row N' (the header is row 1) for an invalid row, found by its text when Arrow has no number."""
    if row.number is not None:
        return f"row {row.number}"
    at = utf8.find(row.text.encode("utf-8"))
    if at < 0:
        return repr(row.text[:40])
    line = utf8.count(b"\n", 0, at) + 1
    return f"row {line}"


def _maybe_numeric(col: pa.ChunkedArray) -> pa.ChunkedArray | pd.Series:
    """A text column as booleans or numbers when every value is one; else as pandas strings."""
    if pa.types.is_dictionary(col.type):
        return col.to_pandas()
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    head = arr.slice(0, 4000).drop_null()  # decide on a sample, confirm on the whole column
    if len(head) == 0:
        return arr.to_pandas()
    if pc.all(pc.is_in(pc.utf8_lower(head), pa.array(["true", "false"]))).as_py():
        lower = pc.utf8_lower(arr)
        if pc.all(pc.is_in(lower.drop_null(), pa.array(["true", "false"]))).as_py():
            flags = pc.equal(lower, "true")
            return flags.to_pandas() if flags.null_count else flags.to_numpy(zero_copy_only=False)
    if pc.all(pc.match_substring_regex(head, _NUMERIC)).as_py():
        valid = arr.drop_null()
        if pc.all(pc.match_substring_regex(valid, _NUMERIC)).as_py():
            has_dot = pc.any(pc.match_substring(valid, ".")).as_py()
            if not has_dot:
                try:
                    return pc.cast(arr, pa.int64()).to_pandas()
                except pa.ArrowInvalid:
                    pass
            return pc.cast(arr, pa.float64()).to_pandas()
    return arr.to_pandas()
