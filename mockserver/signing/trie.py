"""The thinking blocks of a conversation and their verdicts, remembered per conversation prefix.

An agent loop resends its whole conversation on every call and adds a message or two.
The conversation hash a block is bound to, the block before it and so its verdict depend
on everything before the block, so they are kept in a trie: a node is the conversation up
to one message, reached from its parent node by that message's exact JSON text, under a
head naming what blocks are judged against (the `system` and `tools` digests). A node is
only reached by requests equal up to and including its message, at its position, so what
it holds is exactly what working through those messages gives; a request works only
through the messages not seen before under its prefix. Each node is the dict of its
children, so the walk down the known part runs in C; a long message is found by its
text's ends (`lookup_key`: hashing a 60 KB turn costs more than comparing it), and its
text is compared whole after the walk. At most `budget` bytes are held
(the JSON text plus a fixed cost per node), oldest out first; a node whose parent went
out is no longer reached and goes out in its turn.
"""

from __future__ import annotations

import hashlib
import threading
from collections import deque
from collections.abc import Callable, Mapping
from enum import Enum
from functools import partial
from itertools import accumulate, takewhile
from operator import getitem, is_not
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from .canonical import canonical_digest, compact, lookup_key

if TYPE_CHECKING:
    from hashlib import _Hash

THINKING_TYPES = frozenset({"thinking", "redacted_thinking"})
DIGEST = 8
CONTENT_DIGEST = 16
# What a node holds besides its JSON text (the dict, its fields, a hash state), roughly.
_NODE_COST = 600
# Texts longer than this are looked up by their ends; most messages are shorter, and for
# them the hash costs less than taking the ends and comparing.
_LONG = 4096

# Data parsed from a request body encodes one way only. Subclasses, dataclasses and dates
# (which could encode like plain JSON yet be read otherwise) raise instead: not remembered.
_dumps = partial(
    orjson.dumps,
    option=orjson.OPT_PASSTHROUGH_SUBCLASS
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_DATETIME,
)


class Verdict(Enum):
    VALID = "valid"
    # Well-formed but not minted by this server (a real API's, replayed): unverifiable.
    FOREIGN = "foreign"
    # Malformed, forged, or minted here for other content (the block was edited).
    INVALID = "invalid"
    # Minted here, but for a different conversation (see `BlockCheck.differs`).
    MISMATCH = "mismatch"


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


class Thought(NamedTuple):
    """A thinking or redacted_thinking block, reduced to what its check needs."""

    block: int
    kind: str
    token: Any  # `signature` or `data`, as sent
    token_digest: bytes  # the `parent` of the block after it
    text_digest: bytes | None  # of a thinking block's text, when it is a string


# Judges block `thought` of message `message`, given the digest of the conversation before
# its turn, the token digest of the request's block before it (None for the first) and
# the head it is judged under.
Judge = Callable[[int, Thought, bytes, "bytes | None", bytes], BlockCheck]


class Node(dict[bytes, "Node"]):
    """The conversation up to one message (a head's node: none yet).

    All fields are set when the node is made, from its message and its parent alone.
    """

    __slots__ = (
        *("checks", "digest", "faults", "last_token", "raw", "state", "turn_prefix"),
        "turn_role",
    )

    raw: bytes  # the JSON text the node is reached by (a head's: its digests)
    state: _Hash  # the conversation hash after the message
    digest: bytes  # of `state`
    # Consecutive messages of one role are one turn; system messages join the turn
    # they fall in.
    turn_role: Any
    turn_prefix: bytes  # the digest of the conversation before the turn
    last_token: bytes | None  # the token digest of the last block so far
    checks: tuple[BlockCheck, ...]  # of the message's blocks
    faults: tuple[BlockCheck, ...]  # those of `checks` that are not VALID

    def __missing__(self, raw: bytes) -> Node:
        return _MISSING

    @property
    def reply_prefix(self) -> bytes:
        """What a reply's first block is bound to: a reply joins a trailing assistant turn."""
        return self.turn_prefix if self.turn_role == "assistant" else self.digest


def _head() -> Node:
    node = Node()
    node.state = hashlib.sha256()
    node.digest = node.turn_prefix = _EMPTY
    node.turn_role = node.last_token = None
    node.checks = node.faults = ()
    return node


_EMPTY = hashlib.sha256().digest()[:DIGEST]
_MISSING = Node()
_KNOWN = partial(is_not, _MISSING)


def grow(parent: Node, message: Any, index: int, head: bytes, judge: Judge) -> Node:
    """The conversation `parent` with `message` added at `index`."""
    role, feed, thoughts = message_part(message)
    node = Node()
    if role in ("system", parent.turn_role):
        node.turn_role, node.turn_prefix = parent.turn_role, parent.turn_prefix
    else:
        node.turn_role, node.turn_prefix = role, parent.digest
    if feed:
        node.state = parent.state.copy()
        node.state.update(feed)
        node.digest = node.state.digest()[:DIGEST]
    else:
        node.state, node.digest = parent.state, parent.digest
    last = parent.last_token
    checks = []
    for thought in thoughts:
        checks.append(judge(index, thought, node.turn_prefix, last, head))
        last = thought.token_digest
    node.last_token = last
    node.checks = tuple(checks)
    node.faults = tuple(c for c in checks if c.verdict is not Verdict.VALID)
    return node


class SignatureTrie:
    """The conversations seen, under each head, for one judge (one signer)."""

    def __init__(self, judge: Judge, budget: int) -> None:
        self._judge = judge
        self._budget = budget
        # Only a write needs it: a dict read on its own is atomic.
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        """Forget every verdict (the judge now decides some tokens otherwise)."""
        with self._lock:
            self._held = 0
            self._top = _head()  # the heads' parent
            self._order: deque[tuple[Node, bytes]] = deque()

    def walk(self, head: bytes, messages: list[Any]) -> list[Node]:
        """The nodes of the conversation: two with none of it, then one after each message."""
        try:
            raws = [head, *map(_dumps, messages)]
        except TypeError:  # not plain JSON data: worked through afresh, not remembered
            nodes = [self._top, _head()]
            for i, message in enumerate(messages):
                nodes.append(grow(nodes[-1], message, i, head, self._judge))
            return nodes
        # Most messages are short and found by their text; a long one by its ends, and
        # then it is on the path only if its whole text is the same.
        longs = [i for i, raw in enumerate(raws) if len(raw) > _LONG]
        keys = raws
        if longs:
            keys = raws.copy()
            for i in longs:
                keys[i] = lookup_key(raws[i])
        nodes = list(takewhile(_KNOWN, accumulate(keys, getitem, initial=self._top)))
        for i in longs:
            if i + 1 < len(nodes) and nodes[i + 1].raw != raws[i]:
                del nodes[i + 1 :]
                break
        if len(nodes) == 1:
            nodes.append(self._remember(self._top, head, _head()))
        for i in range(len(nodes) - 2, len(messages)):
            node = grow(nodes[-1], messages[i], i, head, self._judge)
            nodes.append(self._remember(nodes[-1], raws[i + 1], node))
        return nodes

    def _remember(self, parent: Node, raw: bytes, node: Node) -> Node:
        node.raw = compact(raw)
        # A short text is its own key: held once.
        key = node.raw if len(raw) <= _LONG else lookup_key(node.raw)
        with self._lock:
            held = parent.get(key)
            if held is not None and held.raw == raw:
                return held  # made by another thread meanwhile: the same, keep one
            parent[key] = node
            if held is None:
                self._order.append((parent, key))
                self._held += _size(key, node)
            else:  # another text with the same ends gives way, in its place in the order
                self._held += _size(key, node) - _size(key, held)
            while self._held > self._budget:
                old_parent, old_key = self._order.popleft()
                self._held -= _size(old_key, old_parent.pop(old_key))
        return node


def _size(key: bytes, node: Node) -> int:
    """What a node holds: its JSON text (and its key when that is the text's ends)."""
    return len(node.raw) + (len(key) if key is not node.raw else 0) + _NODE_COST


class _Part(NamedTuple):
    """What one message adds to the conversation."""

    role: Any
    # The digests the conversation hash takes in, in order: the message's own fields
    # beyond role and content, then each non-thinking block.
    feed: bytes
    thoughts: tuple[Thought, ...]


_NOTHING = _Part(None, b"", ())


def message_part(message: Any) -> _Part:
    if not isinstance(message, Mapping):
        # Indices must stay those of the request, so odd entries count as empty messages.
        return _NOTHING
    role = message.get("role")
    feed: list[bytes] = []
    thoughts: list[Thought] = []
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
        text_digest = content_digest(utf8(text)) if isinstance(text, str) else None
        thoughts.append(Thought(j, kind, token, token_digest(token), text_digest))
    return _Part(role, b"".join(feed), tuple(thoughts))


def _raw_blocks(message: Mapping[str, Any]) -> list[Any]:
    content = message.get("content")
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    return content if isinstance(content, list) else []


def content_digest(content: bytes) -> bytes:
    return hashlib.sha256(content).digest()[:CONTENT_DIGEST]


def token_digest(token: Any) -> bytes:
    return hashlib.sha256(utf8(token if isinstance(token, str) else "")).digest()[:DIGEST]


def utf8(text: str) -> bytes:
    # Lone surrogates (only in data built in Python, never in parsed JSON) must not
    # raise: such a text or signature was never minted and so simply fails its check.
    return text.encode("utf-8", "surrogatepass")
