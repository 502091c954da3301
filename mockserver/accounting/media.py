"""Facts about attached media read from their bytes: image size and type, PDF pages.

Sizes come from the image header, never from the byte count: the API sizes an image
(for its 8000 px limit and its token cost) by its pixels. Every function is tolerant:
truncated or foreign bytes give ``None`` (or one page), never an exception.
"""

from __future__ import annotations

import binascii
import re
import struct
import zlib

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) share
# the range but are tables, not frames.
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers that stand alone, without a length field.
_JPEG_BARE = frozenset({0x01, *range(0xD0, 0xD9)})
_JPEG_SOS = 0xDA

_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
_PAGES_COUNT = re.compile(
    rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)|/Count\s+(\d+)[^>]*?/Type\s*/Pages\b"
)
_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.DOTALL)


def decode_base64(s: str) -> bytes | None:
    """Bytes of a base64 string; tolerates whitespace, url-safe letters, missing padding."""
    if not isinstance(s, str):
        return None
    text = s
    if "-" in text or "_" in text:
        text = text.replace("-", "+").replace("_", "/")
    try:
        # The decoder skips whitespace and stray padding, so appending "==" completes
        # any unpadded tail without first counting the real data characters.
        return binascii.a2b_base64(text + "==")
    except (binascii.Error, ValueError):
        return None


def image_type(data: bytes) -> str | None:
    """The media type the bytes really are (``image/png`` …), or None if not an image we know."""
    if data.startswith(_PNG_SIGNATURE):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) in pixels from the image header, or None if unreadable."""
    kind = image_type(data)
    if kind == "image/png":
        return _png_size(data)
    if kind == "image/jpeg":
        return _jpeg_size(data)
    if kind == "image/gif":
        return _gif_size(data)
    if kind == "image/webp":
        return _webp_size(data)
    return None


def _png_size(data: bytes) -> tuple[int, int] | None:
    if len(data) < 24 or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return _positive(width, height)


def _gif_size(data: bytes) -> tuple[int, int] | None:
    if len(data) < 10:
        return None
    width, height = struct.unpack("<HH", data[6:10])
    return _positive(width, height)


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    pos = 2
    end = len(data)
    while pos + 1 < end:
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        if marker in _JPEG_BARE:
            pos += 2
            continue
        if pos + 4 > end:
            return None
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if marker in _JPEG_SOF:
            if pos + 9 > end:
                return None
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return _positive(width, height)
        if marker == _JPEG_SOS or length < 2:
            return None
        pos += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return _positive(width & 0x3FFF, height & 0x3FFF)
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        (bits,) = struct.unpack("<I", data[21:25])
        return _positive((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return _positive(width, height)
    return None


def _positive(width: int, height: int) -> tuple[int, int] | None:
    return (width, height) if width > 0 and height > 0 else None


def pdf_page_count(data: bytes) -> int:
    """Pages in a PDF: its ``/Type /Page`` objects (not ``/Pages``); at least 1.

    PDF 1.5+ files may keep page objects in compressed object streams, so when the
    plain text holds none the Flate streams are inflated and searched too; the page
    tree's ``/Count`` is the last resort.
    """
    pages = len(_PAGE.findall(data))
    if pages:
        return pages
    inflated = b"".join(_inflate(m.group(1)) for m in _STREAM.finditer(data))
    pages = len(_PAGE.findall(inflated))
    if pages:
        return pages
    counts = [int(a or b) for a, b in _PAGES_COUNT.findall(data + inflated)]
    return max([1, *counts])


def _inflate(stream: bytes) -> bytes:
    try:
        return zlib.decompressobj().decompress(stream)
    except zlib.error:
        return b""
