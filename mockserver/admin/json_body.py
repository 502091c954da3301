"""An admin request's JSON body, parsed without letting deep nesting escape as a 500.

aiohttp's `request.json()` uses the stdlib parser, which recurses: a body nested ~1,000
levels deep raised RecursionError, answered as a 500. The stdlib parser is kept (it takes
`NaN`, which the clock route answers with its own wording), its RecursionError turned into
the ValueError every admin route answers as a 400.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web


async def read_json(request: web.Request) -> Any:
    """The body, parsed; ValueError if it is not JSON (or is nested too deep)."""
    text = await request.text()
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deep") from None
