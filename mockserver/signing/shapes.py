"""What a thinking signature (or redacted_thinking `data`) this server did not mint looks like.

The real API's signatures are opaque, but their shape is stable in recorded traffic: the
standard base64 alphabet with its `=` padding, decoding to a protocol-buffers message a
hundred bytes or more long (`EqQBCkYIBxgC…` is field 2 holding a nested message;
`CAISzQIK…` is field 1 as a varint, then field 2). A block replayed from a real
conversation carries one of those; a client bug sends an empty string, a placeholder
(`sig_…`, `placeholder`), the text of something else, or a cut-off token. So a token is
*well-formed* when it decodes strictly and the bytes parse, whole, as protobuf fields.
"""

from __future__ import annotations

import base64
import binascii

# Guess: the shortest real token seen is a redacted_thinking `data` of about 110 bytes
# (signatures are longer: they hold a 64-byte MAC); half that still refuses placeholders.
MIN_BYTES = 64
# Wire types that may appear in a message: varint, 64-bit, length-delimited, 32-bit.
_FIXED = {1: 8, 5: 4}


def decode(token: str) -> bytes | None:
    """The bytes of a strictly base64-encoded token (padding required), or None."""
    try:
        return base64.b64decode(token, validate=True)
    except (binascii.Error, ValueError):
        return None


def well_formed(raw: bytes) -> bool:
    """Whether `raw` is long enough and is, whole, a sequence of protobuf fields."""
    return len(raw) >= MIN_BYTES and is_message(raw)


def is_message(raw: bytes) -> bool:
    """Whether `raw` is, whole, a sequence of well-formed protobuf fields."""
    return _fields_end(raw) == len(raw)


def _fields_end(raw: bytes) -> int:
    """Where the run of well-formed fields from the start ends (-1: the first is broken)."""
    at, end = 0, len(raw)
    while at < end:
        tag, at = _varint(raw, at)
        field, wire = tag >> 3, tag & 7
        if at < 0 or field == 0:
            return -1
        if wire == 0:
            _, at = _varint(raw, at)
        elif wire == 2:
            size, at = _varint(raw, at)
            at = -1 if at < 0 or at + size > end else at + size
        elif wire in _FIXED:
            at = -1 if at + _FIXED[wire] > end else at + _FIXED[wire]
        else:  # groups (3, 4) are long deprecated; 6 and 7 do not exist
            return -1
        if at < 0:
            return -1
    return at


def _varint(raw: bytes, at: int) -> tuple[int, int]:
    """The varint at `at` and where it ends (-1: cut off or longer than ten bytes)."""
    value, shift = 0, 0
    for i in range(at, min(at + 10, len(raw))):
        byte = raw[i]
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, i + 1
        shift += 7
    return 0, -1
