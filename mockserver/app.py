"""create_app(): the route table and the wiring; nothing else."""

from __future__ import annotations

from aiohttp import web

from .admin.routes import AdminWrap, Handler, add_admin_routes, admin_route, is_admin_path
from .batches.routes import add_batch_routes
from .config import Config
from .draft import Draft
from .files.routes import delete_file, download_file, file_metadata, list_files, upload_file
from .http.models_api import get_model
from .keys import STATE
from .messages.envelope import api_route
from .messages.handlers import count_tokens, create_message
from .openai.errors import envelope as openai_envelope
from .openai.handler import chat_completions
from .openai.models import list_models_either
from .recording.setup import recorder_for
from .scripting.watcher import watch_scenarios
from .state import ServerState
from .streaming.render import end_streams_on_shutdown


async def root(request: web.Request, state: ServerState, draft: Draft) -> web.StreamResponse:
    # Claude Code sends `HEAD /` to pre-connect before its first call.
    return web.json_response({"service": "mockserver", "status": "ok"})


async def unrouted(request: web.Request, *_: object) -> web.StreamResponse:
    """What no other route takes: the 405 aiohttp's router gives a path routed for other
    methods, else its 404 (raised, for the route's wrapper to answer in its own form)."""
    here = request.match_info.route.resource
    allowed: set[str] = set()
    for resource in request.app.router.resources():
        if resource is not here:
            allowed |= (await resource.resolve(request))[1]
    if allowed:
        raise web.HTTPMethodNotAllowed(request.method, allowed)
    raise web.HTTPNotFound()


def fallback(state: ServerState) -> Handler:
    """The catch-all route's handler: the admin API answers its own 404/405 in its plain
    JSON, unjournaled; any other path in the API's envelope."""
    api, admin = api_route(state, unrouted), admin_route(unrouted)

    async def answer(request: web.Request) -> web.StreamResponse:
        return await (admin if is_admin_path(request.path) else api)(request)

    return answer


async def _close_upstreams(app: web.Application) -> None:
    """Proxy mode: the connections to the upstream close with the server."""
    state = app[STATE]
    for recorder in {id(r): r for r in (state.recorder, state.base_recorder) if r}.values():
        await recorder.close()


def create_app(
    config: Config, state: ServerState | None = None, *, admin: AdminWrap | None = None
) -> web.Application:
    """The server's app; `admin` stands in front of each admin route (workers/: the
    fan-out to every worker)."""
    # aiohttp's own limit would answer oversized bodies itself; one byte more than ours
    # lets our 413 (in the API's edge shape) answer instead.
    app = web.Application(client_max_size=config.max_body_bytes + 1)
    app[STATE] = state = state or ServerState(config)
    if (config.upstream is not None or config.record is not None) and state.recorder is None:
        state.recorder = state.base_recorder = recorder_for(
            state,
            config.record,
            mode=config.record_mode,
            upstream=config.upstream,
            redaction=config.redaction,
            violations=config.upstream_violations,
            for_test=False,
        )
    # `?beta=true` (older SDKs' beta calls) is a query string: routing ignores it.
    app.router.add_get("/", api_route(state, root))
    app.router.add_post("/v1/messages", api_route(state, create_message))
    app.router.add_post("/v1/messages/count_tokens", api_route(state, count_tokens))
    add_batch_routes(app.router, state)
    app.router.add_post("/v1/chat/completions", api_route(state, chat_completions, openai_envelope))
    app.router.add_get("/v1/models", api_route(state, list_models_either))
    app.router.add_get("/v1/models/{model_id}", api_route(state, get_model))
    app.router.add_post("/v1/files", api_route(state, upload_file))
    app.router.add_get("/v1/files", api_route(state, list_files))
    app.router.add_get("/v1/files/{file_id}", api_route(state, file_metadata))
    app.router.add_delete("/v1/files/{file_id}", api_route(state, delete_file))
    app.router.add_get("/v1/files/{file_id}/content", api_route(state, download_file))
    add_admin_routes(app.router, wrap=admin)
    # Last, so every other route is tried first.
    app.router.add_route("*", "/{tail:.*}", fallback(state))
    end_streams_on_shutdown(app)
    app.on_cleanup.append(_close_upstreams)
    if config.watch:
        app.cleanup_ctx.append(watch_scenarios)
    return app
