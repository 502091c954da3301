"""What a parsed JSON body holds in memory, estimated from its bytes without walking it.

The journal's byte cap (`--journal-max-mb`) is meant to bound the server's memory, but a
parsed body takes far more than its bytes wherever it is made of many small values: each
object is a dict (64+ bytes), each array a list (56 bytes), each string a str object (~50
bytes besides its characters), each element a pointer. Measured with tracemalloc against
orjson.loads: a small request holds ~6x its bytes, a list of empty objects ~24x, nesting
200 deep ~24x, a long string ~1x. Counting the structural characters (C-speed
`bytes.count`, ~10 us for a 120 KB agent request) and pricing each as what it becomes
tracks those within 0.8-1.5x: an over-estimate where strings hold braces or non-ASCII
text, never a large under-estimate.
"""

from __future__ import annotations

# Bytes a parsed value costs besides its characters, per character that opens it.
_DICT = 64
_LIST = 56
# Each string has two quotes: ~50 bytes of str object per string.
_STRING_QUOTE = 25
# Each element past the first: a pointer in its list, or an entry in its dict's table.
_ELEMENT = 8


def held_size(raw: bytes) -> int:
    return (
        len(raw)
        + _DICT * raw.count(b"{")
        + _LIST * raw.count(b"[")
        + _STRING_QUOTE * raw.count(b'"')
        + _ELEMENT * raw.count(b",")
    )
