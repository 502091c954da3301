"""The Files API through the official SDK: a document pipeline's whole round trip."""

from __future__ import annotations

import base64
from typing import Any

import anthropic
import pytest
from conftest import MODEL, TEST_KEY, ServerFactory
from files_support import pdf_with_pages, png

from mockserver.server import MockServer

PDF = pdf_with_pages(3)
PNG = png(800, 600)
# kind of block, bytes, the media type the inline source declares, the upload's name
CASES = [
    pytest.param("document", PDF, "application/pdf", "report.pdf", id="pdf"),
    pytest.param("image", PNG, "image/png", "chart.png", id="image"),
]


def file_block(kind: str, file_id: str) -> dict[str, Any]:
    return {"type": kind, "source": {"type": "file", "file_id": file_id}}


def inline_block(kind: str, data: bytes, media_type: str) -> dict[str, Any]:
    encoded = base64.b64encode(data).decode()
    return {"type": kind, "source": {"type": "base64", "media_type": media_type, "data": encoded}}


def ask(block: dict[str, Any]) -> list[Any]:
    return [{"role": "user", "content": [block, {"type": "text", "text": "Summarize this."}]}]


@pytest.mark.parametrize(("kind", "data", "media_type", "name"), CASES)
def test_upload_reference_count_list_download_delete(
    client: anthropic.Anthropic, kind: str, data: bytes, media_type: str, name: str
) -> None:
    uploaded = client.beta.files.upload(file=(name, data, media_type))
    assert uploaded.id.startswith("file_")
    assert (uploaded.filename, uploaded.mime_type) == (name, media_type)
    assert uploaded.size_bytes == len(data)
    assert uploaded.downloadable is False
    assert uploaded.expires_at is None

    by_file = ask(file_block(kind, uploaded.id))
    inline = ask(inline_block(kind, data, media_type))
    counted = client.messages.count_tokens(model=MODEL, messages=by_file).input_tokens
    assert counted == client.messages.count_tokens(model=MODEL, messages=inline).input_tokens
    message = client.messages.create(model=MODEL, max_tokens=20, messages=by_file)
    assert message.usage.input_tokens == counted

    assert client.beta.files.retrieve_metadata(uploaded.id) == uploaded
    assert [f.id for f in client.beta.files.list()] == [uploaded.id]

    with pytest.raises(anthropic.BadRequestError) as refused:
        client.beta.files.download(uploaded.id)
    assert refused.value.body["error"]["details"] == {"error_code": "file_not_downloadable"}

    deleted = client.beta.files.delete(uploaded.id)
    assert (deleted.id, deleted.type) == (uploaded.id, "file_deleted")
    assert list(client.beta.files.list()) == []
    with pytest.raises(anthropic.NotFoundError):
        client.beta.files.retrieve_metadata(uploaded.id)
    with pytest.raises(anthropic.NotFoundError) as gone:
        client.messages.create(model=MODEL, max_tokens=20, messages=by_file)
    assert uploaded.id in gone.value.message
    with pytest.raises(anthropic.NotFoundError):
        client.messages.count_tokens(model=MODEL, messages=by_file)


def test_pdf_pages_set_the_cost(client: anthropic.Anthropic) -> None:
    one = client.beta.files.upload(file=("one.pdf", pdf_with_pages(1), "application/pdf"))
    four = client.beta.files.upload(file=("four.pdf", pdf_with_pages(4), "application/pdf"))
    small, large = (
        client.messages.count_tokens(model=MODEL, messages=ask(file_block("document", f.id)))
        for f in (one, four)
    )
    assert large.input_tokens > small.input_tokens


def test_image_dimensions_set_the_cost(client: anthropic.Anthropic) -> None:
    tiny = client.beta.files.upload(file=("tiny.png", png(40, 30)))
    big = client.beta.files.upload(file=("big.png", PNG))
    assert tiny.mime_type == "image/png"  # read from the bytes: the SDK sent no type
    small, large = (
        client.messages.count_tokens(model=MODEL, messages=ask(file_block("image", f.id)))
        for f in (tiny, big)
    )
    assert large.input_tokens - small.input_tokens > 500


def test_a_file_of_the_wrong_type_is_refused(client: anthropic.Anthropic) -> None:
    pdf = client.beta.files.upload(file=("report.pdf", PDF, "application/pdf"))
    with pytest.raises(anthropic.BadRequestError) as refused:
        client.messages.create(
            model=MODEL, max_tokens=20, messages=ask(file_block("image", pdf.id))
        )
    assert "application/pdf" in refused.value.message
    assert "messages.0.content.0" in refused.value.message


def test_text_file_as_document_costs_as_inline_text(client: anthropic.Anthropic) -> None:
    text = "The quarterly figures rose by four percent. " * 20
    uploaded = client.beta.files.upload(file=("notes.txt", text.encode(), "text/plain"))
    assert uploaded.mime_type == "text/plain"
    inline = {
        "type": "document",
        "source": {"type": "text", "media_type": "text/plain", "data": text},
    }
    by_file = client.messages.count_tokens(
        model=MODEL, messages=ask(file_block("document", uploaded.id))
    )
    assert by_file == client.messages.count_tokens(model=MODEL, messages=ask(inline))


def test_files_are_per_api_key(fresh: MockServer, client: anthropic.Anthropic) -> None:
    mine = client.beta.files.upload(file=("report.pdf", PDF, "application/pdf"))
    with anthropic.Anthropic(
        base_url=fresh.base_url, api_key="sk-ant-other", max_retries=0
    ) as other:
        assert list(other.beta.files.list()) == []
        with pytest.raises(anthropic.NotFoundError):
            other.beta.files.retrieve_metadata(mine.id)
        with pytest.raises(anthropic.NotFoundError):
            other.beta.files.delete(mine.id)
        with pytest.raises(anthropic.NotFoundError):
            other.messages.count_tokens(model=MODEL, messages=ask(file_block("document", mine.id)))
    assert client.beta.files.retrieve_metadata(mine.id).id == mine.id


def test_list_pages_newest_first_and_filters_by_ids(client: anthropic.Anthropic) -> None:
    made = [client.beta.files.upload(file=(f"f{i}.txt", b"x" * (i + 1))).id for i in range(5)]
    first = client.beta.files.list(limit=2)
    assert [f.id for f in first.data] == made[::-1][:2]
    assert first.next_page is not None
    assert first.next_page.startswith("page_")
    assert [f.id for f in first] == made[::-1]  # auto-pagination follows next_page
    last = client.beta.files.list(limit=2, page=client.beta.files.list(limit=4).next_page)
    assert ([f.id for f in last.data], last.next_page) == ([made[0]], None)
    picked = client.beta.files.list(ids=[made[1], made[3], "file_01unknown"])
    assert [f.id for f in picked.data] == [made[3], made[1]]
    assert picked.next_page is None
    with pytest.raises(anthropic.BadRequestError):
        client.beta.files.list(ids=[made[0]], limit=2)
    with pytest.raises(anthropic.BadRequestError):
        client.beta.files.list(page="page_not-a-cursor")


def test_expiry_follows_the_server_clock(fresh: MockServer, client: anthropic.Anthropic) -> None:
    uploaded = client.beta.files.upload(
        file=("report.pdf", PDF, "application/pdf"), expires_in_seconds=3600
    )
    assert uploaded.expires_at is not None
    assert (uploaded.expires_at - uploaded.created_at).total_seconds() == pytest.approx(3600)
    messages = ask(file_block("document", uploaded.id))
    assert client.messages.count_tokens(model=MODEL, messages=messages).input_tokens > 0
    fresh.advance_clock(3601)
    with pytest.raises(anthropic.NotFoundError) as expired:
        client.messages.create(model=MODEL, max_tokens=20, messages=messages)
    assert expired.value.body["error"]["details"] == {"error_code": "file_expired"}
    # The metadata outlives the bytes.
    assert client.beta.files.retrieve_metadata(uploaded.id).id == uploaded.id


@pytest.mark.parametrize("seconds", [59, 3599, 7_776_001])
def test_expiry_outside_the_api_bounds_is_refused(
    client: anthropic.Anthropic, seconds: int
) -> None:
    with pytest.raises(anthropic.BadRequestError) as refused:
        client.beta.files.upload(file=("a.pdf", PDF), expires_in_seconds=seconds)
    assert refused.value.body["error"]["message"].startswith("expires_in_seconds: Input should be")
    assert list(client.beta.files.list()) == []


def test_a_file_a_tool_made_can_be_downloaded(
    fresh: MockServer, client: anthropic.Anthropic
) -> None:
    made = fresh.add_file(b"region,total\nnorth,12\n", filename="totals.csv", api_key=TEST_KEY)
    assert made["downloadable"] is True
    assert made["mime_type"] == "text/csv"
    content = client.beta.files.download(made["id"])
    assert content.read() == b"region,total\nnorth,12\n"
    assert client.beta.files.retrieve_metadata(made["id"]).downloadable is True


def test_reset_forgets_files(fresh: MockServer, client: anthropic.Anthropic) -> None:
    uploaded = client.beta.files.upload(file=("report.pdf", PDF))
    fresh.reset()
    assert list(client.beta.files.list()) == []
    with pytest.raises(anthropic.NotFoundError):
        client.messages.count_tokens(model=MODEL, messages=ask(file_block("document", uploaded.id)))


def test_byte_budget_refuses_uploads_past_it(server_factory: ServerFactory) -> None:
    srv = server_factory(files_max_bytes=1000)
    with anthropic.Anthropic(base_url=srv.base_url, api_key=TEST_KEY, max_retries=0) as sdk:
        kept = sdk.beta.files.upload(file=("a.bin", b"a" * 600))
        with pytest.raises(anthropic.BadRequestError) as refused:
            sdk.beta.files.upload(file=("b.bin", b"b" * 600))
        assert refused.value.body["error"]["details"] == {"error_code": "storage_quota_exceeded"}
        sdk.beta.files.delete(kept.id)  # deleting frees the room
        assert sdk.beta.files.upload(file=("b.bin", b"b" * 600)).size_bytes == 600


def test_beta_header_and_unknown_file_on_beta_messages(client: anthropic.Anthropic) -> None:
    uploaded = client.beta.files.upload(
        file=("report.pdf", PDF, "application/pdf"), betas=["files-api-2025-04-14"]
    )
    message = client.beta.messages.create(
        model=MODEL,
        max_tokens=20,
        betas=["files-api-2025-04-14"],
        messages=ask(file_block("document", uploaded.id)),
    )
    assert message.usage.input_tokens > 0
    with pytest.raises(anthropic.NotFoundError):
        client.beta.messages.count_tokens(
            model=MODEL, messages=ask(file_block("document", "file_01NeverUploaded"))
        )


def test_contract_report_counts_files_by_route(
    fresh: MockServer, client: anthropic.Anthropic
) -> None:
    for name in ("a.pdf", "b.pdf"):
        uploaded = client.beta.files.upload(file=(name, PDF))
        client.beta.files.retrieve_metadata(uploaded.id)
        client.beta.files.delete(uploaded.id)
    fresh.reset_report()
    uploaded = client.beta.files.upload(file=("c.pdf", PDF))
    client.beta.files.retrieve_metadata(uploaded.id)
    with pytest.raises(anthropic.BadRequestError):
        client.beta.files.download(uploaded.id)
    endpoints = fresh.report().endpoints
    assert endpoints == {
        "POST /v1/files": 1,
        "GET /v1/files/{file_id}": 1,
        "GET /v1/files/{file_id}/content": 1,
    }
