"""The catalog, continued: invalid content blocks and tool definitions, exact messages."""

from __future__ import annotations

from typing import Any

import pytest
from rules_support import (
    WEATHER,
    Case,
    assistant,
    check_case,
    image,
    jpeg,
    model,
    png,
    problems,
    request,
    text,
    tool_result,
    tool_use,
    user,
)

CITATION = {
    "type": "char_location",
    "cited_text": "quoted",
    "document_index": 0,
    "document_title": None,
    "start_char_index": 0,
    "end_char_index": 6,
}


def _big_image() -> dict[str, Any]:
    source = {"type": "base64", "media_type": "image/png", "data": "A" * (10 * 1024 * 1024 + 4)}
    return request(user([{"type": "image", "source": source}, text("what is this?")]))


def _images(n: int) -> list[dict[str, Any]]:
    return [image(png(100, 100)) for _ in range(n)]


NOTE = {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "x"}}


def _many_images() -> dict[str, Any]:
    small = [image(png(100, 100)) for _ in range(20)]
    return request(user([*small, image(png(2001, 100)), text("compare")]))


CASES = [
    Case(
        "image-over-10-mb",
        _big_image(),
        "messages.0.content.0.image.source.base64: image exceeds 10 MB maximum: 10485764 bytes "
        "> 10485760 bytes",
    ),
    Case(
        "image-side-over-8000",
        request(user([text("see"), image(png(8001, 600))])),
        "messages.0.content.1.image.source.base64.data: At least one of the image dimensions "
        "exceed max allowed size: 8000 pixels",
    ),
    Case(
        "many-images-side-over-2000",
        _many_images(),
        "messages.0.content.20.image.source.base64.data: At least one of the image dimensions "
        "exceed max allowed size for many-image requests: 2000 pixels",
    ),
    Case(
        "too-many-images",
        request(user([*_images(101), text("sort these")])),
        "too many images and documents: 101 + 0 > 100",
    ),
    Case(
        "too-many-images-and-documents",
        request(user([NOTE, *_images(100), text("compare")])),
        "too many images and documents: 100 + 1 > 100",
    ),
    Case(
        "too-many-images-with-a-document-in-a-tool-result",
        request(
            user([*_images(60), text("and the notes?")]),
            assistant([tool_use("toolu_01R", "read_file")]),
            user([tool_result("toolu_01R", [NOTE]), *_images(40)]),
        ),
        "too many images and documents: 100 + 1 > 100",
    ),
    Case(
        "image-media-type-mismatch",
        request(user([image(png(10, 10), "image/jpeg")])),
        "messages.0.content.0.image.source.base64: The image was specified using the image/jpeg "
        "media type, but the image appears to be a image/png image",
    ),
    Case(
        "tool-result-image-media-type-mismatch",
        request(
            user("Screenshot?"),
            assistant([tool_use("toolu_01S", "screenshot")]),
            user([tool_result("toolu_01S", [text("shot"), image(jpeg(10, 10), "image/png")])]),
        ),
        "messages.2.content.0.tool_result.content.1.image.source.base64: The image was specified "
        "using the image/png media type, but the image appears to be a image/jpeg image",
    ),
    Case(
        "image-not-an-image",
        request(
            user("Screenshot?"),
            assistant([tool_use("toolu_01S", "screenshot")]),
            user([tool_result("toolu_01S", [image(b"not an image at all")])]),
        ),
        "messages.2.content.0.content.0.image.source.base64: Could not process image",
    ),
    Case(
        "document-in-assistant-2026",
        request(
            user("Summarise."),
            assistant(
                [
                    {
                        "type": "document",
                        "source": {"type": "text", "media_type": "text/plain", "data": "x"},
                    }
                ]
            ),
            user("Thanks."),
        ),
        "messages.1.content.0.document: Document blocks are not allowed in assistant messages. "
        "Send documents in user messages.",
    ),
    Case(
        "citations-in-user-text-2026",
        request(user([text("As quoted.", citations=[CITATION])])),
        "messages.0.content.0.text.citations: Citations are not allowed in user messages. Remove "
        "`citations` from this text block.",
    ),
    Case(
        "citations-in-search-result-2026",
        request(
            user(
                [
                    {
                        "type": "search_result",
                        "source": "https://example.com",
                        "title": "Example",
                        "content": [text("cited", citations=[CITATION])],
                    }
                ]
            )
        ),
        "messages.0.content.0.search_result.content.0.citations: Citations are not allowed in "
        "user messages. Remove `citations` from this text block.",
    ),
    Case(
        "duplicate-tool-names",
        request(user("hi"), tools=[WEATHER, {**WEATHER, "description": "again"}]),
        "tools: Tool names must be unique.",
    ),
    Case(
        "empty-domain-list",
        request(
            user("hi"),
            tools=[{"type": "web_search_20250305", "name": "web_search", "blocked_domains": []}],
        ),
        "tools.0.web_search_20250305.blocked_domains: Empty list of domains is ambiguous. "
        "Provide at least one domain or null.",
    ),
    Case(
        "allowed-and-blocked-domains",
        request(
            user("hi"),
            tools=[
                {
                    "type": "web_fetch_20250910",
                    "name": "web_fetch",
                    "allowed_domains": ["a.com"],
                    "blocked_domains": ["b.com"],
                }
            ],
        ),
        "tools.0.web_fetch_20250910: Cannot specify both allowed_domains and blocked_domains in "
        "the same request",
    ),
    Case(
        "beta-tool-without-beta",
        request(
            user("hi"),
            tools=[
                {
                    "type": "computer_20250124",
                    "name": "computer",
                    "display_width_px": 1024,
                    "display_height_px": 768,
                }
            ],
        ),
        "tools.0: The `computer_20250124` tool requires the `computer-use-2025-01-24` beta. Add "
        "it to the `anthropic-beta` header.",
        # Without any beta header the schema refuses the tool type itself; with an
        # unrelated beta the beta schema admits it and this rule names the missing one.
        {"betas": ["claude-code-20250219"]},
    ),
    Case(
        "too-many-cache-breakpoints",
        request(user([text(f"part {n}", cache_control={"type": "ephemeral"}) for n in range(5)])),
        "A maximum of 4 blocks with cache_control may be provided. Found 5.",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_invalid_request_fails_with_the_api_message(case: Case) -> None:
    check_case(case)


def test_oversized_image_with_error_transformation_reports_details() -> None:
    body = request(
        user([text("see"), image(png(3000, 2000), transformations={"oversized_image": "error"})])
    )
    found = problems(body, model_spec=model("claude-sonnet-4-6", max_image_side=1568))
    assert len(found) == 1
    assert found[0].details == {
        "error_code": "image_dimensions_too_large",
        "max_side_length_pixels": 1568,
        "paths": ["messages.0.content.1"],
    }
    assert "3000x2000" in found[0].message
    assert "1568x1045" in found[0].message


def test_oversized_image_is_downsized_by_default() -> None:
    body = request(user([text("see"), image(png(3000, 2000))]))
    assert problems(body) == []
