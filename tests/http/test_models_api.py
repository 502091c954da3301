"""GET /v1/models and /v1/models/{id} through the official SDK's pager."""

from __future__ import annotations

import anthropic
import httpx2
import pytest
from conftest import api_headers

from mockserver.server import MockServer


def test_the_sdk_pager_walks_the_whole_catalog_and_stops(
    client: anthropic.Anthropic, fresh: MockServer
) -> None:
    ids = [model.id for model in client.models.list(limit=5)]
    catalog = [m.id for m in fresh.state.catalog if m.lifecycle in ("active", "deprecated")]
    assert ids == catalog
    # Five per page: the pager asked exactly as many pages as there are, no endless loop.
    pages = [e for e in fresh.journal if e.path == "/v1/models"]
    assert len(pages) == -(-len(catalog) // 5)
    assert pages[-1].response["has_more"] is False


def test_newest_first_with_first_and_last_ids(http: httpx2.Client) -> None:
    page = http.get("/v1/models", params={"limit": 3}, headers=api_headers()).json()
    created = [m["created_at"] for m in page["data"]]
    assert created == sorted(created, reverse=True)
    assert page["first_id"] == page["data"][0]["id"]
    assert page["last_id"] == page["data"][-1]["id"]
    assert page["has_more"] is True


def test_before_id_pages_backwards(http: httpx2.Client) -> None:
    everything = http.get("/v1/models", params={"limit": 1000}, headers=api_headers()).json()
    ids = [m["id"] for m in everything["data"]]
    page = http.get(
        "/v1/models", params={"before_id": ids[4], "limit": 2}, headers=api_headers()
    ).json()
    assert [m["id"] for m in page["data"]] == ids[2:4]
    assert page["has_more"] is True


def test_retrieve_a_model_with_its_limits(client: anthropic.Anthropic) -> None:
    model = client.models.retrieve("claude-sonnet-4-6")
    assert model.id == "claude-sonnet-4-6"
    assert model.max_tokens == 128000  # what pydantic-ai and the AI SDK send it
    assert model.max_input_tokens == 1_000_000
    assert model.capabilities is not None
    assert model.capabilities.thinking.types.adaptive.supported is True


def test_retrieve_an_unknown_model_is_404(client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.NotFoundError) as caught:
        client.models.retrieve("claude-9-ultra")
    assert caught.value.body["error"]["message"] == "model: claude-9-ultra"


@pytest.mark.parametrize(
    ("limit", "message"),
    [
        ("0", "limit: Input should be greater than or equal to 1"),
        ("1001", "limit: Input should be less than or equal to 1000"),
    ],
)
def test_limit_is_ranged(http: httpx2.Client, limit: str, message: str) -> None:
    response = http.get("/v1/models", params={"limit": limit}, headers=api_headers())
    assert response.status_code == 400
    assert response.json()["error"]["message"] == message
