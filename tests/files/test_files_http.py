"""The Files API over raw HTTP, as a client in another language (or curl -F) sends it."""

from __future__ import annotations

import base64
from typing import Any

import httpx2
import pytest
from conftest import MODEL, api_headers
from files_support import pdf_with_pages, png

BOUNDARY = "----mockserver-test-boundary"


def form(*parts: tuple[str, str | None, str | None, bytes]) -> bytes:
    """A multipart/form-data body from (name, filename, content type, bytes) parts."""
    out = b""
    for name, filename, content_type, data in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n".encode()
        if content_type is not None:
            out += f"Content-Type: {content_type}\r\n".encode()
        out += b"\r\n" + data + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


def upload_headers() -> dict[str, str]:
    return api_headers(
        **{
            "content-type": f"multipart/form-data; boundary={BOUNDARY}",
            "anthropic-beta": "files-api-2025-04-14",
        }
    )


def ask(block: dict[str, Any]) -> dict[str, Any]:
    content = [block, {"type": "text", "text": "What does it say?"}]
    return {"model": MODEL, "messages": [{"role": "user", "content": content}]}


def assert_error(response: httpx2.Response, status: int, error_type: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["type"] == "error"
    assert body["error"]["type"] == error_type
    assert body["request_id"] == response.headers["request-id"]
    error: dict[str, Any] = body["error"]
    return error


@pytest.mark.parametrize(
    ("kind", "data", "media_type"),
    [("document", pdf_with_pages(2), "application/pdf"), ("image", png(300, 200), "image/png")],
)
def test_round_trip_over_raw_http(
    http: httpx2.Client, kind: str, data: bytes, media_type: str
) -> None:
    body = form(("file", f"upload.{media_type[-3:]}", media_type, data))
    # `?beta=true` is what older SDKs put on every beta path.
    uploaded = http.post("/v1/files?beta=true", content=body, headers=upload_headers())
    assert uploaded.status_code == 200, uploaded.text
    meta = uploaded.json()
    assert meta["type"] == "file"
    assert (meta["mime_type"], meta["size_bytes"], meta["downloadable"]) == (
        media_type,
        len(data),
        False,
    )
    file_id = meta["id"]

    by_file = ask({"type": kind, "source": {"type": "file", "file_id": file_id}})
    encoded = base64.b64encode(data).decode()
    inline = ask(
        {"type": kind, "source": {"type": "base64", "media_type": media_type, "data": encoded}}
    )
    counted = http.post("/v1/messages/count_tokens", json=by_file, headers=api_headers())
    expected = http.post("/v1/messages/count_tokens", json=inline, headers=api_headers())
    assert counted.status_code == 200, counted.text
    assert counted.json() == expected.json()
    created = http.post("/v1/messages", json={**by_file, "max_tokens": 16}, headers=api_headers())
    assert created.status_code == 200, created.text
    assert created.json()["usage"]["input_tokens"] == counted.json()["input_tokens"]

    assert http.get(f"/v1/files/{file_id}", headers=api_headers()).json() == meta
    listed = http.get("/v1/files", params={"limit": 10}, headers=api_headers()).json()
    assert listed == {"data": [meta], "next_page": None}
    download = http.get(f"/v1/files/{file_id}/content", headers=api_headers())
    error = assert_error(download, 400, "invalid_request_error")
    assert error["details"] == {"error_code": "file_not_downloadable"}

    deleted = http.delete(f"/v1/files/{file_id}", headers=api_headers())
    assert deleted.json() == {"id": file_id, "type": "file_deleted"}
    again = http.post("/v1/messages", json={**by_file, "max_tokens": 16}, headers=api_headers())
    assert file_id in assert_error(again, 404, "not_found_error")["message"]
    assert_error(http.delete(f"/v1/files/{file_id}", headers=api_headers()), 404, "not_found_error")


def test_filename_keeps_its_last_component_or_becomes_unnamed(http: httpx2.Client) -> None:
    named = form(("file", "C:\\reports\\q3/summary.pdf", None, pdf_with_pages(1)))
    meta = http.post("/v1/files", content=named, headers=upload_headers()).json()
    assert (meta["filename"], meta["mime_type"]) == ("summary.pdf", "application/pdf")
    anonymous = form(("file", "", "application/octet-stream", pdf_with_pages(1)))
    meta = http.post("/v1/files", content=anonymous, headers=upload_headers()).json()
    assert meta["filename"] == "unnamed.pdf"


@pytest.mark.parametrize(
    ("body", "content_type", "wording"),
    [
        (b"not multipart at all", f"multipart/form-data; boundary={BOUNDARY}", "Malformed"),
        (form(("file", "a.pdf", None, b"%PDF-1.4"))[:-20], None, "Malformed"),
        (form(("expires_in_seconds", None, None, b"3600")), None, "file: Field required"),
        (form(("file", "a.txt", None, b"x"), ("purpose", None, None, b"x")), None, "purpose:"),
        (
            form(("file", "a.txt", None, b"x"), ("expires_in_seconds", None, None, b"soon")),
            None,
            "expires_in_seconds: Input should be a valid integer",
        ),
        (b'{"file": "a.pdf"}', "application/json", "multipart/form-data"),
        (form(("file", "a.txt", None, b"x"), ("file", "b.txt", None, b"y")), None, "only one"),
    ],
    ids=["no-parts", "truncated", "no-file", "extra-field", "bad-expiry", "json", "two-files"],
)
def test_bad_uploads_are_400_and_the_server_keeps_serving(
    http: httpx2.Client, body: bytes, content_type: str | None, wording: str
) -> None:
    headers = upload_headers()
    if content_type is not None:
        headers["content-type"] = content_type
    refused = http.post("/v1/files", content=body, headers=headers)
    assert wording in assert_error(refused, 400, "invalid_request_error")["message"]
    assert http.get("/v1/files", headers=api_headers()).json() == {"data": [], "next_page": None}


def test_upload_needs_an_api_key(http: httpx2.Client) -> None:
    headers = upload_headers()
    del headers["x-api-key"]
    refused = http.post("/v1/files", content=form(("file", "a.txt", None, b"x")), headers=headers)
    assert_error(refused, 401, "authentication_error")


def test_unknown_file_in_a_tool_result_and_a_container_upload(http: httpx2.Client) -> None:
    image = {"type": "image", "source": {"type": "file", "file_id": "file_01Missing"}}
    result = {"type": "tool_result", "tool_use_id": "toolu_01", "content": [image]}
    body = {
        "model": MODEL,
        "messages": [
            {"role": "user", "content": "Look."},
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": "toolu_01", "name": "look", "input": {}}],
            },
            {"role": "user", "content": [result]},
        ],
        "tools": [{"name": "look", "input_schema": {"type": "object"}}],
    }
    refused = http.post("/v1/messages/count_tokens", json=body, headers=api_headers())
    assert "file_01Missing" in assert_error(refused, 404, "not_found_error")["message"]
    upload = ask({"type": "container_upload", "file_id": "file_01AlsoMissing"})
    refused = http.post("/v1/messages/count_tokens", json=upload, headers=api_headers())
    assert "file_01AlsoMissing" in assert_error(refused, 404, "not_found_error")["message"]


def test_a_known_image_in_a_tool_result_costs_its_pixels(http: httpx2.Client) -> None:
    def cost(file_id: str) -> int:
        image = {"type": "image", "source": {"type": "file", "file_id": file_id}}
        result = {"type": "tool_result", "tool_use_id": "toolu_01", "content": [image]}
        body = {
            "model": MODEL,
            "messages": [
                {"role": "user", "content": "Look."},
                {
                    "role": "assistant",
                    "content": [
                        {"type": "tool_use", "id": "toolu_01", "name": "look", "input": {}}
                    ],
                },
                {"role": "user", "content": [result]},
            ],
            "tools": [{"name": "look", "input_schema": {"type": "object"}}],
        }
        answer = http.post("/v1/messages/count_tokens", json=body, headers=api_headers())
        assert answer.status_code == 200, answer.text
        tokens: int = answer.json()["input_tokens"]
        return tokens

    ids = [
        http.post(
            "/v1/files", content=form(("file", "s.png", None, png(w, h))), headers=upload_headers()
        ).json()["id"]
        for w, h in ((20, 20), (1000, 1000))
    ]
    small, large = (cost(i) for i in ids)
    assert large - small > 1000


def test_admin_reset_forgets_files(http: httpx2.Client) -> None:
    upload = form(("file", "a.txt", "text/plain", b"kept until the reset"))
    file_id = http.post("/v1/files", content=upload, headers=upload_headers()).json()["id"]
    assert http.get(f"/v1/files/{file_id}", headers=api_headers()).status_code == 200
    assert http.post("/_mock/reset").json() == {"reset": True}
    assert_error(http.get(f"/v1/files/{file_id}", headers=api_headers()), 404, "not_found_error")
    assert http.get("/v1/files", headers=api_headers()).json() == {"data": [], "next_page": None}
