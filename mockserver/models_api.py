"""GET /v1/models and /v1/models/{model_id}."""

from __future__ import annotations

from aiohttp import web

from .catalog import LIFECYCLES, ModelSpec
from .errors import InvalidRequest, NotFound
from .headers import check_headers
from .keys import Draft
from .render import json_response
from .state import ServerState


def page_limit(raw: str | None) -> int:
    """A list endpoint's `limit` query: 1..1000, 20 when absent."""
    if raw is None:
        return 20
    try:
        limit = int(raw)
    except ValueError:
        raise InvalidRequest(
            "limit: Input should be a valid integer, unable to parse string as an integer"
        ) from None
    if limit < 1:
        raise InvalidRequest("limit: Input should be greater than or equal to 1")
    if limit > 1000:
        raise InvalidRequest("limit: Input should be less than or equal to 1000")
    return limit


def _lifecycles(request: web.Request) -> set[str]:
    # The SDK sends arrays with brackets: lifecycle[]=a&lifecycle[]=b.
    asked = request.query.getall("lifecycle[]", []) + request.query.getall("lifecycle", [])
    for value in asked:
        if value not in LIFECYCLES:
            raise InvalidRequest("lifecycle.0: Input should be 'active', 'deprecated' or 'retired'")
    return set(asked) or {"active", "deprecated"}


def _index_of(models: list[ModelSpec], cursor: str, name: str) -> int:
    for i, model in enumerate(models):
        if model.id == cursor:
            return i
    # Wording unverified: the API's answer to an unknown cursor is not documented.
    raise InvalidRequest(f"{name}: no model with id {cursor!r} in this list")


async def list_models(request: web.Request, state: ServerState, draft: Draft) -> web.StreamResponse:
    check_headers(request.headers, state.config, draft.request_id)
    limit = page_limit(request.query.get("limit"))
    wanted = _lifecycles(request)
    models = [m for m in state.catalog if m.lifecycle in wanted]
    before, after = request.query.get("before_id"), request.query.get("after_id")
    if before and after:
        raise InvalidRequest("before_id and after_id cannot both be set")
    if after:
        start = _index_of(models, after, "after_id") + 1
        page = models[start : start + limit]
        has_more = start + limit < len(models)
    elif before:
        end = _index_of(models, before, "before_id")
        page = models[max(0, end - limit) : end]
        has_more = end - limit > 0
    else:
        page = models[:limit]
        has_more = limit < len(models)
    body = {
        "data": [m.info() for m in page],
        "has_more": has_more,
        "first_id": page[0].id if page else None,
        "last_id": page[-1].id if page else None,
    }
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
