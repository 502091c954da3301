"""An exchange as the scenario that would answer its request as it was answered.

The step matches on the model and the last user text (or, for a turn that only sends tool
results, on those tools' results), and replies with the recorded content. What the server
mints (ids, signatures, encrypted fields) is left out: a fresh server mints its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from ..report.exchange_summary import model_of
from ..report.journal import Exchange

# Filled in by the server when a scenario's block leaves them out.
_MINTED = frozenset({"id", "signature", "encrypted_content", "encrypted_index", "tool_use_id"})


class NotScriptable(ValueError):
    """The exchange has nothing a scenario step could reply with."""


def _block(block: Mapping[str, Any]) -> dict[str, Any]:
    kept = {k: v for k, v in block.items() if k not in _MINTED}
    if kept.get("type") == "text" and not kept.get("citations"):
        kept.pop("citations", None)
    if kept.get("type") == "tool_use":
        kept.pop("caller", None)
    return kept


def _tool_names(exchange: Exchange) -> list[str]:
    """The tools whose results the request's final user message sends back."""
    ids = {r.get("tool_use_id") for r in exchange.tool_results}
    body = exchange.body
    names: list[str] = []
    for message in body.get("messages", []) if isinstance(body, Mapping) else []:
        content = message.get("content") if isinstance(message, Mapping) else None
        for block in content if isinstance(content, list) else []:
            if (
                isinstance(block, Mapping)
                and block.get("type") == "tool_use"
                and block.get("id") in ids
                and block.get("name") not in names
            ):
                names.append(str(block.get("name")))
    return names


def _match(exchange: Exchange) -> dict[str, Any]:
    match: dict[str, Any] = {}
    model = model_of(exchange)
    if model is not None:
        match["model"] = model
    text = exchange.last_user_text
    if text:
        match["last_user_text"] = {"equals": text}
    elif exchange.tool_results:
        names = _tool_names(exchange)
        match["tool_result"] = names[0] if len(names) == 1 else True
    return match


def _reply(exchange: Exchange) -> dict[str, Any]:
    message = exchange.message
    if message is not None:
        reply: dict[str, Any] = {"content": [_block(b) for b in message.get("content", [])]}
        if message.get("stop_reason") not in (None, "end_turn", "tool_use"):
            # end_turn and tool_use follow from the content; the others must be pinned.
            reply["stop_reason"] = message["stop_reason"]
        return reply
    error = exchange.error
    if error is not None and exchange.step is not None:
        return {
            "error": {
                "status": exchange.status,
                "type": error.get("type"),
                "message": error.get("message"),
            }
        }
    raise NotScriptable(
        "only a Message reply, or an error a scenario scripted, can be copied as a step"
    )


def scenario_yaml(exchange: Exchange) -> str:
    """A scenario file with one step answering `exchange`'s request as it was answered."""
    if exchange.api != "anthropic" or not exchange.is_message_call:
        raise NotScriptable("only POST /v1/messages exchanges can be copied as a step")
    step = {"name": exchange.request_id, "match": _match(exchange), "reply": _reply(exchange)}
    scenario = {"version": 1, "name": f"recorded {exchange.request_id}", "steps": [step]}
    return yaml.safe_dump(scenario, sort_keys=False, allow_unicode=True, width=100)
