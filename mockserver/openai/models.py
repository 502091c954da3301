"""GET /v1/models for an OpenAI client: OpenAI's list shape over the same catalog."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from ..draft import Draft
from ..http.models_api import list_models
from ..state import ServerState
from ..streaming.render import json_response
from .headers import check_openai_headers


def is_openai_client(request: web.Request) -> bool:
    """The OpenAI SDK sends a Bearer key and no `anthropic-version`; the Anthropic SDKs
    always send the version, so the two are told apart without guessing."""
    headers = request.headers
    return "anthropic-version" not in headers and headers.get(
        "authorization", ""
    ).lower().startswith("bearer ")


def _epoch(created_at: str) -> int:
    return int(datetime.fromisoformat(created_at.replace("Z", "+00:00")).timestamp())


async def list_models_either(
    request: web.Request, state: ServerState, draft: Draft
) -> web.StreamResponse:
    """The Anthropic page for Anthropic clients, OpenAI's `{"object": "list"}` otherwise."""
    if not is_openai_client(request):
        return await list_models(request, state, draft)
    check_openai_headers(request.headers, state.config, draft.request_id)
    models = [m for m in state.catalog if m.lifecycle != "retired"]
    body = {
        "object": "list",
        "data": [
            {
                "id": m.id,
                "object": "model",
                "created": _epoch(m.created_at),
                "owned_by": "anthropic",
            }
            for m in models
        ],
    }
    draft.response = body
    return json_response(body, {"anthropic-organization-id": state.organization_id})
