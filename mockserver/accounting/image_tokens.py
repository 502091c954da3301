"""What an image in a prompt costs (tokens.py): the API's downscaling, then its pixels.

An image is scaled down to a long edge ≤ 1568 px and ≤ 1.2 MP (≈1.15 MiP, the documented
~1,600-token ceiling), then costs ``ceil(w*h/750)``; its size is read from the header of
its base64 data. One sent by URL or file id, or whose header is unreadable, is taken as
1092x1092 (1,590 tokens).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .media import decode_base64, image_size

IMAGE_LONG_EDGE = 1568
IMAGE_MAX_PIXELS = 1_200_000
UNSEEN_IMAGE_SIZE = (1092, 1092)
# Enough base64 for any image header except a JPEG behind a large EXIF block.
_HEADER_CHARS = 65_536

# Parsed JSON objects are dicts: the exact-type check comes first, as it costs a third of
# the ABC's, which still admits any other Mapping.
_MAPPING = (dict, Mapping)


def image_tokens(width: int, height: int) -> int:
    """Tokens for an image of this size after the API's downscaling."""
    if width <= 0 or height <= 0:
        return 0
    scale = min(
        1.0, IMAGE_LONG_EDGE / max(width, height), math.sqrt(IMAGE_MAX_PIXELS / (width * height))
    )
    w, h = max(1, int(width * scale)), max(1, int(height * scale))
    return math.ceil(w * h / 750)


def source_tokens(source: Any) -> int:
    """Tokens for an image block's `source`."""
    size = None
    if isinstance(source, _MAPPING) and source.get("type") == "base64":
        data = str(source.get("data", ""))
        size = image_size(decode_base64(data[:_HEADER_CHARS]) or b"")
        if size is None and len(data) > _HEADER_CHARS:
            size = image_size(decode_base64(data) or b"")
    return image_tokens(*(size or UNSEEN_IMAGE_SIZE))
