"""GET /v1/models and /v1/models/{model_id}."""

from __future__ import annotations

from operator import attrgetter

from aiohttp import web

from ..catalog import LIFECYCLES, ModelSpec
from ..draft import Draft
from ..errors import InvalidRequest, NotFound
from ..state import ServerState
from ..streaming.render import json_response
from .headers import check_headers
from .pages import id_page

_ID = attrgetter("id")


def _lifecycles(request: web.Request) -> set[str]:
    # The SDK sends arrays with brackets: lifecycle[]=a&lifecycle[]=b.
    asked = request.query.getall("lifecycle[]", []) + request.query.getall("lifecycle", [])
    for value in asked:
        if value not in LIFECYCLES:
            raise InvalidRequest("lifecycle.0: Input should be 'active', 'deprecated' or 'retired'")
    return set(asked) or {"active", "deprecated"}


async def list_models(request: web.Request, state: ServerState, draft: Draft) -> web.StreamResponse:
    check_headers(request.headers, state.config, draft.request_id)
    wanted = _lifecycles(request)
    models = [m for m in state.catalog if m.lifecycle in wanted]
    body = id_page(models, _ID, request.query, "model", ModelSpec.info)
    draft.response = body
    return json_response(body, {"anthropic-organization-id": state.organization_id})


async def get_model(request: web.Request, state: ServerState, draft: Draft) -> web.StreamResponse:
    check_headers(request.headers, state.config, draft.request_id)
    model_id = request.match_info["model_id"]
    spec = state.catalog.get(model_id)
    if spec is None:
        raise NotFound(f"model: {model_id}")
    body = spec.info()
    draft.response = body
    return json_response(body, {"anthropic-organization-id": state.organization_id})
