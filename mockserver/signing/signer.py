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

A token this server did not mint cannot be verified: one shaped like the real API's is
FOREIGN (a conversation replayed from real traffic; the rules accept or refuse it by the
`signatures` setting), one that is not is INVALID, like a token of ours that was edited,
forged or sent with other content. A recorded conversation's tokens can be made
verifiable with `Signer.trust`.

A client resends the whole conversation on every turn, so what each prefix of it binds
its blocks to, and their verdicts, are remembered in a trie of messages by their exact
JSON (`trie.py`), and what each signature decodes to by the signature itself: a
turn only pays for the messages and signatures it adds.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping
from itertools import chain
from operator import attrgetter
from typing import Any, NamedTuple

from . import shapes
from .canonical import RawJsonMemo, canonical_digest
from .trie import (
    CONTENT_DIGEST,
    DIGEST,
    BlockCheck,
    SignatureTrie,
    Thought,
    Verdict,
    content_digest,
    token_digest,
    utf8,
)

__all__ = ["Binding", "BlockCheck", "Signer", "SigningSession", "Verdict"]

# Real signatures are protobuf messages in base64 and so start with "E" (field tag
# 0x12); ours carry the same first byte to look alike.
_TAG = 0x12
# Below 8: as a protobuf tag it names field 0, which no message has (see _looks_minted).
_VERSION = 1
_KINDS = {"thinking": 1, "redacted_thinking": 2}
_KIND_NAMES = {code: kind for kind, code in _KINDS.items()}
_MAC = 64
_PAYLOAD = 2 + 4 * DIGEST + CONTENT_DIGEST
_HEADER = bytes((_TAG, _PAYLOAD + _MAC))
_LENGTH = len(_HEADER) + _PAYLOAD + _MAC
_NO_PARENT = bytes(DIGEST)
# Decoded signatures a signer remembers before it starts over.
_CLAIMS = 4096
# Bytes of conversations a signer remembers (their JSON text and a cost per message).
_TRIE_BUDGET = 16 << 20
# The head of a walk that checks authenticity alone (a bound head is 2 digests long).
_UNBOUND = b""
_CHECKS = attrgetter("checks")
_FAULTS = attrgetter("faults")


class Binding(NamedTuple):
    """What a block is bound to, as digests (in the order the signature carries them)."""

    system: bytes
    tools: bytes
    messages: bytes
    parent: bytes


class _Claim(NamedTuple):
    """What a signature minted here (or trusted) says about its block."""

    kind: str
    # None for a trusted token: bound to its content alone (its conversation is unknown).
    binding: Binding | None
    content: bytes | None


class Signer:
    """Mints and checks thinking signatures under one secret (random unless given).

    A token it did not mint is judged by its shape alone (`shapes.py`): a
    well-formed one is FOREIGN (unverifiable: a real API's, replayed), anything else
    INVALID. Tokens shaped like its own are its own: one that fails its check was edited
    or forged, and is INVALID too. `trust` makes a known foreign token verifiable.
    """

    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret if secret is not None else secrets.token_bytes(32)
        self._claims: dict[str, _Claim | Verdict] = {}
        self._trusted: dict[str, _Claim] = {}
        self._trie = SignatureTrie(self._judge, _TRIE_BUDGET)

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

    def trust(self, block: Mapping[str, Any]) -> None:
        """Take a thinking or redacted_thinking block's token as genuine for that block.

        For conversations recorded from the real API: sent back, the block is then VALID
        while its content is unchanged and INVALID once edited, instead of FOREIGN. The
        conversation it came from is not known, so it is not bound to one.
        """
        kind = block.get("type")
        token = block.get("signature" if kind == "thinking" else "data")
        text = block.get("thinking")
        if kind not in _KINDS or not isinstance(token, str) or not token:
            raise ValueError("trust takes a thinking or redacted_thinking block with its token")
        content = None
        if kind == "thinking":
            if not isinstance(text, str):
                raise ValueError("a thinking block to trust needs its `thinking` text")
            content = content_digest(utf8(text))
        self._trusted[token] = _Claim(kind, None, content)
        self._claims.pop(token, None)
        # Verdicts remembered for conversations holding the token are now wrong.
        self._trie.clear()

    def trust_all(self, messages: Iterable[Any]) -> int:
        """`trust` every thinking block of these messages (or content blocks); how many."""
        trusted = 0
        for item in messages:
            content = item.get("content") if isinstance(item, Mapping) else None
            blocks = content if isinstance(content, list) else [item]
            for block in blocks:
                if isinstance(block, Mapping) and block.get("type") in _KINDS:
                    self.trust(block)
                    trusted += 1
        return trusted

    def check(self, request: Mapping[str, Any], *, binding: bool = True) -> list[BlockCheck]:
        """Every thinking and redacted_thinking block `request` sends back, checked.

        With `binding=False` only authenticity is checked (no block is a MISMATCH), which
        spares working out what each block is bound to.
        """
        nodes = self._trie.walk(_head(request) if binding else _UNBOUND, _messages(request))
        return list(chain.from_iterable(map(_CHECKS, nodes)))

    def faults(self, request: Mapping[str, Any], *, binding: bool = True) -> list[BlockCheck]:
        """The blocks of `check` that are not VALID."""
        nodes = self._trie.walk(_head(request) if binding else _UNBOUND, _messages(request))
        return list(chain.from_iterable(map(_FAULTS, nodes)))

    def first_binding(self, request: Mapping[str, Any]) -> Binding:
        """The binding of a reply's first block."""
        head = _head(request)
        last = self._trie.walk(head, _messages(request))[-1]
        parent = _NO_PARENT if last.last_token is None else last.last_token
        return Binding(head[:DIGEST], head[DIGEST:], last.reply_prefix, parent)

    def _judge(
        self, message: int, thought: Thought, prefix: bytes, parent: bytes | None, head: bytes
    ) -> BlockCheck:
        claim = self._claim(thought.token)
        if isinstance(claim, Verdict):
            return BlockCheck(message, thought.block, thought.kind, claim)
        if claim.kind != thought.kind or (
            thought.kind == "thinking" and claim.content != thought.text_digest
        ):
            return BlockCheck(message, thought.block, thought.kind, Verdict.INVALID)
        binding = claim.binding
        differs = _differs(binding, head, prefix, parent) if head and binding else None
        verdict = Verdict.VALID if differs is None else Verdict.MISMATCH
        return BlockCheck(message, thought.block, thought.kind, verdict, differs)

    def _mint(self, kind: str, content: bytes, binding: Binding) -> str:
        payload = b"".join((bytes((_VERSION, _KINDS[kind])), *binding, content_digest(content)))
        raw = payload + self._mac(payload)
        return base64.b64encode(bytes((_TAG, len(raw))) + raw).decode("ascii")

    def _mac(self, payload: bytes) -> bytes:
        return hmac.digest(self._secret, payload, "sha512")

    def _claim(self, token: Any) -> _Claim | Verdict:
        """What a token says of its block, or the verdict on it when it says nothing."""
        if not isinstance(token, str) or not token:
            return Verdict.INVALID
        try:
            return self._claims[token]
        except KeyError:
            pass
        claim = self._trusted.get(token) or self._decode(token)
        if len(self._claims) >= _CLAIMS:
            self._claims.clear()
        self._claims[token] = claim
        return claim

    def _decode(self, token: str) -> _Claim | Verdict:
        raw = shapes.decode(token)
        if raw is None:
            return Verdict.INVALID
        if not _looks_minted(raw):
            return Verdict.FOREIGN if shapes.well_formed(raw) else Verdict.INVALID
        payload, mac = raw[2 : 2 + _PAYLOAD], raw[2 + _PAYLOAD :]
        kind = _KIND_NAMES.get(payload[1])
        if raw[:2] != _HEADER or payload[0] != _VERSION or kind is None:
            return Verdict.INVALID
        if not hmac.compare_digest(mac, self._mac(payload)):
            return Verdict.INVALID
        d = [payload[2 + k * DIGEST : 2 + (k + 1) * DIGEST] for k in range(4)]
        return _Claim(kind, Binding(*d), payload[2 + 4 * DIGEST :])


def _looks_minted(raw: bytes) -> bool:
    """Whether `raw` has the shape of this server's tokens, valid or not.

    Ours are wrapped like the API's (field 2, length 114) but what they wrap starts with
    the version byte, which no protobuf field starts with; the API's wrap a message. A
    token of ours with a character edited keeps its length and, unless the edit hits the
    version byte and happens to leave 113 bytes that parse, its unparsable body: it is
    refused as ours, never taken for a foreign one.
    """
    return len(raw) == _LENGTH and not shapes.is_message(raw[2:])


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
        binding = self._binding or self._signer.first_binding(self._request)
        token = self._signer._mint(kind, content, binding)
        self._binding = Binding(
            binding.system, binding.tools, binding.messages, token_digest(token)
        )
        return token


def _differs(claimed: Binding, head: bytes, prefix: bytes, parent: bytes | None) -> str | None:
    """What of a block's conversation is not the one its signature was minted in."""
    if claimed.system != head[:DIGEST]:
        return "system"
    if claimed.tools != head[DIGEST:]:
        return "tools"
    if claimed.messages != prefix:
        return "messages"
    if parent is not None and claimed.parent != parent:
        return "order"
    return None


def _messages(request: Mapping[str, Any]) -> list[Any]:
    messages = request.get("messages")
    return messages if isinstance(messages, list) else []


def _head(request: Mapping[str, Any]) -> bytes:
    """What blocks are bound to beyond their messages: the system and tools digests."""
    return _heads((request.get("system"), request.get("tools")))


def _head_of(parts: tuple[Any, Any]) -> bytes:
    system, tools = parts
    if isinstance(system, str):
        system = [{"type": "text", "text": system}] if system else []
    return canonical_digest(system or [])[:DIGEST] + canonical_digest(tools or [])[:DIGEST]


# Both walks of a request need it: one look-up by the JSON text of both, not two.
_heads = RawJsonMemo(_head_of, budget=16 << 20)
