"""The rules skipped for a request without their feature still fire wherever it hides."""

from __future__ import annotations

import base64

from rules_support import (
    SIGNER,
    assistant,
    context,
    messages_of,
    model,
    png,
    problems,
    request,
    text,
    tool_result,
    tool_use,
    user,
)

from mockserver.contract.rules_request import RuleRequest
from mockserver.contract.rules_scan import (
    BLANK_TEXT,
    CACHE_CONTROL,
    CITATIONS,
    CONTEXT_MANAGEMENT,
    DOCUMENTS,
    EMPTY_CONTENT,
    MAX_TOKENS,
    NO_MESSAGES,
    PREFILL,
    REPEATED_TOOL_NAMES,
    SAMPLING,
    SYSTEM_MESSAGES,
    TEMPERATURE,
    THINKING,
    THINKING_BLOCKS,
    TOOL_CHOICE,
    TOOL_RESULTS,
    TOOL_USES,
    TYPED_TOOLS,
)

CITATION = {
    "type": "char_location",
    "cited_text": "x",
    "document_index": 0,
    "document_title": None,
    "start_char_index": 0,
    "end_char_index": 1,
}
UNREADABLE = {"type": "base64", "media_type": "image/png", "data": base64.b64encode(b"no").decode()}
EPHEMERAL = {"type": "ephemeral"}


def features(body: dict[str, object]) -> frozenset[str]:
    return RuleRequest("messages", body, context(), model("claude-sonnet-4-6"), SIGNER).features


def test_a_plain_request_holds_no_feature() -> None:
    assert features(request(user("Hello"), assistant("Hi"), user([text("Bye")]))) == frozenset()


def test_each_feature_is_seen_where_the_rules_look_for_it() -> None:
    weather = {"name": "w", "input_schema": {"type": "object"}}
    assert features(request(user("hi"), tools=[weather])) == frozenset()
    assert features(request(user("hi"), tools=[{**weather, "type": "custom"}])) == frozenset()
    web_search = {"type": "web_search_20250305", "name": "web_search"}
    assert features(request(user("hi"), tools=[weather, web_search])) == {TYPED_TOOLS}
    marked = {**weather, "cache_control": EPHEMERAL}
    assert features(request(user("hi"), tools=[marked])) == {CACHE_CONTROL}
    toolset = {"type": "mcp_toolset", "mcp_server_name": "s"}
    again = {**weather, "description": "again"}
    assert features(request(user("hi"), tools=[weather, toolset, toolset, weather])) == {
        TYPED_TOOLS,
        REPEATED_TOOL_NAMES,
    }
    assert features(request(user("hi"), tools=[weather, "odd", {"name": 5}, again])) == {
        REPEATED_TOOL_NAMES
    }
    assert features(request(user("hi"), cache_control=EPHEMERAL)) == {CACHE_CONTROL}
    assert features(request(user("hi"), system=[text("s", cache_control=EPHEMERAL)])) == {
        CACHE_CONTROL
    }
    loop = request(user("hi"), assistant([tool_use("t1")]), user([tool_result("t1")]))
    assert features(loop) == {TOOL_USES, TOOL_RESULTS}
    system_thinking = {"role": "system", "content": [{"type": "thinking", "thinking": "x"}]}
    assert features(request(user("hi"), system_thinking)) == {THINKING_BLOCKS, SYSTEM_MESSAGES}
    assert features(request(user("hi"), assistant("The answer is"))) == {PREFILL}
    settings = {
        "thinking": {"type": "adaptive"},
        "temperature": 1,
        "tool_choice": {"type": "auto"},
        "context_management": {"edits": []},
    }
    assert features(request(user("hi"), **settings)) == {
        THINKING,
        TEMPERATURE,
        SAMPLING,
        TOOL_CHOICE,
        CONTEXT_MANAGEMENT,
    }
    # An empty thinking object sets no mode: the thinking rules have nothing to check.
    assert features(request(user("hi"), thinking={})) == frozenset()


def test_what_the_rules_for_every_conversation_object_to_is_seen() -> None:
    assert features(request()) == {NO_MESSAGES}
    assert features(request(user(""))) == {EMPTY_CONTENT}
    assert features(request(user([]), assistant("Hi"), user("Bye"))) == {EMPTY_CONTENT}
    assert features(request({"role": "user"})) == {EMPTY_CONTENT}
    assert features(request(user(" \n"))) == {BLANK_TEXT}
    assert features(request(user([text("hi"), text("")]))) == {BLANK_TEXT}
    # System messages may be empty or blank: no rule reads their text, only their role.
    blank_system = {"role": "system", "content": [text(" ")]}
    assert features(request(user("hi"), blank_system)) == {SYSTEM_MESSAGES}
    # Sonnet 4.6 writes up to 128k tokens; the rule itself knows the beta that lifts that.
    assert features(request(user("hi"), max_tokens=128_000)) == frozenset()
    assert features(request(user("hi"), max_tokens=128_001)) == {MAX_TOKENS}
    document = {"type": "document", "source": {"type": "text", "data": "d"}}
    assert features(request(user([document, text("hi")]))) == {DOCUMENTS}
    assert features(request(user([text("hi", citations=[CITATION])]))) == {CITATIONS}


def test_a_citation_inside_a_tool_results_search_result_is_still_refused() -> None:
    search = {
        "type": "search_result",
        "source": "https://example.com",
        "title": "Example",
        "content": [text("cited", citations=[CITATION])],
    }
    body = request(user("hi"), assistant([tool_use("t1")]), user([tool_result("t1", [search])]))
    assert features(body) == {TOOL_USES, TOOL_RESULTS, CITATIONS}
    assert messages_of(problems(body)) == [
        "messages.2.content.0.tool_result.content.0.search_result.content.0.citations: "
        "Citations are not allowed in user messages. Remove `citations` from this text block."
    ]


def test_an_image_inside_a_content_document_is_still_checked() -> None:
    document = {
        "type": "document",
        "source": {"type": "content", "content": [{"type": "image", "source": UNREADABLE}]},
    }
    found = messages_of(problems(request(user([document, text("what is it?")]))))
    assert found == [
        "messages.0.content.0.source.content.0.image.source.base64: Could not process image"
    ]


def test_an_image_inside_a_tool_result_is_still_checked() -> None:
    result = tool_result("t1", [{"type": "image", "source": UNREADABLE}])
    body = request(user("hi"), assistant([tool_use("t1")]), user([result]))
    found = messages_of(problems(body))
    assert found == ["messages.2.content.0.content.0.image.source.base64: Could not process image"]


def test_a_breakpoint_inside_a_tool_result_alone_is_still_checked() -> None:
    result = tool_result("t1", [text("", cache_control=EPHEMERAL)])
    body = request(user("hi"), assistant([tool_use("t1")]), user([result]))
    assert messages_of(problems(body))[0] == "cache_control cannot be set for empty text blocks"


def test_the_automatic_breakpoint_counts_with_the_marked_blocks() -> None:
    marked = [text(f"part {i}", cache_control=EPHEMERAL) for i in range(4)]
    body = request(user([*marked, text("last")]), cache_control=EPHEMERAL)
    assert messages_of(problems(body)) == [
        "A maximum of 4 blocks with cache_control may be provided. Found 5."
    ]


def test_a_thinking_block_in_a_system_message_is_still_verified() -> None:
    forged = {"type": "thinking", "thinking": "x", "signature": "RW5vdCBtaW5l"}
    body = request(user("hi"), {"role": "system", "content": [forged]})
    # On a model that takes system messages (older ones refuse the message first).
    found = messages_of(problems(body, model_spec="claude-opus-5"))
    assert found == ["messages.1.content.0: Invalid `signature` in `thinking` block"]


def test_a_valid_image_passes_and_a_big_one_is_refused() -> None:
    small = {
        "type": "image",
        "source": {**UNREADABLE, "data": base64.b64encode(png(10, 10)).decode()},
    }
    big = {
        "type": "image",
        "source": {**UNREADABLE, "data": base64.b64encode(png(9000, 10)).decode()},
    }
    assert problems(request(user([small]))) == []
    assert len(problems(request(user([big])))) == 1
