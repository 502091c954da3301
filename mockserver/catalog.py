"""The model catalog: what each model accepts, from `data/models.yaml`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .resources import data_file

THINKING_TYPES = ("adaptive", "enabled", "disabled", "between_tools")
EFFORT_LEVELS = ("low", "medium", "high", "max", "xhigh")
CONTEXT_EDITS = ("clear_thinking_20251015", "clear_tool_uses_20250919", "compact_20260112")
LIFECYCLES = ("active", "deprecated", "retired")
# What a model makes of `temperature`, `top_p` and `top_k` (see data/models.yaml).
SAMPLING = ("accepted", "exclusive", "deprecated")


@dataclass(frozen=True)
class ModelSpec:
    id: str
    display_name: str
    created_at: str
    lifecycle: str
    line: str | None
    context_window: int
    max_output_tokens: int
    min_cacheable_tokens: int
    accepts_prefill: bool
    thinking_types: frozenset[str]
    # The model thinks (adaptively) when the request omits `thinking`.
    thinks_by_default: bool
    effort: tuple[str, ...]
    capabilities: Mapping[str, Any]
    # One of SAMPLING.
    sampling: str = "accepted"
    # Effort above `high` needs thinking on.
    top_effort_needs_thinking: bool = False
    # Thinking blocks are bound to the conversation they were produced in (not only signed).
    binds_thinking: bool = False
    # ... only when the request asks for it (`prefix_mismatch_behavior: error`).
    binds_thinking_on_request: bool = False
    # Whether tool_choice any/tool may force a tool call.
    forced_tool_choice: bool = True
    # Images are resized so their long edge fits this many pixels.
    max_image_side: int = 1568
    # `role: "system"` messages may appear inside `messages`.
    system_messages: bool = False
    # Input tokens plus `max_tokens` must fit `context_window`.
    max_tokens_within_context: bool = False
    # Requests naming the model are answered (False only for a retired model not kept).
    served: bool = True
    aliases: tuple[str, ...] = ()
    deprecated_at: str | None = None
    retires_at: str | None = None

    def info(self) -> dict[str, Any]:
        """The `ModelInfo` object of `/v1/models`."""
        return {
            "type": "model",
            "id": self.id,
            "display_name": self.display_name,
            "created_at": self.created_at,
            "lifecycle": self.lifecycle,
            "deprecated_at": self.deprecated_at,
            "retires_at": self.retires_at,
            "line": self.line,
            "max_input_tokens": self.context_window,
            "max_tokens": self.max_output_tokens,
            "capabilities": self.capabilities,
        }


def _supported(flag: bool) -> dict[str, bool]:
    return {"supported": flag}


def _capabilities(raw: Mapping[str, Any]) -> dict[str, Any]:
    thinking = set(raw["thinking_types"])
    effort = set(raw["effort"])
    edits = set(raw["context_management"])
    return {
        "batch": _supported(raw["batch"]),
        "citations": _supported(raw["citations"]),
        "code_execution": _supported(raw["code_execution"]),
        "image_input": _supported(raw["image_input"]),
        "pdf_input": _supported(raw["pdf_input"]),
        "structured_outputs": _supported(raw["structured_outputs"]),
        "context_management": {
            "supported": bool(edits),
            **{edit: _supported(edit in edits) for edit in CONTEXT_EDITS},
        },
        "effort": {
            "supported": bool(effort),
            **{level: _supported(level in effort) for level in EFFORT_LEVELS},
        },
        "server_tools": {
            "supported": raw["web_search"] or raw["code_execution"],
            "code_execution": _supported(raw["code_execution"]),
            "web_search": _supported(raw["web_search"]),
        },
        "thinking": {
            "supported": bool(thinking - {"disabled"}),
            "types": {kind: _supported(kind in thinking) for kind in THINKING_TYPES},
        },
    }


def _check(raw: Mapping[str, Any]) -> None:
    """A typo in the catalog fails at load, not as a rule that silently never fires."""
    unknown = [f"effort {e!r}" for e in raw["effort"] if e not in EFFORT_LEVELS]
    unknown += [f"thinking type {t!r}" for t in raw["thinking_types"] if t not in THINKING_TYPES]
    if raw["lifecycle"] not in LIFECYCLES:
        unknown.append(f"lifecycle {raw['lifecycle']!r}")
    if raw["sampling"] not in SAMPLING:
        unknown.append(f"sampling {raw['sampling']!r}")
    if unknown:
        raise ValueError(f"models.yaml, {raw['id']}: unknown " + ", ".join(unknown))


def _spec(raw: Mapping[str, Any]) -> ModelSpec:
    _check(raw)
    return ModelSpec(
        id=raw["id"],
        display_name=raw["display_name"],
        created_at=raw["created_at"],
        lifecycle=raw["lifecycle"],
        line=raw.get("line"),
        context_window=int(raw["context_window"]),
        max_output_tokens=int(raw["max_output_tokens"]),
        min_cacheable_tokens=int(raw["min_cacheable_tokens"]),
        accepts_prefill=bool(raw["accepts_prefill"]),
        thinking_types=frozenset(raw["thinking_types"]),
        thinks_by_default=bool(raw["thinks_by_default"]),
        effort=tuple(raw["effort"]),
        capabilities=_capabilities(raw),
        sampling=raw["sampling"],
        top_effort_needs_thinking=bool(raw["top_effort_needs_thinking"]),
        binds_thinking=bool(raw["binds_thinking"]),
        binds_thinking_on_request=bool(raw["binds_thinking_on_request"]),
        forced_tool_choice=bool(raw["forced_tool_choice"]),
        max_image_side=int(raw["max_image_side"]),
        system_messages=bool(raw["system_messages"]),
        max_tokens_within_context=bool(raw["max_tokens_within_context"]),
        served=raw["lifecycle"] != "retired" or bool(raw["served_after_retirement"]),
        aliases=tuple(raw.get("aliases", ())),
        deprecated_at=raw.get("deprecated_at"),
        retires_at=raw.get("retires_at"),
    )


class Catalog:
    """Models by id and alias, newest first."""

    def __init__(self, models: list[ModelSpec]) -> None:
        self.models = sorted(models, key=lambda m: m.created_at, reverse=True)
        self._by_id: dict[str, ModelSpec] = {}
        for model in self.models:
            for name in (model.id, *model.aliases):
                self._by_id[name] = model

    @classmethod
    def load(cls, path: Path | None = None) -> Catalog:
        # libyaml's loader, where installed, parses the catalog ~10x faster: it is read on
        # every server start, which the pytest fixture pays once per session.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        text = (path or data_file("models.yaml")).read_text(encoding="utf-8")
        raw = yaml.load(text, Loader=loader)  # a safe loader either way
        defaults = raw.get("defaults", {})
        return cls([_spec({**defaults, **entry}) for entry in raw["models"]])

    def get(self, model_id: str) -> ModelSpec | None:
        return self._by_id.get(model_id)

    def __iter__(self) -> Iterator[ModelSpec]:
        return iter(self.models)

    def __len__(self) -> int:
        return len(self.models)
