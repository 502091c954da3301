"""Every response the server sent, checked against the response schemas in schemas/."""

from __future__ import annotations

from collections.abc import Iterable

from mockserver.contract.validation import ResponseValidator
from mockserver.report.journal import Exchange

_VALIDATOR = ResponseValidator()


def _problems(exchange: Exchange) -> list[str]:
    path, body = exchange.path, exchange.response
    if not path.startswith("/v1/") or body is None:
        return []
    if exchange.api == "openai" or (isinstance(body, dict) and body.get("object") == "list"):
        # OpenAI's shapes: the openai SDK's own types check them in test_openai_*.py.
        return []
    if exchange.status >= 400:
        return _VALIDATOR.error(body)
    beta = bool(exchange.headers.get("anthropic-beta"))
    if path == "/v1/messages":
        if exchange.streamed:
            return [
                f"{name}: {p}" for name, data in body for p in _VALIDATOR.event(data, beta=beta)
            ]
        return _VALIDATOR.message(body, beta=beta)
    if path == "/v1/messages/count_tokens":
        return _VALIDATOR.count_tokens(body)
    if path == "/v1/models":
        return _VALIDATOR.models_page(body)
    if path.startswith("/v1/models/"):
        return _VALIDATOR.model(body)
    return []


def assert_responses_valid(exchanges: Iterable[Exchange]) -> None:
    failures = [
        f"{e.method} {e.path} → {e.status}: {problem}"
        for e in exchanges
        for problem in _problems(e)
    ]
    assert not failures, "responses that break the API's response schemas:\n" + "\n".join(
        failures[:20]
    )
