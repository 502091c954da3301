"""For every bundled scenario, the JSON reply is key for key the Message its stream folds
into: no field is null on one side and absent on the other (the SDK-based parity test
cannot tell those apart), and no text block carries a null `citations`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from conftest import MODEL, api_headers
from stream_accumulate_raw import fold, ids_by_position
from stream_support import parse_sse
from test_bundled_stream_parity import CASES

from mockserver.config import Config
from mockserver.server import MockServer

# The rate-limit scenario answers 429 before it answers; a client retries.
_ATTEMPTS = 3


@pytest.fixture(scope="module")
def bundled() -> Iterator[MockServer]:
    with MockServer(Config(port=0, bundled_scenarios=True)) as server:
        yield server


def answered(raw: httpx2.Client, body: dict[str, Any]) -> httpx2.Response:
    for _ in range(_ATTEMPTS):
        response = raw.post("/v1/messages", json=body, headers=api_headers("2026-10-21"))
        if response.status_code != 429:
            break
    assert response.status_code == 200, response.text
    return response


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_json_reply_is_the_folded_stream_key_for_key(bundled: MockServer, name: str) -> None:
    body = {"model": MODEL, "max_tokens": 1024} | CASES[name]
    with httpx2.Client(base_url=bundled.base_url, timeout=10) as raw:
        bundled.reset()
        folded = fold(parse_sse(answered(raw, body | {"stream": True}).content))
        bundled.reset()
        plain = answered(raw, body).json()
    assert ids_by_position(folded) == ids_by_position(plain)
    texts = [b for b in plain["content"] if b["type"] == "text"]
    assert all(b.get("citations", []) is not None for b in texts)
