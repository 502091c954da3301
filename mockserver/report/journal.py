"""Every exchange the server answered, as plain data a test can assert on."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import orjson

from ..errors import Problem
from ..scripting.script import NearMisses
from . import openai_transcript, transcript

MESSAGES_PATH = "/v1/messages"
CHAT_COMPLETIONS_PATH = "/v1/chat/completions"


@dataclass(frozen=True, slots=True)
class Exchange:
    request_id: str
    method: str
    path: str
    headers: Mapping[str, str]
    body: Any
    status: int
    # The JSON body sent back, or for a stream the events as (name, data) pairs.
    response: Any
    streamed: bool = False
    # Which scenario step answered (None: default reply, or an error before matching).
    step: str | None = None
    # Contract violations found in the request (also those only warned about).
    problems: tuple[Problem, ...] = ()
    # What was accepted but noted: a thinking block whose signature this server did not
    # mint and so could not verify (rule ``unverifiable_signature``).
    notices: tuple[Problem, ...] = ()
    # How far a stream got before it ended (events written), and whether it was cut.
    events_sent: int = 0
    interrupted: bool = False
    # Scenarios were loaded but none matched (the default reply or the unmatched error
    # answered); the closest steps, each with why it did not match.
    unmatched: bool = False
    # Worded when first read (a scripting.script.NearMisses) or already words.
    near_misses: Sequence[str] = ()
    # The step that matched could not be served as scripted (answered 500 api_error).
    scenario_error: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    # When the request arrived (Unix time), how long the answer took (seconds), and for a
    # paced stream when each event went out (seconds after arrival).
    started: float = 0.0
    duration: float = 0.0
    event_times: tuple[float, ...] = ()

    @property
    def is_error(self) -> bool:
        return self.status >= 400

    @property
    def api(self) -> str:
        """The door the request came through: `openai` for /v1/chat/completions (its body
        and response in OpenAI's shapes), else `anthropic`."""
        return "openai" if self.path == CHAT_COMPLETIONS_PATH else "anthropic"

    @property
    def is_message_call(self) -> bool:
        return self.method == "POST" and self.path == MESSAGES_PATH

    @property
    def retry_count(self) -> int:
        """Which attempt this was: the SDKs' `x-stainless-retry-count` (0 when not sent)."""
        value = self.headers.get("x-stainless-retry-count", "0")
        return int(value) if value.isdigit() else 0

    @property
    def error(self) -> Mapping[str, Any] | None:
        """The `error` object of an error reply (or of a mid-stream `error` event)."""
        if isinstance(self.response, Mapping):
            error = self.response.get("error")
            return error if isinstance(error, Mapping) else None
        if self.streamed and isinstance(self.response, list):
            for name, data in self.response:
                if name == "error" and isinstance(data.get("error"), Mapping):
                    return data["error"]  # type: ignore[no-any-return]
        return None

    @property
    def rejected(self) -> bool:
        """The server refused the request itself (a 4xx no scenario step scripted, and not
        the answer to a request no scenario matched)."""
        return 400 <= self.status < 500 and self.step is None and not self.unmatched

    @property
    def violation(self) -> bool:
        """The real API would have refused this request, or warned about it."""
        return bool(self.problems) or self.rejected

    @property
    def message(self) -> dict[str, Any] | None:
        """The Message delivered (rebuilt from the events for a stream); None for errors.
        On the OpenAI door, rebuilt from the completion or chunks in the Message's shape."""
        if self.api == "openai":
            if self.streamed and isinstance(self.response, list):
                return openai_transcript.message_from_chunks(self.response)
            return openai_transcript.message_from_completion(self.response)
        if self.streamed and isinstance(self.response, list):
            return transcript.message_from_events(self.response)
        if isinstance(self.response, Mapping) and self.response.get("type") == "message":
            return dict(self.response)
        return None

    @property
    def reply_text(self) -> str:
        return transcript.reply_text(self.message)

    @property
    def tool_uses(self) -> list[Mapping[str, Any]]:
        return transcript.tool_uses(self.message)

    @property
    def system_prompt(self) -> str | None:
        return transcript.system_text(self.body)

    @property
    def last_user_text(self) -> str:
        return transcript.last_user_text(self.body)

    @property
    def tool_results(self) -> list[Mapping[str, Any]]:
        """The `tool_result` blocks this request sent back (its final user message)."""
        return transcript.final_tool_results(self.body)

    def describe(self) -> str:
        """One line naming the request and how it was answered, for failure messages."""
        what = f"{self.method} {self.path} ({self.request_id})"
        if isinstance(self.body, Mapping) and self.is_message_call:
            what += f" model={self.body.get('model')!r}"
            text = self.last_user_text
            if text:
                what += f" user={transcript.shorten(text)!r}"
            elif self.tool_results:
                ids = ", ".join(str(r.get("tool_use_id")) for r in self.tool_results)
                what += f" tool_results=[{ids}]"
        outcome = f"{self.status}"
        if self.error is not None:
            outcome += f" {self.error.get('type')}: {self.error.get('message')}"
        elif self.step is not None:
            outcome += f" from step {self.step!r}"
        elif self.unmatched:
            outcome += " with the default reply"
        return f"{what} -> {outcome}"

    def to_json(self) -> dict[str, Any]:
        """The exchange as JSON-ready data (what the admin API returns)."""
        response: Any = self.response
        if self.streamed and isinstance(response, list):
            response = [{"event": name, "data": data} for name, data in response]
        return {
            "request_id": self.request_id,
            "method": self.method,
            "path": self.path,
            "api": self.api,
            "headers": dict(self.headers),
            "body": self.body,
            "status": self.status,
            "response": response,
            "streamed": self.streamed,
            "step": self.step,
            "problems": [
                {"message": p.message, "rule": p.rule, "path": p.path, "status": p.status}
                for p in self.problems
            ],
            "notices": [
                {"message": p.message, "rule": p.rule, "path": p.path} for p in self.notices
            ],
            "events_sent": self.events_sent,
            "interrupted": self.interrupted,
            "unmatched": self.unmatched,
            "near_misses": list(self.near_misses),
            "scenario_error": self.scenario_error,
            "extra": dict(self.extra),
            "started": self.started,
            "duration": self.duration,
            "event_times": list(self.event_times),
        }


# What an exchange's own record holds besides its request body (its Exchange, headers,
# reply, ids): ~2.8 KB for a small call, measured with tracemalloc. Counted with the body, so
# the byte cap bounds the journal however small the bodies are.
RECORD_BYTES = 3_000

# An exchange not yet built: the server journals what it learnt as a callable and the
# Exchange is made when the journal is first read (most are never read one by one).
Pending = Callable[[], Exchange]


class _Packed(NamedTuple):
    """An exchange whose request body is kept as the bytes it was parsed from.

    A parsed body holds several times its bytes, as thousands of objects (a 120 KB agent
    request: ~10,000) that every full pass of the garbage collector walks; the bytes are
    one object the collector never looks at. Parsed again whenever it is read.
    """

    exchange: Exchange
    raw: bytes

    def build(self) -> Exchange:
        return replace(self.exchange, body=orjson.loads(self.raw))


class Journal:
    """Append-only log shared by the server loop and the test thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[Exchange | Pending | _Packed] = []
        # Each item's request bytes when its body was parsed from them (kept in their place
        # once the item is built), else None.
        self._raws: list[bytes | None] = []
        # What each item holds in memory (bytes: its body's and RECORD_BYTES), and their sum.
        self._sizes: list[int] = []
        self.body_bytes = 0
        # How many exchanges were ever dropped or cleared: item i is exchange number
        # `dropped + i`, a number that stays the same while older ones go (the inspector's
        # pages and links use it).
        self.dropped = 0

    def add(self, exchange: Exchange | Pending, size: int = 0, raw: bytes | None = None) -> None:
        """Journal an exchange whose body holds `size` bytes; `raw`: the bytes its body was
        parsed from, kept instead of the parsed body once the exchange is built."""
        # The request path takes no lock: the server loop is the one writer (the admin API's
        # resets run on it too; the Python API's reset runs between a test's requests).
        size += RECORD_BYTES
        self._sizes.append(size)
        self._raws.append(raw)
        self.body_bytes += size
        self._items.append(exchange)

    def clear(self) -> None:
        with self._lock:
            self.dropped += len(self._items)
            self._items.clear()
            self._raws.clear()
            self._sizes.clear()
            self.body_bytes = 0

    def excess(self, limit: int | None, max_bytes: int | None) -> int:
        """How many of the oldest exchanges to drop to be within both limits."""
        sizes = self._sizes
        count = max(0, len(sizes) - limit) if limit is not None else 0
        held = self.body_bytes - sum(sizes[:count])
        while max_bytes is not None and held > max_bytes and count < len(sizes):
            held -= sizes[count]
            count += 1
        return count

    def drop_oldest(self, count: int) -> None:
        with self._lock:
            self.dropped += min(count, len(self._items))
            del self._items[:count]
            del self._raws[:count]
            self.body_bytes -= sum(self._sizes[:count])
            del self._sizes[:count]

    def _get(self, i: int) -> Exchange:
        """Item `i` as an Exchange (call with the lock held). Built once; a body kept as
        bytes is then parsed afresh on each read, so no reader shares it with another."""
        item = self._items[i]
        if isinstance(item, _Packed):
            return item.build()
        built = item if isinstance(item, Exchange) else item()
        raw = self._raws[i]
        if raw is not None and isinstance(built.near_misses, NearMisses):
            built.near_misses.park(raw, built.body)
        self._items[i] = built if raw is None else _Packed(replace(built, body=None), raw)
        return built

    def _from(self, start: int) -> list[Exchange]:
        return [self._get(i) for i in range(start, len(self._items))]

    def all(self) -> list[Exchange]:
        with self._lock:
            return self._from(0)

    def since(self, position: int, limit: int | None = None) -> list[Exchange]:
        """The exchanges recorded after the first `position` ones (at most `limit`)."""
        with self._lock:
            end = len(self._items) if limit is None else min(len(self._items), position + limit)
            return [self._get(i) for i in range(position, end)]

    def __iter__(self) -> Iterator[Exchange]:
        return iter(self.all())

    def __len__(self) -> int:
        return len(self._items)

    @property
    def last(self) -> Exchange | None:
        with self._lock:
            return self._get(len(self._items) - 1) if self._items else None

    def messages(self) -> list[Exchange]:
        """The `POST /v1/messages` exchanges (the calls a test usually counts)."""
        return [e for e in self.all() if e.is_message_call]

    @property
    def call_count(self) -> int:
        """How many `POST /v1/messages` calls were made."""
        return len(self.messages())

    def requests(self) -> list[Any]:
        """The bodies sent to `POST /v1/messages`, in order."""
        return [e.body for e in self.messages()]

    @property
    def last_call(self) -> Exchange:
        """The last `POST /v1/messages` exchange; AssertionError if there was none."""
        calls = self.messages()
        if not calls:
            raise AssertionError("no POST /v1/messages call was made")
        return calls[-1]

    @property
    def last_request(self) -> Any:
        """The body of the last `POST /v1/messages` call."""
        return self.last_call.body

    @property
    def system_prompt(self) -> str | None:
        """The system prompt of the last call."""
        return self.last_call.system_prompt

    def tool_results(self) -> list[Mapping[str, Any]]:
        """Every `tool_result` block the client sent back, in the order it sent them."""
        return [result for e in self.messages() for result in e.tool_results]

    def unmatched(self) -> list[Exchange]:
        """Requests no loaded scenario answered (see each one's `near_misses`)."""
        return [e for e in self.all() if e.unmatched]

    def errors(self) -> list[Exchange]:
        return [e for e in self.all() if e.is_error]

    def rejected(self) -> list[Exchange]:
        return [e for e in self.all() if e.rejected]

    def violations(self) -> list[Exchange]:
        """Requests the real API would have refused or warned about."""
        return [e for e in self.all() if e.violation]
