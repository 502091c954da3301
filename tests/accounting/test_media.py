from __future__ import annotations

import base64
import struct
import zlib

import pytest

from mockserver.accounting.media import decode_base64, image_size, image_type, pdf_page_count


def png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def gif(width: int, height: int) -> bytes:
    return b"GIF89a" + struct.pack("<HHBBB", width, height, 0, 0, 0) + b";"


def jpeg(width: int, height: int, *, sof: int = 0xC0, exif: bytes = b"") -> bytes:
    def segment(marker: int, body: bytes) -> bytes:
        return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body

    app0 = segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    app1 = segment(0xE1, b"Exif\x00\x00" + exif) if exif else b""
    dqt = segment(0xDB, b"\x00" + bytes(64))
    frame = segment(sof, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00")
    dht = segment(0xC4, b"\x00" + bytes(16))
    sos = segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    return b"\xff\xd8" + app0 + app1 + dqt + b"\xff" + frame + dht + sos + b"\x00\xff\xd9"


def riff(chunk: bytes, body: bytes) -> bytes:
    payload = b"WEBP" + chunk + struct.pack("<I", len(body)) + body
    return b"RIFF" + struct.pack("<I", len(payload)) + payload


def webp_lossy(width: int, height: int) -> bytes:
    frame = b"\x30\x01\x00" + b"\x9d\x01\x2a" + struct.pack("<HH", width, height)
    return riff(b"VP8 ", frame + bytes(10))


def webp_lossless(width: int, height: int) -> bytes:
    bits = (width - 1) | ((height - 1) << 14)
    return riff(b"VP8L", b"\x2f" + struct.pack("<I", bits) + bytes(4))


def webp_extended(width: int, height: int) -> bytes:
    body = b"\x10\x00\x00\x00" + (width - 1).to_bytes(3, "little")
    return riff(b"VP8X", body + (height - 1).to_bytes(3, "little"))


@pytest.mark.parametrize(
    ("data", "kind", "size"),
    [
        (png(3, 2), "image/png", (3, 2)),
        (png(4000, 7), "image/png", (4000, 7)),
        (gif(640, 480), "image/gif", (640, 480)),
        (jpeg(1920, 1080), "image/jpeg", (1920, 1080)),
        (jpeg(800, 600, sof=0xC2), "image/jpeg", (800, 600)),
        (jpeg(8001, 20, exif=bytes(5_000)), "image/jpeg", (8001, 20)),
        (webp_lossy(1024, 768), "image/webp", (1024, 768)),
        (webp_lossless(16383, 3), "image/webp", (16383, 3)),
        (webp_extended(9000, 12000), "image/webp", (9000, 12000)),
    ],
)
def test_size_and_type_come_from_the_header(data: bytes, kind: str, size: tuple[int, int]) -> None:
    assert image_type(data) == kind
    assert image_size(data) == size


def test_size_does_not_depend_on_byte_count() -> None:
    small, padded = png(10, 10), png(10, 10) + bytes(100_000)
    assert image_size(small) == image_size(padded) == (10, 10)


def test_jpeg_skips_tables_before_the_frame() -> None:
    # DHT (C4) sits in the SOF range but is a table; a parser that stops there
    # would read garbage as the size.
    data = b"\xff\xd8\xff\xc4\x00\x05\x00\x00\x00" + jpeg(33, 44)[2:]
    assert image_size(data) == (33, 44)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello world",
        b"\x89PNG\r\n\x1a\n\x00\x00",
        b"\xff\xd8\xff\xe0\x00",
        jpeg(10, 10)[:30],
        b"GIF89a\x01",
        b"RIFF\x00\x00\x00\x00WEBPVP8 ",
        png(0, 5)[:24],
    ],
)
def test_unreadable_images_give_none(data: bytes) -> None:
    assert image_size(data) is None


def test_decode_base64_is_tolerant() -> None:
    raw = png(7, 9)
    text = base64.b64encode(raw).decode()
    assert decode_base64(text) == raw
    assert decode_base64(text.rstrip("=")) == raw
    assert decode_base64("\n".join(text[i : i + 76] for i in range(0, len(text), 76))) == raw
    assert decode_base64(base64.urlsafe_b64encode(raw).decode()) == raw


@pytest.mark.parametrize("text", ["Q", "é漢字"])
def test_decode_base64_rejects_garbage_without_raising(text: str) -> None:
    assert decode_base64(text) is None


def pdf(objects: list[bytes]) -> bytes:
    body = b"".join(b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n" for i, o in enumerate(objects))
    return b"%PDF-1.4\n" + body + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"


def test_pdf_counts_page_objects_not_the_page_tree() -> None:
    data = pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R 4 0 R 5 0 R] /Count 3 >>",
            b"<< /Type /Page /Parent 2 0 R >>",
            b"<< /Type/Page /Parent 2 0 R >>",
            b"<</Type /Page/Parent 2 0 R>>",
        ]
    )
    assert pdf_page_count(data) == 3


def test_pdf_pages_inside_compressed_object_streams() -> None:
    inner = b"<< /Type /Page >> << /Type /Page >>"
    stream = zlib.compress(inner)
    data = pdf([b"<< /Type /ObjStm /Filter /FlateDecode >>\nstream\n" + stream + b"endstream"])
    assert pdf_page_count(data) == 2


def test_pdf_falls_back_to_page_tree_count_then_one() -> None:
    assert pdf_page_count(pdf([b"<< /Type /Pages /Count 12 /Kids [] >>"])) == 12
    assert pdf_page_count(b"not a pdf") == 1
