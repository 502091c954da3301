"""Ids shaped like the real ones: a prefix, `01`, then 22 base58-ish characters."""

from __future__ import annotations

import random

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
# Random bytes mapped onto the alphabet in one `translate`: ids are minted on every request,
# and a per-character `secrets.choice` cost ~20 µs an id.
_TABLE = bytes(ord(_ALPHABET[i % len(_ALPHABET)]) for i in range(256))
# Ids must be unique, not secret: a generator seeded from the OS once is enough, and spares
# every request the `getrandom` system calls of os.urandom.
_RANDOM = random.Random()


def _suffix(n: int = 22) -> str:
    # getrandbits directly: Random.randbytes is a Python-level wrapper around it.
    return _RANDOM.getrandbits(n * 8).to_bytes(n, "little").translate(_TABLE).decode("ascii")


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
