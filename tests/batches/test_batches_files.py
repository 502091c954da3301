"""A batch request that refers to an uploaded file is resolved and costed as a create is."""

from __future__ import annotations

from typing import Any

import anthropic
from conftest import MODEL, TEST_KEY
from files_support import pdf_with_pages

from mockserver import MockServer


def ask_about(file_id: str) -> dict[str, Any]:
    return {
        "model": MODEL,
        "max_tokens": 32,
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "document", "source": {"type": "file", "file_id": file_id}},
                    {"type": "text", "text": "Summarise it."},
                ],
            }
        ],
    }


def test_a_batch_request_reads_the_senders_file(fresh: MockServer) -> None:
    with anthropic.Anthropic(base_url=fresh.base_url, api_key=TEST_KEY, max_retries=0) as client:
        uploaded = client.beta.files.upload(
            file=("report.pdf", pdf_with_pages(3), "application/pdf")
        )
        alone = client.messages.create(**ask_about(uploaded.id))
        batch = client.messages.batches.create(
            requests=[
                {"custom_id": "known", "params": ask_about(uploaded.id)},  # type: ignore[typeddict-item]
                {"custom_id": "unknown", "params": ask_about("file_011CNha8iCJcU1wXNR6q4V8w")},  # type: ignore[typeddict-item]
            ]
        )
        results = {r.custom_id: r.result for r in client.messages.batches.results(batch.id)}
    known, unknown = results["known"], results["unknown"]
    assert known.type == "succeeded"
    # The same document costs the same in a batch as in a create.
    assert known.message.usage.input_tokens == alone.usage.input_tokens
    assert unknown.type == "errored"
    assert unknown.error.error.type == "not_found_error"
