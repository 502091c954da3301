"""`/v1/files`: upload, list, metadata, download, delete; each key sees only its own files.

No beta header is required: neither SDK sends `files-api-2025-04-14` by itself any more,
and the API accepts it (as deprecated) from clients that still do. `?beta=true`, which older
SDKs put on these paths, is a query string that routing ignores.
"""

from __future__ import annotations

import base64
import binascii

from aiohttp import web

from ..draft import Draft
from ..errors import ApiError, InvalidRequest, RequestTooLarge
from ..http.headers import check_headers
from ..http.pages import page_limit
from ..state import ServerState
from ..streaming.render import json_response
from .missing import file_expired, file_not_found
from .store import MAX_UPLOAD_BYTES, OverBudget, StoredFile
from .upload import PartTooLarge, read_upload

# The API's bound on the `ids` filter.
_MAX_IDS = 100
_CURSOR_PREFIX = "page_"


def _quota_exceeded() -> ApiError:
    # Status and error_code are the SDK's (StorageQuotaExceededError); the wording a guess.
    return ApiError.of(
        400,
        "File storage quota exceeded: delete files to free space, then retry",
        details={"error_code": "storage_quota_exceeded"},
    )


def _headers(state: ServerState) -> dict[str, str]:
    return {"anthropic-organization-id": state.organization_id}


async def upload_file(request: web.Request, state: ServerState, draft: Draft) -> web.StreamResponse:
    ctx = check_headers(request.headers, state.config, draft.request_id)
    files = state.files
    # Read no further than the store could keep: the bytes of an upload it must refuse
    # are never all held in memory.
    room = files.room()
    try:
        upload = await read_upload(request, min(MAX_UPLOAD_BYTES, room))
        draft.body_size = len(upload.content)
        stored = files.add(
            ctx.api_key,
            upload.content,
            filename=upload.filename,
            mime_type=upload.mime_type,
            expires_in=upload.expires_in,
        )
    except (PartTooLarge, OverBudget):
        if room >= MAX_UPLOAD_BYTES:
            raise RequestTooLarge() from None
        raise _quota_exceeded() from None
    body = stored.metadata()
    draft.response = body
    return json_response(body, _headers(state))


def _cursor(seq: int) -> str:
    return _CURSOR_PREFIX + base64.urlsafe_b64encode(f"seq:{seq}".encode()).decode().rstrip("=")


def _after_cursor(raw: str) -> int:
    """The upload number a `page` cursor continues below."""
    text = raw.removeprefix(_CURSOR_PREFIX)
    try:
        decoded = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        kind, _, number = decoded.partition(":")
        if raw.startswith(_CURSOR_PREFIX) and kind == "seq":
            return int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    # Wording unverified: the API's answer to a cursor it did not issue.
    raise InvalidRequest(f"page: Invalid page cursor: {raw}")


async def list_files(request: web.Request, state: ServerState, draft: Draft) -> web.StreamResponse:
    ctx = check_headers(request.headers, state.config, draft.request_id)
    query = request.query
    # The SDK sends lists with brackets (`ids[]=a&ids[]=b`); plain repeats are taken too.
    wanted = query.getall("ids[]", []) + query.getall("ids", [])
    mine = state.files.newest_first(ctx.api_key)
    scope = query.get("scope_id")
    if scope is not None:
        # Only files a session made carry a scope, and the mock runs no sessions.
        mine = iter(())
    if wanted:
        if "page" in query or "limit" in query:
            # Wording unverified; the exclusivity is the SDK's documented contract.
            raise InvalidRequest("ids: cannot be combined with `page` or `limit`")
        unique = set(wanted)
        if len(unique) > _MAX_IDS:
            raise InvalidRequest(f"ids: List should have at most {_MAX_IDS} items after validation")
        page = [f for f in mine if f.id in unique]
        next_page = None
    else:
        limit = page_limit(query.get("limit"))
        below = _after_cursor(query["page"]) if "page" in query else None
        later = [f for f in mine if below is None or f.seq < below]
        page = later[:limit]
        next_page = _cursor(page[-1].seq) if len(later) > limit else None
    body = {"data": [f.metadata() for f in page], "next_page": next_page}
    draft.response = body
    return json_response(body, _headers(state))


def _owned(request: web.Request, state: ServerState, draft: Draft) -> StoredFile:
    ctx = check_headers(request.headers, state.config, draft.request_id)
    file_id = request.match_info["file_id"]
    found = state.files.get(ctx.api_key, file_id)
    if found is None:
        raise file_not_found(file_id)
    return found


async def file_metadata(
    request: web.Request, state: ServerState, draft: Draft
) -> web.StreamResponse:
    body = _owned(request, state, draft).metadata()
    draft.response = body
    return json_response(body, _headers(state))


async def download_file(
    request: web.Request, state: ServerState, draft: Draft
) -> web.StreamResponse:
    found = _owned(request, state, draft)
    if not found.downloadable:
        # Status and error_code are the SDK's (FileNotDownloadableError); wording a guess.
        raise ApiError.of(
            400,
            f"File {found.id} is not downloadable: only files a tool created can be downloaded",
            details={"error_code": "file_not_downloadable"},
        )
    if found.content is None:
        raise file_expired(found.id)
    return web.Response(body=found.content, content_type=found.mime_type, headers=_headers(state))


async def delete_file(request: web.Request, state: ServerState, draft: Draft) -> web.StreamResponse:
    found = _owned(request, state, draft)
    state.files.delete(found.api_key, found.id)
    body = {"id": found.id, "type": "file_deleted"}
    draft.response = body
    return json_response(body, _headers(state))
