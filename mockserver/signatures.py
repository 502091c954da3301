"""Signatures of the thinking blocks this server returns, and their check when sent back.

A signature is an HMAC under a per-server secret over the block's text and over the
conversation the block was produced in, so a block sent back altered, made up, or
replayed into another conversation fails the check the way the real API's do.

"The conversation" follows the API's preserved-thinking rules (docs, "What's new in
Claude Fable 5.1": editing the `system` prompt, the `tools` or an earlier message
invalidates later thinking blocks; moving `cache_control` markers, changing effort and
removing a *leading* run of thinking blocks do not; removing a thinking block from the
middle of the run invalidates every one after it). So a block is bound to:

- the top-level `system` and `tools`;
- every non-thinking block before the assistant turn it belongs to (consecutive
  assistant messages are one turn, so a client may merge or split them);
- the thinking block before it (a chain: the first block a request carries may have
  lost its predecessors, any later one may not).

`cache_control` markers, `None` fields and echo-only fields (`citations`, `caller`)
are left out of the digests, so a client that re-serialises a reply still matches.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from .canonical import canonical_digest

THINKING_TYPES = frozenset({"thinking", "redacted_thinking"})

# Real signatures are protobuf messages in base64 and so start with "E" (field tag
# 0x12); ours carry the same first byte to look alike.
_TAG = 0x12
_VERSION = 1
_KINDS = {"thinking": 1, "redacted_thinking": 2}
_DIGEST = 8
_CONTENT_DIGEST = 16
_MAC = 64
_PAYLOAD = 2 + 4 * _DIGEST + _CONTENT_DIGEST
_NO_PARENT = bytes(_DIGEST)


class Verdict(Enum):
    VALID = "valid"
    # Not minted by this server, or its text was changed since.
    FOREIGN = "foreign"
    # Minted here, but for a different conversation (see `BlockCheck.differs`).
    MISMATCH = "mismatch"


@dataclass(frozen=True)
class Binding:
    """What a block is bound to, as digests."""

    system: bytes
    tools: bytes
    messages: bytes
    parent: bytes


@dataclass(frozen=True)
class BlockCheck:
    """The outcome for one thinking or redacted_thinking block of a request."""

    message: int
    index: int
    block_type: str
    verdict: Verdict
    # For MISMATCH: "system", "tools", "messages" or "order" (a block before it was removed).
    differs: str | None = None

    @property
    def path(self) -> str:
        return f"messages.{self.message}.content.{self.index}"


class Signer:
    """Mints and checks thinking signatures under one secret (random unless given)."""

    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret if secret is not None else secrets.token_bytes(32)

    @classmethod
    def from_seed(cls, seed: str) -> Signer:
        """A signer whose signatures are the same on every run (tests, recorded fixtures)."""
        return cls(hashlib.sha256(b"mockserver-signer\0" + seed.encode()).digest())

    def session(self, request: Mapping[str, Any]) -> SigningSession:
        """Signs the thinking blocks of one reply to `request`, in content order."""
        return SigningSession(self, request)

    def mint(self, thinking: str, request: Mapping[str, Any]) -> str:
        """The signature of one thinking block replying to `request` (the first of its reply)."""
        return self.session(request).thinking(thinking)

    def check(self, request: Mapping[str, Any], *, binding: bool = True) -> list[BlockCheck]:
        """Every thinking and redacted_thinking block `request` sends back, checked.

        With `binding=False` only authenticity is checked (no block is a MISMATCH), which
        spares hashing the conversation.
        """
        messages = _messages(request)
        if not any(_is_thinking(b) for m in messages for b in _blocks(m)):
            return []
        if not binding:
            return [
                self._verify(i, j, block, _token_of(block), None, first=True)
                for i, j, block in _thinking_blocks(messages)
            ]
        system, tools = _system_digest(request), _tools_digest(request)
        checks: list[BlockCheck] = []
        previous: bytes | None = None
        for i, j, block, prefix in _walk(messages):
            token = _token_of(block)
            actual = Binding(system, tools, prefix, previous or _NO_PARENT)
            checks.append(self._verify(i, j, block, token, actual, first=previous is None))
            previous = _token_digest(token)
        return checks

    def _mint(self, kind: str, content: bytes, binding: Binding) -> str:
        payload = (
            bytes([_VERSION, _KINDS[kind]])
            + binding.system
            + binding.tools
            + binding.messages
            + binding.parent
            + hashlib.sha256(content).digest()[:_CONTENT_DIGEST]
        )
        raw = payload + self._mac(payload)
        return base64.b64encode(bytes([_TAG, len(raw)]) + raw).decode("ascii")

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, payload, hashlib.sha512).digest()

    def _verify(
        self,
        i: int,
        j: int,
        block: Mapping[str, Any],
        token: Any,
        actual: Binding | None,
        *,
        first: bool,
    ) -> BlockCheck:
        kind = str(block["type"])
        claimed = self._decode(token, kind)
        if claimed is None:
            return BlockCheck(i, j, kind, Verdict.FOREIGN)
        binding, content_digest = claimed
        if kind == "thinking":
            text = block.get("thinking")
            if not isinstance(text, str) or _content_digest(text.encode()) != content_digest:
                return BlockCheck(i, j, kind, Verdict.FOREIGN)
        if actual is None:
            return BlockCheck(i, j, kind, Verdict.VALID)
        for name, mine, theirs in (
            ("system", binding.system, actual.system),
            ("tools", binding.tools, actual.tools),
            ("messages", binding.messages, actual.messages),
        ):
            if mine != theirs:
                return BlockCheck(i, j, kind, Verdict.MISMATCH, name)
        if not first and binding.parent != actual.parent:
            return BlockCheck(i, j, kind, Verdict.MISMATCH, "order")
        return BlockCheck(i, j, kind, Verdict.VALID)

    def _decode(self, token: Any, kind: str) -> tuple[Binding, bytes] | None:
        if not isinstance(token, str) or not token:
            return None
        try:
            raw = base64.b64decode(token, validate=True)
        except (binascii.Error, ValueError):
            return None
        if len(raw) != 2 + _PAYLOAD + _MAC or raw[0] != _TAG or raw[1] != _PAYLOAD + _MAC:
            return None
        payload, mac = raw[2 : 2 + _PAYLOAD], raw[2 + _PAYLOAD :]
        if payload[0] != _VERSION or payload[1] != _KINDS[kind]:
            return None
        if not hmac.compare_digest(mac, self._mac(payload)):
            return None
        d = [payload[2 + k * _DIGEST : 2 + (k + 1) * _DIGEST] for k in range(4)]
        return Binding(*d), payload[2 + 4 * _DIGEST :]


class SigningSession:
    """Signs one reply's thinking blocks: each is chained to the one before it.

    Callable with the thinking text, so it fits where a `sign(text)` function is taken.
    """

    def __init__(self, signer: Signer, request: Mapping[str, Any]) -> None:
        self._signer = signer
        self._request = request
        self._binding: Binding | None = None

    def __call__(self, thinking: str) -> str:
        return self.thinking(thinking)

    def thinking(self, text: str) -> str:
        return self._next("thinking", text.encode())

    def redacted(self, hidden: str = "") -> str:
        """The `data` of a redacted_thinking block (opaque; bound like a signature)."""
        return self._next("redacted_thinking", hidden.encode())

    def _next(self, kind: str, content: bytes) -> str:
        binding = self._binding or _reply_binding(self._request)
        token = self._signer._mint(kind, content, binding)
        self._binding = Binding(
            binding.system, binding.tools, binding.messages, _token_digest(token)
        )
        return token


def _reply_binding(request: Mapping[str, Any]) -> Binding:
    """The binding of a reply's first block: the reply joins a trailing assistant turn."""
    messages = _messages(request)
    hasher = hashlib.sha256()
    parent = _NO_PARENT
    turn_start = _trailing_assistant_start(messages)
    snapshot: bytes | None = None
    for i, message in enumerate(messages):
        if i == turn_start:
            snapshot = hasher.copy().digest()[:_DIGEST]
        _feed_meta(hasher, message)
        for block in _blocks(message):
            if _is_thinking(block):
                parent = _token_digest(_token_of(block))
            else:
                _feed(hasher, message.get("role"), block)
    prefix = snapshot if snapshot is not None else hasher.digest()[:_DIGEST]
    return Binding(_system_digest(request), _tools_digest(request), prefix, parent)


Located = tuple[int, int, Mapping[str, Any], bytes]


def _walk(messages: Sequence[Mapping[str, Any]]) -> Iterator[Located]:
    """(message, block, thinking block, digest of everything before its turn), in order."""
    hasher = hashlib.sha256()
    turn_prefix = hasher.digest()[:_DIGEST]
    previous_role: Any = None
    for i, message in enumerate(messages):
        role = message.get("role")
        if role not in ("system", previous_role):
            turn_prefix = hasher.copy().digest()[:_DIGEST]
            previous_role = role
        _feed_meta(hasher, message)
        for j, block in enumerate(_raw_blocks(message)):
            if not isinstance(block, Mapping):
                continue
            if _is_thinking(block):
                yield i, j, block, turn_prefix
            else:
                _feed(hasher, role, block)


def _thinking_blocks(
    messages: Sequence[Mapping[str, Any]],
) -> Iterator[tuple[int, int, Mapping[str, Any]]]:
    for i, message in enumerate(messages):
        for j, block in enumerate(_raw_blocks(message)):
            if isinstance(block, Mapping) and _is_thinking(block):
                yield i, j, block


def _trailing_assistant_start(messages: Sequence[Mapping[str, Any]]) -> int | None:
    start: int | None = None
    for i, message in enumerate(messages):
        role = message.get("role")
        if role == "system":
            continue
        start = (i if start is None else start) if role == "assistant" else None
    return start


def _messages(request: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    # Indices must stay those of the request, so odd entries become empty messages.
    messages = request.get("messages")
    if not isinstance(messages, list):
        return []
    return [m if isinstance(m, Mapping) else {} for m in messages]


def _raw_blocks(message: Mapping[str, Any]) -> list[Any]:
    content = message.get("content")
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    return content if isinstance(content, list) else []


def _blocks(message: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    return (b for b in _raw_blocks(message) if isinstance(b, Mapping))


def _is_thinking(block: Mapping[str, Any]) -> bool:
    kind = block.get("type")
    return isinstance(kind, str) and kind in THINKING_TYPES


def _token_of(block: Mapping[str, Any]) -> Any:
    return block.get("signature" if block.get("type") == "thinking" else "data")


def _feed(hasher: Any, role: Any, block: Mapping[str, Any]) -> None:
    hasher.update(canonical_digest([role, block]))


def _feed_meta(hasher: Any, message: Mapping[str, Any]) -> None:
    # Message-level fields beyond role and content (a system message's `clear_at` or
    # `output_config`) are part of the conversation too.
    extra = {k: v for k, v in message.items() if k not in ("role", "content")}
    if extra:
        _feed(hasher, "meta", extra)


def _system_digest(request: Mapping[str, Any]) -> bytes:
    system = request.get("system")
    if isinstance(system, str):
        system = [{"type": "text", "text": system}] if system else []
    return _digest(system or [])


def _tools_digest(request: Mapping[str, Any]) -> bytes:
    return _digest(request.get("tools") or [])


def _digest(value: Any) -> bytes:
    return canonical_digest(value)[:_DIGEST]


def _content_digest(content: bytes) -> bytes:
    return hashlib.sha256(content).digest()[:_CONTENT_DIGEST]


def _token_digest(token: Any) -> bytes:
    text = token if isinstance(token, str) else ""
    return hashlib.sha256(text.encode()).digest()[:_DIGEST]
