"""Text a client harness puts into the user's turn that the user never typed.

Agent harnesses send reminders, notifications and command echoes as user text, each
wrapped in its own tag (Claude Code: `<system-reminder>`, `<task-notification>`,
`<command-name>`, …). The default reply reads what the user said to decide whether to
call a tool and which; these elements are not the user speaking, and a turn made of
nothing else is not a new request.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

# The tags Claude Code wraps text of its own in: reminders, background-task
# notifications, slash-command and `!` shell echoes, hook output. Guess: the list is
# Claude Code's alone; other harnesses' injected text counts as the user's (the default
# reply's loop still ends, by its one-call rule).
INJECTED_TAGS = (
    "system-reminder",
    "task-notification",
    "command-name",
    "command-message",
    "command-args",
    "local-command-stdout",
    "local-command-stderr",
    "local-command-caveat",
    "user-prompt-submit-hook",
    "bash-input",
    "bash-stdout",
    "bash-stderr",
)
# An element: its opening tag, then everything up to the first closing tag of that name.
# The content is read as runs without `<` and single `<`s that open no such closing tag,
# both possessive: the same match as a lazy `.*?` would find, without trying the closing
# tag at every character (a Claude Code first turn carries ~30 KB of reminders).
_ELEMENT = re.compile(
    r"<(" + "|".join(INJECTED_TAGS) + r")(?:\s[^>]*)?>(?:[^<]++|<(?!/\1\s*>))*+</\1\s*>",
    re.IGNORECASE,
)


# Where an element could begin: a block left with one after its own elements are taken
# out might hold the start of an element that ends in a later block.
_OPENING = re.compile(r"<(?:" + "|".join(INJECTED_TAGS) + r")", re.IGNORECASE)
# The texts remembered: a shorter one is searched faster than found again, a longer one
# is not held.
_REMEMBERED_CHARS = (1 << 10, 1 << 16)


def user_said(text: str) -> str:
    """`text` without the harness's injected elements (an unclosed tag is left as it is)."""
    rest, tagged = _taken_out(text)
    return rest.strip() if tagged else text


def said_in(texts: Sequence[str]) -> str:
    """`user_said` of the texts joined by line breaks (a turn's text blocks), worked out
    block by block: an agent resends the same reminder blocks with every turn, and each
    block's elements are taken out once. A block left with the start of an element (one
    that could close in a later block) sends the whole text through instead."""
    if len(texts) == 1:
        return user_said(texts[0])
    taken = [_taken_out(text) for text in texts]
    if not any(tagged for _, tagged in taken):
        return "\n".join(texts)
    if any(_OPENING.search(rest) for rest, _ in taken):
        return user_said("\n".join(texts))
    return "\n".join(rest for rest, _ in taken).strip()


def _taken_out(text: str) -> tuple[str, bool]:
    """`text` with its elements taken out (not yet stripped), and whether it holds a
    closing tag at all (text without one is left exactly as it is)."""
    if _REMEMBERED_CHARS[0] <= len(text) <= _REMEMBERED_CHARS[1]:
        return _remembered(text)
    return _without_elements(text)


def _without_elements(text: str) -> tuple[str, bool]:
    # Most user text holds no tag at all: no regex pass for it.
    if "</" not in text:
        return text, False
    return _ELEMENT.sub("", text), True


# Their text's hash is already worked out (the token count looked it up), so a block seen
# before costs a comparison, not a search.
_remembered = lru_cache(maxsize=256)(_without_elements)
