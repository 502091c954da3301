"""What the user said, apart from a harness's injected text; and how the default reply uses it."""

from __future__ import annotations

import itertools
import re
from typing import Any

from mockserver.scripting.default_reply import GREETING, _tool_words, default_reply
from mockserver.scripting.injected_text import INJECTED_TAGS, said_in, user_said

READ = {
    "name": "Read",
    "description": "Reads a file from the local filesystem.",
    "input_schema": {"type": "object", "properties": {"file_path": {"type": "string"}}},
}
AGENT = {
    "name": "Agent",
    "description": "Launch a new agent for complex, multi-step tasks; notified on completion.",
    "input_schema": {"type": "object", "properties": {"prompt": {"type": "string"}}},
}
IMAGE = {
    "type": "image",
    "source": {"type": "url", "url": "https://example.com/cat.png"},
}


def request(*messages: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "model": "claude-sonnet-4-6",
        "max_tokens": 100,
        "tools": [READ, AGENT],
        "messages": list(messages),
        **extra,
    }


def user(content: Any) -> dict[str, Any]:
    return {"role": "user", "content": content}


def test_injected_elements_are_taken_out_and_other_markup_is_left() -> None:
    text = (
        "<system-reminder>\nagents, tasks\n</system-reminder>\n"
        "Compare <document>a</document> with b\n"
        '<task-notification id="7"><status>completed</status></task-notification>'
        "<SYSTEM-REMINDER>shouting</SYSTEM-REMINDER>"
    )
    assert user_said(text) == "Compare <document>a</document> with b"
    assert user_said("<command-name>/clear</command-name>") == ""
    # Unclosed: not an element the harness wrote whole, so it stays.
    assert user_said("<system-reminder> never closed") == "<system-reminder> never closed"
    assert user_said("plain words") == "plain words"


# The definition user_said's pattern is written to match as fast: an opening tag, then
# everything up to the first closing tag of the same name.
PLAIN_ELEMENT = re.compile(
    r"<(" + "|".join(INJECTED_TAGS) + r")(?:\s[^>]*)?>.*?</\1\s*>", re.DOTALL | re.IGNORECASE
)
PIECES = (
    "<system-reminder>",
    "</system-reminder>",
    "</System-Reminder >",
    '<task-notification id="1">',
    "</task-notification>",
    "<system-reminder\n>",
    "<system-reminderx>",
    "</ system-reminder>",
    "<",
    "</",
    ">",
    "a <b> c",
    "\n",
)


def test_injected_elements_are_found_as_the_plain_lazy_pattern_finds_them() -> None:
    for n in range(1, 5):
        for parts in itertools.product(PIECES, repeat=n):
            text = "x" + "".join(parts) + "y</"
            assert user_said(text) == PLAIN_ELEMENT.sub("", text).strip(), text


def test_a_turns_blocks_say_what_their_joined_text_says() -> None:
    # Worked out block by block, elements that open in one block and close in a later one
    # included.
    blocks = [
        "",
        " ",
        "x",
        *PIECES,
        *("".join(pair) for pair in itertools.product(PIECES, repeat=2)),
    ]
    for first, second in itertools.product(blocks, repeat=2):
        for texts in ([first, second], [first, "mid", second], [second, first, first]):
            assert said_in(texts) == user_said("\n".join(texts)), texts
    # Long blocks are remembered: the second time round answers from the memo.
    pad = "y " * 600
    for _ in range(2):
        for first, second in itertools.product(["", *PIECES], repeat=2):
            texts = [pad + first, second + pad, pad]
            assert said_in(texts) == user_said("\n".join(texts)), texts
            plain = texts[0] if "</" not in texts[0] else PLAIN_ELEMENT.sub("", texts[0]).strip()
            assert user_said(texts[0]) == plain


def test_a_turn_of_injected_text_only_gets_text_and_the_greeting() -> None:
    reply = default_reply(request(user("<system-reminder>launch an agent</system-reminder>")))
    assert reply.content == ({"type": "text", "text": GREETING},)
    thinking = default_reply(
        request(
            user("<task-notification>done</task-notification>"),
            thinking={"type": "adaptive"},
        )
    )
    assert thinking.content[0] == {"type": "thinking", "thinking": "Considering the conversation."}


def test_an_image_without_text_is_still_a_request() -> None:
    reply = default_reply(request(user([IMAGE])))
    assert [b["type"] for b in reply.content] == ["text", "tool_use"]


def test_after_any_tool_result_every_turn_gets_text() -> None:
    history = [
        user("read the notes file"),
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "toolu_a", "name": "Read", "input": {}}],
        },
        user([{"type": "tool_result", "tool_use_id": "toolu_a", "content": "notes"}]),
        {"role": "assistant", "content": "Read it."},
    ]
    reply = default_reply(request(*history, user("now read another file")))
    assert reply.content == (
        {"type": "text", "text": f'{GREETING} You said: "now read another file"'},
    )
    # A forced choice still calls.
    forced = default_reply(
        request(*history, user("now read another file"), tool_choice={"type": "any"})
    )
    assert [b["type"] for b in forced.content] == ["tool_use"]


def test_tool_word_sets_are_worked_out_once_per_tool_text() -> None:
    said = user("<system-reminder>agent agent tasks</system-reminder> read the file")
    default_reply(request(said))
    before = _tool_words.cache_info()
    reply = default_reply(request(said))
    after = _tool_words.cache_info()
    assert [b.get("name") for b in reply.content if b["type"] == "tool_use"] == ["Read"]
    assert (after.misses, after.hits) == (before.misses, before.hits + 2)
