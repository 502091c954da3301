"""Shared helpers for the semantic-rule tests: models, contexts, media, signed replies."""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from mockserver.catalog import Catalog, ModelSpec
from mockserver.contract.context import VERSION_2026, RequestContext
from mockserver.contract.rules_request import Kind
from mockserver.contract.semantics import check_semantics
from mockserver.contract.validation import RequestValidator
from mockserver.errors import Problem
from mockserver.signing.signer import Signer

CATALOG = Catalog.load()
SIGNER = Signer.from_seed("rule tests")
SCHEMAS = RequestValidator()
DEFAULT_MODEL = "claude-sonnet-4-6"
WEATHER = {
    "name": "get_weather",
    "description": "Weather for a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
}


def model(model_id: str, **flags: Any) -> ModelSpec:
    spec = CATALOG.get(model_id)
    assert spec is not None, model_id
    if not flags:
        return spec
    return replace(spec, **flags)


def context(version: str = VERSION_2026, betas: Iterable[str] = ()) -> RequestContext:
    return RequestContext(
        request_id="req_test",
        api_key="sk-test",
        version=version,
        betas=frozenset(betas),
        headers={},
    )


def problems(
    body: Mapping[str, Any],
    *,
    model_spec: ModelSpec | str | None = DEFAULT_MODEL,
    version: str = VERSION_2026,
    betas: Iterable[str] = (),
    kind: Kind = "messages",
    signer: Signer = SIGNER,
) -> list[Problem]:
    spec = model(model_spec) if isinstance(model_spec, str) else model_spec
    return check_semantics(kind, body, context(version, betas), spec, signer)


def schema_problems(
    body: dict[str, Any],
    *,
    version: str = VERSION_2026,
    betas: Iterable[str] = (),
    kind: Kind = "messages",
) -> list[str]:
    """What the schema stage (before the rules) says of a body: the rules see only
    bodies that pass it."""
    return [p.message for p in SCHEMAS.check(kind, body, context(version, betas))]


def messages_of(found: list[Problem]) -> list[str]:
    return [p.message for p in found]


def request(*messages: Mapping[str, Any], **params: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"model": DEFAULT_MODEL, "max_tokens": 1024, "messages": list(messages)}
    body.update(params)
    return body


def user(content: Any) -> dict[str, Any]:
    return {"role": "user", "content": content}


def assistant(content: Any) -> dict[str, Any]:
    return {"role": "assistant", "content": content}


def text(value: str, **extra: Any) -> dict[str, Any]:
    return {"type": "text", "text": value, **extra}


def tool_use(tool_id: str, name: str = "get_weather", **input_: Any) -> dict[str, Any]:
    return {"type": "tool_use", "id": tool_id, "name": name, "input": input_}


def tool_result(tool_id: str, content: Any = "ok", **extra: Any) -> dict[str, Any]:
    return {"type": "tool_result", "tool_use_id": tool_id, "content": content, **extra}


def reply(
    body: Mapping[str, Any], *blocks: Mapping[str, Any], signer: Signer = SIGNER
) -> dict[str, Any]:
    """The assistant message a client sends back after this reply to `body`.

    Blocks are shaped as the API returns them (null citations, tool `caller`), with
    signatures minted the way the server mints them.
    """
    session = signer.session(body)
    content: list[dict[str, Any]] = []
    for block in blocks:
        out = dict(block)
        if out["type"] == "thinking":
            out["signature"] = session.thinking(out["thinking"])
        elif out["type"] == "redacted_thinking":
            out["data"] = session.redacted("hidden")
        elif out["type"] == "text":
            out.setdefault("citations", None)
        elif out["type"] == "tool_use":
            out.setdefault("caller", {"type": "direct"})
        content.append(out)
    return assistant(content)


def thinking(value: str = "Let me think.") -> dict[str, Any]:
    return {"type": "thinking", "thinking": value}


def png(width: int, height: int) -> bytes:
    """A PNG whose header gives these dimensions (the pixel data is not needed)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = (
        struct.pack(">I", len(ihdr))
        + b"IHDR"
        + ihdr
        + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    )
    return b"\x89PNG\r\n\x1a\n" + chunk


def jpeg(width: int, height: int) -> bytes:
    frame = struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + b"\xff\xc0" + struct.pack(">H", len(frame) + 2) + frame + b"\xff\xd9"


def image(data: bytes, media_type: str = "image/png", **extra: Any) -> dict[str, Any]:
    encoded = base64.b64encode(data).decode()
    source = {"type": "base64", "media_type": media_type, "data": encoded}
    return {"type": "image", "source": source, **extra}


@dataclass
class Case:
    """An invalid request and the API's first message for it."""

    id: str
    body: dict[str, Any]
    message: str
    options: dict[str, Any] = field(default_factory=dict)


def check_case(case: Case) -> None:
    """The body passes the schema stage, then fails the rules with exactly this message."""
    schema_options = {k: v for k, v in case.options.items() if k in ("version", "betas")}
    assert schema_problems(case.body, **schema_options) == []
    found = messages_of(problems(case.body, **case.options))
    assert found, "expected a problem"
    assert found[0] == case.message
