"""Thinking tokens shaped like the real API's, made here: a protobuf message in base64.

The real API's signatures wrap a nested message (a header field, then a 64-byte MAC) in
field 2; its redacted_thinking `data` wraps a short header and the encrypted thinking.
These are random bytes in that shape, so no server can verify them.
"""

from __future__ import annotations

import base64
import random


def _field(number: int, payload: bytes) -> bytes:
    return bytes([number << 3 | 2]) + _varint(len(payload)) + payload


def _varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def real_signature(seed: int) -> str:
    """A `signature` like the API's (`EqQBCkYIBxgC…`-shaped: about 190 characters)."""
    rng = random.Random(seed)
    header = bytes([0x08, 0x07, 0x18, 0x02]) + rng.randbytes(66)
    inner = _field(1, header) + _field(5, rng.randbytes(64))
    return base64.b64encode(_field(2, inner)).decode("ascii")


def real_redacted_data(seed: int, size: int = 300) -> str:
    """A redacted_thinking `data` like the API's (`EmwKAhgB…`-shaped)."""
    rng = random.Random(seed)
    inner = (
        _field(1, bytes([0x18, 0x01]))
        + _field(2, rng.randbytes(12))
        + _field(3, rng.randbytes(size))
    )
    return base64.b64encode(_field(2, inner)).decode("ascii")
