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

A client resends the whole conversation on every turn, so what each message contributes
is remembered by its raw JSON (`RawJsonMemo`), and what each signature decodes to by the
signature itself: a turn only pays for the messages and signatures it adds.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from enum import Enum
from typing import Any, NamedTuple

from .canonical import RawJsonMemo, canonical_digest

THINKING_TYPES = frozenset({"thinking", "redacted_thinking"})

# Real signatures are protobuf messages in base64 and so start with "E" (field tag
# 0x12); ours carry the same first byte to look alike.
_TAG = 0x12
_VERSION = 1
_KINDS = {"thinking": 1, "redacted_thinking": 2}
_KIND_NAMES = {code: kind for kind, code in _KINDS.items()}
_DIGEST = 8
_CONTENT_DIGEST = 16
_MAC = 64
_PAYLOAD = 2 + 4 * _DIGEST + _CONTENT_DIGEST
_NO_PARENT = bytes(_DIGEST)
# Decoded signatures a signer remembers before it starts over.
_CLAIMS = 4096


class Verdict(Enum):
    VALID = "valid"
    # Not minted by this server, or its text was changed since.
    FOREIGN = "foreign"
    # Minted here, but for a different conversation (see `BlockCheck.differs`).
    MISMATCH = "mismatch"


class Binding(NamedTuple):
    """What a block is bound to, as digests (in the order the signature carries them)."""

    system: bytes
    tools: bytes
    messages: bytes
    parent: bytes


class BlockCheck(NamedTuple):
    """The outcome for one thinking or redacted_thinking block of a request."""

    message: int
    block: int
    block_type: str
    verdict: Verdict
    # For MISMATCH: "system", "tools", "messages" or "order" (a block before it was removed).
    differs: str | None = None

    @property
    def path(self) -> str:
        return f"messages.{self.message}.content.{self.block}"


class _Claim(NamedTuple):
    """What a signature minted here says about its block."""

    kind: str
    binding: Binding
    content: bytes


class _Thought(NamedTuple):
    """A thinking or redacted_thinking block, reduced to what its check needs."""

    block: int
    kind: str
    token: Any  # `signature` or `data`, as sent
    token_digest: bytes  # the `parent` of the block after it
    text_digest: bytes | None  # of a thinking block's text, when it is a string


class _Part(NamedTuple):
    """What one message adds to the conversation."""

    role: Any
    # The digests the conversation hash takes in, in order: the message's own fields
    # beyond role and content, then each non-thinking block.
    feed: bytes
    thoughts: tuple[_Thought, ...]


_NOTHING = _Part(None, b"", ())


class _Scan(NamedTuple):
    """A request's thinking blocks, each with the digest of what precedes its turn."""

    found: list[tuple[int, _Thought, bytes]]
    # What a reply's first block is bound to: a reply joins a trailing assistant turn.
    reply_prefix: bytes


class Signer:
    """Mints and checks thinking signatures under one secret (random unless given)."""

    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret if secret is not None else secrets.token_bytes(32)
        self._claims: dict[str, _Claim | None] = {}

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
        spares working out what each block is bound to.
        """
        messages = _messages(request)
        if not binding:
            return [
                BlockCheck(
                    i,
                    thought.block,
                    thought.kind,
                    Verdict.FOREIGN if self._claimed(thought) is None else Verdict.VALID,
                )
                for i, message in enumerate(messages)
                for thought in _part(message).thoughts
            ]
        found = _scan(messages).found
        if not found:
            return []
        system, tools = _system_digest(request), _tools_digest(request)
        checks: list[BlockCheck] = []
        parent: bytes | None = None  # none before the first block: it may have lost them
        for i, thought, prefix in found:
            claimed = self._claimed(thought)
            if claimed is None:
                checks.append(BlockCheck(i, thought.block, thought.kind, Verdict.FOREIGN))
            else:
                differs = _differs(claimed, system, tools, prefix, parent)
                verdict = Verdict.VALID if differs is None else Verdict.MISMATCH
                checks.append(BlockCheck(i, thought.block, thought.kind, verdict, differs))
            parent = thought.token_digest
        return checks

    def _mint(self, kind: str, content: bytes, binding: Binding) -> str:
        payload = b"".join((bytes((_VERSION, _KINDS[kind])), *binding, _content_digest(content)))
        raw = payload + self._mac(payload)
        return base64.b64encode(bytes((_TAG, len(raw))) + raw).decode("ascii")

    def _mac(self, payload: bytes) -> bytes:
        return hmac.digest(self._secret, payload, "sha512")

    def _claimed(self, thought: _Thought) -> Binding | None:
        """What the block's signature binds it to, if this server minted it for this block."""
        token = thought.token
        if not isinstance(token, str) or not token:
            return None
        try:
            claim = self._claims[token]
        except KeyError:
            claim = self._decode(token)
            if len(self._claims) >= _CLAIMS:
                self._claims.clear()
            self._claims[token] = claim
        if claim is None or claim.kind != thought.kind:
            return None
        if thought.kind == "thinking" and claim.content != thought.text_digest:
            return None
        return claim.binding

    def _decode(self, token: str) -> _Claim | None:
        try:
            raw = base64.b64decode(token, validate=True)
        except (binascii.Error, ValueError):
            return None
        if len(raw) != 2 + _PAYLOAD + _MAC or raw[0] != _TAG or raw[1] != _PAYLOAD + _MAC:
            return None
        payload, mac = raw[2 : 2 + _PAYLOAD], raw[2 + _PAYLOAD :]
        kind = _KIND_NAMES.get(payload[1])
        if payload[0] != _VERSION or kind is None:
            return None
        if not hmac.compare_digest(mac, self._mac(payload)):
            return None
        d = [payload[2 + k * _DIGEST : 2 + (k + 1) * _DIGEST] for k in range(4)]
        return _Claim(kind, Binding(*d), payload[2 + 4 * _DIGEST :])


class SigningSession:
    """Signs one reply's thinking blocks: each is chained to the one before it.

    Callable with the thinking text, so it fits where a `sign(text)` function is taken.
    Made for every reply, so nothing is computed until a block is signed.
    """

    _binding: Binding | None = None

    def __init__(self, signer: Signer, request: Mapping[str, Any]) -> None:
        self._signer = signer
        self._request = request

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
    scan = _scan(_messages(request))
    parent = scan.found[-1][1].token_digest if scan.found else _NO_PARENT
    return Binding(_system_digest(request), _tools_digest(request), scan.reply_prefix, parent)


def _differs(
    claimed: Binding, system: bytes, tools: bytes, prefix: bytes, parent: bytes | None
) -> str | None:
    """What of a block's conversation is not the one its signature was minted in."""
    if claimed.system != system:
        return "system"
    if claimed.tools != tools:
        return "tools"
    if claimed.messages != prefix:
        return "messages"
    if parent is not None and claimed.parent != parent:
        return "order"
    return None


def _scan(messages: list[Any]) -> _Scan:
    found: list[tuple[int, _Thought, bytes]] = []
    hasher = hashlib.sha256()
    # Consecutive messages of one role are one turn; system messages join the turn
    # they fall in.
    turn_role: Any = None
    turn_start = hasher.copy()
    prefix: bytes | None = None  # the digest of `turn_start`, once a block needs it
    for i, message in enumerate(messages):
        role, feed, thoughts = _part(message)
        if role not in ("system", turn_role):
            turn_role, turn_start, prefix = role, hasher.copy(), None
        if thoughts:
            if prefix is None:
                prefix = turn_start.digest()[:_DIGEST]
            for thought in thoughts:
                found.append((i, thought, prefix))
        hasher.update(feed)
    reply_turn = turn_start if turn_role == "assistant" else hasher
    return _Scan(found, reply_turn.digest()[:_DIGEST])


def _messages(request: Mapping[str, Any]) -> list[Any]:
    messages = request.get("messages")
    return messages if isinstance(messages, list) else []


def _part_uncached(message: Any) -> _Part:
    if not isinstance(message, Mapping):
        # Indices must stay those of the request, so odd entries count as empty messages.
        return _NOTHING
    role = message.get("role")
    feed: list[bytes] = []
    thoughts: list[_Thought] = []
    # Message-level fields beyond role and content (a system message's `clear_at` or
    # `output_config`) are part of the conversation too.
    extra = {k: v for k, v in message.items() if k not in ("role", "content")}
    if extra:
        feed.append(canonical_digest(["meta", extra]))
    for j, block in enumerate(_raw_blocks(message)):
        if not isinstance(block, Mapping):
            continue
        kind = block.get("type")
        if not (isinstance(kind, str) and kind in THINKING_TYPES):
            feed.append(canonical_digest([role, block]))
            continue
        token = block.get("signature" if kind == "thinking" else "data")
        text = block.get("thinking") if kind == "thinking" else None
        text_digest = _content_digest(_utf8(text)) if isinstance(text, str) else None
        thoughts.append(_Thought(j, kind, token, _token_digest(token), text_digest))
    return _Part(role, b"".join(feed), tuple(thoughts))


_part = RawJsonMemo(_part_uncached, budget=16 << 20)


def _raw_blocks(message: Mapping[str, Any]) -> list[Any]:
    content = message.get("content")
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    return content if isinstance(content, list) else []


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
    return hashlib.sha256(_utf8(token if isinstance(token, str) else "")).digest()[:_DIGEST]


def _utf8(text: str) -> bytes:
    # Lone surrogates (only in data built in Python, never in parsed JSON) must not
    # raise: such a text or signature was never minted and so simply fails its check.
    return text.encode("utf-8", "surrogatepass")
