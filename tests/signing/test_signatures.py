"""Signer: signatures bound to the thinking text and to the conversation it was made in."""

from __future__ import annotations

import base64
import copy
from typing import Any

from rules_support import (
    SIGNER,
    assistant,
    reply,
    request,
    text,
    thinking,
    tool_result,
    tool_use,
    user,
)

from mockserver.signing.signer import Signer, Verdict

TOOLS = [{"name": "get_weather", "input_schema": {"type": "object"}}]


def verdicts(body: dict[str, Any], signer: Signer = SIGNER) -> list[tuple[str, str | None]]:
    return [(c.verdict.value, c.differs) for c in signer.check(body)]


def tool_loop() -> tuple[dict[str, Any], dict[str, Any]]:
    """A weather tool loop: the first request, and the continuation with the tool result."""
    first = request(user("Weather in Paris?"), system="Be brief.", tools=TOOLS)
    answer = reply(
        first, thinking("Need the tool."), text("Checking."), tool_use("toolu_01A", city="Paris")
    )
    follow = request(
        user("Weather in Paris?"),
        answer,
        user([tool_result("toolu_01A", "Sunny")]),
        system="Be brief.",
        tools=TOOLS,
    )
    return first, follow


def test_signature_looks_like_the_apis() -> None:
    sig = SIGNER.mint("Some reasoning.", request(user("hi")))
    assert sig.startswith("E")
    assert len(sig) > 100
    base64.b64decode(sig, validate=True)


def test_signature_format_is_stable() -> None:
    # Recorded fixtures carry seeded signatures: a format change would invalidate them.
    body = request(user("Weather in Paris?"), system="Be brief.")
    signer = Signer.from_seed("fixed")
    assert signer.mint("Need the tool.", body) == (
        "EnIBAZjU9M/kUHkpT1PNoYwrqgyJyQvtgsipmwAAAAAAAAAAgeOXP4I5py21/jDnOaizijh/Zi0KndMFn0px"
        "WSDFI9wIORF2fxI5/4HMXaJlLLYSAE8tiG9V65crAFQ9SPJK3FfwIA+Hg5pweF0y0bKSN3k="
    )
    session = signer.session(body)
    session.thinking("a")
    assert session.redacted("h") == (
        "EnIBApjU9M/kUHkpT1PNoYwrqgyJyQvtgsipm7Z+cNdrxc+nqqlAJmTxpB9A67xSyZk+tmidcaHwZZHI0eCD"
        "J2ZMsAA7VucmibRnv1QQqHZs7MASdlRbh9JyMRvZPX4wefhR3G9GWsBe7BDSZEo+tO25mgA="
    )


def test_seeded_signer_is_deterministic_and_secrets_differ() -> None:
    body = request(user("hi"))
    assert Signer.from_seed("a").mint("x", body) == Signer.from_seed("a").mint("x", body)
    assert Signer.from_seed("a").mint("x", body) != Signer.from_seed("b").mint("x", body)
    assert Signer().mint("x", body) != Signer().mint("x", body)


def test_block_sent_back_in_its_own_conversation_is_valid() -> None:
    _, follow = tool_loop()
    assert verdicts(follow) == [("valid", None)]


def test_a_request_without_thinking_blocks_has_nothing_to_check() -> None:
    assert SIGNER.check(request(user("hi"), assistant("hello"), user("bye"))) == []


def test_other_servers_signature_is_invalid() -> None:
    _, follow = tool_loop()
    assert verdicts(follow, Signer.from_seed("another server")) == [("invalid", None)]


def test_altered_text_is_invalid() -> None:
    _, follow = tool_loop()
    follow["messages"][1]["content"][0]["thinking"] += " (edited)"
    assert verdicts(follow) == [("invalid", None)]


def test_signature_of_another_block_is_invalid() -> None:
    first = request(user("hi"))
    one = reply(first, thinking("one"), text("a"))
    two = reply(first, thinking("two"), text("b"))
    one["content"][0]["signature"] = two["content"][0]["signature"]
    assert verdicts(request(user("hi"), one, user("more"))) == [("invalid", None)]


def test_thinking_signature_is_not_redacted_data() -> None:
    first = request(user("hi"))
    answer = reply(first, thinking("one"), text("a"))
    block = answer["content"][0]
    answer["content"][0] = {"type": "redacted_thinking", "data": block["signature"]}
    assert verdicts(request(user("hi"), answer, user("more"))) == [("invalid", None)]


def test_edits_before_the_block_are_mismatches_named_by_what_changed() -> None:
    _, follow = tool_loop()
    edited_system = {**follow, "system": "Be verbose."}
    edited_tools = {**follow, "tools": [*TOOLS, {"name": "x", "input_schema": {"type": "object"}}]}
    edited_turn = copy.deepcopy(follow)
    edited_turn["messages"][0] = user("Weather in Rome?")
    assert verdicts(edited_system) == [("mismatch", "system")]
    assert verdicts(edited_tools) == [("mismatch", "tools")]
    assert verdicts(edited_turn) == [("mismatch", "messages")]


def test_edits_after_the_block_do_not_matter() -> None:
    _, follow = tool_loop()
    follow["messages"][2] = user([tool_result("toolu_01A", "Rain")])
    follow["messages"][1]["content"][1]["text"] = "Checking!"  # same turn, after the block
    assert verdicts(follow) == [("valid", None)]


def test_cache_markers_nulls_and_echo_fields_do_not_matter() -> None:
    first = request(user([text("Weather?", cache_control={"type": "ephemeral"})]), tools=TOOLS)
    answer = reply(first, thinking("Tool."), tool_use("toolu_01A"))
    rest = [user([tool_result("toolu_01A", "Sunny", cache_control={"type": "ephemeral"})])]
    # The client moved the marker, dropped the null citations and the caller, and sent
    # the tool result's content as blocks.
    second = request(user([text("Weather?")]), answer, *rest, tools=TOOLS)
    third_answer = reply(second, thinking("Done."), text("Sunny.", citations=None))
    del third_answer["content"][1]["citations"]
    later = request(
        user("Weather?"),
        {
            "role": "assistant",
            "content": [{k: v for k, v in b.items() if k != "caller"} for b in answer["content"]],
        },
        user([tool_result("toolu_01A", [text("Sunny")])]),
        third_answer,
        user("Thanks"),
        tools=[{**TOOLS[0], "cache_control": {"type": "ephemeral"}}],
    )
    assert verdicts(later) == [("valid", None), ("valid", None)]


def test_leading_thinking_blocks_may_be_dropped_but_not_middle_ones() -> None:
    body = request(user("Q1"))
    a1 = reply(body, thinking("t1"), text("A1"))
    body = request(user("Q1"), a1, user("Q2"))
    a2 = reply(body, thinking("t2"), text("A2"))
    body = request(user("Q1"), a1, user("Q2"), a2, user("Q3"))
    a3 = reply(body, thinking("t3"), text("A3"))
    full = request(user("Q1"), a1, user("Q2"), a2, user("Q3"), a3, user("Q4"))
    assert verdicts(full) == [("valid", None)] * 3

    def without(*turns: int) -> dict[str, Any]:
        out = copy.deepcopy(full)
        for i in turns:
            out["messages"][i]["content"] = out["messages"][i]["content"][1:]
        return out

    assert verdicts(without(1)) == [("valid", None)] * 2
    assert verdicts(without(1, 3)) == [("valid", None)]
    assert verdicts(without(3)) == [("valid", None), ("mismatch", "order")]


def test_merged_or_split_assistant_messages_are_the_same_turn() -> None:
    first = request(user("Search it."))
    answer = reply(
        first, thinking("Search."), text("Found it."), thinking("Now answer."), text("Done.")
    )
    blocks = answer["content"]
    split = request(user("Search it."), assistant(blocks[:2]), assistant(blocks[2:]), user("ok"))
    merged = request(user("Search it."), answer, user("ok"))
    assert verdicts(merged) == [("valid", None)] * 2
    assert verdicts(split) == [("valid", None)] * 2


def test_reply_continuing_a_paused_turn_binds_to_the_turn_start() -> None:
    first = request(user("Research this."))
    part1 = reply(first, thinking("Plan."), text("Searching."))
    paused = request(user("Research this."), part1)
    part2 = reply(paused, thinking("Results are in."), text("Answer."))
    later = request(user("Research this."), part1, part2, user("Thanks"))
    assert verdicts(later) == [("valid", None)] * 2


def test_redacted_thinking_is_bound_like_thinking() -> None:
    first = request(user("hi"))
    answer = reply(first, {"type": "redacted_thinking"}, text("hello"))
    assert answer["content"][0]["data"]
    ok = request(user("hi"), answer, user("more"))
    moved = request(user("hello"), answer, user("more"))
    assert verdicts(ok) == [("valid", None)]
    assert verdicts(moved) == [("mismatch", "messages")]


def test_system_role_messages_are_part_of_the_conversation() -> None:
    note = {"role": "system", "content": "Be careful."}
    first = request(user("Q1"), note)
    answer = reply(first, thinking("Careful."), text("A1"))
    same = request(user("Q1"), note, answer, user("Q2"))
    dropped = request(user("Q1"), answer, user("Q2"))
    assert verdicts(same) == [("valid", None)]
    assert verdicts(dropped) == [("mismatch", "messages")]


def test_odd_blocks_never_raise() -> None:
    body = request(
        user("hi"),
        assistant([{"type": "thinking"}, {"type": "thinking", "thinking": 3, "signature": 5}, 7]),
        assistant(
            [{"type": "redacted_thinking", "data": None}, {"type": "thinking", "signature": "E!!"}]
        ),
    )
    body["messages"].insert(1, "not a message")
    found = SIGNER.check(body)
    assert [c.verdict for c in found] == [Verdict.INVALID] * 4
    assert [c.path for c in found] == [
        "messages.2.content.0",
        "messages.2.content.1",
        "messages.3.content.0",
        "messages.3.content.1",
    ]


def test_authenticity_alone_skips_the_conversation() -> None:
    _, follow = tool_loop()
    moved = {**follow, "system": "Be verbose."}
    assert verdicts(moved) == [("mismatch", "system")]
    assert [c.verdict for c in SIGNER.check(moved, binding=False)] == [Verdict.VALID]
    follow["messages"][1]["content"][0]["thinking"] = "changed"
    assert [c.verdict for c in SIGNER.check(follow, binding=False)] == [Verdict.INVALID]


def test_verdicts_follow_the_content_not_the_objects_sent() -> None:
    # What a message adds and what a signature says are remembered between requests;
    # a block edited in place after a check is judged by its new content.
    _, follow = tool_loop()
    block = follow["messages"][1]["content"][0]
    assert verdicts(follow) == [("valid", None)]
    original = block["thinking"]
    block["thinking"] = original + " (edited)"
    assert verdicts(follow) == [("invalid", None)]
    block["thinking"] = original
    assert verdicts(follow) == [("valid", None)]
    follow["messages"][0]["content"] = "Weather in Rome?"
    assert verdicts(follow) == [("mismatch", "messages")]
    assert verdicts(follow, Signer.from_seed("another server")) == [("invalid", None)]
