"""Stage 5 — assemble: a rendered document becomes one reproducible .docx package.

Same sources, same bytes: zip entries get a fixed date, order and attributes,
and the document properties a fixed time (``SOURCE_DATE_EPOCH`` when set).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass

from lxml import etree

FIXED_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
CORE_PART = "docProps/core.xml"
_NS = {
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
}


def build_timestamp(year: int) -> str:
    """The documents' creation time: SOURCE_DATE_EPOCH if set, else 1 January of the budget year."""
    epoch = source_date_epoch()
    if epoch is not None:
        moment = dt.datetime.fromtimestamp(epoch, tz=dt.timezone.utc)
    else:
        moment = dt.datetime(year, 1, 1, tzinfo=dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


MAX_EPOCH = 253402300799  # 9999-12-31T23:59:59Z


def source_date_epoch() -> int | None:
    """SOURCE_DATE_EPOCH when set and valid (whole seconds, 0 … 9999-12-31); see ``epoch_problem``."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isascii() and epoch.isdigit() and len(epoch) <= 12 and int(epoch) <= MAX_EPOCH:
        return int(epoch)
    return None


def epoch_problem() -> str | None:
    """What is wrong with a SOURCE_DATE_EPOCH that is set but cannot be used, in Chinese."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None or epoch.strip() == "" or source_date_epoch() is not None:
        return None
    shown = epoch if len(epoch) <= 30 else epoch[:30] + "…"
    return (f"环境变量 SOURCE_DATE_EPOCH=“{shown}”无效：应为 0 到 {MAX_EPOCH} 之间的整数秒数"
            "（Unix 时间戳），或不设置（文档时间取预算年度的 1 月 1 日）")


def rewrite_package(data: bytes, transform=None) -> bytes:
    """The zip package again, with fixed entry dates, order and attributes, so that its bytes
    depend only on its content; ``transform(name, payload)`` may change a part on the way."""
    source = zipfile.ZipFile(io.BytesIO(data))
    names = source.namelist()
    ordered = ["[Content_Types].xml"] + [n for n in names if n != "[Content_Types].xml"]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in ordered:
            payload = source.read(name)
            if transform is not None:
                payload = transform(name, payload)
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 0
            target.writestr(info, payload, compresslevel=6)
    return out.getvalue()


def normalize_package(data: bytes, timestamp: str, properties: dict[str, str] | None = None) -> bytes:
    """Rewrite a .docx (or .xlsx) so that its bytes depend only on its content and ``timestamp``."""

    def transform(name: str, payload: bytes) -> bytes:
        return _core_properties(payload, timestamp, properties or {}) if name == CORE_PART else payload

    return rewrite_package(data, transform)


def _core_properties(payload: bytes, timestamp: str, properties: dict[str, str]) -> bytes:
    root = etree.fromstring(payload)
    for tag in ("dcterms:created", "dcterms:modified"):
        node = root.find(tag, _NS)
        if node is not None:
            node.text = timestamp
    for tag, value in properties.items():
        node = root.find(tag, _NS)
        if node is None:
            prefix, local = tag.split(":")
            node = etree.SubElement(root, f"{{{_NS[prefix]}}}{local}")
        node.text = value
    for tag in ("cp:lastPrinted",):
        node = root.find(tag, _NS)
        if node is not None:
            root.remove(node)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# ---------------------------------------------------------------- .docx from pieces
# A part is deflated piece by piece, each piece on its own (a full flush ends it, so the next
# starts from an empty window): the compressed bytes of a piece never depend on its
# neighbours, and a build that changes one project's piece compresses only that piece again.
# The pieces' streams, followed by an empty final block, are one valid deflate stream.

_FINAL_BLOCK = zlib.compressobj(6, zlib.DEFLATED, -15).flush()
_DOS_DATE = ((FIXED_ZIP_DATE[0] - 1980) << 9) | (FIXED_ZIP_DATE[1] << 5) | FIXED_ZIP_DATE[2]
_DOS_TIME = 0
_ZIP_LIMIT = 0xFFFFFFFF


@dataclass(frozen=True)
class Piece:
    """A piece of a part: its deflated bytes and the CRC-32 and length of what they inflate to
    (which is all a zip entry needs, so a piece kept from an earlier build needs no more)."""

    deflated: bytes
    crc: int
    size: int

    @classmethod
    def of(cls, data: bytes) -> "Piece":
        return cls(deflate_piece(data), zlib.crc32(data), len(data))


def deflate_piece(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)


def crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """The CRC-32 of A + B from those of A and B and B's length: zlib's own function when the
    zlib library can be loaded, else the same arithmetic in Python (slower, same result)."""
    native = _native_combine()
    if native is not None:
        return native(crc1, crc2, length2) & 0xFFFFFFFF
    return multmodp(x2nmodp(length2, 3), crc1) ^ (crc2 & 0xFFFFFFFF)


_NATIVE: list = []


def _native_combine():
    if not _NATIVE:
        _NATIVE.append(_load_native_combine())
    return _NATIVE[0]


def _load_native_combine():
    try:
        import ctypes
    except ImportError:
        return None
    for name in ("libz.so.1", "libz.so", "libz.1.dylib", "libz.dylib", "zlib1.dll"):
        try:
            library = ctypes.CDLL(name)
            function = getattr(library, "crc32_combine64", None) or library.crc32_combine
        except (OSError, AttributeError):
            continue
        function.argtypes = (ctypes.c_ulong, ctypes.c_ulong, ctypes.c_int64)
        function.restype = ctypes.c_ulong
        if function(0x352441C2, 0x0CC4E161, 3) & 0xFFFFFFFF == 0x4B8E39EF:  # crc32 of abc, def, abcdef
            return function
    return None


_POLY = 0xEDB88320


def multmodp(a: int, b: int) -> int:
    """a × b modulo the CRC-32 polynomial (bit-reflected), as zlib computes it."""
    m, p = 1 << 31, 0
    while True:
        if a & m:
            p ^= b
            if not a & (m - 1):
                return p
        m >>= 1
        b = (b >> 1) ^ _POLY if b & 1 else b >> 1


def _powers() -> list[int]:
    powers, p = [], 1 << 30  # x^1
    for _ in range(32):
        powers.append(p)
        p = multmodp(p, p)
    return powers


_X2N = _powers()


def x2nmodp(n: int, k: int) -> int:
    """x^(n × 2^k) modulo the polynomial."""
    p = 1 << 31  # x^0
    while n:
        if n & 1:
            p = multmodp(_X2N[k & 31], p)
        n >>= 1
        k += 1
    return p


def write_zip(entries: list[tuple[str, list[Piece]]]) -> bytes:
    """A zip of deflated entries with fixed dates and attributes (as ``rewrite_package`` writes)."""
    out, central = bytearray(), bytearray()
    for name, pieces in entries:
        raw_name = name.encode("utf-8")
        flags = 0 if name.isascii() else 0x800
        crc, size = 0, 0
        for piece in pieces:
            crc = crc32_combine(crc, piece.crc, piece.size) if size else piece.crc
            size += piece.size
        data = b"".join(piece.deflated for piece in pieces) + _FINAL_BLOCK
        offset = len(out)
        if size > _ZIP_LIMIT or offset + len(data) > _ZIP_LIMIT:
            raise ValueError("文档过大（超过 4 GB），无法写成 .docx")
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, 8, _DOS_TIME, _DOS_DATE, crc, len(data), size,
                           len(raw_name), 0)
        out += raw_name
        out += data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, 8, _DOS_TIME, _DOS_DATE, crc,
                               len(data), size, len(raw_name), 0, 0, 0, 0, 0o644 << 16, offset)
        central += raw_name
    start = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), start, 0)
    return bytes(out)


DOCUMENT_PART = "word/document.xml"
_BODY = re.compile(rb"<w:body\b.*</w:body>", re.S)


def assemble_docx(package: bytes, head: bytes, items: list[Piece], tail: bytes, timestamp: str,
                  properties: dict[str, str] | None = None) -> bytes:
    """The .docx of a rendered template: ``package`` (as python-docx saved it) with its body
    replaced by ``head`` + items + ``tail``, fixed dates and order, and the core properties set."""
    source = zipfile.ZipFile(io.BytesIO(package))
    names = source.namelist()
    ordered = ["[Content_Types].xml"] + [n for n in names if n != "[Content_Types].xml"]
    entries = []
    for name in ordered:
        payload = source.read(name)
        if name == CORE_PART:
            payload = _core_properties(payload, timestamp, properties or {})
        if name != DOCUMENT_PART:
            entries.append((name, [Piece.of(payload)]))
            continue
        match = _BODY.search(payload)
        if match is None:
            raise ValueError("模板的 word/document.xml 没有 <w:body>")
        first = Piece.of(payload[:match.start()] + head)
        last = Piece.of(tail + payload[match.end():])
        entries.append((name, [first, *items, last]))
    return write_zip(entries)
