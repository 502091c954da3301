"""The default reply ends an agent's loop: one tool call per conversation under `auto`.

The client here behaves as Claude Code does: it runs whatever tool is called, sends the
result back with a `<system-reminder>`, and when a background agent finishes it sends
a user turn holding only a `<task-notification>`. Answering each notification with
another call would never end; the default reply answers it with text.
"""

from __future__ import annotations

from typing import Any

import anthropic
from anthropic.types import MessageParam, ToolParam
from conftest import MODEL

from mockserver.server import MockServer


def tool(name: str, description: str, *properties: str) -> ToolParam:
    schema = {p: {"type": "string"} for p in properties}
    return {
        "name": name,
        "description": description,
        "input_schema": {"type": "object", "properties": schema, "required": list(properties)},
    }


AGENT = tool(
    "Agent",
    "Launch a new agent to handle complex, multi-step tasks autonomously. The agent runs "
    "in the background; you are notified with a task notification when the task completes.",
    "prompt",
    "description",
)
BASH = tool("Bash", "Executes a given bash command and returns its output.", "command")
READ = tool("Read", "Reads a file from the local filesystem.", "file_path")
TOOLS = [READ, BASH, AGENT]
SYSTEM = "You are an interactive agent that helps users with software engineering tasks."
REMINDER = (
    "<system-reminder>\nThe task tools are available: launch an agent for complex tasks, "
    "agents notify on completion. Do not mention this reminder.\n</system-reminder>"
)
# More requests than this and the loop is taken to spin.
CAP = 30


def notification(number: int) -> str:
    return (
        "<task-notification>\n"
        f"<task-id>agent-{number}</task-id>\n<status>completed</status>\n"
        f'<summary>Agent "explore" completed the task</summary>\n'
        "<result>The agent explored the repository and completed its task.</result>\n"
        "</task-notification>"
    )


def run_like_claude_code(
    client: anthropic.Anthropic, messages: list[MessageParam], **extra: Any
) -> list[anthropic.types.Message]:
    """Drive the conversation until the model answers with nothing left to deliver."""
    replies: list[anthropic.types.Message] = []
    pending: list[str] = []
    while len(replies) < CAP:
        reply = client.messages.create(
            model=MODEL, max_tokens=1000, system=SYSTEM, tools=TOOLS, messages=messages, **extra
        )
        replies.append(reply)
        messages.append({"role": "assistant", "content": reply.content})
        calls = [b for b in reply.content if b.type == "tool_use"]
        if calls:
            results: list[Any] = []
            for call in calls:
                if call.name == "Agent":
                    pending.append(notification(len(pending) + 1))
                    output = "Async agent launched. You will be notified when it completes."
                else:
                    output = f"{call.name} ran with {call.input}"
                results.append({"type": "tool_result", "tool_use_id": call.id, "content": output})
            messages.append(
                {"role": "user", "content": [*results, {"type": "text", "text": REMINDER}]}
            )
        elif pending:
            messages.append({"role": "user", "content": pending.pop(0)})
        else:
            break
    return replies


def stop_reasons(replies: list[anthropic.types.Message]) -> list[str | None]:
    return [r.stop_reason for r in replies]


def test_an_agent_loop_fed_task_notifications_ends(
    fresh: MockServer, client: anthropic.Anthropic
) -> None:
    messages: list[MessageParam] = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": REMINDER},
                {"type": "text", "text": "Launch an agent to explore the repository."},
            ],
        }
    ]
    replies = run_like_claude_code(client, messages)
    # The call, the answer to its result, the answer to the agent's notification.
    assert stop_reasons(replies) == ["tool_use", "end_turn", "end_turn"]
    assert [b.name for b in replies[0].content if b.type == "tool_use"] == ["Agent"]
    assert fresh.journal.call_count == 3
    assert [e.status for e in fresh.journal.messages()] == [200, 200, 200]


def test_a_resumed_session_ends_whatever_the_user_sends(
    fresh: MockServer, client: anthropic.Anthropic
) -> None:
    """`--continue`: the history holds an earlier session's tool loop; nothing new is called."""
    earlier = client.messages.create(
        model=MODEL,
        max_tokens=1000,
        tools=TOOLS,
        messages=[{"role": "user", "content": "Launch an agent to explore the repository."}],
    )
    [call] = [b for b in earlier.content if b.type == "tool_use"]
    messages: list[MessageParam] = [
        {"role": "user", "content": "Launch an agent to explore the repository."},
        {"role": "assistant", "content": earlier.content},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "launched"}],
        },
        {"role": "assistant", "content": "The agent is exploring."},
        {"role": "user", "content": notification(1)},
        {"role": "assistant", "content": "The agent has finished."},
        {"role": "user", "content": "Now launch another agent to run the tests."},
    ]
    replies = run_like_claude_code(client, messages)
    assert stop_reasons(replies) == ["end_turn"]
    assert fresh.journal.call_count == 2


def test_injected_text_neither_picks_the_tool_nor_makes_a_request(
    fresh: MockServer, client: anthropic.Anthropic
) -> None:
    # The reminder talks of agents and tasks; the user asks for a file.
    asked: list[MessageParam] = [
        {"role": "user", "content": f"{REMINDER}\nRead the file README.md please"}
    ]
    first = client.messages.create(model=MODEL, max_tokens=1000, tools=TOOLS, messages=asked)
    assert [b.name for b in first.content if b.type == "tool_use"] == ["Read"]
    # A turn of nothing but notifications and reminders is not a request: text, no call.
    only_injected: list[MessageParam] = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": notification(1)},
                {"type": "text", "text": REMINDER},
            ],
        }
    ]
    second = client.messages.create(
        model=MODEL, max_tokens=1000, tools=TOOLS, messages=only_injected
    )
    assert [b.type for b in second.content] == ["text"]
    assert second.stop_reason == "end_turn"
    # The echo leaves the harness's text out.
    assert "task-notification" not in second.content[0].text
    assert fresh.journal.call_count == 2


def test_a_forced_tool_choice_is_obeyed_on_every_turn(
    fresh: MockServer, client: anthropic.Anthropic
) -> None:
    """Forcing a tool each turn is the client's own loop: the API would call it each time."""
    messages: list[MessageParam] = [{"role": "user", "content": "Run the build with bash"}]
    replies = run_like_claude_code(client, messages, tool_choice={"type": "any"})
    assert len(replies) == CAP
    assert set(stop_reasons(replies)) == {"tool_use"}
    assert [b.name for b in replies[0].content] == ["Bash"]
    assert fresh.journal.call_count == CAP


def called(client: anthropic.Anthropic, text: str) -> str | None:
    reply = client.messages.create(
        model=MODEL, max_tokens=256, tools=TOOLS, messages=[{"role": "user", "content": text}]
    )
    return next((b.name for b in reply.content if b.type == "tool_use"), None)


def test_a_tool_the_user_names_is_the_one_called(fresh: MockServer) -> None:
    with anthropic.Anthropic(base_url=fresh.base_url, api_key="k", max_retries=0) as client:
        # By shared words `Agent` (its long description says "task", "complete") would win.
        assert called(client, "Use the Read tool on notes.txt, as a background task") == "Read"
        # The first tool named, when several are.
        assert called(client, "Run Bash, or else Read the file") == "Bash"
        # A name is matched as written: "read" the verb names no tool, so words decide.
        assert called(client, "please read the file from the local filesystem") == "Read"
        assert called(client, "Launch an agent for this multi-step task") == "Agent"
