"""Images: how many a request holds, size of the base64 payload, bytes that match their
media type, pixel limits.

Limits and wordings observed on the Claude API (2026 probes quoted in public repos:
"image exceeds 10 MB maximum: 23045044 bytes > 10485760 bytes", "At least one of the
image dimensions exceed max allowed size: 8000 pixels", the 2000 px limit once a request
holds more than 20 images, counting every image block including earlier turns and
`tool_result` contents). The 5 MB figure of older reports is Bedrock's and Vertex's.
At most 100 images and documents in all (Claude Code reports, 2026: "too many images and
documents: 104 + 1 > 100"; reports up to 2026-02 also quote "Too much media: 0 document
pages + 102 images > 100", apparently an older check counting a PDF's pages).

Paths name the block type at each level, as the API's validation messages do
(`messages.83.content.0.tool_result.content.1.image.source.base64`), except "Could not
process image", which the API reports with bare indices
(`messages.2.content.0.content.1.image.source.base64`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..accounting.media import decode_base64, image_size, image_type
from ..errors import Problem
from .rules_request import RuleRequest, blocks, mapping, problem
from .rules_scan import DOCUMENTS, IMAGES

MAX_BASE64_CHARS = 10 * 1024 * 1024
MAX_SIDE = 8000
MANY_IMAGES = 20
MANY_IMAGES_MAX_SIDE = 2000
MAX_MEDIA = 100
# The long side the API downsizes to by default: 2576 px for Claude 4.7 and later,
# 1568 px for the others (docs, "Vision"). The catalog says which is which.
DEFAULT_MODEL_IMAGE_SIDE = 1568


@dataclass(frozen=True)
class Image:
    block: Mapping[str, Any]
    typed_path: str  # messages.0.content.1.tool_result.content.0.image
    plain_path: str  # messages.0.content.1.content.0


def rule_images(req: RuleRequest) -> Iterator[Problem]:
    images = list(_images(req))
    documents = _document_count(req)
    if len(images) + documents > MAX_MEDIA:
        # A request with documents and no image is not counted: rare, and PDFs have their
        # own page limit.
        yield problem(
            "media_count",
            f"too many images and documents: {len(images)} + {documents} > {MAX_MEDIA}",
            "messages",
        )
    many = len(images) > MANY_IMAGES
    oversized: list[tuple[Image, tuple[int, int]]] = []
    limit = req.model.max_image_side if req.model is not None else DEFAULT_MODEL_IMAGE_SIDE
    for image in images:
        size = yield from _check_base64(image, many)
        if size is not None and max(size) > limit and _errors_when_oversized(image):
            oversized.append((image, size))
    if oversized:
        yield _oversized_problem(oversized, limit)


def _check_base64(image: Image, many: bool) -> Generator[Problem, None, tuple[int, int] | None]:
    """Problems of one base64 image; its (width, height) is the generator's return value."""
    source = mapping(image.block.get("source"))
    data = source.get("data")
    if source.get("type") != "base64" or not isinstance(data, str):
        return None
    where = f"{image.typed_path}.source.base64"
    if len(data) > MAX_BASE64_CHARS:
        yield problem(
            "image_size",
            f"{where}: image exceeds 10 MB maximum: {len(data)} bytes > {MAX_BASE64_CHARS} bytes",
            where,
        )
        return None
    actual, size = _reads.read(data)
    if actual is None or size is None:
        plain = f"{image.plain_path}.image.source.base64"
        yield problem("image_readable", f"{plain}: Could not process image", plain)
        return None
    declared = source.get("media_type")
    if isinstance(declared, str) and declared != actual:
        # Observed: vybestack/llxprt-code #2130 (the older wording was "Image does not
        # match the provided media type image/jpeg").
        yield problem(
            "image_media_type",
            f"{where}: The image was specified using the {declared} media type, but the "
            f"image appears to be a {actual} image",
            where,
        )
        return None
    if max(size) > MAX_SIDE:
        yield _side_problem(where, "", MAX_SIDE)
    elif many and max(size) > MANY_IMAGES_MAX_SIDE:
        yield _side_problem(where, " for many-image requests", MANY_IMAGES_MAX_SIDE)
    return size


ImageRead = tuple[str | None, tuple[int, int] | None]  # media type, (width, height)


class _ImageReads:
    """What base64 image data reads as, remembered: an agent loop resends the images of
    its history (screenshots) with every call, and decoding a megabyte of base64 takes
    milliseconds. An entry is found by the data's length and ends and confirmed by
    comparing the whole data, far cheaper than decoding (or hashing) it. The strings held
    are the requests' own (immutable), up to `budget` characters in all, oldest out first.
    """

    def __init__(self, budget: int) -> None:
        # Ordered, for an eviction of the oldest in constant time (a dict scans its deleted keys).
        self._known: OrderedDict[tuple[int, str, str], tuple[str, ImageRead]] = OrderedDict()
        self._budget = budget
        self._held = 0
        # Only a write needs it: a dict read on its own is atomic.
        self._lock = threading.Lock()

    def read(self, data: str) -> ImageRead:
        probe = (len(data), data[:64], data[-64:])
        found = self._known.get(probe)
        if found is not None and found[0] == data:
            return found[1]
        raw = decode_base64(data)
        read = (image_type(raw), image_size(raw)) if raw else (None, None)
        with self._lock:
            replaced = self._known.pop(probe, None)
            self._held += len(data) - (len(replaced[0]) if replaced else 0)
            self._known[probe] = (data, read)
            while self._held > self._budget:
                self._held -= len(self._known.popitem(last=False)[1][0])
        return read


_reads = _ImageReads(budget=32 << 20)


def _side_problem(where: str, qualifier: str, limit: int) -> Problem:
    return problem(
        "image_dimensions",
        f"{where}.data: At least one of the image dimensions exceed max allowed size"
        f"{qualifier}: {limit} pixels",
        f"{where}.data",
    )


def _errors_when_oversized(image: Image) -> bool:
    transformations = mapping(image.block.get("transformations"))
    return transformations.get("oversized_image") == "error"


def _oversized_problem(found: list[tuple[Image, tuple[int, int]]], limit: int) -> Problem:
    """`transformations.oversized_image: "error"`: one 400 naming every image over the limit.

    The SDK documents the details (`error_code`, `max_side_length_pixels`, `paths`) and
    says the message names the image's dimensions and the largest that fit; the exact
    wording is a guess.
    """
    image, (width, height) = found[0]
    longest = max(width, height)
    fit_w, fit_h = max(1, width * limit // longest), max(1, height * limit // longest)
    return problem(
        "image_oversized",
        f"{image.typed_path}: The image is {width}x{height} pixels, larger than this model's "
        f"maximum of {limit} pixels per side; the largest dimensions that fit are "
        f"{fit_w}x{fit_h}. Scale the image down, or set `transformations.oversized_image` to "
        '"downsize".',
        image.plain_path,
        error_code="image_dimensions_too_large",
        max_side_length_pixels=limit,
        paths=[img.plain_path for img, _ in found],
    )


def _document_count(req: RuleRequest) -> int:
    """Document blocks in the conversation, those inside tool results included."""
    messages = req.messages
    count = 0
    for i in req.messages_with(DOCUMENTS):
        for block in blocks(messages[i].get("content")):
            kind = block.get("type")
            if kind == "document":
                count += 1
            elif kind == "tool_result":
                count += sum(
                    inner.get("type") == "document" for inner in blocks(block.get("content"))
                )
    return count


def _images(req: RuleRequest) -> Iterator[Image]:
    """Every image block of the conversation, in request order, nested ones included."""
    messages = req.messages
    for i in req.messages_with(IMAGES):
        for j, block in enumerate(blocks(messages[i].get("content"))):
            kind = block.get("type")
            if kind == "image":
                at = f"messages.{i}.content.{j}"
                yield Image(block, f"{at}.image", at)
            elif kind == "tool_result":
                for k, inner in enumerate(blocks(block.get("content"))):
                    if inner.get("type") == "image":
                        at = f"messages.{i}.content.{j}"
                        yield Image(
                            inner, f"{at}.tool_result.content.{k}.image", f"{at}.content.{k}"
                        )
            elif kind == "document":
                source = mapping(block.get("source"))
                for k, inner in enumerate(blocks(source.get("content"))):
                    if source.get("type") == "content" and inner.get("type") == "image":
                        at = f"messages.{i}.content.{j}"
                        yield Image(
                            inner,
                            f"{at}.document.source.content.{k}.image",
                            f"{at}.source.content.{k}",
                        )
