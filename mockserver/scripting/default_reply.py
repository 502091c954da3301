"""The reply given when no scenario answers: deterministic, and right for the client's flow.

- a forced `tool_choice` (`any` / `tool`) gets a call of that tool on every turn, as the
  API obeys it, its input generated from the tool's `input_schema`;
- tools offered under `auto` get one call per conversation: when the final user turn is
  a new request (not tool results, not only text the client's harness injected, see
  `injected_text`) and the conversation holds no tool_result yet. The tool is the one
  the user names (its exact name as a word), else the one whose name and description
  share most words with what the user said, else the first.
  Once a result is back, every later turn is answered with text — so a client's tool
  loop runs, and a loop that feeds anything else back (an agent harness's notifications)
  ends;
- thinking enabled or adaptive puts a thinking block first (the server signs it);
- a json_schema output format (`output_config.format`, or the legacy `output_format`)
  gets text that is JSON valid against that schema;
- otherwise the text greets and echoes what the user said.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from .conversation import Conversation, blocks_of
from .injected_text import user_said
from .reply import Reply
from .schema_instance import generate

GREETING = "Hello! This is mockserver, a local stand-in for the Anthropic API."
_WORD = re.compile(r"[a-z0-9]+")


def _shorten(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _words(text: str) -> set[str]:
    # Short words ("the", "get", "a") say nothing about which tool is meant.
    return {w for w in _WORD.findall(text.lower().replace("_", " ")) if len(w) > 3}


@lru_cache(maxsize=1024)
def _tool_words(name: str, description: str) -> frozenset[str]:
    # An agent sends the same tool list (Claude Code: 24 tools, ~100 KB of descriptions)
    # with every request of a session: its word sets are worked out once.
    return frozenset(_words(f"{name} {description}"))


def _named_in(said: str, tools: list[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The tool whose exact name the user wrote as a word ("Use the Read tool"), the one
    written first when several are: word overlap would favour the longest description
    (Claude Code's `Agent` over the `Read` a prompt asks for)."""
    first: tuple[int, Mapping[str, Any]] | None = None
    for tool in tools:
        name = tool.get("name")
        # Most names are not in the text at all: a substring test rules them out before
        # a pattern is made (an agent offers two dozen tools with every request).
        if not isinstance(name, str) or not name or name not in said:
            continue
        # Case kept: "read the file" does not name the `Read` tool, "Read" does.
        found = re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", said)
        if found and (first is None or found.start() < first[0]):
            first = (found.start(), tool)
    return first[1] if first else None


def pick_tool(conv: Conversation, said: str) -> Mapping[str, Any] | None:
    """The client tool the user names in what they `said` last, else the one most related
    to it by words; the first on a tie."""
    tools = conv.custom_tools
    if not tools:
        return None
    named = _named_in(said, tools)
    if named is not None:
        return named
    words = _words(said)
    scores = [
        len(words & _tool_words(str(t.get("name")), str(t.get("description", "")))) for t in tools
    ]
    return tools[scores.index(max(scores))]


def _is_new_request(conv: Conversation) -> bool:
    """The conversation ends with a user turn the user wrote: not tool results, and not
    made only of text the harness injected (an image or document counts as a request)."""
    if conv.ends_with_assistant or conv.tool_results:
        return False
    return any(
        b.get("type") != "text" or user_said(str(b.get("text", ""))) for b in conv.last_user_blocks
    )


def _holds_tool_result(conv: Conversation) -> bool:
    # From the end back: a conversation with a tool loop in it usually had one lately.
    return any(
        b.get("type") == "tool_result"
        for m in reversed(conv.messages)
        if m.get("role") == "user" and not isinstance(m.get("content"), str)
        for b in blocks_of(m.get("content"))
    )


def _tool_to_call(conv: Conversation, said: str) -> Mapping[str, Any] | None:
    choice = conv.tool_choice
    kind = choice.get("type")
    # A forced choice is obeyed every turn, as the API obeys it: a client that forces a
    # tool on each request runs a loop of its own making.
    if kind == "tool":
        tool = conv.tool_named(str(choice.get("name")))
        return tool if tool in conv.custom_tools else None
    if kind == "any":
        return pick_tool(conv, said)
    # At most one call under auto per conversation, whoever made the earlier calls: a
    # tool_use id does not say who wrote it, and a history resumed from a real session
    # (Claude Code's --continue) is where a call per turn never ended.
    if kind == "auto" and _is_new_request(conv) and not _holds_tool_result(conv):
        return pick_tool(conv, said)
    return None


def output_schema(body: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The JSON schema the reply text must follow, if the request sets one."""
    # Both are absent from most requests: `None` is ruled out before the ABC checks.
    config = body.get("output_config")
    fmt = config.get("format") if config is not None and isinstance(config, Mapping) else None
    fmt = fmt if fmt is not None and isinstance(fmt, Mapping) else body.get("output_format")
    if fmt is not None and isinstance(fmt, Mapping) and fmt.get("type") == "json_schema":
        schema = fmt.get("schema")
        return schema if isinstance(schema, Mapping) else {}
    return None


def _text(conv: Conversation, said: str) -> str:
    schema = output_schema(conv.body)
    if schema is not None:
        return json.dumps(generate(schema), ensure_ascii=False)
    if conv.tool_results:
        result = conv.tool_results[-1]
        verb = "reported an error" if result.is_error else "returned"
        return f"The {result.name or 'tool'} tool {verb}: {_shorten(result.text) or '(nothing)'}"
    said = _shorten(said)
    return f'{GREETING} You said: "{said}"' if said else GREETING


def _thinking(conv: Conversation, said: str) -> dict[str, Any]:
    thinking = conv.body.get("thinking")
    display = (
        thinking.get("display") if thinking is not None and isinstance(thinking, Mapping) else None
    )
    said = _shorten(said, 80)
    if said:
        text = f"Considering the request: {said}"
    else:
        text = (
            "Considering the tool result." if conv.tool_results else "Considering the conversation."
        )
    if display == "omitted":
        # The API sends the block with empty text then; the signature stays.
        text = ""
    return {"type": "thinking", "thinking": text}


# Fields that change what the default reply says.
_SHAPING = frozenset({"tools", "thinking", "output_config", "output_format"})


def _plain_text(body: Mapping[str, Any]) -> str | None:
    """The text for the commonest request — a final user turn that is a string, no tools,
    thinking or output format — worked out without building a Conversation; None otherwise."""
    if not _SHAPING.isdisjoint(body):
        return None
    messages = body.get("messages")
    last = messages[-1] if isinstance(messages, list) and messages else None
    if type(last) is not dict or last.get("role") != "user":
        return None
    content = last.get("content")
    # A closing tag may end text the harness injected: the general path takes that out.
    if type(content) is not str or "</" in content:
        return None
    said = _shorten(content)
    return f'{GREETING} You said: "{said}"' if said else GREETING


def default_reply(
    body: Mapping[str, Any], conv: Conversation | None = None, default_thinking: str = "disabled"
) -> Reply:
    """`conv`: the request's view, when the caller has built one already.
    `default_thinking`: the model's thinking mode when the request sets none."""
    # A model that thinks by default answers a plain request with thinking too.
    text = _plain_text(body) if default_thinking == "disabled" else None
    if text is not None:
        return Reply(content=({"type": "text", "text": text},))
    if conv is None:
        conv = Conversation(body, default_thinking=default_thinking)
    # What the user said, without the text a harness injected into their turn.
    said = conv.last_user_said
    blocks: list[dict[str, Any]] = [_thinking(conv, said)] if conv.thinking_on else []
    # Without tools there is none to call, whatever tool_choice says.
    tool = _tool_to_call(conv, said) if body.get("tools") else None
    if tool is None:
        blocks.append({"type": "text", "text": _text(conv, said)})
        return Reply(content=tuple(blocks))
    if conv.tool_choice.get("type") == "auto":
        blocks.append({"type": "text", "text": f"I'll use the {tool['name']} tool."})
    blocks.append(
        {"type": "tool_use", "name": tool["name"], "input": generate(tool.get("input_schema", {}))}
    )
    return Reply(content=tuple(blocks))
