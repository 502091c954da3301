"""Ids shaped like the real ones: a prefix, `01`, then 22 base58-ish characters."""

from __future__ import annotations

import random
from functools import partial

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
# Random bytes mapped onto the alphabet in one `translate`: ids are minted on every request,
# and a per-character `secrets.choice` cost ~20 µs an id.
_TABLE = bytes(ord(_ALPHABET[i % len(_ALPHABET)]) for i in range(256))
# Ids must be unique, not secret: a generator seeded from the OS once is enough, and spares
# every request the `getrandom` system calls of os.urandom.
_RANDOM = random.Random()
_SUFFIX_BYTES = 22


def new_id(prefix: str) -> str:
    """E.g. ``new_id("msg")`` → ``msg_01XFDUDYJgAACzvnptvVoYEL``."""
    # getrandbits directly: Random.randbytes is a Python-level wrapper around it.
    raw = _RANDOM.getrandbits(_SUFFIX_BYTES * 8).to_bytes(_SUFFIX_BYTES, "little")
    return prefix + "_01" + raw.translate(_TABLE).decode("ascii")


# Partials rather than functions that call new_id: one Python call per id, not two.
request_id = partial(new_id, "req")
message_id = partial(new_id, "msg")
tool_use_id = partial(new_id, "toolu")
server_tool_use_id = partial(new_id, "srvtoolu")
