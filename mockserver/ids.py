"""Ids shaped like the real ones: a prefix, `01`, then 22 base58-ish characters."""

from __future__ import annotations

import secrets

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _suffix(n: int = 22) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(n))


def new_id(prefix: str) -> str:
    """E.g. ``new_id("msg")`` → ``msg_01XFDUDYJgAACzvnptvVoYEL``."""
    return f"{prefix}_01{_suffix()}"


def request_id() -> str:
    return new_id("req")


def message_id() -> str:
    return new_id("msg")


def tool_use_id() -> str:
    return new_id("toolu")


def server_tool_use_id() -> str:
    return new_id("srvtoolu")
