"""A thinking block replayed into another conversation is dropped and reported, when asked.

The first request gets a signed thinking block; the second sends it back after an edited
first message, on a model that binds thinking to its conversation. With
`block_binding.prefix_mismatch_behavior: "drop_block"` the block is removed (and counts
nothing), and under the thinking-binding-controls beta the reply says so in
`input_transformations`, as the recorded streams do on message_start.
"""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from conftest import api_headers
from stream_support import answer_with, parse_sse

from mockserver.catalog import Catalog
from mockserver.scripting.reply import Reply
from mockserver.server import MockServer

BETA = "thinking-binding-controls-2026-08-01"
# Any model the catalog says binds thinking to its conversation.
BINDING_MODEL = next(m.id for m in Catalog.load() if m.binds_thinking)
DROP = {"type": "adaptive", "block_binding": {"prefix_mismatch_behavior": "drop_block"}}


def headers(*betas: str) -> dict[str, str]:
    return api_headers("2026-10-21", **({"anthropic-beta": ",".join(betas)} if betas else {}))


def post(http: httpx2.Client, body: dict[str, Any], *betas: str) -> httpx2.Response:
    return http.post("/v1/messages", json=body, headers=headers(*betas))


def replayed(http: httpx2.Client, fresh: MockServer, **thinking: Any) -> dict[str, Any]:
    """A follow-up whose first message was edited after its thinking block was signed."""
    answer_with(
        fresh, Reply.blocks({"type": "thinking", "thinking": "Hm."}, {"type": "text", "text": "A1"})
    )
    first = {
        "model": BINDING_MODEL,
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": "Q1"}],
    }
    answered = post(http, first).json()
    return first | {
        "thinking": thinking or DROP,
        "messages": [
            {"role": "user", "content": "Q1, edited"},
            {"role": "assistant", "content": answered["content"]},
            {"role": "user", "content": "Q2"},
        ],
    }


def test_a_rebound_block_is_refused_by_default(http: httpx2.Client, fresh: MockServer) -> None:
    body = replayed(http, fresh, type="adaptive")
    response = post(http, body, BETA)
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("messages.1.content.0: ")


def test_a_dropped_block_is_reported_and_not_counted(
    http: httpx2.Client, fresh: MockServer
) -> None:
    body = replayed(http, fresh)
    response = post(http, body, BETA)
    assert response.status_code == 200, response.text
    message = response.json()
    assert message["input_transformations"] == [
        {
            "type": "thinking_dropped",
            "path": "messages.1.content.0",
            "reason": "prefix_binding_mismatch",
        }
    ]
    without_block = [m.copy() for m in body["messages"]]
    without_block[1]["content"] = without_block[1]["content"][1:]
    counted = http.post(
        "/v1/messages/count_tokens",
        json={k: body[k] for k in ("model", "thinking")} | {"messages": without_block},
        headers=headers(BETA),
    )
    assert counted.json()["input_tokens"] == message["usage"]["input_tokens"]


def test_a_stream_reports_the_drop_on_message_start(http: httpx2.Client, fresh: MockServer) -> None:
    body = replayed(http, fresh)
    response = http.post("/v1/messages", json=body | {"stream": True}, headers=headers(BETA))
    events = parse_sse(response.content)
    assert events[0][1]["message"]["input_transformations"][0]["type"] == "thinking_dropped"
    delta = next(d for n, d in events if n == "message_delta")
    assert "input_transformations" not in delta


def test_without_the_beta_the_block_is_dropped_silently(
    http: httpx2.Client, fresh: MockServer
) -> None:
    body = replayed(http, fresh)
    response = post(http, body, "interleaved-thinking-2025-05-14")
    assert response.status_code == 200, response.text
    assert "input_transformations" not in response.json()


@pytest.mark.parametrize("betas", [(BETA,), ()])
def test_nothing_to_report_is_an_empty_list_only_under_the_beta(
    http: httpx2.Client, betas: tuple[str, ...]
) -> None:
    body = {
        "model": BINDING_MODEL,
        "max_tokens": 64,
        "messages": [{"role": "user", "content": "Hi"}],
    }
    message = post(http, body, *betas).json()
    if betas:
        assert message["input_transformations"] == []
    else:
        assert "input_transformations" not in message
