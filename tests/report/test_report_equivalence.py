"""The contract report counts exchanges by signature and reads an agent loop's resent history
once a run: it must say exactly what reading and counting each exchange afresh says
(`report_reference`), whatever the exchanges and however they are folded in."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from report_reference import reference_features, reference_report

from mockserver.errors import Problem
from mockserver.report import contract_report as report
from mockserver.report import history as report_history
from mockserver.report.contract_report import OTHER, ReportCollector, build_report
from mockserver.report.features import exchange_features
from mockserver.report.journal import Exchange, Journal
from mockserver.streaming.events import message_events

# More distinct values than a counter keeps (report._MAX_KEYS), and OTHER's own name.
MODELS = [f"claude-model-{n}" for n in range(130)] + [OTHER, "claude-sonnet-4-6"]
AGENTS = [f"agent/{n}" for n in range(110)] + ["  two   spaces ", "x" * 80, ""]
BETAS = ["a", "b, c", " claude-code-20250219 , ,context-management-2025-06-27", ",", ""]
PARAMS = [f"extra_{n}" for n in range(120)] + ["temperature", "top_k", "metadata"]
# Ttls equal to each other as JSON numbers (1, 1.0, true) yet written differently.
TTLS: list[Any] = ["5m", "1h", 1, 1.0, True, None, [1], {"s": 1.0}, 0, 0.0, False]
BLOCKS = ["text", "image", "document", "thinking", "redacted_thinking", "tool_use", "x_new"]
INNER = ["text", "image", "document", "search_result", 7]


def _mark(rng: random.Random) -> dict[str, Any]:
    mark: dict[str, Any] = {"type": "ephemeral"}
    roll = rng.random()
    if roll < 0.1:
        mark["ttl"] = rng.choice(TTLS)
    elif roll < 0.5:
        mark["ttl"] = rng.choice(TTLS[:2])
    return mark


def _block(rng: random.Random) -> Any:
    roll = rng.random()
    if roll < 0.05:
        return rng.choice(["loose text", 3, None, ["nested"]])
    if roll < 0.3:
        inner: list[Any] = [
            {"type": rng.choice(INNER), "text": "out"} for _ in range(rng.randint(0, 3))
        ]
        if inner and rng.random() < 0.3:
            inner[-1]["cache_control"] = _mark(rng)
        if rng.random() < 0.2:
            inner.append("not a block")
        content: Any = inner if rng.random() < 0.8 else "plain result"
        return {"type": "tool_result", "tool_use_id": f"t{rng.randint(0, 9)}", "content": content}
    block: dict[str, Any] = {
        "type": rng.choice([*BLOCKS, 5, None]),
        "text": "y" * rng.randint(0, 9),
    }
    if rng.random() < 0.1:
        del block["type"]
    if rng.random() < 0.15:
        block["cache_control"] = _mark(rng) if rng.random() < 0.9 else "not a dict"
    return block


def _message(rng: random.Random, role: Any) -> Any:
    roll = rng.random()
    if roll < 0.03:
        return rng.choice(["not a message", 1, None])
    content: Any
    if roll < 0.3:
        content = "words"
    elif roll < 0.33:
        content = rng.choice([None, 5, {"type": "text"}])
    else:
        content = [_block(rng) for _ in range(rng.randint(0, 4))]
    message = {"role": role, "content": content}
    if rng.random() < 0.03:
        del message["role"]
    return message


class Conversation:
    """An agent loop: each call resends the history, adds to it, and now and then changes
    its last message or moves a cache breakpoint."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.messages: list[Any] = [_message(rng, "user") for _ in range(rng.randint(1, 4))]

    def next_messages(self) -> list[Any]:
        rng = self.rng
        roll = rng.random()
        if roll < 0.15 and self.messages:
            self.messages[-1] = _message(rng, rng.choice(["user", "system"]))
        elif roll < 0.3:
            self._retype_a_ttl()
        elif roll < 0.4:
            self._move_a_breakpoint()
        for _ in range(rng.randint(0, 3)):
            self.messages.append(_message(rng, rng.choice(["user", "assistant", "system", 4])))
        return self.messages

    def _blocks(self) -> list[dict[str, Any]]:
        return [
            block
            for message in self.messages
            if isinstance(message, dict) and isinstance(message.get("content"), list)
            for block in message["content"]
            if isinstance(block, dict)
        ]

    def _retype_a_ttl(self) -> None:
        """A breakpoint's ttl swapped for one `==` takes as equal (1 -> 1.0 -> true)."""
        marked = [b for b in self._blocks() if isinstance(b.get("cache_control"), dict)]
        if marked:
            mark = self.rng.choice(marked)["cache_control"]
            equals: list[Any] = [[1, 1.0, True], [0, 0.0, False], [[1], [1.0], [True]]]
            same = [values for values in equals if mark.get("ttl") in values]
            mark["ttl"] = self.rng.choice(same[0] if same else [1])

    def _move_a_breakpoint(self) -> None:
        blocks = self._blocks()
        for block in blocks:
            block.pop("cache_control", None)
        if blocks:
            self.rng.choice(blocks)["cache_control"] = _mark(self.rng)


def _headers(rng: random.Random) -> dict[str, str]:
    headers: dict[str, str] = {}
    if rng.random() < 0.9:
        headers["anthropic-version"] = rng.choice(["2023-06-01", "2026-10-21", ""])
    if rng.random() < 0.4:
        headers["anthropic-beta"] = rng.choice(BETAS)
    roll = rng.random()
    if roll < 0.4:
        headers["x-api-key"] = rng.choice(["k1", "k2", ""])
    if roll > 0.3:
        headers["authorization"] = rng.choice(["Bearer t", "BEARER t", "Basic x", ""])
    if rng.random() < 0.4:
        headers["x-stainless-lang"] = rng.choice(["python", "js", ""])
        if rng.random() < 0.8:
            headers["x-stainless-package-version"] = rng.choice(["0.1", "2.14.0"])
    if rng.random() < 0.8:
        headers["user-agent"] = rng.choice(AGENTS[:5] if rng.random() < 0.5 else AGENTS)
    if rng.random() < 0.2:
        headers["x-stainless-helper"] = rng.choice(["stream", "a, b", ", ,"])
    return headers


def _settings(rng: random.Random, body: dict[str, Any]) -> None:
    if rng.random() < 0.4:
        tools: list[Any] = [
            {"name": "t", "input_schema": {}}
            | (
                {"type": rng.choice(["web_search_20250305", "bash_20250124", 3])}
                if rng.random() < 0.4
                else {}
            )
            | ({"cache_control": _mark(rng)} if rng.random() < 0.2 else {})
            for _ in range(rng.randint(0, 4))
        ]
        body["tools"] = tools + (["odd"] if rng.random() < 0.1 else [])
    choices: dict[str, list[Any]] = {
        "tool_choice": [{"type": "auto"}, {"type": "tool", "name": "t"}, {}, {"type": 1}, "any"],
        "thinking": [
            {"type": "adaptive", "display": "omitted"},
            {"type": "enabled"},
            [],
            {"display": 1},
        ],
        "output_config": [{"effort": "high"}, {"format": {"type": "json_schema"}}, {"effort": 2}],
        "output_format": [{"type": "json_schema"}, {}, "x"],
        "cache_control": [{"type": "ephemeral"}, "x"],
        "context_management": [
            {"edits": [{"type": "clear_thinking_20251015"}, {}, 1]},
            {"edits": 3},
        ],
        "system": ["be brief", [{"type": "text", "text": "s", "cache_control": {"ttl": "1h"}}]],
        "stream": [True, False, "true", 1],
    }
    for name, values in choices.items():
        if rng.random() < 0.2:
            body[name] = rng.choice(values)
    if rng.random() < 0.6:
        body[rng.choice(PARAMS[:3] if rng.random() < 0.5 else PARAMS)] = 1


def _reply(rng: random.Random, streamed: bool) -> Any:
    content: list[Any] = [
        {"type": rng.choice([*BLOCKS, 9]), "text": "hi", "input": {}}
        for _ in range(rng.randint(0, 3))
    ]
    if rng.random() < 0.1:
        content.append("odd")
    stop = rng.choice(["end_turn", "tool_use", "max_tokens", None, 1])
    message = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "m",
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {
            "input_tokens": 1,
            "output_tokens": 1,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "server_tool_use": None,
            "output_tokens_details": None,
        },
    }
    if not streamed:
        return message if rng.random() < 0.9 else {"type": "not_a_message"}
    clean = {**message, "content": [b for b in content if isinstance(b, dict)]}
    events = message_events(clean)
    if rng.random() < 0.2:
        events = events[: rng.randint(0, len(events))]
    if rng.random() < 0.1:
        events.append(("content_block_start", {"content_block": "odd"}))
    return events


def exchanges(seed: int, count: int) -> list[Exchange]:
    """A mixed session: agent loops interleaved with one-off calls, other endpoints, errors."""
    rng = random.Random(seed)
    loops = [Conversation(rng) for _ in range(3)]
    made = []
    for n in range(count):
        path = "/v1/messages"
        method = "POST"
        roll = rng.random()
        if roll < 0.05:
            path = "/v1/messages/count_tokens"
        elif roll < 0.1:
            method, path = "GET", rng.choice(["/v1/models", "/", "/health", "/v1/models/x"])
        elif roll < 0.3:
            path = f"/v1/nowhere/{rng.randint(0, 400)}"
        body: Any = {"model": rng.choice(MODELS[:4] if rng.random() < 0.6 else MODELS)}
        if rng.random() < 0.05:
            body["model"] = rng.choice([3, None])
        body["max_tokens"] = 5
        _settings(rng, body)
        if rng.random() < 0.6:
            k = rng.randrange(len(loops))
            if len(loops[k].messages) > 30:  # done: another agent loop starts
                loops[k] = Conversation(rng)
            body["messages"] = loops[k].next_messages()
        else:
            body["messages"] = [_message(rng, "user") for _ in range(rng.randint(0, 5))]
        if rng.random() < 0.02:
            body = rng.choice([None, "text", [1, 2]])
        # Each request's body is its own objects, as parsed off the wire.
        body = json.loads(json.dumps(body))
        streamed = rng.random() < 0.4
        status = rng.choice([200] * 8 + [400, 404, 429, 500, 529])
        response: Any = _reply(rng, streamed)
        if status >= 400 and rng.random() < 0.8:
            error_type = rng.choice(["invalid_request_error", "not_found_error", "overloaded"])
            response = {"type": "error", "error": {"type": error_type, "message": "no " * 5}}
            streamed = streamed and rng.random() < 0.5
        problems = ()
        if rng.random() < 0.1:
            field = rng.choice(["messages.0.content.0", "model", "", "$.tools.0", "nothing"])
            problems = (Problem("broken", rule=rng.choice(["schema", "r1", "r2"]), path=field),)
        made.append(
            Exchange(
                request_id=f"req_{n}",
                method=method,
                path=path,
                headers=_headers(rng),
                body=body,
                status=status,
                response=response,
                streamed=streamed,
                step=rng.choice([None] * 5 + ["s1"]),
                problems=problems,
                unmatched=rng.random() < 0.05,
            )
        )
    return made


SEEDS = range(8)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_report_is_what_counting_each_exchange_says(seed: int) -> None:
    session = exchanges(seed, 700)
    expected = [e.request_id for e in session[::7]]
    collector = ReportCollector()
    collector.observe_all(session)
    collector.expect(expected)
    got, want = collector.report(), reference_report(session, expected)
    assert got.to_json() == want.to_json()
    assert got.to_text() == want.to_text()
    # The order values are listed in is part of what the report says.
    for category, values in want.features.items():
        assert list(got.features[category].items()) == list(values.items())
    assert list(got.endpoints.items()) == list(want.endpoints.items())


@pytest.mark.parametrize("seed", SEEDS)
def test_any_split_into_runs_and_flushes_gives_the_same_report(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = exchanges(seed, 500)
    rng = random.Random(seed)
    # Signatures are counted into the counters every few keys, not only when read.
    monkeypatch.setattr(report, "_PENDING", rng.choice([0, 1, 3, 20]))
    collector = ReportCollector()
    start = 0
    while start < len(session):
        end = start + rng.randint(1, 60)
        collector.observe_all(session[start:end])
        if rng.random() < 0.2:
            collector.report()
        start = end
    want = reference_report(session).to_json()
    assert collector.report().to_json() == want
    assert build_report(session).to_json() == want


def test_the_journal_catch_up_folds_the_same_report() -> None:
    session = exchanges(99, 400)
    journal = Journal()
    collector = ReportCollector()
    for n, exchange in enumerate(session):
        journal.add(exchange)
        if n % 37 == 0:
            collector.catch_up(journal)
        if len(journal) > 90:
            collector.catch_up(journal)
            journal.drop_oldest(50)
            collector.journal_trimmed(50)
    collector.catch_up(journal)
    assert collector.report().to_json() == reference_report(session).to_json()


@pytest.mark.parametrize("seed", range(3))
def test_each_exchanges_features_are_the_reference_ones(seed: int) -> None:
    for exchange in exchanges(seed, 300):
        assert exchange_features(exchange) == reference_features(exchange)


def _loop_body(messages: list[Any]) -> dict[str, Any]:
    return json.loads(json.dumps({"model": "m", "max_tokens": 5, "messages": messages}))


def test_a_ttl_equal_as_a_number_but_written_otherwise_is_read_again() -> None:
    history: list[Any] = [{"role": "user", "content": "go"}, {"role": "assistant", "content": "ok"}]
    marked = {"role": "user", "content": [{"type": "text", "cache_control": {"ttl": 1}}]}
    calls = []
    for ttl in (1, 1.0, True, 1):
        marked["content"][0]["cache_control"]["ttl"] = ttl
        history = [*history[:2], marked, {"role": "assistant", "content": "more"}]
        calls.append(Exchange("r", "POST", "/v1/messages", {}, _loop_body(history), 200, None))
    caching = build_report(calls).features["caching"]
    assert caching == {"cache_control on blocks": 4, "ttl 1": 2, "ttl 1.0": 1, "ttl True": 1}


def test_an_agent_loops_resent_history_is_read_once_a_run(monkeypatch: pytest.MonkeyPatch) -> None:
    read = []
    scan = report_history.scan

    def counting(messages: Any) -> Any:
        messages = list(messages)
        read.append(len(messages))
        return scan(messages)

    monkeypatch.setattr(report_history, "scan", counting)
    history: list[Any] = [{"role": "user", "content": "go"}]
    calls = []
    for n in range(20):
        # The breakpoint moves on to the newest message each call.
        for message in history:
            if isinstance(message["content"], list):
                message["content"][0].pop("cache_control", None)
        history += [
            {"role": "assistant", "content": [{"type": "tool_use", "id": f"t{n}"}]},
            {
                "role": "user",
                "content": [{"type": "tool_result", "cache_control": {"type": "ephemeral"}}],
            },
        ]
        calls.append(Exchange("r", "POST", "/v1/messages", {}, _loop_body(history), 200, None))
    assert build_report(calls).features["request_blocks"] == {
        "tool_use": 20,
        "tool_result": 20,
        "text (string content)": 20,
    }
    # The first call reads its messages; each later one only its last two and the one
    # whose breakpoint went.
    assert sum(read) == 3 + 19 * 3
