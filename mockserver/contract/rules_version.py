"""Content rules API version 2026-10-21 added (docs, "Migrating to API version 2026-10-21").

- A `document` block placed directly in an assistant message is refused; documents
  nested in other blocks (a web fetch result Claude returned) are still accepted.
- A `text` block with a non-empty `citations` array in a user message is refused, also
  inside a `search_result` block; citations on assistant text, and the
  `citations: {enabled: true}` setting of documents and search results, are accepted.

The API's wording for both is not public; these follow its pydantic-style messages and
are guesses.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..errors import Problem
from .rules_request import Block, RuleRequest, blocks, problem
from .rules_scan import CITATIONS, DOCUMENTS


def rule_no_document_in_assistant(req: RuleRequest) -> Iterator[Problem]:
    if not req.is_2026:
        return
    messages = req.messages
    for i in req.messages_with(DOCUMENTS):
        if messages[i].get("role") != "assistant":
            continue
        for j, block in enumerate(blocks(messages[i].get("content"))):
            if block.get("type") == "document":
                where = f"messages.{i}.content.{j}.document"
                yield problem(
                    "no_document_in_assistant",
                    f"{where}: Document blocks are not allowed in assistant messages. "
                    "Send documents in user messages.",
                    where,
                )


def rule_no_citations_from_user(req: RuleRequest) -> Iterator[Problem]:
    if not req.is_2026:
        return
    messages = req.messages
    for i in req.messages_with(CITATIONS):
        if messages[i].get("role") != "user":
            continue
        for j, block in enumerate(blocks(messages[i].get("content"))):
            for where in _cited_texts(block, f"messages.{i}.content.{j}"):
                yield problem(
                    "no_citations_from_user",
                    f"{where}: Citations are not allowed in user messages. Remove `citations` "
                    "from this text block.",
                    where,
                )


def _cited_texts(block: Block, at: str) -> Iterator[str]:
    kind = block.get("type")
    if kind == "text" and _cites(block):
        yield f"{at}.text.citations"
    elif kind == "search_result":
        for k, inner in enumerate(blocks(block.get("content"))):
            if inner.get("type") == "text" and _cites(inner):
                yield f"{at}.search_result.content.{k}.citations"
    elif kind == "tool_result":
        for k, inner in enumerate(blocks(block.get("content"))):
            if inner.get("type") == "search_result":
                yield from _cited_texts(inner, f"{at}.tool_result.content.{k}")


def _cites(block: Block) -> bool:
    citations = block.get("citations")
    return isinstance(citations, list) and bool(citations)
