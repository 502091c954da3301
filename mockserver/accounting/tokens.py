"""Deterministic token counts for requests and replies, close to what the API reports.

`HeuristicTokenizer` approximates Claude's BPE tokenizer without its vocabulary:
a run of ASCII letters is one token per started 8 letters (common words are one
token, long ones split), digits go three to a token, a run of ASCII punctuation
costs one token per two characters, a line break with the indentation after it or
a run of spaces one token, each CJK character one token, other non-ASCII letters
one token per two characters and other symbols (emoji …) two each; a single space
before a word is free. Checked against the published Claude 2 vocabulary it lands
within 1-12% on English prose, Markdown, Python and JSON (about 4.5, 3.5, 4.1 and
3.2 characters per token); current models' tokenizers give somewhat more tokens
for the same text, so expect the real figures to differ by 10-35%. Anything with a
``count(text) -> int`` method can replace it.

What a request costs (`input_segments`), in the API's caching order tools → system
→ messages, one `Segment` per cacheable unit:
- a tool: its name, description and input_schema JSON; built-in tools with a
  published cost use it (bash 245, text editor 700, computer 735); any tools add
  the hidden tool-use system prompt, 346 tokens for tool_choice auto/none and 313
  for any/tool (the figures published for Claude 4 models);
- an image: scaled down to a long edge ≤ 1568 px and ≤ 1.2 MP, then ``ceil(w*h/750)``
  (image_tokens.py);
- a PDF: 2,000 tokens per page (text plus the page image; the docs give
  1,500-3,000), pages from `media.pdf_page_count`; a PDF by URL or file id is
  taken as one page; text documents cost their text;
- thinking blocks sent back count by their text: models from Opus 4.5 on keep
  earlier turns' thinking in context (``keep_thinking=False`` drops all but the
  current turn's, as older models do); redacted thinking costs 1 token per 4 bytes;
- tool_use inputs by their JSON; anything else (tool results, search results,
  server tool results) by its strings, one token per field, nested images and
  documents by the rules above;
- every message adds 3 tokens of role framing, and the request 3 for the reply
  the API primes.
"""

from __future__ import annotations

import math
import re
from _json import encode_basestring, make_encoder
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from operator import attrgetter
from typing import Any, NamedTuple, Protocol

from .content_key import ContentKey, FramedKey
from .image_tokens import source_tokens
from .media import decode_base64, pdf_page_count
from .segment import Section, Segment
from .segment_memo import SegmentMemo


class Tokenizer(Protocol):
    def count(self, text: str) -> int: ...


# One scan: every match of this alternation is one token (the classes are disjoint), so a
# count is len(findall), in C. A run of L letters is ceil(L / 8) tokens ({1,8}), digits one
# per started 3, punctuation and other letters one per started 2; other symbols add a second.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_ASCII = r"[A-Za-z]{1,8}|[0-9]{1,3}|[!-/:-@\[-`{-~]{1,2}|\n\s*|[ \t]{2,}"
_ASCII_TOKENS = re.compile(_ASCII)
_ANY_TOKENS = re.compile(f"{_ASCII}|[{_CJK}]|[^\\W\\d_A-Za-z{_CJK}]{{1,2}}|[^\\w\\s\\x00-\\x7f]")
_OTHER_SYMBOL = re.compile(r"[^\w\s\x00-\x7f]")


class HeuristicTokenizer:
    """The default tokenizer (see the module docstring); memoises counts by text."""

    def __init__(self, memo_size: int = 16_384) -> None:
        # Keyed by (hash, length) so the memo holds no text: agent requests resend
        # the same 100 KB of system prompt and history on every call. An entry holds ~220
        # bytes (tracemalloc): 16,384 of them ~3.5 MB, a few hundred conversations' texts
        # (what an agent resends is mostly answered whole by the segment memo); 65,536
        # held 14 MB and took 40,000 small requests to fill, so a long run's memory rose
        # for that long.
        # Ordered: evicting a plain dict's oldest key scans the deleted ones before it (~20 µs
        # an eviction once full), OrderedDict pops it at once.
        self._memo: OrderedDict[tuple[int, int], int] = OrderedDict()
        self._memo_size = memo_size
        # Its counts are a pure function of the text, so what they price can be remembered.
        self.prompts = SegmentMemo(budget=16 << 20)

    def count(self, text: str) -> int:
        key = (hash(text), len(text))
        found = self._memo.get(key)
        if found is None:
            if len(self._memo) >= self._memo_size:
                self._memo.popitem(last=False)
            # Measured here rather than in a helper: each call a request makes costs it.
            if text.isascii():
                found = len(_ASCII_TOKENS.findall(text))
            else:
                found = len(_ANY_TOKENS.findall(text)) + len(_OTHER_SYMBOL.findall(text))
            self._memo[key] = found
        return found


TOOL_CHOICE_TOKENS = {"auto": 346, "none": 346, "any": 313, "tool": 313}
BUILTIN_TOOL_TOKENS = {"bash": 245, "text_editor": 700, "computer": 735}
MESSAGE_TOKENS = 3
REPLY_PRIMER_TOKENS = 3
PDF_PAGE_TOKENS = 2_000

# Parsed JSON objects are dicts: the exact-type check comes first, as it costs a third of
# the ABC's, which still admits any other Mapping.
_MAPPING = (dict, Mapping)


class OutputCount(NamedTuple):
    total: int
    thinking: int


def count_input(body: Mapping[str, Any], tokenizer: Tokenizer) -> int:
    """Input tokens of a Messages (or count_tokens) request."""
    return sum(map(_TOKENS, input_segments(body, tokenizer)))


def input_segments(
    body: Mapping[str, Any], tokenizer: Tokenizer, *, keep_thinking: bool = True
) -> list[Segment]:
    """The prompt as the API caches it: tools, system, messages; one segment per block.

    With the default tokenizer, the parts a client sent before are not priced again
    (segment_memo.py); the result is the same list.
    """
    counter = _Counter(tokenizer)
    head = (body.get("tools"), body.get("tool_choice"), body.get("system"), body.get("thinking"))
    messages = body.get("messages")
    if not isinstance(messages, list):
        messages = []
    # Only tools or history can have been sent before; the memo holds the default counts.
    if (
        (head[0] or len(messages) > 1)
        and keep_thinking
        and isinstance(tokenizer, HeuristicTokenizer)
    ):
        segments = tokenizer.prompts.prompt(head, messages, counter)
    else:
        # The commonest request has no tools, system or settings.
        segments = [_NO_SETTINGS] if head == _NO_HEAD else counter.head(*head)
        if not keep_thinking:
            counter.current_turn = _current_turn_start(messages)
        for m, message in enumerate(messages):
            counter.add_message(segments, m, message)
    segments.append(_REPLY_SEGMENT)
    automatic = body.get("cache_control")
    if automatic is not None and isinstance(automatic, _MAPPING):
        _mark_automatic_breakpoint(automatic, segments)
    return segments


def count_output(content: Sequence[Mapping[str, Any]], tokenizer: Tokenizer) -> OutputCount:
    """Output tokens of a reply's content: text, thinking and tool inputs."""
    total = thinking = 0
    for block in content:
        cost = block_output_tokens(block, tokenizer)
        total += cost.total
        thinking += cost.thinking
    return OutputCount(total, thinking)


def block_output_tokens(block: Mapping[str, Any], tokenizer: Tokenizer) -> OutputCount:
    """What generating one reply block costs; result blocks of server tools cost nothing."""
    kind = block.get("type")
    if kind == "text":
        return OutputCount(tokenizer.count(str(block.get("text", ""))), 0)
    if kind == "thinking":
        n = tokenizer.count(str(block.get("thinking", "")))
        return OutputCount(n, n)
    if kind == "redacted_thinking":
        n = _redacted_tokens(block)
        return OutputCount(n, n)
    if kind in ("tool_use", "server_tool_use"):
        return OutputCount(tool_call_tokens(block, tokenizer), 0)
    return OutputCount(0, 0)


def tool_call_tokens(block: Mapping[str, Any], tokenizer: Tokenizer) -> int:
    name, arguments = str(block.get("name", "")), _json(block.get("input", {}))
    return tokenizer.count(name) + tokenizer.count(arguments)


def _redacted_tokens(block: Mapping[str, Any]) -> int:
    return math.ceil(len(str(block.get("data", ""))) / 4)


class _Counter:
    """Token costs of request blocks, with the tokenizer and per-request options."""

    # Set for ``keep_thinking=False``: thinking in earlier turns' messages costs nothing.
    current_turn = 0
    drop_thinking = False

    def __init__(self, tokenizer: Tokenizer) -> None:
        self.tokenizer = tokenizer

    def head(self, tools: Any, choice: Any, system: Any, thinking: Any) -> list[Segment]:
        """Tools, system and the settings where messages begin."""
        segments = self.tool_segments(tools, choice) if tools and isinstance(tools, list) else []
        if system:
            if isinstance(system, str):
                tokens = self.tokenizer.count(system)
                segments.append(Segment("system", "system", "text", tokens, ContentKey(system)))
            elif isinstance(system, list):
                for i, block in enumerate(system):
                    key = ContentKey(block)
                    segments.append(self.segment("system", f"system.{i}", block, key))
        if choice is None and thinking is None:
            segments.append(_NO_SETTINGS)
        else:
            segments.append(_settings_segment(choice, thinking))
        return segments

    def tool_segments(self, tools: list[Any], choice: Any) -> list[Segment]:
        kind = choice.get("type") if isinstance(choice, _MAPPING) else "auto"
        # The hidden tool-use prompt: tool_choice changes its size, not the tools'
        # cache entry, so its key stays fixed.
        overhead = TOOL_CHOICE_TOKENS.get(str(kind), 346)
        segments = [Segment("tools", "", "tool-use", overhead, _TOOL_USE, None, False)]
        for i, tool in enumerate(tools):
            if isinstance(tool, _MAPPING):
                key, tokens = ContentKey(tool), self.tool(tool)
                segments.append(Segment("tools", f"tools.{i}", "tool", tokens, key, _cc(tool)))
        return segments

    def tool(self, tool: Mapping[str, Any]) -> int:
        kind = str(tool.get("type") or "custom")
        if kind == "custom":
            count = self.tokenizer.count
            name, about = str(tool.get("name", "")), str(tool.get("description", ""))
            return count(name) + count(about) + count(_json(tool.get("input_schema", {})))
        family = kind.rsplit("_", 1)[0]
        if family in BUILTIN_TOOL_TOKENS:
            return BUILTIN_TOOL_TOKENS[family]
        return self.value(tool)

    def add_message(self, segments: list[Segment], m: int, message: Any) -> None:
        if not isinstance(message, _MAPPING):
            return
        content = message.get("content")
        if isinstance(content, str):
            tokens = self.tokenizer.count(content) + MESSAGE_TOKENS
            key = ContentKey([message.get("role"), content])
            segments.append(Segment("messages", f"messages.{m}.content", "text", tokens, key))
        elif isinstance(content, list):
            self.drop_thinking = m < self.current_turn
            for b, block in enumerate(content):
                path = f"messages.{m}.content.{b}"
                if b:
                    segments.append(self.segment("messages", path, block, ContentKey(block)))
                else:  # the role framing is part of the message's first block
                    key = FramedKey(message.get("role"), block)
                    segments.append(self.segment("messages", path, block, key, MESSAGE_TOKENS))

    def segment(
        self, section: Section, path: str, block: Any, key: ContentKey, framing: int = 0
    ) -> Segment:
        if isinstance(block, _MAPPING):
            tokens = self.block(block) + framing
            return Segment(section, path, str(block.get("type")), tokens, key, _cc(block))
        return Segment(section, path, "unknown", self.value(block) + framing, key)

    def block(self, block: Mapping[str, Any]) -> int:
        kind = block.get("type")
        if kind == "text":
            return self.tokenizer.count(str(block.get("text", "")))
        if kind == "thinking":
            return 0 if self.drop_thinking else self.tokenizer.count(str(block.get("thinking", "")))
        if kind in ("tool_use", "server_tool_use"):
            return tool_call_tokens(block, self.tokenizer)
        if kind == "image":
            return source_tokens(block.get("source"))
        if kind == "document":
            return self.document(block)
        if kind == "redacted_thinking":
            return 0 if self.drop_thinking else _redacted_tokens(block)
        return self.fields(block, _UNCOUNTED_BLOCK_KEYS)

    def document(self, block: Mapping[str, Any]) -> int:
        count = self.tokenizer.count
        extra = count(str(block.get("title") or "")) + count(str(block.get("context") or ""))
        source = block.get("source")
        if not isinstance(source, _MAPPING):
            return extra
        kind = source.get("type")
        if kind == "base64":
            pages = pdf_page_count(decode_base64(str(source.get("data", ""))) or b"")
            return extra + pages * PDF_PAGE_TOKENS
        if kind == "text":
            return extra + count(str(source.get("data", "")))
        if kind == "content":
            return extra + self.value(source.get("content"))
        return extra + PDF_PAGE_TOKENS

    def value(self, value: Any) -> int:
        """Any other JSON: strings by the tokenizer, nested blocks by their own rules."""
        if isinstance(value, str):
            return self.tokenizer.count(value)
        if isinstance(value, list):
            return sum(map(self.value, value))
        if isinstance(value, _MAPPING):
            # Open objects (a toolset's `configs`) may hold anything under "type".
            kind = value.get("type")
            priced = isinstance(kind, str) and kind in _PRICED_BLOCKS
            return self.block(value) if priced else self.fields(value, _UNCOUNTED_KEYS)
        return 1

    def fields(self, value: Mapping[str, Any], skipped: frozenset[str]) -> int:
        """An object's fields: one token each plus their values."""
        counted = [item for key, item in value.items() if key not in skipped]
        return len(counted) + sum(map(self.value, counted))


_UNMARKABLE = frozenset({"thinking", "redacted_thinking"})
_PRICED_BLOCKS = frozenset({"text", "image", "document", "thinking", "redacted_thinking"})
_UNCOUNTED_KEYS = frozenset({"cache_control", "signature", "citations"})
# A block without its own rule costs its fields but its type.
_UNCOUNTED_BLOCK_KEYS = _UNCOUNTED_KEYS | {"type"}
_TOKENS = attrgetter("tokens")
_TOOL_USE = ContentKey.fixed("tool-use")
# Shared by every request: segments are tuples and a key, once hashed, never changes.
_REPLY_SEGMENT = Segment(
    "messages", "", "reply", REPLY_PRIMER_TOKENS, ContentKey.fixed("reply"), None, False
)


def _settings_segment(tool_choice: Any, thinking: Any) -> Segment:
    # tool_choice and thinking settings invalidate the messages cache (not tools or
    # system), so they enter the prefix right where messages begin.
    settings = {"tool_choice": tool_choice, "thinking": thinking}
    return Segment("messages", "", "settings", 0, ContentKey(settings), None, False)


_NO_SETTINGS = _settings_segment(None, None)
_NO_HEAD = (None, None, None, None)


def _current_turn_start(messages: list[Any]) -> int:
    """Index of the last user message that is not only tool results (the current turn)."""
    for m in range(len(messages) - 1, -1, -1):
        message = messages[m]
        if not isinstance(message, _MAPPING) or message.get("role") != "user":
            continue
        content = message.get("content")
        if not isinstance(content, list) or any(
            not isinstance(b, _MAPPING) or b.get("type") != "tool_result" for b in content
        ):
            return m
    return 0


def _mark_automatic_breakpoint(automatic: Mapping[str, Any], segments: list[Segment]) -> None:
    """Top-level cache_control puts a breakpoint on the last block that can carry one."""
    for i in range(len(segments) - 1, -1, -1):
        segment = segments[i]
        if segment.is_block and segment.kind not in _UNMARKABLE:
            if segment.cache_control is None:
                segments[i] = segment._replace(cache_control=automatic)
            return


def _cc(block: Mapping[str, Any]) -> Mapping[str, Any] | None:
    cc = block.get("cache_control")
    # A copy: a remembered segment (segment_memo.py) outlives the request's objects.
    return dict(cc) if cc is not None and isinstance(cc, _MAPPING) else None


def _json(value: Any) -> str:
    # What `json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)`
    # returns, without the Python layers of JSONEncoder around its C encoder.
    encode = make_encoder({}, str, encode_basestring, None, ":", ",", False, False, True)
    return "".join(encode(value, 0))
