"""Scripted replies meet the request: placeholders, and what the real model could not say."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.errors import ScenarioError
from mockserver.scripting.conversation import Conversation
from mockserver.scripting.replay import replay
from mockserver.scripting.reply import Reply
from mockserver.scripting.scenario import Scenario, Step

TOOL = {
    "name": "lookup",
    "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]},
}


def loop(**extra: Any) -> Conversation:
    return Conversation(
        {
            "model": "claude-haiku-4-5",
            "tools": [TOOL],
            "messages": [
                {"role": "user", "content": "Find cats"},
                {
                    "role": "assistant",
                    "content": [
                        {
                            "type": "tool_use",
                            "id": "toolu_1",
                            "name": "lookup",
                            "input": {"q": "cats", "n": [1, 2]},
                        }
                    ],
                },
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "tool_result",
                            "tool_use_id": "toolu_1",
                            "content": [{"type": "text", "text": "3 cats"}],
                        }
                    ],
                },
            ],
            **extra,
        }
    )


def test_placeholders_are_filled_from_the_request() -> None:
    reply = Reply.text(
        "{{ model }} turn {{ turn }}: {{ tool_result }} for {{ tool_input.q }} "
        '{{ tool_input.n.1 }} {{ "{{x}}" }}'
    )
    served = replay(reply, loop(), "s.yaml:3")
    assert served.content[0]["text"] == "claude-haiku-4-5 turn 2: 3 cats for cats 2 {{x}}"


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply.text("{{ tool_input.city }}"), "the latest tool_use input has no field 'city'"),
        (Reply.text("{{ nope }}"), "unknown placeholder {{ nope }}"),
        (
            Reply.tool_use("lookup", {}),
            "tool_use 'lookup' input does not fit its input_schema: $: 'q' is a required property",
        ),
        (
            Reply.blocks({"type": "web_search_tool_result", "content": []}),
            "needs a server_tool_use block before it",
        ),
    ],
)
def test_replies_that_cannot_be_served_name_the_step(reply: Reply, message: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        replay(reply, loop(), "s.yaml:3")
    assert str(caught.value).startswith("s.yaml:3: ")
    assert message in caught.value.message


def test_tool_choice_limits_what_a_step_may_answer() -> None:
    forced = loop(tool_choice={"type": "tool", "name": "lookup"})
    with pytest.raises(
        ScenarioError, match="tool_choice tool forces a tool call, but the reply has no tool_use"
    ):
        replay(Reply.text("no"), forced, "s")
    assert replay(Reply.refusal(), forced, "s").stop_reason == "refusal"
    with pytest.raises(ScenarioError, match="tool_choice none, so the model cannot call a tool"):
        replay(Reply.tool_use("lookup", {"q": "x"}), loop(tool_choice={"type": "none"}), "s")
    with pytest.raises(
        ScenarioError, match="server_tool_use calls 'web_search', but the request offers no such"
    ):
        replay(
            Reply.blocks({"type": "server_tool_use", "name": "web_search", "input": {}}),
            loop(),
            "s",
        )


def test_error_replies_are_served_as_they_are() -> None:
    error = Reply.http_error(529)
    assert replay(error, loop(tool_choice={"type": "any"}), "s") is error


def test_python_steps_take_match_keys_as_a_dict() -> None:
    step = Step(Reply.text("hi"), match={"last_user_text": "cats"})
    assert step.match.matches(Conversation({"messages": [{"role": "user", "content": "cats!"}]}))
    assert Scenario(steps=[step]).steps == (step,)
    with pytest.raises(TypeError, match="expected a Matcher"):
        Step(Reply.text("hi"), match="cats")  # type: ignore[arg-type]
