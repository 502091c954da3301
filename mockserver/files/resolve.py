"""A request's `file_id` references, checked against the sender's files and, for costing,
turned into the inline sources they stand for.

Image and document sources and `container_upload` blocks are resolved; a file costs
exactly what the same bytes sent inline cost.

Only bodies whose raw bytes hold `"file_id"` come here: the plain Messages path pays
one substring search and nothing else.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from ..errors import InvalidRequest
from .missing import file_expired, file_not_found
from .store import FileStore, StoredFile

# What a request body that names a file holds, whatever the block.
MARKER = b'"file_id"'
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
_PDF, _TEXT = "application/pdf", "text/plain"


class _Resolver:
    def __init__(self, store: FileStore, api_key: str) -> None:
        self.store, self.api_key = store, api_key

    def file(self, file_id: Any) -> StoredFile:
        found = self.store.get(self.api_key, str(file_id))
        if found is None:
            raise file_not_found(str(file_id))
        if found.content is None:
            raise file_expired(found.id)
        return found

    def blocks(self, blocks: Any, path: str) -> list[Any] | None:
        """A copy of `blocks` with file sources inlined, or None if none was."""
        if not isinstance(blocks, list):
            return None
        changed: list[Any] | None = None
        for i, block in enumerate(blocks):
            new = self.block(block, f"{path}.{i}") if isinstance(block, Mapping) else None
            if new is not None:
                if changed is None:
                    changed = list(blocks)
                changed[i] = new
        return changed

    def block(self, block: Mapping[str, Any], path: str) -> dict[str, Any] | None:
        kind = block.get("type")
        if kind == "container_upload":
            # Any type of file may go to the container; it costs nothing as input.
            self.file(block.get("file_id"))
            return None
        if kind == "tool_result":
            content = self.blocks(block.get("content"), f"{path}.content")
            return None if content is None else {**block, "content": content}
        source = block.get("source")
        if not isinstance(source, Mapping):
            return None
        if source.get("type") == "file" and kind in ("image", "document"):
            found = self.file(source.get("file_id"))
            return {**block, "source": _inline(found, kind, f"{path}.{kind}.source")}
        if kind == "document" and source.get("type") == "content":
            content = self.blocks(source.get("content"), f"{path}.document.source.content")
            if content is not None:
                return {**block, "source": {**source, "content": content}}
        return None


def _inline(found: StoredFile, kind: str, where: str) -> dict[str, Any]:
    content = found.content or b""
    mime = found.mime_type
    if kind == "image" and mime in IMAGE_TYPES:
        return {"type": "base64", "media_type": mime, "data": base64.b64encode(content).decode()}
    if kind == "document" and mime == _PDF:
        return {"type": "base64", "media_type": mime, "data": base64.b64encode(content).decode()}
    if kind == "document" and mime == _TEXT:
        return {"type": "text", "media_type": mime, "data": content.decode("utf-8", "replace")}
    wanted = ", ".join(sorted(IMAGE_TYPES)) if kind == "image" else f"{_PDF}, {_TEXT}"
    # Wording unverified: the API refuses a file of the wrong type for the block, in words
    # not on record.
    raise InvalidRequest(
        f"{where}: File {found.id} has type {mime}, which is not supported in a {kind} block "
        f"(supported: {wanted})"
    )


def inline_files(body: dict[str, Any], store: FileStore, api_key: str) -> dict[str, Any]:
    """`body` with every file source inlined (`body` itself if it has none); raises the
    API's error for an unknown, expired or wrong-type file."""
    messages = body.get("messages")
    if not isinstance(messages, list):
        return body
    resolver = _Resolver(store, api_key)
    changed: list[Any] | None = None
    for m, message in enumerate(messages):
        if not isinstance(message, Mapping):
            continue
        content = resolver.blocks(message.get("content"), f"messages.{m}.content")
        if content is not None:
            if changed is None:
                changed = list(messages)
            changed[m] = {**message, "content": content}
    return body if changed is None else {**body, "messages": changed}
