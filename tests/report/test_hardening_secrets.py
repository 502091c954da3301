"""API keys never reach the journal in clear: a short digest tells clients apart."""

from __future__ import annotations

import anthropic
import httpx2
from conftest import MODEL, TEST_KEY, api_headers

from mockserver import key_digest
from mockserver.scripting.reply import Reply
from mockserver.scripting.scenario import Scenario, Step
from mockserver.server import MockServer

HI = [{"role": "user", "content": "Hello"}]
OTHER_KEY = "sk-ant-other-key"


def test_the_journal_keeps_a_digest_of_each_key(fresh: MockServer) -> None:
    httpx2.post(
        f"{fresh.base_url}/v1/messages",
        json={"model": MODEL, "max_tokens": 16, "messages": HI},
        headers=api_headers(),
    )
    # SDK 2.x sends the key as a bearer token.
    with anthropic.Anthropic(base_url=fresh.base_url, api_key=OTHER_KEY, max_retries=0) as sdk:
        sdk.messages.create(model=MODEL, max_tokens=16, messages=HI)
    first, second = fresh.journal.messages()
    assert first.headers["x-api-key"] == key_digest(TEST_KEY)
    assert key_digest(TEST_KEY).startswith("sha256:")
    assert len(key_digest(TEST_KEY)) == len("sha256:") + 8
    assert second.headers["authorization"] == f"Bearer {key_digest(OTHER_KEY)}"
    assert key_digest(TEST_KEY) != key_digest(OTHER_KEY)
    served = httpx2.get(f"{fresh.base_url}/_mock/journal").text
    assert TEST_KEY not in served
    assert OTHER_KEY not in served
    assert key_digest(TEST_KEY) in served
    assert all(TEST_KEY not in repr(e) and OTHER_KEY not in repr(e) for e in fresh.journal)


def test_the_same_key_sent_either_way_has_the_same_digest(fresh: MockServer) -> None:
    for headers in ({"x-api-key": TEST_KEY}, {"authorization": f"Bearer {TEST_KEY}"}):
        httpx2.post(
            f"{fresh.base_url}/v1/messages",
            json={"model": MODEL, "max_tokens": 16, "messages": HI},
            headers={"anthropic-version": "2023-06-01", **headers},
        )
    by_key, by_bearer = fresh.journal.messages()
    assert by_bearer.headers["authorization"].split(" ")[1] == by_key.headers["x-api-key"]


def test_scenario_progress_is_still_per_key(fresh: MockServer) -> None:
    # Each key walks the scenario's steps on its own, as before the journal hid the keys.
    steps = (Step(reply=Reply.text("one")), Step(reply=Reply.text("two")))
    fresh.add(Scenario(name="per-key", steps=steps))
    texts = []
    for key in (TEST_KEY, OTHER_KEY, TEST_KEY, OTHER_KEY):
        answer = httpx2.post(
            f"{fresh.base_url}/v1/messages",
            json={"model": MODEL, "max_tokens": 16, "messages": HI},
            headers=api_headers() | {"x-api-key": key},
        )
        texts.append(answer.json()["content"][0]["text"])
    assert texts == ["one", "one", "two", "two"]
    assert fresh.failures() == []


def test_the_report_still_counts_bearer_and_key_clients(fresh: MockServer) -> None:
    fresh.reset_report()
    for headers in ({"x-api-key": TEST_KEY}, {"authorization": f"Bearer {TEST_KEY}"}):
        httpx2.post(
            f"{fresh.base_url}/v1/messages",
            json={"model": MODEL, "max_tokens": 16, "messages": HI},
            headers={"anthropic-version": "2023-06-01", **headers},
        )
    assert fresh.report().features["auth"] == {"x-api-key": 1, "bearer": 1}
