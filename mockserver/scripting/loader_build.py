"""Schema-checked scenario data → Scenario, Step, Reply objects (the same ones Python builds).

What the schema cannot say is checked here: matcher values (a regex that does not
compile), placeholders, shorthands that cannot be combined.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ERRORS_BY_STATUS
from .match import All, build
from .matchers import Matcher, SpecError
from .placeholders import NAMES, strings_in, unknown_names
from .reply import ErrorReply, Reply
from .scenario import Scenario, Step
from .stream_plan import Pacing, StreamFault, StreamPlan

STATUS_BY_TYPE: dict[str, int] = {}
for _status, _cls in sorted(ERRORS_BY_STATUS.items()):
    STATUS_BY_TYPE.setdefault(_cls.error_type, _status)

_SHORTHANDS = ("thinking", "text", "tool_use")


class BuildError(Exception):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def _line(node: Any, key: str | None = None) -> int | None:
    key_lines = getattr(node, "key_lines", {})
    return key_lines.get(key) if key in key_lines else getattr(node, "line", None)


def _match(node: Any, where: str) -> Matcher:
    if "match" not in node:
        return All()
    try:
        return build(node["match"])
    except SpecError as exc:
        raise BuildError(f"{where}.match.{exc}", _line(node, "match")) from None


def _error(spec: Any) -> ErrorReply:
    if isinstance(spec, int):
        return ErrorReply(spec)
    if isinstance(spec, str):
        return ErrorReply(STATUS_BY_TYPE[spec], error_type=spec)
    error_type = spec.get("type")
    status = spec.get("status") or STATUS_BY_TYPE.get(str(error_type), 500)
    headers = {str(k): str(v) for k, v in (spec.get("headers") or {}).items()}
    return ErrorReply(status, spec.get("message"), error_type, headers, spec.get("details"))


def _stream(spec: Mapping[str, Any]) -> StreamPlan:
    pacing = Pacing(**spec["pacing"]) if "pacing" in spec else None
    fault = StreamFault(**spec["fault"]) if "fault" in spec else None
    return StreamPlan(pacing=pacing, fault=fault)


def _content(spec: Mapping[str, Any], where: str, line: int | None) -> tuple[dict[str, Any], ...]:
    shorthands = [k for k in _SHORTHANDS if k in spec]
    if "content" in spec:
        if shorthands:
            raise BuildError(f"{where}: use either content blocks or {'/'.join(shorthands)}", line)
        return tuple(dict(b) for b in spec["content"])
    blocks: list[dict[str, Any]] = []
    if "thinking" in spec:
        blocks.append({"type": "thinking", "thinking": spec["thinking"]})
    if "text" in spec:
        blocks.append({"type": "text", "text": spec["text"]})
    calls = spec.get("tool_use", [])
    for call in [calls] if isinstance(calls, Mapping) else calls:
        blocks.append({"type": "tool_use", "input": {}} | dict(call))
    return tuple(blocks)


def build_reply(spec: Any, where: str, line: int | None) -> Reply:
    if isinstance(spec, str):
        spec = {"text": spec}
    content = _content(spec, where, line)
    for text in strings_in(list(content)):
        if bad := unknown_names(text):
            known = ", ".join(NAMES)
            raise BuildError(
                f"{where}: unknown placeholder {{{{ {bad[0]} }}}} (known: {known})", line
            )
    if "error" in spec and content:
        raise BuildError(f"{where}: an error reply has no content", line)
    stop_reason, stop_details = spec.get("stop_reason"), spec.get("stop_details")
    if "refusal" in spec:
        refusal = spec["refusal"] if isinstance(spec["refusal"], Mapping) else {}
        stop_reason = stop_reason or "refusal"
        stop_details = {"type": "refusal", "category": None, "explanation": None} | dict(refusal)
    try:
        stream = _stream(spec["stream"]) if "stream" in spec else StreamPlan()
    except ValueError as exc:
        raise BuildError(f"{where}.stream: {exc}", line) from None
    return Reply(
        content=content,
        stop_reason=stop_reason,
        stop_details=stop_details,
        usage=spec.get("usage"),
        error=_error(spec["error"]) if "error" in spec else None,
        delay=float(spec.get("delay", 0.0)),
        stream=stream,
    )


def build_step(node: Any, source: str, where: str) -> Step:
    return Step(
        reply=build_reply(node["reply"], f"{where}.reply", _line(node, "reply")),
        match=_match(node, where),
        name=node.get("name"),
        when_state=node.get("when_state"),
        set_state=node.get("set_state"),
        times=node.get("times", 1),
        source=source,
        line=getattr(node, "line", None),
    )


def _token(block: Mapping[str, Any]) -> Any:
    return block.get("signature" if block.get("type") == "thinking" else "data")


def _trusted(doc: Any, steps: list[Step]) -> list[Mapping[str, Any]]:
    """The reply blocks whose tokens `trusted_signatures` lists; a listed token no reply
    carries is an error (a hand edit that lost its block would otherwise pass unseen)."""
    listed = doc.get("trusted_signatures") or []
    blocks = {
        _token(b): b
        for s in steps
        for b in s.reply.content
        if b.get("type") in ("thinking", "redacted_thinking")
    }
    for i, token in enumerate(listed):
        if token not in blocks:
            line = getattr(doc.get("trusted_signatures"), "item_lines", [None] * len(listed))[i]
            raise BuildError(
                f"trusted_signatures[{i}]: no thinking or redacted_thinking block of the "
                "scenario's replies carries this token",
                line,
            )
    return [blocks[t] for t in listed]


def build_scenario(doc: Any, source: str, default_name: str) -> Scenario:
    if not any(k in doc for k in ("steps", "rules", "fallback")):
        raise BuildError("a scenario needs steps, rules or a fallback", getattr(doc, "line", None))
    steps = [build_step(n, source, f"steps[{i}]") for i, n in enumerate(doc.get("steps", []))]
    rules = [build_step(n, source, f"rules[{i}]") for i, n in enumerate(doc.get("rules", []))]
    fallback = build_step(doc["fallback"], source, "fallback") if "fallback" in doc else None
    return Scenario(
        name=doc.get("name", default_name),
        steps=steps,
        rules=rules,
        fallback=fallback,
        match=_match(doc, "scenario"),
        isolation=doc.get("isolation", "client"),
        repeat=doc.get("repeat", False),
        description=doc.get("description", ""),
        source=source,
        line=getattr(doc, "line", None),
        trusted=_trusted(doc, [*steps, *rules, *([fallback] if fallback else [])]),
    )
