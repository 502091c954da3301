"""Conversations replayed from the real API: thinking tokens this server did not mint.

A well-formed token (the real API's shape) is accepted and noted as unverifiable; an
empty, placeholder or cut-off one, and one minted here but edited, is refused as the API
refuses it. Everything goes through the official SDK, as a team's replayed test does.
"""

from __future__ import annotations

from typing import Any

import anthropic
import httpx2
import pytest
from conftest import MODEL
from signature_samples import real_redacted_data, real_signature

from mockserver.server import MockServer

THINKING = {"type": "enabled", "budget_tokens": 1024}
TOOLS = [
    {
        "name": "read_file",
        "description": "Read a file",
        "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}},
    }
]


def recorded_history(signature: str, data: str) -> list[dict[str, Any]]:
    """Two turns of an agent loop as the real API returned them, then the next question."""
    return [
        {"role": "user", "content": "What does setup.cfg pin?"},
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "I should read the file.", "signature": signature},
                {"type": "text", "text": "Let me look."},
                {
                    "type": "tool_use",
                    "id": "toolu_01XqYv3Z9fQm2KpL7wRtN8aB",
                    "name": "read_file",
                    "input": {"path": "setup.cfg"},
                },
            ],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_01XqYv3Z9fQm2KpL7wRtN8aB",
                    "content": "requests==2.31",
                }
            ],
        },
        {
            "role": "assistant",
            "content": [
                {"type": "redacted_thinking", "data": data},
                {"type": "text", "text": "It pins requests 2.31."},
            ],
        },
        {"role": "user", "content": "And why that version?"},
    ]


def send(client: anthropic.Anthropic, messages: list[Any], *, tools: bool = True) -> Any:
    extra: dict[str, Any] = {"tools": TOOLS} if tools else {}
    return client.messages.with_raw_response.create(
        model=MODEL,
        max_tokens=2048,
        thinking=THINKING,  # type: ignore[arg-type]
        messages=messages,
        **extra,
    )


def refusal(
    fresh: MockServer, client: anthropic.Anthropic, messages: list[Any], *, tools: bool = True
) -> str:
    with pytest.raises(anthropic.BadRequestError):
        send(client, messages, tools=tools)
    last = fresh.journal.all()[-1]
    assert last.status == 400
    assert last.error is not None
    assert last.error["type"] == "invalid_request_error"
    return str(last.error["message"])


def test_a_real_conversation_replays_and_is_noted_unverifiable(
    fresh: MockServer, client: anthropic.Anthropic
) -> None:
    raw = send(client, recorded_history(real_signature(1), real_redacted_data(2)))
    assert raw.http_response.status_code == 200
    assert raw.parse().content[0].type == "thinking"
    assert not any(h.startswith("x-mockserver-violation") for h in raw.headers)
    exchange = fresh.journal.all()[-1]
    assert exchange.problems == ()
    assert [(n.rule, n.path) for n in exchange.notices] == [
        ("unverifiable_signature", "messages.1.content.0"),
        ("unverifiable_signature", "messages.3.content.0"),
    ]
    assert "unverifiable `signature` in `thinking` block" in exchange.notices[0].message
    assert "unverifiable `data` in `redacted_thinking` block" in exchange.notices[1].message
    # The admin journal shows them too.
    with httpx2.Client(base_url=f"{fresh.base_url}/_mock", timeout=10) as admin:
        shown = admin.get("/journal").json()["exchanges"][-1]
    assert [n["rule"] for n in shown["notices"]] == ["unverifiable_signature"] * 2


def test_the_contract_report_lists_unverifiable_signatures_not_as_violations(
    fresh: MockServer, client: anthropic.Anthropic
) -> None:
    fresh.reset_report()
    send(client, recorded_history(real_signature(3), real_redacted_data(4)))
    report = fresh.report()
    body = report.to_json()
    assert body["violations"]["total"] == 0
    assert body["notices"]["total"] == 2
    [notice] = body["notices"]["rules"]
    assert notice["rule"] == "unverifiable_signature"
    assert notice["example"]["field"] == "messages.1.content.0"
    assert "Accepted but not verifiable" in report.to_text()


def test_a_reply_to_a_replayed_history_continues_the_loop(
    fresh: MockServer, client: anthropic.Anthropic
) -> None:
    # The mock's own thinking block, appended after the replayed ones, is verified.
    history = recorded_history(real_signature(5), real_redacted_data(6))
    reply = send(client, history).parse()
    history += [
        {"role": "assistant", "content": [b.to_dict() for b in reply.content]},
        {"role": "user", "content": "Thanks."},
    ]
    assert send(client, history).http_response.status_code == 200
    assert len(fresh.journal.all()[-1].notices) == 2


def test_warn_strictness_flags_unverifiable_signatures(
    fresh: MockServer, client: anthropic.Anthropic
) -> None:
    fresh.strictness = "warn"
    raw = send(client, recorded_history(real_signature(7), real_redacted_data(8)))
    assert raw.http_response.status_code == 200
    assert raw.headers["x-mockserver-violations"] == "2"
    assert raw.headers["x-mockserver-violation-rules"] == "unverifiable_signature"
    assert [p.rule for p in fresh.journal.all()[-1].problems] == ["unverifiable_signature"] * 2


@pytest.mark.parametrize(
    ("token", "why"),
    [
        ("", "empty"),
        ("sig_01HZX4Q8S3P2M7R5T9V6W0Y1", "a made-up prefix"),
        ("placeholder", "a placeholder word"),
        ("EqQBCkYIBxgCKkB", "too short"),
        ("c3ludGhldGljLXNpZ25hdHVyZS1maXh0dXJlLWEtbm90LWEtcmVhbC1zaWduYXR1cmU=", "not protobuf"),
        (real_signature(9)[:-4], "cut off"),
        (real_redacted_data(9, size=301).rstrip("="), "unpadded"),
        (real_signature(9).replace("+", "-").replace("/", "_") + "-_", "url-safe alphabet"),
    ],
)
def test_malformed_signatures_are_refused(
    fresh: MockServer, client: anthropic.Anthropic, token: str, why: str
) -> None:
    message = refusal(fresh, client, recorded_history(token, real_redacted_data(1)))
    assert message == "messages.1.content.0: Invalid `signature` in `thinking` block", why


@pytest.mark.parametrize("data", ["", "redacted_01abc", "EmwKAhgB"])
def test_malformed_redacted_data_is_refused(
    fresh: MockServer, client: anthropic.Anthropic, data: str
) -> None:
    message = refusal(fresh, client, recorded_history(real_signature(1), data))
    assert message == "messages.3.content.0: Invalid `data` in `redacted_thinking` block"


def minted_history(client: anthropic.Anthropic) -> list[dict[str, Any]]:
    """A first turn answered by this server, sent back with a follow-up question."""
    first = [{"role": "user", "content": "What does setup.cfg pin?"}]
    # No tools: the reply ends the turn, so the history needs no tool result.
    reply = send(client, first, tools=False).parse()
    assert reply.content[0].type == "thinking"
    return [
        *first,
        {"role": "assistant", "content": [b.to_dict() for b in reply.content]},
        {"role": "user", "content": "And why?"},
    ]


def test_a_minted_block_with_its_text_edited_is_refused(
    fresh: MockServer, client: anthropic.Anthropic
) -> None:
    history = minted_history(client)
    assert send(client, history, tools=False).http_response.status_code == 200
    history[1]["content"][0]["thinking"] += " (edited)"
    message = refusal(fresh, client, history, tools=False)
    assert message.startswith("messages.1.content.0: Invalid `signature` in `thinking` block")
    assert fresh.journal.all()[-1].notices == ()


@pytest.mark.parametrize("position", [0, 1, 2, 3, 5, 40, 100, 150])
def test_a_minted_signature_with_a_character_edited_is_refused(
    fresh: MockServer, client: anthropic.Anthropic, position: int
) -> None:
    # Still well-formed base64, and for the edits near the start still protobuf-shaped:
    # recognised as this server's own, never taken for a real API's.
    history = minted_history(client)
    block = history[1]["content"][0]
    sig = block["signature"]
    block["signature"] = (
        sig[:position] + ("A" if sig[position] != "A" else "B") + sig[position + 1 :]
    )
    message = refusal(fresh, client, history, tools=False)
    assert message.startswith("messages.1.content.0: Invalid `signature` in `thinking` block")


def test_another_mock_servers_signature_is_refused(
    fresh: MockServer, server_factory: Any, client: anthropic.Anthropic
) -> None:
    other = server_factory(seed="elsewhere")
    with anthropic.Anthropic(base_url=other.base_url, api_key="k", max_retries=0) as elsewhere:
        history = minted_history(elsewhere)
    message = refusal(fresh, client, history, tools=False)
    assert message.startswith("messages.1.content.0: Invalid `signature` in `thinking` block")
