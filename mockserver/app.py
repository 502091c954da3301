"""create_app(): the route table and the wiring; nothing else."""

from __future__ import annotations

from aiohttp import web

from .admin import add_admin_routes
from .config import Config
from .handlers import count_tokens, create_message
from .keys import STATE
from .middleware import api_middleware
from .models_api import get_model, list_models
from .render import end_streams_on_shutdown
from .state import ServerState
from .watcher import watch_scenarios


async def root(request: web.Request) -> web.StreamResponse:
    # Claude Code sends `HEAD /` to pre-connect before its first call.
    return web.json_response({"service": "mockserver", "status": "ok"})


def create_app(config: Config, state: ServerState | None = None) -> web.Application:
    # aiohttp's own limit would answer oversized bodies itself; one byte more than ours
    # lets our 413 (in the API's edge shape) answer instead.
    app = web.Application(middlewares=[api_middleware], client_max_size=config.max_body_bytes + 1)
    app[STATE] = state or ServerState(config)
    # `?beta=true` (older SDKs' beta calls) is a query string: routing ignores it.
    app.router.add_get("/", root)
    app.router.add_post("/v1/messages", create_message)
    app.router.add_post("/v1/messages/count_tokens", count_tokens)
    app.router.add_get("/v1/models", list_models)
    app.router.add_get("/v1/models/{model_id}", get_model)
    add_admin_routes(app.router)
    end_streams_on_shutdown(app)
    if config.watch:
        app.cleanup_ctx.append(watch_scenarios)
    return app
