"""Recorded conversations, written as scenario files in the project's own format.

One scenario per conversation (its system prompt and first message), one step per
request in the order they came, `isolation: conversation` so parallel conversations each
replay their own steps. A file target holds every conversation (one YAML document each);
a folder target gets a file per conversation. Files are rewritten after every exchange
(to a temporary file, then renamed), so an interrupted run leaves a loadable recording.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import yaml

from ..scripting.conversation import Conversation
from .derive import match_of, reply_of
from .proxy import Captured
from .redaction import Redaction


class _Dumper(yaml.SafeDumper):
    """Block style for multi-line text, so a recorded prompt or answer reads as written
    and a change to it diffs line by line."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value and not value.endswith((" ", "\t")) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def conversation_key(body: Mapping[str, Any]) -> str:
    """Names a conversation: its system prompt and first message (8 hex digits)."""
    conv = Conversation(body, "", {})
    first = conv.messages[0] if conv.messages else {}
    raw = orjson.dumps([conv.system_text, first], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(raw).hexdigest()[:8]


def _slug(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower())[:6]
    return "-".join(words) or "conversation"


@dataclass
class _Conversation:
    name: str
    path: Path
    steps: list[dict[str, Any]] = field(default_factory=list)
    trusted: list[str] = field(default_factory=list)

    def document(self, upstream: str) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "version": 1,
            "name": self.name,
            "description": f"Recorded from {upstream}.",
            "isolation": "conversation",
            "steps": self.steps,
        }
        if self.trusted:
            doc["trusted_signatures"] = self.trusted
        return doc


class Cassette:
    """Where recorded exchanges go, and how they are written."""

    def __init__(
        self, target: Path, upstream: str, redaction: Redaction, *, append: bool = False
    ) -> None:
        self.target = target
        self.upstream = upstream
        self.redaction = redaction
        self.per_conversation = target.suffix not in (".yaml", ".yml")
        # Mode `new`: what is recorded is added to the recording, which stays as it was
        # (a file keeps its text ahead; a folder gets new files beside the old).
        self.append = append
        self.keep = (
            target.read_text(encoding="utf-8")
            if append and not self.per_conversation and target.is_file()
            else ""
        )
        self._conversations: dict[str, _Conversation] = {}
        # Written from the server's loop; the lock keeps a reader of the dict consistent.
        self._lock = threading.Lock()

    def add(self, body: Mapping[str, Any], captured: Captured, headers: Mapping[str, str]) -> None:
        """Record one exchange of /v1/messages and write the file it belongs in."""
        reply = reply_of(captured)
        if reply is None:
            return
        secrets = self.redaction.secrets(headers)
        body = self.redaction.body(body)
        key = conversation_key(body)
        with self._lock:
            conv = self._conversations.get(key)
            if conv is None:
                opening = self.redaction.text(Conversation(body, "", {}).last_user_text, secrets)
                name = f"{_slug(opening)}-{key}"
                conv = self._conversations[key] = _Conversation(name, self._path(name))
            match = self.redaction.text(match_of(body), secrets)
            step = {
                "name": f"turn {match['turn']}" + _attempt(conv, match),
                "match": match,
                "reply": self.redaction.text(self.redaction.body(reply), secrets),
            }
            conv.steps.append(step)
            conv.trusted += _tokens(step["reply"])
            self._write(conv)

    def _path(self, name: str) -> Path:
        if not self.per_conversation:
            return self.target
        path, number = self.target / f"{name}.yaml", 1
        while self.append and path.exists():
            number += 1
            path = self.target / f"{name}-{number}.yaml"
        return path

    def _write(self, changed: _Conversation) -> None:
        if self.per_conversation:
            path = changed.path
            docs = [changed.document(self.upstream)]
            keep = ""
        else:
            path = self.target
            docs = [c.document(self.upstream) for c in self._conversations.values()]
            keep = self.keep
        text = yaml.dump_all(docs, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
        if keep:
            text = keep.rstrip("\n") + "\n---\n" + text
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)


def _attempt(conv: _Conversation, match: Mapping[str, Any]) -> str:
    """` (attempt n)` for a request sent again with the same match (a client's retry)."""
    same = sum(1 for s in conv.steps if s["match"] == match)
    return f" (attempt {same + 1})" if same else ""


def _tokens(reply: Mapping[str, Any]) -> list[str]:
    """The thinking tokens a recorded reply carries: genuine, and listed so replay trusts them."""
    out: list[str] = []
    for block in reply.get("content") or []:
        token = block.get("signature" if block.get("type") == "thinking" else "data")
        if block.get("type") in ("thinking", "redacted_thinking") and isinstance(token, str):
            out.append(token)
    return out
