"""A scripted reply made ready for one request: placeholders filled, ids minted, result
blocks linked to their server tool call, and checked against what the request offered.

The real model cannot call a tool the request did not offer, or send input its schema
rejects; a step that does is a scenario error, reported instead of served.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import jsonschema
from jsonschema.validators import validator_for
from referencing.exceptions import Unresolvable

from .. import ids
from ..errors import ScenarioError
from .conversation import Conversation
from .placeholders import PlaceholderError, fill
from .reply import Reply

SERVER_TOOL_TYPES = ("web_search_", "web_fetch_", "code_execution_", "tool_search_tool_")
# Result block → the type of its `content` when it is a result (not an error).
_RESULT_TYPES = {
    "web_search_tool_result": "web_search_result",
    "web_fetch_tool_result": "web_fetch_result",
    "code_execution_tool_result": "code_execution_result",
    "bash_code_execution_tool_result": "bash_code_execution_result",
}
# Stop reasons under which a forced tool_choice may end without a tool_use.
_CUT_SHORT = ("refusal", "max_tokens", "pause_turn", "model_context_window_exceeded")


def opaque(*parts: Any) -> str:
    """A stable stand-in for the API's encrypted fields (same input, same string)."""
    digest = hashlib.sha256(repr(parts).encode()).digest()
    return base64.b64encode(digest * 3).decode()


def _result_content(kind: str, content: Any) -> Any:
    if isinstance(content, list) and kind == "web_search_tool_result":
        return [
            {"type": "web_search_result", "page_age": None}
            | dict(r)
            | {"encrypted_content": r.get("encrypted_content") or opaque(r.get("url"))}
            for r in content
            if isinstance(r, Mapping)
        ]
    if not isinstance(content, Mapping) or kind not in _RESULT_TYPES:
        return content
    if "error_code" in content:
        return {"type": f"{kind}_error"} | dict(content)
    out = {"type": _RESULT_TYPES[kind]} | dict(content)
    if kind == "web_fetch_tool_result" and out.get("retrieved_at") is None:
        # Always a string: the AI SDK's schema refuses null. The moment of the reply is
        # what a fetch made for it would say.
        out["retrieved_at"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    elif kind != "web_search_tool_result":
        out = {"stdout": "", "stderr": "", "return_code": 0, "content": []} | out
    return out


def _citation(citation: Mapping[str, Any], titles: Mapping[str, str]) -> dict[str, Any]:
    out = dict(citation)
    if out.get("type") == "web_search_result_location":
        out.setdefault("encrypted_index", opaque(out.get("url"), out.get("cited_text")))
        if not isinstance(out.get("title"), str):
            # Always a string (the AI SDK requires one): the cited result's title, else
            # its URL (a guess at what the API shows for an untitled page).
            url = str(out.get("url", ""))
            out["title"] = titles.get(url, url)
    elif out.get("type") in ("char_location", "page_location", "content_block_location"):
        out.setdefault("document_title", None)
        out.setdefault("file_id", None)
    return out


def _titles(results: list[Mapping[str, Any]]) -> dict[str, str]:
    return {
        str(r["url"]): r["title"]
        for r in results
        if isinstance(r.get("title"), str) and r.get("url") is not None
    }


def complete(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mint ids and fill the opaque fields the API always sends.

    Thinking signatures and redacted_thinking data are left to the server's signer,
    which binds them to the conversation.
    """
    server_id: str | None = None
    # Search results' titles by URL, for the citations that quote them.
    titles: dict[str, str] = {}
    for block in blocks:
        kind = block.get("type")
        if kind == "tool_use":
            block.setdefault("id", ids.tool_use_id())
        elif kind == "server_tool_use":
            server_id = block.setdefault("id", ids.server_tool_use_id())
        elif str(kind).endswith("_tool_result"):
            if "tool_use_id" not in block and server_id is None:
                raise ValueError(f"a {kind} block needs a server_tool_use block before it")
            block.setdefault("tool_use_id", server_id)
            block["content"] = content = _result_content(str(kind), block.get("content"))
            if kind == "web_search_tool_result" and isinstance(content, list):
                titles |= _titles(content)
        elif kind == "text" and isinstance(block.get("citations"), list):
            block["citations"] = [
                _citation(c, titles) for c in block["citations"] if isinstance(c, Mapping)
            ]
    return blocks


def _input_problem(tool: Mapping[str, Any], value: Any) -> str | None:
    schema = tool.get("input_schema")
    if not isinstance(schema, Mapping):
        return None
    try:
        validator = validator_for(schema)(schema)
        error = jsonschema.exceptions.best_match(validator.iter_errors(value))
    except (jsonschema.exceptions.SchemaError, Unresolvable):
        # A broken input_schema is the request's fault, and reported as such elsewhere.
        return None
    return None if error is None else f"{error.json_path}: {error.message}"


def tool_problems(
    blocks: list[dict[str, Any]], conv: Conversation, stop_reason: str | None
) -> list[str]:
    """What the real model could not have answered, given the tools the request offers."""
    offered = ", ".join(conv.tool_names) or "none"
    choice = conv.tool_choice
    problems: list[str] = []
    uses = [b for b in blocks if b.get("type") == "tool_use"]
    for use in uses:
        name = str(use.get("name"))
        tool = conv.tool_named(name)
        if use.get("toolset_name"):
            continue
        if tool is None or str(tool.get("type", "")).startswith(SERVER_TOOL_TYPES):
            problems.append(
                f"tool_use calls {name!r}, which the request does not offer (offered: {offered})"
            )
        elif problem := _input_problem(tool, use.get("input")):
            problems.append(f"tool_use {name!r} input does not fit its input_schema: {problem}")
        if choice.get("type") == "tool" and name != choice.get("name"):
            problems.append(
                f"tool_choice forces {choice.get('name')!r}, but the reply calls {name!r}"
            )
    if uses and choice.get("type") == "none":
        problems.append("the request sets tool_choice none, so the model cannot call a tool")
    if not uses and choice.get("type") in ("any", "tool") and stop_reason not in _CUT_SHORT:
        problems.append(
            f"tool_choice {choice.get('type')} forces a tool call, but the reply has no tool_use"
        )
    for use in (b for b in blocks if b.get("type") == "server_tool_use"):
        if not conv.offers_server_tool(str(use.get("name"))):
            problems.append(
                f"server_tool_use calls {use.get('name')!r}, "
                "but the request offers no such server tool"
            )
    return problems


def replay(reply: Reply, conv: Conversation, where: str) -> Reply:
    """`reply` as served to this request; raises ScenarioError (naming `where`) if it cannot be."""
    if reply.error is not None:
        return reply
    try:
        blocks = complete([dict(fill(dict(b), conv)) for b in reply.content])
    except (PlaceholderError, ValueError) as exc:
        raise ScenarioError(str(exc), where) from None
    if problems := tool_problems(blocks, conv, reply.stop_reason):
        raise ScenarioError("; ".join(problems), where)
    return replace(reply, content=tuple(blocks))
