"""Seeded random scenarios and requests, to compare how books answer them.

Every matcher key appears, with values drawn from the same small pools as the requests,
so each matcher both holds and fails often; steps use states, `times` and names, and the
scenarios every isolation mode, guards, rules, fallbacks and `repeat`.
"""

from __future__ import annotations

import random
from typing import Any

from mockserver.scripting.match import match
from mockserver.scripting.reply import Reply
from mockserver.scripting.scenario import ISOLATIONS, Scenario, Step

WORDS = ["weather", "Paris", "hello", "Hello, Claude!", "demo: refusal", "thanks", "", "ÄÖ"]
MODELS = ["claude-sonnet-4-6", "claude-haiku-4-5", "claude-opus-4-1", ""]
TOOL_NAMES = ["get_weather", "lookup", "search"]
TOOL_TYPES = ["custom", "web_search_20250305", "bash_20250124"]
STATES = ["Started", "asked", "done"]
KEYS = ["k", "alice", "bob"]
SYSTEMS = [
    None,
    "You are a professional translator.",
    "Say hello in Paris",
    [{"type": "text", "text": "Be"}],
]


def _text_spec(rng: random.Random) -> Any:
    word = rng.choice(WORDS[:-2]) or "x"
    return rng.choice(
        [
            word,
            {"equals": word},
            {"contains": word[:3], "ignore_case": True},
            {"regex": "^" + word[:2], "ignore_case": rng.random() < 0.5},
            {"equals": word.upper(), "ignore_case": True, "contains": word[-2:]},
        ]
    )


def _leaf(rng: random.Random) -> dict[str, Any]:
    tool = rng.choice(TOOL_NAMES)
    choices: dict[str, Any] = {
        "model": rng.choice(["claude-sonnet-*", ["claude-haiku-4-5", "claude-opus-*"], "x"]),
        "system": _text_spec(rng),
        "last_user_text": _text_spec(rng),
        "any_message_text": _text_spec(rng),
        "user_id": rng.choice(["alice", {"contains": "li"}]),
        "api_key": rng.choice(KEYS),
        # Every request here comes through /v1/messages: `openai` never holds, `anthropic` always.
        "api": rng.choice(["anthropic", "openai"]),
        "headers": rng.choice([{"x-tenant": "acme"}, {"X-Tenant": {"contains": "ac"}}]),
        "tools": rng.choice(
            [
                tool,
                [tool, rng.choice(TOOL_NAMES)],
                {"includes": tool, "excludes": [rng.choice(TOOL_NAMES)]},
                {"types": "web_search_*"},
                {"count": rng.choice([0, 1, {"min": 2}, {"max": 1}])},
            ]
        ),
        "tool_choice": rng.choice(["auto", "any", {"type": "tool", "name": tool}]),
        "tool_result": rng.choice(
            [
                True,
                tool,
                {"name": tool, "is_error": rng.random() < 0.5},
                {"id": "toolu_1"},
                {"content": _text_spec(rng)},
            ]
        ),
        "thinking": rng.choice([True, False, "enabled", "adaptive", "disabled"]),
        "stream": rng.random() < 0.5,
        "body": rng.choice([{"service_tier": "auto"}, {"metadata": {"user_id": "alice"}}]),
        "output_config": rng.choice([{"effort": "low"}, {"format": {"type": "json_schema"}}]),
        "turn": rng.choice([1, 2, {"min": 2}, {"max": 1}]),
        "max_tokens": rng.choice([{"max": 50}, 100, {"min": 60, "max": 200}]),
        "stop_sequences": rng.choice(["###", ["###", "END"]]),
        "image": rng.choice([True, "url", "base64"]),
        "document": rng.choice([True, "file", "text"]),
    }
    return {key: choices[key] for key in rng.sample(sorted(choices), rng.randint(1, 2))}


def match_spec(rng: random.Random, depth: int = 0) -> dict[str, Any]:
    spec = _leaf(rng)
    roll = rng.random()
    if depth < 2 and roll < 0.12:
        spec["any"] = [match_spec(rng, depth + 1) for _ in range(rng.randint(1, 3))]
    elif depth < 2 and roll < 0.2:
        spec["not"] = match_spec(rng, depth + 1)
    elif depth < 2 and roll < 0.26:
        spec["all"] = [match_spec(rng, depth + 1) for _ in range(2)]
    return spec


def make_step(rng: random.Random, label: str, i: int, where: str) -> Step:
    return Step(
        Reply.text(label),
        match(match_spec(rng) if rng.random() < 0.85 else {}),
        name=f"n{i}" if rng.random() < 0.3 else None,
        when_state=rng.choice(STATES) if rng.random() < 0.3 else None,
        set_state=rng.choice(STATES) if rng.random() < 0.3 else None,
        times=rng.choice([1, 1, 2, 3]),
        source=where,
        line=i + 3 if where != "<python>" else None,
    )


def scenario(rng: random.Random, name: str) -> Scenario:
    where = rng.choice(["<python>", f"/cases/{name}.yaml"])
    fallback = make_step(rng, "fallback", 90, where) if rng.random() < 0.3 else None
    return Scenario(
        name,
        steps=[make_step(rng, f"{name} step {i}", i, where) for i in range(rng.randint(0, 4))],
        rules=[make_step(rng, f"{name} rule {i}", 10 + i, where) for i in range(rng.randint(0, 3))],
        fallback=fallback,
        match=match(match_spec(rng) if rng.random() < 0.3 else {}),
        isolation=rng.choice(ISOLATIONS),
        repeat=rng.random() < 0.3,
        source=where,
    )


def _user_content(rng: random.Random) -> Any:
    roll = rng.random()
    if roll < 0.45:
        return rng.choice(WORDS)
    blocks: list[dict[str, Any]] = []
    if roll < 0.7:
        blocks.append(
            {
                "type": "tool_result",
                "tool_use_id": rng.choice(["toolu_1", "toolu_2"]),
                "content": rng.choice(WORDS),
                **({"is_error": True} if rng.random() < 0.3 else {}),
            }
        )
    if rng.random() < 0.3:
        source = rng.choice(["url", "base64", "file"])
        blocks.append({"type": "image", "source": {"type": source}})
    if rng.random() < 0.2:
        blocks.append({"type": "document", "source": {"type": rng.choice(["file", "text"])}})
    return [*blocks, {"type": "text", "text": rng.choice(WORDS)}]


def _messages(rng: random.Random) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    for turn in range(rng.randint(0, 2)):
        uses = [
            {"type": "tool_use", "id": f"toolu_{turn + 1}", "name": rng.choice(TOOL_NAMES)},
            {"type": "text", "text": rng.choice(WORDS)},
        ]
        messages += [
            {"role": "user", "content": rng.choice(WORDS)},
            {"role": "assistant", "content": rng.sample(uses, rng.randint(1, 2))},
        ]
    messages.append({"role": "user", "content": _user_content(rng)})
    if rng.random() < 0.05:
        messages.append({"role": "assistant", "content": "Sure"})
    return messages


def request(rng: random.Random) -> tuple[dict[str, Any], str, dict[str, str]]:
    """A body, the API key it is sent with, and its (lower-cased) headers."""
    body: dict[str, Any] = {
        "model": rng.choice(MODELS),
        "max_tokens": rng.choice([20, 100, 150, 1024]),
        "messages": _messages(rng),
    }
    optional: dict[str, Any] = {
        "system": rng.choice(SYSTEMS),
        "tools": [
            {"name": n, **({"type": t} if t != "custom" else {})}
            for n, t in zip(
                rng.sample(TOOL_NAMES, rng.randint(0, 3)),
                rng.choices(TOOL_TYPES, k=3),
                strict=False,
            )
        ],
        "tool_choice": rng.choice([{"type": "any"}, {"type": "tool", "name": "lookup"}]),
        "thinking": {"type": rng.choice(["enabled", "adaptive", "disabled"])},
        "stream": rng.random() < 0.5,
        "metadata": {"user_id": rng.choice(["alice", "bob"])},
        "stop_sequences": rng.choice([["###"], ["END", "###"], []]),
        "service_tier": "auto",
        "output_config": {"effort": rng.choice(["low", "high"])},
        "output_format": {"type": "json_schema"},
    }
    for key in rng.sample(sorted(optional), rng.randint(0, 6)):
        body[key] = optional[key]
    headers = {"anthropic-version": "2023-06-01"}
    if rng.random() < 0.3:
        headers["x-tenant"] = rng.choice(["acme", "other"])
    if rng.random() < 0.3:
        headers["x-mock-session"] = rng.choice(["s1", "s2"])
    return body, rng.choice(KEYS), headers
