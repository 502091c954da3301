"""Helpers for the per-model fact tests: the catalog's rows and one call that keeps the answer."""

from __future__ import annotations

from typing import Any

import anthropic

from mockserver.catalog import Catalog, ModelSpec

CATALOG = Catalog.load()
# The models a request may name (a retired model is refused unless kept on purpose).
SERVED = [m for m in CATALOG if m.served]
HI = [{"role": "user", "content": "Hi"}]


def ids(models: list[ModelSpec]) -> list[str]:
    return [m.id for m in models]


def model(model_id: str) -> ModelSpec:
    spec = CATALOG.get(model_id)
    assert spec is not None, model_id
    return spec


def send(create: Any, **params: Any) -> tuple[int, dict[str, Any]]:
    """The status and JSON body the server answered a call with (the SDK raises on a 4xx;
    its exception class and wording differ between SDK releases, the body does not)."""
    params.setdefault("max_tokens", 64)
    params.setdefault("messages", HI)
    try:
        # A None leaves a default out (count_tokens takes no max_tokens).
        message = create(**{k: v for k, v in params.items() if v is not None})
    except anthropic.APIStatusError as exc:
        body = exc.body if isinstance(exc.body, dict) else {"unparsed": exc.body}
        return exc.status_code, body
    return 200, message.model_dump(mode="json")


def error_message(body: dict[str, Any]) -> str:
    assert body["type"] == "error", body
    message: str = body["error"]["message"]
    return message
