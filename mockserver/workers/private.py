"""A worker's private app: its own admin API, unguarded, on a Unix socket in a folder only
the server's user can enter; the workers' fan-out is its only client."""

from __future__ import annotations

from aiohttp import web

from ..admin.routes import add_admin_routes
from ..keys import STATE
from ..state import ServerState
from .fanout import UNUSED_PATH


async def _unused(request: web.Request) -> web.Response:
    """The required steps this worker's clients have not reached (its part of verify)."""
    return web.json_response({"unused": request.app[STATE].expectations.unused_steps()})


def private_app(state: ServerState) -> web.Application:
    app = web.Application(client_max_size=state.config.max_body_bytes + 1)
    app[STATE] = state
    add_admin_routes(app.router, guarded=False)
    app.router.add_get(UNUSED_PATH, _unused)
    return app
