"""Stage 2's wait for a body that has not all arrived with the headers: bounded in time,
and every way it can fail on the wire answered (or journaled) instead of raised as a bug."""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.web_protocol import RequestPayloadError

from ..errors import ClientGone, RequestTimeout, UndecodableBody


async def read_body(request: web.Request, timeout: float) -> bytes:
    try:
        async with asyncio.timeout(timeout):
            return await request.read()
    except TimeoutError:
        raise RequestTimeout() from None
    except RequestPayloadError:
        raise undecodable(request) from None
    except ConnectionResetError:
        raise ClientGone() from None


def undecodable(request: web.Request) -> UndecodableBody:
    """aiohttp decodes gzip and deflate itself; a body that fails to decode gets this.

    Wording unverified: no public report quotes the API's answer to a corrupt body.
    """
    encoding = request.headers.get("content-encoding", "")
    return UndecodableBody(
        f"The request body could not be decoded with its content-encoding ({encoding})"
    )
