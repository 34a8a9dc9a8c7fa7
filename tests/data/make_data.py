"""Write the small test files of ``tests/data/``: good fixtures and the bad-file corpus.

Run ``python tests/data/make_data.py`` after changing it; ``tests/test_io_corpus.py`` checks that
the committed files are exactly what this script writes. Every bad file breaks one rule and is
tiny; the expected ``Error: ...`` line for each is asserted in ``tests/test_validate_cli.py``.
"""

from __future__ import annotations

import gzip
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOOD = HERE / "good"
BAD = HERE / "bad"

VI_HEADER = "ma_ho_so,thu_tuc,buoc,bat_dau,ket_thuc,can_bo,phong_ban,kenh,ngay_nhan,han_xu_ly,ket_qua"
VI_ROWS = [
    "HS-001,Đăng ký khai sinh,Tiếp nhận hồ sơ,02/01/2025 07:45:00,02/01/2025 08:05:00,Nguyễn Văn An,Bộ phận một cửa,Trực tiếp,02/01/2025 07:40:00,06/01/2025 17:00:00,Đã giải quyết",
    "HS-001,Đăng ký khai sinh,Thẩm định hồ sơ,02/01/2025 09:00:00,02/01/2025 10:30:00,Trần Thị Bình,Phòng Tư pháp,Trực tiếp,02/01/2025 07:40:00,06/01/2025 17:00:00,Đã giải quyết",
    "HS-001,Đăng ký khai sinh,Ký duyệt kết quả,03/01/2025 14:00:00,03/01/2025 14:20:00,Lê Văn Cường,Lãnh đạo UBND,Trực tiếp,02/01/2025 07:40:00,06/01/2025 17:00:00,Đã giải quyết",
    "HS-001,Đăng ký khai sinh,Trả kết quả,06/01/2025 08:00:00,06/01/2025 08:10:00,Nguyễn Văn An,Bộ phận một cửa,Trực tiếp,02/01/2025 07:40:00,06/01/2025 17:00:00,Đã giải quyết",
    "HS-002,Cấp phiếu lý lịch tư pháp,Tiếp nhận hồ sơ,13/01/2025 13:35:00,13/01/2025 13:50:00,Phạm Thu Hà,Bộ phận một cửa,Trực tuyến,13/01/2025 13:30:00,23/01/2025 17:00:00,Đã giải quyết",
    "HS-002,Cấp phiếu lý lịch tư pháp,Yêu cầu bổ sung hồ sơ,14/01/2025 08:00:00,14/01/2025 08:15:00,Phạm Thu Hà,Bộ phận một cửa,Trực tuyến,13/01/2025 13:30:00,23/01/2025 17:00:00,Đã giải quyết",
    "HS-002,Cấp phiếu lý lịch tư pháp,Nộp bổ sung hồ sơ,16/01/2025 09:00:00,16/01/2025 09:05:00,Phạm Thu Hà,Bộ phận một cửa,Trực tuyến,13/01/2025 13:30:00,23/01/2025 17:00:00,Đã giải quyết",
    "HS-002,Cấp phiếu lý lịch tư pháp,Thẩm định hồ sơ,17/01/2025 10:00:00,17/01/2025 11:45:00,Trần Thị Bình,Phòng Tư pháp,Trực tuyến,13/01/2025 13:30:00,23/01/2025 17:00:00,Đã giải quyết",
    "HS-002,Cấp phiếu lý lịch tư pháp,Trả kết quả,21/01/2025 15:00:00,21/01/2025 15:10:00,Phạm Thu Hà,Bộ phận một cửa,Trực tuyến,13/01/2025 13:30:00,23/01/2025 17:00:00,Đã giải quyết",
    "HS-003,Đăng ký khai sinh,Tiếp nhận hồ sơ,20/01/2025 10:00:00,20/01/2025 10:20:00,Nguyễn Văn An,Bộ phận một cửa,Bưu chính,20/01/2025 09:55:00,22/01/2025 17:00:00,Từ chối",
    "HS-003,Đăng ký khai sinh,Thông báo từ chối,24/01/2025 16:00:00,24/01/2025 16:30:00,Lê Văn Cường,Lãnh đạo UBND,Bưu chính,20/01/2025 09:55:00,22/01/2025 17:00:00,Từ chối",
]
#: the same dossiers with Vietnamese headers written with diacritics, as office exports have them
VI_DIACRITIC_HEADER = "Mã hồ sơ;Thủ tục;Bước;Bắt đầu;Kết thúc;Cán bộ;Phòng ban;Kênh;Ngày nhận;Hạn xử lý;Kết quả"


def vi_diacritic_text() -> str:
    """The Vietnamese dossier table, ';'-separated, headers with diacritics (Unicode NFC)."""
    rows = [VI_DIACRITIC_HEADER] + [r.replace(",", ";") for r in VI_ROWS]
    return "\r\n".join(rows) + "\r\n"


def to_windows_1258(text: str) -> bytes:
    """Encode like a Windows-1258 export: decomposed, tone marks as combining characters.

    The text is decomposed (NFD); letters whose modifier Windows-1258 has precomposed (â ê ô ă ơ
    ư) are recomposed, the tone marks (grave, acute, tilde, hook, dot below) stay separate.
    """
    clusters: list[list[str]] = []
    for ch in unicodedata.normalize("NFD", text):
        if clusters and unicodedata.combining(ch):
            clusters[-1].append(ch)
        else:
            clusters.append([ch])
    out = []
    for base, *marks in clusters:
        modifiers = "".join(m for m in marks if m in "\u0302\u0306\u031b")
        tones = "".join(m for m in marks if m not in "\u0302\u0306\u031b")
        out.append(unicodedata.normalize("NFC", base + modifiers) + tones)
    return "".join(out).encode("cp1258")


EN_CSV = """case_id,service,activity,start_time,end_time,officer,unit,channel,received,due,outcome
C1,Birth registration,Receive dossier,2025-01-02T07:45:00+07:00,2025-01-02T08:05:00+07:00,An,One-stop shop,counter,2025-01-02T07:40:00+07:00,2025-01-06T17:00:00+07:00,approved
C1,Birth registration,Appraise dossier,2025-01-02T09:00:00+07:00,2025-01-02T10:30:00+07:00,Binh,Justice office,counter,2025-01-02T07:40:00+07:00,2025-01-06T17:00:00+07:00,approved
C1,Birth registration,Return result,2025-01-06T08:00:00+07:00,2025-01-06T08:10:00+07:00,An,One-stop shop,counter,2025-01-02T07:40:00+07:00,2025-01-06T17:00:00+07:00,approved
C2,Birth registration,Receive dossier,2025-01-03T10:00:00+07:00,2025-01-03T10:20:00+07:00,An,One-stop shop,online,2025-01-03T09:55:00+07:00,2025-01-07T17:00:00+07:00,approved
C2,Birth registration,Return result,2025-01-07T09:00:00+07:00,2025-01-07T09:10:00+07:00,An,One-stop shop,online,2025-01-03T09:55:00+07:00,2025-01-07T17:00:00+07:00,approved
"""

CUSTOM_CSV = """Số hiệu\tCông đoạn\tThời điểm hoàn thành\tNgười thực hiện
B-7\tTiếp nhận hồ sơ\t2025-02-03 08:00\tAn
B-7\tTrả kết quả\t2025-02-05 15:30\tAn
B-8\tTiếp nhận hồ sơ\t2025-02-04 09:10\tBình
B-8\tTrả kết quả\t2025-02-06 10:00\tBình
"""
CUSTOM_MAPPING = """# roles -> columns of custom_headers.tsv
case: Số hiệu
activity: Công đoạn
timestamp: Thời điểm hoàn thành
resource: Người thực hiện
"""

_XES_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
_XES_TRACE = (
    '<log xes.version="1.0" xmlns="http://www.xes-standard.org/">\n'
    '<trace><string key="concept:name" value="c1"/>\n'
    '<event><string key="concept:name" value="{activity}"/>'
    '<date key="time:timestamp" value="2025-01-02T10:00:00+07:00"/></event>\n'
    "</trace>\n</log>\n"
)
XES_GOOD = (
    _XES_HEAD
    + '<log xes.version="1.0" xmlns="http://www.xes-standard.org/">\n'
    + '<trace><string key="concept:name" value="c1"/><string key="service" value="Đăng ký khai sinh"/>\n'
    + '<event><string key="concept:name" value="Tiếp nhận hồ sơ"/><string key="org:resource" value="An"/>'
    + '<date key="time:timestamp" value="2025-01-02T08:00:00+07:00"/></event>\n'
    + '<event><string key="concept:name" value="Trả kết quả"/><string key="org:resource" value="An"/>'
    + '<date key="time:timestamp" value="2025-01-03T09:00:00+07:00"/></event>\n'
    + "</trace>\n</log>\n"
)


def _xlsx(sheet_data: str) -> bytes:
    """A minimal .xlsx workbook (one sheet, inline strings), byte for byte the same on every run."""
    import io
    import zipfile

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
            '"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
            'main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}"><sheetData>{sheet_data}</sheetData>'
            "</worksheet>"
        ),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text.encode("utf-8"))
    return buf.getvalue()


def _cells(row: int, *values: str) -> str:
    cells = "".join(
        f'<c r="{chr(65 + i)}{row}" t="inlineStr"><is><t>{v}</t></is></c>' for i, v in enumerate(values)
    )
    return f'<row r="{row}">{cells}</row>'


def _csv(header: str, *rows: str) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def bad_files() -> dict[str, bytes]:
    """File name -> content of every file of the bad corpus."""
    h = "ma_ho_so,thu_tuc,buoc,bat_dau,ket_thuc"
    secret = "procsimp-test-secret-must-not-appear"
    xes_gz = gzip.compress(XES_GOOD.encode("utf-8"), mtime=0)
    xlsx_like = b"PK\x03\x04" + bytes(range(256)) * 2
    return {
        "empty.csv": b"",
        "blank.csv": b"\r\n \r\n",
        "header_only.csv": _csv(h),
        "missing_column.csv": _csv("ma_ho_so,buoc,can_bo", "HS-1,Tiếp nhận hồ sơ,An"),
        "bad_timestamps.csv": _csv(
            h,
            "HS-1,Đăng ký khai sinh,Tiếp nhận hồ sơ,02/01/2025 08:00,02/01/2025 08:30",
            "HS-1,Đăng ký khai sinh,Trả kết quả,04/01/2025 09:00,31/02/2025 10:00",
            "HS-2,Đăng ký khai sinh,Tiếp nhận hồ sơ,03/01/2025 08:00,hôm qua",
            "HS-2,Đăng ký khai sinh,Trả kết quả,05/01/2025 09:00,05/01/2025 09:30",
        ),
        "end_before_start.csv": _csv(
            h,
            "HS-1,Đăng ký khai sinh,Tiếp nhận hồ sơ,02/01/2025 08:00,02/01/2025 08:30",
            "HS-1,Đăng ký khai sinh,Trả kết quả,04/01/2025 09:00,03/01/2025 09:00",
        ),
        "two_services.csv": _csv(
            h,
            "HS-1,Đăng ký khai sinh,Tiếp nhận hồ sơ,02/01/2025 08:00,02/01/2025 08:30",
            "HS-1,Cấp phiếu lý lịch tư pháp,Trả kết quả,04/01/2025 09:00,04/01/2025 09:30",
            "HS-2,Đăng ký khai sinh,Tiếp nhận hồ sơ,03/01/2025 08:00,03/01/2025 08:30",
        ),
        "mixed_timezones.csv": _csv(
            "case_id,activity,end_time",
            "C1,Receive dossier,2025-01-02T08:00:00+07:00",
            "C1,Return result,2025-01-03 09:00:00",
        ),
        "mixed_offsets.csv": _csv(
            "case_id,activity,end_time",
            "C1,Receive dossier,2025-01-02T08:00:00+07:00",
            "C1,Return result,2025-01-03T09:00:00+02:00",
        ),
        "mixed_offsets_one_hour.csv": _csv(
            "case_id,activity,end_time",
            "C1,Receive dossier,2025-01-02T08:00:00+07:00",
            "C1,Check dossier,2025-01-02T10:00:00+07:00",
            "C1,Return result,2025-01-03T09:00:00+08:00",
        ),
        "day_month_conflict.csv": _csv(  # 13/13/2025 is valid in neither order: it tells nothing
            "case_id,activity,end_time",
            "C1,Receive dossier,13/13/2025",
            "C1,Check dossier,25/01/2025",
            "C1,Return result,01/26/2025",
        ),
        "invalid_dates.csv": _csv(  # valid in neither order, not a day/month conflict
            h,
            "HS-1,Đăng ký khai sinh,Tiếp nhận hồ sơ,02/01/2025 08:00,02/01/2025 08:30",
            "HS-1,Đăng ký khai sinh,Trả kết quả,04/01/2025 09:00,13/13/2025 10:00",
            "HS-2,Đăng ký khai sinh,Tiếp nhận hồ sơ,25/01/2025 08:00,32/13/2025 25:00",
            "HS-2,Đăng ký khai sinh,Trả kết quả,25/01/2025 09:00,25/01/2025 09:30",
        ),
        "ambiguous_columns.csv": _csv(
            "case_id,ma_ho_so,activity,end_time",
            "C1,HS-1,Receive dossier,2025-01-02T08:00:00+07:00",
        ),
        "ragged.csv": _csv(
            "case_id,activity,end_time",
            "C1,Receive dossier,2025-01-02T08:00:00+07:00",
            "C1,Return result, final,2025-01-03T09:00:00+07:00",
        ),
        "single_column.csv": _csv("case activity time", "C1 A 2025-01-02"),
        "binary.csv": bytes([0, 1, 2, 3, 255, 254, 0, 0, 7, 8]) * 20,
        "undecodable.csv": b"case_id,activity,end_time\nC1,Ti\x81p nh\x8dn,2025-01-02\n",
        "corrupt.xlsx": xlsx_like,
        "not_a_workbook.xlsx": b"this is plain text, not a workbook\n",
        "corrupt.parquet": b"PAR1" + b"\x00" * 64 + b"PAR1",
        "truncated.xes.gz": xes_gz[: len(xes_gz) // 2],
        "bad_xml.xes": (_XES_HEAD + _XES_TRACE.format(activity="a").replace("</trace>", "</trace")).encode("utf-8"),
        "not_xes.xes": (_XES_HEAD + "<html><body>not a log</body></html>\n").encode("utf-8"),
        "binary.xes": bytes([0x00, 0x13, 0x37, 0xFF]) * 16,
        "no_events.xes": (_XES_HEAD + '<log xes.version="1.0" xmlns="http://www.xes-standard.org/">\n</log>\n').encode("utf-8"),
        "undeclared_entity.xes": (_XES_HEAD + _XES_TRACE.format(activity="&nbsp;")).encode("utf-8"),
        "xxe.xes": (
            _XES_HEAD
            + '<!DOCTYPE log [<!ENTITY xxe SYSTEM "secret.txt">]>\n'
            + _XES_TRACE.format(activity="&xxe;")
        ).encode("utf-8"),
        "secret.txt": (secret + "\n").encode("utf-8"),
        "billion_laughs.xes": (
            _XES_HEAD
            + "<!DOCTYPE log [\n"
            + '<!ENTITY lol "lol">\n'
            + "".join(
                f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">\n'
                for i in range(1, 10)
            )
            + "]>\n"
            + _XES_TRACE.format(activity="&lol9;")
        ).encode("utf-8"),
        "utf8_bad_byte.csv": _csv(  # UTF-8 letters, then one Windows-1258 byte: not a Windows-1258 file
            h, "HS-1,Đăng ký khai sinh,Tiếp nhận hồ sơ,02/01/2025 08:00,02/01/2025 08:30",
        ) + "HS-1,Đăng ký khai sinh,Trả kết quả,04/01/2025 09:00,04/01/2025 09:30\n".encode().replace(
            "Trả".encode(), b"Tr\xe1"),
        "stray_cell.xlsx": _xlsx(  # one cell at the last row and column: a 512 GB grid for the readers
            _cells(1, "case_id", "activity", "end_time") + _cells(2, "C1", "Receive dossier", "2025-01-02 08:00")
            + '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
        ),
        "deep_nesting.xes": (  # rustxes ends in a segmentation fault on this
            _XES_HEAD + _XES_TRACE.format(activity="a").replace(
                "</event>", '<list key="x">' * 5000 + "</list>" * 5000 + "</event>")
        ).encode("utf-8"),
        "two_documents.xes": (_XES_HEAD + _XES_TRACE.format(activity="a")).encode("utf-8") * 2,
        "event_outside_trace.xes": (
            _XES_HEAD + _XES_TRACE.format(activity="a").replace(
                "</log>", '<event><string key="concept:name" value="b"/></event>\n</log>')
        ).encode("utf-8"),
        "declared_latin1_is_utf8.xes": (
            _XES_HEAD.replace("UTF-8", "ISO-8859-1") + _XES_TRACE.format(activity="Tiếp nhận hồ sơ")
        ).encode("utf-8"),
        "declared_utf8_is_windows1258.xes": to_windows_1258(_XES_HEAD + _XES_TRACE.format(activity="Tiếp nhận hồ sơ")),
        "naive_then_offset.xes": (
            _XES_HEAD + _XES_TRACE.format(activity="a").replace("+07:00", "").replace(
                "</trace>", '<event><string key="concept:name" value="b"/>'
                '<date key="time:timestamp" value="2025-01-02T11:00:00.000+07:00"/></event>\n</trace>')
        ).encode("utf-8"),
        "mapping_unknown_role.yaml": b"case: ma_ho_so\nsteps: buoc\n",
        "mapping_missing_column.yaml": "case: Số hồ sơ gốc\nactivity: buoc\ntimestamp: ket_thuc\n".encode(),
        "mapping_not_yaml.yaml": b"case: [unclosed\n",
        "mapping_duplicate_key.yaml": b"case: ma_ho_so\nactivity: buoc\ncase: thu_tuc\n",
    }


def good_files() -> dict[str, bytes]:
    return {
        "dossiers_vi.csv": ("\n".join([VI_HEADER, *VI_ROWS]) + "\n").encode("utf-8"),
        "dossiers_en.csv": EN_CSV.encode("utf-8"),
        "dossiers_vi_windows1258.csv": to_windows_1258(vi_diacritic_text()),
        "custom_headers.tsv": CUSTOM_CSV.encode("utf-8"),
        "custom_mapping.yaml": CUSTOM_MAPPING.encode("utf-8"),
        "small.xes": XES_GOOD.encode("utf-8"),
        "small.xes.gz": gzip.compress(XES_GOOD.encode("utf-8"), mtime=0),
    }


def write_all() -> list[Path]:
    written = []
    for folder, files in ((BAD, bad_files()), (GOOD, good_files())):
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            path = folder / name
            path.write_bytes(content)
            written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover
    for p in write_all():
        print(p.relative_to(HERE))
