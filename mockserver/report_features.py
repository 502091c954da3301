"""Which API features one exchange used: the raw material of the contract report.

Pure functions over the journal's plain data. Each category maps to the set of values
the exchange used (e.g. ``thinking: {"adaptive"}``); the report counts requests per value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .journal import Exchange

# The report's categories, in the order it lists them.
CATEGORIES: tuple[str, ...] = (
    "models",
    "api_versions",
    "betas",
    "auth",
    "clients",
    "sdk_helpers",
    "params",
    "streaming",
    "roles",
    "request_blocks",
    "reply_blocks",
    "tools",
    "tool_choice",
    "thinking",
    "effort",
    "structured_output",
    "caching",
    "context_management",
    "stop_reasons",
)

_BODY_PATHS = frozenset({"/v1/messages", "/v1/messages/count_tokens"})
_UA_LIMIT = 60

Features = dict[str, set[str]]


# Bodies are parsed JSON: plain dicts and lists (checked as such, the cheaper test).
def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _objects(value: Any) -> list[dict[str, Any]]:
    """The objects in a list (content blocks, messages, tools); none for anything else."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _kind(item: Mapping[str, Any], default: str = "?") -> str:
    kind = item.get("type")
    return kind if isinstance(kind, str) else default


def _header_features(headers: Mapping[str, str], found: Features) -> None:
    if version := headers.get("anthropic-version"):
        found["api_versions"].add(version)
    betas = headers.get("anthropic-beta", "")
    found["betas"].update(b.strip() for b in betas.split(",") if b.strip())
    # The API reads x-api-key first when both are sent.
    if headers.get("x-api-key"):
        found["auth"].add("x-api-key")
    elif headers.get("authorization", "").lower().startswith("bearer "):
        found["auth"].add("bearer")
    else:
        found["auth"].add("none")
    found["clients"].add(client_of(headers))
    helpers = headers.get("x-stainless-helper", "")
    found["sdk_helpers"].update(h.strip() for h in helpers.split(",") if h.strip())


def client_of(headers: Mapping[str, str]) -> str:
    """The SDK and its version (Stainless headers), else the user agent, shortened."""
    lang = headers.get("x-stainless-lang")
    if lang:
        return f"{lang} {headers.get('x-stainless-package-version', '?')}"
    agent = " ".join(headers.get("user-agent", "").split())
    if not agent:
        return "unknown"
    return agent if len(agent) <= _UA_LIMIT else agent[: _UA_LIMIT - 3] + "..."


def _content_features(body: Mapping[str, Any], found: Features) -> None:
    """Roles, block types and cache breakpoints, in one walk over the request's parts."""
    kinds = found["request_blocks"]
    marked = [*_objects(body.get("tools")), *_objects(body.get("system"))]
    for message in _objects(body.get("messages")):
        if isinstance(role := message.get("role"), str):
            found["roles"].add(role)
        content = message.get("content")
        if isinstance(content, str):
            kinds.add("text (string content)")
        for block in _objects(content):
            kind = _kind(block)
            kinds.add(kind)
            marked.append(block)
            # What clients put inside tool results (images, documents) matters to parsers.
            if kind == "tool_result":
                inner = _objects(block.get("content"))
                kinds.update(f"tool_result/{_kind(b)}" for b in inner)
                marked += inner
    marks = [m for part in marked if isinstance(m := part.get("cache_control"), dict)]
    if marks:
        found["caching"].add("cache_control on blocks")
        found["caching"].update(f"ttl {mark.get('ttl', '5m')}" for mark in marks)


def _setting_features(body: Mapping[str, Any], found: Features, *, create: bool) -> None:
    found["params"].update(str(key) for key in body)
    if create:
        found["streaming"].add("stream" if body.get("stream") is True else "no stream")
    found["tools"].update(_kind(t, default="custom (no type)") for t in _objects(body.get("tools")))
    if choice := _mapping(body.get("tool_choice")):
        found["tool_choice"].add(_kind(choice))
    if thinking := _mapping(body.get("thinking")):
        found["thinking"].add(_kind(thinking))
        if isinstance(display := thinking.get("display"), str):
            found["thinking"].add(f"display {display}")
    output = _mapping(body.get("output_config"))
    if isinstance(effort := output.get("effort"), str):
        found["effort"].add(effort)
    if fmt := _mapping(output.get("format")):
        found["structured_output"].add(f"output_config.format {_kind(fmt)}")
    if legacy := _mapping(body.get("output_format")):
        found["structured_output"].add(f"output_format {_kind(legacy)} (legacy)")
    if isinstance(body.get("cache_control"), dict):
        found["caching"].add("automatic (top-level cache_control)")
    edits = _objects(_mapping(body.get("context_management")).get("edits"))
    found["context_management"].update(_kind(edit) for edit in edits)


def _reply_features(exchange: Exchange, found: Features) -> None:
    if exchange.streamed and isinstance(exchange.response, list):
        # The events' heads say it all: cheaper than rebuilding the message from deltas.
        for name, data in exchange.response:
            if name == "content_block_start":
                found["reply_blocks"].add(_kind(_mapping(data.get("content_block"))))
            elif name == "message_delta":
                stop = _mapping(data.get("delta")).get("stop_reason")
                found["stop_reasons"].update([stop] if isinstance(stop, str) else [])
        return
    message = exchange.message
    if message is None:
        return
    found["reply_blocks"].update(_kind(block) for block in _objects(message.get("content")))
    if isinstance(stop := message.get("stop_reason"), str):
        found["stop_reasons"].add(stop)


def exchange_features(exchange: Exchange) -> Features:
    """The features this exchange used, by category (every category present)."""
    found: Features = {category: set() for category in CATEGORIES}
    if not exchange.path.startswith("/v1/"):
        return found
    _header_features(exchange.headers, found)
    body = exchange.body
    if exchange.path in _BODY_PATHS and isinstance(body, Mapping):
        if isinstance(model := body.get("model"), str):
            found["models"].add(model)
        _setting_features(body, found, create=exchange.path == "/v1/messages")
        _content_features(body, found)
        _reply_features(exchange, found)
    return found
