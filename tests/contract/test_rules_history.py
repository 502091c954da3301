"""What the rules learn of a conversation is kept for its next request, exactly.

A request that starts like a conversation seen takes what was found in those messages
and scans only the rest. Whatever is taken must be what a fresh scan gives: a changed
message, a message at another place, a changed neighbour or a body changed in place
after its call are all seen as they are. So must what an image was read as.
"""

from __future__ import annotations

import base64
import copy
import random
import struct
from typing import Any

from rules_support import (
    assistant,
    image,
    messages_of,
    problems,
    request,
    text,
    tool_result,
    tool_use,
    user,
)

from mockserver.contract import rules_history
from mockserver.contract.rules_history import NOTHING_KNOWN, Known, recall

PICK = random.Random(20261130)
MISSING = "`tool_use` ids were found without `tool_result` blocks immediately after"


def fresh(raw: list[Any]) -> Known:
    """What a scan of these messages finds, with nothing kept."""
    return rules_history._extend(NOTHING_KNOWN, raw, 0)


def loop(calls: int, *, extras: bool = False, task: str = "Fix the tests.") -> list[dict[str, Any]]:
    """An agent loop: each assistant turn calls tools, the next user turn answers them;
    with `extras`, some turns think and some calls are followed by a system message."""
    messages: list[dict[str, Any]] = [user(task)]
    for n in range(calls):
        ids = [f"toolu_{n}_{k}" for k in range(PICK.randint(1, 2) if extras else 2)]
        thinking = [{"type": "thinking", "thinking": "x", "signature": "s"}]
        messages.append(assistant([*(thinking if extras and n % 3 else []), *map(tool_use, ids)]))
        if extras and PICK.random() < 0.1:
            messages.append({"role": "system", "content": "reminder"})
        messages.append(user([tool_result(i) for i in ids]))
    return messages


def changed(message: dict[str, Any]) -> dict[str, Any]:
    """The message with one thing in it changed, so that it scans differently."""
    out = copy.deepcopy(message)
    content = out["content"]
    if isinstance(content, str):
        out["content"] = [text(content), {"type": "image", "source": {"type": "url", "url": "u"}}]
    elif content[-1]["type"] == "tool_use":
        content[-1]["id"] += "_changed"
    elif content[-1]["type"] == "tool_result":
        content[-1]["tool_use_id"] += "_changed"
    else:
        content.append(text(" "))
    return out


def test_what_is_kept_is_what_a_fresh_scan_finds() -> None:
    for _ in range(30):
        messages = loop(PICK.randint(1, 12), extras=True)
        for end in range(3, len(messages) + 1):
            sent = [copy.deepcopy(m) for m in messages[:end]]
            assert recall(sent) == fresh(sent)
            # The same history with another last message, as a loop sends a new output.
            sent[-1] = changed(sent[-1])
            assert recall(sent) == fresh(sent)
            # A message changed further back, and every message one place later.
            k = PICK.randrange(end)
            edited = [*sent[:k], changed(sent[k]), *sent[k + 1 :]]
            assert recall(edited) == fresh(edited)
            shifted = [user("Before."), *sent]
            assert recall(shifted) == fresh(shifted)


def test_a_changed_message_in_the_history_is_checked_again() -> None:
    messages = loop(6)
    assert problems(request(*messages)) == []
    k = 5  # an assistant turn, whose call now has another id
    broken = [*messages[:k], changed(messages[k]), *messages[k + 1 :]]
    assert messages_of(problems(request(*broken)))[0].startswith(f"messages.{k}: {MISSING}")
    assert problems(request(*messages)) == []


def test_the_same_messages_one_place_later_are_reported_there() -> None:
    messages = loop(4)
    unanswered = [*messages[:2], user("No results here."), *messages[3:]]
    assert messages_of(problems(request(*unanswered)))[0].startswith(f"messages.1: {MISSING}")
    later = [user("Hello."), assistant("Hi."), *unanswered]
    assert messages_of(problems(request(*later)))[0].startswith(f"messages.3: {MISSING}")


def test_a_changed_neighbour_changes_the_turns() -> None:
    messages = loop(4)
    assert problems(request(*messages)) == []
    # The tool results split over two user messages: still one turn, still paired.
    results = messages[2]["content"]
    split = [*messages[:2], user(results[:1]), user(results[1:] or [text("more")])]
    assert problems(request(*split, *messages[3:])) == []
    # The results' message made an assistant's: the calls now go unanswered.
    moved = [*messages[:2], assistant(results), *messages[3:]]
    assert messages_of(problems(request(*moved)))[0].startswith(f"messages.1: {MISSING}")


def test_calls_repeating_an_id_are_found_in_kept_and_growing_turns() -> None:
    repeated = "tool_use ids must be unique"
    messages = loop(5, task="A conversation whose third call repeats an id.")
    messages[3] = assistant([tool_use("toolu_x"), tool_use("toolu_x")])
    messages[4] = user([tool_result("toolu_x")])
    for end in (5, 7, 9, 11):
        sent = [copy.deepcopy(m) for m in messages[:end]]
        assert recall(sent) == fresh(sent)
        assert messages_of(problems(request(*sent)))[0] == f"messages.3.content.1: {repeated}"
    # The last turn grows by a second assistant message that calls the same id again.
    grown = [*messages[:3], assistant([tool_use("toolu_y")])]
    assert recall(grown) == fresh(grown)
    grown += [assistant([tool_use("toolu_y")]), user([tool_result("toolu_y")])]
    assert recall(grown) == fresh(grown)
    assert messages_of(problems(request(*grown)))[0] == f"messages.4.content.0: {repeated}"


def test_a_body_changed_in_place_after_its_call_is_read_as_it_is_now() -> None:
    messages = loop(5, task="A conversation no other test has.")
    body = request(*messages)
    assert problems(body) == []
    body["messages"][3]["content"][0]["id"] = "toolu_other"
    assert messages_of(problems(body))[0].startswith(f"messages.3: {MISSING}")


def test_few_conversations_are_kept_and_none_too_large() -> None:
    for n in range(40):
        recall([user(f"Conversation {n}."), assistant("Hi."), user([text("x" * 1000)])])
    assert len(rules_history._kept.seen) == 16
    for n in range(6):  # 3 MB each: only five fit in 16 MB
        recall([user(f"Long conversation {n}."), assistant("Hi."), user("x" * (3 << 20))])
    kept = rules_history._kept.seen
    assert len(kept) < 6
    assert sum(seen.size for seen in kept) <= 16 << 20


def padded_jpeg(width: int, height: int) -> bytes:
    """A JPEG whose size sits past a filler segment: images of other sizes encode to
    base64 of the same length, beginning and end."""
    filler = b"\xff\xe0" + struct.pack(">H", 122) + b"J" * 120
    frame = struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00"
    sof = b"\xff\xc0" + struct.pack(">H", len(frame) + 2) + frame
    return b"\xff\xd8" + filler + sof + b"\xff\xd9" + bytes(60)


def test_an_image_read_before_is_read_again_only_when_it_differs() -> None:
    small, large = padded_jpeg(100, 50), padded_jpeg(9000, 50)
    assert base64.b64encode(small)[-64:] == base64.b64encode(large)[-64:]
    side = "At least one of the image dimensions exceed max allowed size: 8000 pixels"
    for _ in range(2):
        assert problems(request(user([image(small, "image/jpeg")]))) == []
        found = messages_of(problems(request(user([image(large, "image/jpeg")]))))
        assert found == [f"messages.0.content.0.image.source.base64.data: {side}"]
        found = messages_of(problems(request(user([text("x"), image(small, "image/png")]))))
        assert found[0].startswith("messages.0.content.1.image.source.base64: The image was")
