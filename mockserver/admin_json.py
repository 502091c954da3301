"""An admin request's JSON body, read with the parser the API routes use.

aiohttp's `request.json()` uses the stdlib parser, which recurses: a body nested ~1,000
levels deep raised RecursionError, answered as a 500. orjson refuses nesting past 1,024
levels with a JSONDecodeError (a ValueError, which every admin route answers as a 400),
and parses on no Python stack.
"""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web


async def read_json(request: web.Request) -> Any:
    """The body, parsed; ValueError if it is not JSON (or is nested too deep)."""
    return orjson.loads(await request.read())
