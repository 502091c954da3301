"""Where each rule stops: the cases next to a rule's edge that must pass, and their twins."""

from __future__ import annotations

from typing import Any

from rules_support import (
    assistant,
    image,
    messages_of,
    model,
    png,
    problems,
    reply,
    request,
    text,
    thinking,
    tool_result,
    tool_use,
    user,
)

BINDING_BETA = "thinking-binding-controls-2026-08-01"
OPUS = model("claude-opus-5-5", binds_thinking=True)


def _moved_block(**thinking_config: Any) -> dict[str, Any]:
    answered = reply(request(user("Q1")), thinking("t"), text("A1"))
    return request(
        user("Q1 edited"), answered, user("Q2"), thinking={"type": "adaptive", **thinking_config}
    )


def test_drop_block_setting_lets_rebound_blocks_through() -> None:
    dropped = _moved_block(block_binding={"prefix_mismatch_behavior": "drop_block"})
    assert problems(dropped, model_spec=OPUS, betas=[BINDING_BETA]) == []
    assert [p.rule for p in problems(_moved_block(), model_spec=OPUS)] == ["thinking_binding"]


def test_binding_message_omits_the_beta_hint_when_the_beta_is_sent() -> None:
    (with_beta,) = messages_of(problems(_moved_block(), model_spec=OPUS, betas=[BINDING_BETA]))
    (without,) = messages_of(problems(_moved_block(), model_spec=OPUS))
    assert BINDING_BETA not in with_beta
    assert f"That setting requires the `{BINDING_BETA}` value" in without
    assert with_beta.endswith(
        "The messages before this block differ from the ones it was created with."
    )


def test_an_unknown_model_skips_the_model_rules() -> None:
    body = request(user("hi"), assistant("Sure "), max_tokens=10**6, thinking={"type": "adaptive"})
    assert messages_of(problems(body, model_spec=None)) == [
        "messages: final assistant content cannot end with trailing whitespace"
    ]


def test_output_300k_beta_raises_the_output_limit() -> None:
    body = request(user("hi"), max_tokens=200_000)
    assert problems(body, model_spec="claude-opus-5-5") != []
    assert problems(body, model_spec="claude-opus-5-5", betas=["output-300k-2026-03-24"]) == []


def test_count_tokens_skips_the_rules_about_generating() -> None:
    body = request(
        user("hi"), assistant("Sure "), thinking={"type": "enabled", "budget_tokens": 1024}
    )
    del body["max_tokens"]
    assert problems(body, kind="count_tokens") == []


def test_a_final_assistant_tool_call_is_not_yet_checked_for_results() -> None:
    body = request(user("Weather?"), assistant([tool_use("toolu_01A")]))
    assert problems(body, model_spec="claude-haiku-4-5") == []


def test_manual_thinking_accepts_thinking_on_either_end_of_the_tool_loop() -> None:
    enabled = {"type": "enabled", "budget_tokens": 1024}

    def loop(first: list[dict[str, Any]], second: list[dict[str, Any]]) -> dict[str, Any]:
        return request(
            user("Go."),
            assistant(first),
            user([tool_result("toolu_01A")]),
            assistant(second),
            user([tool_result("toolu_01B")]),
            max_tokens=4096,
            thinking=enabled,
        )

    signed = reply(request(user("Go.")), thinking("t"), tool_use("toolu_01A"))["content"]
    with_last = loop([tool_use("toolu_01A")], [thinking("t2"), tool_use("toolu_01B")])
    neither = loop([tool_use("toolu_01A")], [text("Next."), tool_use("toolu_01B")])
    assert [p.rule for p in problems(loop(signed, [tool_use("toolu_01B")]))] == []
    assert "final_turn_starts_with_thinking" not in [p.rule for p in problems(with_last)]
    assert [p.message[:60] for p in problems(neither)] == [
        "messages.3.content.0.type: Expected `thinking` or `redacted_"
    ]


def test_manual_thinking_refuses_a_plain_prefill() -> None:
    body = request(
        user("hi"),
        assistant("Sure"),
        max_tokens=4096,
        thinking={"type": "enabled", "budget_tokens": 1024},
    )
    assert [p.rule for p in problems(body, model_spec="claude-haiku-4-5")] == [
        "final_turn_starts_with_thinking"
    ]


def test_forced_tool_refusal_holds_with_adaptive_thinking_too() -> None:
    body = request(
        user("hi"),
        tools=[{"name": "f", "input_schema": {"type": "object"}}],
        tool_choice={"type": "any"},
        thinking={"type": "adaptive"},
    )
    refusing = model("claude-fable-5-1", forced_tool_choice=False)
    assert problems(body) == []
    assert [p.rule for p in problems(body, model_spec=refusing)] == ["forced_tool_choice"]
    assert [p.rule for p in problems(body, model_spec=refusing, kind="count_tokens")] == [
        "forced_tool_choice"
    ]


def test_image_limits_read_only_base64_images_and_count_all_of_them() -> None:
    url = {"type": "image", "source": {"type": "url", "url": "https://example.com/huge.png"}}
    small = [image(png(2000, 2000)) for _ in range(21)]
    assert problems(request(user([url, text("what?")]))) == []
    assert problems(request(user([*small, text("many")]))) == []
    nested = request(
        user([url] * 20 + [text("look")]),
        assistant([tool_use("toolu_01S", "screenshot")]),
        user([tool_result("toolu_01S", [image(png(2400, 10))])]),
    )
    assert [p.path for p in problems(nested)] == [
        "messages.2.content.0.tool_result.content.0.image.source.base64.data"
    ]
