"""An OpenAI chat completion request → the Messages request the pipeline answers.

Only the shape is converted here; what the converted request then gets wrong (an unknown
model, a bad tool schema, max_tokens too large) the Messages stages find and word.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import BadParam
from .messages import convert_messages

# When neither max_tokens nor max_completion_tokens is given. A guess: the compatibility
# layer makes the field optional without saying which default it applies.
DEFAULT_MAX_TOKENS = 4096

# Every other field is accepted and ignored: those the compatibility layer documents so
# (logprobs, logit_bias, presence/frequency_penalty, seed, store, metadata, service_tier,
# audio, modalities, prediction, reasoning_effort, ...) and the SDK's newer ones alike.
# stream_options is read when the answer is rendered.


def to_messages_request(body: dict[str, Any]) -> dict[str, Any]:
    """The Messages body for `body`; raises BadParam for what cannot be converted."""
    out: dict[str, Any] = {}
    if "model" in body:
        out["model"] = body["model"]
    system, messages = convert_messages(body.get("messages"))
    out["messages"] = messages
    if system:
        out["system"] = system
    out["max_tokens"] = _max_tokens(body)
    n = body.get("n")
    if n is not None and n != 1:
        # Wording a guess; the layer documents that only n=1 is supported.
        raise BadParam("n", "n: only 1 is supported")
    stop = body.get("stop")
    if isinstance(stop, str):
        out["stop_sequences"] = [stop]
    elif isinstance(stop, list):
        out["stop_sequences"] = stop
    elif stop is not None:
        raise BadParam("stop", "stop: expected a string or a list of strings")
    temperature = body.get("temperature")
    if isinstance(temperature, int | float) and not isinstance(temperature, bool):
        # OpenAI allows up to 2; the layer caps values above 1 at 1.
        out["temperature"] = min(temperature, 1)
    elif temperature is not None:
        out["temperature"] = temperature
    for name in ("top_p", "stream", "thinking", "top_k"):
        # thinking arrives top-level from the SDK's extra_body, as the layer documents it.
        if body.get(name) is not None:
            out[name] = body[name]
    user = body.get("user")
    if isinstance(user, str) and user:
        out["metadata"] = {"user_id": user}
    _tools(body, out)
    fmt = _output_format(body.get("response_format"))
    if fmt is not None:
        out["output_config"] = {"format": fmt}
    return out


def _max_tokens(body: Mapping[str, Any]) -> Any:
    for name in ("max_completion_tokens", "max_tokens"):
        value = body.get(name)
        if value is not None:
            return value
    return DEFAULT_MAX_TOKENS


def _tools(body: Mapping[str, Any], out: dict[str, Any]) -> None:
    tools = body.get("tools")
    functions = body.get("functions")
    defs: list[Any] = []
    if isinstance(tools, list):
        for i, tool in enumerate(tools):
            if not isinstance(tool, Mapping) or tool.get("type") != "function":
                raise BadParam(f"tools[{i}]", f"tools[{i}]: only function tools are supported")
            defs.append(_tool(tool.get("function"), f"tools[{i}].function"))
    elif tools is not None:
        raise BadParam("tools", "tools: expected a list")
    if isinstance(functions, list):
        defs += [_tool(f, f"functions[{i}]") for i, f in enumerate(functions)]
    elif functions is not None:
        raise BadParam("functions", "functions: expected a list")
    if defs:
        out["tools"] = defs
    choice = _tool_choice(body.get("tool_choice", body.get("function_call")))
    if body.get("parallel_tool_calls") is False:
        choice = {**(choice or {"type": "auto"}), "disable_parallel_tool_use": True}
    if choice is not None:
        out["tool_choice"] = choice


def _tool(function: Any, where: str) -> dict[str, Any]:
    if not isinstance(function, Mapping) or not isinstance(function.get("name"), str):
        raise BadParam(where, f"{where}: a function needs a name")
    tool: dict[str, Any] = {"name": function["name"]}
    if isinstance(function.get("description"), str):
        tool["description"] = function["description"]
    # `strict` is not carried over: the layer documents it as ignored.
    tool["input_schema"] = function.get("parameters") or {"type": "object", "properties": {}}
    return tool


def _tool_choice(choice: Any) -> dict[str, Any] | None:
    if choice is None:
        return None
    if choice in ("auto", "none"):
        return {"type": choice}
    if choice == "required":
        return {"type": "any"}
    if isinstance(choice, Mapping):
        # {"type": "function", "function": {"name"}}, or the legacy {"name"}.
        function = choice.get("function", choice)
        if isinstance(function, Mapping) and isinstance(function.get("name"), str):
            return {"type": "tool", "name": function["name"]}
    raise BadParam("tool_choice", "tool_choice: expected auto, none, required or a function")


# `json_object` asks for some JSON object, no schema: the structured-output path with a
# schema the empty object meets. A choice, not the layer's documented
# behaviour (it lists response_format as ignored, leaving JSON to the prompt); this way
# the default reply answers `{}` rather than prose a JSON-parsing client would choke on.
JSON_OBJECT_SCHEMA = {"type": "object", "additionalProperties": False}


def _output_format(fmt: Any) -> dict[str, Any] | None:
    """`json_schema` → the Messages structured-output format, `json_object` → one any
    object meets; `text` asks for nothing."""
    if fmt is None:
        return None
    kind = fmt.get("type") if isinstance(fmt, Mapping) else None
    if kind == "text":
        return None
    if kind == "json_object":
        return {"type": "json_schema", "schema": JSON_OBJECT_SCHEMA}
    if kind == "json_schema":
        spec = fmt.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, Mapping) else None
        if isinstance(schema, Mapping):
            return {"type": "json_schema", "schema": schema}
        raise BadParam("response_format", "response_format.json_schema.schema: Field required")
    raise BadParam("response_format", "response_format: expected text, json_object or json_schema")
