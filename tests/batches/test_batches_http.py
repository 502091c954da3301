"""Message Batches over plain HTTP, as a client in another language would call them."""

from __future__ import annotations

import json

import httpx2
from conftest import MODEL, ServerFactory, api_headers

from mockserver import MockServer

PATH = "/v1/messages/batches"


def test_batch_round_trip_over_http(fresh: MockServer, http: httpx2.Client) -> None:
    headers = api_headers("2026-10-21")
    body = {
        "requests": [
            {
                "custom_id": "ok",
                "params": {
                    "model": MODEL,
                    "max_tokens": 32,
                    "messages": [{"role": "user", "content": "hi"}],
                },
            },
            {
                "custom_id": "streamed",
                "params": {
                    "model": MODEL,
                    "max_tokens": 32,
                    "stream": True,
                    "messages": [{"role": "user", "content": "hi"}],
                },
            },
        ]
    }
    created = http.post(PATH, headers=headers, json=body)
    assert created.status_code == 200
    assert created.headers["request-id"].startswith("req_")
    batch = created.json()
    assert batch["type"] == "message_batch"
    assert batch["processing_status"] == "in_progress"
    assert batch["created_at"].endswith("Z")

    polled = http.get(f"{PATH}/{batch['id']}", headers=headers).json()
    assert polled["processing_status"] == "ended"
    assert polled["request_counts"] == {
        "processing": 0,
        "succeeded": 1,
        "errored": 1,
        "canceled": 0,
        "expired": 0,
    }
    # The results URL is absolute, on the host the client called.
    url = polled["results_url"]
    assert url.startswith(fresh.base_url)
    results = http.get(url, headers={**headers, "accept": "application/binary"})
    assert results.status_code == 200
    assert results.headers["content-type"].startswith("application/x-jsonl")
    lines = [json.loads(line) for line in results.text.splitlines()]
    assert [line["custom_id"] for line in lines] == ["ok", "streamed"]
    assert lines[0]["result"]["message"]["usage"]["service_tier"] == "batch"
    assert lines[1]["result"]["type"] == "errored"
    assert lines[1]["result"]["error"]["error"]["type"] == "invalid_request_error"

    deleted = http.delete(f"{PATH}/{batch['id']}", headers=headers)
    assert deleted.json() == {"id": batch["id"], "type": "message_batch_deleted"}
    gone = http.get(f"{PATH}/{batch['id']}", headers=headers)
    assert gone.status_code == 404
    assert gone.json()["error"]["type"] == "not_found_error"


def test_cancel_and_list_over_http(server_factory: ServerFactory) -> None:
    server = server_factory(batch_processing_seconds=10)
    headers = api_headers()
    one = {
        "custom_id": "a",
        "params": {"model": MODEL, "max_tokens": 8, "messages": [{"role": "user", "content": "x"}]},
    }
    with httpx2.Client(base_url=server.base_url, timeout=10) as http:
        ids = [
            http.post(PATH, headers=headers, json={"requests": [one]}).json()["id"]
            for _ in range(3)
        ]
        page = http.get(PATH, headers=headers, params={"limit": 2}).json()
        assert [b["id"] for b in page["data"]] == ids[:0:-1]
        assert page["has_more"] is True
        rest = http.get(PATH, headers=headers, params={"after_id": page["last_id"]}).json()
        assert [b["id"] for b in rest["data"]] == ids[:1]
        assert rest["has_more"] is False
        canceled = http.post(f"{PATH}/{ids[0]}/cancel", headers=headers).json()
        assert canceled["processing_status"] == "canceling"
        after = http.get(f"{PATH}/{ids[0]}", headers=headers).json()
        assert after["request_counts"]["canceled"] == 1
        assert http.get(PATH, headers=headers, params={"limit": 0}).status_code == 400


def test_bad_bodies_get_the_envelope(http: httpx2.Client) -> None:
    headers = api_headers()
    for content, message in [
        (b"{", "not valid JSON"),
        (b"[]", "Input should be a valid dictionary"),
        (b'{"requests": {}}', "requests: Input should be a valid list"),
        (b'{"requests": [1]}', "requests.0: Input should be a valid dictionary"),
        (b'{"requests": [{"custom_id": "a"}]}', "requests.0.params: Field required"),
        (b'{"requests": [], "x": 1}', "x: Extra inputs are not permitted"),
    ]:
        answer = http.post(
            PATH, headers={**headers, "content-type": "application/json"}, content=content
        )
        assert answer.status_code == 400, content
        error = answer.json()["error"]
        assert error["type"] == "invalid_request_error"
        assert message in error["message"], (content, error["message"])
    assert http.get(PATH + "/msgbatch_01x/results", headers=headers).status_code == 404
    assert http.get("/v1/messages", headers=headers).status_code == 405
