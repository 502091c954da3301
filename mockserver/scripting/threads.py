"""Server-held conversations (the `thread` request field of the SDKs' tool runners).

`thread: {type: "create"}` asks the server to keep the conversation under the reply's id;
`{type: "continue", previous_message_id}` sends only the new messages, and the server
puts the stored history (and the thread's `system` and `tools`) in front of them before
anything else looks at the request. Unknown or spent ids get the API's errors, whose
`error_code` the SDKs read to fall back to sending the whole history again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidRequest, NotFound

# Fields a thread keeps from its `create`; a `continue` may leave them out.
THREAD_FIELDS = ("system", "tools")
# Oldest threads are forgotten past this many (a long-running standalone server).
MAX_THREADS = 10_000
_RESTART = 'replay the full conversation with `thread: {"type": "create"}`'


@dataclass
class _Thread:
    messages: list[Any]
    fields: dict[str, Any]
    continued: bool = False


def _thread_of(body: Mapping[str, Any]) -> Mapping[str, Any] | None:
    thread = body.get("thread")
    return thread if thread is not None and isinstance(thread, Mapping) else None


@dataclass
class ThreadStore:
    # Ordered, for an eviction of the oldest in constant time (a dict scans its deleted keys).
    _threads: OrderedDict[str, _Thread] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def expand(self, body: dict[str, Any]) -> dict[str, Any]:
        """The body a `continue` stands for: stored history + new messages; others as sent."""
        if "thread" not in body:
            return body
        thread = _thread_of(body)
        if thread is None or thread.get("type") != "continue":
            return body
        previous = str(thread.get("previous_message_id"))
        with self._lock:
            stored = self._threads.get(previous)
        if stored is None:
            raise NotFound(
                f"No thread state was found for previous_message_id `{previous}`; {_RESTART} "
                "to start a new thread.",
                details={"error_code": "thread_not_found"},
            )
        if stored.continued:
            raise InvalidRequest(
                f"The response `{previous}` has already been continued, and each response can be "
                "continued only once. Continue from the thread's most recent response id.",
                details={"error_code": "thread_already_continued"},
            )
        changed = [f for f in THREAD_FIELDS if f in body and body[f] != stored.fields.get(f)]
        if changed:
            names = " and ".join(f"`{f}`" for f in changed)
            raise InvalidRequest(
                f"{names} differ from the values stored with the thread. Send the stored values, "
                f"or {_RESTART} to change them.",
                details={"error_code": "thread_fingerprint_mismatch"},
            )
        new = body.get("messages")
        expanded = {**stored.fields, **body}
        expanded["messages"] = [*stored.messages, *(new if isinstance(new, list) else [])]
        return expanded

    def record(self, body: Mapping[str, Any], message: Mapping[str, Any]) -> None:
        """Keep the conversation `body` (already expanded) + `message` under the reply's id."""
        if "thread" not in body:
            return
        thread = _thread_of(body)
        messages = body.get("messages")
        if thread is None or not isinstance(messages, list):
            return
        reply = {"role": "assistant", "content": message.get("content", [])}
        fields = {f: body[f] for f in THREAD_FIELDS if f in body}
        with self._lock:
            if thread.get("type") == "continue":
                previous = self._threads.get(str(thread.get("previous_message_id")))
                if previous is not None:
                    previous.continued = True
            self._threads[str(message["id"])] = _Thread([*messages, reply], fields)
            while len(self._threads) > MAX_THREADS:
                self._threads.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._threads.clear()
