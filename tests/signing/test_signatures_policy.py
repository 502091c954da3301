"""The `signatures` switch (strict refuses every token this server did not mint) from each
place it is set, and `trust`, which makes a recorded conversation's tokens verifiable."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import httpx2
import pytest
from conftest import TEST_KEY
from signature_samples import real_redacted_data, real_signature
from test_cli import running
from test_plugin import _http_stack_loaded, run  # noqa: F401 (its fixture, for pytester)
from test_signatures_replay import recorded_history, send

from mockserver.server import MockServer

pytest_plugins = ["pytester"]

INVALID = "messages.1.content.0: Invalid `signature` in `thinking` block"


def status_of(base_url: str, messages: list[Any]) -> tuple[int, str]:
    with anthropic.Anthropic(base_url=base_url, api_key=TEST_KEY, max_retries=0) as client:
        try:
            return send(client, messages).http_response.status_code, ""
        except anthropic.BadRequestError as exc:
            return exc.status_code, str(exc.body["error"]["message"])  # type: ignore[index]


def history(seed: int = 1) -> list[dict[str, Any]]:
    return recorded_history(real_signature(seed), real_redacted_data(seed + 100))


@pytest.fixture
def admin(fresh: MockServer) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=f"{fresh.base_url}/_mock", timeout=10) as client:
        yield client


def test_config_strict_refuses_foreign_tokens_and_lenient_is_the_default(
    server_factory: Any, fresh: MockServer
) -> None:
    assert fresh.config.signatures == "lenient"
    assert status_of(fresh.base_url, history()) == (200, "")
    strict = server_factory(signatures="strict")
    assert status_of(strict.base_url, history()) == (400, INVALID)


def test_strict_refuses_a_foreign_redacted_thinking_block(server_factory: Any) -> None:
    strict = server_factory(signatures="strict")
    strict.trust_signatures(history()[1]["content"])  # the thinking block alone
    status, message = status_of(strict.base_url, history())
    assert (status, message) == (
        400,
        "messages.3.content.0: Invalid `data` in `redacted_thinking` block",
    )


def test_the_cli_flag_sets_the_policy() -> None:
    with running("--no-bundled", "--signatures", "strict") as (_, url, _lines):
        assert status_of(url, history()) == (400, INVALID)
    with running("--no-bundled") as (_, url, _lines):
        assert status_of(url, history()) == (200, "")


def test_the_switch_lasts_until_reset_unless_set_for_the_session(fresh: MockServer) -> None:
    fresh.signatures = "strict"
    assert status_of(fresh.base_url, history())[0] == 400
    fresh.reset()
    assert fresh.signatures == "lenient"
    with pytest.raises(ValueError, match="signatures must be strict or lenient, not 'warn'"):
        fresh.set_signatures("warn")  # type: ignore[arg-type]


def test_admin_reads_and_switches_the_policy(fresh: MockServer, admin: httpx2.Client) -> None:
    assert admin.get("/signatures").json() == {"signatures": "lenient", "session": "lenient"}
    switched = admin.put("/signatures", json={"signatures": "strict"})
    assert switched.json() == {"signatures": "strict", "session": "lenient"}
    assert status_of(fresh.base_url, history()) == (400, INVALID)
    admin.post("/reset")
    assert admin.get("/signatures").json()["signatures"] == "lenient"
    refused = admin.put("/signatures", json={"signatures": "loose"})
    assert refused.status_code == 400
    assert "signatures must be strict or lenient, not 'loose'" in refused.text


def test_the_marker_and_the_ini_option_set_the_policy(pytester: pytest.Pytester) -> None:
    body = """
import base64, random

def token(seed):
    rng = random.Random(seed)
    header = b"\\x0a\\x46\\x08\\x07\\x18\\x02" + rng.randbytes(66)
    inner = header + b"\\x2a\\x40" + rng.randbytes(64)
    return base64.b64encode(b"\\x12" + bytes([len(inner) | 0x80, len(inner) >> 7]) + inner).decode()

def replay():
    messages = [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": [
            {"type": "thinking", "thinking": "Hm.", "signature": token(1)},
            {"type": "text", "text": "Hello."}]},
        {"role": "user", "content": "again"},
    ]
    with anthropic.Anthropic(max_retries=0) as client:
        return client.messages.with_raw_response.create(
            model=MODEL, max_tokens=2048, messages=messages,
            thinking={"type": "enabled", "budget_tokens": 1024})

@pytest.mark.mockserver(signatures="strict", check_violations=False)
def test_marked(mockserver):
    with pytest.raises(anthropic.BadRequestError):
        replay()
    assert mockserver.journal.all()[-1].status == 400

def test_unmarked(mockserver):
    assert mockserver.signatures == mockserver.config.signatures
    if mockserver.config.signatures == "lenient":
        assert replay().http_response.status_code == 200
        return
    with mockserver.expect_rejection(), pytest.raises(anthropic.BadRequestError):
        replay()
"""
    run(pytester, body).assert_outcomes(passed=2)
    run(pytester, body, ini="mockserver_signatures = strict\n").assert_outcomes(passed=2)
    run(pytester, body, "--mockserver-signatures=strict").assert_outcomes(passed=2)
    bad = run(pytester, body, ini="mockserver_signatures = loose\n")
    bad.stdout.fnmatch_lines(["*mockserver_signatures must be strict or lenient, not 'loose'*"])


def test_trusted_tokens_are_verified_not_merely_accepted(server_factory: Any) -> None:
    # Trust lasts for the server's lifetime: a server of its own.
    fresh = server_factory()
    recorded = history(5)
    assert fresh.trust_signatures(recorded) == 2
    fresh.signatures = "strict"
    assert status_of(fresh.base_url, recorded) == (200, "")
    assert fresh.journal.all()[-1].notices == ()
    # A trusted block with its text changed is refused, whatever the policy.
    fresh.signatures = "lenient"
    recorded[1]["content"][0]["thinking"] = "I should delete the file."
    assert status_of(fresh.base_url, recorded) == (400, INVALID)


def test_trust_refuses_what_is_not_a_thinking_block(server_factory: Any) -> None:
    fresh = server_factory()
    with pytest.raises(ValueError, match="thinking or redacted_thinking block"):
        fresh.state.signer.trust({"type": "text", "text": "hi"})
    with pytest.raises(ValueError, match="needs its `thinking` text"):
        fresh.state.signer.trust({"type": "thinking", "signature": real_signature(1)})
    redacted = {"type": "redacted_thinking", "data": real_redacted_data(3)}
    assert fresh.trust_signatures([redacted]) == 1
