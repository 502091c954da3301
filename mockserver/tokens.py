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
- an image: scaled down to a long edge ≤ 1568 px and ≤ 1.2 MP (≈1.15 MiP, the
  documented ~1,600-token ceiling), then ``ceil(w*h/750)``; an image sent by URL or
  file id, or whose header is unreadable, is taken as 1092x1092 (1,590 tokens);
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

import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal, NamedTuple, Protocol

from .content_key import ContentKey, role_key
from .media import decode_base64, image_size, pdf_page_count


class Tokenizer(Protocol):
    def count(self, text: str) -> int: ...


_LONG_WORD = re.compile(r"[A-Za-z]{9,}")
_WORD = re.compile(r"[A-Za-z]+")
_DIGITS = re.compile(r"[0-9]+")
_PUNCT = re.compile(r"[!-/:-@\[-`{-~]+")
_BREAK = re.compile(r"\n\s*|[ \t]{2,}")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_OTHER_LETTERS = re.compile(
    r"[^\W\d_A-Za-z\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+"
)
_OTHER_SYMBOL = re.compile(r"[^\w\s\x00-\x7f]")


class HeuristicTokenizer:
    """The default tokenizer (see the module docstring); memoises counts by text."""

    def __init__(self, memo_size: int = 65_536) -> None:
        # Keyed by (hash, length) so the memo holds no text: agent requests resend
        # the same 100 KB of system prompt and history on every call.
        self._memo: dict[tuple[int, int], int] = {}
        self._memo_size = memo_size

    def count(self, text: str) -> int:
        key = (hash(text), len(text))
        found = self._memo.get(key)
        if found is None:
            found = self._measure(text)
            if len(self._memo) >= self._memo_size:
                self._memo.pop(next(iter(self._memo)), None)
            self._memo[key] = found
        return found

    @staticmethod
    def _measure(text: str) -> int:
        tokens = len(_WORD.findall(text))
        tokens += sum((len(w) - 1) // 8 for w in _LONG_WORD.findall(text))
        tokens += sum((len(d) + 2) // 3 for d in _DIGITS.findall(text))
        tokens += sum((len(p) + 1) // 2 for p in _PUNCT.findall(text))
        tokens += len(_BREAK.findall(text))
        if not text.isascii():
            tokens += len(_CJK.findall(text))
            tokens += sum((len(w) + 1) // 2 for w in _OTHER_LETTERS.findall(text))
            tokens += 2 * len(_OTHER_SYMBOL.findall(text))
        return tokens


TOOL_CHOICE_TOKENS = {"auto": 346, "none": 346, "any": 313, "tool": 313}
BUILTIN_TOOL_TOKENS = {"bash": 245, "text_editor": 700, "computer": 735}
MESSAGE_TOKENS = 3
REPLY_PRIMER_TOKENS = 3
PDF_PAGE_TOKENS = 2_000
IMAGE_LONG_EDGE = 1568
IMAGE_MAX_PIXELS = 1_200_000
UNSEEN_IMAGE_SIZE = (1092, 1092)
# Enough base64 for any image header except a JPEG behind a large EXIF block.
_HEADER_CHARS = 65_536

# Parsed JSON objects are dicts: the exact-type check comes first, as it costs a third of
# the ABC's, which still admits any other Mapping.
_MAPPING = (dict, Mapping)

Section = Literal["tools", "system", "messages"]


class Segment(NamedTuple):
    """One cacheable unit of the prompt, or an overhead the API adds (``is_block=False``).

    A tuple rather than a dataclass: a long conversation makes hundreds per request.
    """

    section: Section
    path: str
    kind: str
    tokens: int
    content_key: ContentKey
    cache_control: Mapping[str, Any] | None = None
    is_block: bool = True

    @property
    def key(self) -> str:
        """The content's key (content_key.py): equal content, equal key."""
        return self.content_key.value


class OutputCount(NamedTuple):
    total: int
    thinking: int


def image_tokens(width: int, height: int) -> int:
    """Tokens for an image of this size after the API's downscaling."""
    if width <= 0 or height <= 0:
        return 0
    scale = min(
        1.0, IMAGE_LONG_EDGE / max(width, height), math.sqrt(IMAGE_MAX_PIXELS / (width * height))
    )
    w, h = max(1, int(width * scale)), max(1, int(height * scale))
    return math.ceil(w * h / 750)


def count_input(body: Mapping[str, Any], tokenizer: Tokenizer) -> int:
    """Input tokens of a Messages (or count_tokens) request."""
    return sum(s.tokens for s in input_segments(body, tokenizer))


def input_segments(
    body: Mapping[str, Any], tokenizer: Tokenizer, *, keep_thinking: bool = True
) -> list[Segment]:
    """The prompt as the API caches it: tools, system, messages; one segment per block."""
    counter = _Counter(tokenizer)
    segments = list(counter.tool_segments(body))
    system = body.get("system")
    if isinstance(system, str) and system:
        tokens = tokenizer.count(system)
        segments.append(Segment("system", "system", "text", tokens, ContentKey.of(system)))
    elif isinstance(system, list):
        for i, block in enumerate(system):
            segments.append(counter.segment("system", f"system.{i}", block))
    segments.append(_settings_segment(body))
    messages = body.get("messages")
    if isinstance(messages, list):
        current_turn = _current_turn_start(messages)
        for m, message in enumerate(messages):
            counter.drop_thinking = not keep_thinking and m < current_turn
            segments.extend(counter.message_segments(m, message))
    segments.append(Segment("messages", "", "reply", REPLY_PRIMER_TOKENS, _REPLY, None, False))
    _mark_automatic_breakpoint(body, segments)
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
    return tokenizer.count(str(block.get("name", ""))) + tokenizer.count(
        _json(block.get("input", {}))
    )


def _redacted_tokens(block: Mapping[str, Any]) -> int:
    return math.ceil(len(str(block.get("data", ""))) / 4)


class _Counter:
    """Token costs of request blocks, with the tokenizer and per-request options."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        self.tokenizer = tokenizer
        self.drop_thinking = False

    def tool_segments(self, body: Mapping[str, Any]) -> Iterator[Segment]:
        tools = body.get("tools")
        if not isinstance(tools, list) or not tools:
            return
        choice = body.get("tool_choice")
        kind = choice.get("type") if isinstance(choice, _MAPPING) else "auto"
        # The hidden tool-use prompt: tool_choice changes its size, not the tools'
        # cache entry, so its key stays fixed.
        overhead = TOOL_CHOICE_TOKENS.get(str(kind), 346)
        yield Segment("tools", "", "tool-use", overhead, _TOOL_USE, None, False)
        for i, tool in enumerate(tools):
            if isinstance(tool, _MAPPING):
                key = ContentKey.of(tool)
                yield Segment(
                    "tools", f"tools.{i}", "tool", self.tool(tool), key, _cache_control(tool)
                )

    def tool(self, tool: Mapping[str, Any]) -> int:
        kind = str(tool.get("type") or "custom")
        family = kind.rsplit("_", 1)[0]
        if family in BUILTIN_TOOL_TOKENS:
            return BUILTIN_TOOL_TOKENS[family]
        if kind == "custom":
            count = self.tokenizer.count
            schema = _json(tool.get("input_schema", {}))
            return (
                count(str(tool.get("name", "")))
                + count(str(tool.get("description", "")))
                + count(schema)
            )
        return self.value(tool)

    def message_segments(self, m: int, message: Any) -> Iterator[Segment]:
        if not isinstance(message, _MAPPING):
            return
        content = message.get("content")
        if isinstance(content, str):
            tokens = self.tokenizer.count(content) + MESSAGE_TOKENS
            key = ContentKey.of([message.get("role"), content])
            yield Segment("messages", f"messages.{m}.content", "text", tokens, key)
            return
        if not isinstance(content, list):
            return
        for b, block in enumerate(content):
            path = f"messages.{m}.content.{b}"
            if b == 0:
                # The role framing is part of the message's first block.
                yield self.segment("messages", path, block, MESSAGE_TOKENS, message.get("role"))
            else:
                yield self.segment("messages", path, block)

    def segment(
        self, section: Section, path: str, block: Any, framing: int = 0, role: Any = None
    ) -> Segment:
        if isinstance(block, _MAPPING):
            kind, tokens = str(block.get("type")), self.block(block)
        else:
            kind, tokens = "unknown", self.value(block)
        key = role_key(role, block) if framing else ContentKey.of(block)
        return Segment(section, path, kind, tokens + framing, key, _cache_control(block))

    def block(self, block: Mapping[str, Any]) -> int:
        count = self.tokenizer.count
        kind = block.get("type")
        if kind == "text":
            return count(str(block.get("text", "")))
        if kind == "image":
            return self.image(block.get("source"))
        if kind == "document":
            return self.document(block)
        if kind == "thinking":
            return 0 if self.drop_thinking else count(str(block.get("thinking", "")))
        if kind == "redacted_thinking":
            return 0 if self.drop_thinking else _redacted_tokens(block)
        if kind in ("tool_use", "server_tool_use"):
            return tool_call_tokens(block, self.tokenizer)
        return self.value({k: v for k, v in block.items() if k != "type"})

    def image(self, source: Any) -> int:
        size = None
        if isinstance(source, _MAPPING) and source.get("type") == "base64":
            data = str(source.get("data", ""))
            head = decode_base64(data[:_HEADER_CHARS]) or b""
            size = image_size(head)
            if size is None and len(data) > _HEADER_CHARS:
                size = image_size(decode_base64(data) or b"")
        return image_tokens(*(size or UNSEEN_IMAGE_SIZE))

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
            return sum(self.value(v) for v in value)
        if isinstance(value, _MAPPING):
            if "type" in value and value["type"] in _PRICED_BLOCKS:
                return self.block(value)
            return sum(1 + self.value(v) for k, v in value.items() if k not in _UNCOUNTED_KEYS)
        return 1


_UNMARKABLE = frozenset({"thinking", "redacted_thinking"})
_REPLY = ContentKey.fixed("reply")
_TOOL_USE = ContentKey.fixed("tool-use")
_PRICED_BLOCKS = frozenset({"text", "image", "document", "thinking", "redacted_thinking"})
_UNCOUNTED_KEYS = frozenset({"cache_control", "signature", "citations"})


def _settings_segment(body: Mapping[str, Any]) -> Segment:
    # tool_choice and thinking settings invalidate the messages cache (not tools or
    # system), so they enter the prefix right where messages begin.
    settings = {"tool_choice": body.get("tool_choice"), "thinking": body.get("thinking")}
    return Segment("messages", "", "settings", 0, ContentKey.of(settings), None, False)


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


def _mark_automatic_breakpoint(body: Mapping[str, Any], segments: list[Segment]) -> None:
    """Top-level cache_control puts a breakpoint on the last block that can carry one."""
    automatic = body.get("cache_control")
    if automatic is None or not isinstance(automatic, _MAPPING):
        return
    for i in range(len(segments) - 1, -1, -1):
        segment = segments[i]
        if segment.is_block and segment.kind not in _UNMARKABLE:
            if segment.cache_control is None:
                segments[i] = segment._replace(cache_control=automatic)
            return


def _cache_control(block: Any) -> Mapping[str, Any] | None:
    if isinstance(block, _MAPPING):
        cc = block.get("cache_control")
        if cc is not None and isinstance(cc, _MAPPING):
            return cc
    return None


# Built once: `json.dumps` with options makes a new encoder per call.
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)


def _json(value: Any) -> str:
    return _COMPACT.encode(value)
