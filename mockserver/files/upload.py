"""The multipart body of `POST /v1/files`, read within a size limit.

The parts are read as they arrive, never the whole body at once: the limit is checked
while reading, so an oversized upload costs no more memory than the limit.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass

from aiohttp import BodyPartReader, web

from ..accounting.media import image_type
from ..errors import InvalidRequest

_CHUNK = 64 * 1024
# A form field other than the file is a short number; more than this is not one.
_FIELD_LIMIT = 1024
# The bounds the API documents for `expires_in_seconds` (one hour to ninety days).
MIN_EXPIRY, MAX_EXPIRY = 3600, 7_776_000
_GENERIC_TYPES = frozenset({"", "application/octet-stream"})


class PartTooLarge(Exception):
    """A part ran past the limit it was read under (reading stopped there)."""


@dataclass(frozen=True)
class Upload:
    content: bytes
    filename: str
    mime_type: str
    expires_in: int | None


async def read_upload(request: web.Request, limit: int) -> Upload:
    """The `file` part and `expires_in_seconds` of the form; PartTooLarge past `limit`."""
    if request.content_type != "multipart/form-data":
        # Wording unverified: the API's answer to a non-multipart upload is not documented.
        raise InvalidRequest("Request body must be multipart/form-data with a `file` part")
    try:
        reader = await request.multipart()
        content, name, declared, expires = None, None, "", None
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue  # a nested multipart: not something a client sends here
            if part.name == "file":
                if content is not None:
                    # Wording unverified; one file per upload is the SDK's contract.
                    raise InvalidRequest("file: only one file may be uploaded per request")
                content = await _read_bounded(part, limit)
                name, declared = part.filename, part.headers.get("content-type", "")
            elif part.name == "expires_in_seconds":
                expires = (await _read_bounded(part, _FIELD_LIMIT)).decode("utf-8", "replace")
            else:
                # Pydantic's wording, as the API's other unknown fields are answered.
                raise InvalidRequest(f"{part.name}: Extra inputs are not permitted")
    except (ValueError, AssertionError, UnicodeDecodeError) as exc:
        # aiohttp's reader raises these on a body that is not the multipart it declares.
        raise InvalidRequest(f"Malformed multipart body: {exc}") from None
    if content is None:
        raise InvalidRequest("file: Field required")
    mime = mime_type_of(content, name, declared)
    return Upload(content, stored_filename(name, mime), mime, _expiry(expires))


async def _read_bounded(part: BodyPartReader, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := await part.read_chunk(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise PartTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _expiry(raw: str | None) -> int | None:
    if raw is None:
        return None
    try:
        seconds = int(raw.strip())
    except ValueError:
        raise InvalidRequest(
            "expires_in_seconds: Input should be a valid integer, "
            "unable to parse string as an integer"
        ) from None
    if seconds < MIN_EXPIRY:
        raise InvalidRequest(
            f"expires_in_seconds: Input should be greater than or equal to {MIN_EXPIRY}"
        )
    if seconds > MAX_EXPIRY:
        raise InvalidRequest(
            f"expires_in_seconds: Input should be less than or equal to {MAX_EXPIRY}"
        )
    return seconds


def mime_type_of(content: bytes, filename: str | None, declared: str) -> str:
    """What the bytes are; else the part's own type; else what the name suggests.

    The API's exact detection is not documented: the bytes win here because the SDK
    labels most parts by the file name (or as octet-stream) rather than by content.
    """
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    sniffed = image_type(content)
    if sniffed is not None:
        return sniffed
    declared = declared.split(";", 1)[0].strip().lower()
    if declared not in _GENERIC_TYPES:
        return declared
    guessed = mimetypes.guess_type(filename or "")[0]
    return guessed or "application/octet-stream"


def stored_filename(filename: str | None, mime_type: str) -> str:
    """The last path component of the part's name; `unnamed` plus an extension if none."""
    last = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    if last:
        return last
    return "unnamed" + (mimetypes.guess_extension(mime_type) or "")
