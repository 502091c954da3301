"""Which API features one exchange used: the raw material of the contract report.

Pure functions over the journal's plain data. Each category maps to the set of values
the exchange used (e.g. ``thinking: {"adaptive"}``); the report counts requests per value.

A long-running server folds every request in, and most are alike, so an exchange is first
read into a `Signature`: the few raw values its features depend on, cheap to take and to
hash. Equal signatures mean equal features; the report counts signatures and works out the
features (`features_of`) once per distinct one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from itertools import repeat
from typing import Any

from .history import Content, History, scan_marks
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
_CUSTOM = "custom (no type)"

Features = dict[str, set[str]]
# Parsed JSON objects are dicts: the exact-type check comes first, as it costs a sixth of
# the ABC's, which still admits any other Mapping.
_MAPPING = (dict, Mapping)

# The headers features are read from. An exchange's values of them (`_MISSING` for one it
# did not send) stand for its header features in its signature.
_HEADERS = (
    "anthropic-version",
    "anthropic-beta",
    "x-api-key",
    "authorization",
    "x-stainless-lang",
    "x-stainless-package-version",
    "user-agent",
    "x-stainless-helper",
)
_MISSING = object()
_NONE: frozenset[str] = frozenset()
_NONE_SENT = tuple(repeat(_MISSING, len(_HEADERS)))
# Body fields read by `_settings`; most requests send none of them.
_SETTINGS = frozenset(
    {
        "tools",
        "tool_choice",
        "thinking",
        "output_config",
        "output_format",
        "cache_control",
        "context_management",
    }
)

# (model, params, streaming, settings as (category, value) pairs, content); see `_body`.
BodyPart = tuple[str | None, tuple[str, ...], str | None, tuple[tuple[str, str], ...], Content]
# The reply's block types and stop reasons.
ReplyPart = tuple[frozenset[str], frozenset[str]]
# None for an exchange outside /v1/ (no features); else the header values, the body's part
# (None when the path takes no body or it is not an object) and the reply's (None: none).
Signature = tuple[tuple[Any, ...], BodyPart | None, ReplyPart | None] | None


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


def _settings(body: Mapping[str, Any], tools: list[dict[str, Any]]) -> tuple[tuple[str, str], ...]:
    """The features of the body's settings (tools, thinking, output...), as pairs."""
    kinds = {k if isinstance(k := tool.get("type"), str) else _CUSTOM for tool in tools}
    found = [("tools", kind) for kind in kinds]
    if choice := _mapping(body.get("tool_choice")):
        found.append(("tool_choice", _kind(choice)))
    if thinking := _mapping(body.get("thinking")):
        found.append(("thinking", _kind(thinking)))
        if isinstance(display := thinking.get("display"), str):
            found.append(("thinking", f"display {display}"))
    output = _mapping(body.get("output_config"))
    if isinstance(effort := output.get("effort"), str):
        found.append(("effort", effort))
    if fmt := _mapping(output.get("format")):
        found.append(("structured_output", f"output_config.format {_kind(fmt)}"))
    if legacy := _mapping(body.get("output_format")):
        found.append(("structured_output", f"output_format {_kind(legacy)} (legacy)"))
    if isinstance(body.get("cache_control"), dict):
        found.append(("caching", "automatic (top-level cache_control)"))
    edits = _objects(_mapping(body.get("context_management")).get("edits"))
    found += [("context_management", _kind(edit)) for edit in edits]
    return tuple(found)


def _body(body: Mapping[str, Any], create: bool, history: History) -> BodyPart:
    model = body.get("model")
    stream = ("stream" if body.get("stream") is True else "no stream") if create else None
    tools = _objects(body.get("tools"))
    settings = () if _SETTINGS.isdisjoint(body) else _settings(body, tools)
    content = history.content(body.get("messages"))
    # Breakpoints on tools and system blocks count with those on messages.
    marked = [*tools, *_objects(body.get("system"))]
    if marked and (ttls := scan_marks(marked)):
        content = content[0], content[1], content[2] | ttls
    return (
        model if isinstance(model, str) else None,
        tuple(map(str, body)),
        stream,
        settings,
        content,
    )


def _reply(exchange: Exchange) -> ReplyPart | None:
    kinds: set[str] = set()
    stops: set[str] = set()
    response = exchange.response
    if exchange.streamed and isinstance(response, list):
        # The events' heads say it all: cheaper than rebuilding the message from deltas.
        for name, data in response:
            if name == "content_block_start":
                kinds.add(_kind(_mapping(data.get("content_block"))))
            elif name == "message_delta":
                stop = _mapping(data.get("delta")).get("stop_reason")
                if isinstance(stop, str):
                    stops.add(stop)
        return frozenset(kinds), frozenset(stops)
    # What `Exchange.message` is for a reply not streamed, without copying it.
    if not isinstance(response, _MAPPING) or response.get("type") != "message":
        return None
    if isinstance(blocks := response.get("content"), list):
        kinds = {_kind(block) for block in blocks if isinstance(block, dict)}
    stop = response.get("stop_reason")
    return frozenset(kinds), frozenset((stop,)) if isinstance(stop, str) else _NONE


def signature(exchange: Exchange, history: History) -> Signature:
    """What this exchange's features depend on (`history`: the conversations read before
    it in the same pass, whose messages it may resend)."""
    path = exchange.path
    if not path.startswith("/v1/"):
        return None
    head = tuple(map(exchange.headers.get, _HEADERS, _NONE_SENT))
    body = exchange.body
    if path not in _BODY_PATHS or not isinstance(body, _MAPPING):
        return head, None, None
    return head, _body(body, path == "/v1/messages", history), _reply(exchange)


def _head_features(head: tuple[Any, ...]) -> Features:
    found: Features = defaultdict(set)
    pairs = zip(_HEADERS, head, strict=True)
    _header_features({name: value for name, value in pairs if value is not _MISSING}, found)
    return found


def _body_features(body: BodyPart) -> Features:
    found: Features = defaultdict(set)
    model, params, stream, settings, (roles, kinds, ttls) = body
    if model is not None:
        found["models"].add(model)
    found["params"].update(params)
    if stream is not None:
        found["streaming"].add(stream)
    for category, value in settings:
        found[category].add(value)
    found["roles"].update(roles)
    found["request_blocks"].update(kinds)
    if ttls:
        found["caching"].add("cache_control on blocks")
        found["caching"].update(ttls)
    return found


def _reply_features(reply: ReplyPart) -> Features:
    return {"reply_blocks": set(reply[0]), "stop_reasons": set(reply[1])}


# How each part of a signature reads back as features (of categories no other part has).
PART_FEATURES: tuple[Callable[[Any], Features], ...] = (
    _head_features,
    _body_features,
    _reply_features,
)


def features_of(sig: Signature) -> Features:
    """The features an exchange with this signature used, by category (every one present)."""
    found: Features = {category: set() for category in CATEGORIES}
    for part, read in zip(sig or (), PART_FEATURES, strict=False):
        if part is not None:
            for category, values in read(part).items():
                found[category] |= values
    return found


def exchange_features(exchange: Exchange) -> Features:
    """The features this exchange used, by category (every category present)."""
    return features_of(signature(exchange, History()))
