"""Server-held threads: history put in front on continue, and the API's error codes."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.errors import ApiError
from mockserver.scripting.threads import MAX_THREADS, ThreadStore


def create(store: ThreadStore, message_id: str = "msg_1") -> dict[str, Any]:
    body = {
        "model": "m",
        "system": "Be brief.",
        "tools": [{"name": "t", "input_schema": {"type": "object"}}],
        "thread": {"type": "create"},
        "messages": [{"role": "user", "content": "Hi"}],
    }
    store.record(
        store.expand(body), {"id": message_id, "content": [{"type": "text", "text": "Hello"}]}
    )
    return body


def cont(previous: str, text: str = "More", **extra: Any) -> dict[str, Any]:
    return {
        "model": "m",
        "thread": {"type": "continue", "previous_message_id": previous},
        "messages": [{"role": "user", "content": text}],
        **extra,
    }


def error_of(store: ThreadStore, body: dict[str, Any]) -> ApiError:
    with pytest.raises(ApiError) as caught:
        store.expand(body)
    return caught.value


def test_continue_puts_the_stored_conversation_first() -> None:
    store = ThreadStore()
    create(store)
    expanded = store.expand(cont("msg_1"))
    assert expanded["messages"] == [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": [{"type": "text", "text": "Hello"}]},
        {"role": "user", "content": "More"},
    ]
    assert expanded["system"] == "Be brief."
    assert expanded["tools"][0]["name"] == "t"
    store.record(expanded, {"id": "msg_2", "content": []})
    assert len(store.expand(cont("msg_2"))["messages"]) == 5


def test_requests_without_a_thread_pass_unchanged() -> None:
    body = {"model": "m", "messages": []}
    assert ThreadStore().expand(body) is body


def test_unknown_spent_and_changed_threads_get_the_api_error_codes() -> None:
    store = ThreadStore()
    create(store)
    lost = error_of(store, cont("msg_404"))
    assert (lost.status_code, lost.type, lost.details) == (
        404,
        "not_found_error",
        {"error_code": "thread_not_found"},
    )
    changed = error_of(store, cont("msg_1", system="Be verbose."))
    assert changed.status_code == 400
    assert changed.details == {"error_code": "thread_fingerprint_mismatch"}
    assert "`system`" in changed.message
    assert store.expand(cont("msg_1", system="Be brief."))["system"] == "Be brief."
    store.record(store.expand(cont("msg_1")), {"id": "msg_2", "content": []})
    spent = error_of(store, cont("msg_1"))
    assert (spent.status_code, spent.details) == (400, {"error_code": "thread_already_continued"})


def test_oldest_threads_are_forgotten_past_the_cap() -> None:
    store = ThreadStore()
    for n in range(MAX_THREADS + 1):
        store.record(
            {"thread": {"type": "create"}, "messages": []}, {"id": f"msg_{n}", "content": []}
        )
    assert error_of(store, cont("msg_0")).status_code == 404
    assert store.expand(cont(f"msg_{MAX_THREADS}"))["messages"][-1]["content"] == "More"
