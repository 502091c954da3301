"""OpenAI `messages` → the Messages API's `system` and alternating `messages`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .errors import BadParam


def convert_messages(raw: Any) -> tuple[str, list[dict[str, Any]]]:
    """The joined system prompt and the conversation; consecutive turns of one role are
    merged into one message (several `tool` answers become one user turn of tool_results)."""
    if not isinstance(raw, list):
        raise BadParam("messages", "messages: expected a list of messages")
    system: list[str] = []
    out: list[dict[str, Any]] = []
    # Legacy function calls carry no id: each assistant `function_call` is given one, and
    # a `function` message answers the latest unanswered call of its name.
    pending: dict[str, str] = {}
    for i, message in enumerate(raw):
        where = f"messages[{i}]"
        if not isinstance(message, Mapping):
            raise BadParam(where, f"{where}: expected an object")
        role = message.get("role")
        content = message.get("content")
        if role in ("system", "developer"):
            # Hoisted to the system prompt wherever they stand, as the layer documents.
            system.append(_text(content, where))
            continue
        if role == "user":
            blocks = _user_blocks(content, where)
            turn = "user"
        elif role == "assistant":
            blocks = _assistant_blocks(message, where, pending)
            turn = "assistant"
        elif role == "tool":
            blocks = [_tool_result(message, where)]
            turn = "user"
        elif role == "function":
            blocks = [_function_result(message, where, pending)]
            turn = "user"
        else:
            raise BadParam(
                f"{where}.role",
                f"{where}.role: expected system, developer, user, assistant, tool or function",
            )
        if out and out[-1]["role"] == turn:
            out[-1]["content"] += blocks
        else:
            out.append({"role": turn, "content": blocks})
    return "\n".join(s for s in system if s), out


def _text(content: Any, where: str) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            _part_text(part, f"{where}.content[{i}]") for i, part in enumerate(content)
        )
    raise BadParam(f"{where}.content", f"{where}.content: expected a string or a list of parts")


def _part_text(part: Any, where: str) -> str:
    if (
        isinstance(part, Mapping)
        and part.get("type") == "text"
        and isinstance(part.get("text"), str)
    ):
        return str(part["text"])
    raise BadParam(where, f"{where}: expected a text part")


def _user_blocks(content: Any, where: str) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if not isinstance(content, list):
        raise BadParam(f"{where}.content", f"{where}.content: expected a string or a list of parts")
    blocks = []
    for i, part in enumerate(content):
        at = f"{where}.content[{i}]"
        kind = part.get("type") if isinstance(part, Mapping) else None
        if kind == "image_url":
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, Mapping) else None
            blocks.append({"type": "image", "source": _source(url, at)})
        elif kind == "file":
            blocks.append(_document(part.get("file"), at))
        else:
            blocks.append({"type": "text", "text": _part_text(part, at)})
    return blocks


def _source(url: Any, where: str) -> dict[str, Any]:
    """A data URL becomes a base64 source, an http(s) URL a url source."""
    if isinstance(url, str) and url.startswith("data:"):
        head, _, data = url[5:].partition(",")
        media_type, _, encoding = head.partition(";")
        if encoding == "base64" and data:
            return {"type": "base64", "media_type": media_type, "data": data}
    elif isinstance(url, str) and url.startswith(("http://", "https://")):
        return {"type": "url", "url": url}
    raise BadParam(where, f"{where}: expected a base64 data URL or an http(s) URL")


def _document(file: Any, where: str) -> dict[str, Any]:
    """A `file` part with inline `file_data` (a PDF as a data URL); file ids name files
    uploaded to OpenAI, which this door cannot read."""
    data = file.get("file_data") if isinstance(file, Mapping) else None
    return {"type": "document", "source": _source(data, f"{where}.file.file_data")}


def _assistant_blocks(
    message: Mapping[str, Any], where: str, pending: dict[str, str]
) -> list[dict[str, Any]]:
    content = message.get("content")
    blocks: list[dict[str, Any]] = []
    if content is not None:
        text = _assistant_text(content) if isinstance(content, list) else _text(content, where)
        if text:
            blocks.append({"type": "text", "text": text})
    calls = message.get("tool_calls")
    if isinstance(calls, list):
        for i, call in enumerate(calls):
            blocks.append(_tool_use(call, f"{where}.tool_calls[{i}]"))
    elif calls is not None:
        raise BadParam(f"{where}.tool_calls", f"{where}.tool_calls: expected a list")
    legacy = message.get("function_call")
    if legacy is not None:
        # The id is made up here (the legacy shape has none); the index keeps it unique.
        call_id = "call_function_" + "".join(c for c in where if c.isdigit())
        block = _tool_use({"id": call_id, "function": legacy}, f"{where}.function_call")
        pending[block["name"]] = call_id
        blocks.append(block)
    if not blocks:
        # Refused here rather than as an empty Messages turn, so the error names the message.
        raise BadParam(
            f"{where}.content",
            f"{where}: an assistant message needs content, tool_calls or function_call",
        )
    return blocks


def _assistant_text(parts: list[Any]) -> str:
    # Assistant parts may be text or refusal; a refusal's words are what was said.
    texts = []
    for part in parts:
        if isinstance(part, Mapping):
            value = part.get("text", part.get("refusal"))
            if isinstance(value, str):
                texts.append(value)
    return "\n".join(texts)


def _tool_use(call: Any, where: str) -> dict[str, Any]:
    function = call.get("function") if isinstance(call, Mapping) else None
    if not isinstance(function, Mapping) or not isinstance(function.get("name"), str):
        raise BadParam(where, f"{where}: a tool call needs function.name")
    call_id = call.get("id")
    if not isinstance(call_id, str) or not call_id:
        raise BadParam(f"{where}.id", f"{where}.id: Field required")
    return {
        "type": "tool_use",
        "id": call_id,
        "name": function["name"],
        "input": _arguments(function.get("arguments"), f"{where}.function.arguments"),
    }


def _arguments(arguments: Any, where: str) -> Any:
    """A tool call's `arguments` (a JSON string) as the tool_use block's input."""
    if isinstance(arguments, Mapping):
        return dict(arguments)
    try:
        return json.loads(arguments) if isinstance(arguments, str) and arguments else {}
    except ValueError:
        raise BadParam(where, f"{where}: not valid JSON") from None


def _tool_result(message: Mapping[str, Any], where: str) -> dict[str, Any]:
    call_id = message.get("tool_call_id")
    if not isinstance(call_id, str) or not call_id:
        raise BadParam(f"{where}.tool_call_id", f"{where}.tool_call_id: Field required")
    content = message.get("content")
    text = _text(content, where) if content is not None else ""
    return {"type": "tool_result", "tool_use_id": call_id, "content": text}


def _function_result(
    message: Mapping[str, Any], where: str, pending: dict[str, str]
) -> dict[str, Any]:
    """A legacy `function` message: the result of the assistant's `function_call` of the
    same name. How the compatibility layer pairs them is a guess; it documents `tool`
    messages only."""
    name = message.get("name")
    if not isinstance(name, str) or not name:
        raise BadParam(f"{where}.name", f"{where}.name: Field required")
    call_id = pending.pop(name, None)
    if call_id is None:
        raise BadParam(where, f"{where}: no assistant function_call named {name!r} precedes it")
    content = message.get("content")
    text = _text(content, where) if content is not None else ""
    return {"type": "tool_result", "tool_use_id": call_id, "content": text}
